"""The outbox: background work that survives a broker outage and runs exactly once.

1. ``outbox_enqueue`` writes an ``OutboxMessage`` in the caller's transaction and asks for it
   to be published when that transaction commits. Roll back the change and the task goes too.
2. ``outbox_publish`` hands the message to Celery with a short broker timeout; if the broker is
   down it logs, leaves the message pending, and the request carries on.
3. ``lead.tasks.outbox_sweep`` (Celery beat, every minute) re-publishes what is still pending.
4. ``outbox_task`` wraps each task: it locks the message row, does nothing if it is already
   done, and marks it done in the same transaction as the work, so a task delivered twice
   runs once.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from lead.models import OutboxMessage

logger = logging.getLogger(__name__)

MAX_PUBLISH_ATTEMPTS = 50


def outbox_enqueue(*, task_name: str, kwargs: dict[str, Any], key: str) -> OutboxMessage:
    """Record that ``task_name(**kwargs)`` must run; publish it once the transaction commits.

    ``key`` makes the request idempotent: enqueueing the same key twice yields one task.
    """
    message, created = OutboxMessage.objects.get_or_create(
        idempotency_key=key, defaults={"task_name": task_name, "kwargs": kwargs}
    )
    if created:
        transaction.on_commit(lambda: outbox_publish(message_id=message.pk))
    return message


def outbox_publish(*, message_id: int) -> bool:
    """Send one pending message to the broker. Never raises: a failure leaves it pending."""
    from lead.celery import app

    pending = OutboxMessage.objects.filter(pk=message_id, status=OutboxMessage.Status.PENDING)
    message = pending.first()
    if message is None:
        return False
    OutboxMessage.objects.filter(pk=message_id).update(
        last_published_at=timezone.now(), publish_attempts=F("publish_attempts") + 1
    )
    try:
        # Importing the task's module registers it, also in a web process that never ran a worker.
        importlib.import_module(message.task_name.rsplit(".", 1)[0])
        task = app.tasks[message.task_name]
        task.apply_async(kwargs={"outbox_id": message.pk}, retry=False)
    except Exception as exc:  # the broker is down or the task failed eagerly; the sweeper retries
        logger.warning("outbox: %s (%s) not delivered: %s", message.task_name, message.pk, exc)
        OutboxMessage.objects.filter(pk=message_id).update(last_error=repr(exc)[:2000])
        return False
    return True


def outbox_sweep(*, now=None) -> int:
    """Re-publish every message still pending after the resend delay. Returns how many."""
    now = now or timezone.now()
    stale = now - timedelta(seconds=settings.LEAD_OUTBOX_RESEND_AFTER_SECONDS)
    pending = OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING).filter(
        Q(last_published_at__isnull=True, created_at__lte=stale) | Q(last_published_at__lte=stale)
    )
    given_up = pending.filter(publish_attempts__gte=MAX_PUBLISH_ATTEMPTS)
    for message in given_up:
        logger.error("outbox: giving up on %s after %s attempts", message, message.publish_attempts)
    given_up.update(status=OutboxMessage.Status.FAILED)
    sent = 0
    for message_id in pending.values_list("pk", flat=True)[:500]:
        sent += outbox_publish(message_id=message_id)
    return sent


def outbox_task(func: Callable[..., Any]) -> Callable[[int], None]:
    """Make ``func(**kwargs)`` an idempotent outbox task taking ``outbox_id``."""

    def run(outbox_id: int) -> None:
        with transaction.atomic():
            message = OutboxMessage.objects.select_for_update().filter(pk=outbox_id).first()
            if message is None or message.status != OutboxMessage.Status.PENDING:
                return
            func(**message.kwargs)
            message.status = OutboxMessage.Status.DONE
            message.done_at = timezone.now()
            message.run_count += 1
            message.last_error = ""
            message.save(update_fields=["status", "done_at", "run_count", "last_error"])

    # Not functools.wraps: Celery would then check calls against func's own signature.
    run.__name__ = func.__name__
    run.__qualname__ = func.__qualname__
    run.__module__ = func.__module__
    run.__doc__ = func.__doc__
    return run
