"""Sign-in policy: staff are invited, nobody signs up."""

from __future__ import annotations

import time

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest

from lead.middleware import MFA_ENROLLED_SESSION_KEY


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False


def remember_mfa_enrolment(sender, request: HttpRequest | None = None, **kwargs) -> None:
    """Enrolling proves the second factor (a code was entered), so this session may go on."""
    if request is not None and hasattr(request, "session"):
        request.session[MFA_ENROLLED_SESSION_KEY] = time.time()
