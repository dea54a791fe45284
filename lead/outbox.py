"""The outbox: background work that survives a broker outage and runs exactly once.

1. ``outbox_enqueue`` writes an ``OutboxMessage`` in the caller's transaction and asks for it
   to be published when that transaction commits. Roll back the change and the task goes too.
2. ``outbox_publish`` hands the message to Celery with a short broker timeout; if the broker is
   down it logs, leaves the message pending, and the request carries on. After a broker failure
   the on-commit publish of this process stands back for ``BROKER_BACKOFF_SECONDS``, so a request
   that enqueues several tasks while the broker hangs waits for one timeout, not one per task.
3. ``lead.tasks.outbox_sweep`` (Celery beat, every minute) re-publishes what is still pending.
4. ``outbox_task`` wraps each task: it locks the message row, does nothing if it is already
   done, and marks it done in the same transaction as the work, so a task delivered twice
   runs once. A task that raises leaves the message pending with the error recorded.
5. E-mail cannot be rolled back, so a task hands its e-mails to ``outbox_send_mail`` and the
   wrapper sends them last: after the work and the done mark are written, right before they
   commit (the SMTP connection says goodbye after the commit). Only a crash, or a lost database,
   between the mail server's acceptance and that commit sends an e-mail again: delivery is at
   least once. Each e-mail's Message-ID is derived from the outbox key, so the copy carries the
   same Message-ID as the original and mail systems can recognise it.
"""

from __future__ import annotations

import hashlib
import importlib
import logging
import time
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import timedelta
from email.utils import parseaddr
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from lead.models import OutboxMessage

logger = logging.getLogger(__name__)

MAX_PUBLISH_ATTEMPTS = 50
# After the broker failed, on-commit publishes in this process wait this long before trying again
# (the message stays pending; the sweeper sends it). A successful publish ends the wait at once.
BROKER_BACKOFF_SECONDS = 10.0
_broker_down_until = 0.0  # time.monotonic() value; process-local


def _broker_backing_off() -> bool:
    return time.monotonic() < _broker_down_until


def _publish_on_commit(message_id: int) -> None:
    if _broker_backing_off():
        OutboxMessage.objects.filter(pk=message_id).update(
            last_error="not published: the broker failed moments ago; the sweeper will send it"
        )
        return
    outbox_publish(message_id=message_id)


def outbox_enqueue(*, task_name: str, kwargs: dict[str, Any], key: str) -> OutboxMessage:
    """Record that ``task_name(**kwargs)`` must run; publish it once the transaction commits.

    ``key`` makes the request idempotent: enqueueing the same key twice yields one task.
    """
    message, created = OutboxMessage.objects.get_or_create(
        idempotency_key=key, defaults={"task_name": task_name, "kwargs": kwargs}
    )
    if created:
        transaction.on_commit(lambda: _publish_on_commit(message.pk))
    return message


def outbox_publish(*, message_id: int) -> bool:
    """Send one pending message to the broker. Never raises: a failure leaves it pending."""
    global _broker_down_until
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
        if isinstance(exc, BrokerError) and not app.conf.task_always_eager:
            _broker_down_until = time.monotonic() + BROKER_BACKOFF_SECONDS
        OutboxMessage.objects.filter(pk=message_id).update(last_error=repr(exc)[:2000])
        return False
    _broker_down_until = 0.0
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
        if outbox_publish(message_id=message_id):
            sent += 1
        elif _broker_backing_off():
            # The broker failed: stop rather than wait one timeout per message; next sweep retries.
            logger.warning("outbox: broker unavailable, sweep stopped after %s sent", sent)
            break
    return sent


@dataclass
class _TaskRun:
    """The outbox message a task is running for, and the e-mails it asked to send."""

    message: OutboxMessage
    mails: list[EmailMessage] = field(default_factory=list)


_running: ContextVar[_TaskRun | None] = ContextVar("lead_outbox_task_run", default=None)


def outbox_mail_id(*, key: str, index: int = 0) -> str:
    """The Message-ID of the ``index``-th e-mail of the outbox message with ``key``.

    The same at every run of the message, and different for every other message.
    """
    digest = hashlib.sha256(f"{key}\n{index}".encode()).hexdigest()[:40]
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "lead.invalid"
    return f"<outbox.{digest}@{domain}>"


def outbox_send_mail(email: EmailMessage) -> None:
    """Send ``email`` from the running outbox task: the one way background work sends e-mail.

    It leaves once the task's work is done, right before the commit, with a Message-ID derived
    from the outbox key (see steps 4 and 5 above). Outside an outbox task it refuses.
    """
    run = _running.get()
    if run is None:
        raise RuntimeError("outbox_send_mail() sends from inside an @outbox_task only")
    email.extra_headers["Message-ID"] = outbox_mail_id(
        key=run.message.idempotency_key, index=len(run.mails)
    )
    run.mails.append(email)


def _send_mails(mails: list[EmailMessage]) -> BaseEmailBackend | None:
    """Hand ``mails`` to the mail server; return the connection, still open, for the caller to
    close after its commit. Raises (and closes) when the server refuses."""
    if not mails:
        return None
    connection = get_connection()
    try:
        connection.open()
        connection.send_messages(mails)
    except Exception:
        _close_quietly(connection)
        raise
    return connection


def _close_quietly(connection: BaseEmailBackend) -> None:
    try:
        connection.close()
    except Exception as exc:  # the e-mails were accepted; a failed goodbye changes nothing
        logger.warning("outbox: closing the mail connection failed: %s", exc)


def outbox_task(func: Callable[..., Any]) -> Callable[[int], None]:
    """Make ``func(**kwargs)`` an idempotent outbox task taking ``outbox_id``."""

    def run(outbox_id: int) -> None:
        mail_connection = None
        try:
            with transaction.atomic():
                message = OutboxMessage.objects.select_for_update().filter(pk=outbox_id).first()
                if message is None or message.status != OutboxMessage.Status.PENDING:
                    return
                task_run = _TaskRun(message=message)
                token = _running.set(task_run)
                try:
                    func(**message.kwargs)
                finally:
                    _running.reset(token)
                message.status = OutboxMessage.Status.DONE
                message.done_at = timezone.now()
                message.run_count += 1
                message.last_error = ""
                message.save(update_fields=["status", "done_at", "run_count", "last_error"])
                # Last, and nothing between it and the commit: see step 5.
                mail_connection = _send_mails(task_run.mails)
        except Exception as exc:
            if mail_connection is not None:
                logger.error(
                    "outbox: message %s sent its e-mail but could not record it; it will be sent "
                    "again with the same Message-ID: %s",
                    outbox_id,
                    exc,
                )
            # The work rolled back and the message stays pending for the sweeper; say why, also
            # when this runs in a worker (outbox_publish only sees the error when run eagerly).
            try:
                OutboxMessage.objects.filter(
                    pk=outbox_id, status=OutboxMessage.Status.PENDING
                ).update(last_error=repr(exc)[:2000])
            except Exception:
                logger.exception("outbox: could not record the failure of message %s", outbox_id)
            raise
        finally:
            if mail_connection is not None:
                _close_quietly(mail_connection)

    # Not functools.wraps: Celery would then check calls against func's own signature.
    run.__name__ = func.__name__
    run.__qualname__ = func.__qualname__
    run.__module__ = func.__module__
    run.__doc__ = func.__doc__
    return run
