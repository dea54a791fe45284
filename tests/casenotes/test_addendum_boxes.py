"""The participant page offers an addendum box under each locked note: each box has its own
ids (its label and help find it), and all are the form kit's field."""

from __future__ import annotations

import re
from datetime import timedelta

from django.utils import timezone, translation


def _page(client, participant) -> str:
    return client.get(f"/s/taos/participants/{participant.uuid}/").content.decode()


def test_each_locked_note_has_an_addendum_box_of_its_own(
    colleague_client, participant, case_manager, make_contact
):
    long_ago = timezone.now() - timedelta(days=3)
    notes = [make_contact(participant, case_manager, written=long_ago) for _ in range(3)]

    html = _page(colleague_client, participant)

    for note in notes:
        box = f"addendum-{note.uuid}-text"
        assert f'<label for="{box}">Addendum <span class="required"' in html
        assert f'id="{box}_helptext">This note is locked.' in html
        assert re.search(
            rf'<textarea name="text"[^>]*aria-describedby="{box}_helptext" id="{box}"', html
        )
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) == len(set(ids))


def test_the_addendum_box_speaks_the_pages_language(
    colleague_client, participant, case_manager, make_contact
):
    note = make_contact(participant, case_manager, written=timezone.now() - timedelta(days=3))
    colleague_client.get(f"/s/taos/participants/{participant.uuid}/")  # English first

    colleague_client.cookies["django_language"] = "es"
    with translation.override("en"):  # the request switches this thread to Spanish: switch back
        html = _page(colleague_client, participant)

    assert f'<label for="addendum-{note.uuid}-text">Adenda' in html
    assert "Esta nota está bloqueada." in html
