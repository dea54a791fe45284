"""seed_demo: every site gets referrals of every status and pathway, once, dated in the past."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from lead.models import User
from referrals import selectors
from referrals.models import LocateAttempt, Referral, Status
from sites.models import Site
from sites.roles import Pathway


@pytest.mark.django_db
def test_seed_demo_gives_every_site_realistic_referrals_once():
    call_command("seed_demo", "--quiet")
    with scopes_disabled():
        counts = {site.slug: site.referrals.count() for site in Site.objects.all()}
    call_command("seed_demo", "--quiet")  # idempotent: nothing new

    now = timezone.now()
    with scopes_disabled():
        assert counts == {site.slug: site.referrals.count() for site in Site.objects.all()}
        sites = list(Site.objects.all())
    assert len(sites) >= 6
    for site in sites:
        with scope(site=site):
            referrals = list(Referral.objects.filter(site=site))
            assert {r.status for r in referrals} == set(Status.values), site.slug
            assert {r.pathway for r in referrals} == set(Pathway.values), site.slug
            dates = [r.submitted_at for r in referrals]
            assert now - timedelta(days=61) < min(dates) < now - timedelta(days=30)
            assert max(dates) <= now

            clocks = [
                r.days_left()
                for r in referrals
                if r.pathway == Pathway.ARREST_DIVERSION and r.is_open and r.intake_due_date
            ]
            assert any(days < 0 for days in clocks), "one past its intake deadline"
            assert any(0 <= days <= 3 for days in clocks), "one due within days"
            community = [r for r in referrals if r.pathway == Pathway.COMMUNITY]
            assert all(r.submitted_by is None for r in community)
            assert any(r.urgency == "urgent" for r in community)
            assert any(r.referrer_phone or r.referrer_email for r in community)

            assert LocateAttempt.objects.filter(site=site).count() >= 15
            reader = User.objects.get(email=f"casemanager.{site.slug}@example.org")
            found = [selectors.duplicate_candidates(referral=r, user=reader) for r in referrals]
            assert sum(bool(candidates) for candidates in found) >= 2

            # The history tells the referral's story at the time it happened.
            closed = next(r for r in referrals if r.status == Status.UNABLE_TO_LOCATE)
            first = closed.history.earliest("history_date")
            assert first.history_date == closed.submitted_at
            assert closed.history.latest("history_date").history_date < now - timedelta(hours=1)
