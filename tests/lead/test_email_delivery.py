"""E-mail from background work: at least once, with a stable Message-ID, and the window in which
a crash sends a copy as narrow as the mail protocol allows.

A mail server's acceptance cannot be rolled back. So an outbox task hands its e-mails to
``outbox_send_mail``, and the wrapper sends them after the task's work and its "done" mark are
written, right before the commit; the SMTP goodbye waits until after it. A worker killed (or a
database lost) between the acceptance and the commit sends the e-mail again, with the same
Message-ID, derived from the outbox key, so that mail systems can tell it is the same e-mail.
"""

from __future__ import annotations

import re
import signal
import smtplib
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.core.mail import EmailMessage
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.db import connection
from django_scopes import scopes_disabled

from lead.models import OutboxMessage
from lead.outbox import outbox_enqueue, outbox_mail_id, outbox_send_mail
from sites import tasks as sites_tasks
from sites.models import Membership
from sites.services import notify

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
MESSAGE_ID = re.compile(r"^<outbox\.[0-9a-f]{40}@[^>]+>$")


class RecordingBackend(LocmemBackend):
    """Notes, when an e-mail leaves and when the connection closes, what the database holds."""

    events: list[tuple] = []

    def send_messages(self, messages):
        statuses = list(OutboxMessage.objects.values_list("status", flat=True))
        RecordingBackend.events.append(("send", len(connection.atomic_blocks), statuses))
        return super().send_messages(messages)

    def close(self):
        RecordingBackend.events.append(("close", len(connection.atomic_blocks)))
        super().close()


class RefusingBackend(LocmemBackend):
    def send_messages(self, messages):
        raise smtplib.SMTPDataError(554, b"Transaction failed")


@pytest.fixture
def invite_kwargs(officer, programme_manager) -> dict:
    """The outbox arguments of an invitation of the officer, by the programme manager."""
    with scopes_disabled():
        membership = Membership.objects.get(user=officer)
    return {
        "membership_id": membership.pk,
        "base_url": "http://testserver/",
        "invited_by": programme_manager.pk,
    }


def _enqueue(capture, key: str, kwargs: dict) -> OutboxMessage:
    with capture(execute=True):
        return outbox_enqueue(task_name="sites.tasks.send_invitation", kwargs=kwargs, key=key)


def _message_id(email: EmailMessage) -> str:
    return email.message()["Message-ID"]


def test_an_email_sent_again_after_a_crash_carries_the_same_message_id(
    invite_kwargs, mailoutbox, django_capture_on_commit_callbacks
):
    message = _enqueue(django_capture_on_commit_callbacks, "invite:once", invite_kwargs)
    [first] = mailoutbox
    # The worker died after the mail server accepted, before the commit: the message is still
    # pending, and the sweeper delivers it again.
    OutboxMessage.objects.filter(pk=message.pk).update(status=OutboxMessage.Status.PENDING)
    sites_tasks.send_invitation(outbox_id=message.pk)

    first_copy, second_copy = mailoutbox
    assert first_copy is first
    assert _message_id(first_copy) == _message_id(second_copy)
    assert MESSAGE_ID.match(_message_id(first_copy))


def test_every_outbox_message_has_its_own_message_id(
    site_a, case_manager, programme_manager, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), scopes_disabled():
        notify(site=site_a, users=[case_manager, programme_manager], title="New", link="/x")
    ids = {_message_id(email) for email in mailoutbox}
    assert len(mailoutbox) == 2
    assert len(ids) == 2
    assert all(MESSAGE_ID.match(message_id) for message_id in ids)


def test_the_message_id_is_derived_from_the_outbox_key_and_the_senders_domain(settings):
    settings.DEFAULT_FROM_EMAIL = "LEAD <no-reply@lead.example.org>"
    assert outbox_mail_id(key="k") == outbox_mail_id(key="k")
    assert outbox_mail_id(key="k") != outbox_mail_id(key="k2")
    assert outbox_mail_id(key="k", index=0) != outbox_mail_id(key="k", index=1)
    assert outbox_mail_id(key="k").endswith("@lead.example.org>")


def test_the_email_leaves_after_the_done_mark_and_the_goodbye_after_the_commit(
    settings, invite_kwargs, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.lead.test_email_delivery.RecordingBackend"
    RecordingBackend.events = []
    depth = len(connection.atomic_blocks)

    _enqueue(django_capture_on_commit_callbacks, "invite:window", invite_kwargs)

    events = RecordingBackend.events
    sends = [event for event in events if event[0] == "send"]
    closes = [event for event in events if event[0] == "close"]
    # Sent inside the task's transaction, with its "done" mark already written ...
    assert sends == [("send", depth + 1, [OutboxMessage.Status.DONE])]
    # ... and the connection closed (SMTP QUIT) only once that transaction has committed.
    assert closes[-1] == ("close", depth)
    assert events.index(sends[0]) < events.index(closes[-1])


def test_a_mail_server_that_refuses_leaves_the_message_pending_with_the_reason(
    settings, invite_kwargs, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.lead.test_email_delivery.RefusingBackend"
    message = _enqueue(django_capture_on_commit_callbacks, "invite:refused", invite_kwargs)
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.PENDING
    assert message.run_count == 0
    assert "SMTPDataError" in message.last_error


@contextmanager
def still_waiting_after(seconds: int) -> Iterator[None]:
    """Fail, rather than hang for ever, if the block is still running after ``seconds``."""

    def give_up(signum, frame):
        raise AssertionError(f"still waiting after {seconds} s")

    previous = signal.signal(signal.SIGALRM, give_up)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture
def silent_mail_server() -> Iterator[int]:
    """A port that accepts connections and never says hello."""
    server = socket.create_server(("127.0.0.1", 0), backlog=8)
    try:
        yield server.getsockname()[1]
    finally:
        server.close()


def test_a_silent_mail_server_is_given_up_on_and_the_message_stays_pending(
    settings, invite_kwargs, silent_mail_server
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", silent_mail_server
    settings.EMAIL_TIMEOUT = 1
    message = OutboxMessage.objects.create(
        task_name="sites.tasks.send_invitation", kwargs=invite_kwargs, idempotency_key="k-silent"
    )
    with still_waiting_after(10), pytest.raises(OSError, match="timed out"):
        sites_tasks.send_invitation(outbox_id=message.pk)
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.PENDING
    assert "timed out" in message.last_error


def test_the_default_mail_timeout_is_ten_seconds():
    assert django_settings.EMAIL_TIMEOUT == 10


def test_outbox_send_mail_refuses_outside_an_outbox_task():
    with pytest.raises(RuntimeError, match="outbox_task"):
        outbox_send_mail(EmailMessage("Hello", "Body", to=["someone@example.org"]))
    assert mail.outbox == []


def test_only_the_outbox_sends_email():
    """One way to send e-mail from our code: through outbox_send_mail (allauth's own e-mails,
    sent in the request, are allauth's)."""
    sending = re.compile(
        r"\b(send_mail|send_mass_mail|mail_admins|mail_managers|get_connection)\(|"
        r"\.send\(\s*(\)|fail_silently)"
    )
    offenders = []
    for app in ["lead", "sites", "referrals", "participants", "casenotes", "evaluation"]:
        for path in (ROOT / app).rglob("*.py"):
            if path == ROOT / "lead" / "outbox.py" or "migrations" in path.parts:
                continue
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if sending.search(line):
                    offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []
