"""A phone on a bad connection sends the same referral several times at once: one referral results,
and every request answers with it. Real threads, real transactions, one database."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from lead.models import OutboxMessage
from referrals.models import Referral
from referrals.services import referral_submit
from sites.roles import Pathway

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data_restored"),
]

PARALLEL = 5


def _at_once(work: Callable[[], object], n: int = PARALLEL) -> list:
    """Run ``work`` in ``n`` threads released together; each closes its own connection."""
    barrier = threading.Barrier(n, timeout=10)

    def run():
        try:
            barrier.wait()
            return work()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=n) as pool:
        futures = [pool.submit(run) for _ in range(n)]
        return [future.result(timeout=30) for future in futures]


def _data() -> dict:
    return {
        "first_name": "Dana",
        "last_name": "Whitehorse",
        "estimated_age": 34,
        "offence_category": "shoplifting",
        "incident_number": "TPD-26-004242",
        "agency": "Taos Police Department",
        "diversion_date": timezone.localdate(),
    }


def test_five_parallel_submissions_with_one_key_make_one_referral(site_a, officer):
    key = uuid.uuid4()

    def submit():
        with scope(site=site_a):
            return referral_submit(
                site=site_a,
                pathway=Pathway.ARREST_DIVERSION,
                data=_data(),
                by=officer,
                idempotency_key=key,
            )

    results = _at_once(submit)

    with scopes_disabled():
        [referral] = Referral.objects.all()
        assert (
            OutboxMessage.objects.filter(idempotency_key=f"referral-new:{referral.uuid}").count()
            == 1
        )
    assert {made.pk for made, _created in results} == {referral.pk}
    assert sorted(created for _made, created in results) == [False] * (PARALLEL - 1) + [True]
    assert referral.number == f"TAO-{timezone.localdate().year}-0001"
    assert referral.idempotency_key == key


def test_parallel_submissions_with_different_keys_get_distinct_numbers(site_a, officer):
    def submit():
        with scope(site=site_a):
            return referral_submit(
                site=site_a,
                pathway=Pathway.SOCIAL_CONTACT,
                data={"first_name": "Sam", "contact_reason": "Asked for help"},
                by=officer,
                idempotency_key=uuid.uuid4(),
            )

    results = _at_once(submit)
    numbers = {made.number for made, _created in results}
    year = timezone.localdate().year
    assert numbers == {f"TAO-{year}-{n:04d}" for n in range(1, PARALLEL + 1)}
    with scopes_disabled():
        assert Referral.objects.count() == PARALLEL


def test_five_parallel_public_posts_with_one_key_make_one_referral_and_the_same_answer(site_a):
    data = {
        "idempotency_key": str(uuid.uuid4()),
        "first_name": "Dana",
        "narrative": "My brother has been using again and lost his room.",
        "urgency": "soon",
    }

    def post():
        return Client().post("/refer/taos/", data)

    responses = _at_once(post)
    assert [r.status_code for r in responses] == [302] * PARALLEL
    assert {r["Location"] for r in responses} == {"/refer/taos/thanks/"}
    with scopes_disabled():
        assert Referral.objects.filter(pathway=Pathway.COMMUNITY).count() == 1
