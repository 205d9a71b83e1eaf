"""The round-table report: figures per occupation and town, the "<5" privacy rule, filters and outputs."""

from __future__ import annotations

import csv
import datetime as dt
import io
import struct
import subprocess
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.database import create_engine, sessionmaker
from bot.models import Handoff, PlaceMark, PlaceOffer, User
from bot.report.chart import render_png
from bot.report.query import NO_AREA_NAME, Report, Row, build_report
from bot.report.render import certificate_label, people, render_csv, render_markdown, summary_text
from knowledge.catalogue import Catalogue, Occupation
from tests.cli import cli
from tests.privacy_attack import hidden_values

TODAY = dt.date(2026, 11, 28)
UTC = dt.UTC


def occupation(
    id: str, name: str, kldb: str, fields: tuple[str, ...], certificate: str = "esa"
) -> Occupation:
    return Occupation(
        id=id, name=name, kldb=kldb, duration_months=36, type="dual", fields=fields,
        certificate=certificate, description=f"{name}: Beschreibung für den Test.",
    )  # fmt: skip


OCCUPATIONS = (
    occupation("kfz-mechatroniker", "Kfz-Mechatroniker/-in", "25212", ("technik", "handwerk")),
    occupation("kaufmann-einzelhandel", "Kaufmann/-frau im Einzelhandel", "62102", ("handel",)),
    occupation("friseur", "Friseur/-in", "82312", ("handwerk", "kreatives")),
    occupation("pflegefachmann", "Pflegefachmann/-frau", "81302", ("gesundheit", "soziales"), "msa"),
    occupation("gaertner", "Gärtner/-in", "", ("natur",)),
)
CATALOGUE = Catalogue(occupations=OCCUPATIONS, by_id={o.id: o for o in OCCUPATIONS})
KFZ, HANDEL, FRISEUR, PFLEGE, GAERTNER = (o.id for o in OCCUPATIONS)

TOWNS = {
    "Herne": {"name": "Herne", "lat": 51.5388, "lon": 7.2256, "postcode": "44623"},
    "Bochum": {"name": "Bochum", "lat": 51.4818, "lon": 7.2162, "postcode": "44787"},
    "bochum": {"name": "bochum", "lat": 51.4818, "lon": 7.2162, "postcode": "44787"},
}
EARLY, LATE = dt.datetime(2026, 6, 1, 10, tzinfo=UTC), dt.datetime(2026, 10, 1, 10, tzinfo=UTC)
SINCE = dt.date(2026, 9, 1)


def user(
    id: int,
    town: str,
    wishes: Sequence[str],
    certificate: str,
    completed: bool = True,
    created: dt.datetime = LATE,
) -> User:
    answers: dict[str, Any] = {
        "age": 16 + id % 5,
        "consent": "2026-05-30",
        "situation": "pupil" if id % 2 else "school_done",
        "certificate": certificate,
        "location": TOWNS[town],
        "radius": "10",
        "interests": ["technik", "handwerk"],
        "wishes": list(wishes),
        "completed": completed,
    }
    state = {"step": "menu" if completed else "wishes", "answers": answers, "scratch": {}, "return_to": None}
    return User(
        id=id, lang="de", step=str(state["step"]), state=state, consent_at=created, created_at=created
    )  # fmt: skip


def place(
    id: int,
    occupation_id: str | None,
    city: str,
    *,
    active: bool = True,
    demo: bool = False,
    first_seen: dt.datetime = LATE,
) -> PlaceOffer:
    return PlaceOffer(
        id=id, source="demo" if demo else "csv:partner", source_id=f"p{id}", title=f"Ausbildung {id}",
        occupation_id=occupation_id, employer=f"Betrieb {id}", postcode="44623" if city.lower() == "herne" else "44787",
        city=city, lat=51.5, lon=7.2, active=active, demo=demo, first_seen=first_seen,
    )  # fmt: skip


def rows_for(report: Report, occupation_id: str, city: str) -> Row:
    (row,) = [r for r in report.rows if r.occupation_id == occupation_id and r.city == city]
    return row


def figures(row: Row) -> tuple[int, int, int, int]:
    return row.places, row.wishes, row.interested, row.handed_off


