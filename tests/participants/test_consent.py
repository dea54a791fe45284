"""Consent (release of information) per recipient, with every element of 42 CFR Part 2 §2.31,
and revocation that stops future disclosures while keeping the history."""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from participants.models import Consent, Participant
from participants.services import consent_record, consent_revoke, participant_restrict
from sites.roles import Role
from tests.factories import member

TODAY = timezone.localdate()
LONG = "x" * 10_000


def _url(participant: Participant, action: str = "consents/new") -> str:
    return f"/s/{participant.site.slug}/participants/{participant.uuid}/{action}/"


def _revoke_url(consent: Consent) -> str:
    return _url(consent.participant, f"consents/{consent.uuid}/revoke")


def consent_data(**overrides) -> dict:
    """A complete release of information to one recipient; keyword arguments override fields."""
    return {
        "recipient": "Taos Behavioral Health",
        "discloser": "Taos LEAD",
        "information": "Attendance at appointments and housing status",
        "purpose": "Coordinating outpatient treatment",
        "expires_on": (TODAY + timedelta(days=365)).isoformat(),
        "expiry_event": "",
        "revocation_explained": "on",
        "signed_on": TODAY.isoformat(),
        "signature_method": "paper",
        **overrides,
    }


def _consents() -> list[Consent]:
    with scopes_disabled():
        return list(Consent.objects.select_related("participant__site"))


def _fresh(consent: Consent) -> Consent:
    with scopes_disabled():
        return Consent.objects.select_related("participant__site").get(pk=consent.pk)


def _record(participant: Participant, by, **overrides) -> Consent:
    fields = {
        "recipient": "Taos Behavioral Health",
        "discloser": "Taos LEAD",
        "information": "Attendance",
        "purpose": "Treatment coordination",
        "expires_on": TODAY + timedelta(days=90),
        "revocation_explained": True,
        "signed_on": TODAY,
        "signature_method": "paper",
        **overrides,
    }
    with scopes_disabled():
        consent = consent_record(participant=participant, by=by, **fields)
        return Consent.objects.select_related("participant__site").get(pk=consent.pk)


@pytest.fixture
def cm_client(client, case_manager):
    client.force_login(case_manager)
    return client


# -- Recording -----------------------------------------------------------------------------------


def test_a_consent_with_every_element_is_recorded_and_in_force(
    participant, case_manager, cm_client
):
    response = cm_client.post(_url(participant), consent_data())

    assert response.status_code == 302
    assert response["Location"] == _url(participant, "").rstrip("/") + "/#consents"
    [consent] = _consents()
    assert consent.participant == participant
    assert consent.site == participant.site
    assert consent.recipient == "Taos Behavioral Health"
    assert consent.discloser == "Taos LEAD"
    assert consent.information == "Attendance at appointments and housing status"
    assert consent.purpose == "Coordinating outpatient treatment"
    assert consent.expires_on == TODAY + timedelta(days=365)
    assert consent.revocation_explained is True
    assert consent.signed_on == TODAY
    assert consent.signature_method == "paper"
    assert consent.recorded_by == case_manager
    assert consent.in_force()
    with scopes_disabled():
        assert consent.history.get().history_user == case_manager


def test_an_expiry_event_is_enough_without_a_date(participant, cm_client):
    response = cm_client.post(
        _url(participant),
        consent_data(expires_on="", expiry_event="When the participant leaves LEAD"),
    )
    assert response.status_code == 302
    [consent] = _consents()
    assert consent.expires_on is None
    assert consent.expiry_event == "When the participant leaves LEAD"
    assert consent.in_force(TODAY + timedelta(days=3650))


def test_the_consent_form_names_every_element_and_suggests_the_site_as_discloser(
    participant, cm_client
):
    page = cm_client.get(_url(participant)).content.decode()
    for name in (
        "recipient",
        "discloser",
        "information",
        "purpose",
        "expires_on",
        "expiry_event",
        "revocation_explained",
        "signed_on",
        "signature_method",
    ):
        assert f'name="{name}"' in page
    assert 'value="Taos LEAD"' in page
    assert _consents() == []


@pytest.mark.parametrize(
    ("missing", "field"),
    [
        ({"recipient": ""}, "recipient"),
        ({"recipient": "   "}, "recipient"),
        ({"discloser": ""}, "discloser"),
        ({"information": ""}, "information"),
        ({"purpose": ""}, "purpose"),
        ({"revocation_explained": ""}, "revocation_explained"),
        ({"signed_on": ""}, "signed_on"),
        ({"signature_method": ""}, "signature_method"),
        ({"expires_on": "", "expiry_event": ""}, "expires_on"),
    ],
)
def test_a_consent_missing_a_required_element_is_refused_with_an_error_on_that_field(
    participant, cm_client, missing, field
):
    data = consent_data(**missing)
    if field == "revocation_explained":
        del data["revocation_explained"]  # an unticked box is not sent at all

    response = cm_client.post(_url(participant), data)

    assert response.status_code == 400
    page = response.content.decode()
    errors = re.findall(r'id="id_(\w+)_error"', page)
    assert errors == [field]
    assert _consents() == []


