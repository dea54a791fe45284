"""Writes for referrals. Every status change goes through ``referral_transition``.

Services that stamp a time take ``at`` (keyword, default now): the moment the change happened,
used for its own date field and its history row, for records written after the fact (the demo).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lead.models import User
from lead.outbox import outbox_enqueue
from referrals.models import (
    OUTCOME_STATUSES,
    TRANSITIONS,
    Decision,
    DuplicateReview,
    EligibilityItem,
    LocateAttempt,
    ProsecutorOutcome,
    Referral,
    Status,
)
from sites.models import Site
from sites.roles import Pathway
from sites.selectors import is_case_worker, notice_memberships


def referral_number_next(*, site: Site, year: int) -> str:
    """The next readable number of ``site`` for ``year``, e.g. ``TAO-2026-0042``.

    One SQL statement bumps the counter, so concurrent submissions never share a number.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO referrals_referralcounter (site_id, year, last) VALUES (%s, %s, 1)
            ON CONFLICT (site_id, year)
            DO UPDATE SET last = referrals_referralcounter.last + 1
            RETURNING last
            """,
            [site.pk, year],
        )
        (last,) = cursor.fetchone()
    prefix = site.referral_prefix or site.slug[:3].upper()
    return f"{prefix}-{year}-{last:04d}"


def intake_due_date_for(*, site: Site, diversion_date: date) -> date:
    return diversion_date + timedelta(days=site.intake_deadline_days)


class SubmissionMismatch(ValidationError):
    """A submission key came back with different details: not a resend, a different referral
    (or a form reused by mistake). Refused rather than silently answered with the first."""


def submission_hash(*, pathway: str, data: dict[str, Any]) -> str:
    """A stable digest of what was submitted (the same details always give the same digest)."""
    canonical = json.dumps({"pathway": pathway, **data}, sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _same_submission(existing: Referral, *, pathway: str, data: dict[str, Any]) -> Referral:
    # Referrals saved before the digest existed have none: their resends are taken as before.
    digest = submission_hash(pathway=pathway, data=data)
    if existing.submission_hash and existing.submission_hash != digest:
        raise SubmissionMismatch(
            _(
                "This form was already sent with different details, so nothing new was saved. "
                "Open a new referral form and enter the referral again."
            )
        )
    return existing


def _existing_submission(*, site: Site, by: User | None, key: uuid.UUID) -> Referral | None:
    if by is not None:
        return Referral.objects.filter(site=site, submitted_by=by, idempotency_key=key).first()
    return Referral.objects.filter(
        site=site, submitted_by__isnull=True, idempotency_key=key
    ).first()


def referral_submit(
    *,
    site: Site,
    pathway: str,
    data: dict[str, Any],
    by: User | None,
    idempotency_key: uuid.UUID | None = None,
    at: datetime | None = None,
) -> tuple[Referral, bool]:
    """Record a referral; returns ``(referral, created)``.

    A repeated submission with the same key (a phone resending after a dropped connection)
    returns the referral already made, however many arrive at once.
    """
    if not site.pathway_enabled(pathway):
        raise ValidationError(_("This site does not take referrals by this pathway."))
    if idempotency_key is not None:
        existing = _existing_submission(site=site, by=by, key=idempotency_key)
        if existing is not None:
            return _same_submission(existing, pathway=pathway, data=data), False
    try:
        with transaction.atomic():
            referral = _referral_create(
                site=site, pathway=pathway, data=data, by=by, idempotency_key=idempotency_key, at=at
            )
    except IntegrityError:
        # Another request with the same key won the race: answer with its referral.
        if idempotency_key is None:
            raise
        existing = _existing_submission(site=site, by=by, key=idempotency_key)
        if existing is None:
            # The key is taken by this user's submission at another site (a copied form).
            raise ValidationError(
                _("This form was already used. Open a new referral form and submit again.")
            ) from None
        return _same_submission(existing, pathway=pathway, data=data), False
    return referral, True


def _referral_create(
    *,
    site: Site,
    pathway: str,
    data: dict[str, Any],
    by: User | None,
    idempotency_key: uuid.UUID | None,
    at: datetime | None = None,
) -> Referral:
    now = at or timezone.now()
    referral = Referral(
        site=site,
        pathway=pathway,
        submitted_by=by,
        submitted_at=now,
        idempotency_key=idempotency_key,
        submission_hash=submission_hash(pathway=pathway, data=data),
        **data,
    )
    if pathway == Pathway.ARREST_DIVERSION and referral.diversion_date:
        referral.intake_due_date = intake_due_date_for(
            site=site, diversion_date=referral.diversion_date
        )
    referral.number = referral_number_next(site=site, year=timezone.localdate(now).year)
    referral._history_user = by
    if at is not None:
        referral._history_date = at
    referral.save()
    outbox_enqueue(
        task_name="referrals.tasks.notify_new_referral",
        kwargs={"referral_id": referral.pk},
        key=f"referral-new:{referral.uuid}",
    )
    return referral


@transaction.atomic
def referral_transition(
    *, referral: Referral, to: str, by: User, note: str = "", at: datetime | None = None
) -> Referral:
    """Move a referral to status ``to`` if the workflow allows it; refuse otherwise."""
    referral = Referral.objects.select_for_update().get(pk=referral.pk, site=referral.site)
    if to not in TRANSITIONS[referral.status]:
        raise ValidationError(
            _("A referral that is %(current)s cannot become %(target)s.")
            % {
                "current": Status(referral.status).label.lower(),
                "target": Status(to).label.lower(),
            }
        )
    referral.status = to
    if to in OUTCOME_STATUSES or to == Status.ENROLLED:
        referral.closed_at = at or timezone.now()
        if note:
            referral.outcome_note = note
    else:
        referral.closed_at = None
    referral._history_user = by
    if at is not None:
        referral._history_date = at
    referral.save()
    return referral


def _active_items(site: Site) -> list[EligibilityItem]:
    return list(EligibilityItem.objects.filter(site=site, retired_at__isnull=True))


@transaction.atomic
def referral_screen(
    *, referral: Referral, answers: dict[str, str], by: User, at: datetime | None = None
) -> Referral:
    """Save the screening checklist answers (``yes``, ``no`` or ``unknown`` per item)."""
    if not referral.is_open:
        raise ValidationError(_("This referral is closed; its screening can no longer change."))
    valid = {str(item.uuid): item.text for item in _active_items(referral.site)}
    cleaned: dict[str, dict[str, str]] = dict(referral.screening_answers)
    for key, answer in answers.items():
        if key not in valid or answer not in {"yes", "no", "unknown"}:
            raise ValidationError(_("The checklist changed; reload the page and answer again."))
        cleaned[key] = {"question": valid[key], "answer": answer}
    if referral.status == Status.NEW:
        referral = referral_transition(referral=referral, to=Status.SCREENING, by=by, at=at)
    referral.screening_answers = cleaned
    referral._history_user = by
    if at is not None:
        referral._history_date = at
    referral.save()
    return referral


@transaction.atomic
def referral_decide(
    *, referral: Referral, decision: str, reason: str, by: User, at: datetime | None = None
) -> Referral:
    """Eligible: go and find the person. Ineligible: close, with the reason."""
    if decision == Decision.INELIGIBLE and not reason.strip():
        raise ValidationError(_("Give the reason this person is not eligible."))
    if referral.status == Status.NEW:
        referral = referral_transition(referral=referral, to=Status.SCREENING, by=by, at=at)
    if referral.status != Status.SCREENING:
        raise ValidationError(_("Only a referral in screening can be decided."))
    referral.decision = decision
    referral.decision_reason = reason.strip()
    referral.decided_by = by
    referral.decided_at = at or timezone.now()
    referral._history_user = by
    if at is not None:
        referral._history_date = at
    referral.save()
    target = Status.LOCATING if decision == Decision.ELIGIBLE else Status.INELIGIBLE
    return referral_transition(referral=referral, to=target, by=by, note=reason, at=at)


@transaction.atomic
def referral_assign(
    *, referral: Referral, assignee: User | None, by: User, at: datetime | None = None
) -> Referral:
    if assignee is not None and not is_case_worker(site=referral.site, user=assignee):
        raise ValidationError(_("Assign to a case manager of this site."))
    referral.assignee = assignee
    referral._history_user = by
    if at is not None:
        referral._history_date = at
    referral.save()
    return referral


@transaction.atomic
def locate_attempt_record(
    *,
    referral: Referral,
    by: User,
    attempted_at: datetime,
    method: str,
    result: str,
    place: str = "",
    note: str = "",
    at: datetime | None = None,
) -> LocateAttempt:
    """Log one try at finding the person; finding them marks the referral contacted."""
    if not referral.is_open:
        raise ValidationError(_("This referral is closed; reopen it before logging attempts."))
    if attempted_at > timezone.now() + timedelta(minutes=5):
        raise ValidationError(_("An attempt cannot be in the future."))
    if attempted_at < referral.submitted_at - timedelta(days=1):
        raise ValidationError(_("An attempt cannot be before the referral was made."))
    if method not in LocateAttempt.Method.values or result not in LocateAttempt.Result.values:
        raise ValidationError(_("Choose how the attempt was made and what came of it."))
    attempt = LocateAttempt(
        site=referral.site,
        referral=referral,
        recorded_by=by,
        attempted_at=attempted_at,
        method=method,
        result=result,
        place=place,
        note=note,
    )
    attempt._history_user = by
    if at is not None:
        attempt.recorded_at = attempt._history_date = at
    attempt.save()
    # Looking for someone is locating, whether or not screening is finished.
    if referral.status == Status.NEW:
        referral = referral_transition(referral=referral, to=Status.SCREENING, by=by, at=at)
    if referral.status == Status.SCREENING:
        referral = referral_transition(referral=referral, to=Status.LOCATING, by=by, at=at)
    if result == LocateAttempt.Result.FOUND and referral.status == Status.LOCATING:
        referral_transition(referral=referral, to=Status.CONTACTED, by=by, at=at)
    return attempt


def referral_resume(*, referral: Referral, by: User) -> Referral:
    """Someone who could not be found turns up: back to locating.

    Only from "unable to locate": the general workflow also allows screening → locating and
    contacted → locating, which this button must not offer (it would skip the decision).
    """
    if referral.status != Status.UNABLE_TO_LOCATE:
        raise ValidationError(_("Only a referral closed as unable to locate can be resumed."))
    return referral_transition(referral=referral, to=Status.LOCATING, by=by)


def referral_close(
    *, referral: Referral, outcome: str, note: str, by: User, at: datetime | None = None
) -> Referral:
    if outcome not in OUTCOME_STATUSES:
        raise ValidationError(_("Choose one of the listed outcomes."))
    return referral_transition(referral=referral, to=outcome, by=by, note=note, at=at)


@transaction.atomic
def prosecutor_outcome_record(
    *, referral: Referral, outcome: str, by: User, at: datetime | None = None
) -> Referral:
    """Record what the prosecutor is told about an arrest diversion, with who and when."""
    referral = Referral.objects.select_for_update().get(pk=referral.pk, site=referral.site)
    if referral.pathway != Pathway.ARREST_DIVERSION:
        raise ValidationError(_("Only arrest diversions have a prosecutor outcome."))
    if referral.prosecutor_outcome:
        raise ValidationError(_("The prosecutor outcome is already recorded."))
    today = timezone.localdate()
    if outcome == ProsecutorOutcome.DO_NOT_FILE:
        in_time = (
            referral.status == Status.ENROLLED
            and referral.closed_at is not None
            and referral.intake_due_date is not None
            and timezone.localdate(referral.closed_at) <= referral.intake_due_date
        )
        if not in_time:
            raise ValidationError(_("Intake was not completed in time for this referral."))
    elif outcome == ProsecutorOutcome.FORWARDED:
        missed = referral.intake_due_date is not None and today > referral.intake_due_date
        enrolled_in_time = referral.status == Status.ENROLLED and (
            referral.closed_at is not None
            and referral.intake_due_date is not None
            and timezone.localdate(referral.closed_at) <= referral.intake_due_date
        )
        if not missed or enrolled_in_time:
            raise ValidationError(_("The intake deadline has not been missed."))
    else:
        raise ValidationError(_("Choose one of the listed outcomes."))
    referral.prosecutor_outcome = outcome
    referral.prosecutor_outcome_by = by
    referral.prosecutor_outcome_at = at or timezone.now()
    referral._history_user = by
    if at is not None:
        referral._history_date = at
    referral.save()
    return referral


@transaction.atomic
def duplicate_review_record(
    *,
    referral: Referral,
    verdict: str,
    by: User,
    other: Referral | None = None,
    participant: Any = None,
) -> DuplicateReview:
    """Link or dismiss one suggestion: another referral or an existing participant."""
    suggestion = other if other is not None else participant
    if suggestion is None or suggestion.site_id != referral.site_id or other == referral:
        raise PermissionDenied
    review, _created = DuplicateReview.objects.update_or_create(
        site=referral.site,
        referral=referral,
        other_referral=other,
        participant=participant,
        defaults={"verdict": verdict, "reviewed_by": by, "reviewed_at": timezone.now()},
    )
    return review


# -- Site referral settings (programme managers) -------------------------------------------------


@transaction.atomic
def referral_settings_update(
    *,
    site: Site,
    pathways: list[str],
    intake_deadline_days: int,
    recipient_ids: set[int],
    by: User,
) -> Site:
    """Save a site's referral settings in one transaction: the pathways it takes, the intake
    deadline, and who hears of new referrals. A refusal saves none of it."""
    if intake_deadline_days not in Site.IntakeDeadline.values:
        raise ValidationError(_("The intake deadline must be 7, 14 or 30 days."))
    site = Site.objects.select_for_update().get(pk=site.pk)
    site.enabled_pathways = [p for p in Pathway.values if p in pathways]
    site.intake_deadline_days = intake_deadline_days
    site._history_user = by
    site.save()
    for membership in notice_memberships(site=site):
        wanted = membership.user_id in recipient_ids
        if membership.notify_new_referrals != wanted:
            membership.notify_new_referrals = wanted
            membership._history_user = by
            membership.save()
    return site


@transaction.atomic
def eligibility_item_add(*, site: Site, text: str, by: User) -> EligibilityItem:
    last = EligibilityItem.objects.filter(site=site).order_by("-position").first()
    item = EligibilityItem(
        site=site, text=text.strip(), position=(last.position + 1) if last else 0
    )
    item._history_user = by
    item.save()
    return item


@transaction.atomic
def eligibility_item_reword(*, item: EligibilityItem, text: str, by: User) -> EligibilityItem:
    item.text = text.strip()
    item._history_user = by
    item.save()
    return item


@transaction.atomic
def eligibility_item_retire(*, item: EligibilityItem, by: User) -> EligibilityItem:
    """Retired questions leave the checklist; answers already given keep their wording."""
    item.retired_at = timezone.now()
    item._history_user = by
    item.save()
    return item


@transaction.atomic
def eligibility_item_move(*, item: EligibilityItem, up: bool, by: User) -> None:
    items = list(
        EligibilityItem.objects.select_for_update().filter(site=item.site, retired_at__isnull=True)
    )
    index = next((i for i, other in enumerate(items) if other.pk == item.pk), None)
    if index is None:  # retired meanwhile
        return
    swap = index - 1 if up else index + 1
    if not 0 <= swap < len(items):
        return
    items[index], items[swap] = items[swap], items[index]
    for position, each in enumerate(items):
        if each.position != position:
            each.position = position
            each._history_user = by
            each.save()
