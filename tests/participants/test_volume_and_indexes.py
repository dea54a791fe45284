"""Volume data (``lead.demo.volume``, behind ``seed_demo --participants N --contacts N``) and
the indexes the busy pages read through. (``seed_demo`` with those options is tested with the
rest of the demo, in ``tests/lead/test_seed_demo.py``.)

A few hundred participants and thousands of contacts go into the test database by the same COPY
path as the benchmark's 20,000 and 1,000,000 (``make bench`` measures that volume). Then
``EXPLAIN`` of the SQL the selectors really send shows that no contacts query scans the whole
``casenotes_contact`` table: the timeline reads one participant's newest contacts through
``casenotes_timeline``, and the caseload does not read contacts at all (it has
``last_contact_at``).
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.db.models import Count, F, Max
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from casenotes.models import Contact, Task
from casenotes.selectors import open_tasks_for
from lead.demo import volume
from lead.models import User
from participants import selectors
from participants.models import CaseNumberCounter, NeedAssessment, Participant, PlanGoal
from sites.models import Membership, Site
from sites.roles import Role

PARTICIPANTS = 300
CONTACTS = 6_000

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded(db) -> volume.VolumeResult:
    return volume.volume_generate(participants=PARTICIPANTS, contacts=CONTACTS)


def _plans(run) -> list[tuple[str, str]]:
    """(SQL, EXPLAIN text) of every SELECT that ``run()`` sends."""
    with CaptureQueriesContext(connection) as captured:
        run()
    plans = []
    with connection.cursor() as cursor:
        for query in captured.captured_queries:
            sql = query["sql"]
            if sql.lstrip().upper().startswith("SELECT"):
                cursor.execute("EXPLAIN " + sql)
                plans.append((sql, "\n".join(row[0] for row in cursor.fetchall())))
    return plans


def _busiest(site: Site) -> Participant:
    with scopes_disabled():
        return (
            Participant.objects.filter(site=site, is_restricted=False)
            .annotate(n=Count("contacts"))
            .select_related("site", "referral")
            .order_by("-n")
            .first()
        )


def _case_manager_with_caseload(site: Site) -> User:
    with scopes_disabled():
        pk = (
            Participant.objects.filter(site=site, case_manager__isnull=False)
            .values("case_manager")
            .annotate(n=Count("id"))
            .order_by("-n")
            .values_list("case_manager", flat=True)
            .first()
        )
    return User.objects.get(pk=pk)


# -- The generated data ----------------------------------------------------------------------


def test_the_sites_get_the_participants_and_contacts_asked_for(loaded):
    assert (loaded.participants, loaded.contacts) == (PARTICIPANTS, CONTACTS)
    with scopes_disabled():
        assert Participant.objects.count() == PARTICIPANTS
        assert Contact.objects.count() == CONTACTS
        per_site = Counter(Participant.objects.values_list("site__slug", flat=True))
        assert set(per_site) == set(
            Site.objects.filter(is_active=True).values_list("slug", flat=True)
        )
        assert per_site["bernalillo"] > per_site["taos"]  # by county size
        # Every participant's intake needs (nine domains), 1-3 plan goals; tasks, some done.
        assert NeedAssessment.objects.count() == 9 * PARTICIPANTS
        assert PARTICIPANTS <= PlanGoal.objects.count() <= 3 * PARTICIPANTS
        assert Task.objects.filter(done_at__isnull=True).exists()
        assert Task.objects.filter(done_at__isnull=False).exists()
        assert Task.objects.filter(participant__isnull=True).exists()  # the workers' own


def test_last_contact_matches_the_contacts_and_dates_are_plausible(loaded):
    now = timezone.now()
    with scopes_disabled():
        people = Participant.objects.select_related("site").annotate(
            latest=Max("contacts__contacted_at")
        )
        assert all(p.last_contact_at == p.latest for p in people)
        assert any(p.is_active(now) for p in people) and any(not p.is_active(now) for p in people)
        oldest = now - timedelta(days=volume.HISTORY_DAYS + 1)
        assert not Participant.objects.filter(enrolled_at__lt=oldest).exists()
        assert not Participant.objects.filter(enrolled_at__gt=now).exists()
        contacts = Contact.objects.select_related("participant")
        assert not contacts.filter(contacted_at__gt=now).exists()
        assert not contacts.filter(created_at__lt=F("contacted_at")).exists()
        assert not contacts.exclude(site=F("participant__site")).exists()
        assert not contacts.filter(contacted_at__lt=F("participant__enrolled_at")).exists()
        # Contacts happen in the daytime (New Mexico, 7:00 to 19:00).
        hours = Counter(
            timezone.localtime(at).hour for at in contacts.values_list("contacted_at", flat=True)
        )
        assert sum(n for hour, n in hours.items() if 7 <= hour < 20) >= 0.95 * CONTACTS
        assert len(set(Contact.objects.values_list("contact_type", flat=True))) == 7
        assert Contact.objects.filter(successful=False).exists()
        assert Contact.objects.exclude(services=[]).exists()


def test_case_numbers_are_unique_per_site_and_the_counter_is_past_them(loaded):
    with scopes_disabled():
        for site in Site.objects.filter(is_active=True):
            numbers = list(
                Participant.objects.filter(site=site).values_list("case_number", flat=True)
            )
            assert len(numbers) == len(set(numbers))
            prefix = site.referral_prefix or site.slug[:3].upper()
            assert all(re.fullmatch(rf"{prefix}-P-\d{{5}}", n) for n in numbers)
            highest = max(int(n.rsplit("-", 1)[1]) for n in numbers)
            assert CaseNumberCounter.objects.get(site=site).last == highest


def test_caseloads_stay_near_twenty_with_extra_demo_case_managers(loaded):
    with scopes_disabled():
        loads = Counter(
            Participant.objects.filter(case_manager__isnull=False).values_list(
                "case_manager", flat=True
            )
        )
        assert max(loads.values()) <= volume.TARGET_CASELOAD + 1
        assert Participant.objects.filter(case_manager__isnull=True).count() < 0.05 * PARTICIPANTS
        second = User.objects.get(email="casemanager2.bernalillo@example.org")
        assert (
            Membership.objects.get(user=second, site__slug="bernalillo").role == Role.CASE_MANAGER
        )
        assert second.check_password(settings.LEAD_DEMO_PASSWORD)
        # Contacts are written by case managers of the participant's own site.
        authors = set(Contact.objects.values_list("site_id", "author_id").distinct())
        members = set(
            Membership.objects.filter(role=Role.CASE_MANAGER).values_list("site_id", "user_id")
        )
        assert authors <= members


def test_restricted_records_carry_their_case_managers_grant(loaded):
    with scopes_disabled():
        restricted = list(Participant.objects.filter(is_restricted=True))
    for participant in restricted:
        assert participant.case_manager.has_perm("participants.open_restricted", participant)


def test_generated_rows_have_no_change_history(loaded):
    """Bulk volume is not a record of anybody's work: no history rows (see the module)."""
    with scopes_disabled():
        assert not Contact.history.exists()
        assert not Participant.history.exists()


