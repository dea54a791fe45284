"""The client's address, the same for every use: sign-in limits, the public form's limit and
the access log.

Production runs behind a reverse proxy (README, "HTTPS"), so ``REMOTE_ADDR`` is the proxy's
address, the same for everybody: rate limits keyed on it share one bucket for the whole state.
Each proxy appends the address it saw to ``X-Forwarded-For``. With ``LEAD_TRUSTED_PROXY_COUNT``
proxies of ours in front, the client is the Nth address from the right; whatever stands further
left was written by the client and proves nothing. That is allauth's rule
(``ALLAUTH_TRUSTED_PROXY_COUNT`` is set from the same setting, and our account adapter asks this
module), with two differences that keep a misconfigured proxy from turning into errors:
a header shorter than the count gives its leftmost address (the one the outermost proxy of ours
saw), and an entry that is not an address falls back to ``REMOTE_ADDR``.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest

IPV6_RATE_LIMIT_PREFIX = 64  # one IPv6 subscriber usually holds a whole /64


def _clean(value: str) -> str | None:
    """``value`` as a canonical IP address (a port or IPv6 brackets removed), or None."""
    value = value.strip()
    if value.startswith("["):  # [2001:db8::1]:443
        value = value[1:].split("]", 1)[0]
    elif value.count(":") == 1:  # 203.0.113.9:5678
        value = value.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    """The address of the client that sent ``request`` (None only without any address)."""
    remote = _clean(request.META.get("REMOTE_ADDR") or "")
    count = settings.LEAD_TRUSTED_PROXY_COUNT
    forwarded = request.headers.get("x-forwarded-for", "")
    if count <= 0 or not forwarded.strip():
        return remote
    hops = forwarded.split(",")
    return _clean(hops[-min(count, len(hops))]) or remote


def client_ip_key(group: str, request: HttpRequest) -> str:
    """django-ratelimit's key: the client's address, an IPv6 client's /64 network."""
    ip = client_ip(request)
    if ip is None:
        return "unknown"
    address = ipaddress.ip_address(ip)
    if address.version == 6:
        return str(ipaddress.ip_network(f"{ip}/{IPV6_RATE_LIMIT_PREFIX}", strict=False))
    return ip
