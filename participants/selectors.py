"""Reads for participants. Every list goes through ``visible_participants``, which hides
restricted records from everyone but the users they are restricted to."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from dateutil.relativedelta import relativedelta
from django.contrib.postgres.lookups import TrigramSimilar
from django.contrib.postgres.search import TrigramSimilarity
from django.db.models import (
    Count,
    Exists,
    F,
    Func,
    Model,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Concat, Greatest
from django.http import Http404
from django.utils import timezone

from lead.models import AccessLogEntry, User
from participants.models import Participant, ParticipantUserObjectPermission, PlanGoal
from referrals.models import DuplicateReview, Referral
from referrals.selectors import DUPLICATE_SIMILARITY
from sites.models import Site
from sites.selectors import case_workers

SEARCH_SIMILARITY = 0.3


def visible_participants(*, site: Site, user: User) -> QuerySet[Participant]:
    """The participants of ``site`` that ``user`` may see: all but restricted records, unless
    the user is one of the named people (a guardian row grant)."""
    # EXISTS rather than a join: a record with several grants must still come back once.
    granted = ParticipantUserObjectPermission.objects.filter(
        content_object=OuterRef("pk"), user=user, permission__codename="open_restricted"
    )
    return Participant.objects.filter(site=site).filter(Q(is_restricted=False) | Exists(granted))


def hidden_subjects(*, site: Site, user: User) -> QuerySet:
    """The UUIDs of the records ``user`` may not see at ``site``: restricted participants they
    are not named on (``visible_participants``' complement)."""
    visible = visible_participants(site=site, user=user).values("pk")
    return Participant.objects.filter(site=site, is_restricted=True).exclude(pk__in=visible)


def site_access_log_for(*, site: Site, user: User) -> QuerySet[AccessLogEntry]:
    """The site's access log as ``user`` may read it: rows about a restricted record (its
    participant, or the referral that brought them) only for the people it is restricted to."""
    hidden = hidden_subjects(site=site, user=user)
    return (
        AccessLogEntry.objects.filter(site=site)
        .exclude(subject_uuid__in=hidden.values("uuid"))
        .exclude(subject_uuid__in=hidden.filter(referral__isnull=False).values("referral__uuid"))
        .order_by("-at", "-id")
    )


def participant_open_tasks(*, participant: Participant) -> QuerySet:
    """The participant's open tasks, soonest first, with their assignees (the participant page
    and the printout)."""
    return (
        participant.tasks.filter(site=participant.site, done_at__isnull=True)
        .select_related("assignee")
        .order_by("due_on", "id")
    )


def participant_for(*, site: Site, user: User, participant_uuid) -> Participant:
    """One participant, or 404 (another site, unknown, or restricted to other people)."""
    participant = (
        visible_participants(site=site, user=user)
        .select_related("case_manager", "referral", "site")
        .filter(uuid=participant_uuid)
        .first()
    )
    if participant is None:
        raise Http404
    return participant


def _related_model(model: type[Model], relation: str) -> type[Model]:
    """The model at the other end of ``relation`` (a reverse relation declared by an app
    above this one: reached through the ORM, never imported)."""
    related = model._meta.get_field(relation).related_model
    assert related is not None and not isinstance(related, str), relation
    return related


def _next_task_due() -> Subquery:
    # The tasks model through the reverse relation ``tasks``: case notes build on participants,
    # so they are not imported here. The outer query carries the site scope.
    tasks = _related_model(Participant, "tasks")._base_manager
    return Subquery(
        tasks.filter(participant=OuterRef("pk"), done_at__isnull=True)
        .order_by("due_on")
        .values("due_on")[:1]
    )


def caseload_for(*, site: Site, user: User) -> QuerySet[Participant]:
    """``user``'s participants with last contact and next task due; a fixed number of queries."""
    return (
        visible_participants(site=site, user=user)
        .filter(case_manager=user)
        .select_related("site")  # is_active() reads the site's inactivity threshold
        .annotate(next_task_due=_next_task_due())
        .order_by(F("last_contact_at").asc(nulls_first=True), "legal_last_name", "id")
    )


def case_workers_with_load(*, site: Site, user: User) -> QuerySet[User]:
    """The site's case workers, each with ``load``: how many of their participants ``user``
    may see (a restricted record is not counted for those it is hidden from; the caseload limit
    itself is enforced on the true count by the services)."""
    visible = visible_participants(site=site, user=user).values("pk")
    return case_workers(site=site).annotate(
        load=Count("caseload", filter=Q(caseload__in=visible), distinct=True)
    )


def caseloads_overview(*, site: Site, user: User) -> list[tuple[User, int]]:
    """Every case worker of the site, and anyone else who still holds participants here (a
    membership that ended or changed role), with how many of their participants ``user`` may
    see."""
    visible = visible_participants(site=site, user=user)
    holders = visible.filter(case_manager__isnull=False).values("case_manager")
    workers = (
        User.objects.filter(Q(pk__in=case_workers(site=site).values("pk")) | Q(pk__in=holders))
        .annotate(
            load=Count("caseload", filter=Q(caseload__in=visible.values("pk")), distinct=True)
        )
        .order_by("first_name", "last_name", "email")
    )
    return [(worker, worker.load) for worker in workers]


DATE_PATTERNS = ("%Y-%m-%d", "%m/%d/%Y", "%m/%d/%y", "%d/%m/%Y")


def _as_date(text: str) -> date | None:
    for pattern in DATE_PATTERNS:
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def participant_search(*, site: Site, user: User, query: str, limit: int = 50) -> list[Participant]:
    """By case number, date of birth, or a name that looks alike (aliases included)."""
    query = query.strip()[:100]
    if not query:
        return []
    people = visible_participants(site=site, user=user).select_related("case_manager")
    if re.fullmatch(r"[A-Za-z]{2,5}-P-\d+", query, flags=re.IGNORECASE):
        return list(people.filter(case_number__iexact=query)[:limit])
    born = _as_date(query)
    if born is not None:
        return list(people.filter(date_of_birth=born)[:limit])
    similarity = Greatest(
        TrigramSimilarity("legal_last_name", query),
        TrigramSimilarity("legal_first_name", query),
        TrigramSimilarity(
            Func(F("legal_first_name"), Value(" "), F("legal_last_name"), function="concat_ws"),
            query,
        ),
        TrigramSimilarity("preferred_name", query),
        TrigramSimilarity(Func(F("aliases"), Value(" "), function="array_to_string"), query),
    )
    return list(
        people.annotate(similarity=similarity)
        .filter(
            # The lookups as expressions: django.contrib.postgres (which registers
            # ``__trigram_similar``) is not installed. ``%`` can use the trigram indexes.
            Q(TrigramSimilar(F("legal_last_name"), Value(query)))
            | Q(TrigramSimilar(F("legal_first_name"), Value(query)))
            | Q(similarity__gte=SEARCH_SIMILARITY)
        )
        .order_by("-similarity", "legal_last_name")[:limit]
    )


@dataclass
class TimelineEntry:
    at: datetime
    kind: str  # "contact", "referral", "status", "plan"
    title: str
    obj: object


def participant_timeline(
    *, participant: Participant, page: int = 1, per_page: int = 25
) -> tuple[list[TimelineEntry], bool]:
    """Newest first: referrals, contacts, status changes and plan changes. Each source is read
    up to the end of the requested page only, so the cost does not grow with the record.

    Status entries are titled ``enrolled``, ``assigned``, ``unassigned``, ``restricted`` or
    ``unrestricted``; plan entries are the goal's history records (``history_type`` + or ~).
    """
    window = page * per_page + 1
    entries: list[TimelineEntry] = []
    # Through the related manager, each contact knows its participant without a query. The
    # notes and their addenda are case notes' models, reached through the relations (no
    # import: case notes build on participants); addenda come with their authors in one query.
    addenda = _related_model(participant.contacts.model, "addenda")
    contacts = (
        participant.contacts.filter(site=participant.site)
        .select_related("author")
        .prefetch_related(
            Prefetch("addenda", queryset=addenda._base_manager.select_related("author"))
        )
        .order_by("-contacted_at", "-id")[:window]
    )
    entries += [
        TimelineEntry(c.contacted_at, "contact", c.get_contact_type_display(), c) for c in contacts
    ]
    referral = participant.referral if participant.referral_id else None
    if referral is not None:
        entries.append(TimelineEntry(referral.submitted_at, "referral", referral.number, referral))
    # One record more than the window: the oldest only tells what the next one changed.
    records = list(
        participant.history.select_related("history_user", "case_manager").order_by(
            "-history_date", "-history_id"
        )[: window + 1]
    )
    records.reverse()
    for before, record in zip([None, *records], records, strict=False):
        change = _status_change(before, record)
        if change:
            at = participant.enrolled_at if change == "enrolled" else record.history_date
            entries.append(TimelineEntry(at, "status", change, record))
    goal_history = (
        PlanGoal.history.filter(site_id=participant.site_id, participant_id=participant.pk)
        .select_related("history_user")
        .order_by("-history_date")[:window]
    )
    entries += [TimelineEntry(g.history_date, "plan", g.goal, g) for g in goal_history]
    entries.sort(key=lambda entry: entry.at, reverse=True)
    start = (page - 1) * per_page
    return entries[start : start + per_page], len(entries) > start + per_page


def _status_change(before, record) -> str:
    """What one saved version of a participant changed in their status, if anything (profile
    edits are not status changes)."""
    if record.history_type == "+":
        return "enrolled"
    if before is None:
        return ""
    if record.case_manager_id != before.case_manager_id:
        return "assigned" if record.case_manager_id else "unassigned"
    if record.is_restricted != before.is_restricted:
        return "restricted" if record.is_restricted else "unrestricted"
    return ""


# -- Is a referred person already a participant? ------------------------------------------


def participant_duplicate_candidates(
    *, referral: Referral, user: User, limit: int = 10
) -> list[Participant]:
    """Participants of the same site (that ``user`` may see) whose name or alias looks like the
    referred person's and whose age is close: perhaps someone already enrolled."""
    if referral.name_unknown or not (referral.first_name or referral.last_name):
        return []
    names = [f"{referral.first_name} {referral.last_name}".strip(), *referral.aliases[:5]]
    full_name = Concat("legal_first_name", Value(" "), "legal_last_name")
    preferred = Concat("preferred_name", Value(" "), "legal_last_name")
    aliases = Func(F("aliases"), Value(" "), function="array_to_string")
    reviewed = DuplicateReview.objects.filter(
        site=referral.site, referral=referral, participant__isnull=False
    ).values("participant_id")
    candidates = (
        visible_participants(site=referral.site, user=user)
        .exclude(pk__in=reviewed)
        .annotate(
            similarity=Greatest(
                *[TrigramSimilarity(full_name, name) for name in names],
                *[TrigramSimilarity(preferred, name) for name in names],
                TrigramSimilarity(aliases, names[0]),
                Value(0.0),
            )
        )
        .filter(similarity__gte=DUPLICATE_SIMILARITY)
    )
    age_close = Q()
    if referral.date_of_birth:
        dob = referral.date_of_birth
        age_close = Q(date_of_birth__isnull=True) | Q(
            date_of_birth__range=(dob - timedelta(days=366), dob + timedelta(days=366))
        )
    elif referral.estimated_age:
        # relativedelta, not date.replace(year=...): that raises on 29 February.
        today = timezone.localdate()
        youngest = today - relativedelta(years=max(referral.estimated_age - 5, 0))
        oldest = today - relativedelta(years=referral.estimated_age + 6)
        age_close = Q(date_of_birth__isnull=True) | Q(date_of_birth__range=(oldest, youngest))
    return list(candidates.filter(age_close).order_by("-similarity")[:limit])


def participant_match_reviews(*, referral: Referral, user: User) -> QuerySet[DuplicateReview]:
    """The verdicts given on this referral's suggested participants (restricted records left
    out for those they are not restricted to)."""
    visible = visible_participants(site=referral.site, user=user).values("pk")
    return (
        DuplicateReview.objects.filter(
            site=referral.site, referral=referral, participant__in=visible
        )
        .select_related("participant", "reviewed_by")
        .order_by("reviewed_at")
    )
