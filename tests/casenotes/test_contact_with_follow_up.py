"""A contact and its follow-up task are one use case: one service, one transaction."""

from __future__ import annotations

import ast
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django_scopes import scope

from casenotes.models import Contact, Task
from casenotes.services import FollowUp, contact_record
from sites.models import Membership
from sites.services import membership_grant


def test_a_contact_with_a_follow_up_makes_both(participant, case_manager):
    due = timezone.localdate() + timedelta(days=3)
    with scope(site=participant.site):
        contact = contact_record(
            participant=participant,
            author=case_manager,
            contacted_at=timezone.now() - timedelta(hours=1),
            contact_type="phone",
            location="office",
            follow_up=FollowUp(title="Call the clinic back", due_on=due),
        )
        task = Task.objects.get(participant=participant)
    assert (task.title, task.due_on, task.assignee) == ("Call the clinic back", due, case_manager)
    assert task.created_at >= contact.created_at


def test_when_the_follow_up_is_refused_the_contact_is_not_saved_either(
    participant, case_manager, programme_manager
):
    """The author no longer works cases here: the task is refused, and so is the contact."""
    with scope(site=participant.site):
        membership = Membership.objects.get(user=case_manager, site=participant.site)
    membership_grant(user=case_manager, site=participant.site, role="officer", by=programme_manager)
    with scope(site=participant.site), pytest.raises(ValidationError):
        contact_record(
            participant=participant,
            author=case_manager,
            contacted_at=timezone.now() - timedelta(hours=1),
            contact_type="phone",
            location="office",
            follow_up=FollowUp(title="Call back", due_on=timezone.localdate()),
        )
    with scope(site=participant.site):
        assert not Contact.objects.filter(participant=participant).exists()
        assert not Task.objects.filter(participant=participant).exists()
    assert membership.pk


def test_no_service_takes_arbitrary_keyword_fields():
    """Services name their parameters: ``**fields: Any`` let a typo or an unexpected field
    through to the model (or silently nowhere)."""
    offenders = []
    for path in sorted(Path(settings.BASE_DIR).glob("*/services.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            public = isinstance(node, ast.FunctionDef) and not node.name.startswith("_")
            if public and node.args.kwarg is not None:
                offenders.append(f"{path.parent.name}.{node.name}(**{node.args.kwarg.arg})")
    assert offenders == []
