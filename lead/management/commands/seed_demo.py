"""Demo data for the six sites. Idempotent: run it as often as you like.

Users and memberships are brought back to their demo state on every run; each site gets its demo
referrals (``referrals.demo``) once: a site that has them already is left alone.

E-mail: making the referrals sends the usual new-referral notices (eagerly when ``REDIS_URL`` is
unset). So that the console does not fill with some 300 e-mails to example.org addresses, the
command uses Django's in-memory (``locmem``) e-mail backend while it runs and only counts them;
the in-app notifications are kept, dated to when each referral came in.

Volume for benchmarks: ``--participants N --contacts N`` also top the sites up to N participants
and N contacts in all, written with COPY (``participants.volume``; 20,000 and 1,000,000 take
about half a minute here). Use a throwaway database for that much: ``make bench`` does.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core import mail
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test.utils import override_settings
from django_scopes import scope

from lead.models import User
from participants.demo import seed_participants
from participants.volume import volume_generate
from referrals.demo import notifications_backdate, seed_referrals
from referrals.tasks import diversion_clock_check
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


@contextmanager
def _quiet_task_log() -> Iterator[None]:
    """Celery logs every eager task it runs at INFO: some 170 lines here. Keep warnings."""
    logger = logging.getLogger("celery.app.trace")
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


@contextmanager
def _no_wait_for_disk() -> Iterator[None]:
    """Some 170 small transactions (one per background task): don't wait for the disk at each
    commit. A crash could lose the last moments of demo data, never corrupt anything."""
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO OFF")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET synchronous_commit")


class Command(BaseCommand):
    help = "Load demo users and data for the LEAD sites (idempotent)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--quiet", action="store_true", help="Do not print the demo logins.")
        parser.add_argument(
            "--participants",
            type=int,
            default=0,
            metavar="N",
            help="Generate participants (with needs, plan goals and tasks) until the sites have "
            "N in all; for benchmarks, fast (COPY).",
        )
        parser.add_argument(
            "--contacts",
            type=int,
            default=0,
            metavar="N",
            help="Generate contacts until there are N in all (spread over two years).",
        )

    def handle(self, *args, **options) -> None:
        if options["participants"] < 0 or options["contacts"] < 0:
            raise CommandError("--participants and --contacts take a number of rows, 0 or more")
        started = time.monotonic()
        with (
            override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"),
            _quiet_task_log(),
            _no_wait_for_disk(),
        ):
            outbox, mail.outbox = getattr(mail, "outbox", None), []
            with transaction.atomic():
                rows, staff = self._users()
                created = {}
                participants = {}
                for site in Site.objects.order_by("name"):
                    officer, case_manager = staff[site.slug]
                    with scope(site=site):
                        created[site] = seed_referrals(
                            site=site,
                            officer=officer,
                            case_manager=case_manager,
                            rng=random.Random(f"lead-demo:{site.slug}"),
                        )
                        manager = User.objects.get(email=f"manager.{site.slug}@example.org")
                        participants[site] = seed_participants(
                            site=site,
                            case_manager=case_manager,
                            programme_manager=manager,
                            rng=random.Random(f"lead-demo-participants:{site.slug}"),
                        )
            # Committed: the new-referral notices went out. Date them as the referrals.
            for site, referrals in created.items():
                with scope(site=site):
                    notifications_backdate(site=site, referrals=referrals)
            # What the daily clock (Celery beat) would say today: due soon, deadline missed.
            with transaction.atomic():
                warned = diversion_clock_check()
            emails = len(mail.outbox)
            if outbox is None:
                del mail.outbox
            else:
                mail.outbox = outbox  # a test's outbox, say

        seeded_in = time.monotonic() - started
        volume = None
        if options["participants"] or options["contacts"]:
            verbose = options["verbosity"] > 1 and not options["quiet"]
            try:
                volume = volume_generate(
                    participants=options["participants"],
                    contacts=options["contacts"],
                    log=self.stdout.write if verbose else None,
                )
            except ValueError as error:
                raise CommandError(str(error)) from error

        if options["quiet"]:
            return
        total = sum(len(referrals) for referrals in created.values())
        if total:
            per_site = ", ".join(
                f"{site.slug} {len(referrals)}" for site, referrals in created.items() if referrals
            )
            self.stdout.write(f"Demo referrals created: {total} ({per_site}).")
        else:
            self.stdout.write("Demo referrals: already there, left as they are.")
        people = sum(len(made) for made in participants.values())
        self.stdout.write(
            f"Demo participants created: {people}."
            if people
            else "Demo participants: already there, left as they are."
        )
        self.stdout.write(
            f"Diversion clock: {warned} arrest diversions due soon or overdue; "
            f"{emails} notification e-mails kept in memory, not sent "
            f"({seeded_in:.1f} s)."
        )
        if volume is not None:
            self.stdout.write(volume.summary())
        self._print_logins(rows)

    def _users(self) -> tuple[list[tuple[str, str]], dict[str, tuple[User, User]]]:
        """The demo staff of every site, the evaluator and the state administrator."""
        # One hash for every demo user (the password is public anyway): hashing is slow on
        # purpose, and twenty of them took most of this command's time.
        password = make_password(settings.LEAD_DEMO_PASSWORD)
        rows: list[tuple[str, str]] = []
        staff: dict[str, tuple[User, User]] = {}
        sites = list(Site.objects.order_by("name"))
        for site in sites:
            officer, case_manager, manager = STAFF_NAMES.get(
                site.slug, (f"{site.name} Officer", f"{site.name} Case", f"{site.name} Manager")
            )
            users = {}
            for prefix, name, role in (
                ("officer", officer, Role.OFFICER),
                ("casemanager", case_manager, Role.CASE_MANAGER),
                ("manager", manager, Role.PROGRAMME_MANAGER),
            ):
                email = f"{prefix}.{site.slug}@example.org"
                user = _user(email, name, password)
                membership_grant(user=user, site=site, role=role, by=None)
                rows.append((email, f"{Role(role).label} – {site.name}"))
                users[prefix] = user
            staff[site.slug] = (users["officer"], users["casemanager"])
        evaluator = _user("evaluator@example.org", "Uma Evaluator", password)
        for site in sites:
            membership_grant(user=evaluator, site=site, role=Role.EVALUATOR, by=None)
        rows.append(("evaluator@example.org", "UNM evaluator – all sites (agreement UNM-DEMO)"))
        _user("admin@example.org", "Sam Administrator", password, is_state_admin=True)
        rows.append(("admin@example.org", "State administrator"))
        return rows, staff

    def _print_logins(self, rows: list[tuple[str, str]]) -> None:
        self.stdout.write(self.style.SUCCESS("Demo data loaded. Sign in with:"))
        width = max(len(email) for email, _ in rows)
        for email, what in rows:
            self.stdout.write(f"  {email.ljust(width)}  {what}")
        self.stdout.write(f"Password for every demo user: {settings.LEAD_DEMO_PASSWORD}")
