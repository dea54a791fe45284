"""A referral of someone already enrolled is flagged: existing participants with a similar name
(aliases included) and a close age are suggested on the referral page, to link or dismiss."""

from __future__ import annotations

from datetime import date

import pytest
from django_scopes import scopes_disabled

from participants.services import intake_complete, participant_restrict
from referrals.models import DuplicateReview
from sites.roles import Role
from tests.factories import member


def _enrol(site, by, **profile):
    with scopes_disabled():
        return intake_complete(
            site=site, profile=profile, needs={}, case_manager=by, by=by
        ).participant


@pytest.fixture
def enrolled(site_a, case_manager):
    return _enrol(
        site_a,
        case_manager,
        legal_first_name="Ignacio",
        legal_last_name="Ulibarri",
        aliases=["Nacho"],
        date_of_birth=date(1979, 3, 2),
    )


def _page(client, referral) -> str:
    return client.get(f"/s/taos/referrals/{referral.uuid}/").content.decode()


def test_an_enrolled_person_with_a_similar_name_and_birth_date_is_suggested(
    client, case_manager, make_referral, enrolled
):
    referral = make_referral(
        first_name="Ygnacio", last_name="Ulibarri", date_of_birth=date(1979, 3, 2)
    )
    client.force_login(case_manager)
    page = _page(client, referral)
    assert "Already a participant:" in page
    assert enrolled.case_number in page


def test_an_alias_and_an_estimated_age_are_enough(client, case_manager, make_referral, enrolled):
    referral = make_referral(first_name="Nacho", last_name="Ulibarri", estimated_age=47)
    client.force_login(case_manager)
    assert enrolled.case_number in _page(client, referral)


def test_a_very_different_age_or_name_is_not_suggested(
    client, case_manager, make_referral, enrolled
):
    client.force_login(case_manager)
    too_young = make_referral(first_name="Ignacio", last_name="Ulibarri", estimated_age=20)
    other_name = make_referral(
        first_name="Dolores", last_name="Baca", date_of_birth=date(1979, 3, 2)
    )
    assert enrolled.case_number not in _page(client, too_young)
    assert enrolled.case_number not in _page(client, other_name)


def test_a_participant_at_another_site_is_never_suggested(
    client, case_manager, make_referral, site_b, case_manager_b
):
    elsewhere = _enrol(
        site_b,
        case_manager_b,
        legal_first_name="Ignacio",
        legal_last_name="Ulibarri",
        date_of_birth=date(1979, 3, 2),
    )
    referral = make_referral(
        first_name="Ignacio", last_name="Ulibarri", date_of_birth=date(1979, 3, 2)
    )
    client.force_login(case_manager)
    assert elsewhere.case_number not in _page(client, referral)


def test_a_restricted_record_is_suggested_only_to_the_people_it_is_restricted_to(
    client, case_manager, programme_manager, site_a, make_referral, enrolled
):
    colleague = member(site_a, Role.CASE_MANAGER, email="colleague@example.org")
    with scopes_disabled():
        participant_restrict(participant=enrolled, allowed=[case_manager], by=programme_manager)
    referral = make_referral(
        first_name="Ignacio", last_name="Ulibarri", date_of_birth=date(1979, 3, 2)
    )
    client.force_login(colleague)
    assert enrolled.case_number not in _page(client, referral)
    response = client.post(
        f"/s/taos/participants/matches/{referral.uuid}/{enrolled.uuid}/",
        {"verdict": "dismissed"},
    )
    assert response.status_code == 404
    client.force_login(case_manager)
    assert enrolled.case_number in _page(client, referral)


def test_dismissing_or_linking_is_recorded_and_the_suggestion_goes(
    client, case_manager, make_referral, enrolled
):
    referral = make_referral(
        first_name="Ignacio", last_name="Ulibarri", date_of_birth=date(1979, 3, 2)
    )
    client.force_login(case_manager)
    url = f"/s/taos/participants/matches/{referral.uuid}/{enrolled.uuid}/"
    assert client.post(url, {"verdict": "nonsense"}).status_code == 302
    assert client.post(url, {"verdict": "linked"}).status_code == 302
    with scopes_disabled():
        review = DuplicateReview.objects.get(referral=referral)
        assert (review.participant, review.other_referral, review.verdict) == (
            enrolled,
            None,
            "linked",
        )
        assert review.reviewed_by == case_manager
    page = _page(client, referral)
    assert "Already a participant:" not in page
    assert "Same person: linked" in page  # the verdict is shown, with the case number


def test_another_sites_participant_cannot_be_reviewed_from_here(
    client, case_manager, make_referral, site_b, case_manager_b
):
    elsewhere = _enrol(site_b, case_manager_b, legal_first_name="A", legal_last_name="B")
    referral = make_referral(first_name="A", last_name="B")
    client.force_login(case_manager)
    url = f"/s/taos/participants/matches/{referral.uuid}/{elsewhere.uuid}/"
    assert client.post(url, {"verdict": "linked"}).status_code == 404
    with scopes_disabled():
        assert not DuplicateReview.objects.exists()
