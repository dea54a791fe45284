"""A case manager's day in a real browser, on a desktop and on a tablet.

They open their caseload, open one participant (the one who came from an officer's referral),
log a contact with two services and a follow-up task, and find the contact at the top of the
timeline, the task among the participant's open tasks and on "My tasks".
"""

from __future__ import annotations

import time
import uuid
from datetime import timedelta

import pytest
from django.utils import formats, timezone, translation
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from casenotes.models import Contact, Task
from lead.models import User
from participants.models import Participant
from referrals import services as referral_services
from referrals.models import Referral, Status
from sites.models import Site
from sites.roles import Pathway
from tests.browser.conftest import BROWSER_DB, DESKTOP
from tests.browser.pages import assert_phone_friendly, sign_in
from tests.participants.conftest import participant_make

pytestmark = [pytest.mark.browser, BROWSER_DB]

# An iPad Air held upright: what outreach workers carry between the office and the street.
TABLET = {"width": 820, "height": 1180}

NARRATIVE = (
    "Met Marisol at the plaza. She is ready to start buprenorphine; we called the clinic "
    "together and she has an intake slot on Thursday. Talked through the housing waitlist."
)
FOLLOW_UP = "Drive Marisol to the MOUD intake appointment"
SERVICES = ("Housing navigation", "MOUD/MAT linkage")


def _contact_in_the_past(participant: Participant, days_ago: int, narrative: str) -> None:
    from casenotes.services import contact_record

    with scopes_disabled():
        contact_record(
            participant=participant,
            author=participant.case_manager,
            contacted_at=timezone.now() - timedelta(days=days_ago),
            contact_type="phone",
            location="office",
            narrative=narrative,
        )


def _caseload(officer: User, case_manager: User) -> Participant:
    """Three participants of ``case_manager`` at Taos; returns the one from a referral.

    Everything happened days ago, so whatever the journey logs now is the newest entry."""
    with scopes_disabled():
        taos = Site.objects.get(slug="taos")
        referral, _created = referral_services.referral_submit(
            site=taos,
            pathway=Pathway.ARREST_DIVERSION,
            data={
                "first_name": "Marisol",
                "last_name": "Archuleta",
                "estimated_age": 34,
                "description": "Green hoodie, grey backpack",
                "where_to_find": "Behind the Smith's on Paseo del Pueblo Sur",
                "offence_category": "shoplifting",
                "incident_number": "TPD-26-001234",
                "agency": "Taos Police Department",
                "diversion_date": timezone.localdate(),
                "narrative": "Cooperative. Said she has been trying to get into treatment.",
            },
            by=officer,
            idempotency_key=uuid.uuid4(),
        )
        # Submitted two weeks ago (test data: the date is not something a user can change).
        referral.submitted_at = timezone.now() - timedelta(days=14)
        referral._history_user = officer
        referral.save(update_fields=["submitted_at"])
    marisol = participant_make(
        site=taos,
        by=case_manager,
        case_manager=case_manager,
        referral=referral,
        enrolled_days_ago=12,
        legal_first_name="Marisol",
        legal_last_name="Archuleta",
        where_to_find="Behind the Smith's on Paseo del Pueblo Sur",
    )
    _contact_in_the_past(marisol, 3, "Phoned about the clinic; she wants to think about it.")
    dana = participant_make(
        site=taos,
        by=case_manager,
        case_manager=case_manager,
        enrolled_days_ago=30,
        legal_first_name="Dana",
        legal_last_name="Whitehorse",
    )
    ray = participant_make(
        site=taos,
        by=case_manager,
        case_manager=case_manager,
        enrolled_days_ago=20,
        legal_first_name="Ray",
        legal_last_name="Martinez",
    )
    _contact_in_the_past(ray, 9, "Left a message at the shelter.")
    with scopes_disabled():
        assert Referral.objects.get(pk=referral.pk).status == Status.ENROLLED
        assert {p.pk for p in Participant.objects.filter(case_manager=case_manager)} == {
            marisol.pk,
            dana.pk,
            ray.pk,
        }
    return marisol


def _short_date(day) -> str:
    with translation.override("en"):
        return formats.date_format(day, "SHORT_DATE_FORMAT")


