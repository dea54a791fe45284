"""What the base template's navigation needs: the user's sites, the current one, their role."""

from __future__ import annotations

from django.http import HttpRequest

from lead.permissions import request_memberships, site_capabilities


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
    }
