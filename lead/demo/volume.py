"""Volume data for benchmarks: ``manage.py seed_demo --participants N --contacts N``.

``volume_generate`` tops the active sites up to ``participants`` participants and ``contacts``
contacts in all (so running it twice with the same numbers adds nothing), with their intake
needs, plan goals and tasks, spread over the last two years. It is built for speed: 20,000
participants and 1,000,000 contacts load in about half a minute here (the issue asks for under
two minutes); ``make bench`` loads them into a throwaway database and measures the pages.

How it is fast:

- Rows go in with PostgreSQL ``COPY ... FROM STDIN`` through psycopg 3, not the ORM: the text is
  built in Python (weighted choices drawn from precomputed tables, dates and clock times
  formatted once, UUIDs from ``os.urandom``) while psycopg's writer thread streams it to the
  server, so Python and PostgreSQL work side by side.
- Participant ids come from the table's identity sequence up front, so contacts, tasks, needs
  and goals need no round trip to learn them; each participant's ``last_contact_at`` is known
  before its row is written (the latest contact generated for it). Only when contacts are added
  to participants that already exist does one ``UPDATE ... FROM (SELECT participant_id,
  max(contacted_at) ... GROUP BY participant_id)`` bring it up to date.
- A load that at least doubles a table (and is 50,000 rows or more) drops that table's plain
  indexes, unique constraints and foreign keys first and rebuilds them, under the same names and
  definitions, afterwards, as PostgreSQL's "Populating a Database" advises: one index build
  instead of a million random insertions (the UUID index above all), one anti-join per foreign
  key instead of a deferred trigger per row at commit. It all happens in one transaction, so a
  failure leaves the tables, their indexes and their data as they were.
- Contacts are written in the order they happened across all participants (one sort of packed
  integers), as a real system fills its table: a participant's contacts are spread over the
  table, not stored side by side, so benchmarks do not flatter the timeline's index scan.
- The site's case-number counter is bumped past the numbers used (as intake does, in SQL), and
  ``ANALYZE`` runs at the end so the planner knows the new sizes.

No change history (django-simple-history) is written for these rows, on purpose: they are
generated volume, not records of care anybody made, and a history row per generated row would
double the load for nothing a benchmark reads. The demo's referrals and participants
(``lead.demo.referrals``, ``lead.demo.participants``) go through the services and have their
history. Everything here is fictional; phone numbers use
the 555-01xx range and e-mail addresses example.com/example.org.

Staff: caseloads stay near ``TARGET_CASELOAD`` (about 20, as LEAD recommends), so each site gets
as many case managers as it needs: ``casemanager.<slug>@example.org`` (the demo's), then
``casemanager2.<slug>@example.org``, ``casemanager3...``, all with the demo password and a
membership granted through ``sites.services.membership_grant``.
"""

from __future__ import annotations

import math
import os
import random
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone
from django_scopes import scopes_disabled
from guardian.shortcuts import assign_perm
from psycopg.copy import QueuedLibpqWriter

from casenotes.models import Contact
from lead.demo.people import (
    COUNTIES,
    DEFAULT_COUNTY,
    DEFAULT_PEOPLE,
    FIRST_NAMES,
    NICKNAMES,
    SITE_PEOPLE,
    STREET_NAMES,
    SURNAMES,
    County,
    ascii_name,
)
from lead.models import User
from participants.models import (
    Domain,
    GenderIdentity,
    HealthCoverage,
    HousingStatus,
    NeedAssessment,
    Participant,
    PlanGoal,
    RaceEthnicity,
    YesNoUnknown,
)
from sites.models import Membership, Site
from sites.roles import Role
from sites.services import membership_grant

TARGET_CASELOAD = 20
HISTORY_DAYS = 730  # enrolments and contacts over the last two years
DAY = 86400
LOCAL_OFFSET = 7 * 3600  # Mountain Standard Time; close enough to place contacts in daytime
# Share of the state's LEAD participants per site (roughly by county population).
SITE_SHARE = {
    "bernalillo": 34,
    "dona-ana": 20,
    "santa-fe": 14,
    "san-juan": 13,
    "lea": 10,
    "taos": 9,
}
CONTACT_COLUMNS = (
    "uuid",
    "site_id",
    "participant_id",
    "author_id",
    "contacted_at",
    "duration_minutes",
    "contact_type",
    "location",
    "successful",
    "services",
    "referrals_made",
    "narrative",
    "created_at",
)
PARTICIPANT_COLUMNS = (
    "id",
    "uuid",
    "site_id",
    "case_number",
    "legal_first_name",
    "legal_last_name",
    "preferred_name",
    "aliases",
    "date_of_birth",
    "gender_identity",
    "race_ethnicity",
    "primary_language",
    "phone",
    "email",
    "where_to_find",
    "housing_status",
    "veteran",
    "health_coverage",
    "case_manager_id",
    "enrolled_at",
    "is_restricted",
    "version",
    "created_by_id",
)
TASK_COLUMNS = (
    "uuid",
    "site_id",
    "participant_id",
    "title",
    "due_on",
    "assignee_id",
    "created_by_id",
    "created_at",
    "done_at",
)
NEED_COLUMNS = (
    "uuid",
    "site_id",
    "participant_id",
    "domain",
    "level",
    "notes",
    "assessed_at",
    "assessed_by_id",
)
GOAL_COLUMNS = (
    "uuid",
    "site_id",
    "participant_id",
    "domain",
    "goal",
    "status",
    "target_date",
    "created_by_id",
    "created_at",
)
NULL = "\\N"
BULK_REBUILD_MIN = 50_000  # rows: from here, drop and rebuild indexes around a load


