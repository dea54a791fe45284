"""Writes for contact notes, addenda and tasks.

Services that stamp a time take ``at`` (keyword, default now): the moment the change happened,
used for its own date field and its history row, for records written after the fact (the demo).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from casenotes.models import Addendum, Contact, Task
from lead.models import User
from participants.models import Participant
from sites.selectors import is_case_worker

CONTACT_FIELDS = Contact.CONTACT_FIELDS


def _earliest_contact(participant: Participant) -> datetime:
    """Nobody can be contacted about LEAD before they were referred (or enrolled)."""
    referral = participant.referral
    return referral.submitted_at if referral is not None else participant.enrolled_at


def _validate_when(participant: Participant, contacted_at: datetime) -> None:
    if contacted_at > timezone.now() + timedelta(minutes=5):
        raise ValidationError(_("A contact cannot be in the future."))
    if contacted_at < _earliest_contact(participant) - timedelta(days=1):
        raise ValidationError(_("A contact cannot be before the person was referred."))


def _touch_last_contact(participant: Participant, contacted_at: datetime) -> None:
    # Derived, not part of the record's history: one statement, never moving backwards.
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE participants_participant SET last_contact_at = "
            "GREATEST(COALESCE(last_contact_at, %s), %s) WHERE id = %s",
            [contacted_at, contacted_at, participant.pk],
        )


def _recount_last_contact(participant: Participant) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE participants_participant SET last_contact_at = ("
            "SELECT MAX(contacted_at) FROM casenotes_contact "
            "WHERE participant_id = %s AND successful) WHERE id = %s",
            [participant.pk, participant.pk],
        )


@dataclass(frozen=True)
class FollowUp:
    """A task for the author of a contact, made with the contact."""

    title: str
    due_on: date


@transaction.atomic
def contact_record(
    *,
    participant: Participant,
    author: User,
    contacted_at: datetime,
    contact_type: str,
    location: str,
    successful: bool = True,
    duration_minutes: int = 15,
    services: Sequence[str] = (),
    referrals_made: str = "",
    narrative: str = "",
    follow_up: FollowUp | None = None,
    at: datetime | None = None,
) -> Contact:
    """Log a contact, and with it the author's follow-up task if there is one (both or
    neither). A successful contact counts toward the participant being active."""
    _validate_when(participant, contacted_at)
    contact = Contact(
        site=participant.site,
        participant=participant,
        author=author,
        contacted_at=contacted_at,
        contact_type=contact_type,
        location=location,
        successful=successful,
        duration_minutes=duration_minutes,
        services=list(services),
        referrals_made=referrals_made,
        narrative=narrative,
    )
    contact._history_user = author
    if at is not None:
        contact.created_at = contact._history_date = at
    contact.save()
    if contact.successful:
        _touch_last_contact(participant, contact.contacted_at)
    if follow_up is not None:
        task_add(
            site=participant.site,
            participant=participant,
            title=follow_up.title,
            due_on=follow_up.due_on,
            assignee=author,
            by=author,
            at=at,
        )
    return contact


@transaction.atomic
def contact_edit(
    *,
    contact: Contact,
    by: User,
    contacted_at: datetime,
    contact_type: str,
    location: str,
    successful: bool,
    duration_minutes: int,
    services: Sequence[str],
    referrals_made: str,
    narrative: str,
) -> Contact:
    """Only the author, only within 24 hours; afterwards corrections are addenda."""
    contact = Contact.objects.select_for_update().get(pk=contact.pk, site=contact.site)
    if not contact.editable_by(by):
        raise PermissionDenied(_("This note is locked: add an addendum instead."))
    _validate_when(contact.participant, contacted_at)
    contact.contacted_at = contacted_at
    contact.contact_type = contact_type
    contact.location = location
    contact.successful = successful
    contact.duration_minutes = duration_minutes
    contact.services = list(services)
    contact.referrals_made = referrals_made
    contact.narrative = narrative
    contact._history_user = by
    contact.save()
    # An edit can move the date back or turn "reached" into "attempted": recount, so a
    # corrected note never leaves the participant looking active on a contact that did not happen.
    _recount_last_contact(contact.participant)
    return contact


@transaction.atomic
def addendum_add(*, contact: Contact, by: User, text: str, at: datetime | None = None) -> Addendum:
    addendum = Addendum(site=contact.site, contact=contact, author=by, text=text.strip())
    addendum._history_user = by
    if at is not None:
        addendum.written_at = addendum._history_date = at
    addendum.save()
    return addendum


def _check_assignee(site, user: User) -> None:
    if not is_case_worker(site=site, user=user):
        raise ValidationError(_("Assign the task to a case manager of this site."))


@transaction.atomic
def task_add(
    *,
    site,
    title: str,
    due_on: date,
    assignee: User,
    by: User,
    participant: Participant | None = None,
    at: datetime | None = None,
) -> Task:
    _check_assignee(site, assignee)
    if participant is not None and participant.site_id != site.pk:
        raise PermissionDenied
    task = Task(
        site=site,
        participant=participant,
        title=title.strip(),
        due_on=due_on,
        assignee=assignee,
        created_by=by,
    )
    task._history_user = by
    if at is not None:
        task.created_at = task._history_date = at
    task.save()
    return task


@transaction.atomic
def task_set_done(*, task: Task, done: bool, by: User, at: datetime | None = None) -> Task:
    """Mark done or open again. Repeating it (a double click) keeps the first done time."""
    task = Task.objects.select_for_update().get(pk=task.pk, site=task.site)
    if (task.done_at is not None) == done:
        return task
    task.done_at = (at or timezone.now()) if done else None
    task._history_user = by
    if at is not None:
        task._history_date = at
    task.save()
    return task
