"""Other names, and race and ethnicity, follow one rule wherever they are entered.

The officer's referral, intake and the profile edit read "other names" alike and never cut a
long list short without a word; "prefers not to say" cannot be combined with a category, at
intake or on any later edit of the profile.
"""

from __future__ import annotations

import uuid

import pytest
from django.test import Client
from django_scopes import scopes_disabled

from participants.models import Domain, NeedAssessment, Participant, RaceEthnicity
from referrals.models import Referral
from tests.participants.conftest import detail_url, reload

SOCIAL_CONTACT = "/s/taos/referrals/new/social_contact/"
WALK_IN = "/s/taos/participants/intake/"
# Commas, semicolons and a line break; the same name in other capitals; stray spaces and empties.
TYPED = "Little D; little d ,  Dee   Dee\nLD,,; "
READ_AS = ["Little D", "Dee Dee", "LD"]
TWENTY_ONE = ", ".join(f"Name{n}" for n in range(21))
DECLINED_AND_A_CATEGORY = [RaceEthnicity.DECLINED, RaceEthnicity.HISPANIC]
BOTH_REFUSED = "Choose categories or “Prefers not to say”, not both."


@pytest.fixture
def officer_client(officer) -> Client:
    client = Client()
    client.force_login(officer)
    return client


@pytest.fixture
def worker_client(case_manager) -> Client:
    client = Client()
    client.force_login(case_manager)
    return client


def _referral_data(**overrides) -> dict:
    return {
        "idempotency_key": str(uuid.uuid4()),
        "first_name": "Dana",
        "last_name": "Whitehorse",
        "where_to_find": "Behind the plaza most mornings",
        "contact_reason": "Sleeping at the library doorway; asked about help",
        **overrides,
    }


def _intake_data(case_manager, **overrides) -> dict:
    data = {
        "legal_first_name": "Rosa",
        "legal_last_name": "Archuleta",
        "date_of_birth": "1985-04-12",
        "housing_status": "unsheltered",
        "veteran": "no",
        "health_coverage": "medicaid",
        "case_manager": str(case_manager.uuid),
    }
    for domain in Domain:
        data[f"need_{domain.value}_level"] = NeedAssessment.Level.UNKNOWN
    return {**data, **overrides}


def _profile_data(participant: Participant, **overrides) -> dict:
    """The edit form as sent back unchanged (every profile field, and the version)."""
    return {
        "legal_first_name": participant.legal_first_name,
        "legal_last_name": participant.legal_last_name,
        "preferred_name": participant.preferred_name,
        "aliases_text": ", ".join(participant.aliases),
        "date_of_birth": participant.date_of_birth.isoformat(),
        "gender_identity": participant.gender_identity,
        "race_ethnicity": list(participant.race_ethnicity),
        "primary_language": participant.primary_language,
        "phone": participant.phone,
        "email": participant.email,
        "where_to_find": participant.where_to_find,
        "housing_status": participant.housing_status,
        "veteran": participant.veteran,
        "health_coverage": participant.health_coverage,
        "version": str(participant.version),
        **overrides,
    }


def _only_referral() -> Referral:
    with scopes_disabled():
        return Referral.objects.get()


def _people() -> list[Participant]:
    with scopes_disabled():
        return list(Participant.objects.order_by("pk"))


# -- Other names ---------------------------------------------------------------------------


def test_the_officers_referral_intake_and_the_profile_edit_read_other_names_alike(
    officer_client, worker_client, case_manager, participant
):
    response = officer_client.post(SOCIAL_CONTACT, _referral_data(aliases_text=TYPED))
    assert response.status_code == 302
    assert _only_referral().aliases == READ_AS

    response = worker_client.post(WALK_IN, _intake_data(case_manager, aliases_text=TYPED))
    assert response.status_code == 302
    assert _people()[-1].aliases == READ_AS

    response = worker_client.post(
        detail_url(participant, "edit"), _profile_data(participant, aliases_text=TYPED)
    )
    assert response.status_code == 302
    assert reload(participant).aliases == READ_AS


def test_a_long_list_of_other_names_is_refused_on_the_referral_not_cut_short(officer_client):
    response = officer_client.post(SOCIAL_CONTACT, _referral_data(aliases_text=TWENTY_ONE))

    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="id_aliases_text_error"' in page
    assert "Give at most 20 other names (this has 21)." in page
    assert TWENTY_ONE in page  # what was typed comes back
    with scopes_disabled():
        assert not Referral.objects.exists()


def test_a_name_too_long_is_refused_on_the_referral_not_cut_short(officer_client):
    long_name = "Dana " + "x" * 120

    response = officer_client.post(SOCIAL_CONTACT, _referral_data(aliases_text=long_name))

    assert response.status_code == 400
    assert "Each name can have at most 100 characters" in response.content.decode()
    with scopes_disabled():
        assert not Referral.objects.exists()


def test_a_long_list_of_other_names_is_refused_at_intake(worker_client, case_manager):
    response = worker_client.post(WALK_IN, _intake_data(case_manager, aliases_text=TWENTY_ONE))

    assert response.status_code == 400
    assert "Give at most 20 other names (this has 21)." in response.content.decode()
    assert _people() == []


def test_a_long_list_of_other_names_is_refused_on_the_profile(worker_client, participant):
    response = worker_client.post(
        detail_url(participant, "edit"), _profile_data(participant, aliases_text=TWENTY_ONE)
    )

    assert response.status_code == 400
    assert "Give at most 20 other names (this has 21)." in response.content.decode()
    assert reload(participant).aliases == ["Little D"]


def test_twenty_names_are_kept_whole(worker_client, participant):
    twenty = [f"Name{n}" for n in range(20)]

    response = worker_client.post(
        detail_url(participant, "edit"), _profile_data(participant, aliases_text=", ".join(twenty))
    )

    assert response.status_code == 302
    assert reload(participant).aliases == twenty


# -- Race and ethnicity ------------------------------------------------------------------------


def test_the_profile_edit_refuses_prefers_not_to_say_with_a_category(worker_client, participant):
    response = worker_client.post(
        detail_url(participant, "edit"),
        _profile_data(participant, race_ethnicity=DECLINED_AND_A_CATEGORY),
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="id_race_ethnicity_error"' in page
    assert BOTH_REFUSED in page
    saved = reload(participant)
    assert saved.race_ethnicity == []
    assert saved.version == 1


def test_intake_refuses_prefers_not_to_say_with_a_category(worker_client, case_manager):
    data = _intake_data(case_manager, race_ethnicity=DECLINED_AND_A_CATEGORY)

    response = worker_client.post(WALK_IN, data)

    assert response.status_code == 400
    assert BOTH_REFUSED in response.content.decode()
    assert _people() == []


@pytest.mark.parametrize(
    "chosen",
    [[RaceEthnicity.DECLINED], [RaceEthnicity.AMERICAN_INDIAN, RaceEthnicity.HISPANIC], []],
    ids=["prefers-not-to-say", "two-categories", "nothing"],
)
def test_the_profile_edit_takes_prefers_not_to_say_alone_or_any_categories(
    worker_client, participant, chosen
):
    response = worker_client.post(
        detail_url(participant, "edit"), _profile_data(participant, race_ethnicity=chosen)
    )

    assert response.status_code == 302
    assert reload(participant).race_ethnicity == chosen
