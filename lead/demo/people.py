"""The people and places of the demo: names by naming tradition, who lives in each county, and
the agencies, places and shelters outreach knows there. Shared by the demo referrals, the demo
participants and the volume generator. Everything here is fictional."""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass, field
from datetime import date


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


def ascii_name(text: str) -> str:
    """A name as a form without accents or spaces has it (``Córdova`` → ``Cordova``)."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().replace(" ", "")


def backgrounds(slug: str, count: int, rng: random.Random) -> list[tuple[str, str]]:
    """(surname pool, first-name pool) for ``count`` people of a site, in the county's shares.

    Allotted by largest remainders, then shuffled: a site of twelve always has its share of each
    community (a weighted draw could leave Doña Ana with three Hispanic names in twelve).
    """
    shares = SITE_PEOPLE.get(slug, DEFAULT_PEOPLE)
    total = sum(share for share, _, _ in shares)
    exact = [count * share / total for share, _, _ in shares]
    allotted = [int(x) for x in exact]
    by_remainder = sorted(range(len(shares)), key=lambda i: allotted[i] - exact[i])
    for i in by_remainder[: count - sum(allotted)]:
        allotted[i] += 1
    people = [
        (pool, tradition)
        for (_, pool, tradition), n in zip(shares, allotted, strict=True)
        for _ in range(n)
    ]
    rng.shuffle(people)
    return people
