"""Sign-in policy: staff are invited, nobody signs up."""

from __future__ import annotations

import time

from allauth.account.adapter import DefaultAccountAdapter
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from lead.middleware import MFA_ENROLLED_SESSION_KEY
from lead.net import client_ip


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    def get_client_ip(self, request: HttpRequest) -> str:
        """Sign-in limits count per client behind the proxy, as every other limit does."""
        ip = client_ip(request)
        if ip is None:
            raise PermissionDenied("Unable to determine client IP address")
        return ip


def remember_mfa_enrolment(sender, request: HttpRequest | None = None, **kwargs) -> None:
    """Enrolling proves the second factor (a code was entered), so this session may go on."""
    if request is not None and hasattr(request, "session"):
        request.session[MFA_ENROLLED_SESSION_KEY] = time.time()
