"""Persistence of the dialog in a real database, and the console chat as a user runs it."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import itertools
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import StatementError

from bot.chat.service import DialogService
from bot.chat.state_store import KEEP, Stored, open_state_store
from bot.cli import _parser, main
from bot.coach.store import HandoffStore
from bot.database import create_engine, sessionmaker
from bot.models import User
from bot.places.controller import PlacesController
from bot.places.store import PlacesStore
from bot.runtime import Runtime
from dialogs.engine import Engine
from dialogs.model import Event, State
from knowledge.catalogue import default_catalogue
from knowledge.region import LOCAL_TZ
from tests.driver import ServiceChat


async def count_users(url: str) -> int:
    db = create_engine(url)
    async with sessionmaker(db)() as session:
        n = await session.scalar(select(func.count()).select_from(User))
    await db.dispose()
    return int(n or 0)


@asynccontextmanager
async def process(db_url: str, engine: Engine) -> AsyncIterator[DialogService]:
    """The dialog service as one bot process has it: its own connections and its own cache."""
    db = create_engine(db_url)
    sessions = sessionmaker(db)
    places = PlacesController(
        PlacesStore(sessions, default_catalogue()), default_catalogue(), engine.services.today
    )
    store = await open_state_store(db)
    try:
        yield DialogService(sessions, store, engine, places, HandoffStore(sessions))
    finally:
        await store.close()
        await db.dispose()


async def consented(service: DialogService, user_id: int, first_update: int) -> None:
    await service.handle(user_id, Event.typed("17"), "en", update_id=first_update)
    await service.handle(user_id, Event("choice", "yes:17", step="consent"), "en", update_id=first_update + 1)


async def test_nothing_is_stored_before_consent_and_everything_after(db_url: str, engine: Engine) -> None:
    async with process(db_url, engine) as service:
        await service.handle(7, Event("command", "start"), "en", update_id=1)
        await service.handle(7, Event.typed("17"), "en", update_id=2)
        assert await count_users(db_url) == 0
        result = await service.handle(7, Event("choice", "yes:17", step="consent"), "en", update_id=3)
        assert result.state.step == "situation"
        assert await count_users(db_url) == 1
        await service.handle(7, Event("choice", "pupil", step="situation"), "en", update_id=4)

    async with process(db_url, engine) as restarted:  # a new process continues where the person stopped
        state = await restarted.state(7)
        assert state is not None and state.step == "certificate" and state.profile.age == 17


async def test_a_redelivered_update_is_not_applied_twice(db_url: str, engine: Engine) -> None:
    async with process(db_url, engine) as service:
        await consented(service, 8, 10)
        first = await service.handle(8, Event("choice", "pupil", step="situation"), "en", update_id=12)
        again = await service.handle(8, Event("choice", "pupil", step="situation"), "en", update_id=12)
        assert again.duplicate and again.state.step == first.state.step == "certificate"
        assert "school certificate" in again.replies[0].text  # the current question is asked again


async def test_two_processes_serving_one_person_apply_every_update_once(db_url: str, engine: Engine) -> None:
    async with process(db_url, engine) as a, process(db_url, engine) as b:
        await consented(a, 9, 20)
        await b.handle(9, Event("choice", "pupil", step="situation"), "en", update_id=22)
        # a still has its own copy of the row from before b's write: the write is refused and redone
        result = await a.handle(9, Event("choice", "msa", step="certificate"), "en", update_id=23)
        assert result.state.step == "german" and not result.duplicate
        assert result.state.profile.situation == "pupil" and result.state.profile.certificate == "msa"
        # Telegram redelivers update 23 to b: recognised there although b never saw it
        again = await b.handle(9, Event("choice", "msa", step="certificate"), "en", update_id=23)
        assert again.duplicate and again.state.step == "german"
        # an update that was delayed (24 arrives after 25) is still applied, after the later one
        await b.handle(9, Event("choice", "good", step="german"), "en", update_id=25)
        late = await a.handle(9, Event.typed("/profile"), "en", update_id=24)
        assert not late.duplicate
        stored = await a.store.read(9)
        assert stored is not None and stored.update_ids == (21, 22, 23, 25, 24)  # 20 came before consent


async def test_deleting_the_data_in_one_process_is_seen_by_the_other(db_url: str, engine: Engine) -> None:
    async with process(db_url, engine) as a, process(db_url, engine) as b:
        await consented(a, 10, 30)
        await b.handle(10, Event("command", "privacy"), "en", update_id=32)
        await b.handle(10, Event("choice", "delete", step="privacy"), "en", update_id=33)
        deleted = await b.handle(10, Event("choice", "yes", step="delete"), "en", update_id=34)
        assert await count_users(db_url) == 0 and not deleted.state.consented
        # a's cached row is gone from the database: a starts again instead of writing over nothing
        result = await a.handle(10, Event.typed("hello"), "en", update_id=35)
        assert not result.state.consented and await count_users(db_url) == 0


async def test_a_connection_the_server_ended_is_replaced(db_url: str, engine: Engine) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("a PostgreSQL server ends connections (restart, idle timeout); an SQLite file does not")
    async with process(db_url, engine) as service:
        await consented(service, 13, 40)
        admin = create_engine(db_url)
        async with admin.connect() as conn:
            await conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
        await admin.dispose()
        await asyncio.sleep(0.2)  # the bot idles meanwhile: its event loop sees the connections close
        result = await service.handle(13, Event("choice", "pupil", step="situation"), "en", update_id=42)
        assert result.state.step == "certificate"


async def test_moments_are_stored_in_utc_and_come_back_time_zone_aware(db_url: str) -> None:
    db = create_engine(db_url)
    sessions = sessionmaker(db)
    noon_in_herne = dt.datetime(2026, 6, 1, 12, 0, tzinfo=LOCAL_TZ)
    try:
        async with sessions.begin() as session:
            session.add(User(id=11, lang="de", step="menu", consent_at=noon_in_herne))
        async with sessions() as session:
            user = await session.get(User, 11)
            assert user is not None and user.consent_at == noon_in_herne
            assert (
                user.consent_at.tzinfo == dt.UTC and user.created_at.tzinfo == dt.UTC
            )  # also server defaults
        with pytest.raises(StatementError, match="no time zone"):
            async with sessions.begin() as session:
                session.add(User(id=12, lang="de", step="menu", consent_at=dt.datetime(2026, 6, 1, 12, 0)))
    finally:
        await db.dispose()


def test_an_update_older_than_every_remembered_one_counts_as_applied() -> None:
    row = Stored(State(lang="en"), 3, tuple(range(100, 100 + KEEP)))
    assert row.applied(100) and row.applied(99) and not row.applied(100 + KEEP)
    assert not Stored(State(lang="en"), 1, (100,)).applied(99)  # few remembered: a late update is applied
    assert row.after(State(lang="en"), 500).update_ids == (*range(101, 100 + KEEP), 500)


def run_console(db_url: str, lines: list[str], *args: str) -> str:
    env = {**os.environ, "DATABASE_URL": db_url, "TELEGRAM_BOT_TOKEN": ""}
    proc = subprocess.run(
        [sys.executable, "-m", "bot.cli", "chat", *args],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


async def test_console_chat_runs_the_dialog_and_remembers_it(db_url: str) -> None:
    out = run_console(db_url, ["17", "1", "2", "4", "2", "13", "44628", "2"], "--user", "42", "--lang", "en")
    assert "how old are you" in out
    assert "📍 Got it: 44628 Herne" in out
    assert "How far can you travel" in out and "What are you interested in?" in out
    assert await count_users(db_url) == 1

    out = run_console(db_url, ["/language", "1"], "--user", "42", "--lang", "en")
    assert "Welcome back" in out and "What are you interested in?" in out
    assert "Okay" in out  # the switch is confirmed


def cli_commands(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> list[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    """Every command of the CLI parser, groups (``places``, ``db``) and their actions, with its parser."""
    found = [(path, parser)]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                found += cli_commands(child, (*path, name))
    return found


def test_cli_help_describes_every_command_and_option(capsys: pytest.CaptureFixture[str]) -> None:
    commands = cli_commands(_parser())
    leaves = {" ".join(path) for path, parser in commands if parser._subparsers is None}
    assert {"run", "chat", "match", "places import", "places demo", "db upgrade", "check"} <= leaves
    top = subprocess.run(
        [sys.executable, "-m", "bot.cli", "--help"], capture_output=True, text=True, check=True
    ).stdout
    for path, parser in commands:
        with pytest.raises(SystemExit) as exit_:
            main([*path, "--help"])
        out = capsys.readouterr().out
        assert exit_.value.code == 0 and out.startswith(f"usage: {' '.join(('ausbildungsbot', *path))}")
        flat = " ".join(out.split())  # argparse wraps lines
        expand = parser._get_formatter()._expand_help
        for action in parser._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            if isinstance(action, argparse._SubParsersAction):
                names = [choice.dest for choice in action._choices_actions]
                assert names == list(action.choices), f"{path}: a command without a help line"
                for choice in action._choices_actions:  # each command with its help line
                    assert choice.help and f"{choice.dest} {expand(choice)}" in flat, (path, choice.dest)
                    if not path:
                        assert f"{choice.dest} {expand(choice)}" in " ".join(top.split())
                continue
            assert action.help, f"{path} {action.dest} has no help text"
            assert expand(action) in flat, (path, action.help)
            if action.option_strings:
                assert all(option in out for option in action.option_strings), (path, action.option_strings)
            else:
                assert (action.metavar or action.dest) in out, (path, action.dest)


def test_bad_configuration_stops_with_one_clear_line() -> None:
    cases = {
        "TELEGRAM_BOT_TOKEN": ("not-a-token", "TELEGRAM_BOT_TOKEN"),
        "DATABASE_URL": ("mysql://x", "DATABASE_URL"),
        "TELEGRAM_API_BASE_URL": ("ftp//nope", "TELEGRAM_API_BASE_URL"),
    }
    for variable, (value, named) in cases.items():
        env = {**os.environ, variable: value}
        proc = subprocess.run(
            [sys.executable, "-m", "bot.cli", "db", "upgrade"], capture_output=True, text=True, env=env
        )
        assert proc.returncode == 2
        assert named in proc.stderr and "Traceback" not in proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1


def test_unreachable_database_is_reported_without_traceback() -> None:
    env = {**os.environ, "DATABASE_URL": "postgresql+asyncpg://nobody@127.0.0.1:1/none"}
    proc = subprocess.run(
        [sys.executable, "-m", "bot.cli", "db", "upgrade"], capture_output=True, text=True, env=env
    )
    assert proc.returncode == 2 and "DATABASE_URL" in proc.stderr and "Traceback" not in proc.stderr


async def _onboarded_with_places(runtime: Runtime, user_id: int) -> None:
    import datetime as dt

    from knowledge.demo_places import SOURCE, demo_offers

    offers = demo_offers(dt.date.today(), runtime.offer_reader().occupation_of)
    await runtime.places_store.replace_source(SOURCE, offers, demo=True)
    await ServiceChat(runtime.dialogs, user_id).onboard()


def blocks(out: str) -> list[str]:
    """What the console printed after each typed line (the first block: after the start)."""
    return out.split("you> ")


async def test_console_places_list_stays_after_a_mark_and_a_wrong_number(
    runtime: Runtime, db_url: str
) -> None:
    await _onboarded_with_places(runtime, 4242)
    out = blocks(run_console(db_url, ["1", "2", "1", "99", "1"], "--user", "4242"))
    listed, marked, wrong, details = out[1], out[3], out[4], out[5]
    assert "1. " in listed and "[1] ℹ️ 1" in listed
    assert "Saved!" in marked and "1. " in marked and "2. ❤️" in marked  # the list under the note
    assert "99" in wrong and "What would you like to do?" not in wrong
    assert "I'm interested" in details  # "1" still meant the list's first button


async def test_console_asks_to_tap_buttons_only_after_showing_them(runtime: Runtime, db_url: str) -> None:
    await _onboarded_with_places(runtime, 4243)
    out = blocks(
        run_console(db_url, ["/export", "hallo", "/help", "hallo", "/delete", "hallo"], "--user", "4243")
    )
    assert any("tap one of the buttons" in block for block in out)
    for before, block in itertools.pairwise(out):
        if "tap one of the buttons" in block:
            assert "     [1] " in before, before


async def test_console_location_hint_is_translated(db_url: str) -> None:
    from dialogs.i18n import LANGUAGES, translator

    english = "(type your postcode or town)"
    for lang in LANGUAGES:
        if lang != "en":
            assert translator(lang).gettext(english) != english, lang
    out = run_console(db_url, ["17", "1", "2", "4", "2", "13"], "--user", "43", "--lang", "tr")
    assert translator("tr").gettext(english) in out and english not in out
