"""CPU cost of the pieces the profile points at, measured one by one, in process.

    .venv/bin/python bench/page_ratios.py --keep-database      # once: loads lead_bench_ratios
    .venv/bin/python bench/microbench.py [--database lead_bench_ratios]

Runs with the benchmark's settings (``DJANGO_DEBUG=0``, the same database) in this process and
times each piece with ``time.process_time`` (CPU of this process only, so the machine's other
work hardly moves it; waiting on PostgreSQL is not counted, PostgreSQL's own CPU neither):
the median of 7 rounds, each the mean of ``--repeat`` calls, after a warm-up. Reads only,
except a session row it creates, ``outbox publish`` (which queues no-op messages to the
benchmark's own Redis database and flushes it) and the bare insert (into the floor's table).

Every line names the code it stands for, so a change can be checked here first and then in
the ratio table. "Variant" lines are experiments that leave the app unchanged: they show what
a change would save before anyone makes it.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from harness import (  # noqa: E402
    CASE_MANAGER,
    OFFICER,
    ROOT,
    SITE,
    bench_env,
    manage,
    redis_for_bench,
)
from officer_submissions import project_database  # noqa: E402


def timed(label: str, func: Callable[[], object], repeat: int, note: str = "") -> float:
    for _ in range(max(3, repeat // 5)):
        func()
    rounds = []
    for _ in range(7):
        started = time.process_time()
        for _ in range(repeat):
            func()
        rounds.append((time.process_time() - started) / repeat * 1000)
    ms = statistics.median(rounds)
    print(f"  {ms:8.3f} ms  {label}{'  -- ' + note if note else ''}")
    return ms


def run(repeat: int) -> None:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from allauth.mfa.utils import is_mfa_enabled
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import connection
    from django.db.models import Count, OuterRef, Subquery
    from django.db.models.functions import Coalesce
    from django.middleware.csrf import get_token
    from django.template import Context, Template
    from django.test import RequestFactory
    from django.urls import reverse
    from django.utils import timezone, translation
    from django.utils.formats import date_format
    from django_scopes import scope, scopes_disabled
    from guardian.core import ObjectPermissionChecker

    from lead.models import User
    from participants import selectors as participant_selectors
    from referrals import selectors as referral_selectors
    from sites.models import Membership, Notification, Site
    from sites.services import memberships_of

    translation.activate("en")
    with scopes_disabled():
        site = Site.objects.get(slug=SITE)
        user = User.objects.get(email=CASE_MANAGER)
        officer = User.objects.get(email=OFFICER)
    print(f"CPU milliseconds per call (median of 7 rounds of {repeat}), {CASE_MANAGER}:")

    print("Per request, on every site page (middleware, decorator, navigation):")
    session = SessionStore()
    session["_auth_user_id"] = str(user.pk)
    session.create()
    timed(
        "session row: SessionStore(key).load()",
        lambda: SessionStore(session.session_key).load(),
        repeat,
    )
    timed("user row: User.objects.get(pk=...)", lambda: User.objects.get(pk=user.pk), repeat)
    timed(
        "MFA check: allauth is_mfa_enabled(user) (MfaRequiredMiddleware, lead/middleware.py:99)",
        lambda: is_mfa_enabled(user),
        repeat,
    )
    timed(
        "memberships with unread counts: sites/services.py memberships_of (SiteScopeMiddleware)",
        lambda: memberships_of(user=user),
        repeat,
    )

    def memberships_sorted_in_python():
        with scopes_disabled():
            unread = (
                Notification.objects.filter(
                    site=OuterRef("site"), user=OuterRef("user"), read_at__isnull=True
                )
                .order_by()
                .values("user")
                .annotate(n=Count("id"))
                .values("n")
            )
            rows = list(
                Membership.objects.filter(user=user, site__is_active=True)
                .select_related("site")
                .annotate(unread=Coalesce(Subquery(unread), 0))
            )
        return sorted(rows, key=lambda m: m.site.name)

    timed(
        "variant: the same query, ORDER BY done in Python",
        memberships_sorted_in_python,
        repeat,
        "Django hashes the Subquery annotation to resolve order_by('site__name')",
    )

    def memberships_plain():
        with scopes_disabled():
            return list(Membership.objects.filter(user=user).select_related("site"))

    timed("variant: memberships without the unread count", memberships_plain, repeat)
    timed(
        "capabilities: guardian ObjectPermissionChecker(user).get_group_perms(site)"
        " (lead/permissions.py:41)",
        lambda: ObjectPermissionChecker(user).get_group_perms(site),
        repeat,
    )

    print("Building SQL only (QuerySet -> SQL string, no round trip):")

    def compiled(queryset_factory):
        def build():
            with scope(site=site):
                queryset = queryset_factory()
                return queryset.query.get_compiler(using="default").as_sql()

        return build

    timed(
        "caseload_for (participants/selectors.py:65)",
        compiled(lambda: participant_selectors.caseload_for(site=site, user=user)),
        repeat,
    )
    timed(
        "open_tasks_for (participants/selectors.py:202)",
        compiled(lambda: participant_selectors.open_tasks_for(site=site, user=user)),
        repeat,
    )
    timed(
        "referral_queue (referrals/selectors.py:21), first page",
        compiled(lambda: referral_selectors.referral_queue(site=site)[:50]),
        repeat,
    )
    timed(
        "visible_participants + uuid (participants/selectors.py participant_for)",
        compiled(
            lambda: (
                participant_selectors.visible_participants(site=site, user=user)
                .select_related("case_manager", "referral", "site")
                .filter(uuid="00000000-0000-0000-0000-000000000000")[:1]
            )
        ),
        repeat,
    )
    with scopes_disabled():
        plain_sql = compiled(lambda: Site.objects.filter(pk=site.pk)[:1])
    timed("for scale: Site.objects.filter(pk=...)[:1]", plain_sql, repeat)

    print("Rows to objects (query sent, rows turned into models):")

    def fetch(queryset_factory):
        def load():
            with scope(site=site):
                return list(queryset_factory())

        return load

    timed(
        "caseload_for: 20 participants",
        fetch(lambda: participant_selectors.caseload_for(site=site, user=user)),
        max(1, repeat // 4),
    )
    timed(
        "referral_queue: first 50 referrals (assignee, submitter joined)",
        fetch(lambda: referral_selectors.referral_queue(site=site)[:50]),
        max(1, repeat // 4),
    )

    print("Template pieces, per use (a page uses them once per row):")
    request = RequestFactory().get("/")
    request.user = user
    request.META["CSRF_COOKIE"] = "x" * 32
    now = timezone.now()
    pieces = {
        "{% url 'participants:detail' slug uuid %}": (
            "{% url 'participants:detail' slug uuid %}",
            {"slug": SITE, "uuid": "8a7c9b0e-1b2c-4d5e-8f90-123456789abc"},
        ),
        '{{ when|date:"SHORT_DATE_FORMAT" }}': ('{{ when|date:"SHORT_DATE_FORMAT" }}', {}),
        '{{ when|date:"SHORT_DATETIME_FORMAT" }} (a datetime: also to local time)': (
            '{{ when|date:"SHORT_DATETIME_FORMAT" }}',
            {},
        ),
        '{% translate "Number" %}': ('{% load i18n %}{% translate "Number" %}', {}),
        "{% csrf_token %}": ("{% csrf_token %}", {}),
        "{% static 'css/lead.css' %}": ("{% load static %}{% static 'css/lead.css' %}", {}),
        "{{ value }} (for scale)": ("{{ value }}", {"value": "x"}),
    }
    for label, (source, extra) in pieces.items():
        template = Template(source)
        context = Context(
            {"when": now if "DATETIME" in source else now.date(), "csrf_token": get_token(request)}
            | extra
        )
        timed(label, lambda t=template, c=context: t.render(c), repeat * 10)
    timed(
        "django.urls.reverse('participants:detail', ...) alone",
        lambda: reverse(
            "participants:detail",
            kwargs={"site_slug": SITE, "participant_uuid": "8a7c9b0e-1b2c-4d5e-8f90-123456789abc"},
        ),
        repeat * 10,
    )
    timed(
        "django.utils.formats.date_format(date, 'SHORT_DATE_FORMAT') alone",
        lambda: date_format(now.date(), "SHORT_DATE_FORMAT"),
        repeat * 10,
    )
    timed(
        "get_token(request) (masks the secret each call)", lambda: get_token(request), repeat * 10
    )

    with scope(site=site):
        referral = referral_selectors.referral_queue(site=site).first()
    if referral is not None:
        from referrals.models import Status

        timed(
            "referral.get_status_display() (Django rebuilds the choices dict per call)",
            referral.get_status_display,
            repeat * 10,
        )
        labels = dict(Status.choices)
        timed(
            "variant: a label dict built once, labels[referral.status]",
            lambda: str(labels[referral.status]),
            repeat * 10,
        )

    print("The officer's POST, pieces after the form:")
    redis_client = None
    try:
        from django.conf import settings

        if settings.REDIS_URL:
            import redis
            from celery import shared_task

            from lead.celery import app

            @shared_task(name="bench.noop")
            def noop(**kwargs):  # never runs: no worker reads the benchmark's Redis database
                return None

            redis_client = redis.Redis.from_url(settings.REDIS_URL)
            before = redis_client.info("stats")["total_connections_received"]
            timed(
                "Celery apply_async to Redis (lead/outbox.py:83 outbox_publish)",
                lambda: app.tasks["bench.noop"].apply_async(kwargs={"outbox_id": 0}, retry=False),
                repeat,
            )
            opened = redis_client.info("stats")["total_connections_received"] - before
            calls = repeat * 7 + max(3, repeat // 5)
            print(
                f"             Redis connections opened during {calls} publishes: {opened}"
                f" ({'a new connection per publish' if opened >= calls else 'pooled'})"
            )
    finally:
        if redis_client is not None:
            redis_client.flushdb()  # the benchmark's own, empty database (redis_for_bench)

    def insert_row():
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO bench_floor_row (user_id, body) VALUES (%s, %s)", [officer.pk, "x"]
            )

    timed("for scale: one raw INSERT round trip (client CPU only)", insert_row, repeat)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="lead_bench_ratios", help="loaded by page_ratios.py")
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run(args.repeat)
        return
    if not args.database.startswith("lead_bench"):
        parser.error("--database must start with lead_bench")
    db = project_database()
    from django.conf import settings

    redis_url, _client = redis_for_bench(settings.REDIS_URL)
    static_root = Path(tempfile.mkdtemp(prefix="lead-bench-static-"))
    env = bench_env(
        db=db,
        database=args.database,
        password=settings.LEAD_DEMO_PASSWORD,
        redis_url=redis_url,
        static_root=static_root,
    )
    try:
        manage(env, "collectstatic", "--no-input", "-v0")  # {% static %} needs the manifest
        status = subprocess.run(  # noqa: S603 (this script)
            [sys.executable, __file__, "--child", "--repeat", str(args.repeat)],
            cwd=ROOT,
            env=env,
            check=False,
        ).returncode
    finally:
        shutil.rmtree(static_root, ignore_errors=True)
    raise SystemExit(status)


if __name__ == "__main__":
    main()
