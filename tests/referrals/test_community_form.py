"""The public community form: anyone, no account, English or Spanish; it reveals nothing back,
turns robots and floods away politely, and refuses oversized or forged input."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client
from django_scopes import scopes_disabled

from referrals.models import Referral, Status
from sites.roles import Pathway

FORM = "/refer/taos/"
THANKS = "/refer/taos/thanks/"


def _referrals() -> list[Referral]:
    with scopes_disabled():
        return list(Referral.objects.all())


def test_anyone_can_open_the_form_without_an_account(client, site_a):
    response = client.get(FORM)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Refer someone to Taos LEAD" in page
    assert 'name="idempotency_key"' in page
    assert 'name="website"' in page  # the honeypot, hidden from people by CSS


def test_a_family_member_refers_someone_and_the_thank_you_page_reveals_nothing(
    client, site_a, community_data, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(FORM, community_data())
    assert response.status_code == 302
    assert response["Location"] == THANKS
    [referral] = _referrals()
    assert referral.pathway == Pathway.COMMUNITY
    assert referral.status == Status.NEW
    assert referral.submitted_by is None
    assert referral.site == site_a
    assert referral.referrer_relationship == "sister"
    assert referral.number.startswith("TAO-")

    page = client.get(THANKS).content.decode()
    assert "Thank you" in page
    for secret in (referral.number, "Dana", "Whitehorse", "Rosa", str(referral.uuid)):
        assert secret not in page
    assert not re.search(r"TAO-\d{4}-\d{4}", page)


def test_a_person_can_refer_themself_without_giving_a_referrer(client, site_a, community_data):
    data = community_data(
        narrative="I want help with housing and getting my ID back.",
        referrer_name="",
        referrer_relationship="",
        referrer_phone="",
        phone="575-555-0199",
    )
    assert client.post(FORM, data)["Location"] == THANKS
    [referral] = _referrals()
    assert referral.referrer_name == ""
    assert referral.phone == "575-555-0199"


def test_a_repeated_public_submission_makes_one_referral(client, site_a, community_data):
    data = community_data()
    assert client.post(FORM, data)["Location"] == THANKS
    assert client.post(FORM, data)["Location"] == THANKS
    assert len(_referrals()) == 1


def test_the_form_follows_accept_language_spanish(client, site_a):
    response = client.get(FORM, headers={"accept-language": "es"})
    page = response.content.decode()
    assert response.status_code == 200
    assert response["Content-Language"] == "es"
    assert '<html lang="es">' in page
    assert "Saltar al contenido" in page


def test_the_language_cookie_chooses_spanish_and_errors_come_in_spanish(
    client, site_a, community_data
):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    response = client.post(FORM, community_data(narrative=""))
    assert response.status_code == 400
    assert '<html lang="es">' in response.content.decode()
    assert "Este campo es obligatorio." in response.content.decode()
    assert _referrals() == []
    assert client.post(FORM, community_data())["Location"] == THANKS
    assert client.get(THANKS)["Content-Language"] == "es"
    assert len(_referrals()) == 1


def test_the_referral_pages_are_translated_into_spanish(client, site_a):
    """The public form's own words, not only the frame around it."""
    page = client.get(FORM, headers={"accept-language": "es"}).content.decode()
    for english in (
        "Refer someone to",
        "Send referral",
        "What is going on",
        "Who are you referring",
    ):
        assert english not in page, english
    thanks = client.get(THANKS, headers={"accept-language": "es"}).content.decode()
    assert "Your referral has reached" not in thanks


def test_a_filled_honeypot_stores_nothing_but_looks_the_same(client, site_a, community_data):
    response = client.post(FORM, community_data(website="http://cheap-pills.example"))
    assert response.status_code == 302
    assert response["Location"] == THANKS
    assert _referrals() == []


def test_more_than_five_referrals_an_hour_from_one_address_get_a_friendly_429(
    client, site_a, community_data
):
    for _ in range(5):
        response = client.post(FORM, community_data(), REMOTE_ADDR="203.0.113.9")
        assert response["Location"] == THANKS
    response = client.post(FORM, community_data(), REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 429
    assert "Please wait a little" in response.content.decode()
    assert "911" in response.content.decode()
    assert len(_referrals()) == 5
    # the limit is per address: someone else is not affected
    other = client.post(FORM, community_data(), REMOTE_ADDR="198.51.100.4")
    assert other["Location"] == THANKS
    assert len(_referrals()) == 6


def test_a_ten_thousand_character_name_is_refused_with_a_message(client, site_a, community_data):
    response = client.post(FORM, community_data(first_name="A" * 10_000))
    assert response.status_code == 400
    assert "Ensure this value has at most 100 characters" in response.content.decode()
    assert _referrals() == []


def test_a_ten_thousand_word_story_is_refused_with_a_message(client, site_a, community_data):
    response = client.post(FORM, community_data(narrative="word " * 10_000))
    assert response.status_code == 400
    assert "at most 5000 characters" in response.content.decode()
    assert _referrals() == []


def test_the_public_form_needs_its_csrf_token(site_a, community_data):
    browser = Client(enforce_csrf_checks=True)
    assert browser.post(FORM, community_data()).status_code == 403
    assert _referrals() == []


def test_the_public_form_works_with_its_csrf_token(site_a, community_data):
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(FORM).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page).group(1)
    data = community_data(csrfmiddlewaretoken=token, idempotency_key=key)
    assert browser.post(FORM, data)["Location"] == THANKS
    assert len(_referrals()) == 1


@pytest.mark.parametrize("key", ["", "not-a-uuid", "00000000-0000-0000-0000-00000000000g"])
def test_a_tampered_submission_key_is_a_400(client, site_a, community_data, key):
    assert client.post(FORM, community_data(idempotency_key=key)).status_code == 400
    assert _referrals() == []


def test_a_site_without_the_community_pathway_has_no_public_form(client, site_a, community_data):
    with scopes_disabled():
        site_a.enabled_pathways = [Pathway.ARREST_DIVERSION, Pathway.SOCIAL_CONTACT]
        site_a.save()
    assert client.get(FORM).status_code == 404
    assert client.post(FORM, community_data()).status_code == 404
    assert _referrals() == []


def test_an_unknown_or_inactive_site_has_no_public_form(client, site_a):
    assert client.get("/refer/atlantis/").status_code == 404
    with scopes_disabled():
        site_a.is_active = False
        site_a.save()
    assert client.get(FORM).status_code == 404
    assert client.get(THANKS).status_code == 404


def test_a_public_referral_reaches_only_its_own_site(client, site_a, site_b, community_data):
    client.post("/refer/lea/", community_data())
    [referral] = _referrals()
    assert referral.site == site_b
    assert referral.number.startswith("LEA-")
