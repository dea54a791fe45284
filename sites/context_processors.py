"""What the base template's navigation needs: the user's sites, the current one, and what the
user may do there (and statewide)."""

from __future__ import annotations

from django.http import HttpRequest

from sites.permissions import request_memberships, site_capabilities
from sites.roles import statewide_capabilities_of


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    site = getattr(request, "site", None)
    membership = getattr(request, "membership", None)
    return {
        "nav_unread": getattr(membership, "unread", 0),
        "nav_memberships": request_memberships(request),
        "nav_site": site,
        "nav_membership": membership,
        "nav_capabilities": site_capabilities(request) if site is not None else frozenset(),
        "nav_statewide": statewide_capabilities_of(user),
    }