FUTURE = (TODAY + timedelta(days=1)).isoformat()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"signed_on": FUTURE}, "signed_on"),
        ({"signed_on": "1899-12-31"}, "signed_on"),
        ({"signed_on": "2026-02-30"}, "signed_on"),
        ({"expires_on": (TODAY - timedelta(days=1)).isoformat()}, "expires_on"),
        ({"expires_on": "9999-12-31"}, "expires_on"),
        ({"information": LONG}, "information"),
        ({"purpose": LONG}, "purpose"),
        ({"recipient": LONG}, "recipient"),
        ({"recipient": "Taos\x00Behavioral Health"}, "recipient"),
        ({"expiry_event": "when\x07ever"}, "expiry_event"),
        ({"signature_method": "telepathy"}, "signature_method"),
    ],
)
def test_bad_consent_input_gets_a_field_error_and_saves_nothing(
    participant, cm_client, overrides, field
):
    response = cm_client.post(_url(participant), consent_data(**overrides))

    assert response.status_code == 400
    assert f'id="id_{field}_error"' in response.content.decode()
    assert _consents() == []


def test_an_expiry_before_the_signature_is_refused(participant, cm_client):
    response = cm_client.post(
        _url(participant),
        consent_data(
            signed_on=(TODAY - timedelta(days=10)).isoformat(),
            expires_on=(TODAY - timedelta(days=11)).isoformat(),
        ),
    )
    assert response.status_code == 400
    assert "cannot expire before it was signed" in response.content.decode()
    assert _consents() == []


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"recipient": "  "}, "to whom"),
        ({"purpose": ""}, "the purpose"),
        ({"revocation_explained": False}, "the right to revoke was explained"),
        ({"expires_on": None, "expiry_event": ""}, "an expiry date or event"),
        ({"signature_method": "telepathy"}, "how the consent was signed"),
        ({"signed_on": TODAY + timedelta(days=1)}, "in the future"),
        ({"expires_on": TODAY - timedelta(days=1)}, "cannot expire before"),
    ],
)
def test_the_consent_service_refuses_a_consent_missing_an_element(
    participant, case_manager, overrides, message
):
    with pytest.raises(ValidationError, match=message):
        _record(participant, case_manager, **overrides)
    assert _consents() == []


# -- Revocation ---------------------------------------------------------------------------------


def test_revoking_a_consent_stops_future_disclosures_to_that_recipient_only(
    participant, case_manager, cm_client
):
    clinic = _record(participant, case_manager, recipient="Taos Behavioral Health")
    court = _record(participant, case_manager, recipient="Eighth Judicial District Court")

    response = cm_client.post(_revoke_url(clinic), {"note": "Changed clinics"})

    assert response.status_code == 302
    assert response["Location"].endswith("#consents")
    clinic, court = _fresh(clinic), _fresh(court)
    assert not clinic.in_force()
    assert clinic.revoked_by == case_manager
    assert clinic.revocation_note == "Changed clinics"
    assert clinic.revoked_at is not None
    assert court.in_force()
    with scopes_disabled():
        history = list(clinic.history.order_by("history_date"))
    assert [h.revoked_at is None for h in history] == [True, False]  # the signed consent is kept
    assert history[-1].history_user == case_manager


def test_a_revocation_needs_no_note(participant, case_manager, cm_client):
    consent = _record(participant, case_manager)
    assert cm_client.post(_revoke_url(consent)).status_code == 302
    assert not _fresh(consent).in_force()


def test_a_consent_cannot_be_revoked_twice(participant, case_manager, cm_client):
    consent = _record(participant, case_manager)
    cm_client.post(_revoke_url(consent), {"note": "first"})
    revoked_at = _fresh(consent).revoked_at

    again = cm_client.post(_revoke_url(consent), {"note": "second"})

    assert again.status_code == 400
    assert "already revoked" in again.content.decode()
    assert _fresh(consent).revoked_at == revoked_at
    assert _fresh(consent).revocation_note == "first"


@pytest.mark.parametrize("note", [LONG, "changed\x00clinic"])
def test_a_bad_revocation_note_is_refused_and_the_consent_stays_in_force(
    participant, case_manager, cm_client, note
):
    consent = _record(participant, case_manager)
    response = cm_client.post(_revoke_url(consent), {"note": note})
    assert response.status_code == 400
    assert 'id="id_note_error"' in response.content.decode()
    assert _fresh(consent).in_force()


