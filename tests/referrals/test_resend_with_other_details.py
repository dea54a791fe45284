"""A submission key resent with different details is not a resend: it is refused (422) with a
clear message, and nothing new is saved; a true resend still gets the first referral back."""

from __future__ import annotations

import pytest
from django_scopes import scopes_disabled

from referrals.models import OFFICER_STATUS, Referral, Status, officer_status_sql
from sites.models import Site


def _count(site) -> int:
    with scopes_disabled():
        return Referral.objects.filter(site=site).count()


def test_an_officer_resending_the_same_form_gets_the_same_referral(
    client, officer, site_a, arrest_data
):
    client.force_login(officer)
    data = arrest_data()
    first = client.post("/s/taos/referrals/new/arrest_diversion/", data)
    second = client.post("/s/taos/referrals/new/arrest_diversion/", data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert _count(site_a) == 1


def test_the_same_key_with_another_person_is_refused_and_saves_nothing(
    client, officer, site_a, arrest_data
):
    client.force_login(officer)
    data = arrest_data()
    client.post("/s/taos/referrals/new/arrest_diversion/", data)
    response = client.post(
        "/s/taos/referrals/new/arrest_diversion/", {**data, "last_name": "Somebody-Else"}
    )
    assert response.status_code == 422
    assert "already sent with different details" in response.content.decode()
    # The officer's input stays on the form, to submit again on a new form.
    assert "Somebody-Else" in response.content.decode()
    assert _count(site_a) == 1
    with scopes_disabled():
        assert not Referral.objects.filter(last_name="Somebody-Else").exists()


def test_the_public_form_refuses_a_key_reused_with_other_details(client, site_a, community_data):
    data = community_data()
    assert client.post("/refer/taos/", data).status_code == 302
    response = client.post("/refer/taos/", {**data, "first_name": "Other"})
    assert response.status_code == 422
    assert _count(site_a) == 1


@pytest.mark.django_db
def test_the_officer_status_in_sql_is_the_one_the_pages_show(site_a: Site, officer):
    from tests.factories import ReferralFactory

    with scopes_disabled():
        for status in Status:
            ReferralFactory(site=site_a, submitted_by=officer, status=status)
        rows = Referral.objects.filter(site=site_a).annotate(shown=officer_status_sql())
        pairs = {(r.status, r.shown) for r in rows}
    assert pairs == {(status.value, OFFICER_STATUS[status].value) for status in Status}
