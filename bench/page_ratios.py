"""Benchmark: each page's throughput against the framework's floor, served side by side.

    make bench            # or: .venv/bin/python bench/page_ratios.py [--help]

What it does, all on this machine, traffic from and to 127.0.0.1 only:

1. Creates a throwaway database ``lead_bench_ratios`` on the project's PostgreSQL (the embedded
   server, or the one in ``DATABASE_URL``), migrates it, loads ``seed_demo --quiet
   --participants 20000 --contacts 1000000`` and collects the static files into a temporary
   folder (production's static storage needs its manifest). It adds, in that database only,
   the floor's table and an index on participants (site, last name, first name) so that the
   floor's 50 rows by name are an index scan (see ``prepare_in_child``).
2. Enrols the two users it signs in as (``casemanager.bernalillo@example.org`` and
   ``officer.bernalillo@example.org``) in TOTP, as production requires, and signs them in over
   HTTP with password and a TOTP code: MFA is ON (``LEAD_REQUIRE_MFA=1``), so its middleware's
   per-request work is measured.
3. Serves ``bench.floor.settings`` (``lead.settings`` with the floor views added to the URLs)
   with gunicorn as production does (``deploy/gunicorn.conf.py``: sync workers), 2 workers,
   ``DJANGO_DEBUG=0``, a secret key, ``DJANGO_ALLOWED_HOSTS=127.0.0.1``,
   ``DJANGO_SECURE_SSL_REDIRECT=0`` (plain HTTP locally), and Redis for the queue when a Redis
   answers (an empty database number of it, flushed at the end; no Celery worker runs, so the
   new-referral notice is only queued). Without Redis, the notice runs eagerly in the POST, and
   the table says so. Worker recycling (``max_requests``) is off: a worker restart mid-run
   would cost the fast floor views more than the pages. The floor views run behind the app's
   whole middleware stack, as the pages do (outside ``/s/``, so without the site guard).
4. Drives every target with wrk (1 thread, 4 connections), in rounds: each page is paired with
   the floor it is judged against, the pair run back to back (page first in odd rounds, floor
   first in even ones), so machine noise hits both alike. The pages, signed in as the case
   manager: my caseload, the referral queue, the participant page of the site's busiest
   participant below a thousand contacts (825 with the demo volume), my tasks, the search
   ``?q=garcia``; their floor is the minimal signed-in 50-row list. The officer's
   arrest-diversion POST (a fresh idempotency key per request, the form's CSRF token), signed
   in as the officer; its floor is the bare one-row insert POST with the same session. A bare
   "hello" (no session) is run once per round for reference.
5. Prints one table: page, req/s, floor req/s, ratio (the median over rounds of page / floor in
   the same pair), target (0.9x the minimal list for pages, 0.6x the bare insert for the POST)
   and whether it is met. Every response's status is checked (200 for pages, 302 for the
   officer POST, 201 for the insert): a run that answers anything else fails the benchmark.
   A second table gives each request's CPU (gunicorn's workers and the database's backends,
   from /proc): unlike req/s it hardly moves when other work shares the machine, and
   floor CPU / page CPU is the ratio a machine busy with this benchmark alone would show.
6. Runs ``bench/participant_pages.py --measure --requests 20`` on the same database (query
   counts, latency in process and EXPLAIN of the participant pages; ``--no-details`` skips it).
7. With ``--profile``, serves the same database again with timing probes between the
   middleware (``bench.floor.probes``) and, for each target in turn, records the workers with
   py-spy while wrk drives it: prints the per-request split (middleware, session/auth queries,
   other queries, template rendering, Python), the statements with their time, the hottest
   lines of the project's code, and ``EXPLAIN (ANALYZE, BUFFERS)`` of every statement each
   target runs (bench/profile_report.py). py-spy is installed into the virtualenv if missing.
8. Stops gunicorn, drops the database and flushes the Redis database it used, also when
   something failed.

The whole run took 11 minutes on this 2-core machine while other test suites loaded it (load
average 5-9), less on a quiet one: loading the data takes 2 to 4.5 minutes, the measuring 3.5
(``--duration`` and ``--rounds``: 3 rounds of 5 s runs by default), the details 1.5;
``--profile`` adds about 4.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from harness import (  # noqa: E402
    CASE_MANAGER,
    FLOOR_INDEX,
    FLOOR_TABLE,
    OFFICER,
    ROOT,
    SEARCH,
    SETTINGS,
    SITE,
    CpuMeter,
    Run,
    Session,
    Target,
    bench_env,
    manage,
    prepare,
    queue_label,
    redis_for_bench,
    start_gunicorn,
    targets,
    wait_until_up,
    wrk,
)
from officer_submissions import create_database, drop_database, free_port, project_database, stop  # noqa: E402

PAGE_TARGET = 0.9
POST_TARGET = 0.6


# -- Preparing the database (runs in a child process, with the benchmark's environment) -------


def prepare_in_child() -> None:
    """Create the floor's table, enrol the two users in TOTP, and say which URLs to drive."""
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from django.db import connection
    from django.urls import reverse
    from django_scopes import scopes_disabled

    from casenotes.models import Task
    from lead.models import User
    from participants.models import Participant
    from referrals.models import Referral
    from sites.models import Site

    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {FLOOR_TABLE} (id bigserial PRIMARY KEY,"
            " user_id bigint NOT NULL, body text NOT NULL,"
            " created_at timestamptz NOT NULL DEFAULT now())"
        )
        # The floor's 50 rows by name come from an index, as a minimal list's should: without
        # it the floor itself sorts the site's thousands of participants (about 17 ms of
        # PostgreSQL per request at 20,000) and every page would look better than it is.
        # Only the floor's ORDER BY uses it; no page of the table sorts participants by name.
        cursor.execute(
            f"CREATE INDEX IF NOT EXISTS {FLOOR_INDEX} ON participants_participant"
            " (site_id, legal_last_name, legal_first_name)"
        )
        cursor.execute("ANALYZE participants_participant")
    secrets = {}
    for email in (CASE_MANAGER, OFFICER):
        user = User.objects.get(email=email)
        Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).delete()
        secrets[email] = generate_totp_secret()
        TOTP.activate(user, secrets[email])
    with scopes_disabled():
        site = Site.objects.get(slug=SITE)
        case_manager = User.objects.get(email=CASE_MANAGER)
        with connection.cursor() as cursor:
            # "A participant with hundreds of contacts": the busiest below a thousand (the
            # generator gives a few people thousands; the page reads 25 a time either way).
            cursor.execute(
                """
                SELECT p.uuid, count(*) FROM casenotes_contact AS c
                JOIN participants_participant AS p ON p.id = c.participant_id
                WHERE c.site_id = %s AND NOT p.is_restricted
                GROUP BY p.uuid HAVING count(*) < 1000 ORDER BY count(*) DESC LIMIT 1
                """,
                [site.pk],
            )
            busiest, contacts = cursor.fetchone()
            cursor.execute("SELECT count(*) FROM casenotes_contact")
            (all_contacts,) = cursor.fetchone()
        facts = {
            "participants": Participant.objects.count(),
            "contacts": all_contacts,
            "site participants": Participant.objects.filter(site=site).count(),
            "caseload": Participant.objects.filter(site=site, case_manager=case_manager).count(),
            "open tasks": Task.objects.filter(
                site=site, assignee=case_manager, done_at__isnull=True
            ).count(),
            "referrals": Referral.objects.filter(site=site).count(),
            "contacts of the participant": contacts,
        }
    slug = {"site_slug": SITE}
    urls = {
        "caseload": reverse("participants:caseload", kwargs=slug),
        "queue": reverse("referrals:queue", kwargs=slug),
        "participant": reverse("participants:detail", kwargs={**slug, "participant_uuid": busiest}),
        "tasks": reverse("casenotes:my_tasks", kwargs=slug),
        "search": reverse("participants:list", kwargs=slug) + f"?q={SEARCH}",
        "officer_post": reverse("referrals:create", kwargs={**slug, "pathway": "arrest_diversion"}),
        "floor_list": reverse("bench_floor_list"),
        "floor_insert": reverse("bench_floor_insert"),
        "hello": reverse("bench_floor_hello"),
    }
    print(json.dumps({"secrets": secrets, "urls": urls, "facts": facts}))


