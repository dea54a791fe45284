"""Demo participants (``participants.demo``): every site gets a caseload a case manager can work
in the browser, once, made through the services and dated in the past."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from django_scopes import scope, scopes_disabled
from guardian.shortcuts import get_users_with_perms

from casenotes.models import Addendum, Contact, Task
from lead.models import User
from participants.demo import ENROLLED_SCENARIOS, demo_uuid, seed_participants
from participants.models import Consent, GoalProgress, NeedAssessment, Participant, PlanGoal
from referrals.demo import demo_key
from referrals.models import Referral, Status
from sites.models import Site

MODELS = [Participant, NeedAssessment, Consent, PlanGoal, GoalProgress, Contact, Addendum, Task]


def _seed() -> dict[str, list[Participant]]:
    """What ``seed_demo`` does for participants, site by site (a no-op where it already ran)."""
    created = {}
    with scopes_disabled():
        sites = list(Site.objects.order_by("name"))
    for site in sites:
        with scope(site=site), transaction.atomic():
            created[site.slug] = seed_participants(
                site=site,
                case_manager=User.objects.get(email=f"casemanager.{site.slug}@example.org"),
                programme_manager=User.objects.get(email=f"manager.{site.slug}@example.org"),
                rng=random.Random(f"lead-demo-participants:{site.slug}"),
            )
    return created


def _counts() -> dict[str, int]:
    with scopes_disabled():
        counts = {model.__name__: model.objects.count() for model in MODELS}
        counts["history"] = sum(model.history.count() for model in MODELS)
    return counts


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """The whole demo, once for this module (it takes a few seconds), removed afterwards."""
    # Undone at the end like a test's transaction: the other modules start clean.
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", "--quiet")
        _seed()
        yield _counts()
        transaction.set_rollback(True)


@pytest.fixture
def demo(seeded, db):
    return seeded


def test_seeding_twice_adds_nothing(demo):
    assert demo["Participant"] >= 60
    call_command("seed_demo", "--quiet")
    assert not any(_seed().values())
    assert _counts() == demo


def test_every_enrolled_demo_referral_has_its_participant(demo):
    with scopes_disabled():
        for site in Site.objects.all():
            keys = [demo_key(site, key) for key in ENROLLED_SCENARIOS]
            referrals = Referral.objects.filter(site=site, idempotency_key__in=keys)
            assert referrals.count() == 2, site.slug
            for referral in referrals:
                assert referral.status == Status.ENROLLED
                participant = Participant.objects.get(referral=referral)
                # Enrolled by the intake service, when the referral was closed.
                assert participant.enrolled_at == referral.closed_at
                assert participant.contacts.exists() and participant.consents.exists()


def test_each_site_has_a_caseload_to_work(demo):
    now = timezone.now()
    today = timezone.localdate()
    with scopes_disabled():
        sites = list(Site.objects.all())
    assert len(sites) >= 6
    for site in sites:
        cm = User.objects.get(email=f"casemanager.{site.slug}@example.org")
        with scope(site=site):
            people = list(Participant.objects.filter(site=site).select_related("site"))
            assert 10 <= len(people) <= 14, site.slug
            assert all(p.case_manager_id == cm.pk for p in people)
            assert Participant.objects.filter(site=site, uuid=demo_uuid(site)).exists()
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
                assert "Spanish" in languages
                assert sum("hispanic" in p.race_ethnicity for p in people) >= 4
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
            inactive = [p for p in people if not p.is_active()]
            assert 1 <= len(inactive) <= 2, site.slug
            for p in inactive:
                assert p.days_since_contact() > site.inactivity_threshold_days
                assert p.contacts.filter(successful=False, contacted_at__gt=p.last_contact_at)

            # Consents in force and not.
            consents = list(Consent.objects.filter(site=site))
            assert sum(c.in_force() for c in consents) >= len(people)
            assert any(c.revoked_at and c.revocation_note for c in consents)
            assert any(c.expires_on and c.expires_on < today for c in consents)
            assert all(c.revocation_explained for c in consents)

            # The plan: statuses and progress notes.
            goals = PlanGoal.objects.filter(site=site)
            assert len({g.status for g in goals}) >= 3
            assert GoalProgress.objects.filter(site=site).count() >= 5

            # Contacts reached and attempted, services, addenda, some still editable.
            contacts = Contact.objects.filter(site=site)
            assert contacts.filter(successful=False).exists()
            assert contacts.exclude(services=[]).count() >= 10
            assert Addendum.objects.filter(site=site).exists()
            assert all(c.created_at >= c.contacted_at for c in contacts)
            # Seen in the last 24 hours: the case manager can still edit those notes.
            assert sum(c.editable_by(cm) for c in contacts) >= 2, site.slug
            assert max(c.contacted_at for c in contacts) <= now

            # Tasks: overdue, due this week, done.
            tasks = Task.objects.filter(site=site)
            open_tasks = tasks.filter(done_at__isnull=True)
            assert open_tasks.filter(due_on__lt=today).count() >= 2
            assert (
                open_tasks.filter(due_on__gte=today, due_on__lte=today + timedelta(6)).count() >= 3
            )
            assert tasks.filter(done_at__isnull=False).count() >= 3
            assert all(t.created_at <= now for t in tasks)


def test_one_restricted_record_for_the_programme_manager_and_case_manager(demo):
    with scopes_disabled():
        restricted = list(Participant.objects.filter(is_restricted=True).select_related("site"))
    assert len(restricted) == 1
    participant = restricted[0]
    allowed = {user.email for user in get_users_with_perms(participant, with_superusers=False)}
    slug = participant.site.slug
    assert allowed == {f"casemanager.{slug}@example.org", f"manager.{slug}@example.org"}


@pytest.mark.django_db
def test_a_site_enrolled_by_an_earlier_demo_gets_participants_for_its_referrals():
    """Referrals enrolled before the demo made participants: linked to new ones, not skipped."""
    call_command("seed_demo", "--quiet")
    with scopes_disabled():
        site = Site.objects.get(slug="lea")
        # As the earlier demo left them: enrolled, but nobody behind them.
        Participant.objects.filter(site=site).delete()
        assert Referral.objects.filter(site=site, status=Status.ENROLLED).count() == 2
    with scope(site=site), transaction.atomic():
        created = seed_participants(
            site=site,
            case_manager=User.objects.get(email="casemanager.lea@example.org"),
            programme_manager=User.objects.get(email="manager.lea@example.org"),
            rng=random.Random("test"),
        )
        assert len(created) == 12
        for referral in Referral.objects.filter(site=site, status=Status.ENROLLED):
            participant = Participant.objects.get(site=site, referral=referral)
            assert participant.enrolled_at == referral.closed_at
            assert participant.history.latest("history_date").referral_id == referral.pk
