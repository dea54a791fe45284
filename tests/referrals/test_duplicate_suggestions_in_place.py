"""Linking or dismissing a possible duplicate from the referral page: with htmx the answer is just
the new list of suggestions (no page reload); without JavaScript, the plain POST and redirect."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.messages import get_messages
from django_scopes import scopes_disabled

from participants.services import intake_complete
from referrals.models import DuplicateReview

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def worker_client(client, case_manager):
    client.force_login(case_manager)
    return client


@pytest.fixture
def jonathan(make_referral):
    return make_referral(
        first_name="Jonathan", last_name="Martinez", date_of_birth=date(1985, 3, 4)
    )


@pytest.fixture
def jon(make_referral):
    return make_referral(first_name="Jon", last_name="Martinez", date_of_birth=date(1985, 9, 1))


@pytest.fixture
def enrolled(site_a, case_manager):
    with scopes_disabled():
        return intake_complete(
            site=site_a,
            profile={
                "legal_first_name": "Jonathan",
                "legal_last_name": "Martinez",
                "date_of_birth": date(1985, 3, 4),
            },
            needs={},
            case_manager=case_manager,
            by=case_manager,
        ).participant


def _url(referral, rest: str) -> str:
    return f"/s/taos/referrals/{referral.uuid}/{rest}/"


def test_the_page_offers_both_ways_to_review_a_suggestion(worker_client, jonathan, jon):
    page = worker_client.get(f"/s/taos/referrals/{jonathan.uuid}/").content.decode()

    url = _url(jonathan, f"duplicates/{jon.uuid}")
    # A plain form (works without JavaScript) that htmx enhances, and htmx served from here.
    assert f'<form method="post" action="{url}" class="inline-form" hx-post="{url}"' in page
    assert 'hx-target="#suggestions" hx-swap="outerHTML"' in page
    assert '<ul class="plain-list" id="suggestions" tabindex="-1">' in page
    assert '<script src="/static/vendor/htmx/htmx.min.js" defer></script>' in page
    assert '"includeIndicatorStyles": false' in page


def test_with_htmx_linking_another_referral_answers_with_the_new_list_only(
    worker_client, case_manager, jonathan, jon
):
    response = worker_client.post(
        _url(jonathan, f"duplicates/{jon.uuid}"), {"verdict": "linked"}, **HTMX
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<ul class="plain-list" id="suggestions" tabindex="-1">')
    assert "<html" not in html and "<h1" not in html
    assert f"{jon.number}: Same person: linked ({case_manager.display_name})" in html
    assert f"/duplicates/{jon.uuid}/" not in html  # no longer offered
    # The status line outside the list says what happened; nothing waits for the next page.
    assert '<p id="suggestions-status" hx-swap-oob="innerHTML">Suggestion reviewed.</p>' in html
    assert list(get_messages(response.wsgi_request)) == []
    with scopes_disabled():
        review = DuplicateReview.objects.get(referral=jonathan, other_referral=jon)
    assert (review.verdict, review.reviewed_by) == ("linked", case_manager)


def test_with_htmx_dismissing_a_participant_answers_with_the_new_list_only(
    worker_client, make_referral, enrolled
):
    referral = make_referral(first_name="Jonathan", last_name="Martinez", estimated_age=41)
    url = f"/s/taos/participants/matches/{referral.uuid}/{enrolled.uuid}/"

    response = worker_client.post(url, {"verdict": "dismissed"}, **HTMX)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Already a participant:" not in html
    assert f"{enrolled.case_number}: Not the same person" in html
    with scopes_disabled():
        assert DuplicateReview.objects.get(referral=referral).participant == enrolled


def test_without_htmx_the_page_comes_back_whole_with_a_message(worker_client, jonathan, jon):
    response = worker_client.post(
        _url(jonathan, f"duplicates/{jon.uuid}"), {"verdict": "dismissed"}, follow=True
    )

    assert response.redirect_chain == [(f"/s/taos/referrals/{jonathan.uuid}/", 302)]
    page = response.content.decode()
    assert "<h1>" in page
    assert "Suggestion reviewed." in page
    assert f"{jon.number}: Not the same person" in page


def test_with_htmx_a_bad_verdict_sends_the_browser_to_the_page_and_its_message(
    worker_client, jonathan, jon
):
    response = worker_client.post(
        _url(jonathan, f"duplicates/{jon.uuid}"), {"verdict": "maybe"}, **HTMX
    )

    assert response.status_code == 400
    assert response["HX-Redirect"] == f"/s/taos/referrals/{jonathan.uuid}/"
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["Choose link or dismiss."]
    with scopes_disabled():
        assert not DuplicateReview.objects.exists()


def test_with_htmx_another_sites_case_manager_still_gets_not_found(
    client, case_manager_b, jonathan, jon
):
    client.force_login(case_manager_b)

    response = client.post(_url(jonathan, f"duplicates/{jon.uuid}"), {"verdict": "linked"}, **HTMX)

    assert response.status_code == 404
    with scopes_disabled():
        assert not DuplicateReview.objects.exists()
