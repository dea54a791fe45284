"""The diversion clock: an arrest diversion must reach intake within the site's deadline.

Time moves by passing ``today=`` to the daily check and by pinning ``timezone.localdate`` (the
warning's "days left" and the queue read it). The warnings go through the outbox: the check only
queues them; ``django_capture_on_commit_callbacks(execute=True)`` publishes them (eagerly).
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest
from celery.schedules import crontab
from django.conf import settings as django_settings
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from lead.celery import app as celery_app
from lead.models import OutboxMessage
from lead.outbox import outbox_sweep
from referrals import tasks
from referrals.models import ProsecutorOutcome, Referral, Status
from referrals.services import referral_assign, referral_submit
from sites.models import Notification
from sites.roles import Pathway, Role
from sites.services import membership_grant
from tests.factories import ReferralFactory, member

pytestmark = pytest.mark.django_db

DIVERTED = date(2026, 3, 2)


@pytest.fixture(autouse=True)
def _no_mfa(settings):
    settings.LEAD_REQUIRE_MFA = False


@pytest.fixture
def pin_today(monkeypatch):
    """``pin_today(d)`` makes ``timezone.localdate()`` (no argument) answer ``d``."""
    real = timezone.localdate

    def pin(day: date) -> None:
        def fake(value=None, timezone=None):
            return day if value is None else real(value, timezone)

        monkeypatch.setattr("django.utils.timezone.localdate", fake)

    return pin


def _set_deadline(site, days: int) -> None:
    with scopes_disabled():
        site.intake_deadline_days = days
        site.save()


def divert(site, officer, diversion_date: date = DIVERTED, **extra) -> Referral:
    """An officer's arrest diversion, submitted through the real service."""
    data = {
        "first_name": "Rosa",
        "last_name": "Archuleta",
        "offence_category": "drug_possession",
        "incident_number": "TPD-26-0113",
        "agency": "Taos Police Department",
        "diversion_date": diversion_date,
        **extra,
    }
    with scope(site=site):
        referral, created = referral_submit(
            site=site, pathway=Pathway.ARREST_DIVERSION, data=data, by=officer
        )
    assert created
    return referral


def assign(referral: Referral, user, by) -> None:
    with scope(site=referral.site):
        referral_assign(referral=referral, assignee=user, by=by)


def check(capture, day: date) -> int:
    """Run the daily check as of ``day`` and deliver what it queued."""
    with capture(execute=True):
        return tasks.diversion_clock_check(today=day)


def notifications_of(user) -> list[Notification]:
    with scopes_disabled():
        return list(Notification.objects.filter(user=user).order_by("id"))


def set_status(referral: Referral, status: str, closed_at: datetime | None, by) -> None:
    """Enrolment comes with intake (a later issue): set the status as intake will."""
    with scopes_disabled():
        fresh = Referral.objects.get(pk=referral.pk)
        fresh.status = status
        fresh.closed_at = closed_at
        fresh._history_user = by
        fresh.save()


def aware(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour))


# -- The due date ---------------------------------------------------------------------------------


@pytest.mark.parametrize("deadline", [7, 14, 30])
def test_intake_is_due_the_sites_deadline_after_the_diversion(site_a, site_b, officer, deadline):
    _set_deadline(site_a, deadline)
    referral = divert(site_a, officer)
    assert referral.intake_due_date == DIVERTED + timedelta(days=deadline)
    with scopes_disabled():
        assert Referral.objects.get(pk=referral.pk).intake_due_date == referral.intake_due_date

    # Another site's deadline is its own.
    _set_deadline(site_b, 7 if deadline != 7 else 30)
    lea_officer = member(site_b, Role.OFFICER, email="officer.b@example.org")
    other = divert(site_b, lea_officer)
    assert other.intake_due_date == DIVERTED + timedelta(days=site_b.intake_deadline_days)
    assert other.intake_due_date != referral.intake_due_date


