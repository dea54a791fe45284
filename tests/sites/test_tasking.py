"""A background task reloads its row by id and works inside that row's site scope."""

from __future__ import annotations

import pytest
from django.utils import translation
from django_scopes import ScopeError, scopes_disabled

from sites.models import Membership
from sites.tasking import in_site, site_record


def test_a_task_body_runs_in_the_scope_of_its_rows_site(case_manager, site_a, site_b):
    with scopes_disabled():
        membership = Membership.objects.get(user=case_manager)
    with pytest.raises(ScopeError):  # a task starts with no scope at all
        list(Membership.objects.all())
    with translation.override("es"), site_record(Membership, membership.pk, "user") as loaded:
        assert loaded.user == case_manager and loaded.site == site_a
        assert translation.get_language() == "en"  # the site's default, not the caller's
        # Only this site's rows are reachable, as in a request of this site.
        assert set(Membership.objects.values_list("site_id", flat=True)) == {site_a.pk}


def test_in_site_takes_a_site_or_its_id(site_a, case_manager):
    with in_site(site_a.pk) as site:
        assert site == site_a
        assert Membership.objects.filter(site=site).exists()


def test_a_missing_row_fails_the_task(db):
    with pytest.raises(Membership.DoesNotExist), site_record(Membership, 10**9):
        pass
