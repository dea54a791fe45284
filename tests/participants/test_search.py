"""Finding participants: by a name that looks alike (aliases and preferred names too), by date of
birth or by case number; and the paginated list of everyone this user may see."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.participants.conftest import detail_url

LIST = "/s/taos/participants/"
# 10 per signed-in page (session, user, site, membership, capabilities, unread count, site
# switcher, session save as SAVEPOINT/UPDATE/RELEASE), then one search query, or the count and
# the page of the list.
SEARCH_MAX_QUERIES = 15


@pytest.fixture
def worker_client(client, case_manager):
    client.force_login(case_manager)
    return client


def _found(client, query: str) -> list[str]:
    response = client.get(LIST, {"q": query})
    assert response.status_code == 200
    return re.findall(
        r'href="/s/taos/participants/[0-9a-f-]{36}/">([A-Z]+-P-\d+)</a>', response.content.decode()
    )


@pytest.fixture
def people(make_participant):
    return {
        "dana": make_participant(
            legal_first_name="Dana",
            legal_last_name="Whitehorse",
            preferred_name="Dee",
            aliases=["Sparrow"],
            date_of_birth=date(1988, 4, 12),
        ),
        "marcus": make_participant(
            legal_first_name="Marcus",
            legal_last_name="Trujillo",
            date_of_birth=date(1975, 1, 3),
        ),
        "josefina": make_participant(
            legal_first_name="Josefina",
            legal_last_name="Martinez",
            aliases=["Jo Jo"],
            date_of_birth=date(1990, 7, 21),
        ),
    }


@pytest.mark.parametrize(
    ("query", "who"),
    [
        ("Whitehorse", "dana"),
        ("Whitehorce", "dana"),  # misspelled
        ("whitehorse", "dana"),  # any case
        ("Dana Whitehorse", "dana"),
        ("Sparrow", "dana"),  # an alias
        ("Truijllo", "marcus"),  # letters swapped
        ("Marcus Trujilo", "marcus"),
        ("Jo Jo", "josefina"),
        ("Martines", "josefina"),
    ],
)
def test_a_name_that_looks_alike_finds_the_person(worker_client, people, query, who):
    assert people[who].case_number in _found(worker_client, query)


def test_the_closest_name_comes_first(worker_client, people, make_participant):
    make_participant(legal_first_name="Dan", legal_last_name="Whitmore")
    assert _found(worker_client, "Dana Whitehorse")[0] == people["dana"].case_number


def test_an_unrelated_name_finds_nobody(worker_client, people):
    response = worker_client.get(LIST, {"q": "Kowalczyk"})
    assert _found(worker_client, "Kowalczyk") == []
    assert b"0 matches" in response.content


@pytest.mark.parametrize("query", ["1988-04-12", "04/12/1988", "4/12/1988"])
def test_a_date_of_birth_finds_the_person(worker_client, people, query):
    assert _found(worker_client, query) == [people["dana"].case_number]


def test_a_case_number_finds_the_person(worker_client, people):
    number = people["marcus"].case_number
    assert _found(worker_client, number) == [number]
    assert _found(worker_client, number.lower()) == [number]


def test_search_never_finds_another_sites_participants(worker_client, people, participant_b):
    assert _found(worker_client, "Marisol Baca") == []
    assert _found(worker_client, "1979-09-30") == []
    assert _found(worker_client, participant_b.case_number) == []


def test_results_link_to_the_participant_page(worker_client, people):
    html = worker_client.get(LIST, {"q": "Trujillo"}).content.decode()
    assert f'href="{detail_url(people["marcus"])}"' in html


@pytest.mark.parametrize(
    "query",
    ["Dana\x00", "Dana\x07Whitehorse", "x" * 10_000],
)
def test_a_bad_search_gets_a_clear_message_not_an_error(worker_client, people, query):
    response = worker_client.get(LIST, {"q": query})
    assert response.status_code == 400
    assert b'role="alert"' in response.content


@pytest.mark.parametrize("query", ["%", "_", "'; DROP TABLE participants_participant; --", "  "])
def test_odd_searches_are_just_searches(worker_client, people, query):
    assert worker_client.get(LIST, {"q": query}).status_code == 200


# -- The list -----------------------------------------------------------------------------------


def test_without_a_search_everyone_is_listed_a_page_at_a_time(worker_client, make_participant):
    for i in range(55):
        make_participant(legal_last_name=f"Person{i:02d}", case_manager=None)

    first = worker_client.get(LIST).content.decode()
    second = worker_client.get(LIST, {"page": 2}).content.decode()

    names = re.findall(r"Dana (Person\d\d)", first)
    assert names == [f"Person{i:02d}" for i in range(50)]
    assert re.findall(r"Dana (Person\d\d)", second) == [f"Person{i:02d}" for i in range(50, 55)]
    assert "55 participants" in first


def test_the_list_leaves_out_other_sites(worker_client, participant, participant_b):
    html = worker_client.get(LIST).content.decode()
    assert participant.case_number in html and "Baca" not in html


@pytest.mark.parametrize("role", ["officer", "evaluator"])
def test_officers_and_evaluators_cannot_search(client, people, role, request):
    client.force_login(request.getfixturevalue(role))
    response = client.get(LIST, {"q": "Whitehorse"})
    assert response.status_code == 403
    assert people["dana"].case_number.encode() not in response.content


# -- Cost ---------------------------------------------------------------------------------------


def _count(client, **params) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(LIST, params).status_code == 200
    return len(queries)


@pytest.mark.parametrize("params", [{}, {"q": "Person"}, {"q": "1988-04-12"}, {"q": "TAO-P-00001"}])
def test_search_and_list_cost_the_same_queries_for_3_or_30_participants(
    worker_client, make_participant, params
):
    worker_client.get(LIST)
    born = date(1988, 4, 12)
    for i in range(3):
        make_participant(legal_last_name=f"Person{i:02d}", date_of_birth=born, case_manager=None)
    with_3 = _count(worker_client, **params)
    for i in range(3, 30):
        make_participant(legal_last_name=f"Person{i:02d}", date_of_birth=born, case_manager=None)
    with_30 = _count(worker_client, **params)

    assert with_3 == with_30 <= SEARCH_MAX_QUERIES, (with_3, with_30)
