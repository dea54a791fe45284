"""The one place that checks capabilities: wrong site → 404, missing capability → 403.

The site middleware has already answered 404 to non-members; here we check the named
capability, a guardian object permission on the ``Site`` row held through the user's role group.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from guardian.core import ObjectPermissionChecker

from lead.audit import access_log_record
from lead.models import AccessLogEntry
from sites.roles import STATE_ADMIN_CAPABILITIES


def request_memberships(request: HttpRequest) -> list:
    """The signed-in user's memberships (with unread counts), read once per request."""
    cached = getattr(request, "_memberships", None)
    if cached is None:
        from sites.services import memberships_of

        cached = request._memberships = memberships_of(user=request.user)
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
            capabilities |= STATE_ADMIN_CAPABILITIES
    request._site_capabilities = frozenset(capabilities)
    return request._site_capabilities


def has_site_capability(request: HttpRequest, capability: str) -> bool:
    return capability.removeprefix("sites.") in site_capabilities(request)


def check_site_capability(request: HttpRequest, capability: str) -> None:
    if getattr(request, "site", None) is None:
        raise Http404
    if not has_site_capability(request, capability):
        access_log_record(
            request=request,
            action=f"denied:{capability}",
            outcome=AccessLogEntry.Outcome.FORBIDDEN,
        )
        raise PermissionDenied


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


class SitePermissionMixin:
    """For class-based site views: set ``permission = "sites.<capability>"``."""

    permission: str = ""

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        check_site_capability(request, self.permission)
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]