def test_social_contact_and_community_referrals_have_no_clock(site_a, officer):
    with scope(site=site_a):
        social, _ = referral_submit(
            site=site_a,
            pathway=Pathway.SOCIAL_CONTACT,
            data={
                "first_name": "Ana",
                "contact_reason": "Asked for help",
                "diversion_date": DIVERTED,
            },
            by=officer,
        )
        community, _ = referral_submit(
            site=site_a,
            pathway=Pathway.COMMUNITY,
            data={"first_name": "Ben", "narrative": "My brother needs help"},
            by=None,
        )
    assert social.intake_due_date is None
    assert community.intake_due_date is None
    assert social.days_left() is None


# -- The daily check ------------------------------------------------------------------------------


def test_the_daily_beat_entry_runs_the_clock_check(
    site_a, officer, case_manager, pin_today, django_capture_on_commit_callbacks, mailoutbox
):
    entry = django_settings.CELERY_BEAT_SCHEDULE["diversion-clock"]
    assert entry["task"] == "referrals.tasks.diversion_clock"
    assert isinstance(entry["schedule"], crontab)
    assert entry["schedule"].hour == {7} and entry["schedule"].minute == {0}  # once a day
    assert celery_app.tasks[entry["task"]].name == tasks.diversion_clock.name

    referral = divert(site_a, officer)
    assign(referral, case_manager, by=case_manager)
    pin_today(referral.intake_due_date - timedelta(days=3))
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.diversion_clock.apply().get() == 1  # the beat task reads today itself
    assert [n.title for n in notifications_of(case_manager)] == [
        f"{referral.number}: intake due in 3 days ({referral.intake_due_date.isoformat()})"
    ]
    assert len(mailoutbox) == 1


def test_the_assigned_case_manager_is_warned_three_days_before_once(
    site_a,
    officer,
    case_manager,
    programme_manager,
    pin_today,
    django_capture_on_commit_callbacks,
    mailoutbox,
):
    referral = divert(site_a, officer)
    assign(referral, case_manager, by=programme_manager)
    due = referral.intake_due_date

    pin_today(due - timedelta(days=4))
    assert check(django_capture_on_commit_callbacks, due - timedelta(days=4)) == 0
    assert notifications_of(case_manager) == []
    assert mailoutbox == []

    pin_today(due - timedelta(days=3))
    check(django_capture_on_commit_callbacks, due - timedelta(days=3))
    [warning] = notifications_of(case_manager)
    assert warning.site == site_a
    assert warning.title == f"{referral.number}: intake due in 3 days ({due.isoformat()})"
    assert warning.link.endswith(f"/s/taos/referrals/{referral.uuid}/")
    assert warning.read_at is None
    [mail] = mailoutbox
    assert mail.to == [case_manager.email]
    assert warning.title in mail.subject
    assert warning.link in mail.body

    # The check runs again the same day and every following day until the due date: no repeat.
    for day in [due - timedelta(days=3), due - timedelta(days=2), due - timedelta(days=1), due]:
        check(django_capture_on_commit_callbacks, day)
    assert len(notifications_of(case_manager)) == 1
    assert len(mailoutbox) == 1
    assert notifications_of(programme_manager) == []  # not missed yet


def test_programme_managers_are_told_once_when_the_deadline_is_missed(
    site_a,
    site_b,
    officer,
    case_manager,
    programme_manager,
    pin_today,
    django_capture_on_commit_callbacks,
    mailoutbox,
):
    second_manager = member(site_a, Role.PROGRAMME_MANAGER, email="pm2.a@example.org")
    lea_manager = member(site_b, Role.PROGRAMME_MANAGER, email="pm.b@example.org")
    referral = divert(site_a, officer)
    assign(referral, case_manager, by=programme_manager)
    due = referral.intake_due_date

    check(django_capture_on_commit_callbacks, due - timedelta(days=2))  # the early warning
    mailoutbox.clear()
    check(django_capture_on_commit_callbacks, due)  # due today is not missed yet
    assert notifications_of(programme_manager) == []

    pin_today(due + timedelta(days=1))
    for _ in range(3):
        check(django_capture_on_commit_callbacks, due + timedelta(days=1))
    check(django_capture_on_commit_callbacks, due + timedelta(days=10))
    missed = f"{referral.number}: intake deadline missed ({due.isoformat()})"
    for manager in (programme_manager, second_manager):
        assert [n.title for n in notifications_of(manager)] == [missed]
    assert sorted(m.to[0] for m in mailoutbox) == sorted(
        [programme_manager.email, second_manager.email]
    )
    assert notifications_of(lea_manager) == []
    assert len(notifications_of(case_manager)) == 1  # only the early warning
    assert notifications_of(officer) == []


