"""Deep-link sources: recorded with the consent only, first contact wins, unknown codes; the QR code."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.funnel import reached
from bot.models import Milestone, User
from bot.runtime import Runtime
from dialogs.model import Event
from tests.driver import ServiceChat

START = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


def test_a_command_keeps_its_argument() -> None:
    assert Event.typed("/start schule-herne-1") == Event("command", "start", argument="schule-herne-1")
    assert Event.typed("/start@ausbildung_bot  jc_bochum ") == Event("command", "start", argument="jc_bochum")
    assert Event.typed("/start") == Event("command", "start")


async def rows(runtime: Runtime) -> tuple[int, int]:
    async with runtime.dialogs.sessions() as session:
        users = await session.scalar(select(func.count()).select_from(User))
        milestones = await session.scalar(select(func.count()).select_from(Milestone))
    return users or 0, milestones or 0


async def test_the_source_is_recorded_with_the_consent_only_and_the_first_contact_wins(
    runtime: Runtime,
) -> None:
    await runtime.dialogs.sources.add("schule-herne-1", "Hauptschule am Schwalbenweg, Herne")
    await runtime.dialogs.sources.add("jc-bochum", "Jobcenter Bochum")
    moments = iter([START + dt.timedelta(minutes=m) for m in range(100)])
    runtime.dialogs.clock = lambda: next(moments)
    chat = ServiceChat(runtime.dialogs, 701)
    await chat.send("/start schule-herne-1")
    assert "how old are you" in chat.text
    await chat.send("/start jc-bochum")  # a second link before consent: the first contact wins
    await chat.send("17")
    assert await rows(runtime) == (0, 0)  # before consent nothing is stored
    await chat.tap("Yes")
    state = await runtime.dialogs.state(701)
    assert state is not None and state.profile.source == "schule-herne-1"
    async with runtime.dialogs.sessions() as session:
        milestones = await reached(session, 701)
    assert milestones == {"started": START, "consented": START + dt.timedelta(minutes=3)}

    await chat.send("/start jc-bochum")  # somebody who already exists keeps their source
    state = await runtime.dialogs.state(701)
    assert state is not None and state.profile.source == "schule-herne-1"
    counts = {s.code: s.people for s in await runtime.dialogs.sources.counts()}
    assert counts == {"jc-bochum": 0, "schule-herne-1": 1}


@pytest.mark.parametrize("code", ["no-such-school", "bad code!"])
async def test_an_unknown_code_is_recorded_as_unknown_and_never_shown(
    runtime: Runtime, code: str, caplog: pytest.LogCaptureFixture
) -> None:
    chat = ServiceChat(runtime.dialogs, 702)
    await chat.send(f"/start {code}")
    assert "how old are you" in chat.text and code not in chat.text
    await chat.send("16")
    await chat.tap("Yes")
    assert "unknown" not in chat.text.casefold()
    state = await runtime.dialogs.state(702)
    assert state is not None and state.profile.source == "unknown"
    assert "unknown source code" in caplog.text and code not in caplog.text
    assert {s.code: s.people for s in await runtime.dialogs.sources.counts()} == {"unknown": 1}


def test_the_qr_code_decodes_back_to_the_link(tmp_path: Path) -> None:
    import zxingcpp
    from PIL import Image

    from bot.qr import write_flyer_qr

    link = "https://t.me/ausbildungswege_bot?start=schule-herne-1"
    write_flyer_qr(link, "Hauptschule am Schwalbenweg, Herne", tmp_path / "flyer.png")
    image = Image.open(tmp_path / "flyer.png")
    assert image.height > image.width  # the name stands under the code
    (found,) = zxingcpp.read_barcodes(image)
    assert found.text == link


async def test_milestones_are_exported_and_deleted_with_the_person(runtime: Runtime) -> None:
    import json

    chat = ServiceChat(runtime.dialogs, 703)
    await chat.onboard()
    await chat.tap("Open places")
    data = json.loads((await chat.send("/export")).attachment[1])  # type: ignore[index]
    assert list(data["milestones"]) == ["started", "consented", "profile_done", "places_seen"]
    assert data["follow_ups"]["reminders"] is True and data["profile"]["answers"].get("source") is None
    await chat.send("/delete")
    await chat.tap("Yes, delete everything")
    assert await rows(runtime) == (0, 0)


async def test_end_to_end_a_school_link_shows_in_sources_list_and_the_report(
    runtime: Runtime, db_url: str, tmp_path: Path
) -> None:
    from tests.test_cli import cli

    added = cli(tmp_path, "sources", "add", "schule-herne-1", "--name", "Hauptschule am Schwalbenweg, Herne",
                db_url=db_url, TELEGRAM_BOT_USERNAME="@ausbildungswege_bot")  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert added.stdout.splitlines() == [
        "registered schule-herne-1: Hauptschule am Schwalbenweg, Herne",
        "https://t.me/ausbildungswege_bot?start=schule-herne-1",
    ]
    chat = ServiceChat(runtime.dialogs, 704)
    await chat.send("/start schule-herne-1")
    await chat.onboard()
    listed = cli(tmp_path, "sources", "list", db_url=db_url)
    assert "schule-herne-1     <5 people  Hauptschule am Schwalbenweg, Herne" in listed.stdout
    report = cli(tmp_path, "report", db_url=db_url)
    assert "| Hauptschule am Schwalbenweg, Herne | <5 | <5 | <5 |" in report.stdout
    funnel_csv = cli(tmp_path, "report", "--funnel", "--format", "csv", db_url=db_url).stdout
    assert "Quelle;Hauptschule am Schwalbenweg, Herne;Profil fertig;<5;–" in funnel_csv
    qr = cli(tmp_path, "sources", "qr", "schule-herne-1", "--out", str(tmp_path / "flyer.png"), db_url=db_url,
             TELEGRAM_BOT_USERNAME="ausbildungswege_bot")  # fmt: skip
    assert qr.returncode == 0 and (tmp_path / "flyer.png").read_bytes()[:4] == b"\x89PNG"
    unknown = cli(tmp_path, "sources", "qr", "nope", "--out", str(tmp_path / "x.png"), db_url=db_url,
                  TELEGRAM_BOT_USERNAME="ausbildungswege_bot")  # fmt: skip
    assert unknown.returncode == 1 and "no such source" in unknown.stderr
    reserved = cli(tmp_path, "sources", "add", "unknown", "--name", "x", db_url=db_url)
    assert reserved.returncode == 2 and "reserved" in reserved.stderr
