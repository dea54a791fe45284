"""Case-note test helpers: participants at site A (and B), contact form data, ready-made
contacts and tasks, and signed-in clients for the case manager and a colleague."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import date, datetime, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone
from django_scopes import scope, scopes_disabled
from guardian.shortcuts import assign_perm

from casenotes import services
from casenotes.models import Contact, Task
from participants.models import Participant
from sites.roles import Role
from tests.factories import member

_case_numbers = itertools.count(1)


@pytest.fixture(autouse=True)
def _no_mfa(settings) -> None:
    """Signed-in pages here are about case notes, not MFA (CI may run with DJANGO_DEBUG=0)."""
    settings.LEAD_REQUIRE_MFA = False


# -- People ----------------------------------------------------------------------------------


@pytest.fixture
def colleague(site_a):
    """Another case manager at site A."""
    return member(site_a, Role.CASE_MANAGER, email="colleague.a@example.org")


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def cm_client(case_manager) -> Client:
    return signed_in(case_manager)


@pytest.fixture
def colleague_client(colleague) -> Client:
    return signed_in(colleague)


# -- Participants ----------------------------------------------------------------------------


@pytest.fixture
def make_participant(site_a) -> Callable[..., Participant]:
    """``make_participant(**fields)``: enrolled 30 days ago at site A (or ``site=``)."""

    def build(**fields) -> Participant:
        fields.setdefault("site", site_a)
        fields.setdefault("legal_first_name", "Rosa")
        fields.setdefault("legal_last_name", "Archuleta")
        fields.setdefault("enrolled_at", timezone.now() - timedelta(days=30))
        prefix = fields["site"].slug[:3].upper()
        fields.setdefault("case_number", f"{prefix}-P-{next(_case_numbers):05d}")
        with scopes_disabled():
            return Participant.objects.create(**fields)

    return build


@pytest.fixture
def participant(make_participant, case_manager) -> Participant:
    return make_participant(case_manager=case_manager)


@pytest.fixture
def participant_b(make_participant, site_b, case_manager_b) -> Participant:
    return make_participant(site=site_b, case_manager=case_manager_b, legal_first_name="Lea")


def restrict(participant: Participant, *allowed) -> None:
    """Restrict a record to ``allowed`` users (the row grant the participant pages use)."""
    with scopes_disabled():
        participant.is_restricted = True
        participant.save()
        for user in allowed:
            assign_perm("participants.open_restricted", user, participant)


# -- Contacts and tasks ----------------------------------------------------------------------


def contact_form(**overrides) -> dict:
    """POST data of a valid contact an hour ago: in person on the street, two services."""
    when = timezone.localtime() - timedelta(hours=1)
    return {
        "contacted_at": when.strftime("%Y-%m-%dT%H:%M"),
        "duration_minutes": "45",
        "contact_type": "in_person",
        "location": "street",
        "successful": "yes",
        "services": ["moud", "id_documents"],
        "referrals_made": "El Centro Family Health, Suboxone clinic",
        "narrative": "Met Rosa by the plaza. Wants to start buprenorphine; needs her ID first.",
        **overrides,
    }


@pytest.fixture
def make_contact() -> Callable[..., Contact]:
    """``make_contact(participant, author, written=..., **fields)`` through the real service;
    ``written`` backdates when the note was written (the 24-hour edit window counts from it)."""

    def build(participant, author, written: datetime | None = None, **fields) -> Contact:
        fields.setdefault("contacted_at", timezone.now() - timedelta(days=2))
        fields.setdefault("duration_minutes", 30)
        fields.setdefault("contact_type", "phone")
        fields.setdefault("location", "office")
        fields.setdefault("successful", True)
        fields.setdefault("services", ["housing"])
        fields.setdefault("narrative", "Talked about the housing voucher waitlist.")
        with scope(site=participant.site):
            contact = services.contact_record(participant=participant, author=author, **fields)
            if written is not None:
                # As if written back then: no edit to record in the history.
                with connection.cursor() as cursor:
                    cursor.execute(
                        "UPDATE casenotes_contact SET created_at = %s WHERE id = %s",
                        [written, contact.pk],
                    )
                contact.created_at = written
        return contact

    return build


@pytest.fixture
def make_task(site_a) -> Callable[..., Task]:
    """``make_task(assignee, due_on=..., **fields)``: a task created unscoped (fixtures may
    straddle sites on purpose); ``done=True`` closes it."""

    def build(assignee, due_on: date | None = None, done: bool = False, **fields) -> Task:
        fields.setdefault("site", site_a)
        fields.setdefault("title", "Call the shelter about a bed")
        with scopes_disabled():
            return Task.objects.create(
                assignee=assignee,
                created_by=assignee,
                due_on=due_on or timezone.localdate(),
                done_at=timezone.now() if done else None,
                **fields,
            )

    return build
