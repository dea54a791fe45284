"""Cross-cutting models: the user, the append-only access log and the outbox of pending tasks."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager
from simple_history.models import HistoricalRecords


class HistoryAnnotations:
    """What django-simple-history reads from an instance when it is saved: who changed it, when
    (the demo dates its rows) and why. Declared for the type checker; no fields, no behaviour."""

    _history_user: Any
    _history_date: datetime
    _change_reason: str


class HistoryBypassError(RuntimeError):
    """Raised when code tries to change tracked rows without leaving history behind."""


class TrackedQuerySet(models.QuerySet):
    """A queryset for history-tracked models: bulk writes would skip the history, so refuse them."""

    def update(self, **kwargs):
        raise HistoryBypassError(
            f"{self.model.__name__}: QuerySet.update() bypasses the change history; "
            "save each object through its service instead."
        )

    def bulk_update(self, objs, fields, batch_size=None):
        raise HistoryBypassError(
            f"{self.model.__name__}: bulk_update() bypasses the change history; "
            "save each object through its service instead."
        )


TrackedManager = models.Manager.from_queryset(TrackedQuerySet)


class AppendOnlyQuerySet(models.QuerySet):
    """For ledgers (the access log, the disclosures ledger): rows are added, never changed or
    removed, not even in bulk."""

    def update(self, **kwargs):
        raise HistoryBypassError(f"{self.model.__name__} is append-only.")

    def bulk_update(self, objs, fields, batch_size=None):
        raise HistoryBypassError(f"{self.model.__name__} is append-only.")

    def delete(self):
        raise HistoryBypassError(f"{self.model.__name__} is append-only.")


class AppendOnlyModel(models.Model):
    """A row that is written once: saving an existing row or deleting one is refused (a
    database trigger refuses it too, see the migrations of each ledger)."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise HistoryBypassError(f"{type(self).__name__} is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise HistoryBypassError(f"{type(self).__name__} is append-only.")


def site_scoped_manager(queryset_class: type[TrackedQuerySet] = TrackedQuerySet):
    """The manager of every site-owned, history-tracked model: scoped to ``site`` and tracked.

    A model with business states of its own passes a ``TrackedQuerySet`` subclass that
    defines them in SQL (``Participant.objects.active(on=...)``)."""
    manager_class = (
        TrackedManager
        if queryset_class is TrackedQuerySet
        else models.Manager.from_queryset(queryset_class)
    )
    return ScopedManager(site="site", _manager_class=manager_class)


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("An e-mail address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)


class User(HistoryAnnotations, AbstractUser):
    """A person who signs in: staff of a site, an evaluator or a state administrator.

    Staff sign in with their e-mail address; there is no username.
    """

    username = None
    email = models.EmailField(_("e-mail address"), unique=True)
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    is_state_admin = models.BooleanField(
        _("state administrator"),
        default=False,
        help_text=_("Manages sites and memberships; sees no identifiable data by this alone."),
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()
    history = HistoricalRecords(excluded_fields=["last_login", "password"])

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("email"), name="lead_user_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.email


class AccessLogEntry(models.Model):
    """One read, change or denied request. Append-only: a database trigger refuses edits."""

    class Outcome(models.TextChoices):
        ALLOWED = "allowed", _("allowed")
        NOT_FOUND = "not_found", _("denied (not found)")
        FORBIDDEN = "forbidden", _("denied (forbidden)")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    at = models.DateTimeField(default=timezone.now)
    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    user_email = models.CharField(max_length=254, blank=True)
    site = models.ForeignKey(
        "sites.Site", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=40)
    object_type = models.CharField(max_length=60, blank=True)
    object_uuid = models.UUIDField(null=True, blank=True)
    # Whose record it is (a participant, or a referral not yet enrolled): restricted records
    # hide their rows of the site's log from everyone they are not restricted to.
    subject_uuid = models.UUIDField(null=True, blank=True)
    path = models.CharField(max_length=500, blank=True)
    method = models.CharField(max_length=10, blank=True)
    outcome = models.CharField(max_length=12, choices=Outcome.choices, default=Outcome.ALLOWED)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["site", "-at"], name="lead_accesslog_site_at"),
            models.Index(fields=["object_uuid", "-at"], name="lead_accesslog_object_at"),
            models.Index(fields=["subject_uuid", "-at"], name="lead_accesslog_subject_at"),
            models.Index(fields=["user", "-at"], name="lead_accesslog_user_at"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.user_email} {self.action} {self.outcome}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise HistoryBypassError("The access log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise HistoryBypassError("The access log is append-only.")


class OutboxMessage(models.Model):
    """A task to run, written in the same transaction as the change that needs it.

    Redis is never the record of pending work: this row is. It is published on commit and
    re-published by the sweeper until the task marks it done.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    task_name = models.CharField(max_length=200)
    kwargs = models.JSONField(default=dict)
    idempotency_key = models.CharField(max_length=200, unique=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    last_published_at = models.DateTimeField(null=True, blank=True)
    publish_attempts = models.PositiveIntegerField(default=0)
    run_count = models.PositiveIntegerField(default=0)
    done_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at"]
        indexes = [
            models.Index(
                fields=["created_at"],
                name="lead_outbox_pending",
                condition=models.Q(status="pending"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.task_name} [{self.status}] {self.idempotency_key}"
