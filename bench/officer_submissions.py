"""Benchmark: an officer's arrest-diversion submission, with the app served by gunicorn.

    make bench            # or: .venv/bin/python bench/officer_submissions.py [--help]

What it does, all on this machine (127.0.0.1 only):

1. Creates a throwaway database ``lead_bench`` on the project's PostgreSQL (the embedded server,
   or the one in ``DATABASE_URL``), migrates it and loads the demo data (``seed_demo --quiet``).
2. Starts ``gunicorn lead.wsgi`` (2 sync workers by default) on a free port with
   ``DATABASE_URL`` pointing at that database. Its access log records the server's own time for
   each request (gunicorn's ``%(D)s``), next to the time the load generator sees.
3. Signs in as ``officer.taos@example.org`` and makes 200 submissions one after the other, as the
   phone would: GET the form, POST it with the form's fresh idempotency key, follow the redirect
   to the confirmation page.
4. Signs in as ``casemanager.taos@example.org`` and opens the referral queue 50 times.
5. Stops gunicorn and drops the database, also when something failed.

The settings are the local demo's (``DJANGO_DEBUG=1``, no MFA). Without ``REDIS_URL`` the
new-referral notice runs eagerly inside the POST, as in the demo; its e-mails go to Django's
dummy backend so the console stays quiet. With ``REDIS_URL`` set the task is only queued.
"""

from __future__ import annotations

import argparse
import html.parser
import http.cookiejar
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SITE = "taos"
OFFICER = f"officer.{SITE}@example.org"
CASE_MANAGER = f"casemanager.{SITE}@example.org"
FORM_PATH = f"/s/{SITE}/referrals/new/arrest_diversion/"
QUEUE_PATH = f"/s/{SITE}/referrals/"
ACCESS_FORMAT = "%(m)s %(U)s %(s)s %(D)s"  # method, path, status, microseconds


# -- The database ------------------------------------------------------------------------------


def project_database() -> dict:
    """Django's database settings; starts (or joins) the embedded server when needed.

    This process keeps its handle on the embedded server until it exits, so the server stays
    up for gunicorn, which connects to it through ``DATABASE_URL``.
    """
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lead.settings")
    sys.path.insert(0, str(ROOT))
    import django
    from django.conf import settings

    django.setup()
    return dict(settings.DATABASES["default"])


def database_url(db: dict, name: str) -> str:
    """A ``DATABASE_URL`` for database ``name`` on the server of ``db`` (a socket dir works)."""
    quote = urllib.parse.quote
    user = quote(db.get("USER") or "", safe="")
    password = quote(db.get("PASSWORD") or "", safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = quote(str(db.get("HOST") or ""), safe="")
    port = f":{db['PORT']}" if db.get("PORT") else ""
    options = {k: v for k, v in (db.get("OPTIONS") or {}).items() if isinstance(v, str | int)}
    query = f"?{urllib.parse.urlencode(options)}" if options else ""
    return f"postgresql://{auth}{host}{port}/{quote(name)}{query}"


def admin_connection(db: dict):
    import psycopg

    return psycopg.connect(
        dbname="postgres",
        user=db.get("USER") or None,
        password=db.get("PASSWORD") or None,
        host=db.get("HOST") or None,
        port=db.get("PORT") or None,
        autocommit=True,
        **{k: v for k, v in (db.get("OPTIONS") or {}).items() if isinstance(v, str | int)},
    )


def drop_database(db: dict, name: str) -> None:
    from psycopg import sql

    assert name.startswith("lead_bench"), name  # never anything else
    with admin_connection(db) as conn:
        try:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
        except Exception:  # PostgreSQL before 13 has no FORCE
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))


def create_database(db: dict, name: str) -> None:
    from psycopg import sql

    drop_database(db, name)  # a leftover of an interrupted run
    with admin_connection(db) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


