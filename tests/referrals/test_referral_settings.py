"""A programme manager's referral settings: pathways, the intake deadline, who hears of new
referrals, and the eligibility checklist. Every change is audited; bad input gets a message."""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta

import pytest
from django.test import Client
from django_scopes import scope, scopes_disabled

from referrals.models import EligibilityItem, Referral
from referrals.services import referral_submit
from sites.models import Membership, Notification, Site
from sites.roles import Pathway
from tests.factories import ReferralFactory

pytestmark = pytest.mark.django_db

SETTINGS = "/s/taos/referrals/settings/"
ADD = "/s/taos/referrals/settings/checklist/"
ALL_PATHWAYS = [p.value for p in Pathway]


@pytest.fixture(autouse=True)
def _no_mfa(settings):
    settings.LEAD_REQUIRE_MFA = False


@pytest.fixture
def manager_client(programme_manager):
    client = Client()
    client.force_login(programme_manager)
    return client


def _site(slug: str = "taos") -> Site:
    return Site.objects.get(slug=slug)


def _settings_post(client, *, pathways=None, days=14, recipients=None):
    return client.post(
        SETTINGS,
        {
            "pathways": ALL_PATHWAYS if pathways is None else pathways,
            "intake_deadline_days": days,
            "recipients": [str(u.uuid) for u in recipients or []],
        },
    )


def _items(site) -> list[EligibilityItem]:
    with scopes_disabled():
        return list(EligibilityItem.objects.filter(site=site))


def _active_texts(site) -> list[str]:
    return [i.text for i in _items(site) if i.retired_at is None]


def _item(site, text: str) -> EligibilityItem:
    with scopes_disabled():
        return EligibilityItem.objects.get(site=site, text=text)


def _add(client, text: str):
    return client.post(ADD, {"text": text})


def _act(client, item, action: str, text: str = "", slug: str = "taos"):
    return client.post(
        f"/s/{slug}/referrals/settings/checklist/{item.uuid}/", {"action": action, "text": text}
    )


def _messages(client, url: str = SETTINGS) -> list[str]:
    page = client.get(url).content.decode()
    return re.findall(r'<li class="message message-\w+">(.*?)</li>', page)


# -- Pathways and the deadline ------------------------------------------------------------------


def test_disabling_arrest_diversion_closes_it_to_officers(
    manager_client, client, site_b, officer, case_manager, programme_manager
):
    assert manager_client.get(SETTINGS).status_code == 200
    response = _settings_post(
        manager_client,
        pathways=[Pathway.SOCIAL_CONTACT, Pathway.COMMUNITY],
        recipients=[case_manager, programme_manager],
    )
    assert response.status_code == 302
    assert _messages(manager_client) == ["Referral settings saved."]
    site = _site()
    assert site.enabled_pathways == [Pathway.SOCIAL_CONTACT, Pathway.COMMUNITY]
    assert site.history.first().history_user == programme_manager
    assert _site("lea").enabled_pathways == ALL_PATHWAYS  # another site's settings are its own

    client.force_login(officer)
    assert client.get("/s/taos/referrals/new/arrest_diversion/").status_code == 404
    assert client.post("/s/taos/referrals/new/arrest_diversion/", {}).status_code == 404
    start = client.get("/s/taos/referrals/new/").content.decode()
    assert "/new/arrest_diversion/" not in start
    assert "/new/social_contact/" in start
    with scope(site=site), pytest.raises(Exception, match="does not take referrals"):
        referral_submit(
            site=site,
            pathway=Pathway.ARREST_DIVERSION,
            data={"first_name": "X", "diversion_date": date(2026, 3, 1)},
            by=officer,
        )

    # Switched back on, the form is there again.
    client.force_login(programme_manager)
    _settings_post(client, recipients=[case_manager, programme_manager])
    client.force_login(officer)
    assert client.get("/s/taos/referrals/new/arrest_diversion/").status_code == 200
    assert "/new/arrest_diversion/" in client.get("/s/taos/referrals/new/").content.decode()


@pytest.mark.parametrize("days", [7, 30, 14])
def test_the_intake_deadline_is_7_14_or_30_days_and_sets_new_due_dates(
    manager_client, officer, programme_manager, days
):
    with scopes_disabled():
        before = _site().history.count()
    response = _settings_post(manager_client, days=days, recipients=[programme_manager])
    assert response.status_code == 302
    site = _site()
    assert site.intake_deadline_days == days
    assert site.history.count() == before + 1
    assert site.history.first().history_user == programme_manager
    page = manager_client.get(SETTINGS).content.decode()
    assert re.search(rf'value="{days}"[^>]*checked|<option value="{days}" selected', page)

    with scope(site=site):
        referral, _ = referral_submit(
            site=site,
            pathway=Pathway.ARREST_DIVERSION,
            data={"first_name": "Eli", "diversion_date": date(2026, 5, 4)},
            by=officer,
        )
    assert referral.intake_due_date == date(2026, 5, 4) + timedelta(days=days)


