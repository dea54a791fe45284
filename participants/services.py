"""Writes for participants: intake, profile edits, consent, plan, assignment, restriction.

Services that stamp a time take ``at`` (keyword, default now): the moment the change happened,
used for its own date field and its history row, for records written after the fact (the demo).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, remove_perm

from lead.models import User
from participants.models import (
    CaseloadOverride,
    Consent,
    Disclosure,
    Domain,
    GoalProgress,
    NeedAssessment,
    OrganisationType,
    Participant,
    ParticipantUserObjectPermission,
    PlanGoal,
)
from referrals.models import Referral, Status
from referrals.services import referral_transition
from sites.models import Site
from sites.selectors import holds_capability, is_case_worker, users_with_capability

CASELOAD_WARN_AT = 20  # the 21st participant warns
CASELOAD_LIMIT = 25  # the 26th needs a programme manager's recorded override
PROFILE_FIELDS = Participant.PROFILE_FIELDS


class CaseloadFull(ValidationError):
    """Assigning would pass the caseload limit; a programme manager may override."""


class EditConflict(Exception):
    """Someone else saved the record since this form was opened."""

    def __init__(self, changes: dict[str, tuple[Any, Any]]):
        super().__init__("edit conflict")
        self.changes = changes  # field -> (value the form started from, value saved since)


def case_number_next(*, site: Site) -> str:
    """The next case number of ``site``, e.g. ``TAO-P-00042``, bumped atomically in SQL."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO participants_casenumbercounter (site_id, last) VALUES (%s, 1)
            ON CONFLICT (site_id) DO UPDATE SET last = participants_casenumbercounter.last + 1
            RETURNING last
            """,
            [site.pk],
        )
        (last,) = cursor.fetchone()
    prefix = site.referral_prefix or site.slug[:3].upper()
    return f"{prefix}-P-{last:05d}"


def caseload_size(*, site: Site, case_manager: User) -> int:
    return Participant.objects.filter(site=site, case_manager=case_manager).count()


def _check_case_manager(site: Site, user: User | None) -> None:
    if user is not None and not is_case_worker(site=site, user=user):
        raise ValidationError(_("Assign to a case manager of this site."))


def _check_caseload(
    *, site: Site, case_manager: User | None, override_reason: str, by: User
) -> int | None:
    """Refuse a 26th participant unless a programme manager gives a reason; return the size.

    Locks the case manager's row for the caller's transaction, so two assignments or intakes
    at once cannot both take the last place."""
    if case_manager is None:
        return None
    User.objects.select_for_update().filter(pk=case_manager.pk).first()
    size = caseload_size(site=site, case_manager=case_manager)
    if size >= CASELOAD_LIMIT:
        may_override = holds_capability(site=site, user=by, capability="override_caseload")
        if not (may_override and override_reason.strip()):
            raise CaseloadFull(
                _(
                    "%(name)s already has %(size)s participants. A programme manager can assign "
                    "more with a recorded reason."
                )
                % {"name": case_manager.display_name, "size": size}
            )
    return size


@dataclass
class IntakeResult:
    participant: Participant
    caseload_warning: bool


@transaction.atomic
def intake_complete(
    *,
    site: Site,
    profile: dict[str, Any],
    needs: dict[str, tuple[str, str]],
    case_manager: User | None,
    by: User,
    referral: Referral | None = None,
    override_reason: str = "",
    at: datetime | None = None,
) -> IntakeResult:
    """Enrol a person: a participant with their intake assessment. From a referral, this
    completes it (status enrolled) and so stops the diversion clock."""
    for domain, (level, _notes) in needs.items():
        if domain not in Domain.values or level not in NeedAssessment.Level.values:
            raise ValidationError(_("Unknown domain or level of need."))
    _check_case_manager(site, case_manager)
    size = _check_caseload(
        site=site, case_manager=case_manager, override_reason=override_reason, by=by
    )
    if referral is not None:
        referral = Referral.objects.select_for_update().get(pk=referral.pk, site=site)
        if referral.status == Status.ENROLLED:
            raise ValidationError(_("This referral has already been enrolled."))
        if not referral.is_open:
            raise ValidationError(_("This referral is closed; reopen it before intake."))
    participant = Participant(
        site=site,
        case_number=case_number_next(site=site),
        referral=referral,
        case_manager=case_manager,
        created_by=by,
        enrolled_at=at or timezone.now(),
        **{field: value for field, value in profile.items() if field in PROFILE_FIELDS},
    )
    participant._history_user = by
    if at is not None:
        participant._history_date = at
    participant.save()
    for domain, (level, notes) in needs.items():
        need = NeedAssessment(
            site=site,
            participant=participant,
            domain=domain,
            level=level,
            notes=notes,
            assessed_by=by,
            assessed_at=participant.enrolled_at,
        )
        need._history_user = by
        if at is not None:
            need._history_date = at
        need.save()
    if size is not None and size >= CASELOAD_LIMIT:
        _record_override(participant=participant, size=size, reason=override_reason, by=by, at=at)
    if referral is not None:
        # Enrolment walks the referral through to the end of its workflow.
        for step in (Status.SCREENING, Status.LOCATING, Status.CONTACTED, Status.ENROLLED):
            if step in _path_from(referral.status):
                referral = referral_transition(referral=referral, to=step, by=by, at=at)
    return IntakeResult(participant, caseload_warning=size is not None and size >= CASELOAD_WARN_AT)


def _path_from(status: str) -> list[str]:
    order: list[str] = [
        Status.NEW,
        Status.SCREENING,
        Status.LOCATING,
        Status.CONTACTED,
        Status.ENROLLED,
    ]
    return order[order.index(status) + 1 :] if status in order else []


def _record_override(
    *, participant: Participant, size: int, reason: str, by: User, at: datetime | None = None
) -> None:
    override = CaseloadOverride(
        site=participant.site,
        participant=participant,
        case_manager=participant.case_manager,
        caseload_size=size,
        reason=reason.strip(),
        approved_by=by,
        approved_at=at or timezone.now(),
    )
    override._history_user = by
    if at is not None:
        override._history_date = at
    override.save()


@transaction.atomic
def participant_update(
    *, participant: Participant, changes: dict[str, Any], version: int, by: User
) -> Participant:
    """Save profile changes made on a form opened at ``version``.

    If someone saved in between, nothing is overwritten: ``EditConflict`` lists, for each field
    this form changed, what it started from and what is saved now.
    """
    current = Participant.objects.select_for_update().get(pk=participant.pk, site=participant.site)
    if current.version != version:
        started = (
            participant.history.filter(version=version).first()
            if version < current.version
            else None
        )
        if started is None:
            # No such version was ever saved: a tampered or broken form, not a conflict.
            raise ValidationError(
                _("This form is out of date or damaged. Reload the page and enter your changes.")
            )
        conflicts = {}
        for field in PROFILE_FIELDS:
            before = getattr(started, field)
            now = getattr(current, field)
            if field in changes and before != now:
                conflicts[field] = (before, now)
        # Saved since, but none of these fields (an assignment, a restriction): nothing of
        # anyone's would be overwritten, so the edit goes through.
        if conflicts:
            raise EditConflict(conflicts)
    for field, value in changes.items():
        if field in PROFILE_FIELDS:
            setattr(current, field, value)
    current.version += 1
    current._history_user = by
    current.save()
    return current


@transaction.atomic
def participant_assign(
    *, participant: Participant, case_manager: User | None, by: User, override_reason: str = ""
) -> bool:
    """Assign or transfer a participant; returns True when the caseload is past the warning."""
    _check_case_manager(participant.site, case_manager)
    participant = Participant.objects.select_for_update().get(
        pk=participant.pk, site=participant.site
    )
    if case_manager is not None and participant.case_manager_id == case_manager.pk:
        return False
    size = _check_caseload(
        site=participant.site, case_manager=case_manager, override_reason=override_reason, by=by
    )
    participant.case_manager = case_manager
    participant.version += 1
    participant._history_user = by
    participant.save()
    if size is not None and size >= CASELOAD_LIMIT:
        _record_override(participant=participant, size=size, reason=override_reason, by=by)
    return size is not None and size >= CASELOAD_WARN_AT


@transaction.atomic
def participant_restrict(
    *, participant: Participant, allowed: list[User], by: User, at: datetime | None = None
) -> Participant:
    """Restrict a record to named users (guardian row grants); an empty list lifts it."""
    for user in allowed:
        _check_case_manager(participant.site, user)
    # Lock and save the row as it is now, not the caller's copy (which may predate an edit).
    current = Participant.objects.select_for_update().get(pk=participant.pk, site=participant.site)
    granted = set(current.participantuserobjectpermission_set.values_list("user_id", flat=True))
    wanted = {user.pk for user in allowed}
    for user in allowed:
        if user.pk not in granted:
            assign_perm("participants.open_restricted", user, current)
    for user in User.objects.filter(pk__in=granted - wanted):
        remove_perm("participants.open_restricted", user, current)
    current.is_restricted = bool(allowed)
    current.version += 1
    current._history_user = by
    if at is not None:
        current._history_date = at
    current.save()
    return current


@transaction.atomic
def restricted_grants_withdraw(*, site: Site, user: User, by: User | None) -> int:
    """Take away ``user``'s row grants on the restricted records of ``site`` (their membership
    ended, or no longer works cases). A record left naming nobody passes to the site's
    programme managers, in its history, so that no record becomes one nobody can open.
    Returns how many records named the user."""
    grants = ParticipantUserObjectPermission.objects.filter(user=user, content_object__site=site)
    records = list(
        Participant.objects.select_for_update().filter(
            site=site, pk__in=grants.values("content_object_id")
        )
    )
    grants.delete()
    managers = list(users_with_capability(site=site, capability="manage_site").exclude(pk=user.pk))
    for record in records:
        if not record.is_restricted or record.participantuserobjectpermission_set.exists():
            continue
        for manager in managers:
            assign_perm("participants.open_restricted", manager, record)
        record.version += 1
        record._history_user = by
        record._change_reason = "restricted record passed to the programme managers"
        record.save()
    return len(records)


@transaction.atomic
def consent_record(
    *,
    participant: Participant,
    by: User,
    discloser: str = "",
    recipient: str = "",
    information: str = "",
    purpose: str = "",
    signed_on: date | None = None,
    signature_method: str = "",
    expires_on: date | None = None,
    expiry_event: str = "",
    revocation_explained: bool = False,
    at: datetime | None = None,
) -> Consent:
    """Record a release of information; refuses one missing a §2.31 element (every element
    is a parameter, so that a missing one is a clear refusal, not a type error)."""
    # Blank text is a missing element, not a present one.
    fields: dict[str, Any] = {
        "discloser": discloser.strip(),
        "recipient": recipient.strip(),
        "information": information.strip(),
        "purpose": purpose.strip(),
        "signed_on": signed_on,
        "signature_method": signature_method.strip(),
        "expires_on": expires_on,
        "expiry_event": expiry_event.strip(),
        "revocation_explained": revocation_explained,
    }
    missing = [
        label
        for name, label in [
            ("discloser", _("who may disclose")),
            ("recipient", _("to whom")),
            ("information", _("what information")),
            ("purpose", _("the purpose")),
            ("signed_on", _("the signature date")),
            ("signature_method", _("the signature")),
        ]
        if not fields.get(name)
    ]
    if not fields.get("expires_on") and not fields.get("expiry_event"):
        missing.append(_("an expiry date or event"))
    if not fields.get("revocation_explained"):
        missing.append(_("that the right to revoke was explained"))
    if missing:
        raise ValidationError(
            _("A consent needs %(missing)s.") % {"missing": ", ".join(str(m) for m in missing)}
        )
    if fields["signature_method"] not in Consent.SignatureMethod.values:
        raise ValidationError(_("Choose how the consent was signed."))
    if fields["signed_on"] > timezone.localdate():
        raise ValidationError(_("The signature date is in the future."))
    if expires_on and expires_on < fields["signed_on"]:
        raise ValidationError(_("The consent cannot expire before it was signed."))
    consent = Consent(site=participant.site, participant=participant, recorded_by=by, **fields)
    consent._history_user = by
    if at is not None:
        consent.recorded_at = consent._history_date = at
    consent.save()
    return consent


@transaction.atomic
def consent_revoke(
    *, consent: Consent, by: User, note: str = "", at: datetime | None = None
) -> Consent:
    """Revocation applies to future disclosures to that recipient."""
    consent = Consent.objects.select_for_update().get(pk=consent.pk, site=consent.site)
    if consent.revoked_at is not None:
        raise ValidationError(_("This consent is already revoked."))
    consent.revoked_at = at or timezone.now()
    consent.revoked_by = by
    consent.revocation_note = note
    consent._history_user = by
    if at is not None:
        consent._history_date = at
    consent.save()
    return consent


def _check_goal_status(status: str) -> None:
    if status not in PlanGoal.Status.values:
        raise ValidationError(_("Choose one of the listed statuses."))


@transaction.atomic
def goal_add(
    *,
    participant: Participant,
    by: User,
    domain: str,
    goal: str,
    status: str = PlanGoal.Status.NOT_STARTED,
    target_date: date | None = None,
    at: datetime | None = None,
) -> PlanGoal:
    """Add a goal the participant has set to their Individual Intervention Plan."""
    if domain not in Domain.values:
        raise ValidationError(_("Choose one of the listed domains."))
    if not goal.strip():
        raise ValidationError(_("Write the goal in the participant's words."))
    _check_goal_status(status)
    plan_goal = PlanGoal(
        site=participant.site,
        participant=participant,
        created_by=by,
        domain=domain,
        goal=goal.strip(),
        status=status,
        target_date=target_date,
    )
    plan_goal._history_user = by
    if at is not None:
        plan_goal.created_at = plan_goal._history_date = at
    plan_goal.save()
    return plan_goal


@transaction.atomic
def goal_update(
    *,
    goal: PlanGoal,
    by: User,
    status: str,
    target_date,
    note: str = "",
    at: datetime | None = None,
) -> PlanGoal:
    """Change a goal's status or target date; a note adds a progress entry."""
    _check_goal_status(status)
    goal.status = status
    goal.target_date = target_date
    goal._history_user = by
    if at is not None:
        goal._history_date = at
    goal.save()
    if note.strip():
        progress = GoalProgress(site=goal.site, goal=goal, note=note.strip(), written_by=by)
        progress._history_user = by
        if at is not None:
            progress.written_at = progress._history_date = at
        progress.save()
    return goal


