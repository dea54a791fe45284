"""Where each benchmarked page's time goes: probes, py-spy and EXPLAIN, under wrk load.

    .venv/bin/python bench/page_ratios.py --profile          # the table, then this
    .venv/bin/python bench/page_ratios.py --keep-database    # once, then as often as needed:
    .venv/bin/python bench/profile_report.py                 # on that database (lead_bench_ratios)

Serves the benchmark's database with the same gunicorn and settings as ``page_ratios.py``, plus
timing probes between the middleware (``bench.floor.probes``), signs in again, and for each
target in turn (the six of the table, the two floors and hello) drives it with wrk for
``--duration`` seconds while py-spy samples both workers (``--idle``: waiting on PostgreSQL or
Redis counts). It then prints, per target:

1. the split of one request, in milliseconds (means over every request of the run): the
   middleware's own Python, the session and user rows, the other queries the middleware sends
   (memberships, capabilities, MFA, the access log...), the view's queries, the queries sent
   while rendering, template rendering, the view's own Python; and the number of statements;
2. every distinct statement: how many per request, mean milliseconds, table, where sent from;
3. from py-spy, the lines of the project's own code (file:line) with the largest share of the
   request, callees included, and the share of time by library (template engine, psycopg
   waiting on the server, Redis/kombu, ...);
4. ``EXPLAIN (ANALYZE, BUFFERS)`` of every statement of one request, each in a transaction that
   is rolled back (the second of two runs): execution time, buffers hit/read, and the plan's
   scans (index or sequential).

py-spy is installed into the virtualenv (``pip install py-spy``) when it is missing. Probes and
sampling slow the requests a little: the split is for proportions; the ratio table is measured
without them.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from harness import (  # noqa: E402
    CASE_MANAGER,
    FLOOR_INDEX,
    OFFICER,
    ROOT,
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
from officer_submissions import free_port, project_database, stop  # noqa: E402

PROJECT_PACKAGES = (
    "lead/",
    "sites/",
    "referrals/",
    "participants/",
    "casenotes/",
    "evaluation/",
    "floor/views.py",  # the floor's own view, as py-spy names it
    "bench/floor/views.py",
)
SESSION_AUTH_TABLES = {"django_session", "lead_user"}
# The innermost frame of a sample that waits on a socket: off the CPU.
WAITING = re.compile(
    r"^Connection\.wait \(psycopg|psycopg/waiting\.py|_read_from_socket \(|SocketIO\.readinto \("
)
LIBRARIES = [
    ("psycopg (sending, reading rows)", re.compile(r"psycopg/")),
    ("Redis / kombu / Celery publish", re.compile(r"(kombu|redis|celery|amqp)/")),
    ("Django templates", re.compile(r"django/template/|template_partials/")),
    ("Django ORM (building SQL, making rows)", re.compile(r"django/db/")),
    ("Django forms", re.compile(r"django/forms/")),
    ("guardian", re.compile(r"guardian/")),
    ("allauth", re.compile(r"allauth/")),
    ("simple_history", re.compile(r"simple_history/")),
    ("django_scopes", re.compile(r"django_scopes/")),
    (
        "i18n / formats / timezone",
        re.compile(r"django/utils/(translation|formats|dateformat|timezone)"),
    ),
    ("gunicorn (reading, writing the socket)", re.compile(r"gunicorn/")),
]


# -- Driving with probes and py-spy ----------------------------------------------------------


def py_spy() -> str:
    path = Path(sys.executable).parent / "py-spy"
    if not path.exists():
        print("Installing py-spy into the virtualenv (profile only)...")
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "py-spy"], check=True)
    return str(path)


def record(
    port: int,
    gunicorn_pid: int,
    target: Target,
    seconds: float,
    folder: Path,
    spy: str,
    meter: CpuMeter,
) -> tuple[Run, Path]:
    """wrk on ``target`` for ``seconds`` while py-spy samples the workers; (run, raw file)."""
    raw = folder / f"{re.sub(r'[^a-z0-9]+', '-', target.name.lower())}.raw"
    meter.wait_idle()  # before sampling starts: the previous target's queued requests finish
    sampler = subprocess.Popen(  # noqa: S603
        [
            spy,
            "record",
            "--pid",
            str(gunicorn_pid),
            "--subprocesses",
            "--idle",
            "--nonblocking",  # sample without pausing the workers
            "--rate",
            "100",
            "--format",
            "raw",
            "--duration",
            str(max(1, int(seconds) - 1)),
            "--output",
            str(raw),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    run = wrk(port, target, seconds, meter)
    sampler.wait(timeout=60)
    return run, raw


def profile(
    *,
    env: dict,
    db: dict,
    database: str,
    prepared: dict,
    password: str,
    workers: int,
    seconds: float = 10,
    keep: Path | None = None,
) -> int:
    """Serve with probes, drive each target under py-spy, then print the report. With ``keep``,
    the probes' records and py-spy's raw stacks are left in that folder."""
    spy = py_spy()
    folder = Path(tempfile.mkdtemp(prefix="lead-bench-profile-"))
    try:
        chosen, runs, raws, started = _drive(
            env=env,
            db=db,
            database=database,
            prepared=prepared,
            password=password,
            workers=workers,
            seconds=seconds,
            folder=folder,
            spy=spy,
        )
        every = _read_probes(folder / "probes")
        explained = _explain(env, chosen, every)
        measured = {
            key: [entry for entry in entries if entry["at"] >= started]
            for key, entries in every.items()
        }
        for target in chosen:
            _report_target(target, runs[target.name], measured, raws[target.name], explained)
        if keep is not None:
            shutil.copytree(folder, keep, dirs_exist_ok=True)
            print(f"\nProbe records and py-spy stacks kept in {keep}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


def _drive(
    *,
    env: dict,
    db: dict,
    database: str,
    prepared: dict,
    password: str,
    workers: int,
    seconds: float,
    folder: Path,
    spy: str,
) -> tuple[list[Target], dict[str, Run], dict[str, Path], float]:
    """gunicorn with the probes on; each target warmed up, then run under py-spy."""
    probes = folder / "probes"
    probes.mkdir()
    port = free_port()
    process = start_gunicorn({**env, "BENCH_PROFILE_DIR": str(probes)}, port, workers, folder)
    try:
        wait_until_up(port, process, folder)
        secrets = prepared["secrets"]
        case_manager, officer = Session(port), Session(port)
        case_manager.sign_in(CASE_MANAGER, password, secrets[CASE_MANAGER])
        officer.sign_in(OFFICER, password, secrets[OFFICER])
        pairs, hello = targets(prepared, case_manager, officer)
        chosen: list[Target] = []
        for page, floor in pairs:
            chosen += [t for t in (page, floor) if t not in chosen]
        chosen.append(hello)
        print()
        print(f"Profiling {len(chosen)} targets, {seconds:g} s each, with probes and py-spy...")
        runs: dict[str, Run] = {}
        raws: dict[str, Path] = {}
        meter = CpuMeter(process.pid, db, database)
        try:
            for target in chosen:
                # Warm-up; its first requests give the statements to EXPLAIN.
                wrk(port, target, 2, meter)
            started = time.time()  # the sign-in and the warm-up are not measured
            for target in chosen:
                runs[target.name], raws[target.name] = record(
                    port, process.pid, target, seconds, folder, spy, meter
                )
        finally:
            meter.close()
    finally:
        stop(process)
    return chosen, runs, raws, started


# -- Reading the probes ------------------------------------------------------------------------


def _read_probes(folder: Path) -> dict[tuple[str, str], list[dict]]:
    by_target: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for path in folder.glob("*.jsonl"):
        for line in path.read_text().splitlines():
            entry = json.loads(line)
            by_target[(entry["method"], entry["path"])].append(entry)
    return by_target


def _key(target: Target) -> tuple[str, str]:
    return (target.method, target.path.split("?", 1)[0])


def _normalise(sql: str) -> str:
    sql = re.sub(r'"s\d+_x\d+"', '"<savepoint>"', sql)
    sql = re.sub(r"'[^']*'", "?", sql)
    sql = re.sub(r"\b\d+\b", "?", sql)
    return re.sub(r"\s+", " ", sql)


def _split(entries: list[dict]) -> dict[str, float]:
    """Mean milliseconds per request in each part."""
    n = len(entries)
    parts: Counter = Counter()
    for entry in entries:
        for place, ms in entry["spans"].items():
            if place.startswith("mw:") or place in ("before", "after"):
                parts["middleware (Python)"] += ms
            elif place == "render":
                parts["template rendering (Python)"] += ms
            else:
                parts["view (Python)"] += ms
        for query in entry["queries"]:
            if query["table"] in SESSION_AUTH_TABLES and query["place"] != "view":
                parts["session + user rows (queries)"] += query["ms"]
            elif query["place"].startswith("mw:"):
                parts["middleware queries"] += query["ms"]
            elif query["place"] == "render":
                parts["queries while rendering"] += query["ms"]
            else:
                parts["view queries"] += query["ms"]
    return {part: ms / n for part, ms in parts.items()}


# -- py-spy ------------------------------------------------------------------------------------


def _frame_place(frame: str) -> tuple[str, str] | None:
    match = re.search(r"\((.*?):(\d+)\)$", frame)
    return (match.group(1), match.group(2)) if match else None


def _spy(raw: Path) -> tuple[int, int, dict[str, list[int]], Counter]:
    """From py-spy's stacks: (samples inside a request, of them on the CPU, project lines as
    ``{frame: [samples, on the CPU]}``, time by library of the innermost frame).

    Each sample goes to the innermost line of the project's own code on its stack (what it
    called in libraries included, what it called in the project not): the line to change. A
    sample whose innermost frame waits on a socket (PostgreSQL, Redis) is off the CPU."""
    inside = on_cpu = 0
    lines: dict[str, list[int]] = {}
    libraries: Counter = Counter()
    if not raw.exists():
        return 0, 0, lines, libraries
    for row in raw.read_text().splitlines():
        stack, _, count = row.rpartition(" ")
        frames = stack.split(";")
        if not any("handle_request" in frame for frame in frames):
            continue  # an idle worker waiting for a connection
        n = int(count)
        inside += n
        waiting = bool(WAITING.search(frames[-1]))
        on_cpu += 0 if waiting else n
        line = "(no project code on the stack: the framework's own work)"
        for frame in reversed(frames):
            place = _frame_place(frame)
            if place and place[0].startswith(PROJECT_PACKAGES):
                line = frame
                break
        counts = lines.setdefault(line, [0, 0])
        counts[0] += n
        counts[1] += 0 if waiting else n
        if waiting:
            libraries[
                "waiting on Redis" if re.search(r"redis|kombu", stack) else "waiting on PostgreSQL"
            ] += n
            continue
        for frame in reversed(frames):
            label = next((label for label, pattern in LIBRARIES if pattern.search(frame)), None)
            place = _frame_place(frame)
            if label is None and place and place[0].startswith(PROJECT_PACKAGES):
                label = "project code (own lines)"
            if label is not None:
                libraries[label] += n
                break
        else:
            libraries["other (Python, stdlib)"] += n
    return inside, on_cpu, lines, libraries


# -- EXPLAIN (a child process with the benchmark's settings) -------------------------------------


def _explain(env: dict, chosen: list[Target], requests: dict) -> dict[str, list[dict]]:
    statements = {}
    for target in chosen:
        entries = [
            e for e in requests.get(_key(target), []) if all("executed" in q for q in e["queries"])
        ]
        if entries:
            statements[target.name] = [q["executed"] for q in entries[-1]["queries"]]
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(statements, handle)
    try:
        result = subprocess.run(  # noqa: S603 (this script)
            [sys.executable, __file__, "--explain", handle.name],
            cwd=ROOT,
            env={k: v for k, v in env.items() if k != "BENCH_PROFILE_DIR"},
            check=True,
            capture_output=True,
            text=True,
        )
    finally:
        os.unlink(handle.name)
    return json.loads(result.stdout)


def explain_in_child(path: str) -> None:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection, transaction

    statements = json.loads(Path(path).read_text())
    out: dict[str, list[dict]] = {}
    for name, sqls in statements.items():
        out[name] = []
        for sql in sqls:
            verb = sql.lstrip().split(None, 1)[0].upper()
            if verb not in {"SELECT", "WITH", "INSERT", "UPDATE", "DELETE"}:
                out[name].append({"sql": sql, "skipped": verb})
                continue
            try:
                # Twice, the second kept: the first run in this connection pays the catalog
                # lookups that a worker's warm connection does not (they show as planning).
                for _ in range(2):
                    with transaction.atomic(), connection.cursor() as cursor:
                        cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql)
                        (raw,) = cursor.fetchone()
                        transaction.set_rollback(True)
                plan = (raw if isinstance(raw, list) else json.loads(raw))[0]
                out[name].append({"sql": sql, "plan": plan})
            except Exception as error:  # e.g. a unique number already taken: plan without ANALYZE
                try:
                    with transaction.atomic(), connection.cursor() as cursor:
                        cursor.execute("EXPLAIN (FORMAT JSON) " + sql)
                        (raw,) = cursor.fetchone()
                        transaction.set_rollback(True)
                    plan = (raw if isinstance(raw, list) else json.loads(raw))[0]
                    out[name].append({"sql": sql, "plan": plan, "error": str(error)[:200]})
                except Exception as second:
                    out[name].append({"sql": sql, "error": str(second)[:200]})
    print(json.dumps(out))


def _scans(node: dict, found: list[str]) -> None:
    kind = node.get("Node Type", "")
    if "Scan" in kind or kind in {"Sort", "Aggregate", "Hash Join", "Nested Loop"}:
        what = node.get("Index Name") or node.get("Relation Name") or ""
        rows = node.get("Actual Rows")
        loops = node.get("Actual Loops", 1)
        detail = f"{kind}{' ' + what if what else ''}"
        if rows is not None:
            detail += f" ({rows * loops:,.0f} rows)"
        if "Scan" in kind:
            found.append(detail)
    for child in node.get("Plans", []):
        _scans(child, found)


# -- The report --------------------------------------------------------------------------------


def _report_target(
    target: Target, run: Run, requests: dict, raw: Path, explained: dict[str, list[dict]]
) -> None:
    entries = requests.get(_key(target), [])
    print()
    print("=" * 100)
    print(f"{target.name}: {target.method} {target.path}")
    cpu = (
        f"; CPU per request: app {run.app_ms:.1f} ms, db {run.db_ms:.1f} ms"
        if run.app_ms is not None and run.db_ms is not None
        else ""
    )
    print(f"  {run.rate:.1f} req/s under probes and py-spy{cpu}")
    if not entries:
        print("  no probe records (were the requests answered by this gunicorn?)")
        return
    totals = [e["total"] for e in entries]
    statuses = Counter(e["status"] for e in entries)
    queries_per = statistics.mean(len(e["queries"]) for e in entries)
    print(
        f"  {len(entries)} requests; Django time per request: mean"
        f" {statistics.mean(totals):.1f} ms, median {statistics.median(totals):.1f} ms;"
        f" {queries_per:.1f} statements per request;"
        f" statuses {dict(statuses)}"
    )
    split = _split(entries)
    total = sum(split.values())
    print("  split of one request (mean ms, share):")
    for part, ms in sorted(split.items(), key=lambda item: -item[1]):
        print(f"    {part:<34}{ms:>8.2f} ms  {ms / total * 100:5.1f}%")
    per_mw: Counter = Counter()
    for entry in entries:
        for place, ms in entry["spans"].items():
            if place.startswith("mw:"):
                per_mw[place[3:]] += ms
        for query in entry["queries"]:
            if query["place"].startswith("mw:"):
                per_mw[query["place"][3:]] += query["ms"]
    print("  middleware, own Python + its queries (mean ms; > 0.2 ms only):")
    for name, ms in per_mw.most_common():
        if ms / len(entries) > 0.2:
            print(f"    {name:<34}{ms / len(entries):>8.2f} ms")
    templates: dict[str, list] = {}
    for entry in entries:
        for name, (count, ms) in entry.get("templates", {}).items():
            templates.setdefault(name, [0, 0.0])
            templates[name][0] += count
            templates[name][1] += ms
    if templates:
        print(
            "  templates (renders per request, own mean ms per request, queries inside included):"
        )
        for name, (count, ms) in sorted(templates.items(), key=lambda t: -t[1][1])[:8]:
            print(f"    {count / len(entries):>6.1f}x {ms / len(entries):>7.2f} ms  {name}")
    statements: dict[str, list] = {}
    for entry in entries:
        for query in entry["queries"]:
            key = _normalise(query["sql"])
            statements.setdefault(key, [0, 0.0, query["table"], Counter()])
            statements[key][0] += 1
            statements[key][1] += query["ms"]
            statements[key][3][query["place"]] += 1
    print("  statements (per request, mean ms each, table, sent from, SQL):")
    for sql, (count, ms, table, places) in sorted(statements.items(), key=lambda s: -s[1][1]):
        place = places.most_common(1)[0][0]
        print(
            f"    {count / len(entries):>4.1f}x {ms / count:>6.2f} ms  {table:<34} {place:<28}"
            f" {sql[:90]}"
        )
    inside, on_cpu, lines, libraries = _spy(raw)
    if inside:
        mean_total = statistics.mean(totals)
        app_ms = run.app_ms or 0.0
        print(
            f"  py-spy, {inside} samples inside requests ({on_cpu / inside * 100:.0f}% on the CPU,"
            " the rest waiting on a socket): innermost project line of each sample, what it called"
            " in libraries included. wall: share of the request and ~ms; cpu: share of the CPU"
            " samples and ~ms of the workers' CPU per request (both under probes and sampling):"
        )
        ranked = sorted(lines.items(), key=lambda item: -item[1][1])[:14]
        for frame, (n, cpu) in ranked:
            cpu_share = cpu / max(on_cpu, 1)
            print(
                f"    wall {n / inside * 100:5.1f}% ~{n / inside * mean_total:6.1f} ms"
                f"  cpu {cpu_share * 100:5.1f}% ~{cpu_share * app_ms:5.1f} ms  {frame}"
            )
        print("  py-spy: wall time by the library of the innermost frame:")
        for label, n in libraries.most_common():
            print(f"    {n / inside * 100:5.1f}%  {label}")
    plans = explained.get(target.name, [])
    if plans:
        print("  EXPLAIN (ANALYZE, BUFFERS) of one request's statements:")
        for item in plans:
            sql = " ".join(item["sql"].split())
            if "skipped" in item:
                continue
            plan = item.get("plan")
            if "error" in item:
                error = item["error"].splitlines()[0]
                print(f"    (not re-run{', plan only' if plan else ''}: {error})")
            if plan is None:
                print(f"        {sql[:150]}")
                continue
            top = plan["Plan"]
            buffers = (
                f"hit {top.get('Shared Hit Blocks', 0)} read {top.get('Shared Read Blocks', 0)}"
                if "Shared Hit Blocks" in top
                else "(not run)"
            )
            found: list[str] = []
            _scans(top, found)
            seq = [s for s in found if s.startswith("Seq Scan")]
            run_ms = plan.get("Execution Time", 0)
            plan_ms = plan.get("Planning Time", 0)
            bench_index = (
                "  (uses the bench-only index!)" if FLOOR_INDEX in json.dumps(plan) else ""
            )
            print(
                f"    {run_ms:>7.2f} ms exec {plan_ms:>6.2f} ms plan  {buffers:<18}"
                f" {'; '.join(found)[:120]}{'  SEQ' if seq else ''}{bench_index}"
            )
            print(f"        {sql[:150]}")


# -- Main --------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="lead_bench_ratios", help="loaded by page_ratios.py")
    parser.add_argument("--duration", type=float, default=10, help="seconds per target")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--keep", help="leave the probe records and py-spy stacks in this folder")
    parser.add_argument("--explain", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.explain:
        explain_in_child(args.explain)
        return
    sys.stdout.reconfigure(line_buffering=True)
    if not args.database.startswith("lead_bench"):
        parser.error("--database must start with lead_bench")
    if not 2 <= args.duration <= 120:
        parser.error("keep --duration within 2..120")
    db = project_database()
    from django.conf import settings

    redis_url, redis_client = redis_for_bench(settings.REDIS_URL)
    static_root = Path(tempfile.mkdtemp(prefix="lead-bench-static-"))
    env = bench_env(
        db=db,
        database=args.database,
        password=settings.LEAD_DEMO_PASSWORD,
        redis_url=redis_url,
        static_root=static_root,
    )
    print(f"Profiling on {args.database}; queue: {queue_label(redis_url)}")
    try:
        manage(env, "collectstatic", "--no-input", "-v0")
        prepared = prepare(env)
        status = profile(
            env=env,
            db=db,
            database=args.database,
            prepared=prepared,
            password=settings.LEAD_DEMO_PASSWORD,
            workers=args.workers,
            seconds=args.duration,
            keep=Path(args.keep) if args.keep else None,
        )
    finally:
        if redis_client is not None:
            redis_client.flushdb()  # it was empty when this run took it
        shutil.rmtree(static_root, ignore_errors=True)
    raise SystemExit(status)


if __name__ == "__main__":
    main()
