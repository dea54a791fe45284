"""A site is one county's LEAD programme; a membership gives a user one role there."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager
from simple_history.models import HistoricalRecords

from lead.models import HistoryAnnotations, TrackedManager, site_scoped_manager
from sites.roles import CAPABILITIES, Pathway, Role


class SlugChangeError(ValueError):
    """A site's slug is fixed once the site exists."""


def default_pathways() -> list[str]:
    return [choice.value for choice in Pathway]


class Site(HistoryAnnotations, models.Model):
    """A county LEAD programme. Sites are data: a new one is a row, not code."""

    class IntakeDeadline(models.IntegerChoices):
        SEVEN = 7, _("7 days")
        FOURTEEN = 14, _("14 days")
        THIRTY = 30, _("30 days")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    county = models.CharField(_("county"), max_length=120)
    state = models.CharField(_("state"), max_length=2, default="NM")
    referral_prefix = models.CharField(
        _("referral number prefix"),
        max_length=5,
        default="",
        help_text=_("Letters that start this site's referral numbers, e.g. TAO in TAO-2026-0042."),
    )
    intake_deadline_days = models.PositiveSmallIntegerField(
        _("intake deadline (days)"),
        choices=IntakeDeadline.choices,
        default=IntakeDeadline.FOURTEEN,
        help_text=_("Days after an arrest diversion within which intake must be completed."),
    )
    enabled_pathways = ArrayField(
        models.CharField(max_length=30, choices=Pathway.choices),
        default=default_pathways,
        verbose_name=_("enabled pathways"),
    )
    inactivity_threshold_days = models.PositiveSmallIntegerField(
        _("inactive after (days without contact)"),
        default=30,
        validators=[MinValueValidator(7), MaxValueValidator(365)],
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = TrackedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        permissions = CAPABILITIES

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        # The slug is in every URL, bookmark, e-mailed link and access-log path of the site:
        # once the site exists it never changes (role groups are keyed by id, not slug, too).
        if self.pk is not None:
            stored = Site.objects.filter(pk=self.pk).values_list("slug", flat=True).first()
            if stored is not None and stored != self.slug:
                raise SlugChangeError(
                    f"The slug of site {stored!r} cannot change (asked for {self.slug!r})."
                )
        super().save(*args, **kwargs)

    def pathway_enabled(self, pathway: str) -> bool:
        return pathway in self.enabled_pathways

    def enabled_pathway_labels(self) -> list[str]:
        return [choice.label for choice in Pathway if choice.value in self.enabled_pathways]


class Membership(HistoryAnnotations, models.Model):
    """A user's single role at one site."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    notify_new_referrals = models.BooleanField(
        _("notify of new referrals"),
        default=True,
        help_text=_(
            "Case managers and programme managers with this on hear of every new referral."
        ),
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = site_scoped_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["site__name", "user__email"]
        constraints = [
            models.UniqueConstraint(fields=["site", "user"], name="sites_one_membership_per_site"),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()} @ {self.site}"


class Notification(models.Model):
    """Something a user should look at: shown in the app with an unread count, and e-mailed."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    title = models.CharField(max_length=200)
    link = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    # Not a record of care: marking read in bulk needs no history.
    objects = ScopedManager(site="site")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["user", "site"],
                name="sites_notification_unread",
                condition=models.Q(read_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return self.title