@pytest.mark.parametrize("bad", ["9", "0", "-7", "fourteen", ""])
def test_an_invalid_deadline_is_refused_with_a_message_and_nothing_changes(
    manager_client, case_manager, bad
):
    before = _site()
    history = before.history.count()
    response = manager_client.post(
        SETTINGS,
        {"pathways": [Pathway.COMMUNITY], "intake_deadline_days": bad, "recipients": []},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Select a valid choice" in page or "This field is required" in page
    site = _site()
    assert site.intake_deadline_days == before.intake_deadline_days == 14
    assert site.enabled_pathways == ALL_PATHWAYS
    assert site.history.count() == history
    with scopes_disabled():
        assert Membership.objects.get(user=case_manager).notify_new_referrals is True


def test_unticking_a_case_manager_stops_their_new_referral_notifications(
    manager_client,
    client,
    officer,
    case_manager,
    programme_manager,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    response = _settings_post(manager_client, recipients=[programme_manager])
    assert response.status_code == 302
    with scopes_disabled():
        membership = Membership.objects.get(user=case_manager)
        assert membership.notify_new_referrals is False
        assert membership.history.first().history_user == programme_manager
        assert Membership.objects.get(user=programme_manager).notify_new_referrals is True
    page = manager_client.get(SETTINGS).content.decode()
    assert re.search(rf'value="{case_manager.uuid}"(?![^>]*checked)', page)
    assert re.search(rf'value="{programme_manager.uuid}"[^>]*checked', page)

    client.force_login(officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/s/taos/referrals/new/social_contact/",
            {
                "first_name": "Lupe",
                "contact_reason": "Asked for a shelter bed",
                "idempotency_key": str(uuid.uuid4()),
            },
        )
    assert response.status_code == 302
    with scopes_disabled():
        assert [n.user for n in Notification.objects.all()] == [programme_manager]
    assert [m.to for m in mailoutbox] == [[programme_manager.email]]

    # Ticked again: they hear of the next one.
    _settings_post(manager_client, recipients=[programme_manager, case_manager])
    with scopes_disabled():
        assert Membership.objects.get(user=case_manager).notify_new_referrals is True


def test_the_recipient_list_offers_only_this_sites_case_workers(
    manager_client, officer, case_manager, programme_manager, case_manager_b
):
    page = manager_client.get(SETTINGS).content.decode()
    assert str(case_manager.uuid) in page and str(programme_manager.uuid) in page
    assert str(officer.uuid) not in page and str(case_manager_b.uuid) not in page
    response = _settings_post(manager_client, recipients=[case_manager_b])
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    with scopes_disabled():
        assert Membership.objects.get(user=case_manager_b).notify_new_referrals is True


# -- The eligibility checklist ------------------------------------------------------------------


def test_a_programme_manager_adds_rewords_and_retires_questions_with_history(
    manager_client, client, site_a, officer, case_manager, programme_manager
):
    assert _add(manager_client, "  Lives or stays in Taos County?  ").status_code == 302
    assert _messages(manager_client) == ["Question added."]
    _add(manager_client, "Is 18 or older?")
    assert _messages(manager_client) == ["Question added."]
    assert _active_texts(site_a)[-2:] == ["Lives or stays in Taos County?", "Is 18 or older?"]
    county = _item(site_a, "Lives or stays in Taos County?")
    assert county.history.get().history_user == programme_manager

    # A case manager answers it for a referral.
    with scopes_disabled():
        referral = ReferralFactory(site=site_a, submitted_by=officer)
    client.force_login(case_manager)
    detail = f"/s/taos/referrals/{referral.uuid}/"
    assert "<legend>Lives or stays in Taos County?</legend>" in client.get(detail).content.decode()
    response = client.post(f"{detail}screening/", {f"item-{county.uuid}": "yes"})
    assert response.status_code == 302

    assert _act(manager_client, county, "reword", "Lives in Taos County?").status_code == 302
    assert _item(site_a, "Lives in Taos County?").pk == county.pk
    page = client.get(detail).content.decode()
    assert "<legend>Lives in Taos County?</legend>" in page

    assert _act(manager_client, county, "retire").status_code == 302
    assert "Lives in Taos County?" not in _active_texts(site_a)
    page = client.get(detail).content.decode()
    assert "<legend>Lives in Taos County?</legend>" not in page
    assert "<legend>Is 18 or older?</legend>" in page
    # The earlier answer keeps the wording it was given under.
    assert '<p class="muted">Lives or stays in Taos County?: yes</p>' in page
    with scopes_disabled():
        assert Referral.objects.get(pk=referral.pk).screening_answers[str(county.uuid)] == {
            "question": "Lives or stays in Taos County?",
            "answer": "yes",
        }
    # Answering the retired question now is refused.
    response = client.post(f"{detail}screening/", {f"item-{county.uuid}": "no"})
    assert response.status_code == 400
    assert "The checklist changed" in response.content.decode()

    settings_page = manager_client.get(SETTINGS).content.decode()
    assert f'id="q-{county.uuid}"' not in settings_page
    assert "Lives in Taos County?" in settings_page  # listed among the retired

    history = list(county.history.order_by("history_date"))
    assert [h.history_type for h in history] == ["+", "~", "~"]
    assert {h.history_user for h in history} == {programme_manager}
    assert history[-1].retired_at is not None


def test_moving_a_question_up_or_down_changes_the_order(manager_client, site_a, programme_manager):
    with scopes_disabled():
        for item in EligibilityItem.objects.filter(site=site_a):  # start from a known list
            item.delete()
    for text in ("First?", "Second?", "Third?"):
        _add(manager_client, text)
    first, second, third = (_item(site_a, t) for t in ("First?", "Second?", "Third?"))

    _act(manager_client, third, "up")
    assert _active_texts(site_a) == ["First?", "Third?", "Second?"]
    _act(manager_client, first, "up")  # already at the top
    _act(manager_client, second, "down")  # already at the bottom
    assert _active_texts(site_a) == ["First?", "Third?", "Second?"]
    _act(manager_client, first, "down")
    assert _active_texts(site_a) == ["Third?", "First?", "Second?"]

    page = manager_client.get(SETTINGS).content.decode()
    shown = re.findall(r'name="text" value="([^"]*)"', page)
    assert shown == ["Third?", "First?", "Second?"]
    moved = _item(site_a, "Third?")
    assert moved.history.first().history_user == programme_manager

    # A retired question leaves the order; the others still move around it.
    _act(manager_client, first, "retire")
    _act(manager_client, second, "up")
    assert _active_texts(site_a) == ["Second?", "Third?"]


@pytest.mark.parametrize(
    "text",
    ["", "   ", "x" * 301, "q" * 10_000, "Bad\x00question?"],
    ids=["empty", "blank", "301", "10000", "control"],
)
def test_a_bad_question_gets_a_message_and_changes_nothing(
    manager_client, site_a, programme_manager, text
):
    _add(manager_client, "Is 18 or older?")
    assert _messages(manager_client) == ["Question added."]
    item = _item(site_a, "Is 18 or older?")
    before = _items(site_a)

    response = _add(manager_client, text)
    assert response.status_code == 302
    assert _messages(manager_client) == ["Write the question (up to 300 characters)."]
    response = _act(manager_client, item, "reword", text)
    assert response.status_code == 302
    assert _messages(manager_client) == ["Write the question (up to 300 characters)."]

    assert [(i.pk, i.text) for i in _items(site_a)] == [(i.pk, i.text) for i in before]
    assert item.history.count() == 1


def test_an_unknown_action_gets_a_message(manager_client, site_a):
    _add(manager_client, "Is 18 or older?")
    assert _messages(manager_client) == ["Question added."]
    item = _item(site_a, "Is 18 or older?")
    assert _act(manager_client, item, "delete").status_code == 302
    assert _messages(manager_client) == ["Unknown action."]
    assert _item(site_a, "Is 18 or older?").retired_at is None


def test_another_sites_question_is_not_found(
    manager_client, site_a, site_b, case_manager_b, programme_manager
):
    with scopes_disabled():
        lea_item = EligibilityItem.objects.create(site=site_b, text="Lives in Lea County?")
    for action in ("reword", "retire", "up", "down"):
        assert _act(manager_client, lea_item, action, "Hijacked?").status_code == 404
    missing = EligibilityItem(uuid=uuid.uuid4())
    assert _act(manager_client, missing, "retire").status_code == 404
    assert _item(site_b, "Lives in Lea County?").retired_at is None

    # Nor can a Lea case manager reach Taos's settings at all.
    manager_client.force_login(case_manager_b)
    assert manager_client.get(SETTINGS).status_code == 404
    assert _act(manager_client, lea_item, "retire", slug="lea").status_code == 403


@pytest.mark.parametrize("role", ["case_manager", "officer"])
def test_case_managers_and_officers_may_not_change_referral_settings(
    client, request, site_a, programme_manager, role
):
    user = request.getfixturevalue(role)
    with scopes_disabled():
        item = EligibilityItem.objects.create(site=site_a, text="Is 18 or older?")
    client.force_login(user)
    assert client.get(SETTINGS).status_code == 403
    assert _settings_post(client, pathways=[], days=30).status_code == 403
    assert _add(client, "Added by the wrong person?").status_code == 403
    for action in ("reword", "retire", "up"):
        assert _act(client, item, action, "Changed?").status_code == 403
    site = _site()
    assert site.enabled_pathways == ALL_PATHWAYS and site.intake_deadline_days == 14
    assert _item(site_a, "Is 18 or older?").retired_at is None
    assert item.history.count() == 1
    assert "Added by the wrong person?" not in _active_texts(site_a)
    page = client.get("/s/taos/").content.decode()
    assert SETTINGS not in page  # and the navigation does not offer it
