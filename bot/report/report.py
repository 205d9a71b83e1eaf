"""Supply-and-demand report for the round table: open places against the wishes of young people.

Figures per occupation and town, per KldB 2010 Berufsbereich, occupations wished for without places,
places nobody wishes for, and the school certificates of the young people still searching. Rendered as
Markdown, CSV, a PNG bar chart and a short German text for a Telegram message.

Definitions (all documented here once):

* A young person's town is ``answers.location.name``; they count once per occupation in their
  ``answers.wishes`` (any profile, finished or not).
* Open places are rows of ``places`` that are ``active`` and not ``demo`` with an ``occupation_id``; a place's
  town is ``places.city``. Places without an occupation are only counted in ``Report.unassigned_places``.
* ``interested``: people wishing for the occupation who marked at least one (non-demo, active or not)
  place *of that occupation* as ``interested``, in any town.
* ``handed_off``: people wishing for the occupation with at least one hand-off to a coach (any status).
* Still searching (for the certificate distribution): a finished profile (``answers.completed``) and no
  ``closed`` hand-off.
* ``city`` compares case-insensitively (and ignoring surrounding spaces) with the person's town and
  ``places.city``; ``since`` keeps people created and places first seen on or after that day (Berlin time).

Privacy: counts of people from 1 to 4 are shown as ``<5`` everywhere (:func:`people`); ratios computed
from such a count are shown as ``–``. Places are not people and are shown exactly.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.models import Handoff, PlaceMark, PlaceOffer, User
from knowledge.catalogue import Catalogue

#: Smallest count of people shown exactly; smaller positive counts are shown as ``<5``.
MIN_PEOPLE = 5
SMALL = "<5"
DASH = "–"
LOCAL = ZoneInfo("Europe/Berlin")

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
#: School certificates in the order of the dialog, with their German labels; ``unknown`` = not answered.
CERTIFICATE_LABELS: Mapping[str, str] = {
    "none": "Noch keiner",
    "esa": "Hauptschulabschluss (ESA)",
    "eesa": "Hauptschulabschluss nach Klasse 10 (EESA)",
    "msa": "Fachoberschulreife (MSA)",
    "fhr": "Fachhochschulreife",
    "abi": "Abitur",
    "foreign": "Abschluss aus einem anderen Land",
    "unknown": "Keine Angabe",
}
#: Short labels for the Telegram summary.
CERTIFICATE_SHORT: Mapping[str, str] = {
    "none": "ohne",
    "esa": "ESA",
    "eesa": "EESA",
    "msa": "MSA",
    "fhr": "FHR",
    "abi": "Abi",
    "foreign": "ausländisch",
    "unknown": "k. A.",
}
NO_CITY = "(ohne Ort)"


def people(n: int) -> str:
    """A count of people as shown in every output: ``<5`` from 1 to 4, otherwise the number (0 stays 0)."""
    return SMALL if 0 < n < MIN_PEOPLE else str(n)


def rank(n: int) -> int:
    """A people count for sorting: hidden counts (1-4) all sort alike, so an order reveals nothing more."""
    return n if n >= MIN_PEOPLE or n == 0 else 1


def ratio(places: int, wishes: int) -> str:
    """Open places per wishing person, German decimal comma; ``–`` when the people count is hidden or 0."""
    if wishes < MIN_PEOPLE:
        return DASH
    return f"{places / wishes:.2f}".replace(".", ",")


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

    @property
    def open_places(self) -> int:
        return sum(r.places for r in self.rows) + self.unassigned_places


def _key(city: str) -> str:
    return " ".join(city.split()).casefold()


def _local_date(moment: dt.datetime) -> dt.date:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    return aware.astimezone(LOCAL).date()


def _user_city(answers: Mapping[str, Any]) -> str:
    location = answers.get("location")
    if isinstance(location, Mapping):
        name = location.get("name")
        if isinstance(name, str):
            return name.strip()
    return ""


def _wishes(answers: Mapping[str, Any]) -> list[str]:
    wishes = answers.get("wishes")
    if not isinstance(wishes, list):
        return []
    return list(dict.fromkeys(w for w in wishes if isinstance(w, str) and w))


async def build_report(
    sessions: async_sessionmaker[AsyncSession],
    catalogue: Catalogue,
    city: str | None = None,
    since: dt.date | None = None,
    *,
    today: dt.date | None = None,
) -> Report:
    """Collect the figures (see the module docstring for the definitions); ``today`` is the report date."""
    wanted = _key(city) if city and city.strip() else None
    async with sessions() as session:
        users = (await session.execute(select(User.id, User.state, User.created_at).order_by(User.id))).all()
        places = (
            await session.execute(
                select(PlaceOffer.occupation_id, PlaceOffer.city, PlaceOffer.first_seen)
                .where(PlaceOffer.active.is_(True), PlaceOffer.demo.is_(False))
                .order_by(PlaceOffer.id)
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
        return (wanted is None or _key(name) == wanted) and (since is None or _local_date(created) >= since)

    place_counts: Counter[tuple[str, str]] = Counter()
    unassigned = 0
    for occupation_id, place_city, first_seen in places:
        if not keep(place_city or "", first_seen):
            continue
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
    for user_id, state, created_at in users:
        answers = (state or {}).get("answers") or {}
        user_city = _user_city(answers)
        if not keep(user_city, created_at):
            continue
        wishes = _wishes(answers)
        if wishes:
            people_with_wishes += 1
            town(user_city)
        for occupation_id in wishes:
            wishers[(occupation_id, _key(user_city))].add(user_id)
        if answers.get("completed") and user_id not in closed:
            certificate = answers.get("certificate")
            certificates[
                certificate
                if isinstance(certificate, str) and certificate in CERTIFICATE_LABELS
                else "unknown"
            ] += 1

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
        generated=today or dt.datetime.now(LOCAL).date(),
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
    )


# ---------------------------------------------------------------------------------------------- rendering


def _date(day: dt.date) -> str:
    return day.strftime("%d.%m.%Y")


def _city(city: str) -> str:
    return city or NO_CITY


def _scope(report: Report) -> str:
    where = report.city or "alle Orte"
    since = f"seit {_date(report.since)}" if report.since else "gesamter Zeitraum"
    return f"{where}, {since}"


def _short(name: str, size: int = 30) -> str:
    return name if len(name) <= size else name[: size - 1].rstrip() + "…"


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


def _md_cell(value: str) -> str:
    return value.replace("|", "\\|")


def _md_table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    align = ["---:" if h.startswith(("Offene", "Wünsche", "Plätze", "Interesse", "An Coach", "Personen")) else "---"
             for h in header]  # fmt: skip
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows]
    return lines


ROW_HEADER = (
    "Beruf", "Berufsbereich (KldB 2010)", "Ort", "Offene Plätze", "Wünsche", "Plätze je Wunsch",
    "Interesse an Stellen", "An Coach übergeben",
)  # fmt: skip


def _row_cells(row: Row) -> list[str]:
    return [
        row.name, row.area_name, _city(row.city), str(row.places), people(row.wishes),
        ratio(row.places, row.wishes), people(row.interested), people(row.handed_off),
    ]  # fmt: skip


def render_markdown(report: Report) -> str:
    """Tables for the round table (German), with the ``<5`` rule applied."""
    lines = [
        f"# Ausbildungsbericht – {report.city or 'alle Orte'}",
        "",
        f"Stand: {_date(report.generated)} · Ort: {report.city or 'alle'} · "
        f"Zeitraum: {'seit ' + _date(report.since) if report.since else 'gesamt'}",
        "",
        f"Offene Plätze: {report.open_places} · Junge Menschen mit Berufswunsch: "
        f"{people(report.people_with_wishes)} · Noch suchend: {people(report.searching)}",
        "",
        f"> Datenschutz: Zahlen von Personen unter {MIN_PEOPLE} werden als „{SMALL}“ angezeigt, "
        f"Verhältnisse dazu als „{DASH}“. Platzzahlen sind exakt.",
        "",
        "## Angebot und Nachfrage nach Beruf und Ort",
        "",
    ]
    lines += _md_table(ROW_HEADER, (_row_cells(r) for r in report.rows)) if report.rows else ["Keine Daten."]
    lines += ["", "## Nach Berufsbereich (KldB 2010) und Ort", ""]
    area_rows = (
        [a.area_name, _city(a.city), str(a.places), people(a.wishes), ratio(a.places, a.wishes),
         people(a.interested), people(a.handed_off)]
        for a in report.areas
    )  # fmt: skip
    header = ("Berufsbereich", "Ort", "Offene Plätze", "Wünsche (Personen)", "Plätze je Wunsch",
              "Interesse an Stellen", "An Coach übergeben")  # fmt: skip
    lines += _md_table(header, area_rows) if report.areas else ["Keine Daten."]
    lines += ["", "## Wünsche ohne offene Plätze", ""]
    lines += (
        _md_table(
            ("Beruf", "Ort", "Wünsche"),
            ([r.name, _city(r.city), people(r.wishes)] for r in report.unmatched_wishes),
        )
        if report.unmatched_wishes
        else ["Keine."]
    )
    lines += ["", "## Offene Plätze ohne Nachfrage", ""]
    lines += (
        _md_table(
            ("Beruf", "Ort", "Offene Plätze"),
            ([r.name, _city(r.city), str(r.places)] for r in report.unwanted_places),
        )
        if report.unwanted_places
        else ["Keine."]
    )
    lines += [
        "",
        "## Schulabschlüsse der noch Suchenden",
        "",
        "Noch suchend: fertiges Profil und kein abgeschlossenes Coach-Gespräch.",
        "",
    ]
    lines += (
        _md_table(
            ("Schulabschluss", "Personen"),
            ([CERTIFICATE_LABELS[c], people(n)] for c, n in report.certificates.items()),
        )
        if report.certificates
        else ["Keine Daten."]
    )
    if report.unassigned_places:
        lines += [
            "",
            f"Offene Plätze ohne erkannten Beruf (nicht in den Tabellen): {report.unassigned_places}",
        ]
    return "\n".join(lines) + "\n"


CSV_HEADER = (
    "Beruf-ID", "Beruf", "KldB-Berufsbereich", "Berufsbereich", "Ort", "Offene Plätze", "Wünsche",
    "Plätze je Wunsch", "Interesse an Stellen", "An Coach übergeben",
)  # fmt: skip


def render_csv(report: Report) -> str:
    """One row per occupation and town; ``;``-separated with decimal commas (opens directly in German Excel)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for r in report.rows:
        writer.writerow(
            [r.occupation_id, r.name, r.area, r.area_name, _city(r.city), r.places, people(r.wishes),
             ratio(r.places, r.wishes), people(r.interested), people(r.handed_off)]
        )  # fmt: skip
    return out.getvalue()


