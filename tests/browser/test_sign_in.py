"""Signing in and out in a real browser, on a phone and on a desktop screen."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import BROWSER_DB, DESKTOP, PHONE
from tests.browser.pages import has_no_horizontal_scroll, sign_in

pytestmark = [pytest.mark.browser, BROWSER_DB]


@pytest.mark.parametrize(
    ("user_fixture", "viewport", "label", "heading"),
    [
        pytest.param("case_manager", PHONE, "phone", "Taos LEAD – case management", id="phone"),
        pytest.param(
            "case_manager", DESKTOP, "desktop", "Taos LEAD – case management", id="desktop"
        ),
        pytest.param("officer", PHONE, "officer-phone", "Taos LEAD – officer", id="officer-phone"),
    ],
)
def test_sign_in_lands_on_the_site_home_and_sign_out_works(
    request, live_server, open_page, password, artifacts_dir, user_fixture, viewport, label, heading
):
    user = request.getfixturevalue(user_fixture)
    page, watch = open_page(viewport)

    page.goto(f"{live_server.url}/accounts/login/")
    expect(page.locator("input[name=login]")).to_be_visible()
    assert has_no_horizontal_scroll(page), "the sign-in page scrolls sideways"
    page.screenshot(path=artifacts_dir / f"sign-in-{label}.png", full_page=True)

    sign_in(page, live_server.url, user.email, password)

    expect(page).to_have_url(f"{live_server.url}/s/taos/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    expect(page.get_by_role("link", name="Home", exact=True)).to_be_visible()
    expect(page.locator("select#language")).to_be_visible()
    assert has_no_horizontal_scroll(page), "the site home scrolls sideways"
    page.screenshot(path=artifacts_dir / f"home-{label}.png", full_page=True)

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    # Signed out for real: the home page sends us back to sign in.
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))

    watch.assert_clean()


def test_a_wrong_password_shows_an_error(live_server, open_page, case_manager, artifacts_dir):
    page, watch = open_page(PHONE)

    sign_in(page, live_server.url, case_manager.email, "not-the-password-at-all")

    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    expect(page.get_by_text("not correct")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    assert has_no_horizontal_scroll(page)
    page.screenshot(path=artifacts_dir / "sign-in-error-phone.png", full_page=True)
    watch.assert_clean()


def test_a_lea_user_gets_not_found_at_taos(
    live_server, open_page, case_manager_b, password, artifacts_dir
):
    page, watch = open_page(PHONE)
    sign_in(page, live_server.url, case_manager_b.email, password)
    expect(page).to_have_url(f"{live_server.url}/s/lea/")

    response = page.goto(f"{live_server.url}/s/taos/")

    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Not found")
    expect(page.get_by_text("Taos LEAD")).to_have_count(0)
    assert has_no_horizontal_scroll(page)
    page.screenshot(path=artifacts_dir / "not-found-phone.png", full_page=True)
    watch.assert_clean()


def test_the_csp_watch_does_see_violations(live_server, open_page):
    """The clean-console checks above are only worth something if a violation is caught."""
    page, watch = open_page(PHONE)
    page.goto(f"{live_server.url}/accounts/login/")

    page.evaluate(
        """() => {
            const s = document.createElement("script");
            s.textContent = "window.injected = true";
            document.body.append(s);
        }"""
    )

    assert page.evaluate("window.injected === undefined"), "inline script ran despite the CSP"
    for _ in range(40):  # the console event arrives asynchronously
        if watch.csp_violations:
            break
        page.wait_for_timeout(50)
    assert watch.csp_violations, watch.messages