# -- Measuring ---------------------------------------------------------------------------------


@dataclass
class Pair:
    """A page and the floor it is judged against, with their runs, round by round."""

    page: Target
    floor: Target
    page_runs: list[Run] = field(default_factory=list)
    floor_runs: list[Run] = field(default_factory=list)

    @property
    def target(self) -> float:
        return POST_TARGET if self.page.method == "POST" else PAGE_TARGET

    @property
    def ratios(self) -> list[float]:
        return [p.rate / f.rate for p, f in zip(self.page_runs, self.floor_runs, strict=True)]


def _median(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return statistics.median(known) if known else None


def measure(
    port: int, pairs: list[Pair], hello: Target, rounds: int, seconds: float, meter: CpuMeter
) -> list[Run]:
    """Alternating rounds of page/floor pairs; returns hello's runs."""
    print(f"Warming up every target for 2 s, then {rounds} rounds of {seconds:g} s runs:")
    for pair in pairs:
        wrk(port, pair.page, 2, meter)
        wrk(port, pair.floor, 2, meter)
    wrk(port, hello, 2, meter)
    hello_runs = []
    for number in range(rounds):
        started = time.perf_counter()
        for pair in pairs:
            if number % 2 == 0:
                pair.page_runs.append(wrk(port, pair.page, seconds, meter))
                pair.floor_runs.append(wrk(port, pair.floor, seconds, meter))
            else:
                pair.floor_runs.append(wrk(port, pair.floor, seconds, meter))
                pair.page_runs.append(wrk(port, pair.page, seconds, meter))
        hello_runs.append(wrk(port, hello, seconds, meter))
        print(f"  round {number + 1}/{rounds} done in {time.perf_counter() - started:.0f} s")
    return hello_runs


def _ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}"


