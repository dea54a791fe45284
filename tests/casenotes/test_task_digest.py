"""The daily digest of overdue tasks: one in-app notification and one e-mail per assignee and
site, exactly once a day however often the check runs, through the outbox."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from celery.schedules import crontab
from django.conf import settings as django_settings
from django.core import mail
from django.utils import timezone
from django_scopes import scopes_disabled

from casenotes import tasks
from lead.celery import app as celery_app
from lead.models import OutboxMessage
from sites.models import Membership, Notification
from sites.roles import Role
from sites.services import membership_grant, membership_revoke
from tests.casenotes.conftest import restrict
from tests.factories import member

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 10)
YESTERDAY = TODAY - timedelta(days=1)


def run_check(capture, day: date = TODAY) -> int:
    """Run the daily check as of ``day`` and deliver what it queued (eagerly)."""
    with capture(execute=True):
        return tasks.task_digest_check(today=day)


def notifications_of(user) -> list[Notification]:
    with scopes_disabled():
        return list(Notification.objects.filter(user=user).select_related("site").order_by("id"))


def digests() -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(task_name="casenotes.tasks.send_task_digest"))


def test_an_assignee_with_overdue_tasks_gets_one_notification_and_one_email(
    django_capture_on_commit_callbacks, site_a, case_manager, participant, make_task
):
    make_task(case_manager, due_on=YESTERDAY, title="Call the shelter")
    make_task(case_manager, due_on=TODAY - timedelta(days=6), participant=participant)

    assert run_check(django_capture_on_commit_callbacks) == 1

    [notification] = notifications_of(case_manager)
    assert notification.title == "You have 2 overdue tasks"
    assert notification.site.slug == "taos"
    assert notification.link == django_settings.LEAD_BASE_URL.rstrip("/") + "/s/taos/tasks/"
    [email] = mail.outbox
    assert email.to == [case_manager.email]
    assert "You have 2 overdue tasks" in email.subject
    assert "/s/taos/tasks/" in email.body
    # Case-management content never goes into an e-mail: no titles, no names.
    assert "Call the shelter" not in email.body
    assert participant.legal_last_name not in email.body
    [message] = digests()
    assert message.status == OutboxMessage.Status.DONE
    assert message.idempotency_key == f"task-digest:{site_a.pk}:{case_manager.pk}:2026-03-10"


def test_tasks_due_today_or_done_or_later_send_nothing(
    django_capture_on_commit_callbacks, case_manager, make_task
):
    make_task(case_manager, due_on=TODAY)
    make_task(case_manager, due_on=TODAY + timedelta(days=3))
    make_task(case_manager, due_on=YESTERDAY, done=True)

    assert run_check(django_capture_on_commit_callbacks) == 0
    assert notifications_of(case_manager) == []
    assert mail.outbox == []


def test_the_digest_is_sent_once_a_day_however_often_the_check_runs(
    django_capture_on_commit_callbacks, case_manager, make_task
):
    make_task(case_manager, due_on=YESTERDAY)
    for _ in range(3):
        run_check(django_capture_on_commit_callbacks)
    assert len(notifications_of(case_manager)) == 1
    assert len(mail.outbox) == 1
    assert len(digests()) == 1

    # The next day, still overdue: one more.
    run_check(django_capture_on_commit_callbacks, TODAY + timedelta(days=1))
    assert len(notifications_of(case_manager)) == 2
    assert len(mail.outbox) == 2


def test_a_redelivered_digest_message_does_not_notify_twice(
    django_capture_on_commit_callbacks, case_manager, make_task
):
    make_task(case_manager, due_on=YESTERDAY)
    run_check(django_capture_on_commit_callbacks)
    [message] = digests()
    tasks.send_task_digest.apply(kwargs={"outbox_id": message.pk})  # the broker delivers again
    assert len(notifications_of(case_manager)) == 1


def test_each_assignee_and_site_gets_its_own_digest(
    django_capture_on_commit_callbacks, site_b, case_manager, colleague, make_task
):
    membership_grant(user=case_manager, site=site_b, role=Role.CASE_MANAGER, by=None)
    make_task(case_manager, due_on=YESTERDAY)
    make_task(case_manager, due_on=YESTERDAY, site=site_b)
    make_task(case_manager, due_on=YESTERDAY, site=site_b)
    make_task(colleague, due_on=YESTERDAY)

    assert run_check(django_capture_on_commit_callbacks) == 3

    mine = {(n.site.slug, n.title) for n in notifications_of(case_manager)}
    assert mine == {("taos", "You have 1 overdue task"), ("lea", "You have 2 overdue tasks")}
    assert [n.title for n in notifications_of(colleague)] == ["You have 1 overdue task"]
    assert sorted(len(m.to) for m in mail.outbox) == [1, 1, 1]


def test_a_task_done_before_the_digest_is_delivered_is_not_counted(
    django_capture_on_commit_callbacks, case_manager, make_task
):
    task = make_task(case_manager, due_on=YESTERDAY)
    tasks.task_digest_check(today=TODAY)  # queued; the broker is slow today
    with scopes_disabled():
        task.done_at = timezone.now()
        task.save()
    [message] = digests()
    with django_capture_on_commit_callbacks(execute=True):
        tasks.send_task_digest.apply(kwargs={"outbox_id": message.pk})
    assert notifications_of(case_manager) == []


def test_restricted_records_hidden_from_the_assignee_are_not_counted(
    django_capture_on_commit_callbacks, case_manager, colleague, participant, make_task
):
    make_task(case_manager, due_on=YESTERDAY, participant=participant)
    make_task(case_manager, due_on=YESTERDAY)
    restrict(participant, colleague)
    run_check(django_capture_on_commit_callbacks)
    assert [n.title for n in notifications_of(case_manager)] == ["You have 1 overdue task"]


def test_someone_who_left_the_site_or_was_deactivated_is_not_told(
    django_capture_on_commit_callbacks, site_a, case_manager, colleague, make_task
):
    make_task(case_manager, due_on=YESTERDAY)
    make_task(colleague, due_on=YESTERDAY)
    with scopes_disabled():
        membership_revoke(membership=Membership.objects.get(user=colleague), by=None)
    case_manager.is_active = False
    case_manager.save()

    run_check(django_capture_on_commit_callbacks)

    assert notifications_of(case_manager) == notifications_of(colleague) == []
    assert mail.outbox == []


def test_an_officer_never_gets_a_digest_even_with_a_stray_task(
    django_capture_on_commit_callbacks, site_a, make_task
):
    officer = member(site_a, Role.OFFICER, email="stray.officer@example.org")
    make_task(officer, due_on=YESTERDAY)  # only possible by bypassing the service
    run_check(django_capture_on_commit_callbacks)
    assert notifications_of(officer) == []


def test_the_digest_runs_daily_from_celery_beat():
    entry = django_settings.CELERY_BEAT_SCHEDULE["task-digest"]
    assert entry["task"] == "casenotes.tasks.task_digest"
    schedule = entry["schedule"]
    assert isinstance(schedule, crontab)
    assert schedule.day_of_week == set(range(7))  # every day ...
    assert len(schedule.hour) == len(schedule.minute) == 1  # ... once
    assert "casenotes.tasks.task_digest" in celery_app.tasks
    assert "casenotes.tasks.send_task_digest" in celery_app.tasks
