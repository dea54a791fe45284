"""Case managers work the queue: screening, the decision, assignment, locating, outcomes, phone
referrals from the community, and possible duplicates."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from referrals.models import DuplicateReview, LocateAttempt, Referral, Status
from referrals.selectors import duplicate_candidates
from sites.roles import Pathway

QUEUE = "/s/taos/referrals/"


def _url(referral: Referral, action: str = "") -> str:
    return f"/s/{referral.site.slug}/referrals/{referral.uuid}/" + (f"{action}/" if action else "")


def _queue_numbers(client, **filters) -> list[str]:
    response = client.get(QUEUE, filters)
    assert response.status_code == 200
    return re.findall(
        r'href="/s/taos/referrals/[0-9a-f-]{36}/">([A-Z]+-\d{4}-\d{4})</a>',
        response.content.decode(),
    )


def _now_attempt(**overrides) -> dict:
    return {
        "attempted_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "place": "Kit Carson Park",
        "method": LocateAttempt.Method.IN_PERSON,
        "result": LocateAttempt.Result.NOT_FOUND,
        "note": "Friends say he moved camp to the river",
        **overrides,
    }


@pytest.fixture
def worker_client(client, case_manager):
    client.force_login(case_manager)
    return client


# -- The queue -----------------------------------------------------------------------------------


def test_the_queue_shows_new_referrals_first_then_arrest_diversions_by_days_left(
    worker_client, make_referral, days_ago
):
    today = timezone.localdate()
    arrest = {"pathway": Pathway.ARREST_DIVERSION}
    screening_social = make_referral(status=Status.SCREENING, submitted_at=days_ago(1))
    locating_10_days = make_referral(
        **arrest, status=Status.LOCATING, intake_due_date=today + timedelta(days=10)
    )
    screening_2_days = make_referral(
        **arrest, status=Status.SCREENING, intake_due_date=today + timedelta(days=2)
    )
    new_community = make_referral(
        pathway=Pathway.COMMUNITY, status=Status.NEW, submitted_at=days_ago(3)
    )
    new_arrest = make_referral(**arrest, status=Status.NEW, intake_due_date=today + timedelta(5))
    overdue = make_referral(
        **arrest, status=Status.CONTACTED, intake_due_date=today - timedelta(days=1)
    )
    declined = make_referral(status=Status.DECLINED)

    assert _queue_numbers(worker_client) == [
        new_arrest.number,
        new_community.number,
        overdue.number,
        screening_2_days.number,
        locating_10_days.number,
        screening_social.number,
    ]
    assert declined.number not in _queue_numbers(worker_client)
    page = worker_client.get(QUEUE).content.decode()
    assert "1 day late" in page


def test_the_queue_filters_by_status(worker_client, make_referral):
    open_one = make_referral(status=Status.LOCATING)
    declined = make_referral(status=Status.DECLINED)
    withdrawn = make_referral(status=Status.WITHDRAWN)
    assert _queue_numbers(worker_client, status="open") == [open_one.number]
    assert _queue_numbers(worker_client, status="declined") == [declined.number]
    assert set(_queue_numbers(worker_client, status="all")) == {
        open_one.number,
        declined.number,
        withdrawn.number,
    }
    # a value not on the list is ignored, not an error
    assert _queue_numbers(worker_client, status="bogus") == [open_one.number]


def test_the_queue_filters_by_pathway(worker_client, make_referral):
    arrest = make_referral(pathway=Pathway.ARREST_DIVERSION, diversion_date=date(2026, 1, 5))
    social = make_referral(pathway=Pathway.SOCIAL_CONTACT)
    community = make_referral(pathway=Pathway.COMMUNITY)
    assert _queue_numbers(worker_client, pathway="arrest_diversion") == [arrest.number]
    assert _queue_numbers(worker_client, pathway="social_contact") == [social.number]
    assert _queue_numbers(worker_client, pathway="community") == [community.number]


def test_the_queue_filters_by_how_long_a_referral_has_waited(
    worker_client, make_referral, days_ago
):
    today = make_referral()
    ten_days = make_referral(submitted_at=days_ago(10))
    forty_days = make_referral(submitted_at=days_ago(40))
    assert set(_queue_numbers(worker_client)) == {today.number, ten_days.number, forty_days.number}
    assert _queue_numbers(worker_client, age="week") == [ten_days.number, forty_days.number]
    assert _queue_numbers(worker_client, age="month") == [forty_days.number]
    assert _queue_numbers(worker_client, age="quarter") == []


def test_the_queue_shows_only_this_sites_referrals(worker_client, make_referral, site_b):
    ours = make_referral()
    theirs = make_referral(site=site_b, number="LEA-2026-0001")
    page = worker_client.get(QUEUE).content.decode()
    assert ours.number in page
    assert theirs.number not in page and theirs.last_name not in page


# -- Screening and the decision ------------------------------------------------------------------


def test_screening_answers_are_saved_and_start_screening(
    worker_client, make_referral, checklist, fresh
):
    referral = make_referral()
    answers = {f"item-{checklist[0].uuid}": "yes", f"item-{checklist[1].uuid}": "unknown"}
    response = worker_client.post(_url(referral, "screening"), answers)
    assert response.status_code == 302
    referral = fresh(referral)
    assert referral.status == Status.SCREENING
    assert referral.screening_answers == {
        str(checklist[0].uuid): {"question": checklist[0].text, "answer": "yes"},
        str(checklist[1].uuid): {"question": checklist[1].text, "answer": "unknown"},
    }
    page = worker_client.get(_url(referral)).content.decode()
    assert f'name="item-{checklist[0].uuid}" value="yes" checked' in page
    assert f'name="item-{checklist[1].uuid}" value="unknown" checked' in page

    # answering more keeps what was already answered
    worker_client.post(_url(referral, "screening"), {f"item-{checklist[2].uuid}": "no"})
    assert set(fresh(referral).screening_answers) == {str(item.uuid) for item in checklist[:3]}


def test_an_eligible_decision_sends_the_team_to_locate_the_person(
    worker_client, case_manager, make_referral, fresh
):
    referral = make_referral()
    response = worker_client.post(_url(referral, "decision"), {"decision": "eligible"})
    assert response.status_code == 302
    referral = fresh(referral)
    assert referral.status == Status.LOCATING
    assert referral.decision == "eligible"
    assert referral.decided_by == case_manager
    assert referral.closed_at is None


def test_an_ineligible_decision_needs_a_reason(worker_client, make_referral, fresh):
    referral = make_referral()
    response = worker_client.post(_url(referral, "decision"), {"decision": "ineligible"})
    assert response.status_code == 400
    assert "Give the reason this person is not eligible." in response.content.decode()
    assert fresh(referral).status == Status.NEW
    assert fresh(referral).decision == ""

    response = worker_client.post(
        _url(referral, "decision"), {"decision": "ineligible", "reason": "Lives in Colfax County"}
    )
    assert response.status_code == 302
    referral = fresh(referral)
    assert referral.status == Status.INELIGIBLE
    assert referral.decision_reason == "Lives in Colfax County"
    assert referral.closed_at is not None


# -- Assignment ----------------------------------------------------------------------------------


def test_a_referral_is_assigned_to_a_case_manager_of_the_site(
    worker_client, programme_manager, make_referral, fresh
):
    referral = make_referral()
    response = worker_client.post(_url(referral, "assign"), {"assignee": programme_manager.uuid})
    assert response.status_code == 302
    assert fresh(referral).assignee == programme_manager
    page = worker_client.get(QUEUE).content.decode()
    assert programme_manager.display_name in page

    worker_client.post(_url(referral, "assign"), {"assignee": ""})
    assert fresh(referral).assignee is None


def test_assigning_to_someone_of_another_site_is_a_form_error(
    worker_client, case_manager, case_manager_b, make_referral, fresh
):
    referral = make_referral(assignee=case_manager)
    response = worker_client.post(_url(referral, "assign"), {"assignee": case_manager_b.uuid})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert fresh(referral).assignee == case_manager


def test_assigning_to_an_officer_is_a_form_error(worker_client, officer, make_referral, fresh):
    referral = make_referral()
    response = worker_client.post(_url(referral, "assign"), {"assignee": officer.uuid})
    assert response.status_code == 400
    assert fresh(referral).assignee is None


# -- Locating ------------------------------------------------------------------------------------


def test_a_locate_attempt_records_when_where_how_and_the_result(
    worker_client, case_manager, make_referral, fresh
):
    referral = make_referral()
    response = worker_client.post(_url(referral, "attempts"), _now_attempt())
    assert response.status_code == 302
    with scope(site=referral.site):
        [attempt] = LocateAttempt.objects.filter(referral=referral)
    assert attempt.place == "Kit Carson Park"
    assert attempt.method == LocateAttempt.Method.IN_PERSON
    assert attempt.result == LocateAttempt.Result.NOT_FOUND
    assert attempt.recorded_by == case_manager
    assert fresh(referral).status == Status.LOCATING
    page = worker_client.get(_url(referral)).content.decode()
    assert "Kit Carson Park" in page and "Not found" in page


def test_finding_the_person_marks_the_referral_contacted(worker_client, make_referral, fresh):
    referral = make_referral(status=Status.LOCATING)
    worker_client.post(_url(referral, "attempts"), _now_attempt(result="message_left"))
    assert fresh(referral).status == Status.LOCATING
    worker_client.post(_url(referral, "attempts"), _now_attempt(result="found"))
    assert fresh(referral).status == Status.CONTACTED
    with scope(site=referral.site):
        assert LocateAttempt.objects.filter(referral=referral).count() == 2


# -- Outcomes ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "outcome",
    [Status.DECLINED, Status.UNABLE_TO_LOCATE, Status.INELIGIBLE, Status.WITHDRAWN],
)
def test_a_referral_closes_with_an_outcome(worker_client, make_referral, fresh, outcome):
    referral = make_referral(status=Status.LOCATING)
    response = worker_client.post(
        _url(referral, "outcome"), {"outcome": outcome, "note": "After three weeks of outreach"}
    )
    assert response.status_code == 302
    referral = fresh(referral)
    assert referral.status == outcome
    assert referral.closed_at is not None
    assert referral.outcome_note == "After three weeks of outreach"
    assert referral.number not in _queue_numbers(worker_client)


def test_someone_unable_to_be_located_can_be_resumed(worker_client, make_referral, fresh):
    referral = make_referral(status=Status.LOCATING)
    worker_client.post(_url(referral, "outcome"), {"outcome": Status.UNABLE_TO_LOCATE})
    assert "resume locating" in worker_client.get(_url(referral)).content.decode()
    response = worker_client.post(_url(referral, "resume"))
    assert response.status_code == 302
    referral = fresh(referral)
    assert referral.status == Status.LOCATING
    assert referral.closed_at is None
    assert referral.number in _queue_numbers(worker_client)


def test_every_change_is_in_the_referrals_history(worker_client, case_manager, make_referral):
    referral = make_referral()
    worker_client.post(_url(referral, "decision"), {"decision": "eligible"})
    worker_client.post(_url(referral, "outcome"), {"outcome": Status.WITHDRAWN})
    statuses = list(referral.history.order_by("history_date").values_list("status", "history_user"))
    assert statuses[-1] == (Status.WITHDRAWN, case_manager.pk)
    assert (Status.LOCATING, case_manager.pk) in statuses


# -- Community referrals taken by phone --------------------------------------------------------


def test_a_case_manager_takes_a_community_referral_by_phone(
    worker_client, case_manager, community_data
):
    page = worker_client.get(QUEUE).content.decode()
    assert "/s/taos/referrals/new/community/" in page
    assert worker_client.get("/s/taos/referrals/new/community/").status_code == 200
    response = worker_client.post("/s/taos/referrals/new/community/", community_data())
    assert response.status_code == 302
    with scopes_disabled():
        [referral] = Referral.objects.all()
    assert referral.pathway == Pathway.COMMUNITY
    assert referral.submitted_by == case_manager
    assert referral.referrer_name == "Rosa Whitehorse"
    assert referral.number in worker_client.get(response["Location"]).content.decode()


# -- Possible duplicates -------------------------------------------------------------------------


@pytest.fixture
def jonathan(make_referral):
    return make_referral(
        first_name="Jonathan",
        last_name="Martinez",
        date_of_birth=date(1985, 3, 4),
        estimated_age=None,
    )


def _suggested(client, referral) -> bool:
    return lambda other: f"/duplicates/{other.uuid}/" in client.get(_url(referral)).content.decode()


def test_open_referrals_with_a_similar_name_and_close_age_are_suggested(
    worker_client, jonathan, make_referral, site_b
):
    close_dob = make_referral(
        first_name="Jon", last_name="Martinez", date_of_birth=date(1985, 9, 1)
    )
    alias = make_referral(
        first_name="Johnny", last_name="M", aliases=["Jonathan Martinez"], estimated_age=None
    )
    age_unknown = make_referral(first_name="Jonathon", last_name="Martines", estimated_age=None)
    too_old = make_referral(
        first_name="Jonathan", last_name="Martinez", date_of_birth=date(1950, 3, 4)
    )
    closed = make_referral(first_name="Jonathan", last_name="Martinez", status=Status.DECLINED)
    other_name = make_referral(first_name="Maria", last_name="Lopez")
    at_lea = make_referral(
        site=site_b,
        number="LEA-2026-0001",
        first_name="Jonathan",
        last_name="Martinez",
        date_of_birth=date(1985, 3, 4),
    )

    is_suggested = _suggested(worker_client, jonathan)
    for expected in (close_dob, alias, age_unknown):
        assert is_suggested(expected), expected.display_name
    for unexpected in (too_old, closed, other_name, at_lea):
        assert not is_suggested(unexpected), unexpected.display_name
    assert "Possible duplicates" in worker_client.get(_url(jonathan)).content.decode()


def test_a_similar_name_at_another_site_is_never_suggested(
    jonathan, make_referral, site_b, case_manager, case_manager_b
):
    at_lea = make_referral(
        site=site_b,
        number="LEA-2026-0001",
        first_name="Jonathan",
        last_name="Martinez",
        date_of_birth=date(1985, 3, 4),
    )
    with scope(site=jonathan.site):
        assert duplicate_candidates(referral=jonathan, user=case_manager) == []
    with scope(site=site_b):
        assert duplicate_candidates(referral=at_lea, user=case_manager_b) == []


def test_estimated_ages_within_five_years_count_as_close(make_referral, site_a, case_manager):
    about_40 = make_referral(first_name="Jonathan", last_name="Martinez", estimated_age=40)
    about_44 = make_referral(first_name="Jonathan", last_name="Martinez", estimated_age=44)
    make_referral(first_name="Jonathan", last_name="Martinez", estimated_age=50)
    with scope(site=site_a):
        assert duplicate_candidates(referral=about_40, user=case_manager) == [about_44]


@pytest.mark.parametrize("verdict", ["linked", "dismissed"])
def test_a_reviewed_suggestion_is_recorded_and_no_longer_suggested(
    worker_client, case_manager, jonathan, make_referral, verdict
):
    jon = make_referral(first_name="Jon", last_name="Martinez", date_of_birth=date(1985, 9, 1))
    is_suggested = _suggested(worker_client, jonathan)
    assert is_suggested(jon)

    response = worker_client.post(_url(jonathan, f"duplicates/{jon.uuid}"), {"verdict": verdict})
    assert response.status_code == 302
    with scope(site=jonathan.site):
        review = DuplicateReview.objects.get(referral=jonathan, other_referral=jon)
    assert review.verdict == verdict
    assert review.reviewed_by == case_manager
    assert not is_suggested(jon)
    page = worker_client.get(_url(jonathan)).content.decode()
    assert f"{jon.number}: {review.get_verdict_display()}" in page


def test_a_dismissed_suggestion_is_not_suggested_the_other_way_round(
    worker_client, jonathan, make_referral
):
    jon = make_referral(first_name="Jon", last_name="Martinez", date_of_birth=date(1985, 9, 1))
    worker_client.post(_url(jonathan, f"duplicates/{jon.uuid}"), {"verdict": "dismissed"})
    assert not _suggested(worker_client, jon)(jonathan)


def test_another_sites_case_manager_cannot_open_or_work_our_referrals(
    client, case_manager_b, make_referral, fresh
):
    referral = make_referral()
    client.force_login(case_manager_b)
    assert client.get(_url(referral)).status_code == 404
    assert client.post(_url(referral, "outcome"), {"outcome": "withdrawn"}).status_code == 404
    assert fresh(referral).status == Status.NEW


def test_a_programme_manager_can_do_the_casework_too(client, programme_manager, make_referral):
    referral = make_referral()
    client.force_login(programme_manager)
    assert client.get(_url(referral)).status_code == 200
    assert client.post(_url(referral, "decision"), {"decision": "eligible"}).status_code == 302


def test_an_evaluator_cannot_see_the_queue(client, evaluator, make_referral):
    make_referral()
    client.force_login(evaluator)
    assert client.get(QUEUE).status_code == 403
