"""Participants: people enrolled in LEAD, their consents, needs and Individual Intervention Plan."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import (
    Exists,
    ExpressionWrapper,
    F,
    Func,
    OuterRef,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager
from guardian.models import UserObjectPermissionBase
from simple_history.models import HistoricalRecords

from lead.models import (
    AppendOnlyModel,
    AppendOnlyQuerySet,
    HistoryAnnotations,
    TrackedQuerySet,
    site_scoped_manager,
)
from sites.models import Site


class Domain(models.TextChoices):
    """Life domains, shared by the intake assessment and the plan."""

    HOUSING = "housing", _("Housing")
    SUBSTANCE_USE = "substance_use", _("Substance use")
    MENTAL_HEALTH = "mental_health", _("Mental health")
    PHYSICAL_HEALTH = "physical_health", _("Physical health")
    INCOME = "income", _("Income and benefits")
    ID_DOCUMENTS = "id_documents", _("ID documents")
    LEGAL = "legal", _("Legal")
    EDUCATION_EMPLOYMENT = "education_employment", _("Education and employment")
    FAMILY = "family", _("Family")


class RaceEthnicity(models.TextChoices):
    """The federal (OMB SPD 15, 2024) combined race and ethnicity categories; any number apply."""

    AMERICAN_INDIAN = "american_indian", _("American Indian or Alaska Native")
    ASIAN = "asian", _("Asian")
    BLACK = "black", _("Black or African American")
    HISPANIC = "hispanic", _("Hispanic or Latino")
    MIDDLE_EASTERN = "middle_eastern", _("Middle Eastern or North African")
    PACIFIC_ISLANDER = "pacific_islander", _("Native Hawaiian or Pacific Islander")
    WHITE = "white", _("White")
    DECLINED = "declined", _("Prefers not to say")


class GenderIdentity(models.TextChoices):
    WOMAN = "woman", _("Woman")
    MAN = "man", _("Man")
    TRANS_WOMAN = "trans_woman", _("Transgender woman")
    TRANS_MAN = "trans_man", _("Transgender man")
    NON_BINARY = "non_binary", _("Non-binary")
    ANOTHER = "another", _("Another identity")
    DECLINED = "declined", _("Prefers not to say")


class HousingStatus(models.TextChoices):
    UNSHELTERED = "unsheltered", _("Unsheltered (street, car, camp)")
    SHELTER = "shelter", _("Emergency shelter")
    TRANSITIONAL = "transitional", _("Transitional housing")
    DOUBLED_UP = "doubled_up", _("Staying with others")
    INSTITUTION = "institution", _("Jail, hospital or treatment")
    HOUSED = "housed", _("Housed (rent or own)")
    UNKNOWN = "unknown", _("Unknown")


class YesNoUnknown(models.TextChoices):
    YES = "yes", _("Yes")
    NO = "no", _("No")
    UNKNOWN = "unknown", _("Unknown")


class HealthCoverage(models.TextChoices):
    MEDICAID = "medicaid", _("Medicaid (Turquoise Care)")
    MEDICARE = "medicare", _("Medicare")
    PRIVATE = "private", _("Private insurance")
    IHS = "ihs", _("Indian Health Service or tribal")
    VA = "va", _("VA")
    NONE = "none", _("None")
    UNKNOWN = "unknown", _("Unknown")


class OrganisationType(models.TextChoices):
    """Kinds of organisation a participant's information may go to (consent recipients, the
    organisations at an Operational Work Group meeting, the disclosures ledger)."""

    POLICE_DEPARTMENT = "police_department", _("Police department")
    SHERIFF = "sheriff", _("Sheriff's office")
    DISTRICT_ATTORNEY = "district_attorney", _("District attorney")
    PUBLIC_DEFENDER = "public_defender", _("Public defender")
    TREATMENT_PROVIDER = "treatment_provider", _("Treatment provider")
    HOUSING_PROVIDER = "housing_provider", _("Housing provider")
    LEAD_CASE_MANAGEMENT = "lead_case_management", _("LEAD case management")
    RESEARCH_EVALUATION = "research_evaluation", _("Research or evaluation team")
    OTHER = "other", _("Other organisation")


def end_of_day(day: date) -> datetime:
    """The first instant after ``day`` in the site's time zone (``TIME_ZONE``)."""
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


