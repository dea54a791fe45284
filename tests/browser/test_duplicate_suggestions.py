"""Possible duplicates on the referral page, in a real browser: with JavaScript, linking one
replaces just the list (htmx, under the Content Security Policy); without, the form posts and the
page comes back whole."""

from __future__ import annotations

from datetime import date

import pytest
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from referrals.models import DuplicateReview, Referral
from sites.models import Site
from tests.browser.conftest import BROWSER_DB, DESKTOP, PHONE
from tests.browser.pages import assert_phone_friendly, sign_in
from tests.factories import ReferralFactory

pytestmark = [pytest.mark.browser, BROWSER_DB]


def _martinez(first_name: str, born: date) -> Referral:
    with scopes_disabled():
        return ReferralFactory(
            site=Site.objects.get(slug="taos"),
            first_name=first_name,
            last_name="Martinez",
            date_of_birth=born,
            estimated_age=None,
        )


def test_a_case_manager_reviews_possible_duplicates_with_and_without_javascript(
    live_server, open_page, case_manager, password, artifacts_dir
):
    jonathan = _martinez("Jonathan", date(1985, 3, 4))
    jon = _martinez("Jon", date(1985, 9, 1))
    johnny = _martinez("Jonathon", date(1985, 6, 1))
    address = f"{live_server.url}/s/taos/referrals/{jonathan.uuid}/"

    page, watch = open_page(DESKTOP)
    sign_in(page, live_server.url, case_manager.email, password)
    page.goto(address)
    duplicates = page.get_by_role("region", name="Possible duplicates")
    expect(duplicates.get_by_role("listitem")).to_have_count(2)
    page.evaluate("window.stillTheSamePage = true")

    row = duplicates.get_by_role("listitem").filter(has_text=f"{jon.number} ")
    with page.expect_response(lambda r: f"/duplicates/{jon.uuid}/" in r.url) as answer:
        row.get_by_role("button", name="Same person: link").click()
    assert answer.value.status == 200
    assert answer.value.request.headers.get("hx-request") == "true"

    expect(duplicates.get_by_role("status")).to_have_text("Suggestion reviewed.")
    expect(duplicates).to_contain_text(f"{jon.number}: Same person: linked")
    expect(duplicates.get_by_role("button", name="Same person: link")).to_have_count(1)  # Johnny
    expect(page.locator("#suggestions")).to_be_focused()  # not lost to the top of the page
    assert page.evaluate("window.stillTheSamePage === true"), "the page was loaded again"
    page.screenshot(path=artifacts_dir / "duplicates-htmx-desktop.png", full_page=True)
    watch.assert_clean()  # no CSP violation: htmx injected no inline style
    with scopes_disabled():
        assert DuplicateReview.objects.get(other_referral=jon).verdict == "linked"

    plain, plain_watch = open_page(PHONE, java_script_enabled=False)
    sign_in(plain, live_server.url, case_manager.email, password)
    plain.goto(address)
    duplicates = plain.get_by_role("region", name="Possible duplicates")
    row = duplicates.get_by_role("listitem").filter(has_text=johnny.number)
    with plain.expect_navigation():
        row.get_by_role("button", name="Not the same: dismiss").click()
    expect(plain).to_have_url(address)
    expect(plain.get_by_role("status").filter(has_text="Suggestion reviewed.")).to_have_count(1)
    expect(duplicates).to_contain_text(f"{johnny.number}: Not the same person")
    expect(duplicates.get_by_role("button")).to_have_count(0)
    assert_phone_friendly(plain, "the referral page without JavaScript")
    plain.screenshot(path=artifacts_dir / "duplicates-no-js-phone.png", full_page=True)
    plain_watch.assert_clean()
    with scopes_disabled():
        assert DuplicateReview.objects.get(other_referral=johnny).verdict == "dismissed"
