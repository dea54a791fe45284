"""Demo participants for one site: a caseload a case manager can work in the browser.

``seed_participants`` (after ``lead.demo.referrals``) gives a site twelve participants on its demo
case manager's caseload: the enrolled demo referrals (enrolled through the intake service by
``referral_enrol`` below, which the referrals pass on) and ten walk-ins enrolled over the last
months. Each has:

- a profile that fits the county (OMB race and ethnicity, primary language: English, Spanish,
  Navajo, Tiwa..., housing status, veteran status, health coverage) and an intake assessment of
  every life domain, with notes where there is a need;
- one to three consents (releases of information): the county detention center's medical unit,
  an opioid treatment programme, the public defender, a clinic, coordinated entry, family; at
  every site one has been revoked and one has expired;
- Individual Intervention Plan goals in the participant's words (in Spanish for some Spanish
  speakers), from their higher needs, with statuses and progress notes;
- 3 to 15 contacts since enrolment, reached or attempted, with services and referrals made, some
  with addenda; two participants were seen in the last 24 hours, so their notes are still
  editable by the case manager;
- tasks: some overdue, some due this week, some done; and two for the site's outreach van.

One or two participants per site are inactive (no successful contact for longer than the site's
inactivity threshold; attempts since), and at Bernalillo one record is restricted to the
programme manager and the case manager.

Everything goes through the services (``participants.services``, ``casenotes.services``), so
case numbers, change history and caseload checks are real; each call passes ``at=``, the moment
it happened, so rows and their history are dated in the past alike.

Reproducible: the walk-ins' communities are allotted in the county's shares
(``lead.demo.people.backgrounds``), and each person is drawn from a generator seeded with the site
and their place in the list, so the same people come back whatever the date; only when things
happened moves with today. Every person, phone number and e-mail address is fictional (phones in
the 555-01xx range, e-mail at example.com).

Idempotent: a site that has its demo walk-ins (``demo_participants_exist``) is left alone.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from casenotes.models import Contact, ContactLocation, ContactType, Service, Task
from casenotes.services import addendum_add, contact_record, task_add, task_set_done
from lead.demo.people import (
    COUNTIES,
    DEFAULT_COUNTY,
    FIRST_NAMES,
    NICKNAMES,
    STREET_NAMES,
    SURNAMES,
    Person,
    ascii_name,
    backgrounds,
)
from lead.demo.referrals import demo_key
from lead.models import User
from participants.models import (
    Consent,
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
from participants.services import (
    CASELOAD_LIMIT,
    caseload_size,
    consent_record,
    consent_revoke,
    goal_add,
    goal_update,
    intake_complete,
    participant_restrict,
)
from referrals.models import Referral, Status
from sites.models import Site

PARTICIPANTS_PER_SITE = 12
RESTRICTED_SITE = "bernalillo"  # the one site with a restricted demo record
ENROLLED_SCENARIOS = ("enrolled-ad", "enrolled-sc")  # lead.demo.referrals' enrolled ones

L = NeedAssessment.Level
H = HousingStatus
R = RaceEthnicity
D = Domain
G = PlanGoal.Status
CT, CL, S = ContactType, ContactLocation, Service

# One step of a participant's casework, run at its moment (``at=`` of the service it calls),
# and how the casework plans one: ``step(moment, action)``.
Action = Callable[[datetime], object]
Step = Callable[[datetime, Action], None]


def demo_participants_exist(*, site: Site, case_manager: User) -> bool:
    """Whether the site has its demo walk-ins: participants on the demo case manager's caseload
    who came without a referral. (The demo referrals carry fixed idempotency keys; a participant
    has no such key, and the intake service, rightly, chooses its UUID.)"""
    return Participant.objects.filter(
        site=site, case_manager=case_manager, referral__isnull=True
    ).exists()


# -- Partners of each county ----------------------------------------------------------------


@dataclass(frozen=True)
class Partners:
    jail: str  # the county detention center (its medical unit continues MOUD)
    moud: str  # an opioid treatment programme or buprenorphine clinic
    defender: str  # the district office of the Law Offices of the Public Defender
    clinic: str  # primary care
    housing: str  # coordinated entry


def _defender(city: str, district: str) -> str:
    return f"Law Offices of the Public Defender, {city} ({district} Judicial District)"


PARTNERS = {
    "san-juan": Partners(
        jail="San Juan County Adult Detention Center",
        moud="Four Corners opioid treatment program, Farmington",
        defender=_defender("Farmington", "11th"),
        clinic="Northern Navajo Medical Center, Shiprock (IHS)",
        housing="San Juan County coordinated entry",
    ),
    "taos": Partners(
        jail="Taos County Adult Detention Center",
        moud="Taos buprenorphine clinic, Paseo del Pueblo Sur",
        defender=_defender("Taos", "8th"),
        clinic="Taos community health center",
        housing="Taos County coordinated entry",
    ),
    "bernalillo": Partners(
        jail="Metropolitan Detention Center (MDC)",
        moud="Albuquerque opioid treatment program, Central Ave",
        defender=_defender("Albuquerque", "2nd"),
        clinic="South Valley community health center",
        housing="Albuquerque coordinated entry (Gateway Center)",
    ),
    "santa-fe": Partners(
        jail="Santa Fe County Adult Detention Facility",
        moud="Santa Fe opioid treatment program, Cerrillos Rd",
        defender=_defender("Santa Fe", "1st"),
        clinic="Santa Fe community health center",
        housing="Santa Fe coordinated entry",
    ),
    "dona-ana": Partners(
        jail="Doña Ana County Detention Center",
        moud="Las Cruces opioid treatment program",
        defender=_defender("Las Cruces", "3rd"),
        clinic="Las Cruces community health center",
        housing="Doña Ana County coordinated entry (Community of Hope)",
    ),
    "lea": Partners(
        jail="Lea County Detention Center",
        moud="Hobbs buprenorphine clinic",
        defender=_defender("Hobbs", "5th"),
        clinic="Hobbs community health center",
        housing="Lea County coordinated entry",
    ),
}


def _partners(site: Site) -> Partners:
    return PARTNERS.get(site.slug) or Partners(
        jail=f"{site.county or site.name} detention center",
        moud="the opioid treatment program",
        defender="the public defender's office",
        clinic="the community health center",
        housing="coordinated entry",
    )


# -- Words -----------------------------------------------------------------------------------

# The languages people speak at home besides English, by surname pool and site.
OTHER_LANGUAGE = {
    ("hispanic_north", ""): ("Spanish", 0.3),
    ("hispanic_south", ""): ("Spanish", 0.35),
    ("navajo", ""): ("Navajo", 0.35),
    ("pueblo", "taos"): ("Tiwa", 0.25),
    ("pueblo", "santa-fe"): ("Tewa", 0.25),
    ("pueblo", "bernalillo"): ("Keres", 0.25),
}
NEED_LEVELS = {
    # domain: weights of (high, some, none, unknown); housing follows the housing status
    D.SUBSTANCE_USE: (70, 30, 0, 0),
    D.MENTAL_HEALTH: (30, 40, 15, 15),
    D.PHYSICAL_HEALTH: (25, 45, 25, 5),
    D.INCOME: (45, 35, 15, 5),
    D.ID_DOCUMENTS: (40, 15, 40, 5),
    D.LEGAL: (30, 40, 25, 5),
    D.EDUCATION_EMPLOYMENT: (15, 40, 30, 15),
    D.FAMILY: (15, 35, 25, 25),
}
HOUSING_NEED = {
    H.UNSHELTERED: L.HIGH,
    H.SHELTER: L.HIGH,
    H.DOUBLED_UP: L.SOME,
    H.TRANSITIONAL: L.SOME,
    H.INSTITUTION: L.SOME,
    H.HOUSED: L.NONE,
    H.UNKNOWN: L.UNKNOWN,
}
HOUSING_NOTES = {
    H.UNSHELTERED: [
        "Sleeps at {place}; not on any housing list yet.",
        "Sleeps in {his} car with {his} dog; the car needs registration.",
        "Camps by the river; {his} tent was stolen twice this year.",
    ],
    H.SHELTER: [
        "In and out of {shelter}; wants a place of {his} own.",
        "Stays at {shelter}; has to be out every morning at seven.",
    ],
    H.DOUBLED_UP: [
        "Staying on a friend's couch; can stay a few more weeks.",
        "Lives with {his} aunt; the house is crowded and the aunt wants {him} out if {he} "
        "keeps using.",
    ],
    H.TRANSITIONAL: ["Transitional bed until the end of the month; needs a next step."],
    H.INSTITUTION: [
        "In residential treatment for two more weeks; nowhere to go after.",
        "In the hospital after a fall; will be discharged to the street unless we find a bed.",
    ],
}
NEED_NOTES = {
    D.SUBSTANCE_USE: {
        L.HIGH: [
            "Smokes fentanyl daily; two overdoses this year (naloxone both times).",
            "Daily methamphetamine and some fentanyl; hardly sleeping.",
            "Drinks most of the day; has had withdrawal seizures, so detox needs medical care.",
            "Injects heroin and meth; interested in buprenorphine.",
        ],
        L.SOME: [
            "Uses meth on weekends; says it is under control but wants to cut down.",
            "On methadone but missing doses since losing {his} ride to the clinic.",
            "Stopped fentanyl in jail; worried about overdose now that {his} tolerance is low.",
        ],
    },
    D.MENTAL_HEALTH: {
        L.HIGH: [
            "PTSD (army, and a violent relationship); panic attacks in crowds.",
            "Hears voices when not sleeping; was on medication years ago.",
        ],
        L.SOME: [
            "Low mood since {his} mother died; not sleeping well.",
            "Anxious; prefers to meet outside, one to one.",
        ],
    },
    D.PHYSICAL_HEALTH: {
        L.HIGH: [
            "Abscess on the forearm, untreated; diabetic and out of insulin.",
            "Hepatitis C, never treated; bad teeth, eats little.",
        ],
        L.SOME: [
            "Old leg injury, walks in pain; needs new glasses.",
            "High blood pressure; has not seen a doctor in years.",
        ],
    },
    D.INCOME: {
        L.HIGH: [
            "No income; SNAP stopped when {he} missed the recertification.",
            "Lost {his} job at the car wash; no benefits.",
        ],
        L.SOME: ["SSI applied for last year, still pending; some day labor.", "SNAP only."],
    },
    D.ID_DOCUMENTS: {
        L.HIGH: [
            "No ID at all (wallet stolen); needs a birth certificate first.",
            "ID expired; birth certificate is with family out of state.",
        ],
        L.SOME: ["Has a tribal ID but no state ID.", "Has only a Social Security card."],
    },
    D.LEGAL: {
        L.HIGH: [
            "Bench warrant in magistrate court for a missed date; afraid to go.",
            "Pending shoplifting case and unpaid fines; license suspended.",
        ],
        L.SOME: [
            "Old fines; license suspended for non-payment.",
            "On unsupervised probation until spring.",
        ],
    },
    D.EDUCATION_EMPLOYMENT: {
        L.HIGH: ["Wants to work but has no ID, no phone and no address for applications."],
        L.SOME: [
            "Worked in the oil field and construction; CDL lapsed.",
            "Left school in tenth grade; interested in the GED.",
        ],
    },
    D.FAMILY: {
        L.HIGH: [
            "Children in CYFD custody; wants visits.",
            "No contact with family for years; would like to call {his} mother.",
        ],
        L.SOME: [
            "Sister helps sometimes; they argue when {he} uses.",
            "Has a daughter in town; sees her at church some Sundays.",
        ],
    },
}


@dataclass(frozen=True)
class Goal:
    """A goal as the participant put it (in Spanish too, for some), its steps and its end."""

    english: str
    spanish: str | None
    progress: tuple[str, str]
    achieved: str


GOALS = {
    D.HOUSING: [
        Goal(
            "I want my own place, even just a room, with a door I can lock.",
            "Quiero mi propio lugar, aunque sea un cuarto con una puerta que cierre.",
            (
                "Coordinated-entry assessment done; on the list.",
                "Saw a room on the east side with the housing navigator; waiting on the landlord.",
            ),
            "Moved into {his} room on the first of the month. Brought a welcome box.",
        ),
        Goal(
            "Get off the street before winter.",
            "Salir de la calle antes del invierno.",
            ("Has a bed at {shelter} most nights now.", "On the list for transitional housing."),
            "Moved into transitional housing.",
        ),
        Goal(
            "Get into the sober-living house.",
            None,
            (
                "Applied to the sober-living house; interview next week.",
                "Interview went well; waiting for a bed.",
            ),
            "Moved into the sober-living house.",
        ),
    ],
    D.SUBSTANCE_USE: [
        Goal(
            "Get on Suboxone so I'm not dope sick every morning.",
            "Empezar Suboxone para no andar malo cada mañana.",
            (
                "Intake done at the MOUD clinic; started buprenorphine.",
                "Missed two doses after {his} phone was stolen; back on track.",
            ),
            "Three months on buprenorphine, no overdoses. Proud of it.",
        ),
        Goal(
            "Cut down on the meth so I can sleep at night.",
            "Bajarle al cristal para poder dormir en la noche.",
            (
                "Using every other day instead of every day, {he} says.",
                "Sleeping at the shelter more nights; using less.",
            ),
            "Says {he} is down to weekends and sleeps most nights.",
        ),
        Goal(
            "Not die from fentanyl. Keep Narcan on me and don't use alone.",
            None,
            (
                "Carries naloxone and test strips.",
                "Used {his} naloxone on a friend last week; restocked.",
            ),
            "No overdoses in three months; always carries naloxone.",
        ),
        Goal(
            "Go to detox and then treatment, for real this time.",
            "Ir a desintoxicación y luego a tratamiento, esta vez en serio.",
            (
                "On the waiting list for medically supervised detox.",
                "Finished detox; waiting for a residential treatment bed.",
            ),
            "Finished 30 days of residential treatment.",
        ),
    ],
    D.MENTAL_HEALTH: [
        Goal(
            "Talk to somebody about my nerves, one on one, not a group.",
            "Hablar con alguien de mis nervios, a solas, no en grupo.",
            ("Met the counselor once; will go back.", "Second session; went on {his} own."),
            "Sees the counselor every other week and says it helps.",
        ),
        Goal(
            "Get back on my meds so the voices calm down.",
            None,
            (
                "Psychiatry appointment booked at the clinic.",
                "Restarted medication; sleeps better.",
            ),
            "Two months on medication; the voices are quieter.",
        ),
    ],
    D.PHYSICAL_HEALTH: [
        Goal(
            "Get my arm looked at before it gets worse.",
            None,
            (
                "Urgent care treated the abscess; ten days of antibiotics.",
                "Dressing changed at the clinic; healing.",
            ),
            "The arm has healed.",
        ),
        Goal(
            "Get my teeth fixed so I can eat right.",
            "Arreglarme los dientes para poder comer bien.",
            (
                "Dental appointment booked at the community clinic.",
                "Two extractions done; dentures ordered.",
            ),
            "Has {his} dentures and is eating better.",
        ),
        Goal(
            "Get treated for the hep C.",
            None,
            ("Blood work done at the clinic.", "Started the hep C pills."),
            "Finished hep C treatment: cured.",
        ),
    ],
    D.INCOME: [
        Goal(
            "Get my SNAP back on.",
            "Volver a tener mis estampillas (SNAP).",
            (
                "SNAP interview done by phone.",
                "HSD asked for proof of address; sent the office letter.",
            ),
            "SNAP card arrived; benefits active again.",
        ),
        Goal(
            "Apply for SSI for my back.",
            None,
            (
                "SSI application started with the benefits advocate.",
                "Medical records requested for the SSI claim.",
            ),
            "SSI approved; first payment next month.",
        ),
        Goal(
            "Have a little money of my own every month.",
            "Tener mi propio dinerito cada mes.",
            ("Day work two days a week.", "Opened a bank account with the new ID."),
            "Steady part-time pay every two weeks.",
        ),
    ],
    D.ID_DOCUMENTS: [
        Goal(
            "Get my ID back so I can cash checks and get into places.",
            "Sacar mi identificación para cambiar cheques y poder entrar a los lugares.",
            (
                "Ordered the birth certificate from Vital Records.",
                "Birth certificate arrived; MVD appointment booked.",
            ),
            "State ID card in hand.",
        ),
        Goal(
            "Get my birth certificate and my Social Security card.",
            "Conseguir mi acta de nacimiento y mi tarjeta del Seguro Social.",
            ("Birth certificate ordered.", "Applied for the Social Security card at the SSA."),
            "Has both documents; copies kept at the office.",
        ),
    ],
    D.LEGAL: [
        Goal(
            "Take care of my warrant so I stop looking over my shoulder.",
            "Arreglar mi orden de arresto para dejar de andar con miedo.",
            (
                "Public defender assigned; court date set.",
                "Went to court together; the judge noted LEAD participation.",
            ),
            "Warrant quashed; the case was dismissed.",
        ),
        Goal(
            "Pay my fines on a plan and get my license back.",
            None,
            ("Payment plan agreed at magistrate court.", "Three payments made."),
            "Fines paid; license reinstated.",
        ),
    ],
    D.EDUCATION_EMPLOYMENT: [
        Goal(
            "Get my CDL back and work again.",
            None,
            ("DOT medical exam booked.", "Studying for the CDL knowledge test at the library."),
            "CDL reinstated; driving for a water hauler.",
        ),
        Goal(
            "Find day work, a few days a week.",
            "Encontrar trabajo por día, unos días a la semana.",
            ("Signed up at the labor hall.", "Two days of day work this week."),
            "Works three days a week with a roofing crew.",
        ),
        Goal(
            "Finish my GED.",
            None,
            ("Enrolled in the GED class at the community college.", "Passed the math test."),
            "Passed all four GED tests.",
        ),
    ],
    D.FAMILY: [
        Goal(
            "See my kids again, even if it's supervised.",
            "Ver a mis hijos otra vez, aunque sea con supervisión.",
            ("Wrote to the CYFD caseworker.", "CYFD caseworker agreed to a visit plan."),
            "First supervised visit with the kids went well.",
        ),
        Goal(
            "Call my mom and tell her I'm okay.",
            "Llamarle a mi mamá y decirle que estoy bien.",
            (
                "Found {his} mother's number through a cousin.",
                "Called {his} mother from the office phone.",
            ),
            "Talks with {his} mother every Sunday now.",
        ),
    ],
}
NATIVE_ID_GOAL = Goal(
    "Get my CIB and a state ID card.",
    None,
    (
        "Asked the tribal enrollment office for a copy of the CIB.",
        "CIB arrived; MVD appointment booked.",
    ),
    "State ID card in hand.",
)
CHANGED_NOTE = "{first} wants to put this aside for now and work on {other} first."


@dataclass(frozen=True)
class Visit:
    """A contact note that reached the person."""

    domain: str | None
    services: tuple[str, ...]
    type: str
    location: str
    narrative: str
    referral: str = ""
    minutes: tuple[int, int] = (20, 60)
    consent: str = ""  # only for participants with this consent (a ConsentKind key)
    once: bool = False  # a step that is not repeated


VISITS = [
    # Steps that happen once; the deck draws them only in its first round.
    Visit(
        D.SUBSTANCE_USE,
        (S.MOUD, S.TRANSPORTATION),
        CT.ACCOMPANIMENT,
        CL.OTHER,
        "Drove {first} to {moud} for intake; started buprenorphine. Already feels less sick. "
        "Next appointment in a week.",
        "{moud}",
        (90, 180),
        once=True,
    ),
    Visit(
        D.SUBSTANCE_USE,
        (S.DETOX, S.TRANSPORTATION),
        CT.ACCOMPANIMENT,
        CL.OTHER,
        "{first} asked for detox after a hard weekend. A bed was open this morning; drove "
        "{him} there and stayed through check-in.",
        "Medically supervised detox",
        (60, 150),
        once=True,
    ),
    Visit(
        D.SUBSTANCE_USE,
        (S.MOUD, S.MEDICAL),
        CT.IN_PERSON,
        CL.JAIL,
        "Visited {first} at {jail} (booked on an old warrant). The medical unit is continuing "
        "{his} buprenorphine under the consent on file. Expects release Friday; will pick "
        "{him} up.",
        consent="jail",
        once=True,
    ),
    Visit(
        D.SUBSTANCE_USE,
        (S.HARM_REDUCTION, S.MEDICAL),
        CT.IN_PERSON,
        CL.HOSPITAL,
        "Visited at the hospital after an overdose (a friend gave naloxone). Talked about "
        "MOUD; {he} is willing to try.",
        "{moud}",
        once=True,
    ),
    Visit(
        D.HOUSING,
        (S.HOUSING,),
        CT.IN_PERSON,
        CL.SHELTER,
        "Met at {shelter}. Did the coordinated-entry assessment together; talked about what "
        "kind of place {he} wants and where.",
        "{housing}",
        (45, 75),
        once=True,
    ),
    Visit(
        D.ID_DOCUMENTS,
        (S.ID_DOCUMENTS, S.TRANSPORTATION),
        CT.ACCOMPANIMENT,
        CL.OTHER,
        "MVD with {first}: they need the birth certificate first. Ordered it from Vital Records "
        "together; fee paid from flexible funds.",
        "",
        (60, 150),
        once=True,
    ),
    Visit(
        D.LEGAL,
        (S.LEGAL, S.TRANSPORTATION),
        CT.ACCOMPANIMENT,
        CL.OTHER,
        "Magistrate court with {first} about the warrant: the judge set a new date and noted "
        "LEAD. A public defender is assigned.",
        "{defender}",
        (90, 200),
        once=True,
    ),
    Visit(
        D.PHYSICAL_HEALTH,
        (S.MEDICAL, S.TRANSPORTATION),
        CT.ACCOMPANIMENT,
        CL.HOSPITAL,
        "Took {him} to urgent care for the abscess on {his} arm; antibiotics started. Will "
        "check the dressing on Friday.",
        "{clinic}",
        (90, 180),
        once=True,
    ),
    # Everyday work on a goal.
    Visit(
        D.SUBSTANCE_USE,
        (S.HARM_REDUCTION,),
        CT.IN_PERSON,
        CL.STREET,
        "Met at {place}. Brought naloxone, fentanyl test strips and sterile supplies. Talked "
        "about not using alone; {he} has a friend who checks on {him}.",
    ),
    Visit(
        D.HOUSING,
        (S.HOUSING, S.TRANSPORTATION),
        CT.ACCOMPANIMENT,
        CL.OTHER,
        "Went with {him} to see a room; the landlord wants proof of income. Will bring the "
        "benefits letter next time.",
    ),
    Visit(
        D.HOUSING,
        (S.HOUSING,),
        CT.PHONE,
        CL.OTHER,
        "Called the housing navigator with {first} on speaker: still on the list, nothing "
        "open this month. Talked about staying safe in the meantime.",
        "",
        (10, 20),
    ),
    Visit(
        D.INCOME,
        (S.BENEFITS,),
        CT.IN_PERSON,
        CL.OFFICE,
        "Helped {him} call HSD about SNAP; recertification interview done by phone. Benefits "
        "should restart within 30 days.",
    ),
    Visit(
        D.ID_DOCUMENTS,
        (S.ID_DOCUMENTS,),
        CT.IN_PERSON,
        CL.OFFICE,
        "Went through which documents are still missing; copies of what {he} has are in the "
        "office safe now.",
        "",
        (15, 30),
    ),
    Visit(
        D.MENTAL_HEALTH,
        (S.MENTAL_HEALTH,),
        CT.IN_PERSON,
        CL.STREET,
        "{first} was anxious and had not slept; we walked and talked for an hour. Agreed to "
        "see the counselor next week if I go along.",
        "Counseling at {clinic}",
    ),
    Visit(
        D.PHYSICAL_HEALTH,
        (S.MEDICAL,),
        CT.IN_PERSON,
        CL.STREET,
        "Checked in about {his} health at {place}: foot still sore, no fever. Clinic follow-up "
        "booked for next week.",
    ),
    Visit(
        D.LEGAL,
        (S.LEGAL,),
        CT.PHONE,
        CL.OTHER,
        "Court reminder call for tomorrow's hearing; {he} has a ride and knows where to go.",
        "",
        (5, 10),
    ),
    Visit(
        D.FAMILY,
        (),
        CT.IN_PERSON,
        CL.OFFICE,
        "{first} called {his} mother from the office phone. Emotional; wants to call again on "
        "Sunday.",
    ),
    Visit(
        D.EDUCATION_EMPLOYMENT,
        (),
        CT.IN_PERSON,
        CL.OTHER,
        "At the library: worked on the resume together and applied for two jobs online.",
    ),
    # Check-ins.
    Visit(
        None,
        (S.FOOD,),
        CT.IN_PERSON,
        CL.STREET,
        "Check-in at {place}; brought a food box and water. {He} was in good spirits.",
        "",
        (10, 25),
    ),
    Visit(
        None,
        (),
        CT.PHONE,
        CL.OTHER,
        "Phone check-in: doing okay, ate at the meal site today. Wants to talk about work "
        "next time.",
        "",
        (5, 15),
    ),
    Visit(
        None,
        (),
        CT.TEXT,
        CL.OTHER,
        "Texted a reminder about tomorrow's appointment; {he} answered right away.",
        "",
        (2, 5),
    ),
    Visit(
        None,
        (S.TRANSPORTATION,),
        CT.IN_PERSON,
        CL.OFFICE,
        "{first} came by the office for a bus pass and to charge {his} phone. Talked about "
        "the week.",
        "",
        (10, 30),
    ),
    Visit(
        None,
        (),
        CT.IN_PERSON,
        CL.STREET,
        "Found {first} at {place}. Tired but okay; gave {him} socks and a water bottle and "
        "talked about the week.",
        "",
        (10, 30),
    ),
    Visit(
        None,
        (S.FOOD,),
        CT.IN_PERSON,
        CL.SHELTER,
        "Lunch with {first} at {shelter}; talked about what {he} wants to work on next.",
    ),
    Visit(
        None,
        (S.HARM_REDUCTION,),
        CT.IN_PERSON,
        CL.STREET,
        "Dropped off naloxone and test strips at {place}; quick chat, {he} was in a hurry.",
        "",
        (5, 15),
    ),
    Visit(
        None,
        (),
        CT.TEXT,
        CL.OTHER,
        "{first} texted to say {his} phone is back on. Set a time to meet on Monday.",
        "",
        (2, 5),
    ),
    Visit(
        None,
        (S.TRANSPORTATION,),
        CT.ACCOMPANIMENT,
        CL.OTHER,
        "Gave {first} a ride to pick up {his} things from a friend's place; talked on the way.",
        "",
        (30, 60),
    ),
]
# (type, location, narrative) of contacts that did not reach the person
ATTEMPTS = [
    (
        CT.OUTREACH,
        CL.STREET,
        "Looked for {first} at {place}; not there. Regulars saw {him} yesterday.",
    ),
    (
        CT.OUTREACH,
        CL.SHELTER,
        "Checked {shelter}; {he} did not stay last night. Left a note with staff.",
    ),
    (CT.PHONE, CL.OTHER, "Called; phone off. Left a voicemail."),
    (CT.TEXT, CL.OTHER, "Texted about the appointment; no answer yet."),
    (
        CT.COLLATERAL,
        CL.OTHER,
        "Talked with staff at {shelter}: {first} comes in for showers and seems well.",
    ),
]
ADDENDA = [
    "Correction: the appointment is on Thursday, not Tuesday.",
    "Added: {his} sister called afterwards; {he} got back safe.",
    "Correction: the phone number in this note is out of date; the profile has the new one.",
    "Added later: {he} asked us not to leave voicemails at {his} sister's number.",
]
TASKS = {
    D.HOUSING: [
        "Call the housing navigator about the voucher paperwork",
        "Get a proof-of-income letter for the landlord",
    ],
    D.SUBSTANCE_USE: [
        "Ride to the MOUD clinic appointment",
        "Check a detox bed is open before picking them up",
    ],
    D.MENTAL_HEALTH: [
        "Book a first appointment with the counselor",
        "Remind about the psychiatry appointment",
    ],
    D.PHYSICAL_HEALTH: [
        "Check the wound dressing (urgent-care follow-up)",
        "Book the dental appointment at the community clinic",
    ],
    D.INCOME: ["Check with HSD that SNAP is active again", "Fax the SSI forms to the advocate"],
    D.ID_DOCUMENTS: [
        "Pick up the birth certificate at Vital Records",
        "Book the MVD appointment for the ID card",
    ],
    D.LEGAL: [
        "Ask the public defender about the next court date",
        "Court reminder call the day before the hearing",
    ],
    D.EDUCATION_EMPLOYMENT: [
        "Print the resume at the library before the job fair",
        "Ask the labor hall about next week's day work",
    ],
    D.FAMILY: [
        "Help write to the CYFD caseworker about visits",
        "Set up a phone call with the family from the office",
    ],
}
SITE_TASKS = [
    ("Restock naloxone and fentanyl test strips in the outreach van", 2),
    ("Renew the bus-pass order with the transit office", -3),
]


@dataclass(frozen=True)
class ConsentKind:
    key: str
    recipient: str  # a Partners attribute, or "family"
    information: str
    purpose: str
    expiry_event: str = ""  # if blank, a date a year after signing


CONSENTS = [
    ConsentKind(
        "jail",
        "jail",
        "Current MOUD medication and dose, the prescribing clinic, and the date of the last dose.",
        "So that medication for opioid use disorder continues without a break if {first} is "
        "booked into the detention center.",
        "Release from custody or one year after signing, whichever comes first",
    ),
    ConsentKind(
        "moud",
        "moud",
        "Enrollment in LEAD, contact details, appointment dates and attendance.",
        "Coordinate intake and follow-up appointments for buprenorphine or methadone.",
    ),
    ConsentKind(
        "defender",
        "defender",
        "That {first} takes part in LEAD and keeps in touch with a case manager; no health "
        "or substance use information.",
        "Let defense counsel tell the court about LEAD participation in pending cases.",
        "When the pending case is closed",
    ),
    ConsentKind(
        "clinic",
        "clinic",
        "Health needs noted at intake, current medications, and appointment dates.",
        "Coordinate primary care and the follow-up of wounds and chronic conditions.",
    ),
    ConsentKind(
        "housing",
        "housing",
        "Name, date of birth, contact details, housing history and disability status.",
        "Coordinated-entry housing assessment and housing referrals.",
    ),
    ConsentKind(
        "family",
        "family",
        "Whether {first} is safe and still in touch with LEAD; nothing about treatment.",
        "{first} asked for {his} family to be reassured.",
        "When {first} revokes it",
    ),
]
REVOCATION_NOTES = {
    "defender": "{first} has hired a private attorney and asked us to stop sharing with the "
    "public defender.",
    "family": "{first} asked us to stop: they argued and {he} does not want {his} family "
    "told anything for now.",
}


# -- The plan of a site ----------------------------------------------------------------------


@dataclass
class Plan:
    """What a participant's months in LEAD look like."""

    days_enrolled: int = 0  # walk-ins; referrals bring their own date
    inactive: bool = False
    recent: bool = False  # seen in the last 24 hours (the note is still editable)
    restricted: bool = False
    revoked: bool = False
    expired: bool = False
    overdue: bool = False