class ParticipantQuerySet(TrackedQuerySet):
    """The participant's business states in SQL, so that pages, dashboards and exports count
    with one definition."""

    def with_last_seen(self, *, at: datetime | None = None) -> ParticipantQuerySet:
        """Annotate ``last_seen``: the later of the enrolment and the last successful contact
        up to ``at`` (default: now, read from the kept ``last_contact_at``)."""
        if at is None:
            last_contact = Coalesce(F("last_contact_at"), F("enrolled_at"))
        else:
            # The contacts model is reached through the reverse relation, not imported
            # (case notes build on participants). The outer query carries the site scope.
            contacts = self.model._meta.get_field("contacts").related_model._base_manager
            last = (
                contacts.filter(participant=OuterRef("pk"), successful=True, contacted_at__lt=at)
                .order_by("-contacted_at")
                .values("contacted_at")[:1]
            )
            last_contact = Coalesce(Subquery(last), F("enrolled_at"))
        return self.annotate(last_seen=Greatest(F("enrolled_at"), last_contact))

    def _as_of(self, on: date | None, at: datetime | None) -> tuple[datetime | None, datetime]:
        if on is not None:
            instant = end_of_day(on)
            return (None if instant > timezone.now() else instant), instant
        return at, at or timezone.now()

    def active(self, *, on: date | None = None, at: datetime | None = None) -> ParticipantQuerySet:
        """Participants active at the end of day ``on`` (the site's time zone), or at instant
        ``at``, or now: enrolled by then, and seen (enrolled, or a successful contact) within
        the site's inactivity threshold before then. Nobody fails out: the same person can be
        inactive one month and active again the next."""
        history_at, instant = self._as_of(on, at)
        threshold = Func(
            F("site__inactivity_threshold_days"),
            template="make_interval(days => %(expressions)s)",
            output_field=models.DurationField(),
        )
        since = ExpressionWrapper(Value(instant) - threshold, output_field=models.DateTimeField())
        return (
            self.with_last_seen(at=history_at)
            .filter(enrolled_at__lt=instant)
            .filter(last_seen__gte=since)
        )

    def inactive(
        self, *, on: date | None = None, at: datetime | None = None
    ) -> ParticipantQuerySet:
        """Enrolled by then, but not active (see ``active``)."""
        _history_at, instant = self._as_of(on, at)
        active = self.model.objects.filter(pk=OuterRef("pk")).active(on=on, at=at)
        return self.filter(enrolled_at__lt=instant).exclude(Exists(active))