# -- Words -----------------------------------------------------------------------------------

# (contact type, weight, successful share, minutes, locations with weights)
CONTACT_TYPES = [
    (
        "in_person",
        40,
        0.97,
        [15, 20, 30, 30, 45, 60, 90],
        {
            "street": 30,
            "shelter": 18,
            "office": 30,
            "jail": 4,
            "hospital": 4,
            "home": 10,
            "other": 4,
        },
    ),
    ("outreach", 20, 0.55, [10, 15, 20, 30, 45], {"street": 60, "shelter": 25, "other": 15}),
    ("phone", 15, 0.7, [5, 5, 10, 15, 20, 30], {"office": 80, "other": 20}),
    ("text", 10, 0.85, [5], {"office": 70, "other": 30}),
    (
        "collateral",
        7,
        1.0,
        [10, 15, 20, 30],
        {"office": 60, "jail": 15, "hospital": 15, "other": 10},
    ),
    (
        "accompaniment",
        5,
        0.95,
        [60, 90, 120, 180, 240],
        {"other": 45, "hospital": 25, "office": 20, "jail": 10},
    ),
    ("case_conference", 3, 1.0, [30, 45, 60], {"office": 100}),
]
SERVICES = [
    ("", 38),
    ("harm_reduction", 14),
    ("food", 8),
    ("housing", 9),
    ("transportation", 6),
    ("moud", 5),
    ("benefits", 5),
    ("id_documents", 4),
    ("mental_health", 3),
    ("medical", 3),
    ("housing,benefits", 3),
    ("food,harm_reduction", 3),
    ("medical,transportation", 2),
    ("id_documents,transportation", 2),
    ("detox,transportation", 1),
    ("legal", 2),
    ("moud,transportation,food", 1),
]
REFERRALS_MADE = [
    "MOUD clinic intake (buprenorphine)",
    "Vital Records for a birth certificate",
    "MVD for a state ID",
    "Human Services Department: Medicaid and SNAP",
    "Legal aid clinic about old fines",
    "Behavioural health walk-in clinic",
    "Coordinated entry housing assessment",
    "Detox bed (called ahead, one opening)",
    "Community health worker for wound care",
    "Food pantry at the church on Thursdays",
]

WHERE = [
    "Met at {place}.",
    "Found at {place}, as usual.",
    "Caught up at {place}.",
    "Drop-in at the LEAD office.",
    "Saw at {shelter}.",
    "Met for coffee near {place}.",
]
TALK = [
    "Went over the Medicaid renewal letter together.",
    "Talked about cutting back; using less this week and sleeping better.",
    "Gave a naloxone kit and fentanyl test strips.",
    "Filled out the birth certificate request for Vital Records.",
    "Housing voucher waitlist: still about three months out.",
    "Reviewed the plan; ID documents are the priority.",
    "Court date coming up; will remind the day before.",
    "Charged the phone and set up voicemail.",
    "Replacement SNAP card picked up.",
    "Mood low, misses family; talked about counselling.",
    "Feet in bad shape; walked to the clinic for wound care.",
    "Wants to try buprenorphine again; made the call together.",
    "Brought socks, a blanket and water.",
    "Talked about the job at the car wash; application started.",
    "Celebrated 30 days without meth.",
    "Lost the backpack with the paperwork; starting the ID request over.",
    "Worried about a friend who overdosed last week.",
    "Asked about reconnecting with a sister in Gallup.",
]
NEXT = [
    "Will meet again Thursday.",
    "Next: call the landlord about the unit.",
    "Check in by phone tomorrow.",
    "Follow up on the benefits appointment next week.",
    "",
    "",
]
NOT_FOUND = [
    "Looked at {place}; not there.",
    "Checked {place} and {shelter}; nobody had seen them since the weekend.",
    "Left a card with staff at {shelter}.",
    "Usual spot at {place} empty; camp was cleared on Monday.",
    "Waited an hour at {place}; did not show.",
]
BY_TYPE = {
    "phone": [
        "Called; talked for ten minutes about the appointment.",
        "Called to confirm the ride to the clinic.",
        "Called back about the housing application; needs a copy of the ID.",
    ],
    "phone-": ["Called, no answer; left voicemail.", "Number out of service; asked around."],
    "text": [
        "Texted a reminder about tomorrow; replied with a thumbs up.",
        "Texted the clinic address and time.",
        "Texted to check in after the weekend; doing okay.",
    ],
    "text-": ["Texted; no reply yet."],
    "collateral": [
        "Spoke with staff at {shelter}: coming in for showers on Tuesdays.",
        "Call with the probation officer about the next check-in.",
        "Talked to the MOUD clinic nurse about two missed doses.",
        "Family called: has been staying with them near {place}.",
    ],
    "accompaniment": [
        "Went together to the MVD for the state ID.",
        "Accompanied to court; case continued to next month.",
        "Drove to the detox intake; admitted.",
        "Went to the Human Services office for the Medicaid interview.",
        "Drove to the clinic for a first buprenorphine appointment.",
    ],
    "case_conference": [
        "Case conference with the prosecutor's office and the referring officer.",
        "Team huddle: stable this month, keep weekly contact.",
        "Case conference with the shelter and the clinic about housing readiness.",
    ],
}
TASK_TITLES = [
    "Call about the Medicaid renewal",
    "Pick up the birth certificate at Vital Records",
    "Drive to the MVD appointment (state ID)",
    "Court reminder the day before",
    "Check the housing waitlist status",
    "Follow up with the MOUD clinic",
    "Bring a winter coat and boots",
    "SNAP recertification paperwork",
    "Schedule the behavioural health intake",
    "Look for them at the usual spot (missed last meeting)",
    "Update the plan goals together",
    "Ask the shelter about a bed this week",
]
STAFF_TASKS = [
    "Monthly numbers for the programme manager",
    "Restock harm-reduction kits",
    "Prepare for the case conference",
    "Renew first-aid certificate",
]
GOALS = {
    Domain.HOUSING: ["Get into housing before winter", "Find a room I can afford"],
    Domain.SUBSTANCE_USE: ["Stop using fentanyl", "Cut down on drinking", "Stay on my bupe"],
    Domain.MENTAL_HEALTH: ["Talk to someone about what happened", "Sleep through the night"],
    Domain.PHYSICAL_HEALTH: ["See a doctor about my feet", "Get my teeth fixed"],
    Domain.INCOME: ["Get back on SNAP and Medicaid", "Find a job at the car wash"],
    Domain.ID_DOCUMENTS: ["Get my birth certificate and state ID", "Get my license back"],
    Domain.LEGAL: ["Take care of the old warrant", "Pay off my fines"],
    Domain.EDUCATION_EMPLOYMENT: ["Finish my GED", "Get my CDL"],
    Domain.FAMILY: ["Call my daughter", "See my kids on weekends again"],
}
NEED_LEVELS = {  # (none, some, high, not discussed) per domain
    Domain.HOUSING: (10, 25, 60, 5),
    Domain.SUBSTANCE_USE: (5, 30, 60, 5),
    Domain.MENTAL_HEALTH: (20, 40, 25, 15),
    Domain.PHYSICAL_HEALTH: (25, 45, 20, 10),
    Domain.INCOME: (15, 40, 40, 5),
    Domain.ID_DOCUMENTS: (35, 25, 35, 5),
    Domain.LEGAL: (20, 45, 25, 10),
    Domain.EDUCATION_EMPLOYMENT: (30, 40, 10, 20),
    Domain.FAMILY: (30, 35, 10, 25),
}


