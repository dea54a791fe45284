"""Contacts (encounter notes), their addenda, and tasks."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from lead.models import HistoryAnnotations, site_scoped_manager
from sites.models import Site

EDIT_WINDOW = timedelta(hours=24)


class ContactType(models.TextChoices):
    OUTREACH = "outreach", _("Outreach attempt")
    IN_PERSON = "in_person", _("In person")
    PHONE = "phone", _("Phone")
    TEXT = "text", _("Text")
    COLLATERAL = "collateral", _("Collateral")
    CASE_CONFERENCE = "case_conference", _("Case conference")
    ACCOMPANIMENT = "accompaniment", _("Accompaniment")


class ContactLocation(models.TextChoices):
    STREET = "street", _("Street")
    SHELTER = "shelter", _("Shelter")
    OFFICE = "office", _("Office")
    JAIL = "jail", _("Jail")
    HOSPITAL = "hospital", _("Hospital")
    HOME = "home", pgettext_lazy("place of a contact", "Home")  # not the "Home" page
    OTHER = "other", _("Other")


class Service(models.TextChoices):
    HOUSING = "housing", _("Housing navigation")
    MOUD = "moud", _("MOUD/MAT linkage")
    DETOX = "detox", _("Detox")
    MENTAL_HEALTH = "mental_health", _("Mental health")
    MEDICAL = "medical", _("Medical")
    BENEFITS = "benefits", _("Benefits")
    ID_DOCUMENTS = "id_documents", _("ID documents")
    TRANSPORTATION = "transportation", _("Transportation")
    FOOD = "food", _("Food")
    HARM_REDUCTION = "harm_reduction", _("Harm-reduction supplies")
    LEGAL = "legal", _("Legal advocacy")


class Contact(HistoryAnnotations, models.Model):
    """One encounter with (or about) a participant. Editable by its author for 24 hours;
    after that it is locked and corrections are addenda."""

    # What a note records, in the form's order: the contact form and the edit service use this
    # one list.
    CONTACT_FIELDS = (
        "contacted_at",
        "duration_minutes",
        "contact_type",
        "location",
        "successful",
        "services",
        "referrals_made",
        "narrative",
    )

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    participant = models.ForeignKey(
        "participants.Participant", on_delete=models.CASCADE, related_name="contacts"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    contacted_at = models.DateTimeField(_("when"))
    duration_minutes = models.PositiveSmallIntegerField(_("minutes"), default=15)
    contact_type = models.CharField(_("type"), max_length=20, choices=ContactType.choices)
    location = models.CharField(_("where"), max_length=20, choices=ContactLocation.choices)
    successful = models.BooleanField(_("reached the person"), default=True)
    services = ArrayField(
        models.CharField(max_length=20, choices=Service.choices),
        default=list,
        blank=True,
        verbose_name=_("services provided"),
    )
    referrals_made = models.TextField(_("referrals made"), max_length=1000, blank=True)
    narrative = models.TextField(_("narrative"), max_length=10000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = site_scoped_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-contacted_at", "-id"]
        indexes = [
            models.Index(fields=["participant", "-contacted_at"], name="casenotes_timeline"),
        ]

    def __str__(self) -> str:
        return f"{self.participant_id} {self.contacted_at:%Y-%m-%d}"

    def editable_by(self, user, now=None) -> bool:
        return user.pk == self.author_id and (now or timezone.now()) - self.created_at < EDIT_WINDOW


class Addendum(HistoryAnnotations, models.Model):
    """A correction or addition to a locked contact note."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="addenda")
    text = models.TextField(_("addendum"), max_length=5000)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    written_at = models.DateTimeField(default=timezone.now)

    objects = site_scoped_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["written_at"]

    def __str__(self) -> str:
        return self.text[:60]


class Task(HistoryAnnotations, models.Model):
    """A follow-up: due date, assignee, optionally a participant, done or not."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    participant = models.ForeignKey(
        "participants.Participant",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="tasks",
    )
    title = models.CharField(_("task"), max_length=300)
    due_on = models.DateField(_("due"))
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="tasks",
        verbose_name=_("assigned to"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)

    objects = site_scoped_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [
            models.Index(
                fields=["site", "assignee", "due_on"],
                name="casenotes_open_tasks",
                condition=models.Q(done_at__isnull=True),
            ),
            models.Index(
                fields=["participant", "due_on"],
                name="casenotes_participant_tasks",
                condition=models.Q(done_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return self.title