class Participant(HistoryAnnotations, models.Model):
    """Someone enrolled in LEAD at one site. Never "fails out": active or inactive only."""

    # The profile, in the order people read and enter it: the intake and profile forms, the
    # profile edit service and its conflict check all use this one list.
    PROFILE_FIELDS = (
        "legal_first_name",
        "legal_last_name",
        "preferred_name",
        "aliases",
        "date_of_birth",
        "gender_identity",
        "race_ethnicity",
        "primary_language",
        "phone",
        "email",
        "where_to_find",
        "housing_status",
        "veteran",
        "health_coverage",
    )

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="participants")
    case_number = models.CharField(_("case number"), max_length=30)
    referral = models.OneToOneField(
        "referrals.Referral",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="participant",
    )
    legal_first_name = models.CharField(_("legal first name"), max_length=100)
    legal_last_name = models.CharField(_("legal last name"), max_length=100)
    preferred_name = models.CharField(_("preferred name"), max_length=100, blank=True)
    aliases = ArrayField(
        models.CharField(max_length=100), default=list, blank=True, verbose_name=_("aliases")
    )
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    gender_identity = models.CharField(
        _("gender identity"), max_length=20, choices=GenderIdentity.choices, blank=True
    )
    race_ethnicity = ArrayField(
        models.CharField(max_length=20, choices=RaceEthnicity.choices),
        default=list,
        blank=True,
        verbose_name=_("race and ethnicity"),
    )
    primary_language = models.CharField(_("primary language"), max_length=40, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    where_to_find = models.TextField(_("where to find them"), max_length=1000, blank=True)
    housing_status = models.CharField(
        _("housing"), max_length=20, choices=HousingStatus.choices, default=HousingStatus.UNKNOWN
    )
    veteran = models.CharField(
        _("veteran"), max_length=10, choices=YesNoUnknown.choices, default=YesNoUnknown.UNKNOWN
    )
    health_coverage = models.CharField(
        _("health coverage"),
        max_length=20,
        choices=HealthCoverage.choices,
        default=HealthCoverage.UNKNOWN,
    )
    case_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="caseload",
        verbose_name=_("case manager"),
    )
    enrolled_at = models.DateTimeField(_("enrolled"), default=timezone.now)
    # Kept by contact_record: the caseload and inactivity need it for every row, and deriving it
    # from a million contacts on each page would not scale.
    last_contact_at = models.DateTimeField(null=True, blank=True)
    is_restricted = models.BooleanField(_("restricted record"), default=False)
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = site_scoped_manager(ParticipantQuerySet)
    history = HistoricalRecords(excluded_fields=["last_contact_at"])

    class Meta:
        ordering = ["legal_last_name", "legal_first_name"]
        permissions = [("open_restricted", "Open this restricted participant record")]
        constraints = [
            models.UniqueConstraint(
                fields=["site", "case_number"], name="participants_case_number_per_site"
            ),
        ]
        indexes = [
            models.Index(fields=["site", "case_manager"], name="participants_caseload"),
            models.Index(fields=["site", "date_of_birth"], name="participants_dob"),
            GinIndex(
                fields=["legal_last_name"],
                opclasses=["gin_trgm_ops"],
                name="participants_last_name_trgm",
            ),
            GinIndex(
                fields=["legal_first_name"],
                opclasses=["gin_trgm_ops"],
                name="participants_first_name_trgm",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_number} {self.display_name}"

    @property
    def display_name(self) -> str:
        first = self.preferred_name or self.legal_first_name
        return f"{first} {self.legal_last_name}".strip()

    def days_since_contact(self, now=None) -> int | None:
        if self.last_contact_at is None:
            return None
        return ((now or timezone.now()) - self.last_contact_at).days

    def is_active(self, now=None) -> bool:
        """Active while the later of the enrolment and the last successful contact is within
        the site's threshold (the same rule as ``Participant.objects.active()``)."""
        since = max(self.enrolled_at, self.last_contact_at or self.enrolled_at)
        threshold = timedelta(days=self.site.inactivity_threshold_days)
        return (now or timezone.now()) - since <= threshold


class ParticipantUserObjectPermission(UserObjectPermissionBase):
    """Row grants for restricted records (a direct foreign key, as guardian recommends)."""

    content_object = models.ForeignKey(Participant, on_delete=models.CASCADE)


class CaseNumberCounter(models.Model):
    site = models.OneToOneField(Site, on_delete=models.PROTECT, related_name="+")
    last = models.PositiveIntegerField(default=0)

    objects = ScopedManager(site="site")  # bumped in SQL by case_number_next

    def __str__(self) -> str:
        return f"{self.site}: {self.last}"


class NeedAssessment(HistoryAnnotations, models.Model):
    """The intake assessment of one life domain; reassessments add rows."""

    class Level(models.TextChoices):
        NONE = "none", _("No need")
        SOME = "some", _("Some need")
        HIGH = "high", _("High need")
        UNKNOWN = "unknown", _("Not discussed")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="needs")
    domain = models.CharField(max_length=30, choices=Domain.choices)
    level = models.CharField(max_length=10, choices=Level.choices, default=Level.UNKNOWN)
    notes = models.TextField(max_length=2000, blank=True)
    assessed_at = models.DateTimeField(default=timezone.now)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    objects = site_scoped_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["participant", "domain", "-assessed_at"]

    def __str__(self) -> str:
        return f"{self.participant_id} {self.domain}: {self.level}"