# -- Helpers ---------------------------------------------------------------------------------


def _uuids() -> Iterator[str]:
    """Version-4 UUIDs as 32 hex digits (PostgreSQL reads them without hyphens), from
    ``os.urandom`` in blocks: as random as ``uuid.uuid4()``, a fraction of the cost."""
    variant = {c: "89ab"[int(c, 16) & 3] for c in "0123456789abcdef"}
    while True:
        h = os.urandom(16 * 4096).hex()
        yield from [
            f"{h[i : i + 12]}4{h[i + 13 : i + 16]}{variant[h[i + 16]]}{h[i + 17 : i + 32]}"
            for i in range(0, len(h), 32)
        ]


def _table(rng: random.Random, weighted: Iterable[tuple[object, float]], size: int = 4096):
    """A list of ``size`` values drawn by weight: pick with ``table[int(random() * size)]``."""
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights=weights, k=size)


def _array(values: Iterable[str]) -> str:
    """A PostgreSQL array literal (COPY text format)."""
    return "{" + ",".join('"' + v.replace('"', "") + '"' for v in values) + "}"


def _clean(text: str) -> str:
    """Text for COPY: our word lists have no tabs, newlines or backslashes; keep it so."""
    assert not any(c in text for c in "\t\n\r\\"), text
    return text


