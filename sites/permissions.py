"""The one place that checks capabilities: wrong site → 404, missing capability → 403.

Site views declare ``@site_permission_required("sites.<capability>")``; pages outside any
site (``/state/``) declare ``@state_permission_required("<capability>")``. Both read the
capability table in ``sites.roles``. The site guard (``sites.middleware``) has already answered
404 to non-members; it lets a state administrator who is not a member through only to views
whose declared capability the table gives the state administrator at every site.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from guardian.core import ObjectPermissionChecker

from lead.audit import access_log_record
from lead.models import AccessLogEntry, User
from sites.models import Membership, Site
from sites.roles import STATE_ADMIN_SITE_CAPABILITIES, statewide_capabilities_of
from sites.selectors import memberships_of


class SiteRequest(HttpRequest):
    """The request a site view receives, as the site guard leaves it (for the type checker:
    ``request.site`` is our Site, and the user is signed in)."""

    site: Site  # type: ignore[assignment]  # django-stubs types it as contrib.sites' Site
    membership: Membership | None
    user: User


def request_memberships(request: HttpRequest) -> list:
    """The signed-in user's memberships (with unread counts), read once per request."""
    cached = getattr(request, "_memberships", None)
    if cached is None:
        cached = memberships_of(user=request.user)
        setattr(request, "_memberships", cached)  # noqa: B010 (HttpRequest has no such field)
    return cached


def site_capabilities(request: HttpRequest) -> frozenset[str]:
    """The capabilities ``request.user`` holds at ``request.site`` (cached on the request)."""
    cached = getattr(request, "_site_capabilities", None)
    if cached is not None:
        return cached
    site, user = getattr(request, "site", None), request.user
    capabilities: set[str] = set()
    if site is not None and user.is_authenticated and user.is_active:
        if getattr(request, "membership", None) is not None:
            # Group grants only: no superuser shortcut and no global permissions.
            capabilities |= set(ObjectPermissionChecker(user).get_group_perms(site))
        if user.is_state_admin:
            capabilities |= STATE_ADMIN_SITE_CAPABILITIES
    held = frozenset(capabilities)
    setattr(request, "_site_capabilities", held)  # noqa: B010 (HttpRequest has no such field)
    return held


def has_site_capability(request: HttpRequest, capability: str) -> bool:
    return capability.removeprefix("sites.") in site_capabilities(request)


def state_admin_may_enter(view: Callable) -> bool:
    """May a state administrator who is not a member pass the site guard to ``view``?"""
    capability = getattr(view, "site_capability", "")
    return capability.removeprefix("sites.") in STATE_ADMIN_SITE_CAPABILITIES


def _refuse(request: HttpRequest, capability: str) -> None:
    access_log_record(
        request=request,
        action=f"denied:{capability}",
        outcome=AccessLogEntry.Outcome.FORBIDDEN,
    )
    raise PermissionDenied


def check_site_capability(request: HttpRequest, capability: str) -> None:
    if getattr(request, "site", None) is None:
        raise Http404
    if not has_site_capability(request, capability):
        _refuse(request, capability)


def site_permission_required(capability: str) -> Callable:
    """Decorate a site view: ``@site_permission_required("sites.work_cases")``."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            check_site_capability(request, capability)
            return view(request, *args, **kwargs)

        wrapped.site_capability = capability  # type: ignore[attr-defined]
        return wrapped

    return decorator


def state_permission_required(capability: str) -> Callable:
    """Decorate a statewide view (no site): ``@state_permission_required("view_state_overview")``.

    Anonymous users are sent to sign in; signed-in users without the capability get 403."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if capability not in statewide_capabilities_of(request.user):
                _refuse(request, capability)
            return view(request, *args, **kwargs)

        wrapped.state_capability = capability  # type: ignore[attr-defined]
        return wrapped

    return decorator
