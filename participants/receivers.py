"""What participants do when a membership ends or changes (``sites.signals``).

A restricted record names people with row grants. Those grants exist only because the person
works cases at the site: when that stops, they go, so a later invitation brings none of them
back. A record that would be left naming nobody passes to the site's programme managers
(recorded in its history): a restricted record must never become one that nobody can open.
"""

from __future__ import annotations

from django_scopes import scope

from lead.models import User
from participants.services import restricted_grants_withdraw
from sites.models import Membership, Site
from sites.roles import role_grants


def on_membership_ended(sender, *, site: Site, user: User, by: User | None, **kwargs) -> None:
    with scope(site=site):
        restricted_grants_withdraw(site=site, user=user, by=by)


def on_membership_changed(sender, *, membership: Membership, by: User | None, **kwargs) -> None:
    if role_grants(membership.role, "work_cases"):
        return
    with scope(site=membership.site):
        restricted_grants_withdraw(site=membership.site, user=membership.user, by=by)
