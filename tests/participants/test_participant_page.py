"""The participant page: profile, needs, consents, plan, open tasks and a paginated timeline of
referrals, contacts, status changes and plan changes, newest first; the printout."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_scopes import scopes_disabled

from participants.services import consent_record, goal_add, goal_update, participant_assign
from referrals.models import Status
from sites.roles import Role
from tests.factories import ReferralFactory, member
from tests.participants.conftest import detail_url

# Every signed-in site page costs 10 queries before the view runs or renders: the session, the
# user, the site, the membership, the capabilities, the unread count and the site switcher
# (context processor), and the session save (SAVEPOINT, UPDATE, RELEASE in a test). The page
# itself: the participant, the access log entry, needs, consents, goals and their progress,
# open tasks, and the timeline's contacts, addenda, status history and plan history; a
# programme manager's page adds the case workers with their loads for the assignment form.
PAGE_MAX_QUERIES = 15  # the limit
MANAGER_PAGE_MAX_QUERIES = 15


@pytest.fixture
def worker_client(client, case_manager):
    client.force_login(case_manager)
    return client


@pytest.fixture
def manager_client(client, programme_manager):
    client.force_login(programme_manager)
    return client


def _page(client, participant, **params) -> str:
    response = client.get(detail_url(participant), params)
    assert response.status_code == 200
    return response.content.decode()


def _timeline(html: str) -> str:
    return html[html.index('id="timeline"') :]


# -- What the page shows ---------------------------------------------------------------------


def test_the_page_shows_the_profile_needs_consents_plan_and_open_tasks(
    worker_client, participant, case_manager, make_task
):
    with scopes_disabled():
        consent_record(
            participant=participant,
            by=case_manager,
            discloser="Taos LEAD",
            recipient="Taos Behavioral Health",
            information="Attendance and housing status",
            purpose="Coordinate treatment",
            expires_on=timezone.localdate() + timedelta(days=365),
            revocation_explained=True,
            signed_on=timezone.localdate(),
            signature_method="paper",
        )
        goal_add(
            participant=participant, by=case_manager, domain="housing", goal="A room of my own"
        )
    make_task(participant, title="Pick up birth certificate")

    html = _page(worker_client, participant)

    assert "Dana Whitehorse" in html and "Dee" in html and "Little D" in html  # names
    assert "575-555-0142" in html and "Kit Carson Park, mornings" in html
    assert "Sleeps in the park" in html  # the intake's housing need
    assert "Taos Behavioral Health" in html  # consents partial
    assert "A room of my own" in html  # plan partial
    assert "Pick up birth certificate" in html  # open tasks partial


def test_the_page_links_to_every_action_on_the_record(worker_client, participant):
    html = _page(worker_client, participant)
    base = f"/s/taos/participants/{participant.uuid}/"

    for href in [
        f"{base}edit/",
        f"{base}print/",
        f"/s/taos/participants/{participant.uuid}/contacts/new/",
        f"/s/taos/tasks/new/?participant={participant.uuid}",
        f"{base}consents/new/",
        f"{base}plan/new/",
    ]:
        assert f'href="{href}"' in html, href


def test_a_case_manager_does_not_see_the_managers_actions(worker_client, participant):
    html = _page(worker_client, participant)
    assert "/restrict/" not in html
    assert "/access-log/" not in html
    assert "/assign/" not in html


def test_a_programme_manager_sees_assign_restrict_and_the_access_log(manager_client, participant):
    html = _page(manager_client, participant)
    base = f"/s/taos/participants/{participant.uuid}/"
    assert f'action="{base}assign/"' in html
    assert f'href="{base}restrict/"' in html
    assert f'href="{base}access-log/"' in html


def test_the_timeline_shows_referral_contacts_status_and_plan_changes_newest_first(
    worker_client, site_a, case_manager, programme_manager, make_participant, make_contact
):
    with scopes_disabled():
        referral = ReferralFactory(site=site_a, status=Status.NEW, number="TAO-2026-0077")
    person = make_participant(referral=referral)
    make_contact(person, narrative="First coffee at the plaza")
    other = member(site_a, Role.CASE_MANAGER, email="cm2@example.org", first_name="Rosa")
    with scopes_disabled():
        goal_add(participant=person, by=case_manager, domain="income", goal="Apply for SNAP")
        participant_assign(participant=person, case_manager=other, by=programme_manager)
    make_contact(person, author=case_manager, narrative="Handed over to Rosa")

    timeline = _timeline(_page(worker_client, person))

    order = [
        timeline.index("Handed over to Rosa"),
        timeline.index("Assigned to Rosa"),
        timeline.index("Goal added"),
        timeline.index("First coffee at the plaza"),
        timeline.index("Enrolled in LEAD"),
        timeline.index("Referred: TAO-2026-0077"),
    ]
    assert order == sorted(order)


def test_plan_changes_appear_on_the_timeline(worker_client, participant, case_manager):
    with scopes_disabled():
        goal = goal_add(
            participant=participant, by=case_manager, domain="legal", goal="Clear warrant"
        )
        goal_update(goal=goal, by=case_manager, status="achieved", target_date=None)

    timeline = _timeline(_page(worker_client, participant))

    assert timeline.index("Goal updated") < timeline.index("Goal added")
    assert "Achieved" in timeline


def test_profile_edits_are_not_status_changes_on_the_timeline(
    worker_client, participant, case_manager
):
    from participants.services import participant_update

    with scopes_disabled():
        participant_update(
            participant=participant, changes={"phone": "575-555-0199"}, version=1, by=case_manager
        )

    timeline = _timeline(_page(worker_client, participant))

    assert timeline.count("Enrolled in LEAD") == 1
    assert "Assigned to" not in timeline


def test_the_timeline_is_paginated_newest_first(worker_client, make_participant, make_contact):
    person = make_participant(enrolled_days_ago=60)
    for day in range(30):
        make_contact(person, days_ago=day + 1, narrative=f"Contact number {30 - day:02d}")

    first = _timeline(_page(worker_client, person))
    second = _timeline(_page(worker_client, person, page=2))

    on_first = re.findall(r"Contact number (\d\d)", first)
    on_second = re.findall(r"Contact number (\d\d)", second)
    assert on_first == [f"{n:02d}" for n in range(30, 5, -1)]  # 25 newest
    assert on_second == ["05", "04", "03", "02", "01"]
    assert "page=2#timeline" in first and "Enrolled in LEAD" in second


@pytest.mark.parametrize("page", ["abc", "-3", "0", "99999999999999999999", "2.5"])
def test_a_strange_timeline_page_number_still_shows_the_page(worker_client, participant, page):
    response = worker_client.get(detail_url(participant), {"page": page})
    assert response.status_code == 200


# -- Who may open it -------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["officer", "evaluator"])
def test_officers_and_evaluators_cannot_open_a_participant(client, participant, role, request):
    client.force_login(request.getfixturevalue(role))
    for action in ["", "edit", "print"]:
        response = client.get(detail_url(participant, action))
        assert response.status_code == 403
        assert b"Whitehorse" not in response.content


def test_another_sites_participant_is_not_found(worker_client, participant_b):
    for action in ["", "edit", "print"]:
        url = f"/s/taos/participants/{participant_b.uuid}/" + (f"{action}/" if action else "")
        assert worker_client.get(url).status_code == 404


def test_a_case_manager_of_another_site_gets_404_at_this_sites_participant(
    client, case_manager_b, participant
):
    client.force_login(case_manager_b)
    assert client.get(detail_url(participant)).status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(client, participant):
    response = client.get(detail_url(participant))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


# -- The printout ----------------------------------------------------------------------------


def test_the_printout_has_the_profile_and_plan_but_no_contact_notes(
    worker_client, participant, case_manager, make_contact
):
    make_contact(participant, narrative="Private: talked about relapse")
    with scopes_disabled():
        goal_add(
            participant=participant, by=case_manager, domain="housing", goal="A room of my own"
        )

    response = worker_client.get(detail_url(participant, "print"))

    html = response.content.decode()
    assert response.status_code == 200
    assert participant.case_number in html and "Whitehorse" in html
    assert "A room of my own" in html and "Sleeps in the park" in html
    assert "talked about relapse" not in html
    assert "Confidential" in html


# -- Cost ------------------------------------------------------------------------------------


def _count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def _fill(person, case_manager, make_contact, make_task, n: int) -> None:
    with scopes_disabled():
        for i in range(n):
            goal = goal_add(participant=person, by=case_manager, domain="housing", goal=f"Goal {i}")
            goal_update(
                goal=goal, by=case_manager, status="in_progress", target_date=None, note="Called"
            )
            consent_record(
                participant=person,
                by=case_manager,
                discloser="Taos LEAD",
                recipient=f"Clinic {i}",
                information="Attendance",
                purpose="Care",
                expiry_event="End of treatment",
                revocation_explained=True,
                signed_on=date(2026, 1, 1),
                signature_method="paper",
            )
    for i in range(n):
        contact = make_contact(person, days_ago=i % 50 + 1)
        make_task(person, due_in=i)
        with scopes_disabled():
            from casenotes.services import addendum_add

            addendum_add(contact=contact, by=case_manager, text="Correction")


def test_the_page_costs_the_same_queries_with_3_or_30_of_everything(
    worker_client, case_manager, make_participant, make_contact, make_task
):
    person = make_participant(enrolled_days_ago=60)
    url = detail_url(person)
    worker_client.get(url)  # the session's first request does one-off work

    _fill(person, case_manager, make_contact, make_task, 3)
    with_3 = _count(worker_client, url)
    _fill(person, case_manager, make_contact, make_task, 27)
    with_30 = _count(worker_client, url)

    assert with_3 == with_30 <= PAGE_MAX_QUERIES, (with_3, with_30)
    assert _count(worker_client, url + "?page=2") == with_30


def test_the_managers_page_costs_a_fixed_number_of_queries_too(
    manager_client, case_manager, make_participant, make_contact, make_task
):
    person = make_participant(enrolled_days_ago=60)
    url = detail_url(person)
    manager_client.get(url)
    _fill(person, case_manager, make_contact, make_task, 3)
    with_3 = _count(manager_client, url)
    for i in range(10):
        member(person.site, Role.CASE_MANAGER, email=f"cm{i}@example.org")
    _fill(person, case_manager, make_contact, make_task, 27)

    assert with_3 == _count(manager_client, url) <= MANAGER_PAGE_MAX_QUERIES


def test_the_printout_costs_a_fixed_number_of_queries(
    worker_client, case_manager, make_participant, make_contact, make_task
):
    person = make_participant(enrolled_days_ago=60)
    url = detail_url(person, "print")
    worker_client.get(url)
    _fill(person, case_manager, make_contact, make_task, 3)
    with_3 = _count(worker_client, url)
    _fill(person, case_manager, make_contact, make_task, 27)
    assert with_3 == _count(worker_client, url)