def report(pairs: list[Pair], hello_runs: list[Run], notes: list[str]) -> bool:
    print()
    header = (
        f"{'page':<36}{'req/s':>7}{'floor req/s':>12}{'ratio':>7}{'target':>8}  met  "
        "ratio per round"
    )
    print(header)
    print("-" * len(header))
    all_met = True
    for pair in pairs:
        ratio = statistics.median(pair.ratios)
        met = ratio >= pair.target
        all_met &= met
        print(
            f"{pair.page.name:<36}{statistics.median(r.rate for r in pair.page_runs):>7.1f}"
            f"{statistics.median(r.rate for r in pair.floor_runs):>12.1f}{ratio:>6.2f}x"
            f"{pair.target:>7.1f}x  {'yes' if met else 'NO ':<3}  "
            f"{', '.join(f'{r:.2f}' for r in pair.ratios)}"
        )
    print()
    print(
        "CPU per request, ms (median over rounds; app = the gunicorn workers, db = the PostgreSQL"
        " backends of this database). floor/page CPU is the throughput ratio a machine busy with"
        " only this benchmark would show:"
    )
    header = (
        f"{'page':<36}{'app':>7}{'db':>7}{'floor app':>11}{'floor db':>10}{'floor/page CPU':>16}"
    )
    print(header)
    print("-" * len(header))
    for pair in pairs:
        app = _median([r.app_ms for r in pair.page_runs])
        db = _median([r.db_ms for r in pair.page_runs])
        floor_app = _median([r.app_ms for r in pair.floor_runs])
        floor_db = _median([r.db_ms for r in pair.floor_runs])
        cpu = _median([r.cpu_ms for r in pair.page_runs])
        floor_cpu = _median([r.cpu_ms for r in pair.floor_runs])
        share = f"{floor_cpu / cpu:.2f}x" if cpu and floor_cpu else "n/a"
        print(
            f"{pair.page.name:<36}{_ms(app):>7}{_ms(db):>7}{_ms(floor_app):>11}{_ms(floor_db):>10}"
            f"{share:>16}"
        )
    print()
    hello_rate = statistics.median(r.rate for r in hello_runs)
    floors: dict[str, list[Pair]] = {}
    for pair in pairs:
        floors.setdefault(pair.floor.name, []).append(pair)
    print(
        f"Floors (median req/s): hello (no session) {hello_rate:.1f}; "
        + "; ".join(
            f"{name} {statistics.median(r.rate for p in floors[name] for r in p.floor_runs):.1f}"
            for name in floors
        )
    )
    for note in notes:
        print(note)
    print(
        f"Targets: every page at least {PAGE_TARGET}x the minimal signed-in 50-row list; the "
        f"officer POST at least {POST_TARGET}x the bare one-row insert. "
        + ("All met." if all_met else "Not all met.")
    )
    return all_met