def test_an_unassigned_referral_due_soon_warns_the_programme_managers(
    site_a,
    officer,
    case_manager,
    programme_manager,
    django_capture_on_commit_callbacks,
    mailoutbox,
):
    referral = divert(site_a, officer)
    check(django_capture_on_commit_callbacks, referral.intake_due_date - timedelta(days=1))
    [warning] = notifications_of(programme_manager)
    assert "intake due in" in warning.title
    assert notifications_of(case_manager) == []
    assert [m.to for m in mailoutbox] == [[programme_manager.email]]


def test_an_assignee_who_no_longer_works_cases_here_is_not_warned(
    site_a,
    officer,
    case_manager,
    programme_manager,
    pin_today,
    django_capture_on_commit_callbacks,
    mailoutbox,
):
    """Their membership changed after the assignment: the programme managers hear instead."""
    referral = divert(site_a, officer)
    assign(referral, case_manager, by=programme_manager)
    membership_grant(user=case_manager, site=site_a, role=Role.OFFICER, by=programme_manager)
    pin_today(referral.intake_due_date - timedelta(days=2))
    check(django_capture_on_commit_callbacks, referral.intake_due_date - timedelta(days=2))
    assert notifications_of(case_manager) == []
    assert [n.title for n in notifications_of(programme_manager)] == [
        f"{referral.number}: intake due in 2 days ({referral.intake_due_date.isoformat()})"
    ]
    assert [m.to for m in mailoutbox] == [[programme_manager.email]]


def test_a_deactivated_account_is_not_warned(
    site_a, officer, programme_manager, pin_today, django_capture_on_commit_callbacks, mailoutbox
):
    gone = member(site_a, Role.PROGRAMME_MANAGER, email="gone.a@example.org")
    gone.is_active = False
    gone.save()
    referral = divert(site_a, officer)
    due = referral.intake_due_date
    pin_today(due - timedelta(days=1))
    check(django_capture_on_commit_callbacks, due - timedelta(days=1))  # unassigned: managers
    check(django_capture_on_commit_callbacks, due + timedelta(days=1))
    assert notifications_of(gone) == []
    assert [n.title for n in notifications_of(programme_manager)] == [
        f"{referral.number}: intake due in 1 day ({due.isoformat()})",
        f"{referral.number}: intake deadline missed ({due.isoformat()})",
    ]
    assert {m.to[0] for m in mailoutbox} == {programme_manager.email}


def test_no_warning_without_a_legal_clock(
    site_a, officer, case_manager, programme_manager, django_capture_on_commit_callbacks, mailoutbox
):
    """Only arrest diversions run the clock, even if another referral carried a due date."""
    today = date(2026, 4, 1)
    with scopes_disabled():
        for pathway in (Pathway.SOCIAL_CONTACT, Pathway.COMMUNITY):
            for due in (today + timedelta(days=2), today - timedelta(days=2)):
                ReferralFactory(
                    site=site_a, pathway=pathway, intake_due_date=due, assignee=case_manager
                )
    assert check(django_capture_on_commit_callbacks, today) == 0
    assert notifications_of(case_manager) == notifications_of(programme_manager) == []
    assert mailoutbox == []


@pytest.mark.parametrize(
    "status",
    [
        Status.ENROLLED,
        Status.DECLINED,
        Status.UNABLE_TO_LOCATE,
        Status.INELIGIBLE,
        Status.WITHDRAWN,
    ],
)
def test_no_warning_for_a_closed_or_enrolled_referral(
    site_a,
    officer,
    case_manager,
    programme_manager,
    django_capture_on_commit_callbacks,
    mailoutbox,
    status,
):
    referral = divert(site_a, officer)
    assign(referral, case_manager, by=programme_manager)
    set_status(referral, status, aware(DIVERTED + timedelta(days=2)), by=case_manager)
    for day in (
        referral.intake_due_date - timedelta(days=3),
        referral.intake_due_date + timedelta(1),
    ):
        assert check(django_capture_on_commit_callbacks, day) == 0
    assert notifications_of(case_manager) == notifications_of(programme_manager) == []
    assert mailoutbox == []


