"""Participant test helpers: participants at site A (Taos) and site B (Lea), built through the
intake service, contacts and tasks for them, and a client per role."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from casenotes.models import Contact, Task
from casenotes.services import contact_record, task_add
from lead.models import User
from participants.models import Participant
from participants.services import intake_complete
from referrals.models import Referral
from sites.models import Site


@pytest.fixture(autouse=True)
def _no_mfa(settings) -> None:
    """Signed-in pages here are about participants, not MFA (CI may run with DJANGO_DEBUG=0)."""
    settings.LEAD_REQUIRE_MFA = False


def participant_make(
    *,
    site: Site,
    by: User,
    case_manager: User | None = None,
    referral: Referral | None = None,
    enrolled_days_ago: int = 0,
    override_reason: str = "",
    **profile,
) -> Participant:
    """A participant enrolled at ``site`` through ``intake_complete`` (scopes off: test data).

    ``enrolled_days_ago`` backdates the enrolment, so older contacts can be logged."""
    profile.setdefault("legal_first_name", "Dana")
    profile.setdefault("legal_last_name", "Whitehorse")
    with scopes_disabled():
        participant = intake_complete(
            site=site,
            profile=profile,
            needs={"housing": ("high", "Sleeps in the park")},
            case_manager=case_manager,
            by=by,
            referral=referral,
            override_reason=override_reason,
        ).participant
        if enrolled_days_ago:
            participant.enrolled_at = timezone.now() - timedelta(days=enrolled_days_ago)
            participant.save()
        return Participant.objects.select_related("site").get(pk=participant.pk)


@pytest.fixture
def make_participant(site_a, case_manager) -> Callable[..., Participant]:
    """``make_participant(**profile)``: a participant of ``case_manager`` at site A; pass
    ``site=``, ``by=`` and ``case_manager=`` (``None`` for unassigned) to change that."""

    def build(**fields) -> Participant:
        site = fields.pop("site", site_a)
        by = fields.pop("by", case_manager)
        assigned = fields.pop("case_manager", case_manager)
        return participant_make(site=site, by=by, case_manager=assigned, **fields)

    return build


@pytest.fixture
def participant(make_participant) -> Participant:
    """Dana Whitehorse at Taos, on ``case_manager``'s caseload."""
    return make_participant(
        legal_first_name="Dana",
        legal_last_name="Whitehorse",
        preferred_name="Dee",
        aliases=["Little D"],
        date_of_birth=date(1988, 4, 12),
        phone="575-555-0142",
        where_to_find="Kit Carson Park, mornings",
    )


@pytest.fixture
def participant_b(site_b, case_manager_b) -> Participant:
    """Someone at Lea: nobody at Taos may see them."""
    return participant_make(
        site=site_b,
        by=case_manager_b,
        case_manager=case_manager_b,
        legal_first_name="Marisol",
        legal_last_name="Baca",
        date_of_birth=date(1979, 9, 30),
    )


@pytest.fixture
def make_contact() -> Callable[..., Contact]:
    """``make_contact(participant, days_ago=1, **fields)``: a contact logged by its case manager."""

    def build(participant: Participant, days_ago: float = 0, **fields) -> Contact:
        fields.setdefault("contact_type", "in_person")
        fields.setdefault("location", "street")
        fields.setdefault("narrative", "Talked about housing; wants ID documents first.")
        with scopes_disabled():
            participant = Participant.objects.select_related("referral").get(pk=participant.pk)
            return contact_record(
                participant=participant,
                author=fields.pop("author", None) or participant.case_manager,
                contacted_at=timezone.now() - timedelta(days=days_ago),
                **fields,
            )

    return build


@pytest.fixture
def make_task() -> Callable[..., Task]:
    """``make_task(participant, due_in=3, **fields)``: an open task for the case manager."""

    def build(participant: Participant, due_in: int = 3, **fields) -> Task:
        with scopes_disabled():
            return task_add(
                site=participant.site,
                participant=participant,
                title=fields.pop("title", "Drive to the MVD for an ID card"),
                due_on=timezone.localdate() + timedelta(days=due_in),
                assignee=fields.pop("assignee", None) or participant.case_manager,
                by=fields.pop("by", None) or participant.case_manager,
            )

    return build


def detail_url(participant: Participant, action: str = "") -> str:
    base = f"/s/{participant.site.slug}/participants/{participant.uuid}/"
    return base + (f"{action}/" if action else "")


def reload(participant: Participant) -> Participant:
    with scopes_disabled():
        return Participant.objects.get(pk=participant.pk)
