"""Timing probes for the benchmark's profile: where one request's time goes inside Django.

``bench.floor.settings`` puts a probe before every middleware and one before the view when
``BENCH_PROFILE_DIR`` is set (never in the ratio table's run, nor in production). For each
request the probes write one JSON line to ``BENCH_PROFILE_DIR/requests-<pid>.jsonl``:

- ``total``: milliseconds from the outermost probe in to out (gunicorn's own parsing and
  writing of the response are outside);
- ``spans``: milliseconds spent at each place, without the queries and the template rendering
  done there: ``mw:<Middleware>`` (its code before and after the inner ones), ``view``, and
  ``render`` (Django template rendering, context processors included, wherever it happens);
- ``templates``: per template name, how many times it was rendered and its milliseconds
  without the templates it includes or extends (queries sent while rendering included);
- ``queries``: every statement with its table, milliseconds (the round trip as the worker
  waits for it) and the place it was sent from; for the first requests of each path in each
  worker, also the statement as sent, parameters in place (``executed``), for ``EXPLAIN``.

A sync gunicorn worker handles one request at a time, so module state is enough.
"""

from __future__ import annotations

import json
import os
import re
import time
from bisect import bisect_right
from itertools import pairwise
from pathlib import Path

_TABLE = re.compile(r'\b(?:FROM|INTO|UPDATE)\s+"?([a-z_][a-z0-9_]*)"?', re.IGNORECASE)
_names: list[str] = []  # the middleware each probe stands before; the last probe, the view
_current: _Record | None = None
_out = None
_seen: dict[tuple[str, str], int] = {}  # requests per (method, path) in this worker
KEEP_EXECUTED = 2  # requests per path whose statements are kept as sent


class _Record:
    def __init__(self, request) -> None:
        self.request = request
        self.marks: list[tuple[float, int, str]] = []  # (time, probe index, "in"/"out")
        self.queries: list[tuple[float, float, str, str]] = []  # (start, ms, table, sql)
        self.renders: list[tuple[float, float]] = []  # outermost template renders
        self.render_depth = 0
        # Per template name: [renders, ms without the templates it includes or extends]
        self.templates: dict[str, list] = {}
        self.template_stack: list[list] = []  # [name, started, ms of nested templates]
        key = (request.method, request.path)
        _seen[key] = _seen.get(key, 0) + 1
        self.keep_executed = _seen[key] <= KEEP_EXECUTED
        self.executed: list[str] = []

    def on_query(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            elapsed = time.perf_counter() - started
            match = _TABLE.search(sql)
            table = match.group(1) if match else sql.split(None, 1)[0].upper()
            self.queries.append((started, elapsed * 1000, table, sql[:400]))
            if self.keep_executed:
                from django.db import connection

                try:
                    sent = connection.ops.last_executed_query(context["cursor"], sql, params)
                except Exception:  # the statement as written is still worth reporting
                    sent = sql
                self.executed.append(sent)


def _place(index: int, direction: str) -> str:
    """Where a request is after passing probe ``index`` going ``in`` or ``out``."""
    position = index if direction == "in" else index - 1
    if position >= len(_names) - 1:
        return "view"
    if position < 0:
        return "after"
    return f"mw:{_names[position]}"


def _summarise(record: _Record, response) -> dict:
    marks = sorted(record.marks)
    times = [t for t, _i, _d in marks]

    def place_at(moment: float) -> str:
        at = bisect_right(times, moment) - 1
        return "before" if at < 0 else _place(marks[at][1], marks[at][2])

    def in_render(moment: float) -> bool:
        return any(start <= moment < end for start, end in record.renders)

    spans: dict[str, float] = {}
    for (t0, index, direction), (t1, _i, _d) in pairwise(marks):
        place = _place(index, direction)
        spans[place] = spans.get(place, 0.0) + (t1 - t0) * 1000
    render_total = 0.0
    for start, end in record.renders:
        render_total += (end - start) * 1000
        place = place_at(start)
        spans[place] = spans.get(place, 0.0) - (end - start) * 1000
    queries = []
    render_queries = 0.0
    for start, ms, table, sql in record.queries:
        place = "render" if in_render(start) else place_at(start)
        if place == "render":
            render_queries += ms
        else:
            spans[place] = spans.get(place, 0.0) - ms
        queries.append({"place": place, "ms": round(ms, 3), "table": table, "sql": sql})
    spans["render"] = render_total - render_queries
    if record.keep_executed:
        for query, sent in zip(queries, record.executed, strict=True):
            query["executed"] = sent
    return {
        "at": time.time(),
        "method": record.request.method,
        "path": record.request.path,
        "status": getattr(response, "status_code", 0),
        "total": round((marks[-1][0] - marks[0][0]) * 1000, 3) if marks else 0.0,
        "spans": {place: round(ms, 3) for place, ms in spans.items()},
        "queries": queries,
        "templates": {name: [n, round(ms, 3)] for name, (n, ms) in record.templates.items()},
    }


def _write(line: dict) -> None:
    global _out
    if _out is None:
        folder = Path(os.environ["BENCH_PROFILE_DIR"])
        _out = (folder / f"requests-{os.getpid()}.jsonl").open("a", buffering=1)
    _out.write(json.dumps(line) + "\n")


class Probe:
    index = 0

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        global _current
        if self.index == 0:
            from django.db import connection

            _current = record = _Record(request)
            record.marks.append((time.perf_counter(), 0, "in"))
            with connection.execute_wrapper(record.on_query):
                response = self.get_response(request)
            record.marks.append((time.perf_counter(), 0, "out"))
            _current = None
            _write(_summarise(record, response))
            return response
        record = _current
        if record is None:  # not under the outermost probe
            return self.get_response(request)
        record.marks.append((time.perf_counter(), self.index, "in"))
        response = self.get_response(request)
        record.marks.append((time.perf_counter(), self.index, "out"))
        return response


def _patch_template_render() -> None:
    """Time ``django.template.base.Template.render``: the outermost render of each request (the
    page, its includes and context processors inside it), and each template's own share."""
    from django.template import base

    original = base.Template.render
    if getattr(original, "bench_probe", False):
        return

    def render(self, context):
        record = _current
        if record is None:
            return original(self, context)
        outermost = record.render_depth == 0
        record.render_depth += 1
        started = time.perf_counter()
        frame = [self.name or "<string>", started, 0.0]
        record.template_stack.append(frame)
        try:
            return original(self, context)
        finally:
            ended = time.perf_counter()
            record.template_stack.pop()
            spent = (ended - started) * 1000
            if record.template_stack:
                record.template_stack[-1][2] += spent
            own = record.templates.setdefault(frame[0], [0, 0.0])
            own[0] += 1
            own[1] += spent - frame[2]
            record.render_depth -= 1
            if outermost:
                record.renders.append((started, ended))

    render.bench_probe = True  # type: ignore[attr-defined]
    base.Template.render = render


def probed_middleware(middleware: list[str]) -> list[str]:
    """``middleware`` with a probe before each entry and one before the view."""
    _names[:] = [path.rsplit(".", 1)[-1] for path in middleware] + ["view"]
    globals_ = globals()
    result = []
    for index, path in enumerate([*middleware, None]):
        name = f"Probe{index}"
        globals_[name] = type(name, (Probe,), {"index": index})
        result.append(f"{__name__}.{name}")
        if path is not None:
            result.append(path)
    _patch_template_render()
    return result