def test_intake_after_the_warning_was_queued_cancels_it(
    site_a, officer, case_manager, programme_manager, mailoutbox
):
    """The broker was down when the check ran; intake happens before the sweeper sends it."""
    referral = divert(site_a, officer)
    assign(referral, case_manager, by=programme_manager)
    assert tasks.diversion_clock_check(today=referral.intake_due_date - timedelta(days=3)) == 1
    message = OutboxMessage.objects.get(idempotency_key=f"clock:due_soon:{referral.uuid}")
    assert message.status == OutboxMessage.Status.PENDING  # queued, not sent (no commit yet)

    set_status(referral, Status.ENROLLED, timezone.now(), by=case_manager)
    assert outbox_sweep(now=timezone.now() + timedelta(minutes=5)) >= 1

    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.DONE  # settled: the sweeper will not resend it
    # (The sweep also delivered the pending new-referral notice; no clock warning went out.)
    assert not [n for n in notifications_of(case_manager) if "intake" in n.title]
    assert not [m for m in mailoutbox if "intake" in m.subject]
    assert tasks.diversion_clock_check(today=referral.intake_due_date + timedelta(days=1)) == 0


# -- The queue ------------------------------------------------------------------------------------


def _queue_cell(page: str, number: str) -> str:
    """The "Days left" cell (the fifth) of the queue row of referral ``number``."""
    for row in re.findall(r"<tr\b[^>]*>(.*?)</tr>", page, re.S):
        cells = re.findall(r"<td\b[^>]*>(.*?)</td>", row, re.S)
        if cells and re.search(rf">{re.escape(number)}</a>", cells[0]):
            return cells[4].strip()
    raise AssertionError(f"{number} not in the queue")


def test_the_queue_shows_days_left_and_days_late(client, site_a, officer, case_manager):
    today = timezone.localdate()
    _set_deadline(site_a, 14)
    ahead = divert(site_a, officer, diversion_date=today - timedelta(days=9))
    soon = divert(site_a, officer, diversion_date=today - timedelta(days=12))
    late = divert(site_a, officer, diversion_date=today - timedelta(days=17))
    one_late = divert(site_a, officer, diversion_date=today - timedelta(days=15))
    with scopes_disabled():
        social = ReferralFactory(site=site_a, submitted_by=officer)

    client.force_login(case_manager)
    page = client.get("/s/taos/referrals/").content.decode()
    assert _queue_cell(page, ahead.number) == "5"
    assert _queue_cell(page, soon.number) == '<span class="due-soon">2</span>'
    assert "3 days late" in _queue_cell(page, late.number)
    assert "1 day late" in _queue_cell(page, one_late.number)
    assert _queue_cell(page, social.number) == "—"

    detail = client.get(f"/s/taos/referrals/{ahead.uuid}/").content.decode()
    assert "5 days left" in detail
    detail = client.get(f"/s/taos/referrals/{late.uuid}/").content.decode()
    assert "Intake was due" in detail


# -- The prosecutor -------------------------------------------------------------------------------


def _prosecutor(client, referral, outcome: str):
    return client.post(f"/s/taos/referrals/{referral.uuid}/prosecutor/", {"outcome": outcome})


def _outcome(referral) -> Referral:
    with scopes_disabled():
        return Referral.objects.get(pk=referral.pk)


