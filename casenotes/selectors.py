"""Reads for case notes and tasks."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from casenotes.models import Task
from lead.models import User
from participants.selectors import visible_participants
from sites.models import Site


def open_tasks_for(*, site: Site, user: User) -> QuerySet[Task]:
    """My tasks: open, soonest first, for participants I may see (or none)."""
    visible = visible_participants(site=site, user=user).values("pk")
    return (
        Task.objects.filter(site=site, assignee=user, done_at__isnull=True)
        .filter(Q(participant__isnull=True) | Q(participant__in=visible))
        .select_related("participant")
        .order_by("due_on", "id")
    )
