"""Every view or print of a participant is logged; programme managers see who looked and when."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.utils import timezone

from lead.models import AccessLogEntry
from tests.participants.conftest import detail_url


@pytest.fixture
def manager_client(programme_manager) -> Client:
    """Its own browser: tests sign ``client`` in as someone else."""
    manager = Client()
    manager.force_login(programme_manager)
    return manager


def _entries(participant) -> list[AccessLogEntry]:
    return list(AccessLogEntry.objects.filter(object_uuid=participant.uuid).order_by("at", "id"))


def test_opening_the_participant_page_is_logged_with_who_and_when(
    client, case_manager, participant, site_a
):
    client.force_login(case_manager)
    client.get(detail_url(participant))

    (entry,) = _entries(participant)
    assert entry.action == "view" and entry.outcome == AccessLogEntry.Outcome.ALLOWED
    assert entry.user == case_manager and entry.user_email == case_manager.email
    assert entry.site == site_a and entry.object_type == "participants.Participant"
    assert entry.at is not None


def test_every_view_is_logged_not_only_the_first(client, case_manager, participant):
    client.force_login(case_manager)
    for page in ["1", "2", "1"]:
        client.get(detail_url(participant), {"page": page})
    assert [e.action for e in _entries(participant)] == ["view", "view", "view"]


def test_printing_is_logged_as_a_print(client, case_manager, participant):
    client.force_login(case_manager)
    client.get(detail_url(participant, "print"))
    assert [e.action for e in _entries(participant)] == ["print"]


def test_the_programme_manager_sees_who_looked_at_a_participant_and_when(
    client, manager_client, case_manager, programme_manager, participant
):
    client.force_login(case_manager)
    client.get(detail_url(participant))
    client.get(detail_url(participant, "print"))

    html = manager_client.get(detail_url(participant, "access-log")).content.decode()

    rows = re.findall(r"<tr>(.*?)</tr>", html[html.index("<tbody>") :], re.S)
    assert len(rows) == 3
    # newest first: the manager's own reading of this log (it shows the person's name too)
    assert "Read this access log" in rows[0] and programme_manager.email in rows[0]
    assert "Printed" in rows[1] and case_manager.email in rows[1]
    assert "Viewed" in rows[2] and case_manager.email in rows[2]
    entry = _entries(participant)[0]
    shown = timezone.localtime(entry.at)  # the site's time zone, not UTC (differs after 17:00)
    assert f'datetime="{shown.isoformat()}' in html


def test_the_log_shows_only_this_participants_entries(
    client, manager_client, case_manager, participant, make_participant
):
    other = make_participant(legal_last_name="Someone")
    client.force_login(case_manager)
    client.get(detail_url(other))

    html = manager_client.get(detail_url(participant, "access-log")).content.decode()

    assert case_manager.email not in html
    assert html.count("Read this access log") == 1  # only the manager's own reading


def test_the_log_is_paginated(client, manager_client, case_manager, participant):
    client.force_login(case_manager)
    for _ in range(55):
        client.get(detail_url(participant))

    first = manager_client.get(detail_url(participant, "access-log")).content.decode()
    second = manager_client.get(detail_url(participant, "access-log"), {"page": 2}).content.decode()

    # Each reading of the log is itself logged, newest first: page 1 holds the manager's
    # reading and 49 views; page 2, asked for after a second reading, the last 7 views.
    assert first.count(case_manager.email) == 49
    assert second.count(case_manager.email) == 7
    assert "Page 1 of 2" in first


def test_reading_the_log_is_logged_as_reading_the_log_not_as_a_view(manager_client, participant):
    manager_client.get(detail_url(participant, "access-log"))
    assert [e.action for e in _entries(participant)] == ["view_access_log"]


@pytest.mark.parametrize("role", ["case_manager", "officer", "evaluator"])
def test_only_programme_managers_read_a_participants_access_log(client, participant, role, request):
    client.force_login(request.getfixturevalue(role))
    assert client.get(detail_url(participant, "access-log")).status_code == 403


def test_another_sites_participant_has_no_log_here(manager_client, participant_b):
    response = manager_client.get(f"/s/taos/participants/{participant_b.uuid}/access-log/")
    assert response.status_code == 404


def test_a_programme_manager_of_another_site_cannot_read_this_log(client, site_b, participant):
    from sites.roles import Role
    from tests.factories import member

    client.force_login(member(site_b, Role.PROGRAMME_MANAGER, email="pm.lea@example.org"))
    assert client.get(detail_url(participant, "access-log")).status_code == 404


def test_a_refused_look_at_another_sites_participant_is_logged(client, case_manager, participant_b):
    client.force_login(case_manager)
    client.get(f"/s/taos/participants/{participant_b.uuid}/")

    entry = AccessLogEntry.objects.get(user=case_manager, action="denied:participant")
    assert entry.outcome == AccessLogEntry.Outcome.NOT_FOUND
    assert entry.object_uuid == participant_b.uuid and entry.site.slug == "taos"
