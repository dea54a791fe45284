"""Profile edits: saved with history, validated, and never overwriting someone else's work: a
second case manager saving the same profile gets the conflict spelled out and keeps their input."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from django_scopes import scopes_disabled

from participants.services import participant_assign
from sites.roles import Role
from tests.factories import member
from tests.participants.conftest import detail_url, reload


@pytest.fixture
def colleague(site_a):
    return member(site_a, Role.CASE_MANAGER, email="rosa@example.org", first_name="Rosa")


@pytest.fixture
def worker_client(client, case_manager):
    client.force_login(case_manager)
    return client


@pytest.fixture
def colleague_client(colleague) -> Client:
    other = Client()
    other.force_login(colleague)
    return other


def _form(client, participant) -> dict:
    """The edit form's fields as the browser would send them back, untouched."""
    html = client.get(detail_url(participant, "edit")).content.decode()
    data: dict = {}
    for tag in re.findall(r"<input[^>]*>", html):
        name = re.search(r'name="([^"]+)"', tag)
        if not name or name.group(1) == "csrfmiddlewaretoken":
            continue
        value = re.search(r'value="([^"]*)"', tag)
        if 'type="checkbox"' in tag:
            if "checked" in tag:
                data.setdefault(name.group(1), []).append(value.group(1))
            continue
        data[name.group(1)] = value.group(1) if value else ""
    for name, body in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', html, re.S):
        data[name] = body.strip()
    for name, options in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        chosen = re.search(r'<option value="([^"]*)"[^>]*selected', options)
        data[name] = chosen.group(1) if chosen else ""
    return data


def _save(client, participant, data: dict, **changes):
    return client.post(detail_url(participant, "edit"), {**data, **changes})


# -- Editing -----------------------------------------------------------------------------------


def test_the_edit_form_shows_the_profile_and_carries_the_version(worker_client, participant):
    data = _form(worker_client, participant)

    assert data["legal_last_name"] == "Whitehorse"
    assert data["aliases_text"] == "Little D"
    assert data["date_of_birth"] == "1988-04-12"
    assert data["version"] == "1"


def test_saving_the_profile_changes_it_and_keeps_who_changed_what(
    worker_client, participant, case_manager
):
    data = _form(worker_client, participant)

    response = _save(
        worker_client,
        participant,
        data,
        phone="575-555-0199",
        aliases_text="Little D, Dee Dee",
        race_ethnicity=["american_indian", "hispanic"],
    )

    assert response.status_code == 302
    saved = reload(participant)
    assert saved.phone == "575-555-0199"
    assert saved.aliases == ["Little D", "Dee Dee"]
    assert saved.race_ethnicity == ["american_indian", "hispanic"]
    assert saved.version == 2
    with scopes_disabled():
        last = saved.history.order_by("-history_date").first()
    assert last.history_user == case_manager and last.phone == "575-555-0199"


def test_opening_the_edit_form_is_logged_as_a_view(worker_client, participant):
    from lead.models import AccessLogEntry

    worker_client.get(detail_url(participant, "edit"))
    assert AccessLogEntry.objects.filter(object_uuid=participant.uuid, action="view").count() == 1


# -- Two people, one profile --------------------------------------------------------------------


def test_a_second_save_of_the_same_profile_gets_a_conflict_and_loses_nothing(
    worker_client, colleague_client, participant
):
    mine = _form(worker_client, participant)
    theirs = _form(colleague_client, participant)
    assert _save(worker_client, participant, mine, phone="575-555-0111").status_code == 302

    response = _save(
        colleague_client,
        participant,
        theirs,
        phone="575-555-0222",
        where_to_find="Now at the shelter on Camino",
    )

    html = response.content.decode()
    assert response.status_code == 409
    assert "Someone else saved this profile while you were editing" in html
    # The field, what they started from, what is saved now, what they entered.
    row = re.search(r"<tr><th scope=\"row\">Phone</th>(.*?)</tr>", html, re.S).group(1)
    assert re.findall(r"<td>(?:<strong>)?([^<]+)", row) == [
        "575-555-0142",
        "575-555-0111",
        "575-555-0222",
    ]
    # Their input is still in the form, the whole saved profile beside it; none of it saved.
    assert 'value="575-555-0222"' in html
    assert "Now at the shelter on Camino" in html
    assert "Kit Carson Park, mornings" in html[html.index("The whole profile as saved now") :]
    saved = reload(participant)
    assert saved.phone == "575-555-0111" and saved.where_to_find == "Kit Carson Park, mornings"


