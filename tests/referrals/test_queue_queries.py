"""The queue page costs a fixed number of SQL queries however many referrals wait in it."""

from __future__ import annotations

import itertools
import re
from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from referrals.models import Status
from sites.roles import Pathway, Role
from tests.factories import member

QUEUE = "/s/taos/referrals/"
# Today 6: session, user, memberships (site, switcher and unread counts in one), capabilities,
# the referral count, the page of referrals (assignee and submitter joined); at most once a
# minute the session's idle expiry is refreshed (an UPDATE between a SAVEPOINT and its RELEASE).
QUEUE_MAX_QUERIES = 9


def _queries(client, url: str = QUEUE, **params) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(queries)


def _fill(make_referral, site, n: int, officers, workers) -> None:
    pathways = itertools.cycle(Pathway.values)
    statuses = itertools.cycle([Status.NEW, Status.SCREENING, Status.LOCATING, Status.CONTACTED])
    people = zip(itertools.cycle(officers), itertools.cycle(workers), strict=False)
    today = timezone.localdate()
    for i, (officer, worker) in zip(range(n), people, strict=False):
        make_referral(
            pathway=next(pathways),
            status=next(statuses),
            submitted_by=officer,
            assignee=worker,
            intake_due_date=today + timedelta(days=i % 20 - 5),
            urgency="urgent" if i % 3 == 0 else "routine",
        )


def test_the_queue_query_count_does_not_grow_with_the_number_of_referrals(
    client, site_a, case_manager, programme_manager, make_referral, django_assert_max_num_queries
):
    officers = [
        member(site_a, Role.OFFICER, email=f"officer{i}@example.org", first_name=f"Officer{i}")
        for i in range(4)
    ]
    workers = [
        case_manager,
        programme_manager,
        member(site_a, Role.CASE_MANAGER, email="cm2@example.org", first_name="Second"),
    ]
    client.force_login(case_manager)
    client.get(QUEUE)  # the session's first request does one-off work

    _fill(make_referral, site_a, 3, officers, workers)
    with_3 = _queries(client)
    _fill(make_referral, site_a, 37, officers, workers)
    with_40 = _queries(client)

    assert with_3 == with_40, (with_3, with_40)
    page = client.get(QUEUE).content.decode()
    rows = re.findall(r'href="/s/taos/referrals/[0-9a-f-]{36}/">TST-\d{4}-\d{4}</a>', page)
    assert len(rows) == 40  # the rows are really on the page  # the rows are really on the page
    with django_assert_max_num_queries(QUEUE_MAX_QUERIES):
        client.get(QUEUE)
    with django_assert_max_num_queries(QUEUE_MAX_QUERIES):
        client.get(QUEUE, {"status": "all", "pathway": "arrest_diversion", "age": "week"})


def test_my_referrals_query_count_does_not_grow_either(client, site_a, officer, make_referral):
    client.force_login(officer)
    client.get("/s/taos/referrals/mine/")
    _fill(make_referral, site_a, 3, [officer], [None])
    with_3 = _queries(client, "/s/taos/referrals/mine/")
    _fill(make_referral, site_a, 37, [officer], [None])
    with_40 = _queries(client, "/s/taos/referrals/mine/")
    assert with_3 == with_40, (with_3, with_40)
