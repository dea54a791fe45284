"""Reads for referrals: the queue, an officer's own referrals, possible duplicates."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.postgres.search import TrigramSimilarity
from django.db.models import Case, F, Func, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Concat, Greatest
from django.utils import timezone

from lead.models import User
from referrals.models import OPEN_STATUSES, DuplicateReview, Referral, Status
from sites.models import Site
from sites.roles import Pathway

AGE_FILTERS = {"week": 7, "month": 30, "quarter": 90}
DUPLICATE_SIMILARITY = 0.35


def referral_queue(
    *, site: Site, status: str = "", pathway: str = "", age: str = ""
) -> QuerySet[Referral]:
    """The site's referrals, new ones first, then arrest diversions by days left on the clock."""
    referrals = Referral.objects.filter(site=site).select_related("assignee", "submitted_by")
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
    """Only the referrals this user submitted, and only fields an officer may see."""
    return (
        Referral.objects.filter(site=site, submitted_by=user)
        .only("uuid", "number", "pathway", "status", "submitted_at", "site_id")
        .order_by("-submitted_at")
    )


def duplicate_candidates(*, referral: Referral, limit: int = 10) -> list[Referral]:
    """Open referrals at the same site whose name looks alike and whose age is close.

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
        Referral.objects.filter(site=referral.site, status__in=OPEN_STATUSES, name_unknown=False)
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


def participant_duplicate_candidates(*, referral: Referral, user: User, limit: int = 10) -> list:
    """Participants of the same site (that ``user`` may see) whose name or alias looks like the
    referred person's and whose age is close: perhaps someone already enrolled."""
    from participants.selectors import visible_participants  # participants builds on referrals

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
        today = timezone.localdate()
        youngest = today.replace(year=today.year - max(referral.estimated_age - 5, 0))
        oldest = today.replace(year=today.year - referral.estimated_age - 6)
        age_close = Q(date_of_birth__isnull=True) | Q(date_of_birth__range=(oldest, youngest))
    return list(candidates.filter(age_close).order_by("-similarity")[:limit])


def duplicate_reviews(*, referral: Referral, user: User) -> QuerySet[DuplicateReview]:
    """The verdicts given on this referral's suggestions (restricted participants left out for
    those they are not restricted to)."""
    from participants.selectors import visible_participants

    visible = visible_participants(site=referral.site, user=user).values("pk")
    return (
        DuplicateReview.objects.filter(site=referral.site, referral=referral)
        .filter(Q(participant__isnull=True) | Q(participant__in=visible))
        .select_related("other_referral", "participant", "reviewed_by")
    )