# -- gunicorn ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(env: dict, port: int, workers: int, logdir: Path) -> subprocess.Popen:
    config = logdir / "gunicorn.conf.py"
    config.write_text(
        f"bind = '127.0.0.1:{port}'\n"
        f"workers = {workers}\n"
        f"accesslog = {str(logdir / 'access.log')!r}\n"
        f"access_log_format = {ACCESS_FORMAT!r}\n"
        f"errorlog = {str(logdir / 'error.log')!r}\n"
        "control_socket_disable = True\n"  # gunicorn 25.1+; older versions ignore it
    )
    return subprocess.Popen(  # noqa: S603 (gunicorn from this virtualenv)
        [sys.executable, "-m", "gunicorn", "lead.wsgi", "-c", str(config)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def wait_until_up(base: str, process: subprocess.Popen, logdir: Path, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited:\n{(logdir / 'error.log').read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"gunicorn did not answer /healthz within {seconds:.0f} s")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


# -- The browser -------------------------------------------------------------------------------


class _Inputs(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}

    def handle_starttag(self, tag, attrs) -> None:
        if tag == "input":
            attributes = dict(attrs)
            if attributes.get("name"):
                self.values.setdefault(attributes["name"], attributes.get("value") or "")


def form_inputs(page: str) -> dict[str, str]:
    parser = _Inputs()
    parser.feed(page)
    return parser.values


class Browser:
    """A cookie jar and the stdlib opener; redirects are followed like a browser's."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def get(self, path: str) -> tuple[str, str]:
        with self.opener.open(self.base + path, timeout=30) as response:
            return response.read().decode(), response.geturl()

    def post(self, path: str, data: dict[str, str]) -> tuple[str, str]:
        body = urllib.parse.urlencode(data).encode()
        try:
            with self.opener.open(self.base + path, data=body, timeout=30) as response:
                return response.read().decode(), response.geturl()
        except urllib.error.HTTPError as error:
            page = error.read().decode(errors="replace")
            messages = re.findall(r'role="alert">(.*?)</', page, re.S)
            raise SystemExit(f"POST {path} answered {error.code}: {messages[:3]}") from error

    def sign_in(self, email: str, password: str) -> None:
        page, _ = self.get("/accounts/login/")
        token = form_inputs(page)["csrfmiddlewaretoken"]
        _, url = self.post(
            "/accounts/login/",
            {"csrfmiddlewaretoken": token, "login": email, "password": password},
        )
        if "/accounts/login/" in url:
            raise SystemExit(f"could not sign in as {email}")


# -- Measuring ---------------------------------------------------------------------------------


@dataclass
class Timings:
    samples: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))

    def add(self, name: str, seconds: float) -> None:
        self.samples[name].append(seconds * 1000)


def summary(values: list[float]) -> str:
    if not values:
        return "no samples"
    ordered = sorted(values)
    p95 = statistics.quantiles(ordered, n=100, method="inclusive")[94] if len(ordered) > 1 else 0
    return (
        f"median {statistics.median(ordered):7.1f}  p95 {p95:7.1f}  max {ordered[-1]:7.1f} ms"
        f"  (n={len(ordered)})"
    )


def server_times(access_log: Path) -> dict[tuple[str, str], list[float]]:
    """Milliseconds per (method, path kind) from gunicorn's access log."""
    times: dict[tuple[str, str], list[float]] = defaultdict(list)
    for line in access_log.read_text().splitlines():
        parts = line.split()
        if len(parts) != 4:
            continue
        method, path, _status, micros = parts
        if path == FORM_PATH:
            kind = "form"
        elif path.endswith("/submitted/"):
            kind = "confirmation"
        elif path == QUEUE_PATH:
            kind = "queue"
        else:
            continue
        times[(method, kind)].append(int(micros) / 1000)
    return times


def submission_data(page: str, n: int) -> dict[str, str]:
    inputs = form_inputs(page)
    first, last = [("Ramón", "Archuleta"), ("Loretta", "Suazo"), ("Dustin", "Parker")][n % 3]
    return {
        "csrfmiddlewaretoken": inputs["csrfmiddlewaretoken"],
        "idempotency_key": inputs["idempotency_key"],  # fresh on every GET of the form
        "first_name": f"{first}",
        "last_name": f"{last}-Bench{n:03d}",
        "aliases_text": "",
        "date_of_birth": "",
        "estimated_age": str(25 + n % 30),
        "description": "Thin, grey hoodie, black backpack.",
        "where_to_find": "Mornings at Kit Carson Park.",
        "phone": "",
        "language": "English",
        "safety_concerns": "",
        "offence_category": "drug_possession",
        "offence_description": "Small bag of methamphetamine and a pipe.",
        "incident_number": f"TPD-26-9{n:05d}",
        "agency": "Taos Police Department",
        "diversion_date": inputs.get("diversion_date", ""),  # the form's today, in Denver
        "diversion_place": "Taos Plaza",
        "narrative": "Offered LEAD instead of booking; accepted.",
    }


def run_submissions(browser: Browser, count: int, timings: Timings) -> float:
    started = time.perf_counter()
    for n in range(count):
        t0 = time.perf_counter()
        page, _ = browser.get(FORM_PATH)
        t1 = time.perf_counter()
        page, url = browser.post(FORM_PATH, submission_data(page, n))
        t2 = time.perf_counter()
        if "/submitted/" not in url:
            raise SystemExit(f"submission {n} did not reach the confirmation page: {url}")
        timings.add("get_form", t1 - t0)
        timings.add("post_confirm", t2 - t1)
        timings.add("cycle", t2 - t0)
    return time.perf_counter() - started


def run_queue(browser: Browser, count: int, timings: Timings) -> None:
    for _ in range(count):
        t0 = time.perf_counter()
        _page, url = browser.get(QUEUE_PATH)
        timings.add("queue", time.perf_counter() - t0)
        if not url.endswith(QUEUE_PATH):
            raise SystemExit(f"the queue redirected to {url}")


# -- Main --------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--submissions", type=int, default=200)
    parser.add_argument("--queue-gets", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--database", default="lead_bench", help="must start with lead_bench")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # in order with the children's output
    if not args.database.startswith("lead_bench"):
        parser.error("--database must start with lead_bench: it is dropped at the end")
    if not (1 <= args.submissions <= 10_000 and 1 <= args.queue_gets <= 1000):
        parser.error("keep --submissions within 1..10000 and --queue-gets within 1..1000")

    began = time.perf_counter()
    db = project_database()
    from django.conf import settings

    password = settings.LEAD_DEMO_PASSWORD
    env = {
        **os.environ,
        "DATABASE_URL": database_url(db, args.database),
        "DJANGO_DEBUG": "1",
        "LEAD_REQUIRE_MFA": "0",
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "DJANGO_LOG_LEVEL": "WARNING",
        "LEAD_DEMO_PASSWORD": password,
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    tasks = "queued to Redis" if env.get("REDIS_URL") else "eager, in the request"
    where = "DATABASE_URL" if os.environ.get("DATABASE_URL") else "embedded PostgreSQL"
    print(f"Database {args.database} on the {where}: creating, migrating, seeding...", flush=True)

    create_database(db, args.database)
    process = None
    logdir = Path(tempfile.mkdtemp(prefix="lead-bench-"))
    try:
        t = time.perf_counter()
        for command in (["migrate", "--no-input", "-v0"], ["seed_demo", "--quiet"]):
            subprocess.run(  # noqa: S603 (our own manage.py)
                [sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True
            )
        print(f"  ready in {time.perf_counter() - t:.1f} s")

        port = free_port()
        base = f"http://127.0.0.1:{port}"
        process = start_gunicorn(env, port, args.workers, logdir)
        wait_until_up(base, process, logdir)
        print(f"gunicorn lead.wsgi -w {args.workers} on {base}; new-referral task {tasks}")

        timings = Timings()
        officer = Browser(base)
        officer.sign_in(OFFICER, password)
        elapsed = run_submissions(officer, args.submissions, timings)

        case_manager = Browser(base)
        case_manager.sign_in(CASE_MANAGER, password)
        run_queue(case_manager, args.queue_gets, timings)
        stop(process)  # flushes and closes the access log
        server = server_times(logdir / "access.log")
    finally:
        if process is not None:
            stop(process)
        drop_database(db, args.database)

    s = timings.samples
    n = args.submissions
    print()
    print(f"Officer submissions: {n} arrest diversions by {OFFICER}, one after the other")
    print(f"  POST + confirmation (client)   {summary(s['post_confirm'])}")
    print(f"  GET form + POST + confirmation {summary(s['cycle'])}")
    print(f"  GET form (client)              {summary(s['get_form'])}")
    print(f"  POST (server)                  {summary(server[('POST', 'form')])}")
    print(f"  confirmation GET (server)      {summary(server[('GET', 'confirmation')])}")
    print(f"  GET form (server)              {summary(server[('GET', 'form')])}")
    print(
        f"  throughput: {n / elapsed:.1f} submissions/s, {3 * n / elapsed:.1f} requests/s "
        f"(3 requests each, sequential, {elapsed:.1f} s)"
    )
    print(f"Referral queue: {args.queue_gets} GETs of {QUEUE_PATH} by {CASE_MANAGER}")
    print(f"  server                         {summary(server[('GET', 'queue')])}")
    print(f"  client                         {summary(s['queue'])}")
    print(f"Total bench time {time.perf_counter() - began:.1f} s")


if __name__ == "__main__":
    main()
