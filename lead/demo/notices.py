"""What the demo's staff are told: in the app only. Demo data is never e-mailed.

Making the demo referrals queues the product's usual notices in the outbox (``lead.outbox``): a
new-referral notice for each, and the diversion clock's warnings. Left pending, they would be
published when the seeding commits and a worker would e-mail them, through whatever backend is
configured, to the demo staff (312 e-mails to example.org addresses, the first time a worker ran
against a seeded demo). So, inside the seeding transaction, before anything can be published:

1. each notice queued about a demo referral is run here, in process, by its own task (what a
   worker would run): it makes the in-app notifications and queues their e-mail copies;
2. the new-referral notifications are dated to when each referral came in, and read once someone
   worked the referral (the clock's warnings are about today, and stay unread);
3. every message still pending about demo data (those e-mail copies, and anything else queued
   about a demo referral or its notifications) is closed: done, never sent, with ``NEVER_SENT``
   as its note. The on-commit publish and the sweeper only send pending messages: nothing goes.

A warning the daily clock check queues about a referral that is not demo data is left pending,
to be sent as the product sends it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from celery import Task
from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from lead.models import OutboxMessage
from referrals.models import Referral, Status
from referrals.tasks import clock_warning, diversion_clock_check, notify_new_referral
from sites.models import Notification

NEVER_SENT = "demo data: never sent (the in-app notification was made by seed_demo)"


@dataclass
class Notices:
    notifications: int = 0  # in-app notifications made
    clock_warnings: int = 0  # arrest diversions due soon or overdue today (all referrals)
    never_sent: int = 0  # outbox messages closed unsent


def _path(referral: Referral) -> str:
    return reverse(
        "referrals:detail", kwargs={"site_slug": referral.site.slug, "referral_uuid": referral.uuid}
    )


def _last_notification_id() -> int:
    return Notification.objects.aggregate(last=Max("pk"))["last"] or 0


def _run_in_process(task: Task, referral_ids: list[int]) -> None:
    """Run ``task`` for its pending messages about ``referral_ids``, here and now."""
    messages = OutboxMessage.objects.filter(
        status=OutboxMessage.Status.PENDING,
        task_name=task.name,
        kwargs__referral_id__in=referral_ids,
    ).order_by("pk")
    for message_id in messages.values_list("pk", flat=True):
        task(outbox_id=message_id)  # a direct call runs the task in this process, not a worker


def _about(
    notifications: Iterable[Notification], by_path: dict[str, Referral]
) -> list[tuple[Notification, Referral]]:
    """The (notification, referral) pairs among ``notifications`` that link to a demo referral."""
    return [(n, by_path[p]) for n in notifications if (p := urlsplit(n.link).path) in by_path]


def demo_notices(*, referrals: list[Referral], created: set[int], now: datetime) -> Notices:
    """The in-app notifications of the demo ``referrals`` (``created``: the ids of those made in
    this run, whose new-referral notices are dated to them), and nothing sent; see the module
    docstring. Call inside the seeding transaction, after the referrals are made."""
    notices = Notices()
    ids = [referral.pk for referral in referrals]
    by_path = {_path(referral): referral for referral in referrals}
    pending = OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING)
    # A statewide step, as the daily clock check it runs: each task enters its site's scope.
    with scopes_disabled():
        last = _last_notification_id()
        _run_in_process(notify_new_referral, ids)
        made = _about(Notification.objects.filter(pk__gt=last), by_path)
        dated = []
        for notification, referral in made:
            if referral.pk in created:
                notification.created_at = referral.submitted_at + timedelta(minutes=1)
                worked = referral.status != Status.NEW
                notification.read_at = (
                    referral.submitted_at + timedelta(hours=1) if worked else None
                )
                dated.append(notification)
        # Notifications keep no history: one bulk update, as marking them read does.
        Notification.objects.bulk_update(dated, ["created_at", "read_at"], batch_size=500)

        # What the daily clock (Celery beat, 07:00) would say today: due soon, deadline missed.
        last = _last_notification_id()
        notices.clock_warnings = diversion_clock_check(today=timezone.localdate(now))
        _run_in_process(clock_warning, ids)
        made += _about(Notification.objects.filter(pk__gt=last), by_path)
        notices.notifications = len(made)

        # The e-mail copies still waiting, of these notifications and of any earlier ones.
        waiting = pending.filter(kwargs__has_key="notification_id")
        waiting_for = Notification.objects.filter(
            pk__in=[m.kwargs["notification_id"] for m in waiting.only("kwargs")]
        )
        emails = [n.pk for n, _ in _about(waiting_for, by_path)]
        notices.never_sent = pending.filter(
            Q(kwargs__referral_id__in=ids) | Q(kwargs__notification_id__in=emails)
        ).update(status=OutboxMessage.Status.DONE, done_at=now, last_error=NEVER_SENT)
    return notices
