"""Sign-in: e-mail login, no public sign-up, rate limits, session lifetime, cache headers."""

from __future__ import annotations

import time
from datetime import timedelta

from django.contrib.sessions.models import Session
from django.utils import timezone

from lead.middleware import SESSION_SEEN_KEY, SESSION_STARTED_KEY
from tests.factories import PASSWORD


def test_staff_sign_in_with_their_email_and_land_on_their_site(client, officer):
    response = client.post(
        "/accounts/login/", {"login": officer.email, "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/s/taos/"
    page = response.content.decode()
    assert "Taos LEAD – officer" in page
    assert "Arrest diversion" in page  # the site's enabled pathways


def test_each_role_lands_on_its_own_home(client, case_manager, programme_manager, evaluator):
    for user, heading in [
        (case_manager, "case management"),
        (programme_manager, "programme"),
        (evaluator, "evaluation"),
    ]:
        client.force_login(user)
        response = client.get("/", follow=True)
        assert response.redirect_chain[-1][0] == "/s/taos/"
        assert f"Taos LEAD – {heading}" in response.content.decode()


def test_a_state_administrator_without_sites_lands_on_the_state_overview(client, state_admin):
    client.force_login(state_admin)
    response = client.get("/", follow=True)
    assert response.redirect_chain[-1][0] == "/state/"
    assert "Lea" in response.content.decode()


def test_public_sign_up_is_closed(client, db):
    response = client.post(
        "/accounts/signup/",
        {
            "email": "stranger@example.org",
            "password1": "x-Very-long-1",
            "password2": "x-Very-long-1",
        },
    )
    assert response.status_code == 200
    assert "closed" in response.content.decode().lower()
    from lead.models import User

    assert not User.objects.filter(email="stranger@example.org").exists()


def test_failed_sign_ins_are_rate_limited(client, case_manager):
    for _ in range(5):  # five failures per address in five minutes are allowed
        response = client.post("/accounts/login/", {"login": case_manager.email, "password": "x"})
        assert response.status_code == 200
        assert "Too many failed" not in response.content.decode()
    # Then even the right password is refused while the limit holds.
    response = client.post("/accounts/login/", {"login": case_manager.email, "password": PASSWORD})
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_signed_in_pages_are_not_stored_by_browsers_or_proxies(client, case_manager):
    client.force_login(case_manager)
    response = client.get("/s/taos/")
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_activity_keeps_a_session_for_thirty_more_minutes_and_idleness_ends_it(
    client, case_manager
):
    client.force_login(case_manager)
    client.get("/s/taos/")
    session = client.session
    session[SESSION_SEEN_KEY] = time.time() - 120  # the last refresh was two minutes ago
    session.save()
    stored = Session.objects.get(session_key=session.session_key)
    stored.expire_date = timezone.now() + timedelta(minutes=5)
    stored.save()

    assert client.get("/s/taos/").status_code == 200
    stored.refresh_from_db()
    left = stored.expire_date - timezone.now()
    assert timedelta(minutes=29) < left <= timedelta(minutes=30)

    stored.expire_date = timezone.now() - timedelta(seconds=1)  # 30 minutes without a request
    stored.save()
    assert client.get("/s/taos/")["Location"].startswith("/accounts/login/")


def test_a_session_ends_twelve_hours_after_sign_in_however_active(client, case_manager):
    client.force_login(case_manager)
    assert client.get("/s/taos/").status_code == 200
    session = client.session
    session[SESSION_STARTED_KEY] = time.time() - 12 * 60 * 60 - 1
    session.save()
    response = client.get("/s/taos/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert "_auth_user_id" not in client.session


def test_pages_carry_a_content_security_policy_without_inline_scripts(client, case_manager):
    client.force_login(case_manager)
    policy = client.get("/s/taos/")["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
