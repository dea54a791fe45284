"""Bad input never breaks anything: each case gets a clear form error or a 4xx, never a 500 (the
test client raises on one), and nothing already saved is lost."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from referrals.models import LocateAttempt, ProsecutorOutcome, Referral, Status
from sites.roles import Pathway, Role
from tests.factories import member

NEW = "/s/taos/referrals/new"
FUTURE = (timezone.localdate() + timedelta(days=1)).isoformat()


def _url(referral: Referral, action: str = "") -> str:
    return f"/s/taos/referrals/{referral.uuid}/" + (f"{action}/" if action else "")


def _count() -> int:
    with scopes_disabled():
        return Referral.objects.count()


def _refused(response, message: str = "") -> str:
    assert response.status_code == 400, response.status_code
    page = response.content.decode()
    assert message in page
    return page


@pytest.fixture
def officer_client(client, officer):
    client.force_login(officer)
    return client


@pytest.fixture
def worker_client(client, case_manager):
    client.force_login(case_manager)
    return client


# -- The officer's form ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("date_of_birth", FUTURE, "This date is in the future."),
        ("date_of_birth", "1899-12-31", "Enter a date after 1900."),
        ("date_of_birth", "0001-01-01", "Enter a date after 1900."),
        ("date_of_birth", "1985-02-30", "Enter a valid date."),
        ("date_of_birth", "not a date", "Enter a valid date."),
        ("diversion_date", FUTURE, "This date is in the future."),
        ("diversion_date", "1899-06-01", "Enter a date after 1900."),
        ("diversion_date", "2020-01-01", "A diversion date more than a year ago cannot be right."),
        ("estimated_age", "121", "Enter an age between 0 and 120."),
        ("estimated_age", "-3", "greater than or equal to 0"),
        ("estimated_age", "99999999999999999999", "Enter an age between 0 and 120."),
        ("estimated_age", "forty", "Enter a whole number."),
        ("offence_category", "murder", "Select a valid choice."),
    ],
)
def test_impossible_values_on_the_officers_form_are_form_errors(
    officer_client, arrest_data, field, value, message
):
    data = arrest_data(**{field: value})
    page = _refused(officer_client.post(f"{NEW}/arrest_diversion/", data), message)
    assert _count() == 0
    # what the officer typed is still there to correct
    assert 'value="TPD-26-001234"' in page
    assert "Please correct the fields marked below." in page


@pytest.mark.parametrize(
    "pathway, missing",
    [
        ("arrest_diversion", "offence_category"),
        ("arrest_diversion", "incident_number"),
        ("arrest_diversion", "agency"),
        ("arrest_diversion", "diversion_date"),
        ("social_contact", "contact_reason"),
    ],
)
def test_a_missing_required_field_for_the_chosen_pathway_is_a_form_error(
    officer_client, arrest_data, social_data, pathway, missing
):
    data = (arrest_data if pathway == "arrest_diversion" else social_data)()
    data[missing] = ""
    page = _refused(officer_client.post(f"{NEW}/{pathway}/", data), "This field is required.")
    assert f'id="id_{missing}_error"' in page
    assert _count() == 0


def test_social_contact_fields_do_not_satisfy_an_arrest_diversion(officer_client, social_data):
    page = _refused(officer_client.post(f"{NEW}/arrest_diversion/", social_data()))
    for field in ("offence_category", "incident_number", "agency", "diversion_date"):
        assert f'id="id_{field}_error"' in page
    assert _count() == 0


def test_a_person_needs_a_name_or_name_unknown(officer_client, social_data):
    data = social_data(first_name="", last_name="")
    _refused(officer_client.post(f"{NEW}/social_contact/", data), "Name unknown")
    assert _count() == 0
    data["name_unknown"] = "on"
    assert officer_client.post(f"{NEW}/social_contact/", data).status_code == 302
    with scopes_disabled():
        assert Referral.objects.get().display_name == "Name unknown"


@pytest.mark.parametrize(
    "field, limit",
    [("first_name", 100), ("last_name", 100), ("aliases_text", 300), ("narrative", 5000)],
)
def test_ten_thousand_characters_are_refused_with_a_message(
    officer_client, social_data, field, limit
):
    data = social_data(**{field: "x" * 10_000})
    _refused(officer_client.post(f"{NEW}/social_contact/", data), f"at most {limit} characters")
    assert _count() == 0


@pytest.mark.parametrize("character", ["\x00", "\x07", "\x1b", "\x7f"])
def test_control_characters_are_refused(officer_client, social_data, character):
    for field in ("first_name", "contact_reason", "where_to_find", "aliases_text"):
        data = social_data(**{field: f"Dana{character}Whitehorse"})
        response = officer_client.post(f"{NEW}/social_contact/", data)
        assert response.status_code == 400, field
        assert f'id="id_{field}_error"' in response.content.decode(), field
    assert _count() == 0


def test_ordinary_accents_line_breaks_and_tabs_are_welcome(officer_client, social_data):
    data = social_data(
        first_name="José Ñ.",
        last_name="Núñez-Tsosie",
        contact_reason="Line one\r\nLine two\twith a tab",
    )
    assert officer_client.post(f"{NEW}/social_contact/", data).status_code == 302
    with scopes_disabled():
        referral = Referral.objects.get()
    assert referral.last_name == "Núñez-Tsosie"
    assert referral.contact_reason == "Line one\r\nLine two\twith a tab"


@pytest.mark.parametrize("key", ["", "not-a-uuid", "1; DROP TABLE referrals", "\x00"])
def test_a_tampered_submission_key_is_a_400(officer_client, social_data, key):
    response = officer_client.post(f"{NEW}/social_contact/", social_data(idempotency_key=key))
    assert response.status_code == 400
    assert _count() == 0


def test_the_same_submission_key_at_a_second_site_makes_no_500(client, site_a, site_b, social_data):
    both = member(site_a, Role.OFFICER, email="both.sites@example.org")
    member(site_b, Role.OFFICER, email="both.sites@example.org")
    client.force_login(both)
    data = social_data()
    assert client.post(f"{NEW}/social_contact/", data).status_code == 302
    response = client.post("/s/lea/referrals/new/social_contact/", data)
    assert response.status_code == 400
    assert "This form was already used." in response.content.decode()
    with scopes_disabled():
        assert Referral.objects.filter(site=site_a).count() == 1


def test_an_unknown_pathway_is_a_404(officer_client, social_data):
    assert officer_client.get(f"{NEW}/parole/").status_code == 404
    assert officer_client.post(f"{NEW}/parole/", social_data()).status_code == 404
    assert _count() == 0


def test_a_pathway_the_programme_manager_disabled_is_refused(
    client, officer, programme_manager, site_a, arrest_data, social_data
):
    client.force_login(officer)
    form_opened_before = arrest_data()

    manager = client.__class__()
    manager.force_login(programme_manager)
    response = manager.post(
        "/s/taos/referrals/settings/",
        {"pathways": [Pathway.SOCIAL_CONTACT, Pathway.COMMUNITY], "intake_deadline_days": "14"},
    )
    assert response.status_code == 302
    site_a.refresh_from_db()
    assert site_a.enabled_pathways == [Pathway.SOCIAL_CONTACT, Pathway.COMMUNITY]

    start = client.get(f"{NEW}/").content.decode()
    assert f"{NEW}/arrest_diversion/" not in start
    assert f"{NEW}/social_contact/" in start
    assert client.get(f"{NEW}/arrest_diversion/").status_code == 404
    assert client.post(f"{NEW}/arrest_diversion/", form_opened_before).status_code == 404
    assert client.post(f"{NEW}/social_contact/", social_data()).status_code == 302
    with scopes_disabled():
        assert list(Referral.objects.values_list("pathway", flat=True)) == [Pathway.SOCIAL_CONTACT]


@pytest.mark.parametrize(
    "data",
    [
        {"pathways": ["parole"], "intake_deadline_days": "14"},
        {"pathways": ["social_contact"], "intake_deadline_days": "9"},
        {"pathways": ["social_contact"], "intake_deadline_days": "seven"},
        {"pathways": ["social_contact"], "intake_deadline_days": "14", "recipients": "bogus"},
    ],
)
def test_bad_referral_settings_are_form_errors_and_change_nothing(
    client, programme_manager, site_a, data
):
    before = (list(site_a.enabled_pathways), site_a.intake_deadline_days)
    client.force_login(programme_manager)
    assert client.post("/s/taos/referrals/settings/", data).status_code == 400
    site_a.refresh_from_db()
    assert (site_a.enabled_pathways, site_a.intake_deadline_days) == before


@pytest.mark.parametrize("text", ["", "x" * 301, "Ask\x00about"])
def test_a_bad_checklist_question_is_refused_with_a_message(client, programme_manager, text):
    from referrals.models import EligibilityItem

    client.force_login(programme_manager)
    with scopes_disabled():
        before = EligibilityItem.objects.count()
    response = client.post("/s/taos/referrals/settings/checklist/", {"text": text}, follow=True)
    assert response.status_code == 200
    assert "Write the question" in response.content.decode()
    with scopes_disabled():
        assert EligibilityItem.objects.count() == before


# -- The referral page: forged transitions ---------------------------------------------------------


@pytest.mark.parametrize("closed", [Status.DECLINED, Status.INELIGIBLE, Status.ENROLLED])
def test_an_outcome_for_an_already_closed_referral_is_refused(
    worker_client, make_referral, fresh, closed
):
    referral = make_referral(status=closed, outcome_note="Said no thanks at the shelter")
    response = worker_client.post(_url(referral, "outcome"), {"outcome": Status.WITHDRAWN})
    _refused(response, "cannot become withdrawn")
    referral = fresh(referral)
    assert referral.status == closed
    assert referral.outcome_note == "Said no thanks at the shelter"


def test_an_outcome_not_on_the_list_is_a_form_error(worker_client, make_referral, fresh):
    referral = make_referral(status=Status.LOCATING)
    for forged in (Status.ENROLLED, Status.LOCATING, "deleted"):
        response = worker_client.post(_url(referral, "outcome"), {"outcome": forged})
        _refused(response, "Select a valid choice.")
    assert fresh(referral).status == Status.LOCATING


@pytest.mark.parametrize(
    "status",
    [Status.NEW, Status.SCREENING, Status.LOCATING, Status.CONTACTED, Status.DECLINED],
)
def test_resume_only_works_for_unable_to_locate(worker_client, make_referral, fresh, status):
    referral = make_referral(status=status)
    _refused(worker_client.post(_url(referral, "resume")))
    assert fresh(referral).status == status


def test_a_prosecutor_outcome_of_do_not_file_needs_an_intake_in_time(
    worker_client, make_referral, fresh
):
    today = timezone.localdate()
    referral = make_referral(
        pathway=Pathway.ARREST_DIVERSION,
        status=Status.CONTACTED,
        diversion_date=today,
        intake_due_date=today + timedelta(days=14),
    )
    response = worker_client.post(
        _url(referral, "prosecutor"), {"outcome": ProsecutorOutcome.DO_NOT_FILE}
    )
    _refused(response, "Intake was not completed in time")
    response = worker_client.post(
        _url(referral, "prosecutor"), {"outcome": ProsecutorOutcome.FORWARDED}
    )
    _refused(response, "The intake deadline has not been missed.")
    _refused(worker_client.post(_url(referral, "prosecutor"), {"outcome": "dismissed"}))
    assert fresh(referral).prosecutor_outcome == ""


def test_a_prosecutor_outcome_on_a_social_contact_is_refused(worker_client, make_referral, fresh):
    referral = make_referral(status=Status.ENROLLED, closed_at=timezone.now())
    response = worker_client.post(
        _url(referral, "prosecutor"), {"outcome": ProsecutorOutcome.DO_NOT_FILE}
    )
    _refused(response, "Only arrest diversions have a prosecutor outcome.")
    assert fresh(referral).prosecutor_outcome == ""


def test_a_prosecutor_outcome_without_a_due_date_is_refused_not_a_500(
    worker_client, make_referral, fresh
):
    referral = make_referral(
        pathway=Pathway.ARREST_DIVERSION, status=Status.ENROLLED, closed_at=timezone.now()
    )
    for outcome in ProsecutorOutcome.values:
        _refused(worker_client.post(_url(referral, "prosecutor"), {"outcome": outcome}))
    assert fresh(referral).prosecutor_outcome == ""


def test_a_prosecutor_outcome_is_recorded_once(worker_client, make_referral, fresh):
    today = timezone.localdate()
    referral = make_referral(
        pathway=Pathway.ARREST_DIVERSION,
        status=Status.ENROLLED,
        closed_at=timezone.now(),
        diversion_date=today,
        intake_due_date=today + timedelta(days=7),
    )
    url = _url(referral, "prosecutor")
    assert worker_client.post(url, {"outcome": ProsecutorOutcome.DO_NOT_FILE}).status_code == 302
    _refused(worker_client.post(url, {"outcome": ProsecutorOutcome.DO_NOT_FILE}), "already")
    assert fresh(referral).prosecutor_outcome == ProsecutorOutcome.DO_NOT_FILE


def test_deciding_a_closed_or_already_decided_referral_is_refused(
    worker_client, make_referral, fresh
):
    decided = make_referral(status=Status.LOCATING, decision="eligible")
    response = worker_client.post(
        _url(decided, "decision"), {"decision": "ineligible", "reason": "x"}
    )
    _refused(response, "Only a referral in screening can be decided.")
    assert fresh(decided).decision == "eligible"
    closed = make_referral(status=Status.WITHDRAWN)
    _refused(worker_client.post(_url(closed, "decision"), {"decision": "eligible"}))
    assert fresh(closed).status == Status.WITHDRAWN
    _refused(worker_client.post(_url(closed, "decision"), {"decision": "maybe"}))


def test_screening_a_closed_referral_is_refused(worker_client, make_referral, checklist, fresh):
    saved = {str(checklist[0].uuid): {"question": checklist[0].text, "answer": "yes"}}
    referral = make_referral(status=Status.DECLINED, screening_answers=saved)
    response = worker_client.post(_url(referral, "screening"), {f"item-{checklist[0].uuid}": "no"})
    _refused(response)
    assert fresh(referral).screening_answers == saved


# -- The referral page: bad values -------------------------------------------------------------


@pytest.mark.parametrize(
    "answers",
    [
        {f"item-{uuid.uuid4()}": "yes"},
        {"item-not-a-uuid": "yes"},
        {"item-\x00": "yes"},
        {"item-FIRST": "maybe"},
    ],
)
def test_unknown_checklist_items_or_answers_are_refused_and_keep_saved_answers(
    worker_client, make_referral, checklist, fresh, answers
):
    saved = {str(checklist[1].uuid): {"question": checklist[1].text, "answer": "no"}}
    referral = make_referral(status=Status.SCREENING, screening_answers=saved)
    answers = {k.replace("FIRST", str(checklist[0].uuid)): v for k, v in answers.items()}
    response = worker_client.post(_url(referral, "screening"), answers)
    _refused(response, "The checklist changed; reload the page and answer again.")
    assert fresh(referral).screening_answers == saved


def test_a_retired_checklist_question_cannot_be_answered(
    client, programme_manager, make_referral, checklist, fresh
):
    client.force_login(programme_manager)
    retired = checklist[0]
    client.post(f"/s/taos/referrals/settings/checklist/{retired.uuid}/", {"action": "retire"})
    referral = make_referral()
    _refused(client.post(_url(referral, "screening"), {f"item-{retired.uuid}": "yes"}))
    assert fresh(referral).screening_answers == {}
    assert fresh(referral).status == Status.NEW


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"attempted_at": "yesterday-ish"}, "Enter a valid date/time."),
        ({"attempted_at": "2026-13-45T25:61"}, "Enter a valid date/time."),
        ({"attempted_at": ""}, "This field is required."),
        ({"attempted_at": "2099-01-01T10:00"}, "An attempt cannot be in the future."),
        (
            {"attempted_at": "1899-01-01T10:00"},
            "An attempt cannot be before the referral was made.",
        ),
        (
            {"attempted_at": "0001-01-01T00:00"},
            "An attempt cannot be before the referral was made.",
        ),
        ({"method": "carrier pigeon"}, "Select a valid choice."),
        ({"result": "vanished"}, "Select a valid choice."),
        ({"place": "x" * 10_000}, "at most 200 characters"),
        ({"note": "Seen\x07at the river"}, "Remove the invisible control characters"),
    ],
)
def test_bad_locate_attempts_are_form_errors(
    worker_client, make_referral, fresh, overrides, message
):
    referral = make_referral(status=Status.LOCATING)
    data = {
        "attempted_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "place": "Kit Carson Park",
        "method": LocateAttempt.Method.PHONE,
        "result": LocateAttempt.Result.FOUND,
        **overrides,
    }
    _refused(worker_client.post(_url(referral, "attempts"), data), message)
    with scope(site=referral.site):
        assert not LocateAttempt.objects.filter(referral=referral).exists()
    assert fresh(referral).status == Status.LOCATING


def test_an_attempt_on_a_closed_referral_is_refused(worker_client, make_referral, fresh):
    referral = make_referral(status=Status.WITHDRAWN)
    data = {
        "attempted_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "method": LocateAttempt.Method.PHONE,
        "result": LocateAttempt.Result.FOUND,
    }
    _refused(worker_client.post(_url(referral, "attempts"), data), "This referral is closed")
    assert fresh(referral).status == Status.WITHDRAWN


@pytest.mark.parametrize("assignee", ["not-a-uuid", str(uuid.uuid4()), "\x00", "1"])
def test_a_garbage_assignee_is_a_form_error(
    worker_client, case_manager, make_referral, fresh, assignee
):
    referral = make_referral(assignee=case_manager)
    _refused(worker_client.post(_url(referral, "assign"), {"assignee": assignee}))
    assert fresh(referral).assignee == case_manager


@pytest.mark.parametrize("field, value", [("reason", "x" * 10_000), ("reason", "no\x00pe")])
def test_a_bad_decision_reason_is_a_form_error(worker_client, make_referral, fresh, field, value):
    referral = make_referral()
    _refused(
        worker_client.post(_url(referral, "decision"), {"decision": "ineligible", field: value})
    )
    assert fresh(referral).status == Status.NEW


def test_a_duplicate_review_with_a_made_up_verdict_changes_nothing(worker_client, make_referral):
    from referrals.models import DuplicateReview

    one, two = make_referral(), make_referral()
    response = worker_client.post(_url(one, f"duplicates/{two.uuid}"), {"verdict": "merge"})
    assert response.status_code == 302
    assert (
        worker_client.post(_url(one, f"duplicates/{one.uuid}"), {"verdict": "linked"}).status_code
        == 403
    )
    with scope(site=one.site):
        assert not DuplicateReview.objects.exists()


# -- Someone else's referral -------------------------------------------------------------------


ACTIONS = [
    ("get", ""),
    ("get", "submitted"),
    ("post", "screening"),
    ("post", "decision"),
    ("post", "assign"),
    ("post", "attempts"),
    ("post", "outcome"),
    ("post", "resume"),
    ("post", "prosecutor"),
]


@pytest.mark.parametrize("method, action", ACTIONS)
def test_another_sites_referral_under_our_site_is_a_404(
    worker_client, make_referral, site_b, fresh, method, action
):
    theirs = make_referral(site=site_b, number="LEA-2026-0001", status=Status.UNABLE_TO_LOCATE)
    response = getattr(worker_client, method)(_url(theirs, action), {"outcome": "withdrawn"})
    assert response.status_code == 404
    assert fresh(theirs).status == Status.UNABLE_TO_LOCATE


def test_a_referral_that_does_not_exist_is_a_404(worker_client):
    for method, action in ACTIONS:
        url = f"/s/taos/referrals/{uuid.uuid4()}/" + (f"{action}/" if action else "")
        assert getattr(worker_client, method)(url).status_code == 404, action


def test_a_malformed_uuid_is_a_404(worker_client):
    assert worker_client.get("/s/taos/referrals/12345/").status_code == 404
    assert worker_client.post("/s/taos/referrals/not-a-uuid/outcome/").status_code == 404


def test_another_sites_referral_cannot_be_linked_as_a_duplicate(
    worker_client, make_referral, site_b
):
    from referrals.models import DuplicateReview

    ours = make_referral()
    theirs = make_referral(site=site_b, number="LEA-2026-0001")
    url = _url(ours, f"duplicates/{theirs.uuid}")
    assert worker_client.post(url, {"verdict": "linked"}).status_code == 404
    with scopes_disabled():
        assert not DuplicateReview.objects.exists()


def test_a_get_on_an_action_is_refused(worker_client, make_referral):
    referral = make_referral()
    assert worker_client.get(_url(referral, "outcome")).status_code == 405


def test_queue_filters_with_garbage_are_ignored(worker_client, make_referral):
    referral = make_referral()
    response = worker_client.get(
        "/s/taos/referrals/",
        {"status": "\x00", "pathway": "x" * 5000, "age": "forever", "page": "-1"},
    )
    assert response.status_code == 200
    assert referral.number in response.content.decode()
    assert worker_client.get("/s/taos/referrals/", {"page": "9999"}).status_code == 200


def test_a_date_of_birth_far_in_the_past_is_never_a_server_error_anywhere(
    client, case_manager, community_data
):
    """The same rules hold on the public form and the case manager's phone form."""
    for path in ("/refer/taos/", f"{NEW}/community/"):
        if path.startswith("/s/"):
            client.force_login(case_manager)
        for dob in ("1899-12-31", FUTURE, date(1, 1, 1).isoformat()):
            assert client.post(path, community_data(date_of_birth=dob)).status_code == 400
    assert _count() == 0
