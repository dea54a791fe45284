"""The public form's limit (5 referrals an hour) counts valid referrals from one client: not
robots' honeypot posts, not someone's typos, and not everyone behind the reverse proxy."""

from __future__ import annotations

import pytest
from django_scopes import scopes_disabled

from referrals.models import Referral

FORM = "/refer/taos/"
THANKS = "/refer/taos/thanks/"
PROXY = "10.0.0.2"


def via_proxy(client_address: str) -> dict:
    return {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": client_address}


def _count() -> int:
    with scopes_disabled():
        return Referral.objects.count()


@pytest.fixture
def one_proxy(settings):
    settings.LEAD_TRUSTED_PROXY_COUNT = 1


def test_typos_and_honeypot_posts_do_not_use_up_the_hourly_limit(client, site_a, community_data):
    for _ in range(6):
        assert client.post(FORM, community_data(narrative="")).status_code == 400
        spam = client.post(FORM, community_data(website="http://cheap-pills.example"))
        assert spam["Location"] == THANKS
    assert _count() == 0
    for _ in range(5):
        assert client.post(FORM, community_data())["Location"] == THANKS
    assert _count() == 5
    assert client.post(FORM, community_data()).status_code == 429
    assert _count() == 5


def test_a_refused_sixth_referral_is_not_saved_and_says_why(client, site_a, community_data):
    for _ in range(5):
        client.post(FORM, community_data())
    response = client.post(FORM, community_data(first_name="Sixth"))
    assert response.status_code == 429
    assert "Please wait a little" in response.content.decode()
    with scopes_disabled():
        assert not Referral.objects.filter(first_name="Sixth").exists()


def test_behind_the_proxy_one_busy_client_does_not_close_the_form_for_others(
    client, one_proxy, site_a, community_data
):
    for _ in range(5):
        response = client.post(FORM, community_data(), **via_proxy("203.0.113.9"))
        assert response["Location"] == THANKS
    assert client.post(FORM, community_data(), **via_proxy("203.0.113.9")).status_code == 429
    # A shelter across town, through the same proxy.
    response = client.post(FORM, community_data(), **via_proxy("198.51.100.4"))
    assert response["Location"] == THANKS
    assert _count() == 6


def test_a_client_cannot_escape_the_limit_by_forging_the_forwarded_header(
    client, one_proxy, site_a, community_data
):
    for n in range(5):
        forged = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": f"192.0.2.{n}, 203.0.113.9"}
        assert client.post(FORM, community_data(), **forged)["Location"] == THANKS
    forged = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "192.0.2.99, 203.0.113.9"}
    assert client.post(FORM, community_data(), **forged).status_code == 429
