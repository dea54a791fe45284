"""Demo referrals for one site: every status, all three pathways, made through the services.

``seed_referrals`` (called by ``manage.py seed_demo``) gives a site 25 referrals spread over the
last ~60 days: new ones from this week, screening, locating (one arrest diversion due within two
days, one past its intake deadline), contacted, enrolled, declined, unable to locate, ineligible
and withdrawn; arrest diversions from the site's demo officer, social contact referrals, and
community referrals (no submitter; family, shelters, businesses, self-referrals; some urgent).
Every step goes through ``referrals.services`` so numbers, history and the outbox are real; two
pairs of referrals look like the same person under different spellings (possible duplicates).
The enrolled ones are enrolled by the intake service (``participants.demo.referral_enrol``), so
each has its participant; ``participants.demo.seed_participants`` then gives them their casework.

The past: services stamp their changes with ``timezone.now()``. To make a referral submitted
40 days ago also be screened, located and closed back then (and its history say so), each step
runs under ``_clock(moment)``, which patches ``django.utils.timezone.now`` for that step only.
Every person, phone number and incident number is fictional (phones are in the 555-01xx range).
"""

from __future__ import annotations

import random
import unicodedata
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from unittest import mock

from django.utils import timezone

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
from sites.models import Notification, Site
from sites.roles import Pathway

# Demo referrals carry idempotency keys derived from this namespace, the site and the scenario:
# that is how a second run recognises a site it already seeded.
DEMO_NAMESPACE = uuid.UUID("5c1e9d52-6a7e-4f43-9b1e-2f0d3c6a4b71")

AD, SC, CM = Pathway.ARREST_DIVERSION, Pathway.SOCIAL_CONTACT, Pathway.COMMUNITY
Method, Result = LocateAttempt.Method, LocateAttempt.Result


def _names(text: str) -> list[str]:
    return [name.strip() for name in text.split(",")]


# -- People ----------------------------------------------------------------------------------------

