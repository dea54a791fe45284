"""Reads about sites and memberships: who works where, with which capabilities.

Every "who may be given work / who hears of what" question is answered here, from the one
capability table in ``sites.roles``; no other module filters memberships by role name.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django_scopes import scopes_disabled

from lead.models import User
from sites.models import Membership, Notification, Site
from sites.roles import Role, roles_with


def memberships_of(*, user: User | AnonymousUser) -> list[Membership]:
    """Every membership of one user, across sites (their own: for the site guard, the switcher
    and home), each with ``unread``, the number of unread notifications there. One query."""
    if not user.is_authenticated:
        return []
    with scopes_disabled():  # the user's own memberships at every site: the site guard's input
        unread = (
            Notification.objects.filter(
                site=OuterRef("site"), user=OuterRef("user"), read_at__isnull=True
            )
            .order_by()
            .values("user")
            .annotate(n=Count("id"))
            .values("n")
        )
        return list(
            Membership.objects.filter(user=user, site__is_active=True)
            .select_related("site")
            .annotate(unread=Coalesce(Subquery(unread), 0))
            .order_by("site__name")
        )


def users_with_capability(*, site: Site, capability: str) -> QuerySet[User]:
    """The active users whose membership at ``site`` grants ``capability``."""
    return (
        User.objects.filter(
            is_active=True,
            memberships__site=site,
            memberships__role__in=roles_with(capability),
        )
        .distinct()
        .order_by("first_name", "last_name", "email")
    )


def holds_capability(*, site: Site, user: User, capability: str) -> bool:
    """Does ``user`` (active, a member of ``site``) hold ``capability`` there?

    For services, which act for a user outside a request; views ask the request
    (``sites.permissions.has_site_capability``)."""
    return users_with_capability(site=site, capability=capability).filter(pk=user.pk).exists()


def case_workers(*, site: Site) -> QuerySet[User]:
    """The people a referral, a participant or a task may be given to at ``site``."""
    return users_with_capability(site=site, capability="receive_work")


def is_case_worker(*, site: Site, user: User) -> bool:
    """May ``user`` be given referrals, participants or tasks at ``site``?"""
    return holds_capability(site=site, user=user, capability="receive_work")


def referral_notice_recipients(*, site: Site) -> QuerySet[User]:
    """Who hears of every new referral: holders of the capability who asked for the notices
    (the same membership row must grant the capability and ask)."""
    return (
        User.objects.filter(
            is_active=True,
            memberships__site=site,
            memberships__role__in=roles_with("receive_referral_notices"),
            memberships__notify_new_referrals=True,
        )
        .distinct()
        .order_by("email")
    )


def deadline_alert_recipients(*, site: Site) -> list[User]:
    """Who is told of missed intake deadlines (and of warnings nobody else can take)."""
    return list(
        users_with_capability(site=site, capability="receive_deadline_alerts").order_by("email")
    )


def notice_memberships(*, site: Site) -> QuerySet[Membership]:
    """The memberships that may receive referral notices (the settings page's choices)."""
    return Membership.objects.filter(
        site=site, role__in=roles_with("receive_referral_notices"), user__is_active=True
    ).select_related("user")


def staff_of(*, site: Site) -> QuerySet[Membership]:
    """The site's memberships with their users, for the staff page, each with who last granted
    or changed it and when (``changed_by_email``, ``changed_by_state_admin``, ``changed_at``):
    the site's programme managers see every grant the state administrator made."""
    last_change = Membership.history.model.objects.filter(id=OuterRef("id")).order_by(
        "-history_date", "-history_id"
    )
    return (
        Membership.objects.filter(site=site)
        .select_related("user")
        .annotate(
            changed_at=Subquery(last_change.values("history_date")[:1]),
            changed_by_email=Subquery(last_change.values("history_user__email")[:1]),
            changed_by_state_admin=Subquery(last_change.values("history_user__is_state_admin")[:1]),
        )
        .order_by("user__email")
    )


def staff_counts(*, site: Site) -> list[tuple[str, int]]:
    """(role label, number of members) for every role, zeros included."""
    counts = dict(
        Membership.objects.filter(site=site)
        .values_list("role")
        .annotate(n=Count("id"))
        .values_list("role", "n")
    )
    return [(str(label), counts.get(value, 0)) for value, label in Role.choices]


def statewide_staff_overview() -> list[dict]:
    """Every site with its staff counts by role: counts only, nothing identifying."""
    with scopes_disabled():  # statewide, counts only
        sites = Site.objects.annotate(staff=Count("memberships")).order_by("name")
        counts = {
            (row["site_id"], row["role"]): row["n"]
            for row in Membership.objects.values("site_id", "role").annotate(n=Count("id"))
        }
        return [
            {
                "site": site,
                "staff": site.staff,
                "by_role": [counts.get((site.pk, role), 0) for role in Role],
            }
            for site in sites
        ]
