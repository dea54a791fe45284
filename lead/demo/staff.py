"""The demo's accounts: an officer, a case manager and a programme manager per site, the UNM
evaluator (a member of every site) and the state administrator, all with the demo password.

Brought back to their demo state on every run (password, name, memberships): that is what makes
``seed_demo`` safe to run again after someone changed a password in the demo.
"""

from __future__ import annotations

from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.hashers import make_password

from lead.models import User
from sites.models import Site
from sites.roles import Role
from sites.services import membership_grant

# Fictional people; one officer, case manager and programme manager per site.
STAFF_NAMES = {
    "san-juan": ("Travis Begay", "Lorena Yazzie", "Marcus Tsosie"),
    "taos": ("Daniel Romero", "Ana Martínez", "Celia Trujillo"),
    "bernalillo": ("Kevin Sandoval", "Rosa Chávez", "Patricia Gallegos"),
    "santa-fe": ("Eric Montoya", "Isabel Ortiz", "Joaquín Vigil"),
    "dona-ana": ("Luis Herrera", "Gabriela Soto", "Teresa Baca"),
    "lea": ("Cody Wallace", "Jasmine Ruiz", "Brenda Holt"),
}
EVALUATOR = "evaluator@example.org"
STATE_ADMIN = "admin@example.org"


@dataclass(frozen=True)
class SiteStaff:
    officer: User
    case_manager: User
    programme_manager: User


def _user(email: str, full_name: str, password_hash: str, **flags) -> User:
    first, _, last = full_name.partition(" ")
    user, _ = User.objects.get_or_create(
        email=email, defaults={"first_name": first, "last_name": last}
    )
    user.password = password_hash
    for name, value in flags.items():
        setattr(user, name, value)
    user.save()
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


def demo_staff(*, sites: list[Site]) -> tuple[list[tuple[str, str]], dict[str, SiteStaff]]:
    """The demo accounts of ``sites``, the evaluator and the state administrator, made or reset.

    Returns the logins to print (e-mail, what it is) and each site's staff by slug."""
    # One hash for every demo user (the password is public anyway): hashing is slow on purpose,
    # and twenty of them took most of the command's time.
    password = make_password(settings.LEAD_DEMO_PASSWORD)
    logins: list[tuple[str, str]] = []
    staff: dict[str, SiteStaff] = {}
    for site in sites:
        names = STAFF_NAMES.get(
            site.slug, (f"{site.name} Officer", f"{site.name} Case", f"{site.name} Manager")
        )
        users = {}
        for (prefix, role), name in zip(
            (
                ("officer", Role.OFFICER),
                ("casemanager", Role.CASE_MANAGER),
                ("manager", Role.PROGRAMME_MANAGER),
            ),
            names,
            strict=True,
        ):
            email = f"{prefix}.{site.slug}@example.org"
            users[prefix] = user = _user(email, name, password)
            membership_grant(user=user, site=site, role=role, by=None)
            logins.append((email, f"{Role(role).label} – {site.name}"))
        staff[site.slug] = SiteStaff(users["officer"], users["casemanager"], users["manager"])
    evaluator = _user(EVALUATOR, "Uma Evaluator", password)
    for site in sites:
        membership_grant(user=evaluator, site=site, role=Role.EVALUATOR, by=None)
    logins.append((EVALUATOR, "UNM evaluator – all sites (agreement UNM-DEMO)"))
    _user(STATE_ADMIN, "Sam Administrator", password, is_state_admin=True)
    logins.append((STATE_ADMIN, "State administrator"))
    return logins, staff
