"""Restricted records: a programme manager names who may open a participant; everyone else at
the site gets 404 and never meets the record in lists, search, caseloads, tasks or timelines."""

from __future__ import annotations

import pytest
from django.test import Client
from django_scopes import scope, scopes_disabled

from casenotes.selectors import open_tasks_for
from lead.models import AccessLogEntry
from participants.services import participant_restrict
from sites.roles import Role
from tests.factories import member
from tests.participants.conftest import detail_url, reload


@pytest.fixture
def colleague(site_a):
    return member(site_a, Role.CASE_MANAGER, email="rosa@example.org", first_name="Rosa")


@pytest.fixture
def manager_client(client, programme_manager):
    client.force_login(programme_manager)
    return client


@pytest.fixture
def colleague_client(colleague) -> Client:
    other = Client()
    other.force_login(colleague)
    return other


@pytest.fixture
def restricted(participant, case_manager, programme_manager):
    """Dana's record, restricted to her case manager and the programme manager."""
    with scopes_disabled():
        participant_restrict(
            participant=participant, allowed=[case_manager, programme_manager], by=programme_manager
        )
    return reload(participant)


def _restrict(client, participant, *users):
    return client.post(
        detail_url(participant, "restrict"), {"allowed": [str(u.uuid) for u in users]}
    )


# -- Restricting --------------------------------------------------------------------------------


def test_a_programme_manager_restricts_a_record_to_named_people(
    manager_client, participant, programme_manager, case_manager
):
    form = manager_client.get(detail_url(participant, "restrict")).content.decode()
    assert f'value="{case_manager.uuid}"' in form

    response = _restrict(manager_client, participant, programme_manager, case_manager)

    assert response.status_code == 302
    assert reload(participant).is_restricted
    page = manager_client.get(detail_url(participant)).content.decode()
    assert "restricted record" in page and "Record restricted to named people" in page


def test_the_restrict_form_starts_from_the_people_already_named(
    manager_client, restricted, case_manager, colleague
):
    html = manager_client.get(detail_url(restricted, "restrict")).content.decode()
    checked = [line for line in html.splitlines() if "checked" in line]
    assert any(str(case_manager.uuid) in line for line in checked)
    assert not any(str(colleague.uuid) in line for line in checked)


def test_restricting_without_naming_oneself_leaves_the_record_out_of_reach(
    manager_client, participant, case_manager
):
    response = _restrict(manager_client, participant, case_manager)

    assert response.status_code == 302 and response["Location"] == "/s/taos/participants/"
    assert manager_client.get(detail_url(participant)).status_code == 404


def test_naming_nobody_lifts_the_restriction(manager_client, restricted, colleague_client):
    assert _restrict(manager_client, restricted).status_code == 302

    assert not reload(restricted).is_restricted
    assert colleague_client.get(detail_url(restricted)).status_code == 200


def test_only_case_workers_of_this_site_can_be_named(
    manager_client, participant, officer, case_manager_b
):
    assert _restrict(manager_client, participant, officer).status_code == 400
    assert _restrict(manager_client, participant, case_manager_b).status_code == 400
    response = manager_client.post(detail_url(participant, "restrict"), {"allowed": ["junk\x00"]})
    assert response.status_code == 400
    assert not reload(participant).is_restricted


def test_case_managers_cannot_restrict_records(client, case_manager, participant, colleague):
    client.force_login(case_manager)
    assert client.get(detail_url(participant, "restrict")).status_code == 403
    assert _restrict(client, participant, case_manager).status_code == 403
    assert not reload(participant).is_restricted


def test_another_sites_record_cannot_be_restricted(manager_client, participant_b, case_manager):
    response = manager_client.post(
        f"/s/taos/participants/{participant_b.uuid}/restrict/",
        {"allowed": [str(case_manager.uuid)]},
    )
    assert response.status_code == 404
    assert not reload(participant_b).is_restricted


