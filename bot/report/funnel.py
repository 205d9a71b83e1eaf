"""The funnel: how far the young people got, per source, language and town, for the funders.

Definitions:

* The people of the funnel are those with a ``started`` milestone (``bot/funnel.py``): everybody who
  consented since milestones are recorded; the first message's moment is stored with the consent, so
  people who never consented are not counted (nothing about them is stored).
* A step's count is the number of those people who reached it; its conversion is that count divided by
  the previous step's count.
* ``city`` and ``since`` filter like the market report (the person's town; ``since`` by the day they
  started, Berlin time).
* Median time from start to coach answer: over the people who reached both.

Privacy: counts of people from 1 to 4 are shown as ``<5`` (primary suppression). In a table whose rows add up
to the total (every person has one source, one language, one town), a single ``<5`` cell could be
recomputed as total minus the other rows; so in every column with a ``<5`` cell the smallest other counts
are hidden too (``x``, secondary suppression) until no hidden cell can be pinned to one value from the
shown cells and the total (``bot/report/suppression.py``).
A conversion is shown only when both of its counts are shown exactly.
"""

from __future__ import annotations

import datetime as dt
import itertools
import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.funnel import MILESTONES
from bot.models import Milestone, Source, User
from bot.report.query import MIN_PEOPLE, town_of
from bot.report.suppression import HIDDEN, SMALL, protect_column
from bot.sources import source_of
from dialogs.i18n import LANGUAGES
from dialogs.profile import Profile
from knowledge.region import local_date
from knowledge.sources import DIRECT, UNKNOWN

#: The steps' German names, in funnel order.
STEP_NAMES = {
    "started": "Gestartet",
    "consented": "Zugestimmt",
    "profile_done": "Profil fertig",
    "places_seen": "Plätze angesehen",
    "place_interested": "Platz gemerkt",
    "coach_asked": "Coach gefragt",
    "coach_answered": "Coach hat geantwortet",
    "conversation_closed": "Gespräch abgeschlossen",
    "found_place": "Platz gefunden",
}
SOURCE_NAMES = {UNKNOWN: "unbekannter Code", DIRECT: "ohne Link"}
NO_CITY = "(ohne Ort)"


@dataclass(frozen=True)
class FunnelRow:
    label: str
    #: People per step, in the order of ``bot.funnel.MILESTONES``.
    counts: tuple[int, ...]


@dataclass(frozen=True)
class FunnelTable:
    """One breakdown (``Quelle``, ``Sprache``, ``Ort``): its rows add up to ``FunnelReport.total``."""

    title: str
    rows: tuple[FunnelRow, ...]


@dataclass(frozen=True)
class FunnelReport:
    total: FunnelRow
    tables: tuple[FunnelTable, ...]
    #: Median time from start to the first coach answer, over ``answered`` people.
    median_to_answer: dt.timedelta | None
    answered: int


async def build_funnel(
    sessions: async_sessionmaker[AsyncSession], city: str | None = None, since: dt.date | None = None
) -> FunnelReport:
    """Count the funnel (see the module docstring for the definitions)."""
    wanted = city.strip().casefold() if city and city.strip() else None
    async with sessions() as session:
        people = (await session.execute(select(User.id, User.lang, User.state))).all()
        rows = (await session.execute(select(Milestone.user_id, Milestone.name, Milestone.reached_at))).all()
        names = {code: name for code, name in await session.execute(select(Source.code, Source.name))}
    reached: defaultdict[int, dict[str, dt.datetime]] = defaultdict(dict)
    for user_id, name, at in rows:
        reached[user_id][name] = at
    groups: dict[str, defaultdict[str, list[int]]] = {
        title: defaultdict(list) for title in ("Quelle", "Sprache", "Ort")
    }
    members: list[int] = []
    for user_id, lang, state in people:
        moments = reached.get(user_id, {})
        town = town_of(Profile.from_json(state.get("answers") if isinstance(state, dict) else None))
        if "started" not in moments or (wanted is not None and town.casefold() != wanted):
            continue
        if since is not None and local_date(moments["started"]) < since:
            continue
        members.append(user_id)
        source = source_of(state)
        groups["Quelle"][names.get(source) or SOURCE_NAMES.get(source, source)].append(user_id)
        groups["Sprache"][lang].append(user_id)
        groups["Ort"][town or NO_CITY].append(user_id)

    def row(label: str, ids: Sequence[int]) -> FunnelRow:
        return FunnelRow(label, tuple(sum(1 for i in ids if m in reached[i]) for m in MILESTONES))

    def table(title: str) -> FunnelTable:
        def order(label: str) -> tuple[int, str]:
            if title == "Sprache":
                return (LANGUAGES.index(label) if label in LANGUAGES else len(LANGUAGES), label)
            return (int(label in (*SOURCE_NAMES.values(), NO_CITY)), label.casefold())

        return FunnelTable(
            title, tuple(row(label, groups[title][label]) for label in sorted(groups[title], key=order))
        )

    tables = tuple(table(title) for title in groups)
    waits = [
        (reached[i]["coach_answered"] - reached[i]["started"]).total_seconds()
        for i in members
        if "coach_answered" in reached[i]
    ]
    return FunnelReport(
        total=row("Alle", members),
        tables=tables,
        median_to_answer=dt.timedelta(seconds=statistics.median(waits)) if len(waits) >= MIN_PEOPLE else None,
        answered=len(waits),
    )


# ---------------------------------------------------------------- privacy


@dataclass(frozen=True)
class ShownFunnel:
    """Every count of a funnel as it may be shown: the total row, and each table's rows."""

    total: list[str]
    tables: list[list[list[str]]]


