"""Referral forms in a real browser: an officer on a phone, the public in Spanish, a mistake.

Also screenshots of the case managers' queue and referral page, on a phone and a desktop.
"""

from __future__ import annotations

import re
import time
import uuid

import pytest
from django.utils import formats, timezone, translation
from django_scopes import scopes_disabled
from playwright.sync_api import Page, expect

from referrals import services
from referrals.models import Referral, Status
from sites.roles import Pathway
from tests.browser.conftest import BROWSER_DB, DESKTOP, PHONE
from tests.browser.pages import (
    assert_phone_friendly,
    has_no_horizontal_scroll,
    sign_in,
)

pytestmark = [pytest.mark.browser, BROWSER_DB]

# A common phone today (iPhone 12 to 15): the size officers carry on patrol.
PHONE_390 = {"width": 390, "height": 844}

TAOS_NUMBER = re.compile(r"TAO-20\d\d-\d{4}")


def start_arrest_diversion(page: Page) -> None:
    """From the officer's home page: the big "New referral" button, then the pathway."""
    page.get_by_role("main").get_by_role("link", name="New referral").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New referral")
    page.get_by_role("link", name="Arrest diversion").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Arrest diversion")


def fill_arrest_diversion(page: Page, *, incident_number: str = "TPD-26-001234") -> None:
    page.get_by_label("First name").fill("Marisol")
    page.get_by_label("Last name").fill("Archuleta")
    page.get_by_label("Estimated age").fill("34")
    page.get_by_label("What they look like").fill("Green hoodie, grey backpack, short dark hair")
    page.get_by_label("Where to find them").fill("Behind the Smith's on Paseo del Pueblo Sur")
    page.get_by_label("Offence").select_option(label="Shoplifting or theft")
    page.get_by_label("Incident number").fill(incident_number)
    page.get_by_label("Agency").fill("Taos Police Department")


def taos_referrals() -> list[Referral]:
    with scopes_disabled():
        return list(Referral.objects.filter(site__slug="taos").order_by("pk"))


def test_an_officer_on_a_phone_makes_an_arrest_diversion_referral(
    live_server, open_page, officer, password, artifacts_dir
):
    page, watch = open_page(PHONE_390)
    today = timezone.localdate()
    signing_in = time.perf_counter()
    sign_in(page, live_server.url, officer.email, password)
    expect(page).to_have_url(f"{live_server.url}/s/taos/")

    started = time.perf_counter()
    start_arrest_diversion(page)
    # The diversion date is today unless the officer changes it.
    expect(page.get_by_label("Diversion date")).to_have_value(today.isoformat())
    fill_arrest_diversion(page)
    assert_phone_friendly(page, "the arrest diversion form")
    page.screenshot(path=artifacts_dir / "officer-referral-form-390.png", full_page=True)
    page.get_by_role("button", name="Submit referral").click()

    confirmation = page.get_by_role("status").filter(has_text="Referral received")
    expect(confirmation).to_be_visible()
    expect(confirmation.locator(".referral-number")).to_have_text(TAOS_NUMBER)
    done = time.perf_counter()
    print(
        f"\nofficer at 390 px: New referral → confirmation {done - started:.2f} s "
        f"(with signing in {done - signing_in:.2f} s)"
    )

    (referral,) = taos_referrals()
    assert referral.pathway == Pathway.ARREST_DIVERSION
    assert referral.submitted_by == officer
    assert referral.diversion_date == today
    assert referral.incident_number == "TPD-26-001234"
    assert referral.display_name == "Marisol Archuleta"
    assert referral.description == "Green hoodie, grey backpack, short dark hair"
    assert referral.where_to_find == "Behind the Smith's on Paseo del Pueblo Sur"
    assert referral.estimated_age == 34
    assert referral.offence_category == "shoplifting"
    assert referral.agency == "Taos Police Department"
    expect(confirmation).to_contain_text(referral.number)

    next_steps = page.get_by_role("region", name="What happens next")
    expect(next_steps).to_be_visible()
    with translation.override("en"):
        due = formats.date_format(referral.intake_due_date, "DATE_FORMAT")
    assert (referral.intake_due_date - today).days == 14  # Taos: 14 days
    expect(next_steps).to_contain_text(f"Intake must be completed by {due}")
    assert_phone_friendly(page, "the confirmation")
    page.screenshot(path=artifacts_dir / "officer-referral-confirmation-390.png", full_page=True)

    page.get_by_role("main").get_by_role("link", name="My referrals").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My referrals")
    card = page.locator(".referral-cards > li", has_text=referral.number)
    expect(card).to_have_count(1)
    expect(card.locator(".status")).to_have_text("Received")
    expect(card).to_contain_text("Arrest diversion")
    # An officer sees the status, not the person: no name on the list.
    expect(card).not_to_contain_text("Archuleta")
    assert has_no_horizontal_scroll(page), "My referrals scrolls sideways"
    page.screenshot(path=artifacts_dir / "officer-my-referrals-390.png", full_page=True)

    watch.assert_clean()


