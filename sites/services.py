"""Writes for sites and memberships. Role groups and their guardian grants are kept in sync here."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scope
from guardian.shortcuts import assign_perm, get_perms, remove_perm

from lead.models import User
from lead.outbox import outbox_enqueue
from sites.models import Membership, Notification, Site
from sites.roles import ROLE_CAPABILITIES, Role
from sites.signals import membership_changed, membership_ended


def role_group_name(*, site: Site, role: str) -> str:
    """Keyed by the site's id, never its slug: a renamed slug must not orphan a group."""
    return f"site:{site.pk}:{role}"


@transaction.atomic
def role_group_sync(*, site: Site, role: str) -> Group:
    """Return the group of ``role`` at ``site`` holding exactly that role's capabilities."""
    group, _created = Group.objects.get_or_create(name=role_group_name(site=site, role=role))
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


def _site_groups(site: Site) -> list[Group]:
    return list(Group.objects.filter(name__in=[role_group_name(site=site, role=r) for r in Role]))


@transaction.atomic
def membership_grant(*, user: User, site: Site, role: str, by: User | None) -> Membership:
    """Give ``user`` the ``role`` at ``site``, replacing any role they had there.

    Nobody grants themself a membership or a role (``by`` is None only for set-up code such as
    the demo). A change that takes away case work also takes away the row grants it allowed
    (``membership_changed``)."""
    if role not in Role.values:
        raise ValueError(f"Unknown role {role!r}")
    if by is not None and by.pk == user.pk:
        raise PermissionDenied(_("Nobody can grant themself a membership or a role."))
    with scope(site=site):
        membership = Membership.objects.select_for_update().filter(site=site, user=user).first()
        previous = membership.role if membership is not None else None
        if membership is None:
            membership = Membership(site=site, user=user, role=role, created_by=by)
        membership.role = role
        membership._history_user = by
        membership.save()
    user.groups.remove(
        *[g for g in _site_groups(site) if g.name != role_group_name(site=site, role=role)]
    )
    user.groups.add(role_group_sync(site=site, role=role))
    if previous is not None and previous != role:
        membership_changed.send(sender=Membership, membership=membership, by=by)
    return membership


@transaction.atomic
def membership_revoke(*, membership: Membership, by: User | None) -> None:
    """End a membership: the user loses every capability at that site at once, and every
    row grant it allowed there (restricted records), so a later invitation brings none back."""
    site, user = membership.site, membership.user
    if by is not None and by.pk == user.pk:
        raise PermissionDenied(_("You cannot end your own membership."))
    user.groups.remove(*_site_groups(site))
    membership._history_user = by
    membership.delete()
    membership_ended.send(sender=Membership, site=site, user=user, by=by)


@transaction.atomic
def staff_invite(
    *, email: str, site: Site, role: str, by: User, base_url: str, full_name: str = ""
) -> Membership:
    """Invite someone to ``site``: create the account if new, grant the role, e-mail a link.

    The account has no usable password until the invitation link is used.
    """
    email = email.strip().lower()
    if email == by.email.lower():
        raise ValidationError(_("You cannot invite yourself: ask someone else to grant access."))
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        first, _sep, last = full_name.strip().partition(" ")
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