class Consent(HistoryAnnotations, models.Model):
    """A release of information to one recipient, with the elements of 42 CFR Part 2 §2.31."""

    class SignatureMethod(models.TextChoices):
        PAPER = "paper", _("Signed on paper (scanned)")
        ELECTRONIC = "electronic", _("Signed electronically")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="consents")
    discloser = models.CharField(_("who may disclose"), max_length=200)
    recipient = models.CharField(_("to whom (recipient)"), max_length=200)
    information = models.TextField(_("what information"), max_length=2000)
    purpose = models.TextField(_("purpose of the disclosure"), max_length=2000)
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    expiry_event = models.CharField(_("or expires when"), max_length=200, blank=True)
    revocation_explained = models.BooleanField(
        _("the right to revoke was explained"), default=False
    )
    signed_on = models.DateField(_("signed on"))
    signature_method = models.CharField(
        _("signature"), max_length=20, choices=SignatureMethod.choices
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revocation_note = models.TextField(max_length=1000, blank=True)

    objects = site_scoped_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["recipient", "-signed_on"]

    def __str__(self) -> str:
        return f"{self.recipient} ({self.signed_on})"

    def in_force(self, today=None) -> bool:
        """May information be disclosed under this consent today?"""
        today = today or timezone.localdate()
        if self.revoked_at is not None or self.signed_on > today:
            return False
        return self.expires_on is None or self.expires_on >= today


class PlanGoal(HistoryAnnotations, models.Model):
    """One goal of the Individual Intervention Plan, set by the participant."""

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", _("Not started")
        IN_PROGRESS = "in_progress", _("In progress")
        ACHIEVED = "achieved", _("Achieved")
        CHANGED = "changed", _("Changed")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="goals")
    domain = models.CharField(_("domain"), max_length=30, choices=Domain.choices)
    goal = models.TextField(_("goal, in the participant's words"), max_length=1000)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.NOT_STARTED
    )
    target_date = models.DateField(_("target date"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = site_scoped_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["domain", "created_at"]

    def __str__(self) -> str:
        return self.goal[:60]


class GoalProgress(HistoryAnnotations, models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    goal = models.ForeignKey(PlanGoal, on_delete=models.CASCADE, related_name="progress")
    note = models.TextField(_("progress note"), max_length=2000)
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    written_at = models.DateTimeField(default=timezone.now)

    objects = site_scoped_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-written_at"]

    def __str__(self) -> str:
        return self.note[:60]


class CaseloadOverride(HistoryAnnotations, models.Model):
    """A programme manager's recorded decision to assign beyond the caseload limit."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="+")
    case_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    caseload_size = models.PositiveIntegerField()
    reason = models.TextField(max_length=1000)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(default=timezone.now)

    objects = site_scoped_manager()
    history = HistoricalRecords()

    def __str__(self) -> str:
        return f"{self.case_manager_id} +1 ({self.caseload_size})"


class Disclosure(AppendOnlyModel):
    """One disclosure of a participant's information outside the site team, for the accounting
    of disclosures (42 CFR Part 2 §2.24): when, who disclosed it, to which organisation, what,
    why, and under which consent or legal route. Append-only, here and in the database."""

    class Channel(models.TextChoices):
        MEETING = "owg_meeting", _("Operational Work Group meeting")
        PRINTOUT = "printout", _("Printout given to a recipient")
        EXPORT = "evaluation_export", _("De-identified evaluation export")

    class LegalBasis(models.TextChoices):
        CONSENT = "consent", _("Written consent (§2.31)")
        RESEARCH = "research", _("Research (§2.52)")
        AUDIT_EVALUATION = "audit_evaluation", _("Audit or evaluation (§2.53)")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    participant = models.ForeignKey(
        Participant, on_delete=models.PROTECT, related_name="disclosures"
    )
    disclosed_at = models.DateTimeField(_("when"), default=timezone.now)
    disclosed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    recipient_type = models.CharField(
        _("recipient organisation"), max_length=30, choices=OrganisationType.choices
    )
    recipient_name = models.CharField(_("recipient"), max_length=200)
    information = models.CharField(_("what information"), max_length=500)
    purpose = models.CharField(_("purpose"), max_length=500)
    legal_basis = models.CharField(_("legal basis"), max_length=20, choices=LegalBasis.choices)
    consent = models.ForeignKey(
        Consent, null=True, blank=True, on_delete=models.PROTECT, related_name="disclosures"
    )
    channel = models.CharField(_("how"), max_length=20, choices=Channel.choices)
    # The meeting, printout or export the disclosure was part of.
    reference_uuid = models.UUIDField(null=True, blank=True)

    objects = ScopedManager(
        site="site", _manager_class=models.Manager.from_queryset(AppendOnlyQuerySet)
    )

    class Meta:
        ordering = ["-disclosed_at", "-id"]
        indexes = [
            models.Index(fields=["participant", "-disclosed_at"], name="participants_disclosures"),
            models.Index(fields=["reference_uuid"], name="participants_disclosure_ref"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(legal_basis="consent") | models.Q(consent__isnull=False),
                name="participants_disclosure_under_consent_names_it",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.disclosed_at:%Y-%m-%d} {self.participant_id} → {self.recipient_name}"