def test_revocation_is_post_only(participant, case_manager, cm_client):
    consent = _record(participant, case_manager)
    assert cm_client.get(_revoke_url(consent)).status_code == 405
    assert _fresh(consent).in_force()


# -- What the participant page shows -------------------------------------------------------------


def test_the_consents_partial_says_clearly_who_may_receive_what_today(participant, case_manager):
    _record(participant, case_manager, recipient="Taos Behavioral Health", information="Attendance")
    _record(
        participant,
        case_manager,
        recipient="Holy Cross Hospital",
        signed_on=date(2025, 1, 10),
        expires_on=TODAY - timedelta(days=1),
    )
    revoked = _record(participant, case_manager, recipient="Taos Municipal Court")
    with scopes_disabled():
        consent_revoke(consent=revoked, by=case_manager, note="Asked us to stop")
        consents = list(Consent.objects.filter(participant=participant))

    with scope(site=participant.site):
        html = render_to_string(
            "participants/_consents.html",
            {"participant": participant, "consents": consents, "today": TODAY},
        )

    rows = {
        re.search(r"<th scope=\"row\"[^>]*>([^<]+)</th>", row).group(1): row
        for row in re.findall(r"<tr class=\"consent[^\"]*\">(.*?)</tr>", html, re.S)
    }
    assert "In force: may receive" in rows["Taos Behavioral Health"]
    assert "Attendance" in rows["Taos Behavioral Health"]
    assert "Expired" in rows["Holy Cross Hospital"]
    assert "may not receive" in rows["Holy Cross Hospital"]
    assert "Revoked" in rows["Taos Municipal Court"]
    assert "Asked us to stop" in rows["Taos Municipal Court"]
    assert "In force" not in rows["Holy Cross Hospital"] + rows["Taos Municipal Court"]
    # Only the consents not yet revoked offer a revoke button.
    assert html.count("/revoke/") == 2


def test_the_consents_partial_says_so_when_nothing_may_be_shared(participant):
    with scope(site=participant.site):
        html = render_to_string(
            "participants/_consents.html",
            {"participant": participant, "consents": [], "today": TODAY},
        )
    assert "nothing may be shared outside the site team" in html
    assert _url(participant) in html


# -- Who may record and revoke -----------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.OFFICER, Role.EVALUATOR])
def test_officers_and_evaluators_cannot_record_or_revoke_consents(
    client, site_a, role, participant, case_manager
):
    consent = _record(participant, case_manager)
    client.force_login(member(site_a, role, email=f"{role}.consent@example.org"))
    assert client.get(_url(participant)).status_code == 403
    assert client.post(_url(participant), consent_data(recipient="Police")).status_code == 403
    assert client.post(_revoke_url(consent)).status_code == 403
    assert len(_consents()) == 1
    assert _fresh(consent).in_force()


def test_another_sites_participant_and_consent_are_not_found(
    participant, participant_b, case_manager_b, cm_client
):
    lea_consent = _record(participant_b, case_manager_b, recipient="Lea County Detention")
    foreign = f"/s/taos/participants/{participant_b.uuid}/consents/"
    assert cm_client.get(foreign + "new/").status_code == 404
    assert cm_client.post(foreign + "new/", consent_data()).status_code == 404
    assert cm_client.post(f"{foreign}{lea_consent.uuid}/revoke/").status_code == 404
    # nor through a Taos participant's address
    assert (
        cm_client.post(_url(participant, f"consents/{lea_consent.uuid}/revoke")).status_code == 404
    )
    assert (
        cm_client.get(f"/s/lea/participants/{participant_b.uuid}/consents/new/").status_code == 404
    )
    assert _fresh(lea_consent).in_force()
    assert len(_consents()) == 1


def test_a_consent_is_revoked_only_through_its_own_participant(
    participant, make_participant, case_manager, cm_client
):
    other = make_participant(legal_first_name="Another", legal_last_name="Person")
    consent = _record(other, case_manager)
    response = cm_client.post(_url(participant, f"consents/{consent.uuid}/revoke"))
    assert response.status_code == 404
    assert _fresh(consent).in_force()
    assert cm_client.post(_url(participant, f"consents/{uuid.uuid4()}/revoke")).status_code == 404


def test_a_restricted_record_is_not_found_for_colleagues_outside_the_restriction(
    participant, case_manager, site_a, client
):
    with scopes_disabled():
        participant_restrict(participant=participant, allowed=[case_manager], by=case_manager)
    colleague = member(site_a, Role.CASE_MANAGER, email="colleague.consent@example.org")
    client.force_login(colleague)
    assert client.get(_url(participant)).status_code == 404
    assert client.post(_url(participant), consent_data()).status_code == 404
    assert _consents() == []
