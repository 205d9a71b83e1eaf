"""The funnel report: counts on a generated population, the <5 rule, and secondary suppression under attack."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import Counter
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.database import create_engine, sessionmaker
from bot.funnel import MILESTONES
from bot.models import Milestone, Source, User
from bot.report.chart import render_png
from bot.report.funnel import (
    HIDDEN,
    SMALL,
    FunnelReport,
    FunnelRow,
    FunnelTable,
    build_funnel,
    funnel_csv,
    funnel_markdown,
    funnel_summary,
    protect,
    protect_column,
)
from bot.report.query import build_report
from knowledge.catalogue import Catalogue
from tests.privacy_attack import hidden_values
from tests.test_report import png_size

START = dt.datetime(2026, 9, 1, 8, 0, tzinfo=dt.UTC)
SOURCES = ("schule-herne-1", "jc-bochum", "jugendzentrum-1")
LANGS = ("de", "tr", "ar", "uk")
TOWNS = ("Herne", "Bochum", "Castrop-Rauxel")


def person(i: int) -> tuple[str | None, str, str, int]:
    """Person ``i``'s source (``None``: no link), language, town and how many funnel steps they reached."""
    source = SOURCES[i % 3] if i % 10 else None
    return source, LANGS[i % 4], TOWNS[i % 7 % 3], 1 + (i * 7919) % len(MILESTONES)


async def test_funnel_counts_a_population_of_1000(db_url: str, tmp_path: Path) -> None:
    engine = create_engine(db_url)
    sessions = sessionmaker(engine)
    try:
        users, milestones = [], []
        for i in range(1000):
            source, lang, town, steps = person(i)
            answers = {
                "age": 17,
                "consent": "2026-09-01",
                "location": {"name": town, "lat": 51.5, "lon": 7.2},
            }
            if source:
                answers["source"] = source
            users.append(User(id=i + 1, lang=lang, step="menu", state={"answers": answers}))
            milestones += [
                Milestone(user_id=i + 1, name=name, reached_at=START + dt.timedelta(hours=n * (1 + i % 5)))
                for n, name in enumerate(MILESTONES[:steps])
            ]
        async with sessions.begin() as session:
            session.add_all([Source(code="schule-herne-1", name="Hauptschule am Schwalbenweg, Herne")])
            session.add_all(users)
        async with sessions.begin() as session:
            session.add_all(milestones)
        funnel = await build_funnel(sessions)
        market = await build_report(sessions, Catalogue(occupations=(), by_id={}))
        herne = await build_funnel(sessions, city="herne")
        later = await build_funnel(sessions, since=dt.date(2026, 9, 2))
    finally:
        await engine.dispose()

    reached = Counter(name for i in range(1000) for name in MILESTONES[: person(i)[3]])
    assert funnel.total.counts == tuple(reached[name] for name in MILESTONES)
    assert funnel.total.counts[0] == 1000
    by_source = {row.label: row.counts for row in funnel.tables[0].rows}
    assert list(by_source) == [
        "Hauptschule am Schwalbenweg, Herne",
        "jc-bochum",
        "jugendzentrum-1",
        "ohne Link",
    ]
    assert by_source["ohne Link"][0] == 100
    expected = Counter(
        name for i in range(1000) if person(i)[0] == "jc-bochum" for name in MILESTONES[: person(i)[3]]
    )
    assert by_source["jc-bochum"] == tuple(expected[name] for name in MILESTONES)
    assert [row.label for row in funnel.tables[1].rows] == ["de", "tr", "ar", "uk"]
    assert sum(row.counts[0] for row in funnel.tables[2].rows) == 1000
    assert herne.total.counts[0] == sum(1 for i in range(1000) if person(i)[2] == "Herne")
    assert later.total.counts[0] == 0  # everybody started on 1 September
    # start → coach answer: step 6 after (1 + i % 5) hours each, among those who reached it
    waits = sorted(6 * (1 + i % 5) for i in range(1000) if person(i)[3] > MILESTONES.index("coach_answered"))
    assert funnel.median_to_answer == dt.timedelta(hours=waits[len(waits) // 2])

    markdown = funnel_markdown(funnel)
    assert "## Wie weit junge Menschen kommen (Funnel)" in markdown and "### Nach Quelle" in markdown
    assert "| Gestartet | 1000 |" in markdown
    table = list(csv.reader(io.StringIO(funnel_csv(funnel)), delimiter=";"))
    assert table[0] == ["Gliederung", "Gruppe", "Schritt", "Personen", "Quote zum vorigen Schritt"]
    assert len(table) == 1 + len(MILESTONES) * (1 + 4 + 4 + 3)
    assert "Hauptschule am Schwalbenweg, Herne:" in funnel_summary(funnel)
    render_png(market, tmp_path / "report.png", funnel=funnel)  # the market chart with the funnel under it
    assert png_size(tmp_path / "report.png") == (800, 1000)


def test_a_single_small_cell_cannot_be_recomputed_from_the_total() -> None:
    # 9 people in total, 7 in one row: without a second hidden cell the "<5" row would be 2.
    cells, protected = protect_column([7, 2, 0])
    assert protected and cells == [HIDDEN, SMALL, "0"]
    assert all(len(values) >= 2 for values in hidden_values(cells, 9))
    cells, _ = protect_column([40, 12, 6, 3])
    assert cells == ["40", "12", HIDDEN, SMALL]
    assert all(len(values) >= 2 for values in hidden_values(cells, 61))
    assert protect_column([40, 12, 6])[0] == ["40", "12", "6"]  # nothing small, nothing hidden


def test_when_no_cell_can_protect_a_column_its_total_is_hidden() -> None:
    funnel = FunnelReport(
        total=FunnelRow("Alle", (8,) * len(MILESTONES)),
        tables=(FunnelTable("Sprache", (FunnelRow("de", (4,) * 9), FunnelRow("tr", (4,) * 9))),),
        median_to_answer=None,
        answered=0,
    )
    shown = protect(funnel)
    assert shown.total == [HIDDEN] * len(MILESTONES)  # 8 = 4 + 4 would pin both "<5"
    assert shown.tables == [[[SMALL] * 9, [SMALL] * 9]]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=14), min_size=1, max_size=5))
def test_no_hidden_cell_can_be_pinned_down(values: list[int]) -> None:
    cells, protected = protect_column(values)
    assert all(cell == str(v) for cell, v in zip(cells, values, strict=True) if cell.isdigit())
    assert not any(cell.isdigit() and 0 < int(cell) < 5 for cell in cells)
    if protected and sum(values) >= 5:
        assert all(len(found) >= 2 for found in hidden_values(cells, sum(values)))
