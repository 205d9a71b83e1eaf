"""Supply-and-demand report for the round table: open places against the wishes of young people.

The figures: per occupation and town, per KldB 2010 Berufsbereich, occupations wished for without
places, places nobody wishes for, and the school certificates of the young people still searching.
``bot/report/render.py`` writes them as Markdown, CSV and a short text for Telegram, ``bot/report/chart.py``
as a PNG bar chart.

Definitions (all documented here once):

* A young person's town is their profile's ``location.name``; they count once per occupation in their
  ``wishes`` (any profile, finished or not).
* Open places are rows of ``places`` that are ``active`` and not ``demo`` with an ``occupation_id``; a place's
  town is ``places.city``. Places without an occupation are only counted in ``Report.unassigned_places``.
* ``interested``: people wishing for the occupation who marked at least one (non-demo, active or not)
  place *of that occupation* as ``interested``, in any town.
* ``handed_off``: people wishing for the occupation with at least one hand-off to a coach (any status).
* Still searching (for the certificate distribution): a finished profile (``completed``) and no
  ``closed`` hand-off.
* Places by source: open places from the BA job search (``places.source`` ``ba:…``), from CSV files
  (``csv:…``) and from companies via the bot (``company``, shown once a coach approved them).
  ``company_filled``: company places a coach recorded as "besetzt über das Programm" (a young person of the
  programme got it), in the town and since the day of the filter (the day the place was first seen).
* ``city`` compares case-insensitively (and ignoring surrounding spaces) with the person's town and
  ``places.city``; ``since`` keeps people created and places first seen on or after that day (Berlin time).

Privacy: counts of people from 1 to 4 are shown as ``<5`` everywhere (``render.people``); ratios
computed from such a count are shown as ``–``; sorting treats them alike (:func:`rank`). Places are not
people and are shown exactly.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.models import CompanyPlace, Handoff, PlaceMark, PlaceOffer, User
from dialogs.i18n import N_
from dialogs.model import State
from dialogs.profile import Profile
from dialogs.steps import STEPS
from knowledge.catalogue import Catalogue
from knowledge.region import LOCAL_TZ, local_date

#: Where open places come from (``places.source`` up to the first ``:``), in the report's order.
SOURCES: Mapping[str, str] = {
    "ba": "Bundesagentur für Arbeit",
    "csv": "CSV-Import",
    "company": "Betriebe über den Bot",
}
#: Smallest count of people shown exactly; smaller positive counts are shown as ``<5``.
MIN_PEOPLE = 5

#: The ten Berufsbereiche (first digit) of the Klassifikation der Berufe 2010.
AREAS: Mapping[str, str] = {
    "1": "Land-, Forst- und Tierwirtschaft und Gartenbau",
    "2": "Rohstoffgewinnung, Produktion und Fertigung",
    "3": "Bau, Architektur, Vermessung und Gebäudetechnik",
    "4": "Naturwissenschaft, Geografie und Informatik",
    "5": "Verkehr, Logistik, Schutz und Sicherheit",
    "6": "Kaufmännische Dienstleistungen, Warenhandel, Vertrieb, Hotel und Tourismus",
    "7": "Unternehmensorganisation, Buchhaltung, Recht und Verwaltung",
    "8": "Gesundheit, Soziales, Lehre und Erziehung",
    "9": "Sprach-, Literatur-, Geistes-, Gesellschafts- und Wirtschaftswissenschaften, Medien, Kunst, "
    "Kultur und Gestaltung",
    "0": "Militär",
}
#: Area code and name of occupations without a KldB code (or unknown to the catalogue).
NO_AREA = ""
NO_AREA_NAME = "Ohne KldB-Zuordnung"
#: Certificate of a person who did not answer (or whose answer the dialog no longer offers).
UNKNOWN_CERTIFICATE = "unknown"


def _certificate_labels() -> dict[str, str]:
    """Certificate code → the dialog's msgid for its button, in the dialog's order, then ``unknown``."""
    choices = STEPS["certificate"].choices
    if callable(choices):
        raise TypeError("the certificate step's choices are computed: the report needs them declared")
    return {**{choice.value: choice.label for choice in choices}, UNKNOWN_CERTIFICATE: N_("Not answered")}


#: School certificates in the order of the dialog, with the dialog's msgids as labels.
CERTIFICATE_LABELS: Mapping[str, str] = _certificate_labels()


def rank(n: int) -> int:
    """A people count for sorting: hidden counts (1-4) all sort alike, so an order reveals nothing more."""
    return n if n >= MIN_PEOPLE or n == 0 else 1


def area_name(code: str) -> str:
    return AREAS.get(code, NO_AREA_NAME)


@dataclass(frozen=True)
class AreaRow:
    """One KldB Berufsbereich in one town; people are counted once even if they wish for several of its
    occupations. The counts are raw; renderers apply :func:`people`."""

    area: str  # KldB Berufsbereich digit, "" when unknown
    area_name: str
    city: str  # "" when unknown
    places: int
    wishes: int
    interested: int
    handed_off: int

    @property
    def places_per_wish(self) -> float | None:
        return self.places / self.wishes if self.wishes else None


@dataclass(frozen=True)
class Row(AreaRow):
    """One occupation in one town."""

    occupation_id: str = ""
    name: str = ""


@dataclass(frozen=True)
class Report:
    generated: dt.date
    city: str | None
    since: dt.date | None
    #: Per occupation and town, most wished for first.
    rows: tuple[Row, ...]
    #: Per Berufsbereich and town.
    areas: tuple[AreaRow, ...]
    #: Rows with wishes and no open places, most wished for first.
    unmatched_wishes: tuple[Row, ...]
    #: Rows with open places and nobody wishing, most places first.
    unwanted_places: tuple[Row, ...]
    #: Certificate code (keys of :data:`CERTIFICATE_LABELS`) → people still searching, in dialog order.
    certificates: Mapping[str, int]
    #: People (in the filter) with at least one wish.
    people_with_wishes: int = 0
    #: People still searching (finished profile, no closed hand-off).
    searching: int = 0
    #: Open places without a catalogue occupation (not in ``rows``).
    unassigned_places: int = 0
    #: Open places per source (keys of :data:`SOURCES`), every source listed.
    by_source: Mapping[str, int] = dataclasses.field(default_factory=dict)
    #: Company places filled through the programme.
    company_filled: int = 0

    @property
    def open_places(self) -> int:
        return sum(r.places for r in self.rows) + self.unassigned_places


def _key(city: str) -> str:
    return " ".join(city.split()).casefold()


def town_of(profile: Profile) -> str:
    """The town of a person's home, as the report groups people."""
    return profile.location.name.strip() if profile.location else ""


