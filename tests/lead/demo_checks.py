"""What a seeded demo site must look like, whatever the day: the checks of the demo tests.

``tests/lead/test_seed_demo.py`` runs them on every site seeded today, and
``tests/lead/test_demo_across_dates.py`` on sites seeded on awkward days (29 February, the last
minutes of a year, the first minutes of the next). Each takes the moment the demo was seeded as
``now`` and never reads the clock itself.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone
from django_scopes import scope

from casenotes.models import Addendum, Contact, Task
from lead.demo.participants import demo_participants_exist
from lead.models import User
from participants.models import Consent, GoalProgress, NeedAssessment, Participant, PlanGoal
from referrals import selectors
from referrals.models import LocateAttempt, Referral, Status
from sites.models import Site
from sites.roles import Pathway

# The field that dates each kind of row: its first history row must carry the same moment.
DATED_BY = {
    Participant: "enrolled_at",
    NeedAssessment: "assessed_at",
    Consent: "recorded_at",
    PlanGoal: "created_at",
    GoalProgress: "written_at",
    Contact: "created_at",
    Addendum: "written_at",
    Task: "created_at",
    LocateAttempt: "recorded_at",
    Referral: "submitted_at",
}


def check_referrals(site: Site, *, now: datetime) -> None:
    """Every status and pathway, dated in the last two months, clocks running, history at the
    time things happened."""
    today = timezone.localdate(now)
    with scope(site=site):
        referrals = list(Referral.objects.filter(site=site))
        assert {r.status for r in referrals} == set(Status.values), site.slug
        assert {r.pathway for r in referrals} == set(Pathway.values), site.slug
        dates = [r.submitted_at for r in referrals]
        assert now - timedelta(days=61) < min(dates) < now - timedelta(days=30), site.slug
        assert max(dates) <= now, site.slug

        clocks = [
            r.days_left(today)
            for r in referrals
            if r.pathway == Pathway.ARREST_DIVERSION and r.is_open and r.intake_due_date
        ]
        assert any(days < 0 for days in clocks), f"{site.slug}: one past its intake deadline"
        assert any(0 <= days <= 3 for days in clocks), f"{site.slug}: one due within days"
        community = [r for r in referrals if r.pathway == Pathway.COMMUNITY]
        assert all(r.submitted_by is None for r in community)
        assert any(r.urgency == "urgent" for r in community)
        assert any(r.referrer_phone or r.referrer_email for r in community)

        assert LocateAttempt.objects.filter(site=site).count() >= 15, site.slug
        reader = User.objects.get(email=f"casemanager.{site.slug}@example.org")
        found = [selectors.duplicate_candidates(referral=r, user=reader) for r in referrals]
        assert sum(bool(candidates) for candidates in found) >= 2

        # The history tells each referral's story at the time it happened.
        for referral in referrals:
            history = referral.history.order_by("history_date")
            assert history.first().history_date == referral.submitted_at, referral.number
            assert history.last().history_date <= now, referral.number
            if referral.closed_at is not None:
                assert history.filter(
                    history_date=referral.closed_at, status=referral.status
                ).exists(), referral.number
        closed = next(r for r in referrals if r.status == Status.UNABLE_TO_LOCATE)
        assert closed.history.latest("history_date").history_date < now - timedelta(hours=1)
        attempts = LocateAttempt.objects.filter(site=site)
        assert all(a.attempted_at <= a.recorded_at <= now for a in attempts), site.slug


def check_caseload(site: Site, *, now: datetime) -> None:
    """The demo case manager's caseload: profiles that fit the county, consents, plan,
    contacts and tasks, one or two people drifting away, every row dated as its history."""
    today = timezone.localdate(now)
    cm = User.objects.get(email=f"casemanager.{site.slug}@example.org")
    with scope(site=site):
        people = list(Participant.objects.filter(site=site).select_related("site"))
        assert 10 <= len(people) <= 14, site.slug
        assert all(p.case_manager_id == cm.pk for p in people)
        assert demo_participants_exist(site=site, case_manager=cm)
        assert sum(p.referral_id is None for p in people) == 10, "ten walk-ins"
        assert {p.case_number for p in people} == {
            f"{site.referral_prefix}-P-{n:05d}" for n in range(1, len(people) + 1)
        }
        # Profiles that fit a New Mexico county.
        assert all(p.race_ethnicity and p.date_of_birth for p in people)
        assert len({p.housing_status for p in people}) >= 3
        languages = {p.primary_language for p in people}
        assert "English" in languages and len(languages) >= 2, (site.slug, languages)
        if site.slug == "san-juan":
            assert "Navajo" in languages
            assert sum("american_indian" in p.race_ethnicity for p in people) >= 4
        if site.slug in {"dona-ana", "taos", "santa-fe", "bernalillo"}:
            assert "Spanish" in languages, (site.slug, languages)
            assert sum("hispanic" in p.race_ethnicity for p in people) >= 4, site.slug
        for p in people:
            assert p.needs.count() == 9
            assert p.goals.exists()
            assert 3 <= p.contacts.count() <= 15
            assert 1 <= p.consents.count() <= 4
            assert p.tasks.exists()
            assert p.enrolled_at < now
            first = p.history.earliest("history_date")
            assert first.history_date == p.enrolled_at == first.enrolled_at

        # Active and inactive: nobody fails out, one or two have drifted away.
        inactive = [p for p in people if not p.is_active(now)]
        assert 1 <= len(inactive) <= 2, site.slug
        for p in inactive:
            assert p.days_since_contact(now) > site.inactivity_threshold_days
            assert p.contacts.filter(successful=False, contacted_at__gt=p.last_contact_at)

        # Consents in force and not.
        consents = list(Consent.objects.filter(site=site))
        assert sum(c.in_force(today) for c in consents) >= len(people)
        assert any(c.revoked_at and c.revocation_note for c in consents)
        assert any(c.expires_on and c.expires_on < today for c in consents)
        assert all(c.revocation_explained for c in consents)

        # The plan: statuses and progress notes.
        goals = PlanGoal.objects.filter(site=site)
        assert len({g.status for g in goals}) >= 3, site.slug
        assert GoalProgress.objects.filter(site=site).count() >= 5

        # Contacts reached and attempted, services, addenda, some still editable.
        contacts = Contact.objects.filter(site=site)
        assert contacts.filter(successful=False).exists()
        assert contacts.exclude(services=[]).count() >= 10
        assert Addendum.objects.filter(site=site).exists(), site.slug
        assert all(c.created_at >= c.contacted_at for c in contacts)
        # Seen in the last 24 hours: the case manager can still edit those notes.
        assert sum(c.editable_by(cm, now) for c in contacts) >= 2, site.slug
        assert max(c.contacted_at for c in contacts) <= now

        # Tasks: overdue, due this week, done.
        tasks = Task.objects.filter(site=site)
        open_tasks = tasks.filter(done_at__isnull=True)
        assert open_tasks.filter(due_on__lt=today).count() >= 2, site.slug
        this_week = open_tasks.filter(due_on__gte=today, due_on__lte=today + timedelta(6))
        assert this_week.count() >= 3, site.slug
        done = tasks.filter(done_at__isnull=False)
        assert done.count() >= 3, site.slug
        assert all(t.created_at <= t.done_at <= now for t in done)
        assert all(t.created_at <= now for t in tasks)

        # Each row was made at the moment its own date says, and its history says the same.
        for model, field in DATED_BY.items():
            made = model.history.filter(site=site, history_type="+")
            assert made.exists(), model.__name__
            for history_date, dated in made.values_list("history_date", field):
                assert history_date == dated <= now, (model.__name__, history_date, dated)
        for task in done:
            assert task.history.filter(history_date=task.done_at, done_at=task.done_at).exists()
