"""Redis stopped or frozen: sign-in, the public form and the staff's pages keep working, and a
public referral is saved. The cache holds only rate-limit counters, so it fails open
(lead/cache.py); the limits are off for as long as the outage lasts.

The outage is real, not mocked: the cache is the production configuration pointed at a closed
port (refused at once, a stopped Redis) or at a socket that accepts connections and never
answers (a frozen Redis, which only the socket timeout cuts).
"""

from __future__ import annotations

import logging
import socket
import time
import uuid
from collections.abc import Iterator

import pytest
from django.core.cache import cache
from django_scopes import scopes_disabled

from lead import cache as fail_open_cache
from lead.cache import cache_outage_forget, redis_cache_config
from referrals.models import Referral
from tests.factories import PASSWORD

CLOSED_PORT = "redis://127.0.0.1:1/0"
SOCKET_TIMEOUT = 0.3  # production waits 2 s; the mechanism is the same
# A sign-in makes about a dozen cache calls: without the pause after the first failure, a frozen
# Redis would cost a dozen socket timeouts (over 3 s here, 24 s in production).
SIGN_IN_BUDGET_SECONDS = 4 * SOCKET_TIMEOUT + 1.0


@pytest.fixture(autouse=True)
def _outage_forgotten() -> Iterator[None]:
    """The per-process "Redis failed moments ago" pause starts clear in every test."""
    cache_outage_forget()
    yield
    cache_outage_forget()


@pytest.fixture
def black_hole() -> Iterator[str]:
    """A port whose kernel completes the TCP handshake but where nothing ever answers."""
    server = socket.create_server(("127.0.0.1", 0), backlog=64)
    try:
        yield f"redis://127.0.0.1:{server.getsockname()[1]}/0"
    finally:
        server.close()


@pytest.fixture(params=["stopped", "frozen"])
def redis_down(request, settings) -> str:
    """The cache on a Redis that is stopped, or frozen."""
    url = CLOSED_PORT if request.param == "stopped" else request.getfixturevalue("black_hole")
    settings.CACHES = {"default": redis_cache_config(url, timeout=SOCKET_TIMEOUT)}
    settings.LEAD_REQUIRE_MFA = False
    return request.param


def _community_referral(**overrides) -> dict:
    return {
        "idempotency_key": str(uuid.uuid4()),
        "first_name": "Dana",
        "last_name": "Whitehorse",
        "estimated_age": "34",
        "narrative": "My brother has been using again and lost his room.",
        "urgency": "soon",
        **overrides,
    }


def test_staff_sign_in_while_redis_is_down(client, redis_down, case_manager):
    started = time.monotonic()
    response = client.post("/accounts/login/", {"login": case_manager.email, "password": PASSWORD})
    took = time.monotonic() - started
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(case_manager.pk)
    assert took < SIGN_IN_BUDGET_SECONDS, f"sign-in took {took:.1f} s"


def test_a_wrong_password_is_refused_with_the_form_not_an_error(client, redis_down, case_manager):
    response = client.post("/accounts/login/", {"login": case_manager.email, "password": "nope"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_the_public_form_saves_the_referral_while_redis_is_down(client, redis_down, site_a):
    response = client.post("/refer/taos/", _community_referral(last_name="Outage"))
    assert response.status_code == 302
    assert response["Location"] == "/refer/taos/thanks/"
    with scopes_disabled():
        assert Referral.objects.filter(site=site_a, last_name="Outage").count() == 1
    assert client.get("/refer/taos/thanks/").status_code == 200


def test_the_officers_pages_and_submissions_work_while_redis_is_down(client, redis_down, officer):
    client.force_login(officer)
    for path in ["/", "/s/taos/", "/s/taos/referrals/new/", "/s/taos/referrals/mine/"]:
        response = client.get(path, follow=True)
        assert response.status_code == 200, path
    data = _community_referral(contact_reason="Sleeping at the library doorway; asked for help")
    response = client.post("/s/taos/referrals/new/social_contact/", data)
    assert response.status_code == 302
    assert client.get(response["Location"]).status_code == 200


def test_the_case_managers_pages_work_while_redis_is_down(client, redis_down, case_manager):
    client.force_login(case_manager)
    for path in [
        "/s/taos/",
        "/s/taos/referrals/",
        "/s/taos/participants/",
        "/s/taos/participants/caseload/",
        "/s/taos/tasks/",
        "/s/taos/notifications/",
    ]:
        assert client.get(path).status_code == 200, path


def test_after_a_failure_redis_is_left_alone_for_a_while_then_asked_again(
    settings, black_hole, caplog
):
    settings.CACHES = {"default": redis_cache_config(black_hole, timeout=SOCKET_TIMEOUT)}

    def timed_get() -> float:
        started = time.monotonic()
        assert cache.get("some-counter", "missing") == "missing"
        return time.monotonic() - started

    with caplog.at_level(logging.WARNING, logger="lead.cache"):
        assert timed_get() >= SOCKET_TIMEOUT * 0.9  # asked Redis, which never answered
    assert "Redis unavailable" in caplog.text
    assert timed_get() < SOCKET_TIMEOUT / 2  # the pause: not asked at all
    assert cache.add("lock", True) is True  # allauth's lock: granted, not refused
    # The pause is over (as BACKOFF_SECONDS later): Redis is asked again.
    fail_open_cache._down_until.clear()
    assert timed_get() >= SOCKET_TIMEOUT * 0.9


def test_every_cache_operation_answers_like_an_empty_cache_while_redis_is_stopped(settings):
    settings.CACHES = {"default": redis_cache_config(CLOSED_PORT, timeout=SOCKET_TIMEOUT)}
    cache.set("a", 1)
    assert cache.get("a") is None
    assert cache.get("a", 7) == 7
    assert cache.add("a", 1) is True
    assert cache.get_many(["a", "b"]) == {}
    assert cache.set_many({"a": 1}) == []
    assert cache.has_key("a") is False
    assert cache.incr("a", 3) == 3
    assert cache.delete("a") is False
    assert cache.touch("a") is False
    assert cache.get_or_set("a", 5) == 5
    cache.delete_many(["a"])
    assert cache.clear() is False
