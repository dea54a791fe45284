"""What the page benchmark and its profile share: the environment, signing in with TOTP over
plain HTTP, gunicorn as in production, Redis for the queue, and wrk with its targets.

Used by ``bench/page_ratios.py`` (the ratio table of ``make bench``) and
``bench/profile_report.py`` (where the time goes).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import http.cookies
import json
import os
import re
import struct
import subprocess
import sys
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from officer_submissions import database_url, form_inputs  # noqa: E402

SITE = "bernalillo"
CASE_MANAGER = f"casemanager.{SITE}@example.org"
OFFICER = f"officer.{SITE}@example.org"
SEARCH = "garcia"
SETTINGS = "bench.floor.settings"
FLOOR_TABLE = "bench_floor_row"
FLOOR_INDEX = "bench_floor_participant_name"
WRK = ["wrk", "-t1", "-c4"]


def bench_env(
    *, db: dict, database: str, password: str, redis_url: str | None, static_root: Path
) -> dict:
    """Production settings (``DJANGO_DEBUG=0``, MFA required) on the throwaway database."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": SETTINGS,
        "DATABASE_URL": database_url(db, database),
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "bench-" + base64.b64encode(os.urandom(33)).decode(),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "0",  # plain HTTP on 127.0.0.1
        "LEAD_REQUIRE_MFA": "1",
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "DJANGO_LOG_LEVEL": "WARNING",
        "LEAD_DEMO_PASSWORD": password,
        "BENCH_STATIC_ROOT": str(static_root),
        "BENCH_FLOOR_SITE": SITE,
    }
    env.pop("REDIS_URL", None)
    env.pop("BENCH_PROFILE_DIR", None)
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


def queue_label(redis_url: str | None) -> str:
    if redis_url:
        return f"Redis ({redis_url}; no worker runs, the notice is only queued)"
    return "none: no Redis answered, the new-referral notice runs eagerly inside the POST"


