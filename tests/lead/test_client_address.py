"""Behind the reverse proxy that production requires, every limit and the access log see each
client's own address, not the proxy's; a client cannot choose its address by sending its own
X-Forwarded-For."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from django.test import RequestFactory

from lead.models import AccessLogEntry
from lead.net import client_ip, client_ip_key
from tests.factories import PASSWORD

PROXY = "10.0.0.2"  # the reverse proxy: REMOTE_ADDR of every request it forwards


def _request(remote: str = PROXY, forwarded: str | None = None):
    headers = {"x-forwarded-for": forwarded} if forwarded is not None else {}
    return RequestFactory().get("/", REMOTE_ADDR=remote, headers=headers)


def via_proxy(client_address: str, *, sent_by_client: str = "") -> dict:
    """Request extras for a request from ``client_address`` through one proxy, which appends the
    address it saw to whatever X-Forwarded-For the client sent."""
    forwarded = f"{sent_by_client}, {client_address}" if sent_by_client else client_address
    return {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": forwarded}


@pytest.fixture
def one_proxy(settings):
    settings.LEAD_TRUSTED_PROXY_COUNT = 1


def test_without_a_trusted_proxy_the_header_is_ignored(settings):
    settings.LEAD_TRUSTED_PROXY_COUNT = 0
    assert client_ip(_request("203.0.113.9", forwarded="198.51.100.1")) == "203.0.113.9"


def test_behind_one_proxy_the_client_is_the_last_address(one_proxy):
    assert client_ip(_request(forwarded="203.0.113.9")) == "203.0.113.9"


def test_a_client_cannot_choose_its_address_by_sending_the_header_itself(one_proxy):
    assert client_ip(_request(forwarded="198.51.100.1, 203.0.113.9")) == "203.0.113.9"
    assert client_ip(_request(forwarded="1.1.1.1, 2.2.2.2, 203.0.113.9")) == "203.0.113.9"


def test_behind_two_proxies_the_client_is_the_second_address_from_the_right(settings):
    settings.LEAD_TRUSTED_PROXY_COUNT = 2
    request = _request(forwarded="198.51.100.1, 203.0.113.9, 10.0.0.1")
    assert client_ip(request) == "203.0.113.9"


def test_a_header_shorter_than_the_proxy_count_gives_its_first_address_not_an_error(settings):
    settings.LEAD_TRUSTED_PROXY_COUNT = 2
    assert client_ip(_request(forwarded="203.0.113.9")) == "203.0.113.9"


def test_without_the_header_the_connection_address_is_used(one_proxy):
    assert client_ip(_request("203.0.113.9")) == "203.0.113.9"
    assert client_ip(_request("203.0.113.9", forwarded="  ")) == "203.0.113.9"


def test_ports_and_brackets_are_removed_and_garbage_falls_back_to_the_connection(one_proxy):
    assert client_ip(_request(forwarded="203.0.113.9:51234")) == "203.0.113.9"
    assert client_ip(_request(forwarded="[2001:db8::7]:443")) == "2001:db8::7"
    assert client_ip(_request(forwarded="2001:DB8::7")) == "2001:db8::7"
    assert client_ip(_request(forwarded="unknown")) == PROXY
    assert client_ip(_request(forwarded="<script>")) == PROXY


def test_the_rate_limit_key_groups_an_ipv6_client_by_its_64_network(one_proxy):
    first = client_ip_key("g", _request(forwarded="2001:db8:1:2::7"))
    second = client_ip_key("g", _request(forwarded="2001:db8:1:2:ffff::1"))
    other = client_ip_key("g", _request(forwarded="2001:db8:1:3::7"))
    assert first == second == "2001:db8:1:2::/64"
    assert other != first
    assert client_ip_key("g", _request(forwarded="203.0.113.9")) == "203.0.113.9"


def test_allauth_counts_behind_the_same_number_of_proxies():
    assert django_settings.ALLAUTH_TRUSTED_PROXY_COUNT == django_settings.LEAD_TRUSTED_PROXY_COUNT


def _fail_sign_in(client, email: str, address: str):
    return client.post(
        "/accounts/login/", {"login": email, "password": "wrong"}, **via_proxy(address)
    )


def test_failed_sign_ins_from_one_client_do_not_lock_out_the_others_behind_the_proxy(
    client, one_proxy, case_manager
):
    """Ten failed sign-ins for made-up accounts used to lock every staff member out."""
    attacker = "198.51.100.66"
    for n in range(10):
        response = _fail_sign_in(client, f"nobody{n}@example.org", attacker)
        assert "Too many failed" not in response.content.decode()
    refused = _fail_sign_in(client, "nobody-else@example.org", attacker)
    assert "Too many failed login attempts" in refused.content.decode()

    response = client.post(
        "/accounts/login/",
        {"login": case_manager.email, "password": PASSWORD},
        **via_proxy("203.0.113.9"),
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(case_manager.pk)


def test_a_client_that_forges_the_header_still_counts_as_itself(client, one_proxy, db):
    attacker = "198.51.100.66"
    for n in range(10):
        client.post(
            "/accounts/login/",
            {"login": f"nobody{n}@example.org", "password": "wrong"},
            **via_proxy(attacker, sent_by_client=f"192.0.2.{n}"),
        )
    refused = _fail_sign_in(client, "nobody-else@example.org", attacker)
    assert "Too many failed login attempts" in refused.content.decode()


def test_the_access_log_records_the_clients_address_not_the_proxys(
    client, one_proxy, case_manager, site_b, settings
):
    settings.LEAD_REQUIRE_MFA = False
    client.force_login(case_manager)
    response = client.get("/s/lea/", **via_proxy("203.0.113.9", sent_by_client="192.0.2.1"))
    assert response.status_code == 404
    entry = AccessLogEntry.objects.get(user=case_manager, outcome=AccessLogEntry.Outcome.NOT_FOUND)
    assert entry.ip_address == "203.0.113.9"