def protect(funnel: FunnelReport) -> ShownFunnel:
    """Apply the privacy rules to every table; a step whose total would let a hidden count be recomputed in
    some table is hidden (``x``) in the total row of every table."""
    hidden_totals: set[int] = set()
    tables = []
    for table in funnel.tables:
        columns = []
        for step in range(len(MILESTONES)):
            cells, protected = protect_column([row.counts[step] for row in table.rows])
            columns.append(cells)
            if not protected:
                hidden_totals.add(step)
        tables.append([[column[r] for column in columns] for r in range(len(table.rows))])
    total = [
        HIDDEN if step in hidden_totals else SMALL if 0 < n < MIN_PEOPLE else str(n)
        for step, n in enumerate(funnel.total.counts)
    ]
    return ShownFunnel(total, tables)


def conversions(cells: Sequence[str]) -> list[str]:
    """Per step: the share of the previous step's people, when both counts are shown exactly (and ≥5)."""
    shares = [""]
    for before, after in itertools.pairwise(cells):
        exact = before.isdigit() and after.isdigit() and int(before) >= MIN_PEOPLE
        shares.append(f"{100 * int(after) / int(before):.0f} %" if exact else "–")
    return shares


def duration_text(delta: dt.timedelta | None) -> str:
    if delta is None:
        return "–"
    hours = int(delta.total_seconds() // 3600)
    days, hours = divmod(hours, 24)
    return (
        f"{days} Tage {hours} Std." if days else f"{hours} Std. {int(delta.total_seconds() // 60) % 60} Min."
    )


# ---------------------------------------------------------------- output


def _md_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = [
        "| " + " | ".join(header) + " |",
        "| " + " | ".join(["---", *["---:"] * (len(header) - 1)]) + " |",
    ]
    return lines + ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in rows]


def funnel_markdown(funnel: FunnelReport) -> str:
    """The funnel section of the Markdown report (German)."""
    steps = [STEP_NAMES[m] for m in MILESTONES]
    shown = protect(funnel)
    total = shown.total
    lines = [
        "## Wie weit junge Menschen kommen (Funnel)",
        "",
        "Personen, die seit der Zählung zugestimmt haben, je erreichtem Schritt; Quote: Anteil am vorigen Schritt.",
        "",
    ]
    lines += _md_table(
        ("Schritt", "Personen", "Quote"), list(zip(steps, total, conversions(total), strict=True))
    )
    lines += [
        "",
        f"Median vom Start bis zur ersten Antwort eines Coaches: {duration_text(funnel.median_to_answer)}"
        + (
            f" ({funnel.answered} Personen)"
            if funnel.median_to_answer is not None
            else f" (unter {MIN_PEOPLE} Personen)"
        ),
    ]
    for table, cells in zip(funnel.tables, shown.tables, strict=True):
        lines += ["", f"### Nach {table.title}", ""]
        rows = [[r.label, *c] for r, c in zip(table.rows, cells, strict=True)]
        lines += _md_table((table.title, *steps), [*rows, ["Alle", *total]]) if rows else ["Keine Daten."]
    lines += [
        "",
        f"> Datenschutz: „{SMALL}“ steht für 1 bis 4 Personen; „{HIDDEN}“ verbirgt eine weitere Zahl der Spalte, "
        f"damit sich ein „{SMALL}“ nicht aus der Summe zurückrechnen lässt. Quoten nur zwischen genau gezeigten Zahlen.",
    ]
    return "\n".join(lines) + "\n"


FUNNEL_CSV_HEADER = ("Gliederung", "Gruppe", "Schritt", "Personen", "Quote zum vorigen Schritt")


def funnel_csv(funnel: FunnelReport) -> str:
    """One line per breakdown, group and step; ``;``-separated (German Excel)."""
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    writer.writerow(FUNNEL_CSV_HEADER)
    steps = [STEP_NAMES[m] for m in MILESTONES]
    shown = protect(funnel)
    for step, count, share in zip(steps, shown.total, conversions(shown.total), strict=True):
        writer.writerow(("Gesamt", "Alle", step, count, share.replace(".", ",")))
    for table, table_cells in zip(funnel.tables, shown.tables, strict=True):
        for row, cells in zip(table.rows, table_cells, strict=True):
            for step, count, share in zip(steps, cells, conversions(cells), strict=True):
                writer.writerow((table.title, row.label, step, count, share))
    return out.getvalue()


def funnel_summary(funnel: FunnelReport) -> str:
    """A few German lines for ``/report funnel`` in the coach group."""
    shown = protect(funnel)
    steps = [f"{STEP_NAMES[m]} {count}" for m, count in zip(MILESTONES, shown.total, strict=True)]
    lines = ["📈 Funnel (alle Orte, gesamter Zeitraum)", " → ".join(steps)]
    by_source = [
        f"{row.label}: {cells[0]} gestartet, {cells[-1]} Platz gefunden"
        for table, table_cells in zip(funnel.tables, shown.tables, strict=True)
        if table.title == "Quelle"
        for row, cells in zip(table.rows, table_cells, strict=True)
    ]
    lines += ["Quellen: " + ("; ".join(by_source) if by_source else "–")]
    lines.append(f"Median Start → Antwort eines Coaches: {duration_text(funnel.median_to_answer)}")
    lines.append(f"Datenschutz: unter {MIN_PEOPLE} Personen „{SMALL}“, „{HIDDEN}“ verdeckt Rückrechnung.")
    return "\n".join(lines)
