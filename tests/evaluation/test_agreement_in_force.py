"""A data use agreement is in force only while active and within its dates; a research
agreement must name its IRB approval; it cannot end before it starts."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import IntegrityError, transaction

from evaluation.models import DataUseAgreement


def _agreement(**fields) -> DataUseAgreement:
    values = {
        "code": "UNM-TEST",
        "organisation": "University of New Mexico",
        "purpose": "Cross-site evaluation",
        "legal_route": DataUseAgreement.LegalRoute.AUDIT_EVALUATION,
        "starts_on": date(2026, 1, 1),
        "ends_on": date(2026, 12, 31),
        "status": DataUseAgreement.Status.ACTIVE,
        **fields,
    }
    return DataUseAgreement.objects.create(**values)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "status, today, in_force",
    [
        ("active", date(2026, 1, 1), True),
        ("active", date(2026, 12, 31), True),
        ("active", date(2027, 1, 1), False),
        ("active", date(2025, 12, 31), False),
        ("draft", date(2026, 6, 1), False),
        ("ended", date(2026, 6, 1), False),
    ],
)
def test_in_force_means_active_and_within_its_dates(status, today, in_force):
    assert _agreement(status=status).in_force(today) is in_force


@pytest.mark.django_db
def test_an_agreement_cannot_end_before_it_starts_or_be_research_without_irb():
    with pytest.raises(IntegrityError), transaction.atomic():
        _agreement(ends_on=date(2025, 1, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        _agreement(code="R", legal_route=DataUseAgreement.LegalRoute.RESEARCH)
    assert _agreement(code="R2", legal_route="research", irb_approval="IRB-26-001").pk
