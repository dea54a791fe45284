"""What the base template's navigation needs: the user's sites, the current one, their role."""

from __future__ import annotations

from django.http import HttpRequest

from lead.permissions import site_capabilities


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from sites.services import memberships_of, notifications_unread_count

    site = getattr(request, "site", None)
    return {
        "nav_unread": notifications_unread_count(site=site, user=user) if site else 0,
        "nav_memberships": memberships_of(user=user),
        "nav_site": site,
        "nav_membership": getattr(request, "membership", None),
        "nav_capabilities": site_capabilities(request) if site is not None else frozenset(),
    }
