"""Cross-cutting middleware: MFA enforcement, session lifetime, no-store. (The site guard is
``sites.middleware.SiteScopeMiddleware``.)"""

from __future__ import annotations

import time
from collections.abc import Callable

from allauth.account.authentication import get_authentication_records
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _

MFA_ENROLLED_SESSION_KEY = "lead_mfa_enrolled_at"
SESSION_STARTED_KEY = "lead_session_started_at"
SESSION_SEEN_KEY = "lead_session_seen_at"
SESSION_REFRESH_SECONDS = 60


MFA_EXEMPT_PREFIXES = ("/accounts/", "/static/", "/healthz", "/i18n/", "/invite/")


class MfaRequiredMiddleware:
    """With ``LEAD_REQUIRE_MFA`` on, every signed-in user must enrol in MFA and sign in with it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            settings.LEAD_REQUIRE_MFA
            and request.user.is_authenticated
            and not request.path_info.startswith(MFA_EXEMPT_PREFIXES)
        ):
            if not is_mfa_enabled(request.user):
                messages.info(
                    request,
                    _("Set up two-factor authentication to continue: it protects records."),
                )
                return redirect("mfa_activate_totp")
            used_mfa = any(
                record.get("method") == "mfa"
                for record in get_authentication_records(request, request.user)
            )
            if not used_mfa and not request.session.get(MFA_ENROLLED_SESSION_KEY):
                logout(request)
                messages.info(request, _("Please sign in again with your second factor."))
                return redirect_to_login(request.get_full_path())
        return self.get_response(request)


class SessionLifetimeMiddleware:
    """Sessions end after 30 idle minutes (``SESSION_COOKIE_AGE``) and 12 hours after sign-in
    however active they were.

    Activity pushes the idle expiry forward by saving the session, at most once a minute rather
    than on every request (a database write per page otherwise)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            started = request.session.get(SESSION_STARTED_KEY)
            now = time.time()
            if started is None:
                request.session[SESSION_STARTED_KEY] = now
            elif now - started > settings.LEAD_SESSION_ABSOLUTE_SECONDS:
                logout(request)
                messages.info(request, _("Your session has ended. Please sign in again."))
                return redirect_to_login(request.get_full_path())
            if now - request.session.get(SESSION_SEEN_KEY, 0) > SESSION_REFRESH_SECONDS:
                request.session[SESSION_SEEN_KEY] = now  # saved: the idle expiry moves on
        return self.get_response(request)


class NoStoreForSignedInMiddleware:
    """Signed-in pages hold personal data: browsers and proxies must not keep them."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.user.is_authenticated:
            add_never_cache_headers(response)
        return response