def test_name_unknown_is_enough_for_the_officer_form(
    live_server, open_page, officer, password, artifacts_dir
):
    page, watch = open_page(PHONE_390)
    sign_in(page, live_server.url, officer.email, password)
    start_arrest_diversion(page)

    page.get_by_label("Name unknown").check()
    page.get_by_label("Estimated age").fill("50")
    page.get_by_label("What they look like").fill("Tall, red cap, walks with a cane")
    page.get_by_label("Offence").select_option(label="Trespass")
    page.get_by_label("Incident number").fill("TPD-26-009999")
    page.get_by_label("Agency").fill("Taos County Sheriff")
    page.get_by_role("button", name="Submit referral").click()

    expect(page.locator(".referral-number")).to_have_text(TAOS_NUMBER)
    (referral,) = taos_referrals()
    assert referral.name_unknown
    assert (referral.first_name, referral.last_name) == ("", "")
    watch.assert_clean()


def test_an_officer_form_error_shows_at_the_field_and_keeps_the_answers(
    live_server, open_page, officer, password, artifacts_dir
):
    page, watch = open_page(PHONE_390)
    sign_in(page, live_server.url, officer.email, password)
    start_arrest_diversion(page)
    fill_arrest_diversion(page, incident_number="")

    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.get_by_role("button", name="Submit referral").click()
    assert posted.value.status == 400
    assert taos_referrals() == []

    # At the top, a summary that links to each field in error.
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_have_attribute("role", "alert")
    expect(summary).to_contain_text("Please correct the fields marked below.")
    expect(summary.get_by_role("listitem")).to_have_count(1)
    expect(summary.get_by_role("listitem")).to_have_text("Incident number: This field is required.")
    incident = page.get_by_label("Incident number")
    error = page.locator("#id_incident_number_error")
    expect(error).to_be_visible()
    expect(error).to_have_text("This field is required.")
    # Next to its field: in the same block, right below the input, and announced with it.
    field = page.locator(".field", has=incident)
    expect(field.locator(".field-error")).to_have_text("This field is required.")
    expect(incident).to_have_attribute("aria-invalid", "true")
    expect(incident).to_have_attribute("aria-describedby", re.compile(r"id_incident_number_error"))
    input_box, error_box = incident.bounding_box(), error.bounding_box()
    assert input_box and error_box
    assert 0 <= error_box["y"] - (input_box["y"] + input_box["height"]) < 24
    # Only that field is marked.
    expect(page.locator(".field-invalid")).to_have_count(1)
    # The summary's link brings the field into view on a phone; it takes the focus.
    expect(incident).not_to_be_in_viewport()
    summary.get_by_role("link", name="Incident number").click()
    expect(incident).to_be_in_viewport()
    expect(error).to_be_in_viewport()
    expect(incident).to_be_focused()

    # What was typed is still there.
    expect(page.get_by_label("First name")).to_have_value("Marisol")
    expect(page.get_by_label("Last name")).to_have_value("Archuleta")
    expect(page.get_by_label("Estimated age")).to_have_value("34")
    expect(page.get_by_label("What they look like")).to_have_value(
        "Green hoodie, grey backpack, short dark hair"
    )
    expect(page.get_by_label("Where to find them")).to_have_value(
        "Behind the Smith's on Paseo del Pueblo Sur"
    )
    expect(page.get_by_label("Offence")).to_have_value("shoplifting")
    expect(page.get_by_label("Agency")).to_have_value("Taos Police Department")
    expect(page.get_by_label("Diversion date")).to_have_value(timezone.localdate().isoformat())
    assert_phone_friendly(page, "the form with an error")
    page.screenshot(path=artifacts_dir / "officer-referral-error-390.png", full_page=True)

    # Corrected, it goes through: once.
    incident.fill("TPD-26-001234")
    page.get_by_role("button", name="Submit referral").click()
    expect(page.locator(".referral-number")).to_have_text(TAOS_NUMBER)
    assert len(taos_referrals()) == 1
    watch.assert_clean()


