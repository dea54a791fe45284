"""Accepting an invitation in a real browser: the link's code (after "#") is filled in by the
page's script and posted with the form; without JavaScript the person pastes it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from sites.roles import Role
from sites.services import staff_invite
from tests.browser.conftest import BROWSER_DB, PHONE
from tests.browser.pages import assert_phone_friendly, sign_in

pytestmark = [pytest.mark.browser, BROWSER_DB]

NEW_PASSWORD = "a-long-new-password-for-nova"


def _invite(live_server, site, by, email: str, mailoutbox) -> tuple[str, str]:
    staff_invite(email=email, site=site, role=Role.CASE_MANAGER, by=by, base_url=live_server.url)
    [message] = [m for m in mailoutbox if email in m.to]
    link = re.search(rf"{re.escape(live_server.url)}/invite/\S+", message.body).group(0)
    return link, link.partition("#")[2]


def _choose_password(page) -> None:
    page.locator("input[name=new_password1]").fill(NEW_PASSWORD)
    page.locator("input[name=new_password2]").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set password").click()


def test_following_the_link_fills_in_the_code_and_the_password_can_be_set(
    live_server, open_page, site_a, programme_manager, mailoutbox
):
    link, code = _invite(live_server, site_a, programme_manager, "nova@example.org", mailoutbox)
    page, watch = open_page(PHONE)
    page.goto(link)

    code_field = page.locator("input[name=token]")
    expect(code_field).to_have_value(code)
    expect(code_field).to_be_hidden()
    assert "#" not in page.url  # the code has left the address bar
    assert_phone_friendly(page, "the invitation page")
    _choose_password(page)

    expect(page).to_have_url(f"{live_server.url}/accounts/login/")
    expect(page.get_by_text("Your password is set.")).to_be_visible()
    sign_in(page, live_server.url, "nova@example.org", NEW_PASSWORD)
    expect(page).to_have_url(f"{live_server.url}/s/taos/")
    watch.assert_clean()


def test_without_javascript_the_code_from_the_email_is_pasted(
    live_server, open_page, site_a, programme_manager, mailoutbox
):
    link, code = _invite(live_server, site_a, programme_manager, "nojs@example.org", mailoutbox)
    page, watch = open_page(PHONE, java_script_enabled=False)
    page.goto(link)

    code_field = page.get_by_label(re.compile("Code from your invitation e-mail"))
    expect(code_field).to_be_visible()
    expect(code_field).to_have_value("")
    code_field.fill(code)
    _choose_password(page)

    expect(page).to_have_url(f"{live_server.url}/accounts/login/")  # the code stays behind
    sign_in(page, live_server.url, "nojs@example.org", NEW_PASSWORD)
    expect(page).to_have_url(f"{live_server.url}/s/taos/")
    watch.assert_clean()