def test_running_it_again_adds_nothing_and_a_bigger_number_tops_up(loaded):
    again = volume.volume_generate(participants=PARTICIPANTS, contacts=CONTACTS)
    assert (again.participants, again.contacts) == (0, 0)

    more = volume.volume_generate(participants=PARTICIPANTS, contacts=CONTACTS + 500)
    assert (more.participants, more.contacts) == (0, 500)
    with scopes_disabled():
        assert Contact.objects.count() == CONTACTS + 500
        people = Participant.objects.annotate(latest=Max("contacts__contacted_at"))
        assert all(p.last_contact_at == p.latest for p in people)


def test_contacts_without_participants_are_refused(db):
    with pytest.raises(ValueError, match="participants"):
        volume.volume_generate(participants=0, contacts=10)


def test_the_load_around_rebuilt_indexes_leaves_the_schema_as_it_was(db, monkeypatch):
    """Big loads drop the plain indexes, unique and foreign keys of the tables they fill and
    rebuild them afterwards: names, definitions and deferrability come back identical."""

    def schema() -> set[tuple]:
        with connection.cursor() as cursor:
            cursor.execute(
                """
                SELECT 'index', indexname, indexdef, NULL, NULL FROM pg_indexes
                WHERE tablename IN ('casenotes_contact', 'participants_needassessment')
                UNION ALL
                SELECT 'constraint', conname, pg_get_constraintdef(oid), condeferrable::text,
                       condeferred::text
                FROM pg_constraint
                WHERE conrelid IN ('casenotes_contact'::regclass,
                                   'participants_needassessment'::regclass)
                """
            )
            return set(cursor.fetchall())

    before = schema()
    monkeypatch.setattr(volume, "BULK_REBUILD_MIN", 1)
    result = volume.volume_generate(participants=40, contacts=800)
    assert result.contacts == 800
    assert any(name == "contact indexes and keys" for name, _seconds in result.steps)
    assert schema() == before