class _Stamps:
    """``timestamptz`` text (UTC) for epoch seconds: a day's date and a second's clock time are
    each formatted once. ``stamps.dates[day]`` and ``stamps.clock[second]`` for hot loops."""

    def __init__(self, first: int, last: int) -> None:
        self.first_day = first // DAY - 1
        start = datetime.fromtimestamp(self.first_day * DAY, UTC)
        self.dates = [
            (start + timedelta(days=n)).strftime("%Y-%m-%d ")
            for n in range(last // DAY - self.first_day + 2)
        ]
        self.clock = [
            f"{h:02d}:{m:02d}:{s:02d}+00" for h in range(24) for m in range(60) for s in range(60)
        ]

    def __call__(self, seconds: int) -> str:
        day, second = divmod(seconds, DAY)
        return self.dates[day - self.first_day] + self.clock[second]


def _daytime(t: int, rand: Callable[[], float]) -> int:
    """``t`` moved to between 7:00 and 19:00 of its day in New Mexico."""
    return t - (t - LOCAL_OFFSET) % DAY + 7 * 3600 + int(rand() * 12 * 3600)


def _copy(cursor, table: str, columns: Iterable[str], lines: Iterable[str]) -> int:
    """COPY ``lines`` (tab-separated, newline-terminated) into ``table``; returns the count.

    A writer thread sends each chunk while the next one is built (``QueuedLibpqWriter``), so
    Python builds rows while PostgreSQL stores the previous ones.
    """
    count = 0
    statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    with cursor.copy(statement, writer=QueuedLibpqWriter(cursor)) as copy:
        chunk: list[str] = []
        for line in lines:
            chunk.append(line)
            if len(chunk) >= 5000:
                copy.write("".join(chunk))
                count += len(chunk)
                chunk = []
        if chunk:
            copy.write("".join(chunk))
            count += len(chunk)
    return count


@dataclass
class _Dropped:
    table: str
    indexes: list[tuple[str, str]]  # (name, CREATE INDEX ...)
    constraints: list[tuple[str, str]]  # (name, FOREIGN KEY ... / UNIQUE ...)


def _secondary_drop(cursor, table: str, adding: int) -> _Dropped | None:
    """Before a big load, drop ``table``'s plain indexes, foreign keys and unique constraints
    (none that another table's foreign key needs), as PostgreSQL's "Populating a Database"
    advises: building an index once after the load is several times faster than maintaining
    it row by row, and one anti-join validates a foreign key faster than a deferred trigger per
    row at commit. Only when the load at least doubles the table and is ``BULK_REBUILD_MIN``
    rows or more. All in the caller's transaction: a failure puts everything back."""
    cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 (our own table names)
    (rows,) = cursor.fetchone()
    if adding < BULK_REBUILD_MIN or adding < rows:
        return None
    cursor.execute(
        """
        SELECT c.relname, pg_get_indexdef(c.oid) FROM pg_index AS i
        JOIN pg_class AS c ON c.oid = i.indexrelid
        WHERE i.indrelid = %s::regclass AND NOT i.indisunique AND NOT i.indisprimary
        ORDER BY c.relname
        """,
        [table],
    )
    indexes = cursor.fetchall()
    cursor.execute(
        """
        SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint AS c
        WHERE conrelid = %s::regclass AND contype IN ('f', 'u')
          AND NOT EXISTS (SELECT FROM pg_constraint AS r WHERE r.conindid = c.conindid
                          AND r.contype = 'f' AND r.confrelid = c.conrelid)
        ORDER BY contype, conname
        """,
        [table],
    )
    constraints = cursor.fetchall()
    # A table with pending (deferred) foreign-key checks cannot be altered: run them now, then
    # defer again (Django makes every foreign key DEFERRABLE INITIALLY DEFERRED).
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    for name, _definition in constraints:
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _definition in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    return _Dropped(table, indexes, constraints)


def _secondary_restore(cursor, dropped: _Dropped | None) -> None:
    """Recreate what ``_secondary_drop`` dropped, exactly as it was (names and definitions)."""
    if dropped is None:
        return
    cursor.execute("SET LOCAL maintenance_work_mem TO '256MB'")
    for _name, definition in dropped.indexes:
        cursor.execute(definition)
    for name, definition in dropped.constraints:
        cursor.execute(f'ALTER TABLE {dropped.table} ADD CONSTRAINT "{name}" {definition}')


# -- The plan ---------------------------------------------------------------------------------


@dataclass
class _SitePlan:
    site: Site
    county: County
    new: int = 0
    total: int = 0
    case_managers: list[int] = field(default_factory=list)
    numbers: list[int] = field(default_factory=list)  # the new participants' case numbers
    assignees: list[int | None] = field(default_factory=list)  # and their case managers
    narratives: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class _Person:
    pk: int
    site: _SitePlan
    case_manager: int | None
    enrolled: int  # epoch seconds
    restricted: bool = False
    last: int = 0  # epoch seconds of the latest generated contact (0: none)
    row: str = ""  # the participant's COPY row, but for last_contact_at


@dataclass
class VolumeResult:
    participants: int = 0
    contacts: int = 0
    tasks: int = 0
    needs: int = 0
    goals: int = 0
    case_managers: int = 0
    seconds: float = 0.0
    steps: list[tuple[str, float]] = field(default_factory=list)

    def summary(self) -> str:
        steps = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in self.steps)
        return (
            f"Volume data: {self.participants:,} participants, {self.contacts:,} contacts, "
            f"{self.tasks:,} tasks, {self.needs:,} needs, {self.goals:,} plan goals, "
            f"{self.case_managers} new case managers in {self.seconds:.1f} s ({steps})."
        )


def _shares(total: int, weights: list[int]) -> list[int]:
    """Split ``total`` by ``weights`` (largest remainders)."""
    raw = [total * w / sum(weights) for w in weights]
    parts = [math.floor(r) for r in raw]
    order = sorted(range(len(raw)), key=lambda i: raw[i] - parts[i], reverse=True)
    for i in order[: total - sum(parts)]:
        parts[i] += 1
    return parts


def _narratives(rng: random.Random, county: County) -> dict[str, list[str]]:
    """Short case-note narratives per contact type ("-" suffix: not reached), for one county."""
    places = [*county.places, county.shelter]

    def fill(text: str) -> str:
        return _clean(text.format(place=rng.choice(places), shelter=county.shelter))

    pools: dict[str, list[str]] = {}
    met = [
        fill(
            f"{rng.choice(WHERE)} {' '.join(rng.sample(TALK, rng.randint(1, 2)))} "
            f"{rng.choice(NEXT)}".strip()
        )
        for _ in range(300)
    ]
    pools["in_person"] = pools["outreach"] = met
    pools["in_person-"] = pools["outreach-"] = [fill(rng.choice(NOT_FOUND)) for _ in range(60)]
    for key, texts in BY_TYPE.items():
        pools[key] = [fill(rng.choice(texts)) for _ in range(60)]
    for key in ("collateral", "accompaniment", "case_conference"):
        pools[f"{key}-"] = pools[key]
    return pools


# -- Staff -------------------------------------------------------------------------------------


def _case_managers(plans: list[_SitePlan], rng: random.Random) -> int:
    """Enough case managers at each site for caseloads near ``TARGET_CASELOAD``; returns how
    many were created. Existing case managers of the site (the demo's and any others) count."""
    password = make_password(settings.LEAD_DEMO_PASSWORD)  # one hash for all, as seed_demo
    created = 0
    for plan in plans:
        site = plan.site
        wanted = max(1, math.ceil(plan.total / TARGET_CASELOAD))
        with scopes_disabled():
            current = list(
                Membership.objects.filter(site=site, role=Role.CASE_MANAGER)
                .order_by("user_id")
                .values_list("user_id", flat=True)
            )
        emails = [f"casemanager.{site.slug}@example.org"] + [
            f"casemanager{k}.{site.slug}@example.org" for k in range(2, wanted + 1)
        ]
        known = {u.email: u for u in User.objects.filter(email__in=emails)}
        people = SITE_PEOPLE.get(site.slug, DEFAULT_PEOPLE)
        for email in emails:
            if len(current) >= wanted:
                break
            user = known.get(email)
            if user is None:
                _, surnames, firsts = rng.choices(people, weights=[p[0] for p in people])[0]
                user = User.objects.create(
                    email=email,
                    first_name=rng.choice(FIRST_NAMES[firsts][rng.randint(0, 1)]),
                    last_name=rng.choice(SURNAMES[surnames]),
                    password=password,
                )
                EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
                created += 1
            if user.pk not in current:
                membership_grant(user=user, site=site, role=Role.CASE_MANAGER, by=None)
                current.append(user.pk)
        plan.case_managers = current
    return created