@pytest.mark.parametrize(
    ("viewport", "label"),
    [pytest.param(DESKTOP, "desktop", id="desktop"), pytest.param(TABLET, "tablet", id="tablet")],
)
def test_a_case_manager_logs_a_contact_with_services_and_a_follow_up(
    live_server,
    open_page,
    officer,
    case_manager,
    password,
    artifacts_dir,
    viewport,
    label,
):
    marisol = _caseload(officer, case_manager)
    page, watch = open_page(viewport)
    contacted_at = timezone.localtime(timezone.now() - timedelta(minutes=40)).replace(
        second=0, microsecond=0
    )
    due = timezone.localdate() + timedelta(days=7)

    signing_in = time.perf_counter()
    sign_in(page, live_server.url, case_manager.email, password)
    expect(page).to_have_url(f"{live_server.url}/s/taos/")

    # -- The caseload ------------------------------------------------------------------------
    started = time.perf_counter()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My caseload").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My caseload")
    rows = page.get_by_role("table").locator("tbody tr")
    # Longest without contact first: Dana (never), Ray (9 days), Marisol (3 days).
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("Dana Whitehorse")
    expect(rows.nth(1)).to_contain_text("Ray Martinez")
    expect(rows.nth(2)).to_contain_text("Marisol Archuleta")
    expect(rows.nth(2)).to_contain_text(marisol.case_number)
    assert_phone_friendly(page, f"the caseload ({label})")
    page.screenshot(path=artifacts_dir / f"caseload-{label}.png", full_page=True)

    rows.nth(2).get_by_role("link", name="Marisol Archuleta").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        f"{marisol.case_number}: Marisol Archuleta"
    )
    expect(page.get_by_role("region", name="Open tasks")).to_contain_text("No open tasks.")

    # -- The contact form --------------------------------------------------------------------
    page.get_by_role("navigation", name="Actions").get_by_role("link", name="Log contact").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Log a contact: Marisol Archuleta")
    # A screen reader hears "Where", not "Where star": the asterisk is for the eyes only.
    expect(page.get_by_role("combobox", name="Where", exact=True)).to_have_count(1)
    page.get_by_label("When").fill(contacted_at.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("How long (minutes)").fill("45")
    page.get_by_label("Type of contact").select_option(label="In person")
    page.get_by_label("Where").select_option(label="Street")
    outcome = page.get_by_role("group", name="Outcome")
    expect(outcome.get_by_label("Reached the person")).to_be_checked()  # the usual case
    outcome.get_by_label("Reached the person").check()
    services = page.get_by_role("group", name="Services provided")
    for service in SERVICES:
        services.get_by_label(service, exact=True).check()
    page.get_by_label("Narrative").fill(NARRATIVE)
    page.get_by_label("Follow-up task").fill(FOLLOW_UP)
    page.get_by_label("Follow-up due").fill(due.isoformat())
    assert_phone_friendly(page, f"the contact form ({label})")
    page.screenshot(path=artifacts_dir / f"contact-form-{label}.png", full_page=True)
    page.get_by_role("button", name="Save contact").click()

    # -- Back on the participant page --------------------------------------------------------
    expect(page).to_have_url(f"{live_server.url}/s/taos/participants/{marisol.uuid}/")
    expect(page.get_by_role("status")).to_contain_text(
        "Contact saved, with a follow-up task for you."
    )
    timeline = page.get_by_role("region", name="Timeline")
    entries = timeline.locator("ol.timeline > li")
    newest = entries.first.get_by_role("article")
    expect(newest.get_by_role("heading", level=3)).to_contain_text("In person · Street")
    expect(newest.get_by_role("heading", level=3)).to_contain_text("Reached")
    expect(newest).to_contain_text(", 45 minutes")
    expect(newest).to_contain_text(", ".join(SERVICES))
    expect(newest.locator(".narrative")).to_have_text(NARRATIVE)
    expect(newest.get_by_role("link", name="Edit")).to_be_visible()  # hers, within 24 hours
    # The older contact is still there, below the new one; the referral is at the bottom.
    expect(entries.nth(1)).to_contain_text("she wants to think about it")
    expect(entries.last).to_contain_text(f"Referred: {marisol.referral.number}")
    tasks = page.get_by_role("region", name="Open tasks")
    task = tasks.get_by_role("listitem").filter(has_text=FOLLOW_UP)
    expect(task).to_have_count(1)
    expect(task).to_contain_text(f"due {_short_date(due)}")
    expect(task.get_by_role("button", name=FOLLOW_UP)).to_have_text(f"Done: {FOLLOW_UP}")
    assert_phone_friendly(page, f"the participant page ({label})")
    page.screenshot(path=artifacts_dir / f"participant-timeline-{label}.png", full_page=True)

    # -- My tasks ----------------------------------------------------------------------------
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My tasks").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My tasks")
    row = page.get_by_role("table").locator("tbody tr", has_text=FOLLOW_UP)
    expect(row).to_have_count(1)
    expect(row).to_contain_text(_short_date(due))
    expect(row.get_by_role("link")).to_have_text(f"{marisol.case_number} Marisol Archuleta")
    assert_phone_friendly(page, f"my tasks ({label})")
    page.screenshot(path=artifacts_dir / f"my-tasks-{label}.png", full_page=True)
    done = time.perf_counter()
    print(
        f"\ncase manager at {viewport['width']}×{viewport['height']}: My caseload → contact "
        f"logged → My tasks {done - started:.2f} s (with signing in {done - signing_in:.2f} s)"
    )

    # What the browser did is what the database holds: one contact, one task, both hers.
    with scopes_disabled():
        contact = Contact.objects.filter(participant=marisol).latest("contacted_at")
        follow_up = Task.objects.get(participant=marisol)
        marisol = Participant.objects.get(pk=marisol.pk)
    assert contact.author == case_manager
    assert contact.contacted_at == contacted_at
    assert (contact.duration_minutes, contact.contact_type, contact.location) == (
        45,
        "in_person",
        "street",
    )
    assert contact.successful
    assert contact.services == ["housing", "moud"]
    assert contact.narrative == NARRATIVE
    assert (follow_up.title, follow_up.due_on, follow_up.assignee) == (FOLLOW_UP, due, case_manager)
    assert follow_up.done_at is None
    assert marisol.last_contact_at == contacted_at
    watch.assert_clean()
