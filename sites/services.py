"""Writes for sites and memberships. Role groups and their guardian grants are kept in sync here."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django_scopes import scope, scopes_disabled
from guardian.shortcuts import assign_perm, get_perms, remove_perm

from lead.models import User
from lead.outbox import outbox_enqueue
from sites.models import Membership, Notification, Site
from sites.roles import ROLE_CAPABILITIES, Role


def role_group_name(*, site: Site, role: str) -> str:
    return f"site:{site.slug}:{role}"


@transaction.atomic
def role_group_sync(*, site: Site, role: str) -> Group:
    """Return the group of ``role`` at ``site`` holding exactly that role's capabilities."""
    group, _ = Group.objects.get_or_create(name=role_group_name(site=site, role=role))
    wanted = ROLE_CAPABILITIES[role]
    held = set(get_perms(group, site))
    for codename in wanted - held:
        assign_perm(f"sites.{codename}", group, site)
    for codename in held - wanted:
        remove_perm(f"sites.{codename}", group, site)
    return group


def role_groups_sync_all() -> None:
    """Bring every site's role groups in line with ``ROLE_CAPABILITIES`` (run after migrate)."""
    for site in Site.objects.all():
        for role in Role:
            role_group_sync(site=site, role=role)


@transaction.atomic
def membership_grant(*, user: User, site: Site, role: str, by: User | None) -> Membership:
    """Give ``user`` the ``role`` at ``site``, replacing any role they had there."""
    if role not in Role.values:
        raise ValueError(f"Unknown role {role!r}")
    with scope(site=site):
        membership = Membership.objects.filter(site=site, user=user).first()
        if membership is None:
            membership = Membership(site=site, user=user, role=role, created_by=by)
        membership.role = role
        membership._history_user = by
        membership.save()
    for other in Role:
        group = Group.objects.filter(name=role_group_name(site=site, role=other)).first()
        if group is not None and other != role:
            user.groups.remove(group)
    user.groups.add(role_group_sync(site=site, role=role))
    return membership


@transaction.atomic
def membership_revoke(*, membership: Membership, by: User | None) -> None:
    """End a membership: the user loses every capability at that site at once."""
    site, user = membership.site, membership.user
    user.groups.remove(
        *Group.objects.filter(name__in=[role_group_name(site=site, role=r) for r in Role])
    )
    membership._history_user = by
    membership.delete()


def memberships_of(*, user: User) -> list[Membership]:
    """Every membership of one user, across sites (their own: for the site guard, the switcher
    and home), each with ``unread``, the number of unread notifications there. One query."""
    if not user.is_authenticated:
        return []
    with scopes_disabled():
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


@transaction.atomic
def staff_invite(
    *, email: str, site: Site, role: str, by: User, base_url: str, full_name: str = ""
) -> Membership:
    """Invite someone to ``site``: create the account if new, grant the role, e-mail a link.

    The account has no usable password until the invitation link is used.
    """
    email = email.strip().lower()
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        first, _, last = full_name.strip().partition(" ")
        user = User.objects.create_user(email=email, first_name=first[:150], last_name=last[:150])
    membership = membership_grant(user=user, site=site, role=role, by=by)
    outbox_enqueue(
        task_name="sites.tasks.send_invitation",
        kwargs={"membership_id": membership.pk, "base_url": base_url, "invited_by": by.pk},
        key=f"invitation:{membership.uuid}:{membership.history.latest().history_id}",
    )
    return membership


def notify(*, site: Site, users: list[User], title: str, link: str) -> list[Notification]:
    """Tell ``users`` about something at ``site``: an in-app notification and an e-mail each.

    Called from outbox tasks, so it runs once per event however often the task is delivered.
    Each e-mail is its own outbox task: one mail server failure never re-sends the others.
    """
    notifications = []
    for user in users:
        notification = Notification.objects.create(site=site, user=user, title=title, link=link)
        outbox_enqueue(
            task_name="sites.tasks.send_notification_email",
            kwargs={"notification_id": notification.pk},
            key=f"notification-mail:{notification.uuid}",
        )
        notifications.append(notification)
    return notifications


def notifications_mark_read(*, site: Site, user: User) -> int:
    return Notification.objects.filter(site=site, user=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
