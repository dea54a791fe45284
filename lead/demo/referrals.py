"""Demo referrals for one site: every status, all three pathways, made through the services.

``seed_referrals`` gives a site 25 referrals spread over the last ~60 days: new ones from this
week, screening, locating (one arrest diversion due within two days, one past its intake
deadline), contacted, enrolled, declined, unable to locate, ineligible and withdrawn; arrest
diversions from the site's demo officer, social contact referrals, and community referrals (no
submitter; family, shelters, businesses, self-referrals; some urgent). Every step goes through
``referrals.services``, so numbers, history and the outbox are real; two pairs of referrals look
like the same person under different spellings (possible duplicates). The enrolled ones are
enrolled through the intake service by the ``enrol`` the caller passes
(``lead.demo.participants.referral_enrol``), so each has its participant.

The past: every service call passes ``at=``, the moment that step happened, so a referral
submitted 40 days ago was also screened, located and closed back then, and its history says so.

Reproducible: what happens to each referral is drawn from a random generator seeded with the site
and the scenario, and the people from one seeded with the site: the same people every day, only
dated relative to today. Every person, phone number and incident number is fictional (phones are
in the 555-01xx range).
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from lead.demo.people import (
    COUNTIES,
    DEFAULT_COUNTY,
    DEFAULT_PEOPLE,
    FIRST_NAMES,
    NICKNAMES,
    SITE_PEOPLE,
    STREET_NAMES,
    SURNAMES,
    Person,
    ascii_name,
)
from lead.models import User
from referrals import services
from referrals.models import (
    Decision,
    EligibilityItem,
    LocateAttempt,
    OffenceCategory,
    ProsecutorOutcome,
    Referral,
    Status,
    Urgency,
)
from sites.models import Site
from sites.roles import Pathway

# Demo referrals carry idempotency keys derived from this namespace, the site and the scenario:
# that is how a second run recognises a site it already seeded.
DEMO_NAMESPACE = uuid.UUID("5c1e9d52-6a7e-4f43-9b1e-2f0d3c6a4b71")

AD, SC, CM = Pathway.ARREST_DIVERSION, Pathway.SOCIAL_CONTACT, Pathway.COMMUNITY
Method, Result = LocateAttempt.Method, LocateAttempt.Result


# -- How referrers describe people -------------------------------------------------------------

DESCRIPTIONS = [
    "About 5'8\", thin, long black hair in a braid; usually in a Broncos jacket.",
    "Heavyset, grey beard, walks with a cane; camouflage backpack.",
    "Short, shaved head, a rose tattooed on the left hand.",
    "Tall, red baseball cap, often carries a guitar case.",
    "Slim, glasses held together with tape, Lobos hoodie.",
    "Medium build, missing front tooth, pushes a shopping cart with a blue tarp.",
    "Short grey ponytail, turquoise ring, usually with a small brown dog.",
    "Freckles, dyed purple hair, black backpack covered in patches.",
    "Limps (old leg injury), Dallas Cowboys cap, army-surplus coat.",
    "Long hair under a beanie, wears work boots; talks fast when anxious.",
]
SAFETY = [
    "Has a protective dog; approach slowly and let it sniff you.",
    "Gets anxious in groups; meet one to one, outside.",
    "Says {he} carries a pocket knife for protection.",
    "Startles easily (PTSD); announce yourself before approaching.",
]


# -- Words ---------------------------------------------------------------------------------------

OFFENCES = {
    OffenceCategory.DRUG_POSSESSION: [
        "A small bag of methamphetamine and a pipe found during a welfare check.",
        "Two fentanyl pills found in {his} pocket when stopped for walking on the highway.",
        "Heroin residue and used syringes in {his} backpack; cooperative.",
    ],
    OffenceCategory.SHOPLIFTING: [
        "Took food and a sleeping bag (about $45) from {store}; the store agreed to diversion.",
        "Concealed razors and batteries at {store}; says {he} trades them for drugs.",
    ],
    OffenceCategory.TRESPASS: [
        "Sleeping in the stairwell of a closed business after being asked to leave twice.",
        "Back in the park after closing, third time this month; asked for somewhere to go.",
    ],
    OffenceCategory.PUBLIC_ORDER: [
        "Shouting at people outside the transit centre; intoxicated, calmed down when talked to.",
        "Drinking in public and urinating behind a restaurant; apologetic.",
    ],
}
SOCIAL_REASONS = [
    "Known to patrol: many contacts this year for sleeping in doorways. No offence today; "
    "asked for help getting into detox.",
    "Lives in {his} car with a dog; calls 911 most weeks. Asked the officer about housing.",
    "Welfare check called in by a business; intoxicated but no crime. Agreed to a referral.",
    "Family asked us to connect {him}: overdosed twice this year (naloxone both times).",
    "Found sleeping at the bus shelter in the cold; lost ID and benefits, wants help with both.",
]
COMMUNITY = [
    # (relationship, referrer pool, narrative, urgency)
    (
        "Sister",
        "family",
        "My {sibling} {first} has been using fentanyl and sleeping by the river since {he} lost "
        "{his} job. {He} has a phone sometimes. Please help before {he} overdoses again.",
        Urgency.URGENT,
    ),
    (
        "Mother",
        "family",
        "{first} is my {child}. {He} is using meth and stays with different friends; {he} says "
        "{he} wants to stop but doesn't know where to start.",
        Urgency.SOON,
    ),
    (
        "Shelter staff",
        "staff",
        "{first} stays with us on and off. Uses daily, lost {his} ID and benefits; interested in "
        "help with ID and housing.",
        Urgency.ROUTINE,
    ),
    (
        "Store manager",
        "staff",
        "A {man} we know as {first} sleeps behind our store most nights. Polite, never a problem. "
        "We don't want {him} arrested, we want {him} helped.",
        Urgency.ROUTINE,
    ),
    (
        "Self",
        "self",
        "I want help getting off the street and into treatment. You can find me at {place} most "
        "mornings.",
        Urgency.SOON,
    ),
    (
        "Pastor",
        "staff",
        "{first} comes to our Wednesday meal. Drinking heavily, just out of jail, nowhere to stay.",
        Urgency.SOON,
    ),
    (
        "Harm-reduction outreach worker",
        "staff",
        "Participant of our syringe services asked to be referred: uses fentanyl, wants "
        "buprenorphine and a place to stay.",
        Urgency.URGENT,
    ),
    (
        "Neighbour",
        "other",
        "{first} has been living in the arroyo behind our street for months. Coughing badly and "
        "very thin lately. Worried about {him}.",
        Urgency.URGENT,
    ),
]
ELIGIBLE_REASONS = [
    "All criteria met.",
    "Meets criteria; daily methamphetamine use drives the police contacts.",
    "Eligible: lives in the county, substance use at the root of the contacts.",
    "",
]


# -- Scenarios: what happens to each of the 25 referrals --------------------------------------


@dataclass(frozen=True)
class Scenario:
    key: str
    pathway: str
    status: str
    days: tuple[int, int] | str  # days ago (range), or a rule tied to the intake deadline
    fails: int = 0  # locate attempts that did not find the person
    community: int | None = None  # index into COMMUNITY
    assigned: bool = True
    duplicate_of: str = ""  # the key of the referral this one probably repeats
    nickname: bool = False  # this person is known by a nickname (the original of a duplicate)
    name_unknown: bool = False
    note: str = ""


SCENARIOS = [
    Scenario("new-ad", AD, Status.NEW, (0, 0), assigned=False),
    Scenario("new-cm-family", CM, Status.NEW, (1, 1), community=0, assigned=False),
    Scenario("new-sc", SC, Status.NEW, (2, 2), assigned=False),
    Scenario("new-cm-self", CM, Status.NEW, (1, 3), community=4, assigned=False),
    Scenario(
        "new-cm-unknown", CM, Status.NEW, (0, 2), community=3, assigned=False, name_unknown=True
    ),
    Scenario(
        "new-cm-dup",
        CM,
        Status.NEW,
        (1, 2),
        community=2,
        assigned=False,
        duplicate_of="locating-ad-due",
    ),
    Scenario("screening-ad", AD, Status.SCREENING, "screening"),
    Scenario("screening-cm", CM, Status.SCREENING, (3, 5), community=1, assigned=False),
    Scenario("locating-ad-due", AD, Status.LOCATING, "due_soon", fails=2, nickname=True),
    Scenario("locating-ad-overdue", AD, Status.LOCATING, "overdue", fails=3),
    Scenario("locating-sc", SC, Status.LOCATING, (8, 12), fails=1),
    Scenario("locating-cm", CM, Status.LOCATING, (5, 7), community=6),
    Scenario("contacted-ad", AD, Status.CONTACTED, "contacted", fails=1),
    Scenario("contacted-cm", CM, Status.CONTACTED, (10, 14), community=5, nickname=True),
    Scenario("new-sc-dup", SC, Status.NEW, (2, 3), assigned=False, duplicate_of="contacted-cm"),
    Scenario("enrolled-ad", AD, Status.ENROLLED, "enrolled", fails=1),
    Scenario("enrolled-sc", SC, Status.ENROLLED, (35, 50), fails=2),
    Scenario("declined-sc", SC, Status.DECLINED, (20, 30), fails=1),
    Scenario("declined-cm", CM, Status.DECLINED, (15, 25), community=7),
    Scenario("unable-ad", AD, Status.UNABLE_TO_LOCATE, "missed", fails=4),
    Scenario("unable-cm", CM, Status.UNABLE_TO_LOCATE, (40, 55), community=3, fails=3),
    Scenario("ineligible-cm", CM, Status.INELIGIBLE, (25, 40), community=1, note="county"),
    Scenario("ineligible-ad", AD, Status.INELIGIBLE, (18, 30), note="probation"),
    Scenario("withdrawn-cm", CM, Status.WITHDRAWN, (30, 45), community=0, fails=1),
    Scenario("withdrawn-ad", AD, Status.WITHDRAWN, (10, 20)),
]


def demo_key(site: Site, scenario_key: str) -> uuid.UUID:
    return uuid.uuid5(DEMO_NAMESPACE, f"{site.slug}:{scenario_key}")


def demo_referrals_exist(*, site: Site) -> bool:
    keys = [demo_key(site, s.key) for s in SCENARIOS]
    return Referral.objects.filter(site=site, idempotency_key__in=keys).exists()


# -- The generator -------------------------------------------------------------------------------


# The intake of an enrolled demo referral: ``enrol(referral=, by=, at=, now=, rng=)`` returns
# the referral, enrolled.
Enrol = Callable[..., Referral]


class _SiteSeeder:
    def __init__(
        self,
        *,
        site: Site,
        officer: User,
        case_manager: User,
        now: datetime,
        seed: str,
        enrol: Enrol,
    ):
        self.site, self.officer, self.cm, self.enrol = site, officer, case_manager, enrol
        self.seed_text = seed
        # Who the people are comes from one generator, what happens to each referral from its
        # own (``rng``, set per scenario): a draw that depends on the date or the hour changes
        # nothing but that referral's own story.
        self.people_rng = random.Random(f"{seed}:people")
        self.rng = self.people_rng
        self.county = COUNTIES.get(site.slug, DEFAULT_COUNTY)
        self.now = now
        self.limit = self.now - timedelta(minutes=10)  # nothing happens after this
        self.today = timezone.localdate(self.now)
        self.deadline = site.intake_deadline_days
        self.used_names: set[str] = set()  # no two people of a site share a first or last name
        self.people: dict[str, Person] = {}
        self.items = list(EligibilityItem.objects.filter(site=site, retired_at__isnull=True))

    # People ----------------------------------------------------------------------------------

    def person(self, scenario: Scenario) -> Person:
        rng = self.people_rng
        if scenario.duplicate_of and scenario.duplicate_of in self.people:
            return self._lookalike(self.people[scenario.duplicate_of])
        shares = SITE_PEOPLE.get(self.site.slug, DEFAULT_PEOPLE)
        _, surname_pool, tradition = rng.choices(shares, weights=[s[0] for s in shares])[0]
        last = self._fresh(SURNAMES[surname_pool])
        if scenario.nickname:
            first, nick, gender = rng.choice(
                [n for n in NICKNAMES[tradition] if n[0] not in self.used_names]
                or NICKNAMES[tradition]
            )
            self.used_names.add(first)
            aliases = [nick, f"{nick} {last}"]
        else:
            gender = rng.choice("mf")
            first = self._fresh(FIRST_NAMES[tradition][0 if gender == "m" else 1])
            aliases = []
            if rng.random() < 0.12:
                aliases = [self._fresh(STREET_NAMES[gender])]
        person = Person(first=first, last=last, gender=gender, tradition=tradition, aliases=aliases)
        age = rng.randint(21, 63)
        if rng.random() < 0.55:
            person.dob = date(self.today.year - age, rng.randint(1, 12), rng.randint(1, 28))
        else:
            person.age = age
        return person

    def _fresh(self, names: list[str]) -> str:
        name = self.people_rng.choice([n for n in names if n not in self.used_names] or names)
        self.used_names.add(name)
        return name

    def _lookalike(self, original: Person) -> Person:
        """The same person as a different referrer names them: nickname, variant spelling."""
        nick = original.aliases[0] if original.aliases else original.first
        last = _variant_spelling(original.last)
        age = original.age or (self.today.year - original.dob.year if original.dob else 40)
        return Person(
            first=nick,
            last=last,
            gender=original.gender,
            tradition=original.tradition,
            age=age + self.people_rng.choice([-2, -1, 1, 2]),
        )

    def phone(self) -> str:
        return f"{self.county.area_code}-555-01{self.rng.randint(0, 99):02d}"

    # Times -------------------------------------------------------------------------------------

    def submitted_at(self, scenario: Scenario) -> datetime:
        rng = self.rng
        if isinstance(scenario.days, tuple):
            days = rng.randint(*scenario.days)
        else:
            days = {
                "screening": min(3, max(1, self.deadline - 3)),
                "due_soon": self.deadline - rng.randint(1, 2),
                "overdue": self.deadline + rng.randint(2, 4),
                "contacted": max(2, self.deadline // 2),
                "enrolled": self.deadline + rng.randint(10, 20),
                "missed": self.deadline + rng.randint(8, 15),
            }[scenario.days]
        day = self.today - timedelta(days=days)
        moment = timezone.make_aware(
            datetime.combine(day, time(rng.randint(7, 20), rng.randint(0, 59)))
        )
        if moment > self.limit - timedelta(hours=1):  # "today" has not got that far yet
            moment = self.limit - timedelta(hours=rng.uniform(1, 5))
        return moment

    def later(self, moment: datetime, low_hours: float, high_hours: float) -> datetime:
        """Some hours after ``moment``, in office hours where possible, never in the future."""
        moment = moment + timedelta(hours=self.rng.uniform(low_hours, high_hours))
        return min(self.daytime(moment, not_after=self.limit), self.limit)

    def daytime(
        self, moment: datetime, *, not_after: datetime, not_before: datetime | None = None
    ) -> datetime:
        """Move a night-time ``moment`` to the next office morning or, if that is too late, back
        to the afternoon before; leave it if neither fits between the bounds."""
        local = timezone.localtime(moment)
        if 8 <= local.hour < 18:
            return moment
        day = local.date() + timedelta(days=1 if local.hour >= 18 else 0)
        minutes = timedelta(minutes=self.rng.randint(0, 150))
        morning = timezone.make_aware(datetime.combine(day, time(8, 0)) + minutes)
        if morning <= not_after:
            return morning
        afternoon = timezone.make_aware(
            datetime.combine(day - timedelta(days=1), time(15, 0)) + minutes
        )
        if not_before is not None and not_before <= afternoon <= not_after:
            return afternoon
        return moment

    # One referral ------------------------------------------------------------------------------

    def seed(self, scenario: Scenario, person: Person, at: datetime) -> Referral:
        data = self.referral_data(scenario, person, at)
        by = None if scenario.pathway == CM else self.officer
        referral, _created = services.referral_submit(
            site=self.site,
            pathway=scenario.pathway,
            data=data,
            by=by,
            idempotency_key=demo_key(self.site, scenario.key),
            at=at,
        )
        if scenario.status == Status.NEW:
            return referral
        return self.work(scenario, person, referral, at)

    def referral_data(self, scenario: Scenario, person: Person, at: datetime) -> dict:
        rng, county, words = self.rng, self.county, person.words
        place, other_place = rng.sample(county.places, 2)
        data = {
            "first_name": "" if scenario.name_unknown else person.first,
            "last_name": "" if scenario.name_unknown else person.last,
            "name_unknown": scenario.name_unknown,
            "aliases": [] if scenario.name_unknown else person.aliases,
            "date_of_birth": None if scenario.name_unknown else person.dob,
            "estimated_age": person.age if person.dob is None else None,
            "description": rng.choice(DESCRIPTIONS),
            "where_to_find": f"Mornings at {place}; afternoons around {other_place}.",
            "phone": self.phone() if rng.random() < 0.35 else "",
            "language": self.language(person),
            "safety_concerns": rng.choice(SAFETY).format(**words) if rng.random() < 0.3 else "",
        }
        if scenario.name_unknown:
            data |= {"estimated_age": person.age or 45, "phone": "", "language": ""}
        if scenario.pathway == AD:
            category = rng.choice(list(OFFENCES))
            agency, prefix = county.agencies[0 if rng.random() < 0.75 else 1]
            store = rng.choice(county.stores)
            diversion_date = timezone.localdate(at)
            if scenario.days not in {"due_soon", "overdue", "enrolled", "missed"} and (
                rng.random() < 0.3 and timezone.localtime(at).hour < 10
            ):
                diversion_date -= timedelta(days=1)  # diverted late last night, written up today
            data |= {
                "offence_category": category,
                "offence_description": rng.choice(OFFENCES[category]).format(store=store, **words),
                "incident_number": f"{prefix}-{at:%y}-{rng.randint(1000, 39999):06d}",
                "agency": agency,
                "diversion_date": diversion_date,
                "diversion_place": store if category == OffenceCategory.SHOPLIFTING else place,
                "narrative": rng.choice(
                    [
                        "Offered LEAD instead of booking; {he} accepted and gave a good number "
                        "to reach {him}.",
                        "Explained LEAD and the {days}-day window for intake. {He} said {he} "
                        "is tired of this life.",
                        "Cooperative. Has been in and out of jail on similar charges; says {he} "
                        "wants to try something different.",
                    ]
                ).format(days=self.deadline, **words),
            }
        elif scenario.pathway == SC:
            data |= {
                "contact_reason": rng.choice(SOCIAL_REASONS).format(**words),
                "narrative": f"Contact at {place}." if rng.random() < 0.6 else "",
            }
        else:
            relationship, who, narrative, urgency = COMMUNITY[scenario.community or 0]
            if scenario.name_unknown:
                narrative = (
                    "Don't know {his} name. {He} sleeps behind our store most nights and has "
                    "looked sick this week. We don't want {him} arrested, we want {him} helped."
                )
            data |= {
                "narrative": narrative.format(place=place, **words),
                "urgency": urgency,
                **self.referrer(who, relationship, person),
            }
        return data

    def language(self, person: Person) -> str:
        roll = self.rng.random()
        if person.tradition == "hispanic" and roll < 0.3:
            return "Spanish"
        if person.tradition == "native" and self.site.slug == "san-juan" and roll < 0.3:
            return "Navajo"
        return "English" if roll < 0.8 else ""

    def referrer(self, who: str, relationship: str, person: Person) -> dict:
        rng = self.rng
        if who == "self":
            return {"referrer_relationship": relationship, "phone": self.phone()}
        if who == "family":
            first = rng.choice(FIRST_NAMES[person.tradition][1])
            name = f"{first} {person.last}"
        else:
            tradition = rng.choice(list(FIRST_NAMES))
            first = rng.choice(FIRST_NAMES[tradition][rng.randint(0, 1)])
            last = rng.choice(SURNAMES["anglo" if tradition == "anglo" else "hispanic_north"])
            name = f"{first} {last}"
        email = ""
        if rng.random() < 0.5:
            email = f"{ascii_name(first)}.{ascii_name(name.rsplit(' ', 1)[1])}@example.com".lower()
        return {
            "referrer_name": name,
            "referrer_relationship": relationship,
            "referrer_phone": self.phone() if rng.random() < 0.8 or not email else "",
            "referrer_email": email,
        }

    # Casework ------------------------------------------------------------------------------

    def work(self, scenario: Scenario, person: Person, referral: Referral, at: datetime):
        rng, cm, status = self.rng, self.cm, scenario.status
        words = person.words
        t = self.later(at, 1, 20)
        referral = services.referral_screen(
            referral=referral, answers=self.answers(scenario), by=cm, at=t
        )
        if scenario.assigned:
            referral = services.referral_assign(referral=referral, assignee=cm, by=cm, at=t)
        if status == Status.SCREENING:
            return referral
        t = self.later(t, 0.2, 2)
        if status == Status.WITHDRAWN and scenario.pathway == AD:
            return services.referral_close(
                referral=referral,
                outcome=Status.WITHDRAWN,
                note="Referring officer withdrew: booked on an outstanding felony warrant "
                "from another county.",
                by=cm,
                at=self.later(t, 24, 96),
            )
        if status == Status.INELIGIBLE:
            return services.referral_decide(
                referral=referral,
                decision=Decision.INELIGIBLE,
                reason=self.ineligible_reason(scenario, words),
                by=cm,
                at=t,
            )
        referral = services.referral_decide(
            referral=referral,
            decision=Decision.ELIGIBLE,
            reason=rng.choice(ELIGIBLE_REASONS),
            by=cm,
            at=t,
        )
        end = self.end_of_work(scenario, referral, t)
        found = status in {Status.CONTACTED, Status.ENROLLED, Status.DECLINED}
        # Attempts spread between the decision and the end; the last finds them if they were.
        count = scenario.fails + (1 if found else 0)
        last_attempt = (
            end
            if status in {Status.LOCATING, Status.CONTACTED}
            else end
            - timedelta(
                hours=rng.uniform(2, 20) if status != Status.ENROLLED else rng.uniform(4, 30)
            )
        )
        last_attempt = max(last_attempt, t + timedelta(minutes=30))
        moments = [t + (last_attempt - t) * rng.uniform(0.1, 1) for _ in range(count - 1)]
        moments = (
            sorted(
                self.daytime(moment, not_after=last_attempt, not_before=t)
                for moment in [*moments, last_attempt][-count:]
            )
            if count
            else []
        )
        written = t
        for index, moment in enumerate(moments):
            result = Result.FOUND if found and index == count - 1 else None
            written = max(written, self.attempt(referral, moment, person, result))
        referral = Referral.objects.get(pk=referral.pk, site=self.site)
        end = max(end, written + timedelta(minutes=20))
        end = min(end, self.limit)
        return self.finish(scenario, referral, end, words)

    def end_of_work(self, scenario: Scenario, referral: Referral, t: datetime) -> datetime:
        rng, status = self.rng, scenario.status
        if status in {Status.LOCATING, Status.CONTACTED}:
            return self.limit - timedelta(hours=rng.uniform(1, 30))
        if status == Status.ENROLLED and referral.intake_due_date:
            # Intake inside the legal window: on or before the due date.
            due = timezone.make_aware(datetime.combine(referral.intake_due_date, time(15, 0)))
            return min(self.later(t, 48, 24 * (self.deadline - 1)), due)
        if status == Status.UNABLE_TO_LOCATE and referral.intake_due_date:
            # Closed after the deadline passed, so the prosecutor can be told.
            due = referral.intake_due_date + timedelta(days=rng.randint(1, 3))
            return timezone.make_aware(datetime.combine(due, time(rng.randint(9, 16), 0)))
        return self.later(t, 24 * 4, 24 * 18)

    def attempt(self, referral, moment: datetime, person: Person, result: str | None) -> datetime:
        """Log one try at ``moment``; returns when it was written up."""
        rng, county, words = self.rng, self.county, person.words
        place = rng.choice([*county.places, county.shelter])
        if result == Result.FOUND:
            method = Method.IN_PERSON
            note = rng.choice(
                [
                    "Found {him} at {place}. Talked for twenty minutes; interested, will meet "
                    "at the office tomorrow.",
                    "{He} was at {place} as the officer said. Gave {him} a card and water; "
                    "agreed to talk again.",
                    "Found {first} at {place}. Wary at first, then open to hearing about LEAD.",
                ]
            )
        else:
            method = rng.choice(
                [
                    Method.IN_PERSON,
                    Method.IN_PERSON,
                    Method.IN_PERSON,
                    Method.PHONE,
                    Method.COLLATERAL,
                ]
            )
            if method == Method.PHONE:
                result, place = Result.MESSAGE_LEFT, ""
                note = rng.choice(
                    [
                        "Called the number on the referral; voicemail full.",
                        "Left a message with {his} mother, who says {he} calls on Sundays.",
                    ]
                )
            elif method == Method.COLLATERAL:
                place = county.shelter
                result = Result.LEAD
                note = "Staff at {place} say {he} comes in for showers on Tuesdays and Fridays."
            else:
                result = rng.choice([Result.NOT_FOUND, Result.NOT_FOUND, Result.LEAD])
                note = (
                    "Checked {place}; not there. Regulars haven't seen {him} since the weekend."
                    if result == Result.NOT_FOUND
                    else "A friend at {place} says {he} has been staying near {other}."
                )
        other = rng.choice([p for p in county.places if p != place])
        written = self.later(moment, 0.1, 3)  # back at the office
        services.locate_attempt_record(
            referral=referral,
            by=self.cm,
            attempted_at=moment,
            place=place,
            method=method,
            result=result,
            note=note.format(place=place, other=other, **words),
            at=written,
        )
        return written

    def finish(self, scenario: Scenario, referral: Referral, end: datetime, words) -> Referral:
        status, cm = scenario.status, self.cm
        notes = {
            Status.DECLINED: "Spoke with {first} again. {He} has support from family and church "
            "right now and does not want a case manager; took a card, knows the door is open.",
            Status.UNABLE_TO_LOCATE: "Tried for weeks at the usual places and with the shelter; "
            "nobody has seen {him} lately. Will reopen if {he} turns up.",
            Status.WITHDRAWN: "The referrer called back: family arranged treatment out of state "
            "and {first} left last week.",
        }
        if status == Status.ENROLLED:
            # Intake through the intake service: a participant with a profile and needs, the
            # referral enrolled. The person's profile has its own generator, as the walk-ins'.
            person_rng = random.Random(f"{self.seed_text}:{scenario.key}:intake")
            referral = self.enrol(referral=referral, by=cm, at=end, now=self.now, rng=person_rng)
        if status in notes:
            referral = services.referral_close(
                referral=referral,
                outcome=status,
                note=notes[status].format(**words),
                by=cm,
                at=end,
            )
        # The prosecutor hears of arrest diversions: intake in time, or the deadline missed.
        if scenario.pathway == AD and status in {Status.ENROLLED, Status.UNABLE_TO_LOCATE}:
            outcome = (
                ProsecutorOutcome.DO_NOT_FILE
                if status == Status.ENROLLED
                else ProsecutorOutcome.FORWARDED
            )
            referral = services.prosecutor_outcome_record(
                referral=referral, outcome=outcome, by=cm, at=self.later(end, 2, 26)
            )
        return referral

    # Screening -------------------------------------------------------------------------------

    def answers(self, scenario: Scenario) -> dict[str, str]:
        answers = {str(item.uuid): "yes" for item in self.items}
        if scenario.status == Status.SCREENING or (
            scenario.status == Status.WITHDRAWN and scenario.pathway == AD
        ):
            # Half done: the rest comes when someone reaches the person.
            for item in self.items[len(self.items) // 2 :]:
                answers[str(item.uuid)] = "unknown"
            if self.items:
                answers.pop(str(self.items[-1].uuid))
        if scenario.status == Status.INELIGIBLE and self.items:
            word = "county" if scenario.note == "county" else "probation"
            failing = next((i for i in self.items if word in i.text.lower()), self.items[0])
            answers[str(failing.uuid)] = "no"
        return answers

    def ineligible_reason(self, scenario: Scenario, words: dict[str, str]) -> str:
        if scenario.note == "county":
            return (
                "Lives in {where} and was only visiting family here. Gave {him} information "
                "about services near home.".format(where=self.county.out_of_area, **words)
            )
        return (
            "On felony probation with a no-contact order covering the people {he} would meet "
            "at our drop-in; probation officer consulted. Case returned to the officer.".format(
                **words
            )
        )


def _variant_spelling(surname: str) -> str:
    """How someone else might write the name: no accents, a dropped or doubled letter."""
    plain = ascii_name(surname)
    if plain != surname:
        return plain
    for old, new in (("ae", "e"), ("ie", "i"), ("ay", "aye"), ("ll", "l"), ("z", "s"), ("v", "b")):
        if old in plain:
            return plain.replace(old, new, 1)
    return plain


# -- Entry point -----------------------------------------------------------------------------


def seed_referrals(
    *,
    site: Site,
    officer: User,
    case_manager: User,
    now: datetime,
    seed: str,
    enrol: Enrol,
) -> list[Referral]:
    """Create the site's demo referrals, dated up to ``now``; none if the site already has them
    (idempotent). ``seed`` makes the draws reproducible; ``enrol`` does the intake of the
    enrolled ones (``lead.demo.participants.referral_enrol``).

    Call inside ``django_scopes.scope(site=site)`` and a transaction. Returns what it created.
    """
    if demo_referrals_exist(site=site):
        return []
    seeder = _SiteSeeder(
        site=site, officer=officer, case_manager=case_manager, now=now, seed=seed, enrol=enrol
    )
    plans = []
    # The people first (the originals before their look-alikes), then the referrals in the
    # order they came in, so that the numbers follow the dates.
    for scenario in sorted(SCENARIOS, key=lambda s: bool(s.duplicate_of)):
        if site.pathway_enabled(scenario.pathway):
            person = seeder.person(scenario)
            seeder.people[scenario.key] = person
            seeder.rng = random.Random(f"{seed}:{scenario.key}")
            plans.append((seeder.submitted_at(scenario), scenario, person, seeder.rng))
    plans.sort(key=lambda plan: plan[0])
    created = []
    for at, scenario, person, rng in plans:
        seeder.rng = rng
        created.append(seeder.seed(scenario, person, at))
    return created
