"""Evaluation: data use agreements (what may leave the sites, for whom), the monthly reports
and rollups behind the dashboards, and the de-identified exports."""

from __future__ import annotations

import uuid
from datetime import date

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from lead.models import HistoryAnnotations, TrackedManager
from sites.models import Site


class DataUseAgreement(HistoryAnnotations, models.Model):
    """What an evaluation team may receive: the agreement, not the evaluators' memberships,
    decides which sites' de-identified data may be exported, to whom, and until when.

    Cross-site by nature (it names several sites): not a site-owned row, so no site scope; every
    read of the data it allows names its sites explicitly."""

    class LegalRoute(models.TextChoices):
        RESEARCH = "research", _("Research (42 CFR Part 2 §2.52), with IRB approval")
        AUDIT_EVALUATION = "audit_evaluation", _("Audit or evaluation (42 CFR Part 2 §2.53)")
        DEIDENTIFIED = "deidentified", _("De-identified data under an expert determination")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ACTIVE = "active", _("Active")
        ENDED = "ended", _("Ended")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    code = models.SlugField(_("code"), max_length=40, unique=True)
    organisation = models.CharField(_("receiving organisation"), max_length=200)
    evaluators = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="data_use_agreements",
        verbose_name=_("evaluators covered"),
        blank=True,
    )
    sites = models.ManyToManyField(
        Site, related_name="data_use_agreements", verbose_name=_("sites covered")
    )
    purpose = models.TextField(_("purpose"), max_length=2000)
    legal_route = models.CharField(_("legal route"), max_length=20, choices=LegalRoute.choices)
    irb_approval = models.CharField(_("IRB approval number"), max_length=100, blank=True)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    # Part of the pseudonym key: a new version breaks linkage with earlier exports on purpose.
    key_version = models.PositiveSmallIntegerField(_("pseudonym key version"), default=1)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = TrackedManager()
    history = HistoricalRecords(m2m_fields=[evaluators, sites])

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="evaluation_agreement_ends_after_it_starts",
            ),
            models.CheckConstraint(
                condition=~models.Q(legal_route="research") | ~models.Q(irb_approval=""),
                name="evaluation_research_agreement_names_its_irb_approval",
            ),
        ]

    def __str__(self) -> str:
        return self.code

    def in_force(self, today: date | None = None) -> bool:
        """Active, and today within its dates (the site's time zone)."""
        today = today or timezone.localdate()
        return self.status == self.Status.ACTIVE and self.starts_on <= today <= self.ends_on