# -- Participants ------------------------------------------------------------------------------


def _assignments(plan: _SitePlan, rng: random.Random) -> list[int | None]:
    """A case manager for each new participant of the site, filling the lightest caseloads
    first; about 2% wait unassigned."""
    loads = dict.fromkeys(plan.case_managers, 0)
    with scopes_disabled():
        for pk, n in (
            Participant.objects.filter(site=plan.site, case_manager__in=plan.case_managers)
            .values_list("case_manager")
            .annotate(n=Count("id"))
            .order_by()
        ):
            loads[pk] = n
    ceiling = math.ceil(plan.total / len(loads))
    slots = [pk for pk, n in loads.items() for _ in range(max(0, ceiling - n))]
    rng.shuffle(slots)
    return [None if rng.random() < 0.02 or i >= len(slots) else slots[i] for i in range(plan.new)]


def _people(
    plans: list[_SitePlan], ids: list[int], rng: random.Random, now: int, stamp: _Stamps
) -> list[_Person]:
    """The new participants, each with its COPY row (``last_contact_at`` comes later)."""
    uuid = _uuids().__next__
    today = datetime.fromtimestamp(now - LOCAL_OFFSET, UTC).date()
    housing = _table(
        rng,
        [
            (HousingStatus.UNSHELTERED, 35),
            (HousingStatus.SHELTER, 15),
            (HousingStatus.TRANSITIONAL, 8),
            (HousingStatus.DOUBLED_UP, 15),
            (HousingStatus.INSTITUTION, 4),
            (HousingStatus.HOUSED, 18),
            (HousingStatus.UNKNOWN, 5),
        ],
    )
    veteran = _table(
        rng, [(YesNoUnknown.YES, 8), (YesNoUnknown.NO, 80), (YesNoUnknown.UNKNOWN, 12)]
    )
    coverage = _table(
        rng,
        [
            (HealthCoverage.MEDICAID, 60),
            (HealthCoverage.MEDICARE, 6),
            (HealthCoverage.PRIVATE, 3),
            (HealthCoverage.IHS, 4),
            (HealthCoverage.VA, 2),
            (HealthCoverage.NONE, 15),
            (HealthCoverage.UNKNOWN, 10),
        ],
    )
    race = {
        "hispanic": _table(
            rng,
            [("hispanic", 60), ("hispanic,white", 30), ("hispanic,american_indian", 7),
             ("declined", 3)],
        ),
        "native": _table(
            rng, [("american_indian", 90), ("american_indian,hispanic", 7), ("declined", 3)]
        ),
        "anglo": _table(
            rng,
            [("white", 88), ("white,american_indian", 4), ("black", 5), ("declined", 3)],
        ),
    }  # fmt: skip
    assert all(v in RaceEthnicity.values for t in race.values() for s in t for v in s.split(","))
    people: list[_Person] = []
    pk_iter = iter(ids)
    for plan in plans:
        site, county = plan.site, plan.county
        prefix = site.referral_prefix or site.slug[:3].upper()
        pools = SITE_PEOPLE.get(site.slug, DEFAULT_PEOPLE)
        origins = _table(rng, [((s, f), w) for w, s, f in pools])
        where = [*county.places, county.shelter]
        for number, case_manager in zip(plan.numbers, plan.assignees, strict=True):
            pk = next(pk_iter)
            surnames, tradition = origins[int(rng.random() * 4096)]
            gender = "m" if rng.random() < 0.62 else "f"  # LEAD caseloads are mostly men
            first = rng.choice(FIRST_NAMES[tradition][0 if gender == "m" else 1])
            preferred = ""
            if rng.random() < 0.1:
                full, short, g = rng.choice(NICKNAMES[tradition])
                if g == gender:
                    first, preferred = full, short
            last = rng.choice(SURNAMES[surnames])
            aliases = []
            if rng.random() < 0.12:
                aliases.append(rng.choice(STREET_NAMES[gender]))
            if ascii_name(last) != last and rng.random() < 0.3:
                aliases.append(f"{first} {ascii_name(last)}")  # as a form without accents has it
            dob = NULL
            if rng.random() > 0.04:
                age_days = int(rng.triangular(19, 72, 38) * 365.25) + rng.randint(0, 364)
                dob = (today - timedelta(days=age_days)).isoformat()
            roll = rng.random()
            identity = (
                (GenderIdentity.MAN if gender == "m" else GenderIdentity.WOMAN)
                if roll < 0.93
                else (GenderIdentity.NON_BINARY if roll < 0.95 else "")
            )
            language = "English"
            if tradition == "hispanic" and roll < 0.25:
                language = "Spanish"
            elif tradition == "native" and site.slug == "san-juan" and roll < 0.2:
                language = "Navajo"
            phone = f"{county.area_code}-555-01{rng.randint(0, 99):02d}" if roll < 0.65 else ""
            email = (
                f"{ascii_name(first)}.{ascii_name(last)}{rng.randint(1, 99)}@example.com".lower()
                if rng.random() < 0.08
                else ""
            )
            # Enrolled over the last two years, more of them recently (programmes grow).
            enrolled = now - int(rng.random() ** 0.8 * HISTORY_DAYS * DAY)
            enrolled = min(_daytime(enrolled, rng.random), now - 3600)
            restricted = case_manager is not None and rng.random() < 0.005
            cm = NULL if case_manager is None else case_manager
            row = (
                f"{pk}\t{uuid()}\t{site.pk}\t{prefix}-P-{number:05d}\t{first}\t{last}\t"
                f"{preferred}\t{_array(aliases)}\t{dob}\t{identity}\t"
                f"{{{race[tradition][int(rng.random() * 4096)]}}}\t{language}\t{phone}\t{email}\t"
                f"{rng.choice(where) if rng.random() < 0.8 else ''}\t"
                f"{housing[int(rng.random() * 4096)]}\t{veteran[int(rng.random() * 4096)]}\t"
                f"{coverage[int(rng.random() * 4096)]}\t"
                f"{cm}\t{stamp(enrolled)}\t{'t' if restricted else 'f'}\t1\t{cm}\t"
            )
            people.append(_Person(pk, plan, case_manager, enrolled, restricted, row=row))
    return people


