"""Logging a contact: what is recorded, the follow-up task in the same submit, bad input, and
who may reach the form."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.template.loader import render_to_string
from django.utils import timezone
from django_scopes import scopes_disabled

from casenotes.models import Contact, Task
from participants.models import Participant
from tests.casenotes.conftest import contact_form, restrict, signed_in
from tests.factories import ReferralFactory

pytestmark = pytest.mark.django_db


def new_url(participant: Participant) -> str:
    return f"/s/{participant.site.slug}/participants/{participant.uuid}/contacts/new/"


def detail_url(participant: Participant) -> str:
    return f"/s/{participant.site.slug}/participants/{participant.uuid}/"


def contacts_of(participant: Participant) -> list[Contact]:
    with scopes_disabled():
        return list(Contact.objects.filter(participant=participant))


def tasks_of(participant: Participant) -> list[Task]:
    with scopes_disabled():
        return list(Task.objects.filter(participant=participant).select_related("assignee"))


def fresh(participant: Participant) -> Participant:
    with scopes_disabled():
        return Participant.objects.get(pk=participant.pk)


# -- Recording -------------------------------------------------------------------------------


def test_the_contact_form_offers_every_type_place_and_service(cm_client, participant):
    response = cm_client.get(new_url(participant))
    assert response.status_code == 200
    page = response.content.decode()
    for label in [
        "Outreach attempt", "In person", "Phone", "Text", "Collateral", "Case conference",
        "Accompaniment", "Street", "Shelter", "Office", "Jail", "Hospital", "Home",
        "Housing navigation", "MOUD/MAT linkage", "Detox", "Mental health", "Medical",
        "Benefits", "ID documents", "Transportation", "Food", "Harm-reduction supplies",
        "Legal advocacy", "Reached the person", "Attempted, not reached", "Referrals made",
        "Follow-up task",
    ]:  # fmt: skip
        assert label in page, label
    assert 'type="checkbox" name="services"' in page


def test_a_case_manager_logs_a_contact_with_two_services_and_a_follow_up_task(
    cm_client, case_manager, participant
):
    due = timezone.localdate() + timedelta(days=3)
    data = contact_form(follow_up_title="Drive Rosa to the MVD for her ID", follow_up_due=due)

    response = cm_client.post(new_url(participant), data)

    assert response.status_code == 302
    assert response["Location"] == detail_url(participant)
    [contact] = contacts_of(participant)
    assert contact.author == case_manager
    assert contact.site == participant.site
    assert contact.duration_minutes == 45
    assert (contact.contact_type, contact.location, contact.successful) == (
        "in_person",
        "street",
        True,
    )
    assert contact.services == ["moud", "id_documents"]
    assert contact.referrals_made == "El Centro Family Health, Suboxone clinic"
    assert contact.narrative.startswith("Met Rosa by the plaza.")
    [task] = tasks_of(participant)
    assert (task.title, task.due_on, task.assignee, task.done_at) == (
        "Drive Rosa to the MVD for her ID",
        due,
        case_manager,
        None,
    )
    assert fresh(participant).last_contact_at == contact.contacted_at


def test_a_contact_without_a_follow_up_creates_no_task(cm_client, participant):
    assert cm_client.post(new_url(participant), contact_form()).status_code == 302
    assert len(contacts_of(participant)) == 1
    assert tasks_of(participant) == []


def test_an_attempted_contact_does_not_make_the_participant_active(cm_client, participant):
    data = contact_form(successful="no", contact_type="outreach", services=[])
    assert cm_client.post(new_url(participant), data).status_code == 302
    [contact] = contacts_of(participant)
    assert contact.successful is False
    assert fresh(participant).last_contact_at is None


def test_the_timeline_partial_shows_every_part_of_the_note(
    rf, case_manager, colleague, participant, make_contact
):
    contact = make_contact(
        participant,
        case_manager,
        contact_type="accompaniment",
        location="hospital",
        duration_minutes=90,
        services=["medical", "transportation"],
        referrals_made="UNM Hospital wound clinic",
        narrative="Went with Rosa to the wound clinic.\nShe stayed for the whole visit.",
    )
    with scopes_disabled():
        contact = Contact.objects.prefetch_related("addenda").get(pk=contact.pk)
        html = render_to_string(
            "casenotes/_contact.html",
            {"contact": contact, "participant": participant, "user": colleague},
            request=rf.get("/"),
        )
    for text in [
        "Accompaniment", "Hospital", "90 minutes", case_manager.display_name, "Reached",
        "Medical, Transportation", "UNM Hospital wound clinic",
        "Went with Rosa to the wound clinic.<br>She stayed for the whole visit.",
    ]:  # fmt: skip
        assert text in html, text


# -- Bad input -------------------------------------------------------------------------------


def _hours_ago(hours: float) -> str:
    return (timezone.localtime() - timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"duration_minutes": "-5"}, "less than 0 minutes"),
        ({"duration_minutes": "1441"}, "more than 24 hours"),
        ({"duration_minutes": "forty"}, "Enter a whole number"),
        ({"contacted_at": _hours_ago(-3)}, "cannot be in the future"),
        ({"contacted_at": "2026-02-30T10:00"}, "Enter a valid date/time"),
        ({"contacted_at": ""}, "This field is required"),
        ({"narrative": "x" * 10001}, "at most 10000 characters"),
        ({"referrals_made": "y" * 1001}, "at most 1000 characters"),
        ({"narrative": "Met her\x00 at the plaza"}, "invisible control characters"),
        ({"referrals_made": "Shelter\x1b[31m"}, "invisible control characters"),
        ({"services": ["moud", "massage"]}, "Select a valid choice"),
        ({"contact_type": "smoke_signal"}, "Select a valid choice"),
        ({"location": "moon"}, "Select a valid choice"),
        ({"successful": "maybe"}, "Select a valid choice"),
        ({"follow_up_title": "Call the clinic"}, "Give the follow-up a due date"),
        ({"follow_up_due": "2026-12-01"}, "Say what the follow-up is"),
        ({"follow_up_title": "Call", "follow_up_due": "2126-01-01"}, "three years ahead"),
    ],
)
def test_bad_contact_input_is_refused_with_a_clear_message_and_nothing_saved(
    cm_client, participant, overrides, message
):
    data = contact_form(**overrides)
    response = cm_client.post(new_url(participant), data)

    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert "Nothing has been saved yet" in page
    assert contacts_of(participant) == []
    assert tasks_of(participant) == []
    # What the case manager typed comes back, so nothing is lost.
    if "control" not in message and len(data["narrative"]) <= 10000:
        assert data["narrative"].replace("'", "&#x27;") in page


def test_an_empty_submission_says_what_is_required(cm_client, participant):
    response = cm_client.post(new_url(participant), {})
    assert response.status_code == 400
    assert "This field is required" in response.content.decode()
    assert contacts_of(participant) == []


def test_a_contact_before_the_person_was_referred_is_refused(cm_client, site_a, make_participant):
    with scopes_disabled():
        referral = ReferralFactory(site=site_a, submitted_at=timezone.now() - timedelta(days=10))
    participant = make_participant(referral=referral, enrolled_at=timezone.now())

    too_early = cm_client.post(new_url(participant), contact_form(contacted_at=_hours_ago(20 * 24)))
    assert too_early.status_code == 400
    assert "cannot be before the person was referred" in too_early.content.decode()
    assert contacts_of(participant) == []

    # Locating someone before intake is part of the work: after the referral is fine.
    after_referral = contact_form(contacted_at=_hours_ago(8 * 24))
    assert cm_client.post(new_url(participant), after_referral).status_code == 302
    assert len(contacts_of(participant)) == 1


def test_a_walk_in_cannot_have_contacts_before_enrolment(cm_client, make_participant):
    participant = make_participant(enrolled_at=timezone.now() - timedelta(days=5))
    response = cm_client.post(new_url(participant), contact_form(contacted_at=_hours_ago(9 * 24)))
    assert response.status_code == 400
    assert contacts_of(participant) == []


# -- Who may log a contact --------------------------------------------------------------------


def test_another_sites_participant_is_not_found(cm_client, participant_b):
    foreign = f"/s/taos/participants/{participant_b.uuid}/contacts/new/"
    assert cm_client.get(foreign).status_code == 404
    assert cm_client.post(foreign, contact_form()).status_code == 404
    # ... nor at the other site's own address, where the user is no member.
    assert cm_client.post(new_url(participant_b), contact_form()).status_code == 404
    assert contacts_of(participant_b) == []


def test_an_unknown_participant_is_not_found(cm_client):
    url = "/s/taos/participants/00000000-0000-0000-0000-000000000000/contacts/new/"
    assert cm_client.get(url).status_code == 404


def test_officers_and_evaluators_cannot_log_contacts(officer, evaluator, participant):
    for user in (officer, evaluator):
        client = signed_in(user)
        assert client.get(new_url(participant)).status_code == 403
        assert client.post(new_url(participant), contact_form()).status_code == 403
    assert contacts_of(participant) == []


def test_a_programme_manager_can_log_a_contact(programme_manager, participant):
    response = signed_in(programme_manager).post(new_url(participant), contact_form())
    assert response.status_code == 302
    assert len(contacts_of(participant)) == 1


def test_a_restricted_record_is_not_found_unless_the_user_is_named(
    cm_client, colleague_client, case_manager, participant
):
    restrict(participant, case_manager)
    assert colleague_client.get(new_url(participant)).status_code == 404
    assert colleague_client.post(new_url(participant), contact_form()).status_code == 404
    assert cm_client.post(new_url(participant), contact_form()).status_code == 302
    assert len(contacts_of(participant)) == 1


# -- The whole journey -------------------------------------------------------------------------


def test_a_case_manager_logs_a_contact_from_the_caseload_and_sees_it_on_the_timeline(
    cm_client, participant
):
    caseload = cm_client.get("/s/taos/participants/caseload/")
    assert caseload.status_code == 200
    assert detail_url(participant) in caseload.content.decode()
    page = cm_client.get(detail_url(participant)).content.decode()
    assert new_url(participant) in page

    due = timezone.localdate() + timedelta(days=2)
    data = contact_form(
        services=["housing", "harm_reduction"],
        narrative="Brought naloxone and filled in the housing application together.",
        follow_up_title="Hand in the housing application",
        follow_up_due=due.isoformat(),
    )
    response = cm_client.post(new_url(participant), data, follow=True)

    assert response.redirect_chain == [(detail_url(participant), 302)]
    timeline = response.content.decode()
    assert "Contact saved, with a follow-up task for you." in timeline
    assert "Brought naloxone and filled in the housing application together." in timeline
    assert "Housing navigation, Harm-reduction supplies" in timeline
    assert "Hand in the housing application" in timeline