def test_the_public_refers_someone_in_spanish_on_a_phone(live_server, open_page, artifacts_dir):
    page, watch = open_page(PHONE)
    page.goto(f"{live_server.url}/refer/taos/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Refer someone to Taos LEAD")

    # The language selector in the header submits itself on change.
    page.locator("select#language").select_option("es")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page).to_have_url(f"{live_server.url}/refer/taos/")
    # The page's own words are Spanish, and so are the header and footer around them.
    expect(page.get_by_role("heading", level=1)).to_have_text("Derive a una persona a LEAD de Taos")
    expect(page.locator("form.referral-form button[type=submit]")).to_have_text("Enviar derivación")
    expect(page.locator("form.referral-form legend").first).to_have_text("¿A quién quiere derivar?")
    expect(page.locator("label[for=language]")).to_have_text("Idioma")
    expect(page.locator("select#language option:checked")).to_have_text("Español")
    expect(page.locator(".site-header").get_by_role("button", name="Cambiar")).to_be_visible()
    expect(page.locator(".skip-link")).to_have_text("Saltar al contenido")
    expect(page.locator(".site-footer")).to_contain_text("protegidos por 42 CFR Parte 2")
    assert_phone_friendly(page, "the public form")
    page.screenshot(path=artifacts_dir / "community-form-es.png", full_page=True)

    # Field names, not labels: the labels are in Spanish.
    form = page.locator("form.referral-form")
    form.locator("[name=first_name]").fill("Rosa")
    form.locator("[name=estimated_age]").fill("45")
    form.locator("[name=narrative]").fill("Duerme en la plaza desde hace semanas y tose mucho.")
    form.locator("[name=urgency]").select_option("soon")
    form.locator("[name=where_to_find]").fill("Kit Carson Park, por las mañanas")
    form.locator("[name=phone]").fill("575-555-0142")
    form.locator("[name=language]").fill("español")
    form.locator("[name=referrer_relationship]").fill("vecina")
    form.locator("[name=referrer_phone]").fill("575-555-0199")
    form.locator("button[type=submit]").click()

    expect(page).to_have_url(f"{live_server.url}/refer/taos/thanks/")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("heading", level=1)).to_have_text("Gracias")
    main = page.get_by_role("main")
    expect(main).to_contain_text("911")
    expect(main).not_to_contain_text(TAOS_NUMBER)
    expect(main).not_to_contain_text("Rosa")
    assert has_no_horizontal_scroll(page)
    page.screenshot(path=artifacts_dir / "community-thanks-es.png", full_page=True)

    (referral,) = taos_referrals()
    assert referral.pathway == Pathway.COMMUNITY
    assert referral.submitted_by is None
    assert referral.first_name == "Rosa"
    assert referral.urgency == "soon"
    assert (referral.phone, referral.referrer_phone) == ("575-555-0142", "575-555-0199")
    assert referral.narrative.startswith("Duerme en la plaza")
    # Nothing about the referral reached the thank-you page.
    assert referral.number not in page.content()
    watch.assert_clean()


