"""Sites are kept apart: another site's pages answer 404, and every refusal is logged."""

from __future__ import annotations

import pytest
from django.db import connection
from django_scopes import ScopeError, scope, scopes_disabled

from lead.models import AccessLogEntry, HistoryBypassError
from sites.models import Membership
from sites.roles import Role
from tests.factories import member


def test_a_member_of_one_site_gets_404_at_another(client, case_manager, site_b):
    client.force_login(case_manager)
    assert client.get(f"/s/{site_b.slug}/").status_code == 404


def test_the_refusal_is_recorded_in_the_access_log(client, case_manager, site_b):
    client.force_login(case_manager)
    client.get(f"/s/{site_b.slug}/staff/")
    entry = AccessLogEntry.objects.get(user=case_manager)
    assert entry.outcome == AccessLogEntry.Outcome.NOT_FOUND
    assert entry.site == site_b
    assert entry.path == f"/s/{site_b.slug}/staff/"


def test_a_missing_capability_is_403_and_recorded(client, officer, site_a):
    client.force_login(officer)
    assert client.get(f"/s/{site_a.slug}/staff/").status_code == 403
    entry = AccessLogEntry.objects.get(user=officer)
    assert entry.outcome == AccessLogEntry.Outcome.FORBIDDEN
    assert entry.action == "denied:sites.manage_staff"


def test_an_unknown_site_is_404(client, case_manager):
    client.force_login(case_manager)
    assert client.get("/s/atlantis/").status_code == 404


def test_site_owned_queries_without_a_scope_raise(site_a, case_manager):
    with pytest.raises(ScopeError):
        list(Membership.objects.all())
    with scope(site=site_a):
        assert Membership.objects.filter(user=case_manager).count() == 1


def test_a_scope_shows_only_its_own_site(site_a, site_b, case_manager, case_manager_b):
    with scope(site=site_b):
        assert list(Membership.objects.values_list("user__email", flat=True)) == [
            case_manager_b.email
        ]


def test_a_user_with_two_sites_gets_a_site_switcher(client, site_a, site_b):
    user = member(site_a, Role.CASE_MANAGER, email="both@example.org")
    member(site_b, Role.OFFICER, email="both@example.org")
    client.force_login(user)
    page = client.get("/s/taos/").content.decode()
    assert 'id="site-switch"' in page
    assert "Lea – Officer" in page
    response = client.get("/?site=lea")
    assert response["Location"] == "/s/lea/"
    # a slug that is not theirs is ignored: they land on one of their own sites
    assert client.get("/?site=bernalillo")["Location"] in {"/s/taos/", "/s/lea/"}


def test_tracked_models_refuse_bulk_updates_that_would_skip_history(site_a, case_manager):
    with scope(site=site_a), pytest.raises(HistoryBypassError):
        Membership.objects.filter(user=case_manager).update(role=Role.OFFICER)


def test_the_access_log_is_append_only_even_in_sql(client, case_manager, site_b):
    client.force_login(case_manager)
    client.get(f"/s/{site_b.slug}/")
    entry = AccessLogEntry.objects.get(user=case_manager)
    with pytest.raises(HistoryBypassError):
        entry.save()
    with pytest.raises(HistoryBypassError):
        entry.delete()
    with pytest.raises(Exception, match="append-only"), connection.cursor() as cursor:
        cursor.execute("UPDATE lead_accesslogentry SET action = 'nothing'")


def test_membership_changes_are_kept_in_history(site_a, programme_manager, case_manager):
    from sites.services import membership_grant

    membership_grant(user=case_manager, site=site_a, role=Role.OFFICER, by=programme_manager)
    with scopes_disabled():
        history = Membership.objects.get(user=case_manager).history.order_by("history_date")
        assert [h.role for h in history] == [Role.CASE_MANAGER, Role.OFFICER]
        assert history.last().history_user == programme_manager
