"""Demo data for the six sites. Idempotent: run it as often as you like."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

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


def _user(email: str, full_name: str, password: str, **flags) -> User:
    first, _, last = full_name.partition(" ")
    user, _ = User.objects.get_or_create(
        email=email, defaults={"first_name": first, "last_name": last}
    )
    user.set_password(password)
    for name, value in flags.items():
        setattr(user, name, value)
    user.save()
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


class Command(BaseCommand):
    help = "Load demo users and data for the LEAD sites (idempotent)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--quiet", action="store_true", help="Do not print the demo logins.")

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        password = settings.LEAD_DEMO_PASSWORD
        rows: list[tuple[str, str]] = []
        sites = list(Site.objects.order_by("name"))
        for site in sites:
            officer, case_manager, manager = STAFF_NAMES.get(
                site.slug, (f"{site.name} Officer", f"{site.name} Case", f"{site.name} Manager")
            )
            for prefix, name, role in (
                ("officer", officer, Role.OFFICER),
                ("casemanager", case_manager, Role.CASE_MANAGER),
                ("manager", manager, Role.PROGRAMME_MANAGER),
            ):
                email = f"{prefix}.{site.slug}@example.org"
                user = _user(email, name, password)
                membership_grant(user=user, site=site, role=role, by=None)
                rows.append((email, f"{Role(role).label} – {site.name}"))
        evaluator = _user("evaluator@example.org", "Uma Evaluator", password)
        for site in sites:
            membership_grant(user=evaluator, site=site, role=Role.EVALUATOR, by=None)
        rows.append(("evaluator@example.org", "UNM evaluator – all sites (agreement UNM-DEMO)"))
        _user("admin@example.org", "Sam Administrator", password, is_state_admin=True)
        rows.append(("admin@example.org", "State administrator"))

        if not options["quiet"]:
            self.stdout.write(self.style.SUCCESS("Demo data loaded. Sign in with:"))
            width = max(len(email) for email, _ in rows)
            for email, what in rows:
                self.stdout.write(f"  {email.ljust(width)}  {what}")
            self.stdout.write(f"Password for every demo user: {password}")