FIRST_NAMES = {
    # (men, women) by naming tradition; a pool is picked with the surname.
    "hispanic": (
        _names(
            "Ernesto, Ramón, Gilbert, Arturo, Fidel, Adrián, Rudy, Manuel, Elías, Tomás, "
            "Orlando, Gabriel, Martín, Leonel, Benny"
        ),
        _names(
            "Yolanda, Dolores, Marisol, Angelina, Priscilla, Veronica, Esperanza, Lucía, "
            "Ramona, Josefina, Belinda, Consuelo, Irene, Sylvia"
        ),
    ),
    "native": (
        _names(
            "Darrell, Wilson, Leroy, Shawn, Kee, Delbert, Raymond, Lorenzo, Marvin, Vernon, "
            "Calvin, Harrison"
        ),
        _names(
            "Loretta, Shirley, Darlene, Rita, Verna, Cheryl, Winona, Bernadine, Tanya, "
            "Marlene, Renée"
        ),
    ),
    "anglo": (
        _names(
            "Dustin, Wade, Bobby, Clint, Randy, Jesse, Kyle, Billy Ray, Shane, Troy, Curtis, Dale"
        ),
        _names(
            "Tammy, Crystal, Brandy, Amber, Misty, Rhonda, Tina, Charlene, Kayla, Jolene, Becky"
        ),
    ),
}
SURNAMES = {
    "hispanic_north": _names(
        "Archuleta, Apodaca, Baca, Córdova, Durán, Griego, Lucero, Maestas, Medina, Mondragón, "
        "Padilla, Quintana, Sisneros, Tafoya, Ulibarri, Valdez, Lovato, Garduño, Montaño, "
        "Salazar, Jaramillo, Vialpando, Arellano, Espinoza, Luna, Sena, Gurulé, Atencio"
    ),
    "hispanic_south": _names(
        "Hernández, Rodríguez, Ramírez, Ortega, Sáenz, Carrasco, Licón, Nevárez, Provencio, "
        "Madrid, Holguín, Barraza, Granados, Terrazas, Olivas, Zamora, Chacón, Lucero, "
        "Dominguez, Flores"
    ),
    "navajo": _names(
        "Yazzie, Tsosie, Benally, Nez, Tso, Etsitty, Bitsui, Manuelito, Largo, Chee, Attakai, "
        "Begaye, Curley, Tsinnijinnie, Joe, Sandoval"
    ),
    "pueblo": _names(
        "Lujan, Suazo, Concha, Mirabal, Tenorio, Naranjo, Chavarria, Aguino, Pecos, Toya, "
        "Chinana, Gachupin"
    ),
    "anglo": _names(
        "Parker, Dawson, Crawford, Reeves, Tucker, Bennett, Harper, McKinney, Sutton, "
        "Whitaker, Cobb, Pruitt, Hale, Stokes, Shaw, Kimbrough, Dyer"
    ),
}
# (share, surname pool, first-name pool) per site; other sites get a plain mix.
SITE_PEOPLE = {
    "san-juan": [
        (55, "navajo", "native"),
        (25, "anglo", "anglo"),
        (20, "hispanic_north", "hispanic"),
    ],
    "taos": [(60, "hispanic_north", "hispanic"), (20, "pueblo", "native"), (20, "anglo", "anglo")],
    "bernalillo": [
        (50, "hispanic_north", "hispanic"),
        (25, "anglo", "anglo"),
        (15, "navajo", "native"),
        (10, "pueblo", "native"),
    ],
    "santa-fe": [
        (60, "hispanic_north", "hispanic"),
        (25, "anglo", "anglo"),
        (15, "pueblo", "native"),
    ],
    "dona-ana": [
        (70, "hispanic_south", "hispanic"),
        (22, "anglo", "anglo"),
        (8, "navajo", "native"),
    ],
    "lea": [(50, "anglo", "anglo"), (45, "hispanic_south", "hispanic"), (5, "navajo", "native")],
}
DEFAULT_PEOPLE = [
    (50, "hispanic_north", "hispanic"),
    (35, "anglo", "anglo"),
    (15, "navajo", "native"),
]

# First names with the name people actually use; the duplicates are built from these.
NICKNAMES = {
    "hispanic": [
        ("Roberto", "Beto", "m"),
        ("Guadalupe", "Lupe", "f"),
        ("Ignacio", "Nacho", "m"),
        ("Francisco", "Frankie", "m"),
        ("Dolores", "Lola", "f"),
    ],
    "native": [
        ("Raymond", "Ray", "m"),
        ("Jacob", "Jake", "m"),
        ("Elizabeth", "Liz", "f"),
        ("Lorenzo", "Lenny", "m"),
    ],
    "anglo": [
        ("William", "Billy", "m"),
        ("Jacob", "Jake", "m"),
        ("Katherine", "Katie", "f"),
        ("Richard", "Ricky", "m"),
    ],
}

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
STREET_NAMES = {
    "m": ["Flaco", "Chato", "Shorty", "Smiley", "Tex", "Red"],
    "f": ["Flaca", "Chata", "Shorty", "Smiley", "Red", "Sunny"],
}


@dataclass
class Person:
    first: str
    last: str
    gender: str  # for the pronouns of the narratives
    tradition: str
    aliases: list[str] = field(default_factory=list)
    dob: date | None = None
    age: int | None = None

    @property
    def words(self) -> dict[str, str]:
        male = self.gender == "m"
        he, him, his = ("he", "him", "his") if male else ("she", "her", "her")
        return {
            "first": self.first,
            "he": he,
            "him": him,
            "his": his,
            "He": he.capitalize(),
            "man": "man" if male else "woman",
            "child": "son" if male else "daughter",
            "sibling": "brother" if male else "sister",
        }


# -- Places and agencies of each county --------------------------------------------------------