# -- The indexes ---------------------------------------------------------------------------------


@pytest.fixture
def analyzed(loaded):
    """The planner's statistics for the generated rows (the generator runs ANALYZE too)."""
    with connection.cursor() as cursor:
        for table in ("participants_participant", "casenotes_contact", "casenotes_task"):
            cursor.execute(f"ANALYZE {table}")
    return loaded


def _no_contacts_seq_scan(plans: list[tuple[str, str]]) -> None:
    for sql, plan in plans:
        assert "Seq Scan on casenotes_contact" not in plan, f"{sql}\n{plan}"


def test_the_timeline_reads_a_participants_contacts_through_its_index(analyzed):
    site = Site.objects.get(slug="bernalillo")
    participant = _busiest(site)

    def timeline():
        with scope(site=site):
            selectors.participant_timeline(participant=participant, page=1)
            selectors.participant_timeline(participant=participant, page=3)

    plans = _plans(timeline)
    contact_plans = [(sql, plan) for sql, plan in plans if 'FROM "casenotes_contact"' in sql]
    assert contact_plans, "the timeline reads contacts"
    _no_contacts_seq_scan(plans)
    # With sequential scans priced out, as on a big table, the rows are found by participant:
    # through casenotes_timeline (participant, newest first) at volume (make bench shows it);
    # on a few thousand rows the planner may take the participant_id index instead.
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        for sql, _plan in contact_plans:
            cursor.execute("EXPLAIN " + sql)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            assert re.search(r"Index Cond: \(participant_id = \d+\)", plan), plan
            assert re.search(
                r"(using|on) (casenotes_timeline|casenotes_contact_participant_id)", plan
            ), plan
        cursor.execute("SET LOCAL enable_seqscan = on")


def test_the_caseload_reads_no_contacts_and_finds_its_rows_by_index(analyzed):
    site = Site.objects.get(slug="bernalillo")
    worker = _case_manager_with_caseload(site)

    def caseload():
        with scope(site=site):
            assert len(list(selectors.caseload_for(site=site, user=worker))) > 5

    plans = _plans(caseload)
    assert not any("casenotes_contact" in sql for sql, _plan in plans), "uses last_contact_at"
    with scope(site=site):
        query = selectors.caseload_for(site=site, user=worker)
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            plan = query.explain()
            cursor.execute("SET LOCAL enable_seqscan = on")
    assert "participants_caseload" in plan, plan
    assert "Seq Scan on casenotes_task" not in plan, plan


def test_search_and_my_tasks_do_not_touch_contacts_and_use_indexes(analyzed):
    site = Site.objects.get(slug="bernalillo")
    worker = _case_manager_with_caseload(site)
    with scopes_disabled():
        someone = Participant.objects.filter(site=site, date_of_birth__isnull=False).first()

    def pages():
        with scope(site=site):
            selectors.participant_search(site=site, user=worker, query=someone.legal_last_name)
            selectors.participant_search(
                site=site, user=worker, query=someone.date_of_birth.isoformat()
            )
            selectors.participant_search(site=site, user=worker, query=someone.case_number)
            list(open_tasks_for(site=site, user=worker))

    plans = _plans(pages)
    _no_contacts_seq_scan(plans)
    assert not any("casenotes_contact" in sql for sql, _plan in plans)
    with scope(site=site), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        tasks = open_tasks_for(site=site, user=worker).explain()
        cursor.execute("SET LOCAL enable_seqscan = on")
    assert "casenotes_open_tasks" in tasks, tasks
