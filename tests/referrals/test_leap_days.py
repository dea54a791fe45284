"""Date arithmetic that must hold on 29 February and 31 December: the referral page of someone
with an estimated age only (the duplicate finder used ``date.replace(year=...)``)."""

from __future__ import annotations

from datetime import date
from unittest import mock

import pytest
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from participants.selectors import participant_duplicate_candidates
from participants.services import intake_complete
from tests.factories import ReferralFactory


@pytest.mark.parametrize(
    "today",
    [date(2028, 2, 29), date(2026, 12, 31), date(2027, 1, 1), date(2027, 2, 28)],
    ids=str,
)
def test_the_referral_page_of_someone_with_an_estimated_age_opens_on_any_day(
    client, site_a, case_manager, today
):
    with scopes_disabled():
        referral = ReferralFactory(
            site=site_a, first_name="Dana", last_name="Whitehorse", estimated_age=40
        )
        # Born 40 years before "today": a close match by age; born 50 years before: not.
        for first, born in [("Dana", date(today.year - 40, 3, 1)), ("Dena", date(1960, 1, 1))]:
            intake_complete(
                site=site_a,
                profile={
                    "legal_first_name": first,
                    "legal_last_name": "Whitehorse",
                    "date_of_birth": born,
                },
                needs={},
                case_manager=case_manager,
                by=case_manager,
            )
    client.force_login(case_manager)
    # "Today" moves; the clock (sessions, history) does not.
    with mock.patch.object(timezone, "localdate", return_value=today):
        response = client.get(f"/s/taos/referrals/{referral.uuid}/")
        with scope(site=site_a):
            found = participant_duplicate_candidates(referral=referral, user=case_manager)
    assert response.status_code == 200
    assert [p.legal_first_name for p in found] == ["Dana"]
