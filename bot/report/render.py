"""The report as text: Markdown tables and CSV for the round table, a few lines for Telegram.

German throughout; the labels the report shares with the dialog (school certificates) come from the
dialog's catalogue entries, rendered in German. The privacy rule applies to every count of people.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from bot.report.query import CERTIFICATE_LABELS, MIN_PEOPLE, SOURCES, Report, Row, rank, totals
from bot.report.suppression import HIDDEN, protect_column
from dialogs.i18n import translator

SMALL = "<5"
DASH = "–"
NO_CITY = "(ohne Ort)"
#: The report's language: the dialog's labels it borrows are rendered in it.
GERMAN = translator("de")
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


#: Short names of the places' sources for the Telegram summary.
SOURCE_SHORT: Mapping[str, str] = {"ba": "BA", "csv": "CSV", "company": "Betriebe"}


def people(n: int) -> str:
    """A count of people as shown in every output: ``<5`` from 1 to 4, otherwise the number (0 stays 0)."""
    return SMALL if 0 < n < MIN_PEOPLE else str(n)


@dataclass(frozen=True)
class CertificateCells:
    """The certificates of the people still searching as shown, and their total (``searching``)."""

    cells: dict[str, str]
    total: str


def certificate_cells(report: Report) -> CertificateCells:
    """Each searching person has one certificate, so the rows add up to "Noch suchend": besides ``<5``,
    secondary suppression (``bot/report/suppression.py``) hides what would let a ``<5`` be recomputed."""
    codes = list(report.certificates)
    cells, protected = protect_column([report.certificates[code] for code in codes])
    return CertificateCells(
        dict(zip(codes, cells, strict=True)), people(report.searching) if protected else HIDDEN
    )


def ratio(places: int, wishes: int) -> str:
    """Open places per wishing person, German decimal comma; ``–`` when the people count is hidden or 0."""
    if wishes < MIN_PEOPLE:
        return DASH
    return f"{places / wishes:.2f}".replace(".", ",")


def certificate_label(code: str) -> str:
    """The dialog's label of a school certificate, in German."""
    return GERMAN.gettext(CERTIFICATE_LABELS[code])


def date_text(day: dt.date) -> str:
    return day.strftime("%d.%m.%Y")


def city_text(city: str) -> str:
    return city or NO_CITY


def _scope(report: Report) -> str:
    where = report.city or "alle Orte"
    since = f"seit {date_text(report.since)}" if report.since else "gesamter Zeitraum"
    return f"{where}, {since}"


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
        row.name, row.area_name, city_text(row.city), str(row.places), people(row.wishes),
        ratio(row.places, row.wishes), people(row.interested), people(row.handed_off),
    ]  # fmt: skip


def render_markdown(report: Report) -> str:
    """Tables for the round table (German), with the ``<5`` rule applied."""
    lines = [
        f"# Ausbildungsbericht – {report.city or 'alle Orte'}",
        "",
        f"Stand: {date_text(report.generated)} · Ort: {report.city or 'alle'} · "
        f"Zeitraum: {'seit ' + date_text(report.since) if report.since else 'gesamt'}",
        "",
        f"Offene Plätze: {report.open_places} · Junge Menschen mit Berufswunsch: "
        f"{people(report.people_with_wishes)} · Noch suchend: {certificate_cells(report).total}",
        "",
        f"> Datenschutz: Zahlen von Personen unter {MIN_PEOPLE} werden als „{SMALL}“ angezeigt, "
        f"Verhältnisse dazu als „{DASH}“; „{HIDDEN}“ verbirgt eine weitere Zahl, wo sich ein „{SMALL}“ sonst "
        "aus der Summe zurückrechnen ließe. Platzzahlen sind exakt.",
        "",
        "## Angebot und Nachfrage nach Beruf und Ort",
        "",
    ]
    lines += _md_table(ROW_HEADER, (_row_cells(r) for r in report.rows)) if report.rows else ["Keine Daten."]
    lines += ["", "## Nach Berufsbereich (KldB 2010) und Ort", ""]
    area_rows = (
        [a.area_name, city_text(a.city), str(a.places), people(a.wishes), ratio(a.places, a.wishes),
         people(a.interested), people(a.handed_off)]
        for a in report.areas
    )  # fmt: skip
    header = ("Berufsbereich", "Ort", "Offene Plätze", "Wünsche (Personen)", "Plätze je Wunsch",
              "Interesse an Stellen", "An Coach übergeben")  # fmt: skip
    lines += _md_table(header, area_rows) if report.areas else ["Keine Daten."]
    lines += ["", "## Offene Plätze nach Quelle", ""]
    lines += _md_table(
        ("Quelle", "Offene Plätze"),
        ([name, str(report.by_source.get(key, 0))] for key, name in SOURCES.items()),
    )
    lines += ["", f"Plätze von Betrieben, besetzt über das Programm: {report.company_filled}"]
    lines += ["", "## Wünsche ohne offene Plätze", ""]
    lines += (
        _md_table(
            ("Beruf", "Ort", "Wünsche"),
            ([r.name, city_text(r.city), people(r.wishes)] for r in report.unmatched_wishes),
        )
        if report.unmatched_wishes
        else ["Keine."]
    )
    lines += ["", "## Offene Plätze ohne Nachfrage", ""]
    lines += (
        _md_table(
            ("Beruf", "Ort", "Offene Plätze"),
            ([r.name, city_text(r.city), str(r.places)] for r in report.unwanted_places),
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
            ([certificate_label(c), cell] for c, cell in certificate_cells(report).cells.items()),
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
            [r.occupation_id, r.name, r.area, r.area_name, city_text(r.city), r.places, people(r.wishes),
             ratio(r.places, r.wishes), people(r.interested), people(r.handed_off)]
        )  # fmt: skip
    return out.getvalue()


def _top(items: Sequence[str], empty: str = "–") -> str:
    return ", ".join(items) if items else empty


def _sources(report: Report) -> str:
    """Open places per source, and the company places filled through the programme."""
    counts = ", ".join(f"{SOURCE_SHORT[k]} {report.by_source.get(k, 0)}" for k in SOURCES)
    return f"{counts}; über das Programm besetzt: {report.company_filled}"


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
        f"📊 Ausbildungsbericht {_scope(report)} (Stand {date_text(report.generated)})",
        f"Offene Plätze: {report.open_places} ({_sources(report)}) · "
        f"Mit Berufswunsch: {people(report.people_with_wishes)} · Noch suchend: {certificate_cells(report).total}",
        "Meist gewünscht: " + _top([f"{t.name} ({people(t.wishes)})" for t in demand]),
        "Meiste Plätze: " + _top([f"{t.name} ({t.places})" for t in supply]),
        "Größte Lücken: "
        + _top(
            [
                f"{r.name}{'' if report.city else ' in ' + city_text(r.city)} "
                f"({people(r.wishes)} Wünsche, {r.places} Plätze)"
                for r in gaps
            ]
        ),
        f"Plätze ohne Nachfrage: {len(report.unwanted_places)} Berufe, "
        f"Wünsche ohne Plätze: {len(report.unmatched_wishes)} Berufe",
        "Schulabschlüsse (noch suchend): "
        + _top([f"{CERTIFICATE_SHORT[c]} {cell}" for c, cell in certificate_cells(report).cells.items()]),
    ]
    if len(report.rows) > 0:
        lines.append(
            f"Datenschutz: unter {MIN_PEOPLE} Personen steht „{SMALL}“, „{HIDDEN}“ verdeckt Rückrechnung."
        )
    return "\n".join(lines)