# -- Contacts ---------------------------------------------------------------------------------


def _contact_keys(
    people: list[_Person], total: int, rng: random.Random, now: int
) -> tuple[list[int], int]:
    """When each contact happened, as ``seconds << shift | person index``, sorted by time: the
    order a real system would have stored them in. Sets each person's ``last``."""
    rand = rng.random
    weights = [
        max(0.5, (now - p.enrolled) / (30 * DAY)) * rng.lognormvariate(0, 0.9) for p in people
    ]
    counts = _shares(total, [max(1, int(w * 1000)) for w in weights])
    shift = max(20, len(people).bit_length())
    keys: list[int] = []
    for index, (person, count) in enumerate(zip(people, counts, strict=True)):
        if not count:
            continue
        start = person.enrolled
        if rand() < 0.75:  # active: seen within the last three weeks
            end = min(now, _daytime(now - int(rand() * 21) * DAY, rand))
        else:  # inactive: contact stopped some time after enrolment
            end = _daytime(start + int((now - 31 * DAY - start) * (0.2 + 0.75 * rand())), rand)
        end = max(end, start + 600)
        morning = start - (start - LOCAL_OFFSET) % DAY + 7 * 3600
        days = (end - morning) // DAY + 1
        span = end - start
        times = [
            t if start <= (t := morning + int(rand() * days) * DAY + int(rand() * 43200)) <= end
            else start + int(rand() * span)
            for _ in range(count - 1)
        ]  # fmt: skip
        times.append(end)  # the last contact is at the end of the span
        person.last = max(person.last, end)
        keys.extend([t << shift | index for t in times])
    keys.sort()
    return keys, shift


def _contact_rows(
    people: list[_Person],
    keys: list[int],
    shift: int,
    rng: random.Random,
    now: int,
    stamp: _Stamps,
) -> Iterator[str]:
    # Profiles: (type, location, minutes, reached, services, referrals made) drawn together.
    profiles = []
    for name, weight, success, minutes, locations in CONTACT_TYPES:
        where = _table(rng, locations.items(), 64)
        for _ in range(weight * 100):
            ok = rng.random() < success
            services = rng.choices([s for s, _ in SERVICES], [w for _, w in SERVICES])[0]
            if not ok or name in {"case_conference", "text"}:
                services = ""
            made = rng.choice(REFERRALS_MADE) if ok and rng.random() < 0.08 else ""
            middle = (
                f"\t{rng.choice(minutes)}\t{name}\t{where[rng.randrange(64)]}\t"
                f"{'t' if ok else 'f'}\t{{{services}}}\t{made}\t"
            )
            profiles.append((middle, name if ok else f"{name}-"))
    rng.shuffle(profiles)
    middles = [middle for middle, _ in profiles]
    n_profiles = len(profiles)
    site_pools = {
        id(plan): [plan.narratives[key] for _, key in profiles]
        for plan in {id(p.site): p.site for p in people}.values()
    }
    fixed = [
        (
            f"\t{p.site.site.pk}\t{p.pk}\t",
            p.case_manager,
            p.site.case_managers,
            site_pools[id(p.site)],
        )
        for p in people
    ]
    dates, clock, first_day = stamp.dates, stamp.clock, stamp.first_day
    uuid = _uuids().__next__
    mask = (1 << shift) - 1
    rand = rng.random
    for key in keys:
        prefix, author, colleagues, pools = fixed[key & mask]
        t = key >> shift
        p = int(rand() * n_profiles)
        pool = pools[p]
        if author is None or rand() < 0.12:  # a colleague covered
            author = colleagues[int(rand() * len(colleagues))]
        day, second = divmod(t, DAY)
        written = t + 300 + int(rand() * 21600)  # the note, written up within six hours
        if written > now:
            written = now
        w_day, w_second = divmod(written, DAY)
        yield (
            f"{uuid()}{prefix}{author}\t{dates[day - first_day]}{clock[second]}{middles[p]}"
            f"{pool[int(rand() * len(pool))]}\t{dates[w_day - first_day]}{clock[w_second]}\n"
        )


# -- Tasks, needs, goals ---------------------------------------------------------------------


