"""Referral test helpers: form data for each pathway, ready-made referrals, and the database
handling transactional (threaded) tests need."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone
from django_scopes import scopes_disabled

from referrals.models import EligibilityItem, Referral
from tests.factories import ReferralFactory
from tests.reference_data import restore_reference_data

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


# -- Transactional tests ---------------------------------------------------------------------


def _access_log_truncate_trigger(*, enable: bool) -> None:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute(
            f"ALTER TABLE lead_accesslogentry {'ENABLE' if enable else 'DISABLE'} "
            f"TRIGGER {ACCESS_LOG_TRUNCATE_TRIGGER}"
        )


@pytest.fixture(scope="module")
def flushable_database(django_db_setup, django_db_blocker) -> Iterator[None]:
    """For a module of ``django_db(transaction=True)`` tests.

    The flush after each such test TRUNCATEs every table: lead/migrations/0003 makes the access
    log refuse that, so its statement-level TRUNCATE trigger is off while the module runs (the
    row-level UPDATE/DELETE trigger stays on). The flush also removes the six sites; they are put
    back after the module's last test, before any other module's test runs.
    """
    with django_db_blocker.unblock():
        _access_log_truncate_trigger(enable=False)
    yield
    with django_db_blocker.unblock():
        try:
            restore_reference_data()
        finally:
            _access_log_truncate_trigger(enable=True)


@pytest.fixture
def reference_data_restored(flushable_database, transactional_db) -> None:
    """Each transactional test starts with the sites in place (a previous flush removed them).

    Request it before ``site_a`` and friends: ``pytestmark = usefixtures(...)`` does that.
    """
    restore_reference_data()