@pytest.fixture
async def sessions(db_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(db_url)
    yield sessionmaker(engine)
    await engine.dispose()


@pytest.fixture
async def filled(sessions: async_sessionmaker[AsyncSession]) -> async_sessionmaker[AsyncSession]:
    """Herne: 6 want Kfz (5 interested, 2 handed off), 3 Friseur (no real places), 1 Pflege; 4 Einzelhandel
    places nobody wants. Bochum: 7 want Einzelhandel (3 of them since September), 1 Pflege ("bochum")."""
    users = [
        user(1, "Herne", [KFZ, FRISEUR], "msa"),  # open hand-off
        user(2, "Herne", [KFZ], "esa"),  # closed hand-off: not searching any more
        *(user(i, "Herne", [KFZ], "msa") for i in (3, 4, 5, 6)),
        user(7, "Herne", [FRISEUR, PFLEGE], "esa"),
        user(8, "Herne", [FRISEUR], "foreign", completed=False),
        user(9, "Herne", [], "abi"),
        *(user(i, "Bochum", [HANDEL], "eesa", created=EARLY) for i in (10, 11, 12, 13)),
        user(14, "Bochum", [HANDEL], "eesa"),
        user(15, "Bochum", [HANDEL, HANDEL], "msa"),  # a repeated wish counts once
        user(16, "Bochum", [HANDEL], "none", completed=False),
        user(17, "bochum", [PFLEGE], "fhr"),
    ]
    places = [
        place(1, KFZ, "Herne"), place(2, KFZ, "Herne"), place(3, KFZ, "HERNE"),
        place(4, KFZ, "Herne", active=False), place(5, KFZ, "Herne", demo=True),
        place(6, FRISEUR, "Herne", demo=True), place(7, FRISEUR, "Herne", active=False),
        *(place(i, HANDEL, "Herne") for i in (8, 9, 10, 11)),
        place(12, None, "Herne"),
        place(20, HANDEL, "Bochum", first_seen=EARLY), place(21, HANDEL, "Bochum"),
        place(22, KFZ, "Bochum"), place(23, GAERTNER, "Bochum", first_seen=EARLY),
    ]  # fmt: skip
    marks = [
        *(PlaceMark(user_id=u, place_id=1 + u % 3, status="interested") for u in (1, 2, 3, 4, 5)),
        PlaceMark(user_id=6, place_id=1, status="dismissed"),
        PlaceMark(user_id=7, place_id=6, status="interested"),  # a demo place: not counted
        PlaceMark(user_id=8, place_id=7, status="interested"),  # inactive by now: still counted
        PlaceMark(user_id=1, place_id=8, status="interested"),  # another occupation: not Friseur interest
        *(PlaceMark(user_id=u, place_id=20 + u % 2, status="interested") for u in (10, 11, 12, 13, 14)),
    ]
    handoffs = [
        Handoff(user_id=1, status="open", first_name="Ali"),
        Handoff(user_id=2, status="closed", first_name="Bea"),
        *(Handoff(user_id=u, status="taken", first_name="X") for u in (10, 11, 12, 13, 14, 15)),
    ]
    async with sessions.begin() as session:
        session.add_all(users)
        session.add_all(places)
    async with sessions.begin() as session:
        session.add_all(marks)
        session.add_all(handoffs)
    return sessions


async def test_figures_per_occupation_and_town(filled: async_sessionmaker[AsyncSession]) -> None:
    report = await build_report(filled, CATALOGUE, today=TODAY)
    assert report.generated == TODAY and report.city is None and report.since is None
    assert {(r.occupation_id, r.city): figures(r) for r in report.rows} == {
        (KFZ, "Herne"): (3, 6, 5, 2),  # inactive and demo places not counted; "HERNE" is Herne
        (FRISEUR, "Herne"): (0, 3, 1, 1),  # the demo place and its mark do not count
        (PFLEGE, "Herne"): (0, 1, 0, 0),
        (HANDEL, "Herne"): (4, 0, 0, 0),
        (HANDEL, "Bochum"): (2, 7, 5, 6),
        (KFZ, "Bochum"): (1, 0, 0, 0),
        (PFLEGE, "Bochum"): (0, 1, 0, 0),  # "bochum" is Bochum
        (GAERTNER, "Bochum"): (1, 0, 0, 0),
    }
    kfz = rows_for(report, KFZ, "Herne")
    assert (kfz.name, kfz.area, kfz.area_name) == (
        "Kfz-Mechatroniker/-in", "2", "Rohstoffgewinnung, Produktion und Fertigung"
    )  # fmt: skip
    assert kfz.places_per_wish == pytest.approx(0.5)
    assert rows_for(report, GAERTNER, "Bochum").area_name == NO_AREA_NAME
    assert [(r.occupation_id, r.city) for r in report.rows[:3]] == [
        (HANDEL, "Bochum"), (KFZ, "Herne"), (FRISEUR, "Herne")
    ]  # fmt: skip
    assert report.unassigned_places == 1 and report.open_places == 12
    assert report.people_with_wishes == 16

    areas = {(a.area, a.city): (a.places, a.wishes, a.interested, a.handed_off) for a in report.areas}
    assert areas == {
        ("2", "Herne"): (3, 6, 5, 2),
        ("6", "Herne"): (4, 0, 0, 0),
        ("8", "Herne"): (0, 3, 1, 1),  # Friseur 3 + Pflege 1, but person 7 wishes for both: 3 people
        ("2", "Bochum"): (1, 0, 0, 0),
        ("6", "Bochum"): (2, 7, 5, 6),
        ("8", "Bochum"): (0, 1, 0, 0),
        ("", "Bochum"): (1, 0, 0, 0),
    }


async def test_unmatched_wishes_unwanted_places_and_certificates(
    filled: async_sessionmaker[AsyncSession],
) -> None:
    report = await build_report(filled, CATALOGUE, today=TODAY)
    assert [(r.occupation_id, r.city, r.wishes) for r in report.unmatched_wishes] == [
        (FRISEUR, "Herne", 3), (PFLEGE, "Bochum", 1), (PFLEGE, "Herne", 1)
    ]  # fmt: skip
    assert [(r.occupation_id, r.city, r.places) for r in report.unwanted_places] == [
        (HANDEL, "Herne", 4), (GAERTNER, "Bochum", 1), (KFZ, "Bochum", 1)
    ]  # fmt: skip
    # Still searching = finished profile and no closed hand-off: not 2 (closed), 8 and 16 (unfinished).
    assert dict(report.certificates) == {"esa": 1, "eesa": 5, "msa": 6, "fhr": 1, "abi": 1}
    assert list(report.certificates) == ["esa", "eesa", "msa", "fhr", "abi"]
    assert report.searching == 14


async def test_city_filter_is_case_insensitive(filled: async_sessionmaker[AsyncSession]) -> None:
    herne = await build_report(filled, CATALOGUE, city=" herne ", today=TODAY)
    assert herne.city == "Herne"
    assert {r.city for r in herne.rows} == {"Herne"}
    assert figures(rows_for(herne, KFZ, "Herne")) == (3, 6, 5, 2)
    assert dict(herne.certificates) == {"esa": 1, "msa": 5, "abi": 1}
    assert herne.unassigned_places == 1 and herne.people_with_wishes == 8

    bochum = await build_report(filled, CATALOGUE, city="BOCHUM", today=TODAY)
    assert {(r.occupation_id, r.wishes) for r in bochum.rows} == {
        (HANDEL, 7),
        (KFZ, 0),
        (PFLEGE, 1),
        (GAERTNER, 0),
    }
    assert [(a.area, a.wishes) for a in bochum.areas] == [("2", 0), ("6", 7), ("8", 1), ("", 0)]
    assert (await build_report(filled, CATALOGUE, city="Dortmund", today=TODAY)).rows == ()


async def test_since_filters_people_by_created_at_and_places_by_first_seen(
    filled: async_sessionmaker[AsyncSession],
) -> None:
    report = await build_report(filled, CATALOGUE, since=SINCE, today=TODAY)
    handel = rows_for(report, HANDEL, "Bochum")
    assert figures(handel) == (1, 3, 1, 2)  # people 14, 15, 16; place 21; 14 interested; 14, 15 handed off
    assert GAERTNER not in {r.occupation_id for r in report.rows}  # first seen in May
    assert figures(rows_for(report, KFZ, "Herne")) == (3, 6, 5, 2)
    assert dict(report.certificates) == {"esa": 1, "eesa": 1, "msa": 6, "fhr": 1, "abi": 1}
    both = await build_report(filled, CATALOGUE, city="Bochum", since=SINCE, today=TODAY)
    assert {(r.occupation_id, r.places, r.wishes) for r in both.rows} == {
        (HANDEL, 1, 3),
        (KFZ, 1, 0),
        (PFLEGE, 0, 1),
    }


def test_people_helper() -> None:
    assert [people(n) for n in (0, 1, 3, 4, 5, 6, 120)] == ["0", "<5", "<5", "<5", "5", "6", "120"]


def markdown_row(markdown: str, *cells: str) -> str:
    (line,) = [line for line in markdown.splitlines() if line.startswith("| " + " | ".join(cells) + " |")]
    return line


async def test_markdown_applies_the_privacy_rule(filled: async_sessionmaker[AsyncSession]) -> None:
    report = await build_report(filled, CATALOGUE, today=TODAY)
    md = render_markdown(report)
    assert md.startswith("# Ausbildungsbericht – alle Orte\n")
    assert "Stand: 28.11.2026" in md
    for heading in (
        "## Angebot und Nachfrage nach Beruf und Ort",
        "## Nach Berufsbereich (KldB 2010) und Ort",
        "## Wünsche ohne offene Plätze",
        "## Offene Plätze ohne Nachfrage",
        "## Schulabschlüsse der noch Suchenden",
    ):
        assert heading in md
    kfz = "Kfz-Mechatroniker/-in", "Rohstoffgewinnung, Produktion und Fertigung", "Herne"
    assert markdown_row(md, *kfz) == "| " + " | ".join((*kfz, "3", "6", "0,50", "5", "<5")) + " |"
    friseur = "Friseur/-in", "Gesundheit, Soziales, Lehre und Erziehung", "Herne"
    assert markdown_row(md, *friseur) == "| " + " | ".join((*friseur, "0", "<5", "–", "<5", "<5")) + " |"
    handel = (
        "Kaufmann/-frau im Einzelhandel",
        "Kaufmännische Dienstleistungen, Warenhandel, Vertrieb, Hotel und Tourismus",
    )
    assert markdown_row(md, *handel, "Bochum").endswith("| 2 | 7 | 0,29 | 5 | 6 |")
    assert markdown_row(md, *handel, "Herne").endswith("| 4 | 0 | – | 0 | 0 |")
    assert markdown_row(md, "Friseur/-in", "Herne") == "| Friseur/-in | Herne | <5 |"  # unmatched wishes
    assert markdown_row(md, "Gärtner/-in", "Bochum") == "| Gärtner/-in | Bochum | 1 |"  # unwanted places
    # 14 still searching: ESA, FHR and Abitur (1 each) would follow from 14 - 5 - 6, so EESA and MSA are
    # hidden too (secondary suppression)
    assert "Noch suchend: 14" in md
    assert markdown_row(md, "Mittlerer Schulabschluss (MSA)") == "| Mittlerer Schulabschluss (MSA) | x |"
    assert markdown_row(md, "Erweiterter Erster Schulabschluss (EESA)").endswith("| x |")
    assert markdown_row(md, "Erster Schulabschluss (ESA)") == "| Erster Schulabschluss (ESA) | <5 |"
    assert "| Abitur | <5 |" in md and "| Abitur | 1 |" not in md
    shown = [
        markdown_row(md, certificate_label(code)).split(" | ")[-1].rstrip(" |")
        for code in report.certificates
    ]
    assert all(len(values) >= 2 for values in hidden_values(shown, 14))


async def test_csv_one_row_per_occupation_and_town(filled: async_sessionmaker[AsyncSession]) -> None:
    report = await build_report(filled, CATALOGUE, today=TODAY)
    table = list(csv.reader(io.StringIO(render_csv(report)), delimiter=";"))
    header, body = table[0], table[1:]
    assert header == [
        "Beruf-ID", "Beruf", "KldB-Berufsbereich", "Berufsbereich", "Ort", "Offene Plätze", "Wünsche",
        "Plätze je Wunsch", "Interesse an Stellen", "An Coach übergeben",
    ]  # fmt: skip
    assert len(body) == len(report.rows) == 8
    by_key = {(r[0], r[4]): r[5:] for r in body}
    assert by_key[(KFZ, "Herne")] == ["3", "6", "0,50", "5", "<5"]
    assert by_key[(FRISEUR, "Herne")] == ["0", "<5", "–", "<5", "<5"]
    assert by_key[(HANDEL, "Bochum")] == ["2", "7", "0,29", "5", "6"]
    assert by_key[(PFLEGE, "Bochum")] == ["0", "<5", "–", "0", "0"]
    assert by_key[(GAERTNER, "Bochum")] == ["1", "0", "–", "0", "0"]
    assert all(cell not in ("1", "2", "3", "4") for row in body for cell in row[6:7] + row[8:])


async def test_summary_text_is_short_german_and_private(filled: async_sessionmaker[AsyncSession]) -> None:
    text = summary_text(await build_report(filled, CATALOGUE, today=TODAY))
    lines = text.splitlines()
    assert 5 <= len(lines) <= 8
    assert lines[0] == "📊 Ausbildungsbericht alle Orte, gesamter Zeitraum (Stand 28.11.2026)"
    by_start = {line.split(":")[0]: line for line in lines}
    assert by_start["Meist gewünscht"] == (
        "Meist gewünscht: Kaufmann/-frau im Einzelhandel (7), Kfz-Mechatroniker/-in (6), Friseur/-in (<5)"
    )
    assert by_start["Meiste Plätze"] == (
        "Meiste Plätze: Kaufmann/-frau im Einzelhandel (6), Kfz-Mechatroniker/-in (4), Gärtner/-in (1)"
    )
    # Gaps with a hidden count of people come after the exact ones, so their order reveals nothing.
    assert by_start["Größte Lücken"] == (
        "Größte Lücken: Kaufmann/-frau im Einzelhandel in Bochum (7 Wünsche, 2 Plätze), "
        "Kfz-Mechatroniker/-in in Herne (6 Wünsche, 3 Plätze), Friseur/-in in Herne (<5 Wünsche, 0 Plätze)"
    )
    assert by_start["Schulabschlüsse (noch suchend)"] == (
        "Schulabschlüsse (noch suchend): ESA <5, EESA x, MSA x, FHR <5, Abi <5"
    )
    assert "Noch suchend: 14" in text

    herne = summary_text(await build_report(filled, CATALOGUE, city="Herne", since=SINCE, today=TODAY))
    assert herne.splitlines()[0] == "📊 Ausbildungsbericht Herne, seit 01.09.2026 (Stand 28.11.2026)"
    assert "Friseur/-in (<5 Wünsche, 0 Plätze)" in herne and " in Herne" not in herne
    # 7 = 1 + 5 + 1 cannot be protected by hiding the 5 alone (the "<5"s would be 1 each): the total goes too
    assert "Schulabschlüsse (noch suchend): ESA <5, MSA x, Abi <5" in herne and "Noch suchend: x" in herne


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    length, kind = struct.unpack(">I4s", data[8:16])
    assert (length, kind) == (13, b"IHDR")
    width, height = struct.unpack(">II", data[16:24])
    return width, height


async def test_png_is_800_by_1000(filled: async_sessionmaker[AsyncSession], tmp_path: Path) -> None:
    report = await build_report(filled, CATALOGUE, city="Herne", today=TODAY)
    render_png(report, tmp_path / "herne.png")
    assert png_size(tmp_path / "herne.png") == (800, 1000)
    render_png(await build_report(filled, CATALOGUE, today=TODAY), tmp_path / "all.png", top=3)
    assert png_size(tmp_path / "all.png") == (800, 1000)


async def test_empty_database(sessions: async_sessionmaker[AsyncSession], tmp_path: Path) -> None:
    report = await build_report(sessions, CATALOGUE, today=TODAY)
    assert (report.rows, report.areas, report.unmatched_wishes, report.unwanted_places) == ((), (), (), ())
    assert dict(report.certificates) == {} and report.open_places == 0
    assert "Keine Daten." in render_markdown(report)
    assert render_csv(report).count("\n") == 1
    assert 5 <= len(summary_text(report).splitlines()) <= 8
    render_png(report, tmp_path / "empty.png")
    assert png_size(tmp_path / "empty.png") == (800, 1000)


def test_report_cli_writes_markdown_csv_and_png(db_url: str, tmp_path: Path) -> None:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return cli(tmp_path, "report", *args, db_url=db_url)

    md = run("--city", "Herne")
    assert md.returncode == 0 and "Herne" in md.stdout
    assert run("--format", "csv", "--out", str(tmp_path / "r.csv")).returncode == 0
    assert (tmp_path / "r.csv").read_text(encoding="utf-8").count(";") > 0
    png = run("--format", "png", "--out", str(tmp_path / "r.png"))
    assert png.returncode == 0 and (tmp_path / "r.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    missing = run("--format", "png")
    assert missing.returncode == 2 and "--out" in missing.stderr