def _referral_for_case_managers(officer) -> Referral:
    with scopes_disabled():
        from sites.models import Site

        referral, _created = services.referral_submit(
            site=Site.objects.get(slug="taos"),
            pathway=Pathway.ARREST_DIVERSION,
            data={
                "first_name": "Marisol",
                "last_name": "Archuleta",
                "estimated_age": 34,
                "description": "Green hoodie, grey backpack",
                "where_to_find": "Behind the Smith's on Paseo del Pueblo Sur",
                "safety_concerns": "Has a dog that is protective",
                "offence_category": "shoplifting",
                "offence_description": "Took food and socks from the grocery store",
                "incident_number": "TPD-26-001234",
                "agency": "Taos Police Department",
                "diversion_date": timezone.localdate(),
                "narrative": "Cooperative. Said she has been trying to get into treatment.",
            },
            by=officer,
            idempotency_key=uuid.uuid4(),
        )
        services.referral_submit(
            site=referral.site,
            pathway=Pathway.COMMUNITY,
            data={
                "name_unknown": True,
                "estimated_age": 60,
                "narrative": "Sleeps by the river; very thin lately.",
                "urgency": "urgent",
            },
            by=None,
            idempotency_key=uuid.uuid4(),
        )
        return referral


@pytest.mark.parametrize(
    ("viewport", "label"),
    [pytest.param(DESKTOP, "desktop", id="desktop"), pytest.param(PHONE, "phone", id="phone")],
)
def test_a_case_manager_sees_the_queue_and_a_referral(
    live_server, open_page, officer, case_manager, password, artifacts_dir, viewport, label
):
    referral = _referral_for_case_managers(officer)
    page, watch = open_page(viewport)
    sign_in(page, live_server.url, case_manager.email, password)
    expect(page).to_have_url(f"{live_server.url}/s/taos/")

    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_role("link", name="Referrals", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Referral queue")
    table = page.get_by_role("table")
    expect(table.locator("tbody tr")).to_have_count(2)
    row = table.locator("tbody tr", has_text=referral.number)
    expect(row).to_contain_text("Marisol Archuleta")
    expect(row).to_contain_text("Arrest diversion")
    expect(row).to_contain_text(str(Status.NEW.label))
    expect(table.locator("tbody tr", has_text="urgent")).to_have_count(1)
    assert_phone_friendly(page, "the referral queue")
    # The first column (the link) is on screen without scrolling the table.
    expect(row.get_by_role("link", name=referral.number)).to_be_in_viewport()
    page.screenshot(path=artifacts_dir / f"referral-queue-{label}.png", full_page=True)

    row.get_by_role("link", name=referral.number).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"{referral.number}: Marisol Archuleta"
    )
    expect(page.get_by_role("region", name="The person")).to_contain_text("about 34")
    expect(page.get_by_role("region", name="The referral")).to_contain_text("TPD-26-001234")
    # Fourteen days left: nothing to tell the prosecutor yet, so no form for it.
    assignment = page.get_by_role("region", name="Assignment")
    expect(assignment).to_contain_text("Recorded once intake is completed")
    expect(
        assignment.get_by_role("button", name="Record what the prosecutor is told")
    ).to_have_count(0)
    screening = page.get_by_role("region", name="Screening")
    expect(screening).to_be_visible()
    expect(screening.get_by_role("radio")).to_have_count(15)  # Taos: five questions
    screening.get_by_role("group").first.get_by_label("Yes").check()
    expect(page.get_by_role("button", name="Save screening")).to_be_visible()
    # Labels and ids: see test_every_control_on_the_referral_page_has_its_own_label.
    assert has_no_horizontal_scroll(page), "the referral page scrolls sideways"
    page.screenshot(path=artifacts_dir / f"referral-detail-{label}.png", full_page=True)
    screening.screenshot(path=artifacts_dir / f"referral-screening-{label}.png")
    watch.assert_clean()


def test_every_control_on_the_referral_page_has_its_own_label(
    live_server, open_page, officer, case_manager, password
):
    referral = _referral_for_case_managers(officer)
    page, _watch = open_page(DESKTOP)
    sign_in(page, live_server.url, case_manager.email, password)
    page.goto(f"{live_server.url}/s/taos/referrals/{referral.uuid}/")
    page.get_by_text("Log an attempt").click()  # open the <details>: its fields count too
    assert_phone_friendly(page, "the referral page")