def _task_rows(
    people: list[_Person], plans: list[_SitePlan], rng: random.Random, now: int, stamp: _Stamps
) -> Iterator[str]:
    uuid = _uuids().__next__
    today = datetime.fromtimestamp(now - LOCAL_OFFSET, UTC).date()
    for person in people:
        cm = person.case_manager
        if cm is None:
            continue
        for _ in range(rng.choice([0, 1, 1, 2, 2, 3, 4])):
            created = person.enrolled + int(rng.random() * (now - person.enrolled))
            created_day = datetime.fromtimestamp(created - LOCAL_OFFSET, UTC).date()
            due = created_day + timedelta(days=rng.randint(1, 21))
            done = NULL
            if due < today - timedelta(days=rng.randint(0, 10)) or rng.random() < 0.1:
                done = stamp(min(now, created + rng.randint(3600, 20 * DAY)))
            yield (
                f"{uuid()}\t{person.site.site.pk}\t{person.pk}\t{rng.choice(TASK_TITLES)}\t"
                f"{due.isoformat()}\t{cm}\t{cm}\t{stamp(created)}\t{done}\n"
            )
        # What is open now: most people have a follow-up or two, a few of them overdue.
        for _ in range(rng.choice([0, 0, 1, 1, 1, 2])):
            created = max(person.enrolled, now - rng.randint(3600, 14 * DAY))
            due = today + timedelta(days=rng.randint(-7, 21))
            yield (
                f"{uuid()}\t{person.site.site.pk}\t{person.pk}\t{rng.choice(TASK_TITLES)}\t"
                f"{due.isoformat()}\t{cm}\t{cm}\t{stamp(created)}\t{NULL}\n"
            )
    for plan in plans:  # and two of each case manager's own, not about anyone
        for cm in plan.case_managers if plan.new else []:
            for title in rng.sample(STAFF_TASKS, 2):
                due = today + timedelta(days=rng.randint(-3, 14))
                yield (
                    f"{uuid()}\t{plan.site.pk}\t{NULL}\t{title}\t{due.isoformat()}\t{cm}\t{cm}\t"
                    f"{stamp(now - rng.randint(DAY, 10 * DAY))}\t{NULL}\n"
                )


def _need_rows(people: list[_Person], rng: random.Random, stamp: _Stamps) -> Iterator[str]:
    uuid = _uuids().__next__
    levels = {
        domain: _table(rng, zip(NeedAssessment.Level.values, weights, strict=True), 256)
        for domain, weights in NEED_LEVELS.items()
    }
    for person in people:
        by = person.case_manager or person.site.case_managers[0]
        head = f"\t{person.site.site.pk}\t{person.pk}\t"
        tail = f"\t\t{stamp(person.enrolled)}\t{by}\n"
        for domain in Domain.values:
            yield f"{uuid()}{head}{domain}\t{levels[domain][int(rng.random() * 256)]}{tail}"


def _goal_rows(
    people: list[_Person], rng: random.Random, now: int, stamp: _Stamps
) -> Iterator[str]:
    uuid = _uuids().__next__
    statuses = _table(
        rng,
        [
            (PlanGoal.Status.NOT_STARTED, 20),
            (PlanGoal.Status.IN_PROGRESS, 50),
            (PlanGoal.Status.ACHIEVED, 20),
            (PlanGoal.Status.CHANGED, 10),
        ],
    )
    for person in people:
        by = person.case_manager or person.site.case_managers[0]
        for domain in rng.sample(list(GOALS), rng.randint(1, 3)):
            created = min(now, person.enrolled + rng.randint(DAY, 14 * DAY))
            target = datetime.fromtimestamp(created, UTC).date() + timedelta(
                days=rng.randint(30, 180)
            )
            yield (
                f"{uuid()}\t{person.site.site.pk}\t{person.pk}\t{domain}\t"
                f"{rng.choice(GOALS[domain])}\t{statuses[int(rng.random() * 4096)]}\t"
                f"{target.isoformat()}\t{by}\t{stamp(created)}\n"
            )


# -- Entry point --------------------------------------------------------------------------------


