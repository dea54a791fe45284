"""Active and inactive, defined once in SQL (``Participant.objects.active(on=...)``) and agreeing
with what the caseload page shows; dated by the site's time zone; nobody fails out."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from casenotes.services import contact_record
from participants.models import Participant
from tests.participants.conftest import participant_make

DENVER = ZoneInfo("America/Denver")


def _at(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=DENVER)


@pytest.fixture
def dana(site_a, case_manager) -> Participant:
    """Enrolled on 2026-01-10 at Taos (threshold 30 days), seen on 01-20, then not until 03-15."""
    person = participant_make(site=site_a, by=case_manager, case_manager=case_manager)
    with scopes_disabled():
        person.enrolled_at = _at(date(2026, 1, 10))
        person.save()
        for day, reached in [(date(2026, 1, 20), True), (date(2026, 2, 25), False)]:
            contact_record(
                participant=Participant.objects.get(pk=person.pk),
                author=case_manager,
                contacted_at=_at(day),
                contact_type="in_person",
                location="street",
                successful=reached,
            )
        contact_record(
            participant=Participant.objects.get(pk=person.pk),
            author=case_manager,
            contacted_at=_at(date(2026, 3, 15)),
            contact_type="phone",
            location="office",
        )
    return person


def _active(site, on: date) -> bool:
    with scope(site=site):
        return Participant.objects.filter(site=site).active(on=on).exists()


def _inactive(site, on: date) -> bool:
    with scope(site=site):
        return Participant.objects.filter(site=site).inactive(on=on).exists()


@pytest.mark.parametrize(
    "on, active",
    [
        (date(2026, 1, 9), False),  # not enrolled yet: neither active nor inactive
        (date(2026, 1, 10), True),  # the day of enrolment
        (date(2026, 2, 18), True),  # end of 02-18 = 02-19 00:00; 30 days back = 01-20 00:00
        (date(2026, 2, 19), False),  # end of 02-19 = 02-20 00:00; 30 days back = 01-21 00:00
        (date(2026, 2, 20), False),  # 31 days after the last successful contact
        (date(2026, 2, 28), False),  # the attempt on 02-25 did not reach her
        (date(2026, 3, 15), True),  # seen again: active again
        (date(2026, 4, 13), True),  # end of 04-13 = 04-14 00:00; 30 days back = 03-15 00:00
        (date(2026, 4, 14), False),  # 30 days back from 04-15 00:00 = 03-16 00:00
    ],
)
def test_active_on_a_day_counts_by_hand(dana, site_a, on, active):
    if on < date(2026, 1, 10):
        assert not _active(site_a, on) and not _inactive(site_a, on)
        return
    assert _active(site_a, on) is active
    assert _inactive(site_a, on) is (not active)


def test_month_ends_are_read_in_the_sites_time_zone(site_a, case_manager):
    """Enrolled at 23:30 in Denver on 31 March is 05:30 UTC on 1 April: active on 31 March."""
    person = participant_make(site=site_a, by=case_manager, case_manager=case_manager)
    with scopes_disabled():
        person.enrolled_at = datetime(2026, 3, 31, 23, 30, tzinfo=DENVER)
        person.save()
    assert _active(site_a, date(2026, 3, 31))
    assert not _active(site_a, date(2026, 3, 30))


def test_today_agrees_with_the_caseload_page(dana, make_participant, site_a, case_manager):
    recent = make_participant(legal_first_name="Recent")
    with scope(site=site_a):
        people = list(Participant.objects.filter(site=site_a).select_related("site"))
        by_python = {p.pk for p in people if p.is_active()}
        by_sql = set(Participant.objects.filter(site=site_a).active().values_list("pk", flat=True))
        today = set(
            Participant.objects.filter(site=site_a)
            .active(on=timezone.localdate())
            .values_list("pk", flat=True)
        )
    assert recent.pk in by_sql
    assert by_python == by_sql
    # "On today" is read at the end of today: nobody active now can be inactive by then
    # except someone whose threshold runs out this very day.
    assert today <= by_sql


def test_a_site_with_a_longer_threshold_keeps_people_active_longer(dana, site_a):
    site_a.inactivity_threshold_days = 60
    site_a.save()
    assert _active(site_a, date(2026, 3, 1))
    site_a.inactivity_threshold_days = 30
    site_a.save()
    assert not _active(site_a, date(2026, 3, 1))