def _top(items: Sequence[str], empty: str = "–") -> str:
    return ", ".join(items) if items else empty


def summary_text(report: Report) -> str:
    """A few German lines for a Telegram message, with the ``<5`` rule applied."""
    per_occupation = totals(report)
    demand = sorted(
        (t for t in per_occupation if t.wishes), key=lambda t: (-rank(t.wishes), -t.places, t.name)
    )[:3]
    supply = sorted(
        (t for t in per_occupation if t.places), key=lambda t: (-t.places, -rank(t.wishes), t.name)
    )[:3]
    # A gap: more wishes than places. Hidden counts (<5) are only a gap without any places, and come last.
    gaps = sorted(
        (
            r
            for r in report.rows
            if (r.wishes > r.places and r.wishes >= MIN_PEOPLE) or (r.wishes and not r.places)
        ),
        key=lambda r: (r.wishes < MIN_PEOPLE, r.places - r.wishes if r.wishes >= MIN_PEOPLE else 0, r.name),
    )[:3]
    lines = [
        f"📊 Ausbildungsbericht {_scope(report)} (Stand {_date(report.generated)})",
        f"Offene Plätze: {report.open_places} · Mit Berufswunsch: {people(report.people_with_wishes)} · "
        f"Noch suchend: {people(report.searching)}",
        "Meist gewünscht: " + _top([f"{t.name} ({people(t.wishes)})" for t in demand]),
        "Meiste Plätze: " + _top([f"{t.name} ({t.places})" for t in supply]),
        "Größte Lücken: "
        + _top(
            [
                f"{r.name}{'' if report.city else ' in ' + _city(r.city)} "
                f"({people(r.wishes)} Wünsche, {r.places} Plätze)"
                for r in gaps
            ]
        ),
        f"Plätze ohne Nachfrage: {len(report.unwanted_places)} Berufe, "
        f"Wünsche ohne Plätze: {len(report.unmatched_wishes)} Berufe",
        "Schulabschlüsse (noch suchend): "
        + _top([f"{CERTIFICATE_SHORT[c]} {people(n)}" for c, n in report.certificates.items()]),
    ]
    if len(report.rows) > 0:
        lines.append(f"Datenschutz: unter {MIN_PEOPLE} Personen steht „{SMALL}“.")
    return "\n".join(lines)