def volume_generate(
    *,
    participants: int,
    contacts: int,
    seed: str = "lead-volume",
    log: Callable[[str], None] | None = None,
) -> VolumeResult:
    """Top the active sites up to ``participants`` participants and ``contacts`` contacts in all.

    New participants (with intake needs, 1-3 plan goals and a few tasks each) are spread over the
    sites by ``SITE_SHARE`` and over case managers (added as needed) about 20 apiece. New
    contacts go to the new participants or, when there are none, to all existing ones. One
    transaction: a failure leaves nothing behind. Returns what was added.
    """
    log = log or (lambda message: None)
    started = time.perf_counter()
    result = VolumeResult()
    now = int(timezone.now().timestamp())
    stamp = _Stamps(now - (HISTORY_DAYS + 60) * DAY, now)
    sites = list(Site.objects.filter(is_active=True).order_by("name"))
    if not sites:
        raise ValueError("No active sites: run the migrations first.")
    with scopes_disabled():
        existing = dict(
            Participant.objects.values_list("site_id").annotate(n=Count("id")).order_by()
        )
        contacts_before = Contact.objects.count()
    new_total = max(0, participants - sum(existing.values()))
    new_contacts = max(0, contacts - contacts_before)
    if new_contacts and not participants and not existing:
        raise ValueError("Contacts need participants: add --participants N.")
    if not new_total and not new_contacts:
        return result
    # Reproducible words and dates for a given start (UUIDs come from os.urandom); a top-up
    # draws other names than the first load.
    rng = random.Random(f"{seed}:{sum(existing.values())}:{contacts_before}")
    shares = _shares(new_total, [SITE_SHARE.get(s.slug, 10) for s in sites])
    plans = [
        _SitePlan(
            site=s,
            county=COUNTIES.get(s.slug, DEFAULT_COUNTY),
            new=n,
            total=existing.get(s.pk, 0) + n,
        )
        for s, n in zip(sites, shares, strict=True)
    ]

    t = time.perf_counter()

    def step(name: str) -> None:
        nonlocal t
        now_ = time.perf_counter()
        result.steps.append((name, now_ - t))
        log(f"  {name}: {now_ - t:.1f} s")
        t = now_

    with transaction.atomic(), connection.cursor() as django_cursor:
        cursor = django_cursor.cursor  # psycopg's own cursor, inside Django's transaction
        cursor.execute("SET LOCAL synchronous_commit TO OFF")
        result.case_managers = _case_managers(plans, rng)
        for plan in plans:
            plan.narratives = _narratives(rng, plan.county)
        step(f"staff ({result.case_managers} new)")

        if new_total:
            ids = _reserve_ids(cursor, "participants_participant", new_total)
            for plan in plans:
                plan.numbers = _case_numbers(cursor, plan)
                plan.assignees = _assignments(plan, rng)
            people = _people(plans, ids, rng, now, stamp)
        else:
            people = _existing_people(plans, now)
        keys: list[int] = []
        shift = 0
        if new_contacts and people:
            keys, shift = _contact_keys(people, new_contacts, rng, now)
        if new_total:
            result.participants = _copy(
                cursor,
                "participants_participant",
                (*PARTICIPANT_COLUMNS, "last_contact_at"),
                (f"{p.row}{stamp(p.last) if p.last else NULL}\n" for p in people),
            )
        step("participants, and when each contact happens")

        if keys:
            rows = _contact_rows(people, keys, shift, rng, now, stamp)
            dropped = _secondary_drop(cursor, "casenotes_contact", len(keys))
            result.contacts = _copy(cursor, "casenotes_contact", CONTACT_COLUMNS, rows)
            del keys, rows
            step("contacts")
            if dropped:
                _secondary_restore(cursor, dropped)
                step("contact indexes and keys")
            if not new_total:  # existing participants: their latest contact may be older
                cursor.execute(
                    """
                    UPDATE participants_participant AS p SET last_contact_at = c.last
                    FROM (SELECT participant_id, max(contacted_at) AS last
                          FROM casenotes_contact GROUP BY participant_id) AS c
                    WHERE p.id = c.participant_id
                      AND p.last_contact_at IS DISTINCT FROM c.last
                    """
                )
                step("last contact")

        if new_total:
            result.tasks = _copy(
                cursor, "casenotes_task", TASK_COLUMNS, _task_rows(people, plans, rng, now, stamp)
            )
            dropped = _secondary_drop(cursor, "participants_needassessment", 9 * len(people))
            result.needs = _copy(
                cursor, "participants_needassessment", NEED_COLUMNS, _need_rows(people, rng, stamp)
            )
            _secondary_restore(cursor, dropped)
            result.goals = _copy(
                cursor, "participants_plangoal", GOAL_COLUMNS, _goal_rows(people, rng, now, stamp)
            )
            _restricted_grants(people)
            step("tasks, needs, goals")
    step("commit")

    with connection.cursor() as cursor:
        for table in (
            "participants_participant",
            "casenotes_contact",
            "casenotes_task",
            "participants_needassessment",
            "participants_plangoal",
        ):
            cursor.execute(f"ANALYZE {table}")
    step("analyze")
    result.seconds = time.perf_counter() - started
    return result


def _reserve_ids(cursor, table: str, n: int) -> list[int]:
    """``n`` ids from the table's identity sequence, so that rows can be linked before COPY."""
    cursor.execute(
        "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, n]
    )
    return [row[0] for row in cursor.fetchall()]


def _case_numbers(cursor, plan: _SitePlan) -> list[int]:
    """Reserve ``plan.new`` case numbers of the site: bump its counter (as intake does, under
    the row lock) past both the counter and the highest number in use."""
    if not plan.new:
        return []
    prefix = plan.site.referral_prefix or plan.site.slug[:3].upper()
    cursor.execute(
        """
        SELECT coalesce(max(substring(case_number from '(\\d+)$')::int), 0)
        FROM participants_participant WHERE site_id = %s AND case_number LIKE %s
        """,
        [plan.site.pk, f"{prefix}-P-%"],
    )
    (highest,) = cursor.fetchone()
    cursor.execute(
        """
        INSERT INTO participants_casenumbercounter (site_id, last) VALUES (%s, %s)
        ON CONFLICT (site_id) DO UPDATE
        SET last = greatest(participants_casenumbercounter.last, %s) + %s
        RETURNING last
        """,
        [plan.site.pk, highest + plan.new, highest, plan.new],
    )
    (last,) = cursor.fetchone()
    return list(range(last - plan.new + 1, last + 1))


def _existing_people(plans: list[_SitePlan], now: int) -> list[_Person]:
    """The participants already there, for new contacts (within the last two years)."""
    oldest = now - HISTORY_DAYS * DAY
    by_site = {plan.site.pk: plan for plan in plans}
    with scopes_disabled():
        rows = Participant.objects.filter(site__in=list(by_site)).values_list(
            "pk", "site_id", "case_manager_id", "enrolled_at"
        )
        return [
            _Person(pk, by_site[site], cm, min(max(int(enrolled.timestamp()), oldest), now - 3600))
            for pk, site, cm, enrolled in rows.order_by("pk")
        ]


def _restricted_grants(people: list[_Person]) -> None:
    """About one record in 200 is restricted; its case manager gets the guardian row grant
    (``open_restricted``), as intake would give: the pages' visibility filter meets real rows."""
    chosen = [p.pk for p in people if p.restricted]
    if not chosen:
        return
    with scopes_disabled():
        for participant in Participant.objects.filter(pk__in=chosen).select_related("case_manager"):
            assign_perm("participants.open_restricted", participant.case_manager, participant)