# -- The disclosures ledger (42 CFR Part 2 §2.24) ------------------------------------------------


@transaction.atomic
def disclosure_record(
    *,
    participant: Participant,
    by: User | None,
    recipient_type: str,
    recipient_name: str,
    information: str,
    purpose: str,
    legal_basis: str,
    channel: str,
    consent: Consent | None = None,
    reference_uuid: uuid.UUID | None = None,
    at: datetime | None = None,
) -> Disclosure:
    """Write one row of the participant's accounting of disclosures. A disclosure under
    consent must name a consent of this participant that is in force on that day."""
    at = at or timezone.now()
    if recipient_type not in OrganisationType.values:
        raise ValidationError(_("Choose the kind of organisation that receives the information."))
    if legal_basis not in Disclosure.LegalBasis.values or channel not in Disclosure.Channel.values:
        raise ValidationError(_("Unknown legal basis or channel of disclosure."))
    if legal_basis == Disclosure.LegalBasis.CONSENT:
        if consent is None or consent.participant_id != participant.pk:
            raise ValidationError(_("A disclosure under consent must name the consent."))
        # As saved now: it may have been revoked since the caller read it.
        consent = Consent.objects.get(pk=consent.pk, site=participant.site)
        if not consent.in_force(timezone.localdate(at)):
            raise ValidationError(
                _("The consent to %(recipient)s is not in force.")
                % {"recipient": consent.recipient}
            )
    return Disclosure.objects.create(
        site=participant.site,
        participant=participant,
        disclosed_at=at,
        disclosed_by=by,
        recipient_type=recipient_type,
        recipient_name=recipient_name.strip()[:200],
        information=information.strip()[:500],
        purpose=purpose.strip()[:500],
        legal_basis=legal_basis,
        consent=consent,
        channel=channel,
        reference_uuid=reference_uuid,
    )


