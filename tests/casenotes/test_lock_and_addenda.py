"""The author may edit a note for 24 hours; then it is locked and corrections are addenda,
which anyone doing casework at the site may add. History keeps every version."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.template.loader import render_to_string
from django.utils import timezone
from django_scopes import scopes_disabled

from casenotes.models import Addendum, Contact
from lead.models import AccessLogEntry
from participants.models import Participant
from tests.casenotes.conftest import contact_form, signed_in

pytestmark = pytest.mark.django_db


def edit_url(contact: Contact) -> str:
    return (
        f"/s/{contact.site.slug}/participants/{contact.participant.uuid}"
        f"/contacts/{contact.uuid}/edit/"
    )


def addendum_url(contact: Contact) -> str:
    return (
        f"/s/{contact.site.slug}/participants/{contact.participant.uuid}"
        f"/contacts/{contact.uuid}/addenda/"
    )


def stored(contact: Contact) -> Contact:
    with scopes_disabled():
        return Contact.objects.get(pk=contact.pk)


def addenda_of(contact: Contact) -> list[Addendum]:
    with scopes_disabled():
        return list(Addendum.objects.filter(contact=contact).select_related("author"))


def partial_for(rf, contact: Contact, user) -> str:
    """The contact as the participant's timeline shows it to ``user``."""
    with scopes_disabled():
        contact = (
            Contact.objects.select_related("author").prefetch_related("addenda").get(pk=contact.pk)
        )
        return render_to_string(
            "casenotes/_contact.html",
            {"contact": contact, "participant": contact.participant, "user": user},
            request=rf.get("/"),
        )


@pytest.fixture
def fresh_note(participant, case_manager, make_contact) -> Contact:
    """Written by the case manager an hour ago."""
    return make_contact(participant, case_manager, written=timezone.now() - timedelta(hours=1))


@pytest.fixture
def old_note(participant, case_manager, make_contact) -> Contact:
    """Written by the case manager 25 hours ago: locked."""
    return make_contact(participant, case_manager, written=timezone.now() - timedelta(hours=25))


# -- Editing within 24 hours ---------------------------------------------------------------------


def test_the_author_can_edit_a_note_within_24_hours_and_history_keeps_both_versions(
    cm_client, case_manager, fresh_note
):
    form = cm_client.get(edit_url(fresh_note))
    assert form.status_code == 200
    assert "Talked about the housing voucher waitlist." in form.content.decode()

    data = contact_form(narrative="Talked about the voucher waitlist and the SNAP renewal.")
    response = cm_client.post(edit_url(fresh_note), data)

    assert response.status_code == 302
    assert response["Location"] == f"/s/taos/participants/{fresh_note.participant.uuid}/"
    edited = stored(fresh_note)
    assert edited.narrative == "Talked about the voucher waitlist and the SNAP renewal."
    assert edited.services == ["moud", "id_documents"]
    with scopes_disabled():
        versions = list(Contact.history.filter(id=fresh_note.pk).order_by("history_date"))
    assert [v.narrative for v in versions] == [
        "Talked about the housing voucher waitlist.",
        "Talked about the voucher waitlist and the SNAP renewal.",
    ]
    assert [v.history_type for v in versions] == ["+", "~"]
    assert {v.history_user for v in versions} == {case_manager}


def test_opening_a_note_to_edit_is_in_the_access_log(cm_client, case_manager, fresh_note):
    cm_client.get(edit_url(fresh_note))
    with scopes_disabled():
        assert AccessLogEntry.objects.filter(
            user=case_manager, action="view", object_uuid=fresh_note.uuid
        ).exists()


def test_the_edit_form_is_not_offered_a_follow_up_task(cm_client, fresh_note):
    page = cm_client.get(edit_url(fresh_note)).content.decode()
    assert "follow_up_title" not in page