@dataclass(frozen=True)
class County:
    area_code: str
    agencies: list[tuple[str, str]]  # (name, prefix of its incident numbers)
    places: list[str]  # where outreach looks for people
    shelter: str
    out_of_area: str  # where an ineligible person actually lives
    stores: list[str]  # for shoplifting


COUNTIES = {
    "san-juan": County(
        area_code="505",
        agencies=[
            ("Farmington Police Department", "FPD"),
            ("San Juan County Sheriff's Office", "SJSO"),
        ],
        places=[
            "the Walmart parking lot on East Main St, Farmington",
            "the Animas River bottom behind Berg Park",
            "Farmington Public Library",
            "the Red Apple Transit stop at Main and Orchard",
            "the San Juan River bank by the Bloomfield bridge",
            "the laundromat on Aztec Blvd, Aztec",
            "the Shiprock flea market",
            "the soup kitchen on Main St, Farmington",
        ],
        shelter="the overnight shelter in Farmington",
        out_of_area="Cortez, Colorado",
        stores=["Walmart on East Main St, Farmington", "Family Dollar in Bloomfield"],
    ),
    "taos": County(
        area_code="575",
        agencies=[("Taos Police Department", "TPD"), ("Taos County Sheriff's Office", "TCSO")],
        places=[
            "the Walmart parking lot on Paseo del Pueblo Sur",
            "Taos Public Library",
            "Kit Carson Park",
            "Taos Plaza",
            "the Chile Line bus stop at the Plaza",
            "the Río Pueblo bottom below Ranchos de Taos",
            "the rest area by the Rio Grande Gorge Bridge",
            "the gas station at the Blinking Light, El Prado",
        ],
        shelter="the Taos overnight shelter",
        out_of_area="Alamosa, Colorado",
        stores=["Smith's on Paseo del Pueblo Sur", "Walmart on Paseo del Pueblo Sur"],
    ),
    "bernalillo": County(
        area_code="505",
        agencies=[
            ("Albuquerque Police Department", "APD"),
            ("Bernalillo County Sheriff's Office", "BCSO"),
        ],
        places=[
            "Alvarado Transportation Center",
            "the Main Library on Copper Ave NW",
            "the Rio Grande bosque near the Central Ave bridge",
            "the Walmart parking lot on San Mateo Blvd NE",
            "the ART stop at Central and San Pedro",
            "the Gateway Center on Gibson Blvd",
            "Walgreens at Central and Louisiana",
            "the meal site in Barelas",
        ],
        shelter="the Westside Emergency Housing Center",
        out_of_area="Gallup (McKinley County)",
        stores=["Walmart on San Mateo Blvd NE", "Walgreens at Central and Louisiana"],
    ),
    "santa-fe": County(
        area_code="505",
        agencies=[
            ("Santa Fe Police Department", "SFPD"),
            ("Santa Fe County Sheriff's Office", "SFSO"),
        ],
        places=[
            "the Santa Fe Railyard",
            "the Santa Fe River trail near Alameda St",
            "the Main Library on Washington Ave",
            "the Walmart parking lot on Cerrillos Rd",
            "Santa Fe Plaza",
            "the South Capitol Rail Runner station",
            "the Sheridan Transit Center",
            "the laundromat on Agua Fria St",
        ],
        shelter="the interfaith shelter on Cerrillos Rd",
        out_of_area="Española (Rio Arriba County)",
        stores=["Walmart on Cerrillos Rd", "Albertsons on St Michael's Dr"],
    ),
    "dona-ana": County(
        area_code="575",
        agencies=[
            ("Las Cruces Police Department", "LCPD"),
            ("Doña Ana County Sheriff's Office", "DASO"),
        ],
        places=[
            "Camp Hope on Amador Ave",
            "Thomas Branigan Memorial Library",
            "the Rio Grande bottom near the Picacho Ave bridge",
            "the Walmart parking lot on Valley Dr",
            "the RoadRUNNER Transit center downtown",
            "Apodaca Park",
            "the truck stop on I-10 in Anthony",
            "Mesilla Plaza",
        ],
        shelter="the Community of Hope day centre",
        out_of_area="El Paso, Texas",
        stores=["Walmart on Valley Dr", "Dollar General in Anthony"],
    ),
    "lea": County(
        area_code="575",
        agencies=[("Hobbs Police Department", "HPD"), ("Lea County Sheriff's Office", "LCSO")],
        places=[
            "the Walmart parking lot on Joe Harvey Blvd, Hobbs",
            "Hobbs Public Library",
            "Harry McAdams Park",
            "the truck stop on Marland Blvd, Hobbs",
            "Lovington Public Library",
            "an oil-field man camp outside Jal",
            "the laundromat in Eunice",
            "the bus stop on Turner St, Hobbs",
        ],
        shelter="the church shelter on Turner St, Hobbs",
        out_of_area="Seminole, Texas",
        stores=["Walmart on Joe Harvey Blvd", "Family Dollar in Lovington"],
    ),
}
DEFAULT_COUNTY = County(
    area_code="505",
    agencies=[("City Police Department", "PD"), ("County Sheriff's Office", "SO")],
    places=[
        "the public library",
        "the bus station",
        "the Walmart parking lot",
        "the river bottom",
        "the city park",
    ],
    shelter="the county shelter",
    out_of_area="a neighbouring state",
    stores=["Walmart", "Family Dollar"],
)

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


