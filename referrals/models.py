"""Referrals: the three pathways into LEAD, screening, locating, and the diversion clock."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager
from simple_history.models import HistoricalRecords

from lead.models import HistoryAnnotations, site_scoped_manager
from sites.models import Site
from sites.roles import Pathway


class Status(models.TextChoices):
    NEW = "new", _("New")
    SCREENING = "screening", _("Screening")
    LOCATING = "locating", _("Locating")
    CONTACTED = "contacted", _("Contacted")
    ENROLLED = "enrolled", _("Enrolled")
    DECLINED = "declined", _("Declined")
    UNABLE_TO_LOCATE = "unable_to_locate", _("Unable to locate")
    INELIGIBLE = "ineligible", _("Ineligible")
    WITHDRAWN = "withdrawn", _("Withdrawn")


OPEN_STATUSES = (Status.NEW, Status.SCREENING, Status.LOCATING, Status.CONTACTED)
OUTCOME_STATUSES = (
    Status.DECLINED,
    Status.UNABLE_TO_LOCATE,
    Status.INELIGIBLE,
    Status.WITHDRAWN,
)

# The only moves a referral can make; services refuse anything else.
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.NEW: frozenset({Status.SCREENING, *OUTCOME_STATUSES}),
    Status.SCREENING: frozenset({Status.LOCATING, Status.CONTACTED, *OUTCOME_STATUSES}),
    Status.LOCATING: frozenset({Status.CONTACTED, *OUTCOME_STATUSES}),
    Status.CONTACTED: frozenset({Status.ENROLLED, Status.LOCATING, *OUTCOME_STATUSES}),
    Status.ENROLLED: frozenset(),
    Status.DECLINED: frozenset(),
    Status.UNABLE_TO_LOCATE: frozenset({Status.LOCATING}),  # found after all
    Status.INELIGIBLE: frozenset(),
    Status.WITHDRAWN: frozenset(),
}


class OfficerStatus(models.TextChoices):
    """What an officer may know of a referral they made (42 CFR Part 2 §2.12(d))."""

    RECEIVED = "received", _("Received")
    CONTACTED = "contacted", _("Contacted")
    ENROLLED = "enrolled", _("Enrolled")
    NOT_ENROLLED = "not_enrolled", _("Not enrolled")


OFFICER_STATUS = {
    Status.NEW: OfficerStatus.RECEIVED,
    Status.SCREENING: OfficerStatus.RECEIVED,
    Status.LOCATING: OfficerStatus.RECEIVED,
    Status.CONTACTED: OfficerStatus.CONTACTED,
    Status.ENROLLED: OfficerStatus.ENROLLED,
    **dict.fromkeys(OUTCOME_STATUSES, OfficerStatus.NOT_ENROLLED),
}


def officer_status_sql() -> models.Case:
    """``OFFICER_STATUS`` as a query expression: what an officer may know of a referral,
    computed in SQL so that lists, dashboards and exports count it the way the pages show it."""
    return models.Case(
        *[
            models.When(
                status__in=[s for s, shown in OFFICER_STATUS.items() if shown == officer_status],
                then=models.Value(officer_status.value),
            )
            for officer_status in OfficerStatus
        ],
        output_field=models.CharField(),
    )


class Urgency(models.TextChoices):
    ROUTINE = "routine", _("Routine: within a week")
    SOON = "soon", _("Soon: within a day or two")
    URGENT = "urgent", _("Urgent: today")


class OffenceCategory(models.TextChoices):
    DRUG_POSSESSION = "drug_possession", _("Drug possession")
    DRUG_SALE = "drug_sale", _("Low-level drug sale")
    SHOPLIFTING = "shoplifting", _("Shoplifting or theft")
    TRESPASS = "trespass", _("Trespass")
    PROSTITUTION = "prostitution", _("Prostitution")
    PUBLIC_ORDER = "public_order", _("Public order (disorderly conduct, loitering)")
    OTHER = "other", _("Other low-level offence")


class Decision(models.TextChoices):
    ELIGIBLE = "eligible", _("Eligible")
    INELIGIBLE = "ineligible", _("Ineligible")


class ProsecutorOutcome(models.TextChoices):
    DO_NOT_FILE = "do_not_file", _("Intake completed in time: do not file")
    FORWARDED = "forwarded", _("Deadline missed: forwarded")


class EligibilityItem(HistoryAnnotations, models.Model):
    """One question of a site's screening checklist. Retired items stay for old answers."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="eligibility_checklist")
    text = models.CharField(_("question"), max_length=300)
    position = models.PositiveIntegerField(default=0)
    retired_at = models.DateTimeField(null=True, blank=True)

    objects = site_scoped_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.text


