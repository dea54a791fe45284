"""With LEAD_REQUIRE_MFA on, staff must enrol in MFA and use it at every sign-in."""

from __future__ import annotations

import time

import pytest
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
)

from tests.factories import PASSWORD


@pytest.fixture
def require_mfa(settings):
    settings.LEAD_REQUIRE_MFA = True


def _current_code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def _sign_in(client, user):
    return client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})


def test_a_user_without_mfa_is_sent_to_enrol_before_any_page(client, case_manager, require_mfa):
    _sign_in(client, case_manager)
    response = client.get("/s/taos/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/totp/activate/"


def test_enrolment_pages_stay_reachable_while_mfa_is_missing(client, case_manager, require_mfa):
    _sign_in(client, case_manager)
    assert client.get("/accounts/2fa/").status_code == 200


def test_a_password_alone_does_not_sign_in_a_user_with_totp(client, case_manager, require_mfa):
    secret = generate_totp_secret()
    TOTP.activate(case_manager, secret)
    response = _sign_in(client, case_manager)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/authenticate/"
    # Not signed in yet: the site answers with the sign-in page.
    assert client.get("/s/taos/")["Location"].startswith("/accounts/login/")

    response = client.post("/accounts/2fa/authenticate/", {"code": _current_code(secret)})
    assert response.status_code == 302
    assert client.get("/s/taos/").status_code == 200


def test_a_session_that_skipped_the_second_factor_is_ended(client, case_manager, require_mfa):
    """A session made without MFA (here force_login) is signed out, not let through."""
    TOTP.activate(case_manager, generate_totp_secret())
    client.force_login(case_manager)
    response = client.get("/s/taos/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert "_auth_user_id" not in client.session


def test_the_demo_setting_lets_password_sign_in_through(client, case_manager, settings):
    settings.LEAD_REQUIRE_MFA = False
    _sign_in(client, case_manager)
    assert client.get("/s/taos/").status_code == 200
