"""Benchmark: the case manager's pages with 20,000 participants and 1,000,000 contacts loaded.

    make bench            # or: .venv/bin/python bench/participant_pages.py [--help]

What it does, all on this machine:

1. Creates a throwaway database ``lead_bench_pages`` on the project's PostgreSQL (the embedded
   server, or the one in ``DATABASE_URL``), migrates it and loads the demo data plus volume
   (``seed_demo --quiet --participants 20000 --contacts 1000000``), and prints how long that
   took.
2. In a child process pointed at that database, drives the pages with Django's test client,
   in-process: the time measured is the server's own (middleware, views, SQL, templates), with
   no network in between. Signed in as ``casemanager.bernalillo@example.org`` (the biggest site,
   a caseload of about 20), it opens, after a warm-up, each of:

   - the caseload (``participants:caseload``),
   - the participant page (``participants:detail``) of the site's participants with the most
     contacts (hundreds each),
   - the search (``participants:list?q=``) by name (surnames, first names, full names,
     misspellings), by date of birth (two formats) and by case number,
   - my tasks (``casenotes:my_tasks``),

   ``--requests`` times (50 by default) and prints median, 95th percentile and maximum, the SQL
   queries per request (the most seen, from ``CaptureQueriesContext``), and for every SELECT
   of each page ``EXPLAIN (ANALYZE)``: the indexes used, any sequential scan of a big table,
   and the slowest statement.
3. Drops the database, also when something failed.

The settings are the local demo's (``DJANGO_DEBUG=1``, no MFA), as in
``bench/officer_submissions.py``. Targets (the issue): at most 15 queries and a 95th percentile
under 150 ms per page, no sequential scan of ``casenotes_contact``. The table marks misses.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
import urllib.parse
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from officer_submissions import create_database, database_url, drop_database, project_database  # noqa: E402

SITE = "bernalillo"
CASE_MANAGER = f"casemanager.{SITE}@example.org"
MAX_QUERIES = 15
P95_MS = 150.0
# Tables that grow with the data: a sequential scan of one of these is a finding.
BIG_TABLES = {
    "casenotes_contact",
    "casenotes_task",
    "participants_participant",
    "participants_needassessment",
    "participants_plangoal",
    "participants_historicalparticipant",
    "participants_historicalplangoal",
    "lead_accesslogentry",
}


# -- Measuring (the child process) -------------------------------------------------------------


@dataclass
class Page:
    name: str
    urls: list[str]
    times: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    queries: int = 0
    sql: list[str] = field(default_factory=list)  # the statements of one request
    plans: list[dict] = field(default_factory=list)


def _percentile(values: list[float], q: int) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(sorted(values), n=100, method="inclusive")[q - 1]


def _scans(plan: dict, found: list[tuple[str, str, str, float]], parent: str = "") -> None:
    """(node type, relation, index, rows) of every scan node of an EXPLAIN JSON plan; a bitmap
    index scan takes the table of the bitmap heap scan above it."""
    node = plan.get("Node Type", "")
    relation = plan.get("Relation Name", parent)
    if "Scan" in node and (relation or "Index Name" in plan):
        rows = plan.get("Actual Rows", 0) * plan.get("Actual Loops", 1)
        found.append((node, relation, plan.get("Index Name", ""), rows))
    for child in plan.get("Plans", []):
        _scans(child, found, relation if node == "Bitmap Heap Scan" else "")


def _explain(sql: str) -> dict:
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql)
        (raw,) = cursor.fetchone()
        transaction.set_rollback(True)  # the statements are SELECTs; nothing to keep anyway
    plan = raw if isinstance(raw, list) else json.loads(raw)
    return plan[0]


def _pages(requests: int, rng: random.Random) -> tuple[object, list[Page], dict]:
    from django.db import connection
    from django.urls import reverse
    from django_scopes import scopes_disabled

    from lead.models import User
    from participants.models import Participant
    from sites.models import Site

    with scopes_disabled():
        site = Site.objects.get(slug=SITE)
        user = User.objects.get(email=CASE_MANAGER)
        caseload = Participant.objects.filter(site=site, case_manager=user).count()
        with connection.cursor() as cursor:
            cursor.execute(
                """
                SELECT p.uuid, count(*) FROM casenotes_contact AS c
                JOIN participants_participant AS p ON p.id = c.participant_id
                WHERE c.site_id = %s AND NOT p.is_restricted
                GROUP BY p.uuid ORDER BY count(*) DESC LIMIT %s
                """,
                [site.pk, requests],
            )
            busiest = cursor.fetchall()
        people = list(
            Participant.objects.filter(site=site, is_restricted=False)
            .order_by("?")
            .values("legal_first_name", "legal_last_name", "date_of_birth", "case_number")[
                : 3 * requests
            ]
        )
    slug = {"site_slug": SITE}
    list_url = reverse("participants:list", kwargs=slug)

    def search(term: str) -> str:
        return f"{list_url}?{urllib.parse.urlencode({'q': term})}"

    names = []
    for n, person in enumerate(people[:requests]):
        first, last = person["legal_first_name"], person["legal_last_name"]
        kind = n % 4
        if kind == 0:
            names.append(last)
        elif kind == 1:
            names.append(f"{first} {last}")
        elif kind == 2:
            names.append(first)
        else:  # a misspelling: one letter dropped
            cut = rng.randrange(1, len(last)) if len(last) > 2 else 1
            names.append(last[:cut] + last[cut + 1 :])
    dated = [p for p in people if p["date_of_birth"]][:requests]
    dobs = [
        p["date_of_birth"].isoformat() if n % 2 else p["date_of_birth"].strftime("%m/%d/%Y")
        for n, p in enumerate(dated)
    ]
    numbers = [p["case_number"] for p in people[requests : 2 * requests]]
    pages = [
        Page("caseload", [reverse("participants:caseload", kwargs=slug)] * requests),
        Page(
            "participant page",
            [
                reverse("participants:detail", kwargs={**slug, "participant_uuid": uuid})
                for uuid, _count in busiest
            ],
        ),
        Page("search: name", [search(term) for term in names]),
        Page("search: date of birth", [search(term) for term in dobs]),
        Page("search: case number", [search(term) for term in numbers]),
        Page("my tasks", [reverse("casenotes:my_tasks", kwargs=slug)] * requests),
    ]
    counts = [count for _uuid, count in busiest]
    facts = {
        "caseload": caseload,
        "contacts of the participants opened": (min(counts), max(counts)) if counts else (0, 0),
    }
    return user, pages, facts


def measure(requests: int) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lead.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    rng = random.Random(2026)  # noqa: S311 (which records to open)
    user, pages, facts = _pages(requests, rng)
    client = Client()
    client.force_login(user)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM casenotes_contact")
        (contacts,) = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM participants_participant")
        (participants,) = cursor.fetchone()
    print(
        f"Signed in as {CASE_MANAGER}: caseload {facts['caseload']}; the participant pages "
        f"opened have {'-'.join(map(str, facts['contacts of the participants opened']))} contacts "
        f"each ({participants:,} participants, {contacts:,} contacts in the database)."
    )

    for page in pages:
        for url in page.urls[:3]:  # warm-up: the session's first request, caches, plans
            client.get(url)
        for url in page.urls[:5]:  # queries per request, and the SQL to explain
            with CaptureQueriesContext(connection) as captured:
                response = client.get(url)
            page.statuses[response.status_code] += 1
            if len(captured) >= page.queries:
                page.queries = len(captured)
                page.sql = [q["sql"] for q in captured.captured_queries]
        for url in page.urls:  # the timed run
            t0 = time.perf_counter()
            response = client.get(url)
            page.times.append((time.perf_counter() - t0) * 1000)
            page.statuses[response.status_code] += 1
        for sql in page.sql:
            if sql.lstrip().upper().startswith(("SELECT", "WITH")):
                page.plans.append({"sql": sql, **_explain(sql)})

    _report(pages)
    ok = all(set(page.statuses) == {200} for page in pages)
    return 0 if ok else 1


def _report(pages: list[Page]) -> None:
    print()
    print(
        f"{'page':<24}{'n':>5}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'queries':>9}"
        f"{'selects':>9}{'rows read':>11}  seq scans of big tables"
    )
    missed = []
    for page in pages:
        seq = sorted(
            {
                f"{relation} ({rows:,.0f} rows)"
                for plan in page.plans
                for node, relation, _index, rows in _collect(plan)
                if node == "Seq Scan" and relation in BIG_TABLES
            }
        )
        # The most rows one scan node of a big table went through (index entries or table rows):
        # what grows with the data even when an index is used.
        read = max(
            (
                rows
                for plan in page.plans
                for _node, relation, _index, rows in _collect(plan)
                if relation in BIG_TABLES
            ),
            default=0,
        )
        statuses = "" if set(page.statuses) == {200} else f"  HTTP {dict(page.statuses)}"
        p95 = _percentile(page.times, 95)
        marks = ""
        if p95 > P95_MS:
            marks += " p95!"
        if page.queries > MAX_QUERIES:
            marks += " queries!"
        if any(s.startswith("casenotes_contact ") for s in seq):
            marks += " seqscan!"
        if marks or statuses:
            missed.append(page.name)
        print(
            f"{page.name:<24}{len(page.times):>5}{statistics.median(page.times):>9.1f}"
            f"{p95:>9.1f}{max(page.times):>9.1f}{page.queries:>9}{_selects(page):>9}"
            f"{read:>11,.0f}  "
            f"{', '.join(seq) or 'none'}{statuses}{marks}"
        )
    print(
        "queries: every statement a request sends (CaptureQueriesContext, as the tests count: "
        "the session's UPDATE and any BEGIN/COMMIT or SAVEPOINT included); selects: the reads; "
        "rows read: the most rows a single scan of a big table went through."
    )
    print(
        f"Targets: p95 under {P95_MS:.0f} ms, at most {MAX_QUERIES} queries, no sequential scan "
        f"of casenotes_contact. {'Missed by: ' + ', '.join(missed) if missed else 'All met.'}"
    )
    print()
    print("EXPLAIN ANALYZE of each page's SELECTs (one request): indexes used; slowest statement")
    for page in pages:
        used: dict[str, set[str]] = defaultdict(set)
        for plan in page.plans:
            for node, relation, index, _rows in _collect(plan):
                if index:
                    used[relation or "?"].add(f"{index} ({node.lower()})")
        slowest = max(page.plans, key=lambda p: p.get("Execution Time", 0), default=None)
        print(f"  {page.name}:")
        for relation in sorted(used):
            if relation in BIG_TABLES:
                print(f"    {relation}: {', '.join(sorted(used[relation]))}")
        contact_plans = [p for p in page.plans if "casenotes_contact" in p["sql"]]
        for plan in contact_plans:
            nodes = [
                f"{node} using {index}" if index else f"{node} on {relation}"
                for node, relation, index, _rows in _collect(plan)
                if relation == "casenotes_contact" or "casenotes" in index
            ]
            print(
                f"    contacts query ({plan.get('Execution Time', 0):.2f} ms): "
                f"{'; '.join(nodes) or 'no scan of casenotes_contact (subquery elsewhere)'}"
            )
        if slowest is not None:
            sql = " ".join(slowest["sql"].split())
            print(
                f"    slowest: {slowest.get('Execution Time', 0):.2f} ms: "
                f"{sql[:150]}{'...' if len(sql) > 150 else ''}"
            )


def _selects(page: Page) -> int:
    return sum(sql.lstrip().upper().startswith(("SELECT", "WITH")) for sql in page.sql)


def _collect(plan: dict) -> list[tuple[str, str, str, float]]:
    found: list[tuple[str, str, str, float]] = []
    _scans(plan["Plan"], found)
    return found


# -- Main --------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--participants", type=int, default=20_000)
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=50, help="timed requests per page")
    parser.add_argument("--database", default="lead_bench_pages", help="must start with lead_bench")
    parser.add_argument(
        "--measure",
        action="store_true",
        help="only measure, against the database in DATABASE_URL (already loaded)",
    )
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)
    if not (1 <= args.requests <= 1000):
        parser.error("keep --requests within 1..1000")
    if not (0 <= args.participants <= 200_000 and 0 <= args.contacts <= 10_000_000):
        parser.error("keep --participants within 0..200000 and --contacts within 0..10000000")
    if args.measure:
        if not os.environ.get("DATABASE_URL"):
            parser.error("--measure needs DATABASE_URL")
        raise SystemExit(measure(args.requests))
    if not args.database.startswith("lead_bench"):
        parser.error("--database must start with lead_bench: it is dropped at the end")

    began = time.perf_counter()
    db = project_database()
    from django.conf import settings

    env = {
        **os.environ,
        "DATABASE_URL": database_url(db, args.database),
        "DJANGO_DEBUG": "1",
        "LEAD_REQUIRE_MFA": "0",
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "DJANGO_LOG_LEVEL": "WARNING",
        "LEAD_DEMO_PASSWORD": settings.LEAD_DEMO_PASSWORD,
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    where = "DATABASE_URL" if os.environ.get("DATABASE_URL") else "embedded PostgreSQL"
    print(f"Database {args.database} on the {where}: creating and migrating...")
    create_database(db, args.database)
    status = 1
    try:
        t = time.perf_counter()
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--no-input", "-v0"],
            cwd=ROOT,
            env=env,
            check=True,
        )
        print(f"  migrated in {time.perf_counter() - t:.1f} s")
        volume = ["--participants", str(args.participants), "--contacts", str(args.contacts)]
        print(f"seed_demo --quiet {' '.join(volume)}")
        t = time.perf_counter()
        subprocess.run(  # noqa: S603
            [sys.executable, "manage.py", "seed_demo", "--quiet", *volume],
            cwd=ROOT,
            env=env,
            check=True,
        )
        print(
            f"  loaded in {time.perf_counter() - t:.1f} s "
            f"({args.participants:,} participants, {args.contacts:,} contacts, with the demo)"
        )
        status = subprocess.run(  # noqa: S603 (this script)
            [sys.executable, __file__, "--measure", "--requests", str(args.requests)],
            cwd=ROOT,
            env=env,
            check=False,
        ).returncode
    finally:
        drop_database(db, args.database)
    print(f"Total bench time {time.perf_counter() - began:.1f} s")
    raise SystemExit(status)


if __name__ == "__main__":
    main()