@contextmanager
def _clock(moment: datetime) -> Iterator[None]:
    """Let the services believe it is ``moment`` (see the module docstring)."""
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


# -- The generator -------------------------------------------------------------------------------


class _SiteSeeder:
    def __init__(self, *, site: Site, officer: User, case_manager: User, rng: random.Random):
        self.site, self.officer, self.cm, self.rng = site, officer, case_manager, rng
        self.county = COUNTIES.get(site.slug, DEFAULT_COUNTY)
        self.now = timezone.now()
        self.limit = self.now - timedelta(minutes=10)  # nothing happens after this
        self.today = timezone.localdate(self.now)
        self.deadline = site.intake_deadline_days
        self.used_names: set[str] = set()  # no two people of a site share a first or last name
        self.people: dict[str, Person] = {}
        self.items = list(EligibilityItem.objects.filter(site=site, retired_at__isnull=True))

    # People ----------------------------------------------------------------------------------

    def person(self, scenario: Scenario) -> Person:
        rng = self.rng
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
        name = self.rng.choice([n for n in names if n not in self.used_names] or names)
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
            age=age + self.rng.choice([-2, -1, 1, 2]),
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
        with _clock(at):
            referral, _created = services.referral_submit(
                site=self.site,
                pathway=scenario.pathway,
                data=data,
                by=by,
                idempotency_key=demo_key(self.site, scenario.key),
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
            email = f"{_ascii(first)}.{_ascii(name.rsplit(' ', 1)[1])}@example.com".lower()
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
        with _clock(t):
            referral = services.referral_screen(
                referral=referral, answers=self.answers(scenario), by=cm
            )
            if scenario.assigned:
                referral = services.referral_assign(referral=referral, assignee=cm, by=cm)
        if status == Status.SCREENING:
            return referral
        t = self.later(t, 0.2, 2)
        if status == Status.WITHDRAWN and scenario.pathway == AD:
            with _clock(self.later(t, 24, 96)):
                return services.referral_close(
                    referral=referral,
                    outcome=Status.WITHDRAWN,
                    note="Referring officer withdrew: booked on an outstanding felony warrant "
                    "from another county.",
                    by=cm,
                )
        with _clock(t):
            if status == Status.INELIGIBLE:
                return services.referral_decide(
                    referral=referral,
                    decision=Decision.INELIGIBLE,
                    reason=self.ineligible_reason(scenario, words),
                    by=cm,
                )
            referral = services.referral_decide(
                referral=referral,
                decision=Decision.ELIGIBLE,
                reason=rng.choice(ELIGIBLE_REASONS),
                by=cm,
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
        for index, moment in enumerate(moments):
            result = Result.FOUND if found and index == count - 1 else None
            self.attempt(referral, moment, person, result)
        referral = Referral.objects.get(pk=referral.pk, site=self.site)
        end = max(end, (moments[-1] if moments else t) + timedelta(minutes=20))
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

    def attempt(self, referral, moment: datetime, person: Person, result: str | None) -> None:
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
        with _clock(self.later(moment, 0.2, 3)):
            services.locate_attempt_record(
                referral=referral,
                by=self.cm,
                attempted_at=moment,
                place=place,
                method=method,
                result=result,
                note=note.format(place=place, other=other, **words),
                recorded_at=self.later(moment, 0.1, 0.2),
            )

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
            # Intake through the participants' service: a participant with a profile and
            # needs, the referral enrolled. (participants.demo builds on this module, so it is
            # imported here rather than at the top.)
            from participants.demo import referral_enrol

            referral = referral_enrol(referral=referral, by=cm, at=end, rng=self.rng)
        with _clock(end):
            if status in notes:
                referral = services.referral_close(
                    referral=referral, outcome=status, note=notes[status].format(**words), by=cm
                )
        # The prosecutor hears of arrest diversions: intake in time, or the deadline missed.
        if scenario.pathway == AD and status in {Status.ENROLLED, Status.UNABLE_TO_LOCATE}:
            outcome = (
                ProsecutorOutcome.DO_NOT_FILE
                if status == Status.ENROLLED
                else ProsecutorOutcome.FORWARDED
            )
            with _clock(self.later(end, 2, 26)):
                referral = services.prosecutor_outcome_record(
                    referral=referral, outcome=outcome, by=cm
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


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().replace(" ", "")


def _variant_spelling(surname: str) -> str:
    """How someone else might write the name: no accents, a dropped or doubled letter."""
    plain = _ascii(surname)
    if plain != surname:
        return plain
    for old, new in (("ae", "e"), ("ie", "i"), ("ay", "aye"), ("ll", "l"), ("z", "s"), ("v", "b")):
        if old in plain:
            return plain.replace(old, new, 1)
    return plain


# -- Entry points ----------------------------------------------------------------------------


def seed_referrals(
    *, site: Site, officer: User, case_manager: User, rng: random.Random
) -> list[Referral]:
    """Create the site's demo referrals; none if the site already has them (idempotent).

    Call inside ``django_scopes.scope(site=site)`` and a transaction. Returns what it created.
    """
    if demo_referrals_exist(site=site):
        return []
    seeder = _SiteSeeder(site=site, officer=officer, case_manager=case_manager, rng=rng)
    plans = []
    # The people first (the originals before their look-alikes), then the referrals in the
    # order they came in, so that the numbers follow the dates.
    for scenario in sorted(SCENARIOS, key=lambda s: bool(s.duplicate_of)):
        if site.pathway_enabled(scenario.pathway):
            person = seeder.person(scenario)
            seeder.people[scenario.key] = person
            plans.append((seeder.submitted_at(scenario), scenario, person))
    plans.sort(key=lambda plan: plan[0])
    return [seeder.seed(scenario, person, at) for at, scenario, person in plans]


def notifications_backdate(*, site: Site, referrals: list[Referral]) -> int:
    """Date the new-referral notifications (sent on commit, i.e. now) to when each referral came
    in, and mark them read once someone has worked the referral. Returns how many were changed.
    """
    changed = 0
    for referral in referrals:
        read = None if referral.status == Status.NEW else referral.submitted_at + timedelta(hours=1)
        changed += Notification.objects.filter(
            site=site, link__endswith=f"/referrals/{referral.uuid}/"
        ).update(created_at=referral.submitted_at + timedelta(minutes=1), read_at=read)
    return changed
