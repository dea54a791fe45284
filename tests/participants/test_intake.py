"""Intake turns a referral (from any of the three pathways) or a walk-in into a participant:
identity, contact, circumstances, the needs assessment by domain, and a case manager within the
caseload limit. It completes the referral and stops the diversion clock."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from participants.models import (
    CaseloadOverride,
    Domain,
    NeedAssessment,
    Participant,
    RaceEthnicity,
)
from participants.services import intake_complete
from referrals import tasks
from referrals.models import Referral, Status
from referrals.services import referral_assign, referral_close, referral_submit
from sites.roles import Pathway, Role
from tests.factories import ReferralFactory, member

WALK_IN = "/s/taos/participants/intake/"
LONG = "x" * 10_000


def _intake_url(referral: Referral) -> str:
    return f"/s/{referral.site.slug}/participants/intake/{referral.uuid}/"


def _detail_url(participant: Participant) -> str:
    return f"/s/{participant.site.slug}/participants/{participant.uuid}/"


def intake_data(assignee, /, **overrides) -> dict:
    """A complete intake form assigning ``assignee``; keyword arguments override fields."""
    data = {
        "legal_first_name": "Rosa",
        "legal_last_name": "Archuleta",
        "preferred_name": "Ro",
        "aliases_text": "Rosie, La Flaca",
        "date_of_birth": "1985-04-12",
        "gender_identity": "woman",
        "race_ethnicity": [RaceEthnicity.AMERICAN_INDIAN, RaceEthnicity.HISPANIC],
        "primary_language": "Spanish",
        "phone": "575-555-0142",
        "email": "",
        "where_to_find": "Mornings at the soup kitchen on Camino de la Placitas",
        "housing_status": "unsheltered",
        "veteran": "no",
        "health_coverage": "medicaid",
        "case_manager": str(assignee.uuid),
    }
    for domain in Domain:
        data[f"need_{domain.value}_level"] = NeedAssessment.Level.UNKNOWN
        data[f"need_{domain.value}_notes"] = ""
    data["need_housing_level"] = NeedAssessment.Level.HIGH
    data["need_housing_notes"] = "Sleeping by the river since January"
    data["need_id_documents_level"] = NeedAssessment.Level.SOME
    data.update(overrides)
    return data


def _people() -> int:
    with scopes_disabled():
        return Participant.objects.count()


def _fresh(referral: Referral) -> Referral:
    with scopes_disabled():
        return Referral.objects.get(pk=referral.pk)


def _enrolled(referral: Referral) -> Participant:
    with scopes_disabled():
        return Participant.objects.select_related("site").get(referral=referral)


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _caseload(site, case_manager, size: int) -> None:
    """``size`` participants already assigned to ``case_manager``."""
    with scopes_disabled():
        Participant.objects.bulk_create(
            Participant(
                site=site,
                case_number=f"OLD-{case_manager.pk}-{n}",
                legal_first_name="Earlier",
                legal_last_name=f"Participant {n}",
                case_manager=case_manager,
            )
            for n in range(size)
        )


@pytest.fixture
def cm_client(client, case_manager):
    client.force_login(case_manager)
    return client


@pytest.fixture
def pm_client(programme_manager):
    client = Client()
    client.force_login(programme_manager)
    return client


@pytest.fixture
def social_referral(site_a) -> Referral:
    with scopes_disabled():
        return ReferralFactory(site=site_a, status=Status.SCREENING)


# -- The three pathways and the walk-in ------------------------------------------------------


def test_intake_from_an_arrest_diversion_enrols_the_person_and_stops_the_diversion_clock(
    site_a, officer, case_manager, cm_client
):
    with scope(site=site_a):
        referral, _created = referral_submit(
            site=site_a,
            pathway=Pathway.ARREST_DIVERSION,
            data={
                "first_name": "Rosa",
                "last_name": "Archuleta",
                "offence_category": "drug_possession",
                "incident_number": "TPD-26-0113",
                "agency": "Taos Police Department",
                "diversion_date": timezone.localdate(),
            },
            by=officer,
        )
    overdue = referral.intake_due_date + timedelta(days=1)
    # Without intake the daily check would warn about it (the assertion below means something).
    assert tasks.diversion_clock_check(today=overdue) == 1

    response = cm_client.post(_intake_url(referral), intake_data(case_manager))

    participant = _enrolled(referral)
    assert response.status_code == 302
    assert response["Location"] == _detail_url(participant)
    referral = _fresh(referral)
    assert referral.status == Status.ENROLLED
    assert referral.closed_at is not None
    assert tasks.diversion_clock_check(today=overdue) == 0
    assert tasks.diversion_clock_check(today=referral.intake_due_date - timedelta(days=3)) == 0
    assert participant.case_manager == case_manager
    assert f"is enrolled as {participant.case_number}" in _messages(response)[0]


def test_intake_from_a_social_contact_referral_stores_the_whole_intake(
    site_a, case_manager, cm_client, social_referral
):
    response = cm_client.post(_intake_url(social_referral), intake_data(case_manager))

    assert response.status_code == 302
    participant = _enrolled(social_referral)
    assert participant.site == site_a
    assert participant.case_number.startswith("TAO-P-")
    assert (participant.legal_first_name, participant.legal_last_name) == ("Rosa", "Archuleta")
    assert participant.preferred_name == "Ro"
    assert participant.display_name == "Ro Archuleta"
    assert participant.aliases == ["Rosie", "La Flaca"]
    assert participant.date_of_birth == date(1985, 4, 12)
    assert participant.gender_identity == "woman"
    assert participant.race_ethnicity == ["american_indian", "hispanic"]
    assert participant.primary_language == "Spanish"
    assert participant.phone == "575-555-0142"
    assert participant.where_to_find.startswith("Mornings at the soup kitchen")
    assert (participant.housing_status, participant.veteran, participant.health_coverage) == (
        "unsheltered",
        "no",
        "medicaid",
    )
    with scopes_disabled():
        needs = {n.domain: (n.level, n.notes) for n in participant.needs.all()}
        first_history = participant.history.earliest("history_date")
        enrolled_step = _fresh(social_referral).history.filter(status=Status.ENROLLED).get()
    assert set(needs) == set(Domain.values)
    assert needs["housing"] == ("high", "Sleeping by the river since January")
    assert needs["id_documents"] == ("some", "")
    assert needs["legal"] == ("unknown", "")
    assert first_history.history_user == case_manager
    assert enrolled_step.history_user == case_manager
    assert _fresh(social_referral).status == Status.ENROLLED


def test_intake_from_a_community_referral_enrols_someone_referred_by_the_public(
    site_a, case_manager, cm_client
):
    with scope(site=site_a):
        referral, _created = referral_submit(
            site=site_a,
            pathway=Pathway.COMMUNITY,
            data={
                "first_name": "Tomás",
                "last_name": "Vigil",
                "narrative": "My brother lost his room and is using again.",
                "referrer_name": "Ana Vigil",
            },
            by=None,
        )
    assert referral.status == Status.NEW

    response = cm_client.post(
        _intake_url(referral),
        intake_data(case_manager, legal_first_name="Tomás", legal_last_name="Vigil"),
    )

    assert response.status_code == 302
    participant = _enrolled(referral)
    assert participant.legal_first_name == "Tomás"
    assert _fresh(referral).status == Status.ENROLLED


def test_a_walk_in_is_enrolled_without_a_referral(site_a, case_manager, cm_client):
    response = cm_client.post(WALK_IN, intake_data(case_manager, legal_first_name="Lupe"))

    assert response.status_code == 302
    with scopes_disabled():
        participant = Participant.objects.get(legal_first_name="Lupe")
    assert response["Location"] == _detail_url(participant)
    assert participant.referral is None
    assert participant.case_manager == case_manager
    assert participant.created_by == case_manager


def test_the_intake_form_is_prefilled_from_the_referral(
    site_a, case_manager, programme_manager, cm_client
):
    colleague = member(site_a, Role.CASE_MANAGER, email="colleague.a@example.org")
    with scopes_disabled():
        referral = ReferralFactory(
            site=site_a,
            first_name="Dana",
            last_name="Whitehorse",
            aliases=["D", "Danny W"],
            date_of_birth=date(1990, 2, 3),
            phone="575-555-0199",
            where_to_find="Behind the plaza most mornings",
            language="Tiwa",
        )
    with scope(site=site_a):
        referral_assign(referral=referral, assignee=colleague, by=programme_manager)

    page = cm_client.get(_intake_url(referral)).content.decode()

    for value in (
        'value="Dana"',
        'value="Whitehorse"',
        'value="D, Danny W"',
        'value="1990-02-03"',
        'value="575-555-0199"',
        "Behind the plaza most mornings</textarea>",
        'value="Tiwa"',
        f'<option value="{colleague.uuid}" selected>',
    ):
        assert value in page
    assert _people() == 0  # opening the form enrols nobody


def test_the_case_manager_defaults_to_whoever_does_the_intake(case_manager, cm_client):
    page = cm_client.get(WALK_IN).content.decode()
    assert f'<option value="{case_manager.uuid}" selected>' in page


def test_the_intake_form_offers_every_omb_category_as_a_checkbox(cm_client):
    page = cm_client.get(WALK_IN).content.decode()
    for value, label in RaceEthnicity.choices:
        assert f'type="checkbox" name="race_ethnicity" value="{value}"' in page
        assert str(label) in page
    for domain in Domain:
        assert f'name="need_{domain.value}_level"' in page


# -- Caseload limits ------------------------------------------------------------------------


def test_a_twentieth_participant_saves_without_a_warning(site_a, case_manager, cm_client):
    _caseload(site_a, case_manager, 19)
    response = cm_client.post(WALK_IN, intake_data(case_manager))
    assert response.status_code == 302
    assert not [m for m in _messages(response) if "a caseload is about 20" in m]


def test_a_twenty_first_participant_saves_with_a_warning(site_a, case_manager, cm_client):
    _caseload(site_a, case_manager, 20)
    response = cm_client.post(WALK_IN, intake_data(case_manager))
    assert response.status_code == 302
    warnings = [m for m in get_messages(response.wsgi_request) if m.level_tag == "warning"]
    assert [str(w) for w in warnings] == [
        f"{case_manager.display_name} now has 21 participants; a caseload is about 20."
    ]


def test_a_twenty_sixth_participant_is_refused(site_a, case_manager, cm_client, social_referral):
    _caseload(site_a, case_manager, 25)

    response = cm_client.post(
        _intake_url(social_referral),
        intake_data(case_manager, override_reason="I am not a programme manager"),
    )

    assert response.status_code == 400
    assert "already has 25 participants" in response.content.decode()
    assert _people() == 25
    assert _fresh(social_referral).status == Status.SCREENING


def test_the_override_reason_is_offered_to_programme_managers_only(cm_client, pm_client):
    assert 'name="override_reason"' not in cm_client.get(WALK_IN).content.decode()
    assert 'name="override_reason"' in pm_client.get(WALK_IN).content.decode()


def test_a_programme_manager_can_enrol_a_twenty_sixth_with_a_recorded_reason(
    site_a, case_manager, programme_manager, pm_client
):
    _caseload(site_a, case_manager, 25)

    refused = pm_client.post(WALK_IN, intake_data(case_manager))
    assert refused.status_code == 400
    assert _people() == 25

    response = pm_client.post(
        WALK_IN, intake_data(case_manager, override_reason="Her sister is already with Sam")
    )

    assert response.status_code == 302
    assert _people() == 26
    with scopes_disabled():
        override = CaseloadOverride.objects.get()
    assert override.case_manager == case_manager
    assert override.approved_by == programme_manager
    assert override.caseload_size == 25
    assert override.reason == "Her sister is already with Sam"


# -- Referrals that cannot be enrolled -----------------------------------------------------------


@pytest.mark.parametrize(
    "status", [Status.DECLINED, Status.UNABLE_TO_LOCATE, Status.INELIGIBLE, Status.WITHDRAWN]
)
def test_intake_from_a_closed_referral_is_refused(
    site_a, case_manager, cm_client, status, social_referral
):
    with scope(site=site_a):
        referral_close(referral=social_referral, outcome=status, note="", by=case_manager)

    for response in (
        cm_client.get(_intake_url(social_referral)),
        cm_client.post(_intake_url(social_referral), intake_data(case_manager)),
    ):
        assert response.status_code == 400
        assert "This referral is closed" in response.content.decode()
    assert _people() == 0
    assert _fresh(social_referral).status == status


def test_intake_from_an_already_enrolled_referral_is_refused(
    case_manager, cm_client, social_referral
):
    assert (
        cm_client.post(_intake_url(social_referral), intake_data(case_manager)).status_code == 302
    )

    again = cm_client.post(
        _intake_url(social_referral), intake_data(case_manager, legal_first_name="Twice")
    )

    assert again.status_code == 400
    page = again.content.decode()
    assert "already been enrolled" in page
    assert _detail_url(_enrolled(social_referral)) in page
    assert _people() == 1


# -- Bad input ----------------------------------------------------------------------------------


FUTURE = (timezone.localdate() + timedelta(days=1)).isoformat()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"date_of_birth": FUTURE}, "date_of_birth"),
        ({"date_of_birth": "1850-01-01"}, "date_of_birth"),
        ({"date_of_birth": "12/40/1990"}, "date_of_birth"),
        ({"where_to_find": LONG}, "where_to_find"),
        ({"need_housing_notes": LONG}, "need_housing_notes"),
        ({"legal_last_name": LONG}, "legal_last_name"),
        ({"legal_first_name": "Ro\x00sa"}, "legal_first_name"),
        ({"need_legal_notes": "bench\x1bwarrant"}, "need_legal_notes"),
        ({"legal_last_name": ""}, "legal_last_name"),
        ({"aliases_text": "y" * 101}, "aliases_text"),
        ({"race_ethnicity": ["martian"]}, "race_ethnicity"),
        ({"race_ethnicity": ["declined", "white"]}, "race_ethnicity"),
        ({"gender_identity": "robot"}, "gender_identity"),
        ({"housing_status": "castle"}, "housing_status"),
        ({"need_housing_level": "desperate"}, "need_housing_level"),
        ({"need_housing_level": ""}, "need_housing_level"),
        ({"email": "not-an-address"}, "email"),
        ({"case_manager": str(uuid.uuid4())}, "case_manager"),
        ({"case_manager": "not-a-uuid"}, "case_manager"),
        ({"case_manager": ""}, "case_manager"),
    ],
)
def test_bad_intake_input_gets_a_field_error_and_enrols_nobody(
    case_manager, cm_client, social_referral, overrides, field
):
    response = cm_client.post(_intake_url(social_referral), intake_data(case_manager, **overrides))

    assert response.status_code == 400
    assert f'id="id_{field}_error"' in response.content.decode()
    assert _people() == 0
    assert _fresh(social_referral).status == Status.SCREENING


def test_a_case_manager_of_another_site_cannot_be_chosen(
    case_manager, case_manager_b, cm_client, social_referral
):
    response = cm_client.post(
        _intake_url(social_referral), intake_data(case_manager, case_manager=case_manager_b.uuid)
    )
    assert response.status_code == 400
    assert 'id="id_case_manager_error"' in response.content.decode()
    assert _people() == 0


def test_an_officer_of_this_site_cannot_be_chosen_as_case_manager(officer, case_manager, cm_client):
    response = cm_client.post(WALK_IN, intake_data(case_manager, case_manager=officer.uuid))
    assert response.status_code == 400
    assert _people() == 0


def test_unknown_form_fields_are_ignored(case_manager, cm_client):
    response = cm_client.post(
        WALK_IN,
        intake_data(case_manager, need_astrology_level="high", site="lea", case_number="X-1"),
    )
    assert response.status_code == 302
    with scopes_disabled():
        participant = Participant.objects.get()
        domains = set(participant.needs.values_list("domain", flat=True))
    assert participant.site.slug == "taos"
    assert participant.case_number.startswith("TAO-P-")
    assert domains == set(Domain.values)


@pytest.mark.parametrize("needs", [{"housing": ("desperate", "")}, {"astrology": ("high", "")}])
def test_the_intake_service_refuses_unknown_domains_and_levels(site_a, case_manager, needs):
    with scope(site=site_a), pytest.raises(ValidationError, match="Unknown domain or level"):
        intake_complete(
            site=site_a,
            profile={"legal_first_name": "Rosa", "legal_last_name": "Archuleta"},
            needs=needs,
            case_manager=case_manager,
            by=case_manager,
        )
    assert _people() == 0


# -- Who may do intake ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.OFFICER, Role.EVALUATOR])
def test_officers_and_evaluators_cannot_do_intake(
    client, site_a, role, case_manager, social_referral
):
    client.force_login(member(site_a, role, email=f"{role}.intake@example.org"))
    assert client.get(WALK_IN).status_code == 403
    assert client.post(WALK_IN, intake_data(case_manager)).status_code == 403
    assert client.get(_intake_url(social_referral)).status_code == 403
    assert client.post(_intake_url(social_referral), intake_data(case_manager)).status_code == 403
    assert _people() == 0
    assert _fresh(social_referral).status == Status.SCREENING


def test_another_sites_referral_is_not_found(site_b, case_manager, cm_client):
    with scopes_disabled():
        lea_referral = ReferralFactory(site=site_b, number="LEA-2026-0001")
    url = f"/s/taos/participants/intake/{lea_referral.uuid}/"
    assert cm_client.get(url).status_code == 404
    assert cm_client.post(url, intake_data(case_manager)).status_code == 404
    assert cm_client.get(f"/s/taos/participants/intake/{uuid.uuid4()}/").status_code == 404
    assert _people() == 0


def test_a_case_manager_of_another_site_cannot_open_intake_here(
    client, case_manager_b, case_manager, social_referral
):
    client.force_login(case_manager_b)
    assert client.get(WALK_IN).status_code == 404
    assert client.post(_intake_url(social_referral), intake_data(case_manager)).status_code == 404
    assert _people() == 0