def manage(env: dict, *command: str) -> None:
    subprocess.run(  # noqa: S603 (our own manage.py)
        [sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True
    )


def prepare(env: dict) -> dict:
    """Run ``page_ratios.py --prepare`` against the database: TOTP secrets, URLs, facts."""
    result = subprocess.run(  # noqa: S603 (our own script)
        [sys.executable, str(HERE / "page_ratios.py"), "--prepare"],
        cwd=ROOT,
        env=env,
        check=False,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise SystemExit(f"preparing the database failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout)


# -- A browser without a cookie jar's scruples (production cookies are Secure; this is HTTP) ---


def totp_now(secret: str) -> str:
    """The current six-digit TOTP code (RFC 6238: SHA-1, 30 s), as an authenticator app shows."""
    key = base64.b32decode(secret, casefold=True)
    digest = hmac.new(key, struct.pack(">Q", int(time.time()) // 30), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


class Session:
    """Cookies by name, sent back on every request; redirects followed by hand."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    @property
    def cookie_header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    def request(
        self, method: str, path: str, data: dict[str, str] | None = None
    ) -> tuple[int, str, str]:
        """(status, location, body) of one request; cookies taken from the answer."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Cookie": self.cookie_header} if self.cookies else {}
        body = None
        if data is not None:
            body = urllib.parse.urlencode(data)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in http.cookies.SimpleCookie(header).items():
                if morsel.value and morsel["max-age"] != "0":
                    self.cookies[name] = morsel.value
                else:
                    self.cookies.pop(name, None)
        text = response.read().decode(errors="replace")
        conn.close()
        return response.status, response.headers.get("Location", ""), text

    def get(self, path: str) -> tuple[str, str]:
        """The page at ``path`` after redirects, and the path it ended at."""
        for _ in range(5):
            status, location, text = self.request("GET", path)
            if status not in (301, 302, 303):
                if status != 200:
                    raise SystemExit(f"GET {path} answered {status}")
                return text, path
            path = urllib.parse.urlsplit(location).path or "/"
        raise SystemExit(f"GET {path}: too many redirects")

    def post_form(self, path: str, data: dict[str, str]) -> str:
        """POST the form at ``path`` (its CSRF token added); the path it redirected to."""
        page, _ = self.get(path)
        token = form_inputs(page)["csrfmiddlewaretoken"]
        status, location, text = self.request("POST", path, {"csrfmiddlewaretoken": token, **data})
        if status not in (302, 303):
            errors = re.findall(r'class="[^"]*error[^"]*"[^>]*>(.*?)<', text, re.S)
            raise SystemExit(f"POST {path} answered {status}: {errors[:3]}")
        return urllib.parse.urlsplit(location).path

    def sign_in(self, email: str, password: str, totp_secret: str) -> None:
        """Password, then the TOTP step, as a user with MFA does. A code is accepted once: when
        this user's current code was just used (a second sign-in), wait for the next one."""
        for attempt in range(3):
            after = self.post_form("/accounts/login/", {"login": email, "password": password})
            if "2fa" not in after:
                raise SystemExit(
                    f"signing in as {email} did not ask for the second factor: {after}"
                )
            after = self.post_form(after, {"code": totp_now(totp_secret)})
            if "/accounts/" not in after:
                break
            if attempt == 2:
                raise SystemExit(f"the TOTP code for {email} was refused ({after})")
            self.cookies.clear()
            time.sleep(30.5 - time.time() % 30)
        # The "signed in" message waits in a cookie: show it now, or every measured request
        # would carry it, render it and delete it again.
        self.get(after)
        if "messages" in self.cookies:
            raise SystemExit(f"a message is still pending after signing in as {email}")


# -- Serving -----------------------------------------------------------------------------------


def start_gunicorn(env: dict, port: int, workers: int, logdir: Path) -> subprocess.Popen:
    """gunicorn as in production (deploy/gunicorn.conf.py), bound to 127.0.0.1."""
    return subprocess.Popen(  # noqa: S603 (gunicorn from this virtualenv)
        [
            sys.executable,
            "-m",
            "gunicorn",
            "lead.wsgi",
            "--config",
            "deploy/gunicorn.conf.py",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--worker-class",
            "sync",
            "--max-requests",
            "0",
            "--access-logfile",
            str(logdir / "access.log"),
            "--error-logfile",
            str(logdir / "error.log"),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def wait_until_up(port: int, process: subprocess.Popen, logdir: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited:\n{(logdir / 'error.log').read_text()[-3000:]}")
        try:
            status, _, _ = Session(port).request("GET", "/healthz")
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"gunicorn did not answer /healthz within {seconds:.0f} s")


def redis_for_bench(url: str | None) -> tuple[str | None, object]:
    """An empty database number of the Redis at ``url`` (the queue and cache of this run only),
    or ``(None, None)`` when no Redis answers."""
    try:
        import redis
    except ImportError:
        return None, None
    base = urllib.parse.urlsplit(url or "redis://127.0.0.1:6379/0")
    for number in range(15, 7, -1):
        candidate = base._replace(path=f"/{number}").geturl()
        try:
            client = redis.Redis.from_url(candidate, socket_connect_timeout=1, socket_timeout=2)
            if client.dbsize() == 0:
                return candidate, client
        except redis.RedisError:
            return None, None
    return None, None


# -- Driving -----------------------------------------------------------------------------------


@dataclass
class Target:
    name: str
    path: str
    method: str  # GET or POST
    expect: int  # the status every response must have
    cookie: str = ""
    body: str = ""


@dataclass
class Run:
    """One wrk run: throughput, and what each request cost the machine in CPU."""

    rate: float  # requests per second
    requests: int
    app_ms: float | None = None  # CPU of gunicorn's workers per request
    db_ms: float | None = None  # CPU of the PostgreSQL backends of the bench database per request

    @property
    def cpu_ms(self) -> float | None:
        if self.app_ms is None or self.db_ms is None:
            return None
        return self.app_ms + self.db_ms


class CpuMeter:
    """CPU seconds of gunicorn's workers and of the PostgreSQL backends connected to the
    benchmark's database, read from /proc. Unlike throughput, this hardly moves when other work
    shares the machine: it says what one request costs, wherever the time goes."""

    def __init__(self, master_pid: int, db: dict, database: str) -> None:
        from officer_submissions import admin_connection

        self.master_pid = master_pid
        self.database = database
        self.admin = admin_connection(db)
        self.ticks = os.sysconf("SC_CLK_TCK")

    def close(self) -> None:
        self.admin.close()

    def _children(self) -> list[int]:
        path = Path(f"/proc/{self.master_pid}/task/{self.master_pid}/children")
        try:
            return [int(pid) for pid in path.read_text().split()]
        except OSError:
            return []

    def _backends(self) -> list[int]:
        rows = self.admin.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s", [self.database]
        ).fetchall()
        return [pid for (pid,) in rows]

    def _cpu(self, pid: int) -> float | None:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            return None
        fields = stat.rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / self.ticks

    def snapshot(self) -> dict[tuple[str, int], float]:
        taken = {}
        for kind, pids in (("app", self._children()), ("db", self._backends())):
            for pid in pids:
                cpu = self._cpu(pid)
                if cpu is not None:
                    taken[(kind, pid)] = cpu
        return taken

    def wait_idle(self, timeout: float = 60) -> None:
        """Until the workers have used no CPU for a moment: requests of the previous run that
        were still queued when wrk stopped must not eat into the next run (nor count in its
        CPU). A sync worker does nothing between requests."""
        deadline = time.monotonic() + timeout
        before = self.snapshot()
        while time.monotonic() < deadline:
            time.sleep(0.25)
            after = self.snapshot()
            busy = sum(cpu - before.get(key, 0.0) for key, cpu in after.items() if key[0] == "app")
            if busy < 0.02:  # under two clock ticks in a quarter of a second: idle
                return
            before = after

    def since(self, before: dict, requests: int) -> tuple[float | None, float | None]:
        """CPU milliseconds per request of the workers and of the database since ``before``."""
        after = self.snapshot()
        used = {"app": 0.0, "db": 0.0}
        seen = {"app": False, "db": False}
        for key, cpu in after.items():
            used[key[0]] += cpu - before.get(key, 0.0)
            seen[key[0]] = True
        if not requests:
            return None, None
        return tuple(  # type: ignore[return-value]
            used[kind] * 1000 / requests if seen[kind] else None for kind in ("app", "db")
        )


def wrk(port: int, target: Target, seconds: float, meter: CpuMeter | None = None) -> Run:
    """One wrk run on ``target``; refuses any answer but the expected status."""
    script = HERE / "wrk" / ("post.lua" if target.method == "POST" else "get.lua")
    args = [target.cookie] + ([target.body] if target.method == "POST" else [])
    command = [
        *WRK,
        f"-d{seconds:g}s",
        "--timeout",
        "10s",
        "-s",
        str(script),
        f"http://127.0.0.1:{port}{target.path}",
        "--",
        *args,
    ]
    if meter:
        meter.wait_idle()
    before = meter.snapshot() if meter else {}
    result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    out = result.stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    done = re.search(r"(\d+) requests in", out)
    statuses = re.search(r"^STATUSES(.*)$", out, re.M)
    if result.returncode != 0 or rate is None or done is None or statuses is None:
        raise SystemExit(f"wrk failed for {target.name}:\n{out}\n{result.stderr}")
    requests = int(done.group(1))
    app_ms, db_ms = meter.since(before, requests) if meter else (None, None)
    counts = {int(k): int(v) for k, v in (pair.split("=") for pair in statuses.group(1).split())}
    wrong = {status: n for status, n in counts.items() if status != target.expect}
    if wrong or not counts:
        raise SystemExit(
            f"{target.name} ({target.path}) answered {counts}, expected only {target.expect}"
        )
    errors = re.search(r"Socket errors: (.*)", out)
    if errors:
        print(f"  note: {target.name}: socket errors {errors.group(1)}")
    return Run(float(rate.group(1)), requests, app_ms, db_ms)


def officer_form_body(session: Session, path: str) -> str:
    """The arrest-diversion form as an officer fills it in; ``{{KEY}}`` for the idempotency key."""
    page, _ = session.get(path)
    inputs = form_inputs(page)
    data = {
        "csrfmiddlewaretoken": inputs["csrfmiddlewaretoken"],
        "idempotency_key": "{{KEY}}",
        "first_name": "Ramón",
        "last_name": "Archuleta-Bench",
        "aliases_text": "",
        "date_of_birth": "",
        "estimated_age": "34",
        "description": "Thin, grey hoodie, black backpack.",
        "where_to_find": "Mornings at Tiguex Park.",
        "phone": "",
        "language": "English",
        "safety_concerns": "",
        "offence_category": "drug_possession",
        "offence_description": "Small bag of methamphetamine and a pipe.",
        "incident_number": "APD-26-90001",
        "agency": "Albuquerque Police Department",
        "diversion_date": inputs.get("diversion_date", ""),  # the form's today, in Denver
        "diversion_place": "Central and 4th",
        "narrative": "Offered LEAD instead of booking; accepted.",
    }
    return urllib.parse.urlencode(data, safe="{}")


def check_once(session: Session, target: Target) -> None:
    """One request by hand before measuring, so a wrong page fails loudly and early."""
    if target.method == "GET":
        status, location, _ = session.request("GET", target.path)
    else:
        key = "00000000-0000-4000-8000-000000000001"
        data = dict(urllib.parse.parse_qsl(target.body.replace("{{KEY}}", key)))
        status, location, _ = session.request("POST", target.path, data)
    if status != target.expect:
        raise SystemExit(f"{target.name}: {target.path} answered {status} {location}")


def targets(
    prepared: dict, case_manager: Session, officer: Session
) -> tuple[list[tuple[Target, Target]], Target]:
    """The pages paired with their floors, and the anonymous hello."""
    urls, facts = prepared["urls"], prepared["facts"]
    form = officer_form_body(officer, urls["officer_post"])
    token = form_inputs(officer.get(urls["officer_post"])[0])["csrfmiddlewaretoken"]
    insert_body = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token, "body": "{{KEY}}"}, safe="{}"
    )
    cm, off = case_manager.cookie_header, officer.cookie_header
    floor_list = Target("minimal 50-row list", urls["floor_list"], "GET", 200, cm)
    floor_insert = Target(
        "bare one-row insert", urls["floor_insert"], "POST", 201, off, insert_body
    )
    contacts = facts["contacts of the participant"]
    pairs = [
        (Target("my caseload", urls["caseload"], "GET", 200, cm), floor_list),
        (Target("referral queue", urls["queue"], "GET", 200, cm), floor_list),
        (
            Target(f"participant page ({contacts} contacts)", urls["participant"], "GET", 200, cm),
            floor_list,
        ),
        (Target("my tasks", urls["tasks"], "GET", 200, cm), floor_list),
        (Target(f"participant search ?q={SEARCH}", urls["search"], "GET", 200, cm), floor_list),
        (
            Target("officer arrest-diversion POST", urls["officer_post"], "POST", 302, off, form),
            floor_insert,
        ),
    ]
    hello = Target("hello", urls["hello"], "GET", 200)
    for page, floor in pairs:
        check_once(case_manager if page.cookie == cm else officer, page)
        check_once(case_manager if floor.cookie == cm else officer, floor)
    return pairs, hello
