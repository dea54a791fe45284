"""seed_demo: every site gets realistic referrals and a caseload, once, dated in the past; nothing
it makes is ever e-mailed; it refuses to run in production unless told it is not.

The whole demo is seeded once for this module (``seeded``), the way it goes with ``REDIS_URL``
set: Celery publishing to a real broker (``memory://``: whatever reaches it stays there, for a
worker that would e-mail it) and the seeding's on-commit publish run. The tests then read and
re-run it, each in its own savepoint; the module's transaction is rolled back at the end.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest

pytest.register_assert_rewrite("tests.lead.demo_checks")

from django.conf import settings as django_settings  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.core import mail  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.core.management.base import CommandError  # noqa: E402
from django.db import transaction  # noqa: E402
from django.test import TestCase  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_scopes import scope, scopes_disabled  # noqa: E402
from guardian.shortcuts import get_users_with_perms  # noqa: E402

from casenotes.models import Addendum, Contact, Task  # noqa: E402
from lead import outbox  # noqa: E402
from lead.celery import app as celery_app  # noqa: E402
from lead.demo.notices import NEVER_SENT  # noqa: E402
from lead.demo.participants import ENROLLED_SCENARIOS, seed_participants  # noqa: E402
from lead.demo.referrals import demo_key  # noqa: E402
from lead.models import OutboxMessage, User  # noqa: E402
from lead.outbox import outbox_sweep  # noqa: E402
from participants.models import (  # noqa: E402
    Consent,
    GoalProgress,
    NeedAssessment,
    Participant,
    PlanGoal,
)
from referrals.models import LocateAttempt, Referral, Status  # noqa: E402
from sites.models import Notification, Site  # noqa: E402
from tests.lead.demo_checks import check_caseload, check_referrals  # noqa: E402

NOT_PRODUCTION = "--i-know-this-is-not-production"
MODELS = [
    Referral,
    LocateAttempt,
    Participant,
    NeedAssessment,
    Consent,
    PlanGoal,
    GoalProgress,
    Contact,
    Addendum,
    Task,
    Notification,
    OutboxMessage,
]


def _seed_demo(*args: str) -> None:
    """``seed_demo`` as ``make run`` runs it (tests run with DEBUG off, as Django's runner sets)."""
    call_command("seed_demo", "--quiet", NOT_PRODUCTION, *args)


def _counts() -> dict[str, int]:
    with scopes_disabled():
        counts = {model.__name__: model.objects.count() for model in MODELS}
        counts["history"] = sum(
            model.history.count() for model in MODELS if hasattr(model, "history")
        )
    return counts


def _outbox() -> dict[str, int]:
    messages = OutboxMessage.objects.all()
    return {
        "pending": messages.filter(status=OutboxMessage.Status.PENDING).count(),
        "published": messages.filter(publish_attempts__gt=0).count(),
        "never sent": messages.filter(last_error=NEVER_SENT).count(),
    }


@contextmanager
def _published_to(url: str, *, eager: bool) -> Iterator[None]:
    """Celery as with ``REDIS_URL`` set (``eager=False``: publishing to ``url``) or unset, and
    no broker failure remembered from an earlier test (it would hold the on-commit publish)."""
    conf = celery_app.conf
    saved = (conf.broker_url, conf.task_always_eager, outbox._broker_down_until)
    celery_app._pool = celery_app.amqp._producer_pool = None  # look the broker up again
    conf.broker_url, conf.task_always_eager = url, eager
    outbox._broker_down_until = 0.0
    try:
        yield
    finally:
        celery_app._pool = celery_app.amqp._producer_pool = None
        conf.broker_url, conf.task_always_eager, outbox._broker_down_until = saved


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """The whole demo, seeded once for this module with a broker, then undone."""
    with django_db_blocker.unblock(), transaction.atomic():
        mails = len(mail.outbox)
        now = timezone.now()
        with (
            _published_to("memory://", eager=False),
            TestCase.captureOnCommitCallbacks(execute=True),  # the seeding's commit
        ):
            _seed_demo()
            # The sweeper, a minute or a day later, re-publishes whatever is still pending.
            swept = outbox_sweep(now=timezone.now() + timedelta(days=1))
        yield {
            "now": now,
            "counts": _counts(),
            "outbox": _outbox(),
            "swept": swept,
            "mails": len(mail.outbox) - mails,
        }
        transaction.set_rollback(True)


@pytest.fixture
def demo(seeded, db):
    return seeded


# -- What the demo holds ---------------------------------------------------------------------


def test_seed_demo_gives_every_site_realistic_referrals_once(demo):
    with scopes_disabled():
        sites = list(Site.objects.all())
    assert len(sites) >= 6
    for site in sites:
        check_referrals(site, now=demo["now"])


def test_each_site_has_a_caseload_to_work(demo):
    with scopes_disabled():
        sites = list(Site.objects.all())
    assert len(sites) >= 6
    for site in sites:
        check_caseload(site, now=demo["now"])


def test_seeding_twice_adds_nothing(demo):
    assert demo["counts"]["Participant"] >= 60
    assert demo["counts"]["Referral"] >= 150
    _seed_demo()
    with scopes_disabled():
        sites = list(Site.objects.order_by("name"))
    for site in sites:
        with scope(site=site), transaction.atomic():
            again = seed_participants(
                site=site,
                case_manager=User.objects.get(email=f"casemanager.{site.slug}@example.org"),
                programme_manager=User.objects.get(email=f"manager.{site.slug}@example.org"),
                now=timezone.now(),
                seed=f"lead-demo-participants:{site.slug}",
            )
            assert again == []
    assert _counts() == demo["counts"]


def test_every_enrolled_demo_referral_has_its_participant(demo):
    with scopes_disabled():
        for site in Site.objects.all():
            keys = [demo_key(site, key) for key in ENROLLED_SCENARIOS]
            referrals = Referral.objects.filter(site=site, idempotency_key__in=keys)
            assert referrals.count() == 2, site.slug
            for referral in referrals:
                assert referral.status == Status.ENROLLED
                participant = Participant.objects.get(referral=referral)
                # Enrolled by the intake service, when the referral was closed.
                assert participant.enrolled_at == referral.closed_at
                assert participant.contacts.exists() and participant.consents.exists()


def test_one_restricted_record_for_the_programme_manager_and_case_manager(demo):
    with scopes_disabled():
        restricted = list(Participant.objects.filter(is_restricted=True).select_related("site"))
    assert len(restricted) == 1
    participant = restricted[0]
    allowed = {user.email for user in get_users_with_perms(participant, with_superusers=False)}
    slug = participant.site.slug
    assert allowed == {f"casemanager.{slug}@example.org", f"manager.{slug}@example.org"}


def test_a_site_enrolled_by_an_earlier_demo_gets_participants_for_its_referrals(demo):
    """Referrals enrolled before the demo made participants: linked to new ones, not skipped."""
    with scopes_disabled():
        site = Site.objects.get(slug="lea")
        # As the earlier demo left them: enrolled, but nobody behind them.
        Participant.objects.filter(site=site).delete()
        assert Referral.objects.filter(site=site, status=Status.ENROLLED).count() == 2
    with scope(site=site), transaction.atomic():
        created = seed_participants(
            site=site,
            case_manager=User.objects.get(email="casemanager.lea@example.org"),
            programme_manager=User.objects.get(email="manager.lea@example.org"),
            now=timezone.now(),
            seed="test",
        )
        assert len(created) == 12
        for referral in Referral.objects.filter(site=site, status=Status.ENROLLED):
            participant = Participant.objects.get(site=site, referral=referral)
            assert participant.enrolled_at == referral.closed_at
            assert participant.history.latest("history_date").referral_id == referral.pk


# -- Nothing is sent --------------------------------------------------------------------------


def test_seeding_with_a_broker_publishes_nothing_and_leaves_nothing_to_send(demo):
    """With REDIS_URL set, the seeding's notices once went to the broker and a worker e-mailed
    312 of them. Now every message it queued is closed before commit: the on-commit publish and
    the sweeper find nothing, and no worker can send anything."""
    assert demo["outbox"]["pending"] == 0
    assert demo["outbox"]["published"] == 0
    assert demo["swept"] == 0
    assert demo["mails"] == 0
    # The e-mail copies of the notifications the staff were given, closed unsent.
    assert demo["outbox"]["never sent"] >= 150


def test_the_staff_get_their_notifications_in_the_app_dated_as_the_referrals(demo):
    with scopes_disabled():
        for site in Site.objects.all():
            cm = User.objects.get(email=f"casemanager.{site.slug}@example.org")
            notices = Notification.objects.filter(site=site, user=cm)
            new = notices.filter(title__startswith="New referral")
            assert new.count() == Referral.objects.filter(site=site).count(), site.slug
            for referral in Referral.objects.filter(site=site):
                notice = new.get(link__endswith=f"/referrals/{referral.uuid}/")
                assert notice.created_at == referral.submitted_at + timedelta(minutes=1)
                assert (notice.read_at is None) == (referral.status == Status.NEW)
            # The diversion clock: a deadline missed is told to the programme manager.
            manager = User.objects.get(email=f"manager.{site.slug}@example.org")
            missed = Notification.objects.filter(site=site, user=manager, read_at__isnull=True)
            assert missed.filter(title__contains="deadline missed").exists(), site.slug


def test_seeding_with_eager_tasks_sends_no_email(demo, mailoutbox):
    """Without REDIS_URL tasks run in the process at commit: still no e-mail. A new site (sites
    are data) gets the whole demo here; the others have theirs already."""
    Site.objects.create(name="Otero", slug="otero", county="Otero", referral_prefix="OTE")
    with (
        _published_to("memory://", eager=True),
        TestCase.captureOnCommitCallbacks(execute=True) as callbacks,
    ):
        _seed_demo()
    assert callbacks, "the seeding queued work and committed"
    assert mailoutbox == []
    assert _outbox()["pending"] == 0
    otero = Site.objects.get(slug="otero")
    with scope(site=otero):
        assert Referral.objects.filter(site=otero).count() == 25
        assert Participant.objects.filter(site=otero).count() == 12
        assert Notification.objects.filter(site=otero).count() >= 25


# -- Never in production -----------------------------------------------------------------------


def _admin_password_changed() -> User:
    admin, _ = User.objects.update_or_create(
        email="admin@example.org", defaults={"password": make_password("changed-since")}
    )
    return admin


def test_seed_demo_refuses_to_run_with_debug_off_and_changes_nothing(db, settings):
    """Production (DJANGO_DEBUG=0): no state administrator with the public demo password."""
    settings.DEBUG = False
    admin = _admin_password_changed()
    before = _counts()
    for options in ([], ["--participants", "10", "--contacts", "10"]):
        with pytest.raises(CommandError) as refused:
            call_command("seed_demo", "--quiet", *options)
        assert "DJANGO_DEBUG" in str(refused.value)
        assert NOT_PRODUCTION in str(refused.value)
    admin.refresh_from_db()
    assert admin.check_password("changed-since")
    assert not admin.check_password(django_settings.LEAD_DEMO_PASSWORD)
    assert _counts() == before


def test_seed_demo_runs_with_debug_off_when_told_this_is_not_production(demo, settings):
    settings.DEBUG = False
    admin = _admin_password_changed()
    call_command("seed_demo", "--quiet", NOT_PRODUCTION)
    admin.refresh_from_db()
    assert admin.check_password(django_settings.LEAD_DEMO_PASSWORD)


def test_seed_demo_runs_without_the_flag_in_the_local_demo(demo, settings):
    settings.DEBUG = True  # make run: DJANGO_DEBUG defaults to on
    admin = _admin_password_changed()
    call_command("seed_demo", "--quiet")
    admin.refresh_from_db()
    assert admin.check_password(django_settings.LEAD_DEMO_PASSWORD)


# -- Volume ----------------------------------------------------------------------------------


def test_seed_demo_takes_participants_and_contacts(demo):
    """The options top the totals up to N (the hand-made demo caseloads count toward them)."""
    _seed_demo("--participants", "100", "--contacts", "1500")
    _seed_demo("--participants", "100", "--contacts", "1500")
    with scopes_disabled():
        assert Participant.objects.count() == 100
        assert Contact.objects.count() == 1500
    assert User.objects.filter(email="casemanager.taos@example.org").exists()