def test_deadline_missed_forwarded_only_after_the_due_date(client, site_a, officer, case_manager):
    today = timezone.localdate()
    _set_deadline(site_a, 7)
    client.force_login(case_manager)
    for diverted in (today - timedelta(days=2), today - timedelta(days=7)):  # due later, today
        early = divert(site_a, officer, diversion_date=diverted)
        response = _prosecutor(client, early, ProsecutorOutcome.FORWARDED)
        assert response.status_code == 400
        assert "The intake deadline has not been missed." in response.content.decode()
        assert _outcome(early).prosecutor_outcome == ""

    missed = divert(site_a, officer, diversion_date=today - timedelta(days=8))
    before = timezone.now()
    response = _prosecutor(client, missed, ProsecutorOutcome.FORWARDED)
    assert response.status_code == 302
    recorded = _outcome(missed)
    assert recorded.prosecutor_outcome == ProsecutorOutcome.FORWARDED
    assert recorded.prosecutor_outcome_by == case_manager
    assert before <= recorded.prosecutor_outcome_at <= timezone.now()
    assert recorded.history.first().history_user == case_manager
    page = client.get(f"/s/taos/referrals/{missed.uuid}/").content.decode()
    assert "Deadline missed: forwarded" in page


def test_do_not_file_only_when_enrolled_before_the_due_date(
    client, site_a, officer, case_manager, programme_manager
):
    today = timezone.localdate()
    _set_deadline(site_a, 7)
    client.force_login(programme_manager)

    still_open = divert(site_a, officer, diversion_date=today - timedelta(days=3))
    enrolled_late = divert(site_a, officer, diversion_date=today - timedelta(days=20))
    set_status(enrolled_late, Status.ENROLLED, aware(today - timedelta(days=5)), by=case_manager)
    declined = divert(site_a, officer, diversion_date=today - timedelta(days=4))
    set_status(declined, Status.DECLINED, aware(today - timedelta(days=1)), by=case_manager)
    for refused in (still_open, enrolled_late, declined):
        response = _prosecutor(client, refused, ProsecutorOutcome.DO_NOT_FILE)
        assert response.status_code == 400
        assert "Intake was not completed in time" in response.content.decode()
        assert _outcome(refused).prosecutor_outcome == ""

    in_time = divert(site_a, officer, diversion_date=today - timedelta(days=20))
    due = in_time.intake_due_date
    set_status(in_time, Status.ENROLLED, aware(due - timedelta(days=1)), by=case_manager)
    # Enrolled in time: the deadline was not missed, whatever today is.
    response = _prosecutor(client, in_time, ProsecutorOutcome.FORWARDED)
    assert response.status_code == 400
    response = _prosecutor(client, in_time, ProsecutorOutcome.DO_NOT_FILE)
    assert response.status_code == 302
    recorded = _outcome(in_time)
    assert recorded.prosecutor_outcome == ProsecutorOutcome.DO_NOT_FILE
    assert recorded.prosecutor_outcome_by == programme_manager
    assert recorded.prosecutor_outcome_at is not None


def test_recording_the_prosecutor_outcome_twice_is_refused_with_a_message(
    client, site_a, officer, case_manager
):
    today = timezone.localdate()
    _set_deadline(site_a, 7)
    referral = divert(site_a, officer, diversion_date=today - timedelta(days=10))
    client.force_login(case_manager)
    assert _prosecutor(client, referral, ProsecutorOutcome.FORWARDED).status_code == 302
    first = _outcome(referral)

    for outcome in (ProsecutorOutcome.FORWARDED, ProsecutorOutcome.DO_NOT_FILE):
        response = _prosecutor(client, referral, outcome)
        assert response.status_code == 400
        assert "The prosecutor outcome is already recorded." in response.content.decode()
    again = _outcome(referral)
    assert again.prosecutor_outcome == ProsecutorOutcome.FORWARDED
    assert again.prosecutor_outcome_at == first.prosecutor_outcome_at
    assert again.history.count() == first.history.count()


def test_a_bad_prosecutor_request_gets_a_message_not_a_500(client, site_a, officer, case_manager):
    client.force_login(case_manager)
    with scopes_disabled():
        social = ReferralFactory(site=site_a, submitted_by=officer)
    response = _prosecutor(client, social, ProsecutorOutcome.FORWARDED)
    assert response.status_code == 400
    assert "Only arrest diversions have a prosecutor outcome." in response.content.decode()

    referral = divert(site_a, officer, diversion_date=timezone.localdate() - timedelta(days=40))
    response = _prosecutor(client, referral, "tell-them-nothing")
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert _outcome(referral).prosecutor_outcome == ""
