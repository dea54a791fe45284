"""Demo data for the LEAD sites (``lead.demo``). Idempotent: run it as often as you like.

Users and memberships are brought back to their demo state on every run; each site gets its demo
referrals and caseload once: a site that has them already is left alone. Nothing it makes is
e-mailed: the staff's notifications are made in the app only (``lead.demo.notices``).

Volume for benchmarks: ``--participants N --contacts N`` also top the sites up to N participants
and N contacts in all, written with COPY (``lead.demo.volume``; 20,000 and 1,000,000 take about
half a minute here). Use a throwaway database for that much: ``make bench`` does.

Not in production: the demo accounts, a state administrator among them, get the public demo
password. With ``DJANGO_DEBUG`` off the command refuses to run unless told
``--i-know-this-is-not-production`` (a staging or benchmark copy, say).
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from lead.demo.seed import DemoResult, demo_seed
from lead.demo.volume import volume_generate

NOT_PRODUCTION_FLAG = "--i-know-this-is-not-production"


class Command(BaseCommand):
    help = "Load demo users and data for the LEAD sites (idempotent). Never in production."

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
        parser.add_argument(
            NOT_PRODUCTION_FLAG,
            action="store_true",
            dest="not_production",
            help="Run even though DJANGO_DEBUG is off. The demo accounts, a state administrator "
            "among them, get the public demo password: never on a production database.",
        )

    def handle(self, *args, **options) -> None:
        if not settings.DEBUG and not options["not_production"]:
            raise CommandError(
                "seed_demo refuses to run with DJANGO_DEBUG off, as in production: it creates "
                "demo accounts, a state administrator among them, with the public demo password "
                f"(LEAD_DEMO_PASSWORD), and fictional participants. Nothing was changed. If this "
                f"database is not a production one (a staging or benchmark copy), run it again "
                f"with {NOT_PRODUCTION_FLAG}."
            )
        if options["participants"] < 0 or options["contacts"] < 0:
            raise CommandError("--participants and --contacts take a number of rows, 0 or more")
        started = time.monotonic()
        result = demo_seed()
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
        self._print_summary(result, seeded_in)
        if volume is not None:
            self.stdout.write(volume.summary())
        self._print_logins(result.logins)

    def _print_summary(self, result: DemoResult, seconds: float) -> None:
        total = sum(result.referrals.values())
        if total:
            per_site = ", ".join(f"{slug} {n}" for slug, n in result.referrals.items() if n)
            self.stdout.write(f"Demo referrals created: {total} ({per_site}).")
        else:
            self.stdout.write("Demo referrals: already there, left as they are.")
        self.stdout.write(
            f"Demo participants created: {result.participants}."
            if result.participants
            else "Demo participants: already there, left as they are."
        )
        notices = result.notices
        self.stdout.write(
            f"Diversion clock: {notices.clock_warnings} arrest diversions due soon or overdue. "
            f"{notices.notifications} in-app notifications; {notices.never_sent} demo e-mails "
            f"closed unsent: demo data is never e-mailed ({seconds:.1f} s)."
        )

    def _print_logins(self, rows: list[tuple[str, str]]) -> None:
        self.stdout.write(self.style.SUCCESS("Demo data loaded. Sign in with:"))
        width = max(len(email) for email, _ in rows)
        for email, what in rows:
            self.stdout.write(f"  {email.ljust(width)}  {what}")
        self.stdout.write(f"Password for every demo user: {settings.LEAD_DEMO_PASSWORD}")
