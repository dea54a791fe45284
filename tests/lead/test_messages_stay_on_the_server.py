"""Confirmation messages name people ("Task done: Call Dana Whitehorse", "Role changed for …"):
they are kept in the session on the server, never in a cookie, which is signed but readable."""

from __future__ import annotations

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from casenotes.services import task_add
from sites.models import Membership


@pytest.fixture(autouse=True)
def _no_mfa(settings) -> None:
    settings.LEAD_REQUIRE_MFA = False


def test_a_message_naming_a_participant_is_not_put_in_a_cookie(client, site_a, case_manager):
    with scopes_disabled():
        task = task_add(
            site=site_a,
            title="Call Dana Whitehorse about the housing voucher",
            due_on=timezone.localdate(),
            assignee=case_manager,
            by=case_manager,
        )
    client.force_login(case_manager)
    response = client.post(f"/s/taos/tasks/{task.uuid}/done/", {"done": "1"})
    assert response.status_code == 302
    assert "messages" not in response.cookies
    assert all("Whitehorse" not in morsel.value for morsel in response.cookies.values())
    # The message is still shown, once, on the next page.
    page = client.get(response["Location"]).content.decode()
    assert "Task done: Call Dana Whitehorse about the housing voucher" in page
    assert "Task done" not in client.get(response["Location"]).content.decode()


def test_a_message_naming_a_staff_member_is_not_put_in_a_cookie(
    client, programme_manager, case_manager
):
    with scopes_disabled():
        membership = Membership.objects.get(user=case_manager)
    client.force_login(programme_manager)
    response = client.post(f"/s/taos/staff/{membership.uuid}/role/", {"role": "officer"})
    assert response.status_code == 302
    assert "messages" not in response.cookies
    assert (
        f"Role changed for {case_manager.email}"
        in client.get(response["Location"]).content.decode()
    )