def test_an_edit_is_validated_like_a_new_note(cm_client, fresh_note):
    future = (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = cm_client.post(
        edit_url(fresh_note), contact_form(contacted_at=future, narrative="Typed with care")
    )
    assert response.status_code == 400
    assert "cannot be in the future" in response.content.decode()
    assert "Typed with care" in response.content.decode()
    assert stored(fresh_note).narrative == "Talked about the housing voucher waitlist."


def test_correcting_a_note_to_attempted_no_longer_counts_as_the_last_contact(
    cm_client, participant, fresh_note
):
    with scopes_disabled():
        assert Participant.objects.get(pk=participant.pk).last_contact_at is not None
    cm_client.post(edit_url(fresh_note), contact_form(successful="no"))
    with scopes_disabled():
        assert Participant.objects.get(pk=participant.pk).last_contact_at is None


def test_correcting_the_date_back_moves_the_last_contact_back(cm_client, participant, fresh_note):
    earlier = timezone.localtime() - timedelta(days=4)
    data = contact_form(contacted_at=earlier.strftime("%Y-%m-%dT%H:%M"))
    assert cm_client.post(edit_url(fresh_note), data).status_code == 302
    with scopes_disabled():
        last = Participant.objects.get(pk=participant.pk).last_contact_at
    assert last == earlier.replace(second=0, microsecond=0)


# -- The lock ----------------------------------------------------------------------------------


def test_a_note_older_than_24_hours_is_locked_with_a_clear_page(cm_client, old_note):
    response = cm_client.get(edit_url(old_note))
    assert response.status_code == 403
    page = response.content.decode()
    assert "This note is locked" in page
    assert "add an addendum" in page
    assert addendum_url(old_note) in page


def test_saving_a_locked_note_changes_nothing_and_gives_back_what_was_typed(
    cm_client, case_manager, old_note
):
    data = contact_form(narrative="A late correction I typed")
    response = cm_client.post(edit_url(old_note), data)

    assert response.status_code == 403
    assert "Your changes were not saved" in response.content.decode()
    assert "A late correction I typed" in response.content.decode()
    assert stored(old_note).narrative == "Talked about the housing voucher waitlist."
    with scopes_disabled():
        assert Contact.history.filter(id=old_note.pk).count() == 1
        assert AccessLogEntry.objects.filter(
            user=case_manager,
            action="denied:contact_locked",
            outcome=AccessLogEntry.Outcome.FORBIDDEN,
        ).exists()


def test_a_note_that_locks_while_the_form_is_open_is_not_saved(monkeypatch, cm_client, fresh_note):
    def expired(*args, **kwargs):
        raise PermissionDenied("This note is locked: add an addendum instead.")

    monkeypatch.setattr("casenotes.services.contact_edit", expired)
    response = cm_client.post(edit_url(fresh_note), contact_form(narrative="Typed at 23:59"))

    assert response.status_code == 403
    page = response.content.decode()
    assert "Typed at 23:59" in page  # given back to copy ...
    assert "Talked about the housing voucher waitlist." in page  # ... beside the note as saved
    assert page.count("Typed at 23:59") == 1
    assert stored(fresh_note).narrative == "Talked about the housing voucher waitlist."


def test_a_note_locks_exactly_24_hours_after_it_was_written(
    cm_client, participant, case_manager, make_contact
):
    almost = make_contact(
        participant, case_manager, written=timezone.now() - timedelta(hours=23, minutes=59)
    )
    just_past = make_contact(
        participant, case_manager, written=timezone.now() - timedelta(hours=24, seconds=1)
    )
    assert cm_client.get(edit_url(almost)).status_code == 200
    assert cm_client.get(edit_url(just_past)).status_code == 403


def test_only_the_author_may_edit_even_within_24_hours(
    colleague_client, programme_manager, fresh_note
):
    for client in (colleague_client, signed_in(programme_manager)):
        response = client.post(edit_url(fresh_note), contact_form(narrative="Not mine to change"))
        assert response.status_code == 403
        assert "Only the author" in response.content.decode()
    assert stored(fresh_note).narrative == "Talked about the housing voucher waitlist."


def test_the_timeline_offers_edit_to_the_author_and_an_addendum_to_everyone_else(
    rf, case_manager, colleague, fresh_note, old_note
):
    own_fresh = partial_for(rf, fresh_note, case_manager)
    assert edit_url(fresh_note) in own_fresh
    assert addendum_url(fresh_note) not in own_fresh

    for contact, user in [(fresh_note, colleague), (old_note, case_manager)]:
        html = partial_for(rf, contact, user)
        assert edit_url(contact) not in html
        assert addendum_url(contact) in html
        assert "Add addendum" in html


# -- Addenda ---------------------------------------------------------------------------------


def test_a_colleague_adds_an_addendum_to_a_locked_note(rf, colleague_client, colleague, old_note):
    text = "Correction: the voucher appointment is on the 14th, not the 4th."
    response = colleague_client.post(addendum_url(old_note), {"text": f"  {text}  "})

    assert response.status_code == 302
    assert response["Location"] == f"/s/taos/participants/{old_note.participant.uuid}/"
    [addendum] = addenda_of(old_note)
    assert (addendum.text, addendum.author, addendum.site) == (text, colleague, old_note.site)
    with scopes_disabled():
        assert Addendum.history.get(id=addendum.pk).history_user == colleague
    assert stored(old_note).narrative == "Talked about the housing voucher waitlist."
    html = partial_for(rf, old_note, colleague)
    assert text in html
    assert colleague.display_name in html


def test_the_author_and_a_programme_manager_can_add_addenda_too(
    cm_client, programme_manager, old_note
):
    assert cm_client.post(addendum_url(old_note), {"text": "Mine"}).status_code == 302
    client = signed_in(programme_manager)
    assert client.post(addendum_url(old_note), {"text": "Manager's"}).status_code == 302
    assert [a.text for a in addenda_of(old_note)] == ["Mine", "Manager's"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "This field is required"),
        ("   ", "This field is required"),
        ("z" * 5001, "at most 5000 characters"),
        ("Called\x07 her back", "invisible control characters"),
    ],
)
def test_a_bad_addendum_is_refused_and_what_was_typed_comes_back(
    colleague_client, old_note, text, message
):
    response = colleague_client.post(addendum_url(old_note), {"text": text})
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert "The addendum was not saved" in page
    if text.strip() and "\x07" not in text:
        assert text in page
    assert addenda_of(old_note) == []


