"""Referral test helpers: form data for each pathway, ready-made referrals, and the database
handling transactional (threaded) tests need."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from referrals.models import EligibilityItem, Referral
from tests.factories import ReferralFactory

ACCESS_LOG_TRUNCATE_TRIGGER = "lead_access_log_no_truncate"


@pytest.fixture(autouse=True)
def _no_mfa(settings) -> None:
    """Signed-in pages here are about referrals, not MFA (CI may run with DJANGO_DEBUG=0)."""
    settings.LEAD_REQUIRE_MFA = False


# -- Form data -----------------------------------------------------------------------------------


def _person(**overrides) -> dict:
    return {
        "idempotency_key": str(uuid.uuid4()),
        "first_name": "Dana",
        "last_name": "Whitehorse",
        "estimated_age": "34",
        "description": "Tall, grey hoodie, red backpack",
        "where_to_find": "Behind the plaza most mornings",
        **overrides,
    }


@pytest.fixture
def arrest_data() -> Callable[..., dict]:
    """POST data for a valid arrest-diversion referral; keyword arguments override fields."""

    def build(**overrides) -> dict:
        return _person(
            **{
                "offence_category": "shoplifting",
                "offence_description": "Took food from the grocery store on Paseo del Pueblo",
                "incident_number": "TPD-26-001234",
                "agency": "Taos Police Department",
                "diversion_date": timezone.localdate().isoformat(),
                "diversion_place": "Paseo del Pueblo Sur",
                "narrative": "Officer-only narrative: says he has nowhere to sleep",
                **overrides,
            }
        )

    return build


@pytest.fixture
def social_data() -> Callable[..., dict]:
    def build(**overrides) -> dict:
        return _person(
            **{"contact_reason": "Sleeping at the library doorway; asked about help", **overrides}
        )

    return build


@pytest.fixture
def community_data() -> Callable[..., dict]:
    def build(**overrides) -> dict:
        return _person(
            **{
                "narrative": "My brother has been using again and lost his room.",
                "urgency": "soon",
                "referrer_name": "Rosa Whitehorse",
                "referrer_relationship": "sister",
                "referrer_phone": "575-555-0100",
                **overrides,
            }
        )

    return build


# -- Data ----------------------------------------------------------------------------------------


@pytest.fixture
def make_referral(site_a) -> Callable[..., Referral]:
    """``make_referral(**fields)``: a referral at site A (or ``site=``), built unscoped."""

    def build(**fields) -> Referral:
        fields.setdefault("site", site_a)
        with scopes_disabled():
            return ReferralFactory(**fields)

    return build


@pytest.fixture
def checklist(site_a) -> list[EligibilityItem]:
    """Site A's active screening questions (the data migration gives every site five)."""
    with scopes_disabled():
        return list(EligibilityItem.objects.filter(site=site_a, retired_at__isnull=True))


def reload(referral: Referral) -> Referral:
    with scopes_disabled():
        return Referral.objects.get(pk=referral.pk)


@pytest.fixture
def fresh() -> Callable[[Referral], Referral]:
    """``fresh(referral)``: the referral as stored now."""
    return reload


@pytest.fixture
def days_ago() -> Callable[[int], object]:
    return lambda days: timezone.now() - timedelta(days=days)
