"""A restricted record stays hidden on every path that reaches the person: the referral that
brought them (queue, page, actions, intake), duplicate reviews, the site's access log and the
caseload counts. The people named on it still see everything."""

from __future__ import annotations

import pytest
from django.test import Client
from django_scopes import scopes_disabled

from lead.models import AccessLogEntry
from participants.services import participant_restrict
from referrals.models import DuplicateReview, Referral, Status
from sites.roles import Role
from tests.factories import ReferralFactory, member
from tests.participants.conftest import participant_make, reload


@pytest.fixture
def colleague(site_a):
    return member(site_a, Role.CASE_MANAGER, email="rosa@example.org", first_name="Rosa")


@pytest.fixture
def referral(site_a, officer):
    with scopes_disabled():
        return ReferralFactory(
            site=site_a,
            submitted_by=officer,
            first_name="Dana",
            last_name="Quintana",
            phone="575-555-0199",
            narrative="Sleeps behind the church; asked for help with ID",
        )


@pytest.fixture
def restricted(referral, site_a, case_manager, programme_manager):
    """Dana enrolled from her referral, restricted to her case manager alone."""
    participant = participant_make(
        site=site_a,
        by=case_manager,
        case_manager=case_manager,
        referral=referral,
        legal_first_name="Dana",
        legal_last_name="Quintana",
    )
    with scopes_disabled():
        participant_restrict(participant=participant, allowed=[case_manager], by=programme_manager)
    return reload(participant)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _ref_url(referral, action: str = "") -> str:
    return f"/s/{referral.site.slug}/referrals/{referral.uuid}/" + (f"{action}/" if action else "")


@pytest.mark.parametrize("status", ["enrolled", "all"])
def test_the_queue_leaves_out_the_referral_of_a_restricted_record(
    restricted, referral, colleague, programme_manager, case_manager, status
):
    for outsider in (colleague, programme_manager):
        page = _client(outsider).get(f"/s/taos/referrals/?status={status}").content.decode()
        assert referral.number not in page and "Quintana" not in page
    page = _client(case_manager).get(f"/s/taos/referrals/?status={status}").content.decode()
    assert referral.number in page


def test_the_referral_page_is_404_for_people_not_named(
    restricted, referral, colleague, case_manager
):
    response = _client(colleague).get(_ref_url(referral))
    assert response.status_code == 404
    body = response.content.decode()
    assert (
        "Quintana" not in body and "575-555-0199" not in body and str(restricted.uuid) not in body
    )
    with scopes_disabled():
        refusal = AccessLogEntry.objects.filter(user=colleague, object_uuid=referral.uuid).get()
    assert refusal.outcome == AccessLogEntry.Outcome.NOT_FOUND
    named = _client(case_manager).get(_ref_url(referral))
    assert named.status_code == 200 and str(restricted.uuid) in named.content.decode()


@pytest.mark.parametrize(
    "action, data",
    [
        ("screening", {}),
        ("decision", {"decision": "eligible", "reason": ""}),
        ("assign", {"assignee": ""}),
        ("attempts", {}),
        ("outcome", {"outcome": "declined", "note": "x"}),
        ("resume", {}),
        ("prosecutor", {"outcome": "do_not_file"}),
    ],
)
def test_every_action_on_the_referral_is_404_for_people_not_named(
    restricted, referral, colleague, action, data
):
    response = _client(colleague).post(_ref_url(referral, action), data)
    assert response.status_code == 404
    assert "Quintana" not in response.content.decode()


def test_intake_from_the_referral_is_404_for_people_not_named(restricted, referral, colleague):
    response = _client(colleague).get(f"/s/taos/participants/intake/{referral.uuid}/")
    assert response.status_code == 404


def test_a_duplicate_review_naming_the_referral_is_hidden_from_people_not_named(
    restricted, referral, site_a, colleague, case_manager
):
    with scopes_disabled():
        other = ReferralFactory(site=site_a, first_name="Dana", last_name="Quintanna")
        DuplicateReview.objects.create(
            site=site_a,
            referral=other,
            other_referral=referral,
            verdict=DuplicateReview.Verdict.LINKED,
            reviewed_by=case_manager,
        )
    page = _client(colleague).get(_ref_url(other)).content.decode()
    assert referral.number not in page
    assert referral.number in _client(case_manager).get(_ref_url(other)).content.decode()


def test_the_sites_access_log_hides_rows_about_a_restricted_record(
    restricted, referral, programme_manager, case_manager, colleague
):
    _client(case_manager).get(f"/s/taos/participants/{restricted.uuid}/")
    _client(case_manager).get(_ref_url(referral))
    _client(colleague).get(f"/s/taos/participants/{restricted.uuid}/")  # refused, logged
    page = _client(programme_manager).get("/s/taos/participants/access-log/").content.decode()
    assert str(restricted.uuid) not in page and str(referral.uuid) not in page
    with scopes_disabled():
        programme_manager_named = [case_manager, programme_manager]
        participant_restrict(
            participant=restricted, allowed=programme_manager_named, by=programme_manager
        )
    page = _client(programme_manager).get("/s/taos/participants/access-log/").content.decode()
    assert str(restricted.uuid) in page and str(referral.uuid) in page


def test_caseload_counts_leave_out_records_hidden_from_the_reader(
    restricted, participant, site_a, programme_manager, case_manager
):
    from django_scopes import scope

    from participants.selectors import caseloads_overview

    with scope(site=site_a):
        loads = dict(caseloads_overview(site=site_a, user=programme_manager))
        named_loads = dict(caseloads_overview(site=site_a, user=case_manager))
    assert loads[case_manager] == 1  # Dana (restricted) is not counted for the manager
    assert named_loads[case_manager] == 2
    page = _client(programme_manager).get("/s/taos/participants/caseloads/").content.decode()
    row = page[page.index(case_manager.get_full_name()) :].split("</tr>")[0]
    assert "<td>1" in row


def test_people_named_on_the_record_keep_every_path(restricted, referral, case_manager):
    client = _client(case_manager)
    assert client.get(_ref_url(referral)).status_code == 200
    assert referral.number in client.get("/s/taos/referrals/?status=all").content.decode()
    with scopes_disabled():
        assert Referral.objects.get(pk=referral.pk).status == Status.ENROLLED