async def build_report(
    sessions: async_sessionmaker[AsyncSession],
    catalogue: Catalogue,
    city: str | None = None,
    since: dt.date | None = None,
    *,
    today: dt.date | None = None,
    towns: Collection[str] | None = None,
) -> Report:
    """Collect the figures (see the module docstring for the definitions); ``today`` is the report date;
    ``towns``: only these towns (a coach group's area, ``CoachRouting.area``)."""
    wanted = _key(city) if city and city.strip() else None
    in_area = {_key(town) for town in towns} if towns is not None else None
    async with sessions() as session:
        users = (
            await session.execute(select(User.id, User.lang, User.state, User.created_at).order_by(User.id))
        ).all()
        places = (
            await session.execute(
                select(PlaceOffer.occupation_id, PlaceOffer.city, PlaceOffer.first_seen, PlaceOffer.source)
                .where(PlaceOffer.active.is_(True), PlaceOffer.demo.is_(False))
                .order_by(PlaceOffer.id)
            )
        ).all()
        filled = (
            await session.execute(
                select(PlaceOffer.city, PlaceOffer.first_seen)
                .join(CompanyPlace, CompanyPlace.place_id == PlaceOffer.id)
                .where(CompanyPlace.status == "filled", CompanyPlace.filled_by_programme.is_(True))
            )
        ).all()
        marks = (
            await session.execute(
                select(PlaceMark.user_id, PlaceOffer.occupation_id)
                .join(PlaceOffer, PlaceOffer.id == PlaceMark.place_id)
                .where(
                    PlaceMark.status == "interested",
                    PlaceOffer.demo.is_(False),
                    PlaceOffer.occupation_id.is_not(None),
                )
            )
        ).all()
        handoffs = (await session.execute(select(Handoff.user_id, Handoff.status))).all()

    spelling: dict[str, str] = {}  # town key → first spelling seen (places first, then people)

    def town(name: str) -> None:
        spelling.setdefault(_key(name), name.strip())

    def keep(name: str, created: dt.datetime) -> bool:
        in_town = (wanted is None or _key(name) == wanted) and (in_area is None or _key(name) in in_area)
        return in_town and (since is None or local_date(created) >= since)

    place_counts: Counter[tuple[str, str]] = Counter()
    unassigned = 0
    by_source: Counter[str] = Counter()
    for occupation_id, place_city, first_seen, source in places:
        if not keep(place_city or "", first_seen):
            continue
        by_source[source.split(":", 1)[0]] += 1
        if occupation_id is None:
            unassigned += 1
            continue
        place_counts[(occupation_id, _key(place_city or ""))] += 1
        town(place_city or "")

    interested_in: defaultdict[int, set[str]] = defaultdict(set)
    for user_id, marked in marks:
        if marked is not None:
            interested_in[user_id].add(marked)
    with_handoff: set[int] = set()
    closed: set[int] = set()
    for user_id, status in handoffs:
        with_handoff.add(user_id)
        if status == "closed":
            closed.add(user_id)

    wishers: defaultdict[tuple[str, str], set[int]] = defaultdict(set)
    certificates: Counter[str] = Counter()
    people_with_wishes = 0
    for user_id, lang, stored, created_at in users:
        profile = State.from_json(lang, stored or {}).profile
        user_city = town_of(profile)
        if not keep(user_city, created_at):
            continue
        wishes = list(dict.fromkeys(w for w in profile.wishes if w))
        if wishes:
            people_with_wishes += 1
            town(user_city)
        for occupation_id in wishes:
            wishers[(occupation_id, _key(user_city))].add(user_id)
        if profile.completed and user_id not in closed:
            certificate = profile.certificate or UNKNOWN_CERTIFICATE
            certificates[certificate if certificate in CERTIFICATE_LABELS else UNKNOWN_CERTIFICATE] += 1

    def describe(occupation_id: str) -> tuple[str, str]:
        occupation = catalogue.by_id.get(occupation_id)
        if occupation is None:
            return occupation_id, NO_AREA
        code = occupation.kldb[:1]
        return occupation.name, code if code in AREAS else NO_AREA

    rows: list[Row] = []
    area_places: Counter[tuple[str, str]] = Counter()
    area_people: defaultdict[tuple[str, str], set[int]] = defaultdict(set)
    area_interested: defaultdict[tuple[str, str], set[int]] = defaultdict(set)
    for occupation_id, city_key in sorted(set(place_counts) | set(wishers)):
        name, area = describe(occupation_id)
        who = wishers.get((occupation_id, city_key), set())
        keen = {u for u in who if occupation_id in interested_in.get(u, set())}
        row = Row(
            occupation_id=occupation_id,
            name=name,
            area=area,
            area_name=area_name(area),
            city=spelling.get(city_key, ""),
            places=place_counts.get((occupation_id, city_key), 0),
            wishes=len(who),
            interested=len(keen),
            handed_off=len(who & with_handoff),
        )
        rows.append(row)
        area_places[(area, city_key)] += row.places
        area_people[(area, city_key)] |= who
        area_interested[(area, city_key)] |= keen

    areas = [
        AreaRow(
            area=area,
            area_name=area_name(area),
            city=spelling.get(city_key, ""),
            places=area_places[(area, city_key)],
            wishes=len(area_people[(area, city_key)]),
            interested=len(area_interested[(area, city_key)]),
            handed_off=len(area_people[(area, city_key)] & with_handoff),
        )
        for area, city_key in sorted(area_places, key=lambda k: (k[0] or "z", k[1]))
    ]

    rows.sort(key=lambda r: (-rank(r.wishes), -r.places, r.name.casefold(), _key(r.city)))
    return Report(
        generated=today or dt.datetime.now(LOCAL_TZ).date(),
        city=spelling.get(wanted, city.strip()) if wanted is not None and city else None,
        since=since,
        rows=tuple(rows),
        areas=tuple(areas),
        unmatched_wishes=tuple(r for r in rows if r.wishes and not r.places),
        unwanted_places=tuple(
            sorted((r for r in rows if r.places and not r.wishes), key=lambda r: -r.places)
        ),
        certificates={code: certificates[code] for code in CERTIFICATE_LABELS if certificates[code]},
        people_with_wishes=people_with_wishes,
        searching=sum(certificates.values()),
        unassigned_places=unassigned,
        by_source={key: by_source[key] for key in SOURCES},
        company_filled=sum(1 for place_city, first_seen in filled if keep(place_city or "", first_seen)),
    )


@dataclass(frozen=True)
class Total:
    """One occupation over all towns of the report (people live in one town, so sums are exact)."""

    occupation_id: str
    name: str
    places: int
    wishes: int


def totals(report: Report) -> list[Total]:
    """Per occupation over all towns of the report, in no particular order."""
    places: Counter[str] = Counter()
    wishes: Counter[str] = Counter()
    names: dict[str, str] = {}
    for row in report.rows:
        places[row.occupation_id] += row.places
        wishes[row.occupation_id] += row.wishes
        names[row.occupation_id] = row.name
    return [Total(o, names[o], places[o], wishes[o]) for o in names]
