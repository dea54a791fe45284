"""Reads for referrals: the queue, an officer's own referrals, possible duplicates."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.postgres.search import TrigramSimilarity
from django.db.models import Case, Exists, F, Func, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.db.models.functions import Concat, Greatest
from django.http import Http404
from django.utils import timezone

from lead.models import User
from referrals.models import (
    OPEN_STATUSES,
    DuplicateReview,
    EligibilityItem,
    Referral,
    Status,
    officer_status_sql,
)
from sites.models import Site
from sites.roles import Pathway

AGE_FILTERS = {"week": 7, "month": 30, "quarter": 90}
DUPLICATE_SIMILARITY = 0.35


def eligibility_checklist(*, site: Site) -> QuerySet[EligibilityItem]:
    """The site's screening questions in force, in order (retired ones are left out)."""
    return EligibilityItem.objects.filter(site=site, retired_at__isnull=True)


def visible_referrals(*, site: Site, user: User) -> QuerySet[Referral]:
    """The referrals of ``site`` that ``user`` may see: every one, except the referral of a
    participant whose record is restricted to other people (the referral names the person,
    so the restriction holds here too).

    The participant is reached through the ORM's reverse relation (``participant``, declared by
    ``participants``, which builds on referrals) rather than an import."""
    named = Referral.objects.filter(
        pk=OuterRef("pk"),
        participant__participantuserobjectpermission__user=user,
        participant__participantuserobjectpermission__permission__codename="open_restricted",
    )
    return Referral.objects.filter(site=site).filter(
        Q(participant__isnull=True) | Q(participant__is_restricted=False) | Exists(named)
    )


def referral_for(*, site: Site, user: User, referral_uuid) -> Referral:
    """One referral ``user`` may see, or 404 (another site, unknown, or restricted)."""
    referral = (
        visible_referrals(site=site, user=user)
        .select_related("site", "assignee", "submitted_by")
        .filter(uuid=referral_uuid)
        .first()
    )
    if referral is None:
        raise Http404
    return referral


def referral_queue(
    *, site: Site, user: User, status: str = "", pathway: str = "", age: str = ""
) -> QuerySet[Referral]:
    """The site's referrals that ``user`` may see, new ones first, then arrest diversions by
    days left on the clock."""
    referrals = visible_referrals(site=site, user=user).select_related("assignee", "submitted_by")
    if status == "open" or not status:
        referrals = referrals.filter(status__in=OPEN_STATUSES)
    elif status != "all":
        referrals = referrals.filter(status=status)
    if pathway:
        referrals = referrals.filter(pathway=pathway)
    if age in AGE_FILTERS:
        referrals = referrals.filter(
            submitted_at__lt=timezone.now() - timedelta(days=AGE_FILTERS[age])
        )
    return referrals.annotate(
        queue_rank=Case(
            When(status=Status.NEW, then=Value(0)),
            When(pathway=Pathway.ARREST_DIVERSION, status__in=OPEN_STATUSES, then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        )
    ).order_by("queue_rank", F("intake_due_date").asc(nulls_last=True), "-submitted_at")


def referrals_of_officer(*, site: Site, user: User) -> QuerySet[Referral]:
    """Only the referrals this user submitted, and only fields an officer may see, each with
    ``officer_state``: the status an officer may know (``officer_status_sql``)."""
    return (
        Referral.objects.filter(site=site, submitted_by=user)
        .only("uuid", "number", "pathway", "status", "submitted_at", "intake_due_date", "site_id")
        .annotate(officer_state=officer_status_sql())
        .order_by("-submitted_at")
    )


def duplicate_candidates(*, referral: Referral, user: User, limit: int = 10) -> list[Referral]:
    """Open referrals at the same site (that ``user`` may see) whose name looks alike and whose
    age is close.

    pg_trgm similarity on "first last" and on each alias; age agrees when birth dates are
    within a year or ages within five years (or either side does not know).
    """
    if referral.name_unknown or not (referral.first_name or referral.last_name):
        return []
    name = f"{referral.first_name} {referral.last_name}".strip()
    # A verdict on a pair holds both ways: once reviewed from either side, stop suggesting it.
    reviewed = DuplicateReview.objects.filter(site=referral.site, referral=referral).values(
        "other_referral_id"
    )
    reviewed_from_other_side = DuplicateReview.objects.filter(
        site=referral.site, other_referral=referral
    ).values("referral_id")
    candidates = (
        visible_referrals(site=referral.site, user=user)
        .filter(status__in=OPEN_STATUSES, name_unknown=False)
        .exclude(pk=referral.pk)
        .exclude(pk__in=reviewed)
        .exclude(pk__in=reviewed_from_other_side)
        .annotate(
            similarity=Greatest(
                TrigramSimilarity(Concat("first_name", Value(" "), "last_name"), name),
                *[
                    TrigramSimilarity(Concat("first_name", Value(" "), "last_name"), alias)
                    for alias in referral.aliases[:5]
                ],
                TrigramSimilarity(Func(F("aliases"), Value(" "), function="array_to_string"), name),
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
        age = referral.estimated_age
        age_close = Q(estimated_age__isnull=True) | Q(estimated_age__range=(age - 5, age + 5))
    return list(candidates.filter(age_close).order_by("-similarity")[:limit])


def duplicate_reviews(*, referral: Referral, user: User) -> QuerySet[DuplicateReview]:
    """The verdicts given on this referral's suggested look-alike referrals (those ``user`` may
    see). Verdicts on existing participants are read by ``participants.selectors``."""
    referrals = visible_referrals(site=referral.site, user=user).values("pk")
    return (
        DuplicateReview.objects.filter(
            site=referral.site, referral=referral, other_referral__in=referrals
        )
        .select_related("other_referral", "reviewed_by")
        .order_by("reviewed_at")
    )