@dataclass
class Someone:
    person: Person
    pool: str  # the surname pool (lead.demo.people.SURNAMES)
    called: str = ""  # the name they go by, if not their legal first name
    spanish_goals: bool = False


def _walk_in_plans(rng: random.Random, threshold: int, count: int, restricted: bool) -> list[Plan]:
    """Walk-ins from the longest enrolled to the newest; one or two inactive."""
    inactive = {1} if rng.random() < 0.5 else {1, 3}
    plans = []
    for index in range(count):
        if index in inactive:
            days = threshold + rng.randint(45, 150)
        else:
            # Spread over about eight months, the newest a few days ago.
            top = max(4, 240 - index * 24)
            days = rng.randint(max(3, top - 30), top)
        plans.append(
            Plan(
                days_enrolled=days,
                inactive=index in inactive,
                expired=index == 0,
                revoked=index == 2,
                restricted=restricted and index == 4,
                recent=index == 5,
                overdue=index % 3 == 0 or index in inactive,
            )
        )
    plans[0].days_enrolled = max(plans[0].days_enrolled, 130)  # for a 90-day consent to lapse
    return plans


# -- The generator -------------------------------------------------------------------------------


def _called(person: Person) -> str:
    """The nickname someone goes by (the demo referrals put it first among the aliases)."""
    for formal, nick, _ in NICKNAMES[person.tradition]:
        if person.first == formal and nick in person.aliases:
            return nick
    return ""


