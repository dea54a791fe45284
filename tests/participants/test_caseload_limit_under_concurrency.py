"""Two intakes at the same moment for a case manager with 24 participants: one takes the 25th
place, the other is refused. Real threads, real transactions."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django_scopes import scopes_disabled

from participants.models import Participant
from participants.services import CASELOAD_LIMIT, CaseloadFull, intake_complete

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data_restored"),
]


def _enrol(site, case_manager, name: str):
    return intake_complete(
        site=site,
        profile={"legal_first_name": name, "legal_last_name": "Example"},
        needs={},
        case_manager=case_manager,
        by=case_manager,
    )


def test_two_intakes_at_once_cannot_both_take_the_last_place(site_a, case_manager):
    with scopes_disabled():
        for i in range(CASELOAD_LIMIT - 1):
            _enrol(site_a, case_manager, f"Person{i}")
    barrier = threading.Barrier(2, timeout=10)

    def intake(name: str) -> str:
        try:
            barrier.wait()
            with scopes_disabled():
                _enrol(site_a, case_manager, name)
            return "enrolled"
        except CaseloadFull:
            return "refused"
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = sorted(pool.map(intake, ["Late", "Later"]))

    assert outcomes == ["enrolled", "refused"]
    with scopes_disabled():
        assert Participant.objects.filter(case_manager=case_manager).count() == CASELOAD_LIMIT
