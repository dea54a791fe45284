"""Template helpers of participants that other apps' pages show."""

from __future__ import annotations

from django import template

from participants.selectors import participant_duplicate_candidates, participant_match_reviews
from referrals.models import Referral

register = template.Library()


@register.simple_tag(takes_context=True)
def participant_matches(context, referral: Referral) -> dict:
    """On the referral page: existing participants who may be the referred person, and the
    verdicts given on such suggestions, as the signed-in user may see them (restricted records
    only for the people named on them)."""
    user = context["request"].user
    return {
        "candidates": participant_duplicate_candidates(referral=referral, user=user),
        "reviews": participant_match_reviews(referral=referral, user=user),
    }