class Referral(HistoryAnnotations, models.Model):
    """Somebody referred to LEAD, by one of the three pathways, until intake or an outcome."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="referrals")
    number = models.CharField(_("referral number"), max_length=30)
    pathway = models.CharField(_("pathway"), max_length=30, choices=Pathway.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.NEW
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="referrals_submitted",
    )
    submitted_at = models.DateTimeField(default=timezone.now)
    idempotency_key = models.UUIDField(null=True, blank=True)
    # SHA-256 of what was submitted with the key: a resend must carry the same details.
    submission_hash = models.CharField(max_length=64, blank=True, editable=False)

    # The person
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    name_unknown = models.BooleanField(_("name unknown"), default=False)
    aliases = ArrayField(
        models.CharField(max_length=100), default=list, blank=True, verbose_name=_("aliases")
    )
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    estimated_age = models.PositiveSmallIntegerField(_("estimated age"), null=True, blank=True)
    description = models.TextField(_("what they look like"), max_length=1000, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    where_to_find = models.TextField(_("where to find them"), max_length=1000, blank=True)
    language = models.CharField(_("preferred language"), max_length=40, blank=True)
    safety_concerns = models.TextField(_("safety concerns"), max_length=1000, blank=True)

    # Arrest diversion
    offence_category = models.CharField(
        _("offence"), max_length=30, choices=OffenceCategory.choices, blank=True
    )
    offence_description = models.TextField(_("what happened"), max_length=2000, blank=True)
    incident_number = models.CharField(_("incident number"), max_length=60, blank=True)
    agency = models.CharField(_("agency"), max_length=120, blank=True)
    diversion_date = models.DateField(_("diversion date"), null=True, blank=True)
    diversion_place = models.CharField(_("diversion place"), max_length=200, blank=True)
    intake_due_date = models.DateField(_("intake due"), null=True, blank=True)

    # Social contact
    contact_reason = models.TextField(_("reason for the referral"), max_length=2000, blank=True)

    # Community
    referrer_name = models.CharField(_("referrer's name"), max_length=120, blank=True)
    referrer_relationship = models.CharField(_("relationship"), max_length=120, blank=True)
    referrer_phone = models.CharField(_("referrer's phone"), max_length=40, blank=True)
    referrer_email = models.EmailField(_("referrer's e-mail"), blank=True)
    urgency = models.CharField(
        _("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.ROUTINE
    )

    narrative = models.TextField(_("narrative"), max_length=5000, blank=True)

    # Screening and work
    screening_answers = models.JSONField(default=dict, blank=True)
    decision = models.CharField(max_length=12, choices=Decision.choices, blank=True)
    decision_reason = models.TextField(_("reason"), max_length=2000, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="referrals_assigned",
        verbose_name=_("assigned case manager"),
    )
    outcome_note = models.TextField(_("outcome note"), max_length=2000, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    prosecutor_outcome = models.CharField(
        max_length=20, choices=ProsecutorOutcome.choices, blank=True
    )
    prosecutor_outcome_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    prosecutor_outcome_at = models.DateTimeField(null=True, blank=True)

    objects = site_scoped_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-submitted_at"]
        constraints = [
            models.UniqueConstraint(fields=["site", "number"], name="referrals_number_per_site"),
            models.UniqueConstraint(
                fields=["submitted_by", "idempotency_key"],
                name="referrals_one_per_submission_key",
                condition=models.Q(idempotency_key__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["site", "idempotency_key"],
                name="referrals_one_per_public_submission_key",
                condition=models.Q(idempotency_key__isnull=False, submitted_by__isnull=True),
            ),
        ]
        indexes = [
            models.Index(fields=["site", "status", "-submitted_at"], name="referrals_queue"),
            models.Index(fields=["site", "submitted_by", "-submitted_at"], name="referrals_mine"),
            models.Index(
                fields=["intake_due_date"],
                name="referrals_open_clock",
                condition=models.Q(
                    pathway=Pathway.ARREST_DIVERSION,
                    status__in=["new", "screening", "locating", "contacted"],
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def officer_status(self) -> str:
        return OFFICER_STATUS[self.status]

    def get_officer_status_display(self) -> str:
        return OfficerStatus(self.officer_status).label

    @property
    def display_name(self) -> str:
        if self.name_unknown or not (self.first_name or self.last_name):
            return str(_("Name unknown"))
        return f"{self.first_name} {self.last_name}".strip()

    def days_left(self, today=None) -> int | None:
        """Days until intake is due (negative once missed); None without a clock."""
        if self.intake_due_date is None:
            return None
        today = today or timezone.localdate()
        return (self.intake_due_date - today).days

    @property
    def days_late(self) -> int:
        left = self.days_left()
        return -left if left is not None and left < 0 else 0


class LocateAttempt(HistoryAnnotations, models.Model):
    """One try at finding the person: when, where, how, and what came of it."""

    class Method(models.TextChoices):
        IN_PERSON = "in_person", _("In person (outreach)")
        PHONE = "phone", _("Phone call")
        TEXT = "text", _("Text message")
        COLLATERAL = "collateral", _("Through someone else (shelter, family, provider)")
        OTHER = "other", _("Other")

    class Result(models.TextChoices):
        FOUND = "found", _("Found and spoke with them")
        MESSAGE_LEFT = "message_left", _("Left a message")
        NOT_FOUND = "not_found", _("Not found")
        LEAD = "lead", _("Got a lead on where they are")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="attempts")
    attempted_at = models.DateTimeField(_("when"))
    place = models.CharField(_("where"), max_length=200, blank=True)
    method = models.CharField(_("how"), max_length=20, choices=Method.choices)
    result = models.CharField(_("result"), max_length=20, choices=Result.choices)
    note = models.TextField(_("note"), max_length=2000, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    objects = site_scoped_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-attempted_at"]

    def __str__(self) -> str:
        return f"{self.referral} {self.attempted_at:%Y-%m-%d}"


class DuplicateReview(HistoryAnnotations, models.Model):
    """A case manager's decision on a suggested duplicate: the same person, or not. The
    suggestion is another open referral or an existing participant of the site."""

    class Verdict(models.TextChoices):
        LINKED = "linked", _("Same person: linked")
        DISMISSED = "dismissed", _("Not the same person")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="reviews")
    other_referral = models.ForeignKey(
        Referral,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="reviewed_as_duplicate",
    )
    participant = models.ForeignKey(
        "participants.Participant",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    verdict = models.CharField(max_length=10, choices=Verdict.choices)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(default=timezone.now)

    objects = site_scoped_manager()
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["referral", "other_referral"], name="referrals_one_review_per_pair"
            ),
            models.UniqueConstraint(
                fields=["referral", "participant"],
                name="referrals_one_review_per_participant",
            ),
            models.CheckConstraint(
                condition=models.Q(other_referral__isnull=False, participant__isnull=True)
                | models.Q(other_referral__isnull=True, participant__isnull=False),
                name="referrals_review_names_one_suggestion",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.referral} ~ {self.other_referral or self.participant}: {self.verdict}"


class ReferralCounter(models.Model):
    """The last number handed out per site and year, for readable numbers like TAO-2026-0042."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    objects = ScopedManager(site="site")  # bumped in SQL by referral_number_next

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["site", "year"], name="referrals_counter_per_year"),
        ]

    def __str__(self) -> str:
        return f"{self.site} {self.year}: {self.last}"