def test_after_a_conflict_saving_again_is_a_knowing_choice_and_goes_through(
    worker_client, colleague_client, participant
):
    mine = _form(worker_client, participant)
    theirs = _form(colleague_client, participant)
    _save(worker_client, participant, mine, phone="575-555-0111")
    first_try = _save(colleague_client, participant, theirs, phone="575-555-0222")
    assert first_try.status_code == 409
    new_version = re.search(r'name="version" value="(\d+)"', first_try.content.decode()).group(1)

    response = _save(
        colleague_client, participant, theirs, phone="575-555-0222", version=new_version
    )

    assert response.status_code == 302
    assert reload(participant).phone == "575-555-0222"


def test_fields_the_second_person_did_not_touch_take_the_saved_value_in_the_reshown_form(
    worker_client, colleague_client, participant
):
    mine = _form(worker_client, participant)
    theirs = _form(colleague_client, participant)
    _save(worker_client, participant, mine, phone="575-555-0111")

    response = _save(colleague_client, participant, theirs, where_to_find="At the shelter")

    html = response.content.decode()
    assert response.status_code == 409
    assert 'value="575-555-0111"' in html  # the first person's phone, not the stale one
    assert "unchanged by you" in html
    assert "At the shelter" in html


def test_an_assignment_in_between_does_not_block_a_profile_edit(
    worker_client, participant, programme_manager, colleague
):
    data = _form(worker_client, participant)
    with scopes_disabled():
        participant_assign(participant=participant, case_manager=colleague, by=programme_manager)

    response = _save(worker_client, participant, data, phone="575-555-0133")

    assert response.status_code == 302
    saved = reload(participant)
    assert saved.phone == "575-555-0133" and saved.case_manager == colleague


# -- Bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "version",
    ["", "abc", "0", "-1", "99", "99999999999999999999", "1.5", "1\x00"],
)
def test_a_tampered_version_is_refused_with_a_clear_message(worker_client, participant, version):
    data = _form(worker_client, participant)

    response = _save(worker_client, participant, data, phone="575-555-0100", version=version)

    assert response.status_code in (400, 409)
    assert b"Reload the page" in response.content or b"Someone else saved" in response.content
    assert reload(participant).phone == "575-555-0142"


def test_a_future_birth_date_is_refused(worker_client, participant):
    data = _form(worker_client, participant)
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()

    response = _save(worker_client, participant, data, date_of_birth=tomorrow)

    assert response.status_code == 400
    assert b"This date is in the future." in response.content
    assert reload(participant).date_of_birth.isoformat() == "1988-04-12"


@pytest.mark.parametrize(
    "field", ["where_to_find", "legal_last_name", "preferred_name", "aliases_text", "phone"]
)
def test_ten_thousand_characters_are_refused_with_a_message(worker_client, participant, field):
    data = _form(worker_client, participant)

    response = _save(worker_client, participant, data, **{field: "x" * 10_000})

    assert response.status_code == 400
    assert b"at most" in response.content
    assert reload(participant).version == 1


@pytest.mark.parametrize("field", ["legal_first_name", "where_to_find", "aliases_text"])
def test_control_characters_are_refused_with_a_message(worker_client, participant, field):
    data = _form(worker_client, participant)

    response = _save(worker_client, participant, data, **{field: "Dana\x00\x07"})

    assert response.status_code == 400
    assert b"invisible control characters" in response.content


def test_an_unknown_choice_is_refused(worker_client, participant):
    data = _form(worker_client, participant)
    response = _save(worker_client, participant, data, housing_status="castle")
    assert response.status_code == 400


def test_the_legal_last_name_is_required(worker_client, participant):
    data = _form(worker_client, participant)
    response = _save(worker_client, participant, data, legal_last_name="")
    assert response.status_code == 400
    assert reload(participant).legal_last_name == "Whitehorse"


def test_another_sites_participant_cannot_be_edited(worker_client, participant, participant_b):
    data = _form(worker_client, participant)
    response = worker_client.post(f"/s/taos/participants/{participant_b.uuid}/edit/", data)
    assert response.status_code == 404
    assert reload(participant_b).phone == ""


@pytest.mark.parametrize("role", ["officer", "evaluator"])
def test_officers_and_evaluators_cannot_edit(client, participant, role, request):
    client.force_login(request.getfixturevalue(role))
    response = client.post(detail_url(participant, "edit"), {"legal_last_name": "Changed"})
    assert response.status_code == 403
    assert reload(participant).legal_last_name == "Whitehorse"
