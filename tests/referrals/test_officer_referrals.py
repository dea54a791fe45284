"""Officers refer from a phone: two pathways, a short form, a readable number, and afterwards only
the status of their own referrals (42 CFR Part 2 §2.12(d))."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from referrals.models import LocateAttempt, Referral, Status
from sites.roles import Pathway, Role
from tests.factories import member

NUMBER = re.compile(r"TAO-\d{4}-\d{4}")


def _submit(client, pathway: str, data: dict):
    return client.post(f"/s/taos/referrals/new/{pathway}/", data)


def _referrals() -> list[Referral]:
    with scopes_disabled():
        return list(Referral.objects.all())


def test_an_officer_chooses_between_arrest_diversion_and_social_contact(client, officer):
    client.force_login(officer)
    page = client.get("/s/taos/referrals/new/").content.decode()
    assert "/s/taos/referrals/new/arrest_diversion/" in page
    assert "/s/taos/referrals/new/social_contact/" in page
    # community referrals come from the public form (or a case manager taking a call)
    assert "/s/taos/referrals/new/community/" not in page
    assert client.get("/s/taos/referrals/new/community/").status_code == 404


def test_the_form_carries_a_fresh_submission_key(client, officer):
    client.force_login(officer)
    first = client.get("/s/taos/referrals/new/social_contact/").content.decode()
    second = client.get("/s/taos/referrals/new/social_contact/").content.decode()
    key = re.compile(r'name="idempotency_key" value="([0-9a-f-]{36})"')
    assert key.search(first).group(1) != key.search(second).group(1)


def test_an_arrest_diversion_is_confirmed_with_its_number_and_what_happens_next(
    client, officer, site_a, arrest_data, django_capture_on_commit_callbacks
):
    client.force_login(officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = _submit(client, "arrest_diversion", arrest_data())
    [referral] = _referrals()
    assert response.status_code == 302
    assert response["Location"] == f"/s/taos/referrals/{referral.uuid}/submitted/"
    assert referral.number == f"TAO-{timezone.localdate().year}-0001"
    assert referral.pathway == Pathway.ARREST_DIVERSION
    assert referral.status == Status.NEW
    assert referral.submitted_by == officer
    assert referral.intake_due_date == timezone.localdate() + timedelta(
        days=site_a.intake_deadline_days
    )

    page = client.get(response["Location"]).content.decode()
    assert referral.number in page
    assert "What happens next" in page
    assert "Intake must be completed by" in page
    assert "My referrals" in page


def test_a_social_contact_referral_gets_the_next_number_and_no_legal_clock(
    client, officer, arrest_data, social_data
):
    client.force_login(officer)
    _submit(client, "arrest_diversion", arrest_data())
    response = _submit(client, "social_contact", social_data())
    with scopes_disabled():
        referral = Referral.objects.get(pathway=Pathway.SOCIAL_CONTACT)
    assert referral.number == f"TAO-{timezone.localdate().year}-0002"
    assert referral.intake_due_date is None
    page = client.get(response["Location"]).content.decode()
    assert referral.number in page
    assert "What happens next" in page
    assert "Intake must be completed by" not in page


def test_a_phone_resubmitting_the_same_form_makes_one_referral_and_the_same_confirmation(
    client, officer, arrest_data
):
    client.force_login(officer)
    data = arrest_data()
    first = _submit(client, "arrest_diversion", data)
    again = _submit(client, "arrest_diversion", data)
    [referral] = _referrals()
    assert (
        first["Location"] == again["Location"] == (f"/s/taos/referrals/{referral.uuid}/submitted/")
    )
    assert referral.number in client.get(again["Location"]).content.decode()


def test_a_new_referral_notifies_the_site_team(
    client, officer, case_manager, site_a, social_data, django_capture_on_commit_callbacks
):
    from sites.models import Notification

    client.force_login(officer)
    with django_capture_on_commit_callbacks(execute=True):
        _submit(client, "social_contact", social_data())
    [referral] = _referrals()
    with scopes_disabled():
        titles = list(
            Notification.objects.filter(user=case_manager).values_list("title", flat=True)
        )
    assert any(referral.number in title for title in titles)


def _officer_sees(client) -> str:
    response = client.get("/s/taos/referrals/mine/")
    assert response.status_code == 200
    return response.content.decode()


def test_my_referrals_shows_only_mine_with_the_status_an_officer_may_know(
    client, officer, site_a, make_referral
):
    other_officer = member(site_a, Role.OFFICER, email="other.officer@example.org")
    received = make_referral(submitted_by=officer, status=Status.LOCATING)
    contacted = make_referral(submitted_by=officer, status=Status.CONTACTED)
    enrolled = make_referral(submitted_by=officer, status=Status.ENROLLED)
    declined = make_referral(submitted_by=officer, status=Status.DECLINED)
    someone_elses = make_referral(submitted_by=other_officer)

    client.force_login(officer)
    page = _officer_sees(client)
    card = r"<strong>(TST-\d{4}-\d{4})</strong>.*?class=\"status status-(\w+)\""
    cards = dict(re.findall(card, page, re.S))
    assert cards == {
        received.number: "received",
        contacted.number: "contacted",
        enrolled.number: "enrolled",
        declined.number: "not_enrolled",
    }
    assert someone_elses.number not in page
    for label in ("Received", "Contacted", "Enrolled", "Not enrolled"):
        assert label in page
    # the internal workflow words stay inside the team
    assert "Locating" not in page
    assert "Declined" not in page


def test_my_referrals_never_shows_case_management_content(
    client, officer, site_a, arrest_data, checklist
):
    worker = member(
        site_a,
        Role.CASE_MANAGER,
        email="marisol@example.org",
        first_name="Marisol",
        last_name="Quintana",
    )
    client.force_login(officer)
    _submit(client, "arrest_diversion", arrest_data(narrative="SECRET-NARRATIVE"))
    _submit(client, "arrest_diversion", arrest_data(first_name="Ezra"))
    with scopes_disabled():
        found, turned_away = Referral.objects.order_by("number")

    staff = client.__class__()
    staff.force_login(worker)
    base = "/s/taos/referrals"
    staff.post(f"{base}/{found.uuid}/screening/", {f"item-{checklist[0].uuid}": "yes"})
    staff.post(f"{base}/{found.uuid}/assign/", {"assignee": str(worker.uuid)})
    staff.post(
        f"{base}/{found.uuid}/attempts/",
        {
            "attempted_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "place": "SECRET-PLACE shelter",
            "method": LocateAttempt.Method.IN_PERSON,
            "result": LocateAttempt.Result.FOUND,
            "note": "SECRET-ATTEMPT-NOTE relapsed last week",
        },
    )
    staff.post(
        f"{base}/{turned_away.uuid}/decision/",
        {"decision": "ineligible", "reason": "SECRET-DECISION-REASON lives out of county"},
    )
    assert _referrals_by_status() == {Status.CONTACTED, Status.INELIGIBLE}

    page = _officer_sees(client)
    assert found.number in page and turned_away.number in page
    assert "Contacted" in page and "Not enrolled" in page
    for secret in (
        "SECRET-NARRATIVE",
        "SECRET-PLACE",
        "SECRET-ATTEMPT-NOTE",
        "SECRET-DECISION-REASON",
        "Marisol",
        "Quintana",
        checklist[0].text,
        "Ineligible",
    ):
        assert secret not in page, secret


def _referrals_by_status() -> set[str]:
    return {r.status for r in _referrals()}


def test_an_officer_cannot_open_another_officers_confirmation(
    client, officer, site_a, make_referral
):
    other_officer = member(site_a, Role.OFFICER, email="other.officer@example.org")
    theirs = make_referral(submitted_by=other_officer)
    client.force_login(officer)
    response = client.get(f"/s/taos/referrals/{theirs.uuid}/submitted/")
    assert response.status_code == 404
    assert theirs.number not in response.content.decode()


def test_an_officer_is_refused_the_queue_and_the_referral_page(client, officer, make_referral):
    mine = make_referral(submitted_by=officer)
    client.force_login(officer)
    assert client.get("/s/taos/referrals/").status_code == 403
    assert client.get(f"/s/taos/referrals/{mine.uuid}/").status_code == 403


@pytest.mark.parametrize(
    "action, data",
    [
        ("screening", {}),
        ("decision", {"decision": "eligible"}),
        ("assign", {}),
        ("outcome", {"outcome": "withdrawn"}),
        ("resume", {}),
    ],
)
def test_an_officer_cannot_work_even_their_own_referral(
    client, officer, make_referral, fresh, action, data
):
    mine = make_referral(submitted_by=officer)
    client.force_login(officer)
    assert client.post(f"/s/taos/referrals/{mine.uuid}/{action}/", data).status_code == 403
    assert fresh(mine).status == Status.NEW


def test_an_officer_of_another_site_gets_404(client, site_b, arrest_data):
    lea_officer = member(site_b, Role.OFFICER, email="officer.lea@example.org")
    client.force_login(lea_officer)
    assert client.get("/s/taos/referrals/new/").status_code == 404
    assert _submit(client, "arrest_diversion", arrest_data()).status_code == 404
    assert _referrals() == []