def page_details(env: dict) -> int:
    """``participant_pages.py --measure`` on the same loaded database: query counts, latency
    in process and EXPLAIN of the caseload, participant, search and task pages (its own
    targets, from earlier work), with the local demo's settings it was written for."""
    print()
    print("Query counts and EXPLAIN of the participant pages (bench/participant_pages.py):")
    details_env = {
        **env,
        "DJANGO_SETTINGS_MODULE": "lead.settings",
        "DJANGO_DEBUG": "1",
        "LEAD_REQUIRE_MFA": "0",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
    }
    return subprocess.run(  # noqa: S603 (our own script)
        [sys.executable, str(HERE / "participant_pages.py"), "--measure", "--requests", "20"],
        cwd=ROOT,
        env=details_env,
        check=False,
    ).returncode


# -- Main --------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--participants", type=int, default=20_000)
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=float, default=5, help="seconds per wrk run")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--database", default="lead_bench_ratios", help="must start with lead_bench"
    )
    parser.add_argument(
        "--profile", action="store_true", help="then profile each target (bench/profile_report.py)"
    )
    parser.add_argument(
        "--keep-database",
        action="store_true",
        help="leave the loaded database for later --reuse-database runs (drop it yourself)",
    )
    parser.add_argument(
        "--reuse-database",
        action="store_true",
        help="use the database left by --keep-database instead of creating and loading one",
    )
    parser.add_argument(
        "--no-details",
        action="store_true",
        help="skip bench/participant_pages.py's query counts and EXPLAIN on the same database",
    )
    parser.add_argument("--prepare", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.prepare:
        prepare_in_child()
        return
    sys.stdout.reconfigure(line_buffering=True)
    if not args.database.startswith("lead_bench"):
        parser.error("--database must start with lead_bench: it is dropped at the end")
    if not (1 <= args.rounds <= 20 and 1 <= args.duration <= 120):
        parser.error("keep --rounds within 1..20 and --duration within 1..120")
    if not (0 <= args.participants <= 200_000 and 0 <= args.contacts <= 10_000_000):
        parser.error("keep --participants within 0..200000 and --contacts within 0..10000000")
    if shutil.which("wrk") is None:
        parser.error("wrk is missing: `make bench` installs it (apt-get install -y wrk)")

    began = time.perf_counter()
    db = project_database()
    from django.conf import settings

    password = settings.LEAD_DEMO_PASSWORD
    redis_url, redis_client = redis_for_bench(settings.REDIS_URL)
    static_root = Path(tempfile.mkdtemp(prefix="lead-bench-static-"))
    logdir = Path(tempfile.mkdtemp(prefix="lead-bench-"))
    env = bench_env(
        db=db,
        database=args.database,
        password=password,
        redis_url=redis_url,
        static_root=static_root,
    )
    where = "DATABASE_URL" if os.environ.get("DATABASE_URL") else "embedded PostgreSQL"
    process = None
    status = 1
    try:
        if args.reuse_database:
            print(f"Reusing database {args.database} on the {where}")
        else:
            print(f"Database {args.database} on the {where}: creating, migrating...")
            create_database(db, args.database)
            t = time.perf_counter()
            manage(env, "migrate", "--no-input", "-v0")
            print(f"  migrated in {time.perf_counter() - t:.1f} s")
            volume = ["--participants", str(args.participants), "--contacts", str(args.contacts)]
            print(f"seed_demo --quiet {' '.join(volume)}")
            t = time.perf_counter()
            manage(env, "seed_demo", "--quiet", *volume)
            print(f"  loaded in {time.perf_counter() - t:.1f} s")
        manage(env, "collectstatic", "--no-input", "-v0")
        prepared = prepare(env)
        facts = prepared["facts"]
        print(
            f"  {facts['participants']:,} participants ({facts['site participants']:,} at {SITE}),"
            f" {facts['contacts']:,} contacts; {CASE_MANAGER}: caseload {facts['caseload']},"
            f" {facts['open tasks']} open tasks; {facts['referrals']} referrals at {SITE}; the"
            f" participant page opened has {facts['contacts of the participant']} contacts"
        )
        port = free_port()
        process = start_gunicorn(env, port, args.workers, logdir)
        wait_until_up(port, process, logdir)
        print(
            f"gunicorn ({SETTINGS}) -w {args.workers} sync on 127.0.0.1:{port}, DJANGO_DEBUG=0, "
            f"MFA on; queue: {queue_label(redis_url)}"
        )
        secrets = prepared["secrets"]
        case_manager, officer = Session(port), Session(port)
        case_manager.sign_in(CASE_MANAGER, password, secrets[CASE_MANAGER])
        officer.sign_in(OFFICER, password, secrets[OFFICER])
        print(f"Signed in (password + TOTP) as {CASE_MANAGER} and {OFFICER}")
        page_pairs, hello = targets(prepared, case_manager, officer)
        pairs = [Pair(page, floor) for page, floor in page_pairs]
        meter = CpuMeter(process.pid, db, args.database)
        load_before = os.getloadavg()[0]
        try:
            hello_runs = measure(port, pairs, hello, args.rounds, args.duration, meter)
        finally:
            meter.close()
        load_after = os.getloadavg()[0]
        stop(process)
        process = None
        notes = [
            f"wrk -t1 -c4, {args.rounds} rounds x {args.duration:g} s per target; gunicorn "
            f"-w {args.workers} sync; DJANGO_DEBUG=0; MFA on; queue: {queue_label(redis_url)}.",
            f"Load average (1 min) of this {os.cpu_count()}-core machine: {load_before:.1f} before,"
            f" {load_after:.1f} after measuring (anything above ~3 here is other work).",
        ]
        report(pairs, hello_runs, notes)
        status = 0
        if not args.no_details:
            status = page_details(env)
        if args.profile:
            from profile_report import profile

            status = profile(
                env=env,
                db=db,
                database=args.database,
                prepared=prepared,
                password=password,
                workers=args.workers,
            )
    finally:
        if process is not None:
            stop(process)
        if not args.keep_database:
            drop_database(db, args.database)
        if redis_client is not None:
            redis_client.flushdb()  # it was empty when this run took it
        shutil.rmtree(static_root, ignore_errors=True)
        shutil.rmtree(logdir, ignore_errors=True)
    print(f"Total bench time {time.perf_counter() - began:.0f} s")
    raise SystemExit(status)


if __name__ == "__main__":
    main()