def disclosures_record_bulk(
    *,
    site: Site,
    participant_ids: list[int],
    by: User | None,
    recipient_type: str,
    recipient_name: str,
    information: str,
    purpose: str,
    legal_basis: str,
    channel: str,
    reference_uuid: uuid.UUID,
    at: datetime | None = None,
) -> int:
    """One ledger row per participant in one statement (an evaluation export names thousands
    of people): not under consent (research §2.52 or audit/evaluation §2.53). Runs in the
    caller's transaction, so a failed export leaves no row. Returns how many rows."""
    if legal_basis == Disclosure.LegalBasis.CONSENT:
        raise ValidationError(_("A disclosure under consent is recorded one by one."))
    if recipient_type not in OrganisationType.values or channel not in Disclosure.Channel.values:
        raise ValidationError(_("Unknown recipient or channel of disclosure."))
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO participants_disclosure
                (uuid, site_id, participant_id, disclosed_at, disclosed_by_id, recipient_type,
                 recipient_name, information, purpose, legal_basis, consent_id, channel,
                 reference_uuid)
            SELECT gen_random_uuid(), site_id, id, %s, %s, %s, %s, %s, %s, %s, NULL, %s, %s
            FROM participants_participant
            WHERE site_id = %s AND id = ANY(%s)
            """,
            [
                at or timezone.now(),
                by.pk if by is not None else None,
                recipient_type,
                recipient_name.strip()[:200],
                information.strip()[:500],
                purpose.strip()[:500],
                legal_basis,
                channel,
                reference_uuid,
                site.pk,
                list(participant_ids),
            ],
        )
        return cursor.rowcount