class _Seeder:
    def __init__(
        self,
        *,
        site: Site,
        case_manager: User,
        programme_manager: User | None,
        now: datetime,
        rng: random.Random,
    ):
        self.site, self.cm, self.pm, self.now = site, case_manager, programme_manager, now
        # The generator of the person being made: each gets their own (see seed_participants).
        self.rng = rng
        self.county = COUNTIES.get(site.slug, DEFAULT_COUNTY)
        self.partners = _partners(site)
        self.limit = self.now - timedelta(minutes=10)  # nothing happens after this
        self.today = timezone.localdate(self.now)
        self.threshold = site.inactivity_threshold_days
        self.used_names: set[str] = set()
        self.spoken: set[str] = set()  # primary languages so far
        self.pools_left: Counter[str] = Counter()  # walk-ins still to come, by surname pool
        for first, last in Referral.objects.filter(site=site).values_list(
            "first_name", "last_name"
        ):
            self.used_names.update((first, last))
        for first, last in Participant.objects.filter(site=site).values_list(
            "legal_first_name", "legal_last_name"
        ):
            self.used_names.update((first, last))

    # People ------------------------------------------------------------------------------------

    def walk_in(self, pool: str, tradition: str) -> Someone:
        """Someone from the community of ``pool`` (surnames) and ``tradition`` (first names)."""
        rng = self.rng
        last = self._fresh(SURNAMES[pool])
        gender = rng.choice("mf")
        aliases: list[str] = []
        nicknames = [
            n for n in NICKNAMES[tradition] if n[2] == gender and n[0] not in self.used_names
        ]
        if nicknames and rng.random() < 0.25:
            first, nick, _ = rng.choice(nicknames)
            self.used_names.add(first)
            aliases = [nick]
        else:
            first = self._fresh(FIRST_NAMES[tradition][0 if gender == "m" else 1])
            if rng.random() < 0.15:
                aliases = [self._fresh(STREET_NAMES[gender])]
        age = rng.randint(20, 64)
        dob = date(self.today.year - age, rng.randint(1, 12), rng.randint(1, 28))
        person = Person(first=first, last=last, gender=gender, tradition=tradition)
        person.aliases, person.dob = aliases, dob
        return Someone(person, pool, called=_called(person))

    def from_referral(self, referral: Referral) -> Someone:
        """The person of a demo referral: pool and gender from the names the referral
        drew them from."""
        rng = self.rng
        pool = next(
            (name for name, names in SURNAMES.items() if referral.last_name in names), "anglo"
        )
        tradition = {"navajo": "native", "pueblo": "native", "anglo": "anglo"}.get(pool, "hispanic")
        gender = ""
        for formal, nick, sex in NICKNAMES[tradition]:
            if referral.first_name in (formal, nick):
                gender = sex
        men, women = FIRST_NAMES[tradition]
        gender = gender or ("m" if referral.first_name in men else "")
        gender = gender or ("f" if referral.first_name in women else rng.choice("mf"))
        dob = referral.date_of_birth
        if dob is None:
            age = referral.estimated_age or rng.randint(25, 55)
            dob = date(self.today.year - age, rng.randint(1, 12), rng.randint(1, 28))
        person = Person(
            first=referral.first_name or "Unknown",
            last=referral.last_name or "Unknown",
            gender=gender,
            tradition=tradition,
        )
        person.aliases, person.dob = list(referral.aliases), dob
        return Someone(person, pool, called=_called(person))

    def _fresh(self, names: list[str]) -> str:
        name = self.rng.choice([n for n in names if n not in self.used_names] or names)
        self.used_names.add(name)
        return name

    def phone(self) -> str:
        return f"{self.county.area_code}-555-01{self.rng.randint(0, 99):02d}"

    def profile(self, someone: Someone, referral: Referral | None = None) -> dict:
        rng, person = self.rng, someone.person
        preferred = someone.called
        language = referral.language if referral is not None else ""
        if not language or language == "English":
            other, share = OTHER_LANGUAGE.get(
                (someone.pool, ""), OTHER_LANGUAGE.get((someone.pool, self.site.slug), ("", 0))
            )
            # The last walk-in of each community makes sure the site hears its language once.
            last_of_pool = referral is None and self.pools_left[someone.pool] == 0
            share = 1 if other and other not in self.spoken and last_of_pool else share
            language = other if other and rng.random() < share else "English"
        self.spoken.add(language)
        someone.spanish_goals = language == "Spanish" and rng.random() < 0.7
        veteran = rng.choices(
            [YesNoUnknown.NO, YesNoUnknown.YES, YesNoUnknown.UNKNOWN], weights=[80, 8, 12]
        )[0]
        coverage = rng.choices(
            [HealthCoverage.MEDICAID, HealthCoverage.NONE, HealthCoverage.UNKNOWN],
            weights=[65, 20, 15],
        )[0]
        if person.tradition == "native" and rng.random() < 0.5:
            coverage = HealthCoverage.IHS
        if veteran == YesNoUnknown.YES and rng.random() < 0.6:
            coverage = HealthCoverage.VA
        if person.dob and self.today.year - person.dob.year >= 60 and rng.random() < 0.5:
            coverage = HealthCoverage.MEDICARE
        place, other = rng.sample(self.county.places, 2)
        return {
            "legal_first_name": person.first,
            "legal_last_name": person.last,
            "preferred_name": preferred,
            "aliases": [a for a in person.aliases if a != preferred],
            "date_of_birth": person.dob,
            "gender_identity": self.gender(person),
            "race_ethnicity": self.race(someone),
            "primary_language": language,
            "phone": (referral.phone if referral is not None else "")
            or (self.phone() if rng.random() < 0.55 else ""),
            "email": (
                f"{ascii_name(person.first)}.{ascii_name(person.last)}"
                f"{rng.randint(1, 99)}@example.com"
            ).lower()
            if rng.random() < 0.15
            else "",
            "where_to_find": (referral.where_to_find if referral is not None else "")
            or f"Mornings at {place}; afternoons around {other}.",
            "housing_status": rng.choices(
                [H.UNSHELTERED, H.SHELTER, H.DOUBLED_UP, H.TRANSITIONAL, H.HOUSED, H.INSTITUTION],
                weights=[38, 22, 16, 10, 9, 5],
            )[0],
            "veteran": veteran,
            "health_coverage": coverage,
        }

    def gender(self, person: Person) -> str:
        roll = self.rng.random()
        if person.gender == "f":
            return GenderIdentity.TRANS_WOMAN if roll < 0.05 else GenderIdentity.WOMAN
        return GenderIdentity.TRANS_MAN if roll < 0.02 else GenderIdentity.MAN

    def race(self, someone: Someone) -> list[str]:
        """OMB SPD 15 categories (any number) that fit the person's background and county."""
        rng, roll = self.rng, self.rng.random()
        if someone.person.tradition == "hispanic":
            if roll < 0.12:
                return [R.HISPANIC, R.AMERICAN_INDIAN]
            return [R.HISPANIC, R.WHITE] if roll < 0.32 else [R.HISPANIC]
        if someone.person.tradition == "native":
            if someone.pool == "pueblo" and roll < 0.2:
                return [R.AMERICAN_INDIAN, R.HISPANIC]
            return [R.AMERICAN_INDIAN, R.WHITE] if roll < 0.06 else [R.AMERICAN_INDIAN]
        if self.site.slug in {"lea", "dona-ana", "bernalillo"} and roll < 0.12:
            return [R.BLACK]
        if roll < 0.16:
            return [R.WHITE, R.AMERICAN_INDIAN] if rng.random() < 0.5 else [R.DECLINED]
        return [R.WHITE]

    def needs(self, someone: Someone, housing: str) -> dict[str, tuple[str, str]]:
        rng, words = self.rng, self.words(someone)
        needs = {}
        for domain in D.values:
            if domain == D.HOUSING:
                level = HOUSING_NEED[housing]
            else:
                level = rng.choices(
                    [L.HIGH, L.SOME, L.NONE, L.UNKNOWN], weights=NEED_LEVELS[domain]
                )[0]
            if domain == D.HOUSING:
                notes = HOUSING_NOTES.get(housing, [])
            else:
                notes = NEED_NOTES[domain].get(level, [])
            if someone.person.tradition != "native":
                notes = [note for note in notes if "tribal" not in note]
            note = rng.choice(notes).format(**words) if notes else ""
            if level == L.UNKNOWN:
                note = rng.choice(["", "Did not want to talk about it yet."])
            needs[domain] = (level, note)
        return needs

    def words(self, someone: Someone) -> dict[str, str]:
        place = self.rng.choice(self.county.places)
        return someone.person.words | {
            "first": someone.called or someone.person.first,
            "place": place,
            "shelter": self.county.shelter,
            "jail": self.partners.jail,
            "moud": self.partners.moud,
            "defender": self.partners.defender,
            "clinic": self.partners.clinic,
            "housing": self.partners.housing,
        }

    # Times -------------------------------------------------------------------------------------

    def day_moment(self, days_ago: float, *, low: int = 8, high: int = 17) -> datetime:
        """A moment in office hours ``days_ago`` days ago, never later than ``limit``."""
        day = self.today - timedelta(days=int(days_ago))
        moment = timezone.make_aware(
            datetime.combine(day, time(self.rng.randint(low, high - 1), self.rng.randint(0, 59)))
        )
        return min(moment, self.limit - timedelta(minutes=self.rng.randint(30, 180)))

    def recent_moment(self) -> datetime:
        """Earlier in the last day, in waking hours if there were any."""
        for _ in range(20):
            moment = self.now - timedelta(hours=self.rng.uniform(2, 20))
            if 8 <= timezone.localtime(moment).hour < 19:
                return moment
        return moment

    def after(self, moment: datetime, low_hours: float, high_hours: float) -> datetime:
        return min(moment + timedelta(hours=self.rng.uniform(low_hours, high_hours)), self.limit)

    # One participant -------------------------------------------------------------------------

    def enrol(
        self,
        someone: Someone,
        at: datetime,
        *,
        referral: Referral | None = None,
        link: bool = True,
    ) -> Participant:
        """Intake through the service at ``at``, the profile drawn from ``referral`` if any;
        with ``link`` the intake completes that referral."""
        profile = self.profile(someone, referral)
        needs = self.needs(someone, profile["housing_status"])
        by, reason = self.cm, ""
        full = caseload_size(site=self.site, case_manager=self.cm) >= CASELOAD_LIMIT
        if full and self.pm is not None:
            # Generated volume (seed_demo --participants) may have filled the caseload already.
            by, reason = self.pm, "Covering while a new case manager is hired."
        result = intake_complete(
            site=self.site,
            profile=profile,
            needs=needs,
            case_manager=self.cm,
            by=by,
            referral=referral if link else None,
            override_reason=reason,
            at=at,
        )
        return result.participant

    def casework(self, participant: Participant, someone: Someone, plan: Plan) -> None:
        """Consents, plan, contacts and tasks of one participant, each at its moment: the steps
        are collected first, then run in the order they happened, each given its moment."""
        rng, cm = self.rng, self.cm
        words = self.words(someone)
        enrolled = participant.enrolled_at
        steps: list[tuple[datetime, int, Action]] = []

        def step(moment: datetime, action: Action) -> None:
            steps.append((min(max(moment, enrolled), self.limit), len(steps), action))

        needs = dict(participant.needs.values_list("domain", "level"))
        ranked = sorted(
            (d for d, level in needs.items() if level in (L.HIGH, L.SOME)),
            key=lambda d: (needs[d] != L.HIGH, rng.random()),
        )
        domains = ranked[: rng.randint(1, 3)] or [D.SUBSTANCE_USE]
        if D.SUBSTANCE_USE not in domains and rng.random() < 0.5:
            domains.append(D.SUBSTANCE_USE)

        contacts = self.contact_moments(enrolled, plan)
        reached = [moment for moment, ok in contacts if ok and moment > enrolled]

        kinds = self.consent_kinds(plan)
        for kind in kinds:
            self.consent(participant, someone, kind, plan, reached, step)
        for index, domain in enumerate(domains):
            self.goal(participant, someone, domain, index, domains, reached, step)
        deck = self.visits(domains, {kind.key for kind in kinds}, len(contacts))
        for index, (moment, ok) in enumerate(contacts):
            self.contact(participant, moment, ok, index == 0, domains, deck, words, step)
        if plan.restricted and self.pm is not None:
            pm = self.pm
            step(
                enrolled + timedelta(hours=rng.uniform(2, 6)),
                lambda when: participant_restrict(
                    participant=participant, allowed=[pm, cm], by=pm, at=when
                ),
            )
        self.tasks(participant, plan, domains, reached, words, step)

        for moment, _, action in sorted(steps, key=lambda each: each[:2]):
            action(moment)

    def contact_moments(self, enrolled: datetime, plan: Plan) -> list[tuple[datetime, bool]]:
        """(when, reached) of the intake meeting and the contacts since, 3 to 15 in all; the
        last one reached the person, unless they are inactive (attempts since)."""
        rng = self.rng
        days_in = max(1, (self.now - enrolled).days)
        count = min(15, max(3, days_in // 12 + rng.randint(2, 4)))
        if plan.inactive:
            days = min(self.threshold + rng.randint(4, 30), max(days_in - 3, self.threshold + 1))
            last = self.day_moment(days)
        elif plan.recent:
            last = self.recent_moment()
        else:
            last = self.day_moment(rng.randint(1, max(2, min(14, self.threshold // 2))))
        last = max(last, enrolled + timedelta(hours=2))
        attempts: set[int] = set()
        if plan.inactive:  # attempts since, in the last weeks
            since = (self.now - last).days
            attempts = {rng.randint(1, max(1, since - 5)) for _ in range(rng.randint(1, 2))}
            count -= len(attempts)
        span = last - enrolled
        between = []
        for index in range(max(1, count - 2)):
            share = (index + rng.uniform(0.2, 0.8)) / max(1, count - 2)
            moment = enrolled + span * share
            shifted = self.office_hours(moment)
            if enrolled + timedelta(hours=1) < shifted < last - timedelta(hours=1):
                moment = shifted  # in office hours where that stays in between
            between.append(moment)
        contacts = [(enrolled - timedelta(minutes=rng.randint(45, 90)), True)]
        contacts += [(moment, rng.random() > 0.25) for moment in sorted(between)]
        contacts.append((last, True))
        contacts += [(self.day_moment(days), False) for days in sorted(attempts, reverse=True)]
        return contacts

    def visits(self, domains: list[str], consents: set[str], count: int) -> list[Visit]:
        """What the visits were about (``pop()`` the next): the goals' domains and everyday
        check-ins, without repeats while that lasts; one-off steps only in the first round."""
        fitting = [
            v
            for v in VISITS
            if (v.domain is None or v.domain in domains) and v.consent in {"", *consents}
        ]
        deck = self.rng.sample(fitting, len(fitting))
        again = [v for v in fitting if not v.once]
        while len(deck) < count:
            deck = self.rng.sample(again, len(again)) + deck
        return deck

    def office_hours(self, moment: datetime) -> datetime:
        """``moment``, or the same or previous day in office hours if it fell at night."""
        local = timezone.localtime(moment)
        if 8 <= local.hour < 18:
            return moment
        day = local.date() - timedelta(days=1 if local.hour < 8 else 0)
        clock = time(self.rng.randint(9, 16), self.rng.randint(0, 59))
        return min(timezone.make_aware(datetime.combine(day, clock)), self.limit)

    def consent_kinds(self, plan: Plan) -> list[ConsentKind]:
        rng = self.rng
        by_key = {kind.key: kind for kind in CONSENTS}
        first = by_key["moud"] if rng.random() < 0.6 else by_key["jail"]
        kinds = [first, *rng.sample([k for k in CONSENTS if k is not first], rng.randint(0, 2))]
        if plan.revoked and not any(k.key in REVOCATION_NOTES for k in kinds):
            kinds.append(by_key["defender"])
        if plan.expired and not any(k.key in {"clinic", "housing"} for k in kinds):
            kinds.append(by_key["clinic"])
        return kinds

    def consent(self, participant, someone, kind, plan, reached, step: Step) -> None:
        """A consent signed at intake; at most one per participant revoked later."""
        rng, words = self.rng, self.words(someone)
        enrolled = participant.enrolled_at
        signed = timezone.localdate(enrolled)
        expires_on, event = None, kind.expiry_event.format(**words)
        if plan.expired and kind.key in {"clinic", "housing"}:
            expires_on, event = signed + timedelta(days=90), ""  # lapsed
        elif not event:
            expires_on = signed + timedelta(days=365)
        if kind.recipient == "family":
            relative = rng.choice(FIRST_NAMES[someone.person.tradition][1])
            recipient = f"{relative} {someone.person.last} ({rng.choice(['mother', 'sister'])})"
        else:
            recipient = getattr(self.partners, kind.recipient)
        fields = {
            "discloser": f"LEAD {self.site.name} case management",
            "recipient": recipient,
            "information": kind.information.format(**words),
            "purpose": kind.purpose.format(**words),
            "expires_on": expires_on,
            "expiry_event": event,
            "revocation_explained": True,
            "signed_on": signed,
            "signature_method": rng.choice(Consent.SignatureMethod.values),
        }
        box: dict[str, Consent] = {}

        def record(when: datetime) -> None:
            box["consent"] = consent_record(participant=participant, by=self.cm, at=when, **fields)

        step(enrolled + timedelta(minutes=rng.randint(5, 25)), record)
        if plan.revoked and kind.key in REVOCATION_NOTES and reached:
            plan.revoked = False  # one is enough
            note = REVOCATION_NOTES[kind.key].format(**words)
            step(
                reached[len(reached) // 2] + timedelta(minutes=30),
                lambda when: consent_revoke(consent=box["consent"], by=self.cm, note=note, at=when),
            )

    def goal(self, participant, someone, domain, index, domains, reached, step: Step) -> None:
        """A goal set at intake, in the participant's words; progress at later contacts."""
        rng, words = self.rng, self.words(someone)
        enrolled = participant.enrolled_at
        choices = list(GOALS[domain])
        if domain == D.ID_DOCUMENTS and someone.person.tradition == "native":
            choices.append(NATIVE_ID_GOAL)
        chosen = rng.choice(choices)
        text = chosen.spanish if chosen.spanish and someone.spanish_goals else chosen.english
        target = timezone.localdate(enrolled) + timedelta(days=rng.choice([30, 60, 90, 120]))
        later = [m for m in reached if m > enrolled + timedelta(days=2)]
        final = G.NOT_STARTED
        if later:
            long_enough = (self.now - enrolled).days > 45
            final = rng.choices(
                [G.IN_PROGRESS, G.ACHIEVED, G.NOT_STARTED, G.CHANGED],
                weights=[50, 25 if long_enough else 0, 15, 10 if len(domains) > 1 else 0],
            )[0]
        box: dict[str, PlanGoal] = {}

        def add(when: datetime) -> None:
            box["goal"] = goal_add(
                participant=participant,
                by=self.cm,
                at=when,
                domain=domain,
                goal=text,
                status=G.NOT_STARTED,
                target_date=target,
            )

        def update(status: str, note: str) -> Action:
            return lambda when: goal_update(
                goal=box["goal"], by=self.cm, status=status, target_date=target, note=note, at=when
            )

        step(enrolled + timedelta(minutes=30 + index), add)
        if final == G.NOT_STARTED:
            return
        notes = [note.format(**words) for note in chosen.progress]
        moments = sorted(rng.sample(later, min(len(later), 2)))
        step(moments[0] + timedelta(minutes=20), update(G.IN_PROGRESS, notes[0]))
        if final == G.IN_PROGRESS and len(moments) > 1:
            step(moments[1] + timedelta(minutes=20), update(G.IN_PROGRESS, notes[1]))
        elif final == G.ACHIEVED:
            note = chosen.achieved.format(**words)
            step(later[-1] + timedelta(minutes=25), update(final, note))
        elif final == G.CHANGED:
            other = D(next(d for d in domains if d != domain)).label.lower()
            note = CHANGED_NOTE.format(other=other, **words)
            step(later[-1] + timedelta(minutes=25), update(final, note))

    def contact(self, participant, moment, ok, intake, domains, deck, words, step: Step) -> None:
        """One contact note, written up a little after ``moment``; some get an addendum."""
        rng, author = self.rng, self.cm
        if intake:
            goals = " and ".join(str(D(d).label).lower() for d in domains)
            fields = {
                "duration_minutes": rng.choice([60, 75, 90]),
                "contact_type": CT.IN_PERSON,
                "location": CL.OFFICE,
                "successful": True,
                "services": [S.HARM_REDUCTION, S.FOOD] if rng.random() < 0.6 else [S.FOOD],
                "referrals_made": "",
                "narrative": "Intake at the LEAD office: the assessment, the consent forms and "
                "the plan. {first} chose to start with {goals}.".format(goals=goals, **words),
            }
        elif ok:
            visit = deck.pop()
            fields = {
                "duration_minutes": rng.randint(*visit.minutes),
                "contact_type": visit.type,
                "location": visit.location,
                "successful": True,
                "services": list(visit.services),
                "referrals_made": visit.referral.format(**words),
                "narrative": visit.narrative.format(**words),
            }
        else:
            kind, location, narrative = rng.choice(ATTEMPTS)
            if kind == CT.COLLATERAL and self.pm is not None and rng.random() < 0.4:
                kind, location, author = CT.CASE_CONFERENCE, CL.OFFICE, self.pm
                narrative = (
                    "Case conference with {first}'s case manager: what is working, and who "
                    "follows up on housing and the court date."
                )
            fields = {
                "duration_minutes": rng.randint(5, 30),
                "contact_type": kind,
                "location": location,
                "successful": False,
                "services": [],
                "referrals_made": "",
                "narrative": narrative.format(**words),
            }
        written = self.after(moment + timedelta(minutes=fields["duration_minutes"]), 0.2, 2)
        box: dict[str, Contact] = {}

        def record(when: datetime) -> None:
            box["contact"] = contact_record(
                participant=participant, author=author, contacted_at=moment, at=when, **fields
            )

        step(written, record)
        if ok and not intake and moment < self.now - timedelta(days=4) and rng.random() < 0.25:
            text = rng.choice(ADDENDA).format(**words)
            step(
                self.after(written, 24, 72),
                lambda when: addendum_add(contact=box["contact"], by=self.cm, text=text, at=when),
            )

    def tasks(self, participant, plan, domains, reached, words, step: Step) -> None:
        """One due this week; one overdue for some; one done where there is history."""
        rng, cm, site = self.rng, self.cm, self.site
        titles = [title for domain in domains for title in TASKS[domain]]
        titles = ["Drop off a phone charger and a bus pass", *rng.sample(titles, len(titles))]

        def add(title: str, due: date, created: datetime, done: datetime | None = None):
            box: dict[str, Task] = {}

            def create(when: datetime) -> None:
                box["task"] = task_add(
                    site=site,
                    participant=participant,
                    title=title,
                    due_on=due,
                    assignee=cm,
                    by=cm,
                    at=when,
                )

            step(created, create)
            if done is not None:
                step(
                    max(done, created),
                    lambda when: task_set_done(task=box["task"], done=True, by=cm, at=when),
                )

        this_week = self.today + timedelta(days=rng.randint(0, 6))
        if plan.inactive:
            add(
                "Look for {first} at {place} and ask at {shelter}".format(**words),
                this_week,
                self.day_moment(rng.randint(1, 4)),
            )
        else:
            add(titles.pop(), this_week, self.day_moment(rng.randint(1, 4)))
        if plan.overdue:
            late = rng.randint(1, 12)
            title = (
                "Call {his} sister about where {he} is staying".format(**words)
                if plan.inactive
                else titles.pop()
            )
            created = self.day_moment(late + rng.randint(3, 10))
            add(title, self.today - timedelta(days=late), created)
        older = [m for m in reached if m < self.now - timedelta(days=3)]
        if older:
            created = rng.choice(older) + timedelta(minutes=40)
            due = timezone.localdate(created) + timedelta(days=rng.randint(2, 7))
            done = self.after(created, 12, 48)
            add(titles.pop(), due, created, done=done)

    def site_tasks(self) -> None:
        for title, due_in in SITE_TASKS:
            created = self.day_moment(abs(due_in) + 5)
            task_add(
                site=self.site,
                title=title,
                due_on=self.today + timedelta(days=due_in),
                assignee=self.cm,
                by=self.pm or self.cm,
                at=created,
            )


# -- Entry points ----------------------------------------------------------------------------


def referral_enrol(
    *, referral: Referral, by: User, at: datetime, now: datetime, rng: random.Random
) -> Referral:
    """Intake for an enrolled demo referral (``lead.demo.referrals``), at ``at``, through the
    intake service: a participant whose profile and needs follow the referral. Returns the
    referral."""
    seeder = _Seeder(site=referral.site, case_manager=by, programme_manager=None, now=now, rng=rng)
    seeder.enrol(seeder.from_referral(referral), at, referral=referral)
    return Referral.objects.get(pk=referral.pk, site=referral.site)


def seed_participants(
    *, site: Site, case_manager: User, programme_manager: User, now: datetime, seed: str
) -> list[Participant]:
    """Give the site's demo case manager a caseload dated up to ``now`` (see the module
    docstring); nothing if the site has its demo walk-ins already (idempotent). ``seed`` makes
    the draws reproducible.

    Call inside ``django_scopes.scope(site=site)`` and a transaction, after ``seed_referrals``.
    Returns the participants it worked on, the enrolled demo referrals' among them."""
    if demo_participants_exist(site=site, case_manager=case_manager):
        return []
    seeder = _Seeder(
        site=site,
        case_manager=case_manager,
        programme_manager=programme_manager,
        now=now,
        rng=random.Random(seed),
    )
    referred = []
    for key in ENROLLED_SCENARIOS:
        referral = Referral.objects.filter(
            site=site, idempotency_key=demo_key(site, key), status=Status.ENROLLED
        ).first()
        if referral is None:  # the site does not take that pathway
            continue
        seeder.rng = random.Random(f"{seed}:{key}")
        participant = Participant.objects.filter(site=site, referral=referral).first()
        someone = seeder.from_referral(referral)
        if participant is not None:  # as referral_enrol made them
            woman = participant.gender_identity in {
                GenderIdentity.WOMAN,
                GenderIdentity.TRANS_WOMAN,
            }
            someone.person.gender = "f" if woman else "m"
            spanish = participant.primary_language == "Spanish"
            someone.spanish_goals = spanish and seeder.rng.random() < 0.7
        else:
            # Enrolled by an earlier version of the demo, which made no participant: the
            # intake service refuses an enrolled referral, so link it afterwards, a minute on.
            enrolled = referral.closed_at or referral.submitted_at
            participant = seeder.enrol(someone, enrolled, referral=referral, link=False)
            participant.referral = referral
            participant._history_user = case_manager
            participant._history_date = enrolled + timedelta(minutes=1)
            participant.save(update_fields=["referral"])
        referred.append((key, participant, someone))

    count = PARTICIPANTS_PER_SITE - len(referred)
    plans = _walk_in_plans(
        random.Random(f"{seed}:plans"),
        seeder.threshold,
        count,
        restricted=site.slug == RESTRICTED_SITE,
    )
    done = []
    for index, (key, participant, someone) in enumerate(referred):
        seeder.rng = random.Random(f"{seed}:{key}:casework")
        seeder.casework(participant, someone, Plan(recent=index == 0, overdue=index == 1))
        done.append(participant)
    communities = backgrounds(site.slug, count, random.Random(f"{seed}:backgrounds"))
    seeder.pools_left = Counter(pool for pool, _ in communities)
    for index, (plan, (pool, tradition)) in enumerate(zip(plans, communities, strict=True)):
        # Each walk-in from their own generator: who they are never depends on the date.
        seeder.rng = random.Random(f"{seed}:walk-in:{index}")
        seeder.pools_left[pool] -= 1
        someone = seeder.walk_in(pool, tradition)
        participant = seeder.enrol(someone, seeder.day_moment(plan.days_enrolled))
        seeder.casework(participant, someone, plan)
        done.append(participant)
    seeder.rng = random.Random(f"{seed}:site-tasks")
    seeder.site_tasks()
    return done
