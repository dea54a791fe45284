"""Background work of case notes: the daily digest of overdue tasks."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import ngettext
from django_scopes import scopes_disabled

from casenotes.models import Task
from casenotes.selectors import open_tasks_for
from lead.celery import app
from lead.models import User
from lead.outbox import outbox_enqueue, outbox_task
from sites.selectors import is_case_worker
from sites.services import notify
from sites.tasking import in_site


def digest_key(*, user_id: int, site_id: int, day: date) -> str:
    return f"task-digest:{site_id}:{user_id}:{day.isoformat()}"


def task_digest_check(*, today: date | None = None) -> int:
    """Queue one digest per site and assignee with overdue open tasks. The outbox key holds
    the user, site and day, so however often this runs, each person hears once a day.
    Returns how many digests were due (queued now or earlier today)."""
    today = today or timezone.localdate()
    with scopes_disabled():  # a statewide sweep; each digest re-enters its site's scope
        pairs = (
            Task.objects.filter(done_at__isnull=True, due_on__lt=today)
            .values_list("site_id", "assignee_id")
            .distinct()
            .order_by("site_id", "assignee_id")
        )
        for site_id, user_id in pairs:
            outbox_enqueue(
                task_name="casenotes.tasks.send_task_digest",
                kwargs={"site_id": site_id, "user_id": user_id, "day": today.isoformat()},
                key=digest_key(user_id=user_id, site_id=site_id, day=today),
            )
        return len(pairs)


@app.task(name="casenotes.tasks.send_task_digest", acks_late=True)
@outbox_task
def send_task_digest(*, site_id: int, user_id: int, day: str) -> None:
    """Tell one assignee how many of their tasks at one site are overdue (in-app and e-mail)."""
    as_of = date.fromisoformat(day)
    user = User.objects.get(pk=user_id)
    with in_site(site_id) as site:
        if not is_case_worker(site=site, user=user):
            return  # the tasks wait for reassignment; a former colleague is told nothing
        # What they may see now: done since the check, or a restricted record, is not counted.
        overdue = open_tasks_for(site=site, user=user).filter(due_on__lt=as_of).count()
        if not overdue:
            return
        title = ngettext(
            "You have %(count)s overdue task",
            "You have %(count)s overdue tasks",
            overdue,
        ) % {"count": overdue}
        path = reverse("casenotes:my_tasks", kwargs={"site_slug": site.slug})
        notify(
            site=site,
            users=[user],
            title=title,
            link=settings.LEAD_BASE_URL.rstrip("/") + path,
        )


@app.task(name="casenotes.tasks.task_digest", acks_late=True)
def task_digest() -> int:
    """Daily (Celery beat "task-digest"): remind assignees of their overdue tasks."""
    return task_digest_check()