def test_addenda_are_added_by_post_only(colleague_client, old_note):
    assert colleague_client.get(addendum_url(old_note)).status_code == 405


def test_officers_cannot_edit_notes_or_add_addenda(officer, old_note, fresh_note):
    client = signed_in(officer)
    assert client.get(edit_url(fresh_note)).status_code == 403
    assert client.post(addendum_url(old_note), {"text": "Officer note"}).status_code == 403
    assert addenda_of(old_note) == []


def test_another_sites_note_is_not_found(
    participant_b, case_manager_b, make_contact, cm_client, old_note, make_participant
):
    note_b = make_contact(participant_b, case_manager_b)
    # Site B's note through site A's address, and through site B's own.
    mixed = f"/s/taos/participants/{participant_b.uuid}/contacts/{note_b.uuid}/addenda/"
    assert cm_client.post(mixed, {"text": "x"}).status_code == 404
    assert cm_client.post(addendum_url(note_b), {"text": "x"}).status_code == 404
    assert cm_client.get(edit_url(note_b)).status_code == 404
    # A note of this site under another participant's address is not found either.
    other = make_participant(legal_first_name="Eli")
    wrong_person = f"/s/taos/participants/{other.uuid}/contacts/{old_note.uuid}/addenda/"
    assert cm_client.post(wrong_person, {"text": "x"}).status_code == 404
    assert addenda_of(note_b) == addenda_of(old_note) == []