# -- Everyone else ------------------------------------------------------------------------------


@pytest.mark.parametrize("action", ["", "edit", "print"])
def test_everyone_not_named_gets_404_at_the_record(colleague_client, restricted, action):
    response = colleague_client.get(detail_url(restricted, action))
    assert response.status_code == 404
    assert b"Whitehorse" not in response.content


def test_a_post_to_a_restricted_record_is_404_too(colleague_client, restricted):
    response = colleague_client.post(detail_url(restricted, "edit"), {"legal_last_name": "X"})
    assert response.status_code == 404
    assert reload(restricted).legal_last_name == "Whitehorse"


def test_another_programme_manager_not_named_gets_404_too(client, site_a, restricted):
    other_manager = member(site_a, Role.PROGRAMME_MANAGER, email="pm2@example.org")
    client.force_login(other_manager)
    assert client.get(detail_url(restricted)).status_code == 404
    assert client.get(detail_url(restricted, "access-log")).status_code == 404


def test_the_record_is_missing_from_lists_and_search_for_everyone_not_named(
    colleague_client, restricted
):
    listing = colleague_client.get("/s/taos/participants/").content.decode()
    by_name = colleague_client.get("/s/taos/participants/", {"q": "Whitehorse"}).content.decode()
    by_alias = colleague_client.get("/s/taos/participants/", {"q": "Little D"}).content.decode()
    by_birth = colleague_client.get("/s/taos/participants/", {"q": "1988-04-12"}).content.decode()
    number = restricted.case_number
    by_number = colleague_client.get("/s/taos/participants/", {"q": number}).content.decode()

    for html in [listing, by_name, by_alias, by_birth]:
        assert number not in html and str(restricted.uuid) not in html
    assert str(restricted.uuid) not in by_number and "0 matches" in by_number
    assert "0 participants" in listing


def test_the_named_people_still_find_it_everywhere(client, case_manager, restricted):
    client.force_login(case_manager)
    assert client.get(detail_url(restricted)).status_code == 200
    assert restricted.case_number in client.get("/s/taos/participants/").content.decode()
    found = client.get("/s/taos/participants/", {"q": "Whitehorse"}).content.decode()
    assert restricted.case_number in found
    assert restricted.case_number in client.get("/s/taos/participants/caseload/").content.decode()


def test_the_record_leaves_the_caseload_of_a_case_manager_not_named(
    client, restricted, case_manager, programme_manager
):
    with scopes_disabled():
        participant_restrict(
            participant=restricted, allowed=[programme_manager], by=programme_manager
        )
    client.force_login(case_manager)
    assert (
        restricted.case_number not in client.get("/s/taos/participants/caseload/").content.decode()
    )


def test_a_programme_manager_not_named_does_not_see_it_in_a_workers_list(
    client, site_a, restricted, case_manager
):
    other_manager = member(site_a, Role.PROGRAMME_MANAGER, email="pm2@example.org")
    client.force_login(other_manager)
    html = client.get(
        "/s/taos/participants/caseloads/", {"worker": str(case_manager.uuid)}
    ).content.decode()
    assert restricted.case_number not in html


def test_tasks_about_the_record_are_hidden_from_everyone_not_named(
    site_a, restricted, colleague, make_task
):
    make_task(restricted, assignee=colleague, title="Visit Dana")
    with scope(site=site_a):
        assert list(open_tasks_for(site=site_a, user=colleague)) == []


def test_a_refused_attempt_is_logged_and_shown_to_the_programme_manager(
    colleague_client, manager_client, colleague, restricted
):
    colleague_client.get(detail_url(restricted))

    entry = AccessLogEntry.objects.get(user=colleague, object_uuid=restricted.uuid)
    assert entry.outcome == AccessLogEntry.Outcome.NOT_FOUND
    log = manager_client.get(detail_url(restricted, "access-log")).content.decode()
    assert colleague.email in log and "Tried to open" in log