WIDTH_IN, HEIGHT_IN, DPI = 8, 10, 100


def render_png(report: Report, path: Path, top: int = 12) -> None:
    """Horizontal bars of the ``top`` occupations: open places and wishes side by side, 800×1000 px."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    chosen = sorted(totals(report), key=lambda t: (-(t.places + rank(t.wishes)), -rank(t.wishes), t.name))[
        :top
    ]
    chosen.reverse()  # barh draws from the bottom: the biggest ends up at the top
    fig, ax = plt.subplots(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI)
    try:
        ax.set_title(
            f"Ausbildung: Plätze und Wünsche\n{report.city or 'alle Orte'}, Stand {_date(report.generated)}"
            + (f" (seit {_date(report.since)})" if report.since else ""),
            fontsize=17,
            fontweight="bold",
        )
        if not chosen:
            ax.text(0.5, 0.5, "Keine Daten", ha="center", va="center", fontsize=20, transform=ax.transAxes)
            ax.set_axis_off()
        else:
            height = 0.4
            ys = list(range(len(chosen)))
            places = [t.places for t in chosen]
            wishes = [t.wishes if t.wishes >= MIN_PEOPLE else 0 for t in chosen]
            bars_p = ax.barh(
                [y + height / 2 for y in ys], places, height, label="Offene Plätze", color="#1f77b4"
            )
            bars_w = ax.barh([y - height / 2 for y in ys], wishes, height, label="Wünsche", color="#ff7f0e")
            ax.bar_label(bars_p, labels=[str(p) for p in places], padding=3, fontsize=13)
            ax.bar_label(bars_w, labels=[people(t.wishes) for t in chosen], padding=3, fontsize=13)
            ax.set_yticks(ys, [_short(t.name) for t in chosen], fontsize=13)
            ax.tick_params(axis="x", labelsize=12)
            ax.set_xlim(0, max([*places, *wishes, 1]) * 1.18)
            ax.set_xlabel("Anzahl", fontsize=14)
            ax.spines[["top", "right"]].set_visible(False)
            ax.legend(loc="lower right", fontsize=14, frameon=False)
            fig.text(
                0.01, 0.005, f"Datenschutz: unter {MIN_PEOPLE} Personen „{SMALL}“ (Balken bei 0)", fontsize=11
            )
        fig.tight_layout(rect=(0, 0.02, 1, 1))
        fig.savefig(path, dpi=DPI, format="png")
    finally:
        plt.close(fig)
