"""Persistence of the dialog in a real database, and the console chat as a user runs it."""

from __future__ import annotations

import os
import subprocess
import sys

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.database import create_engine, sessionmaker
from bot.handoffs import HandoffStore
from bot.models import User
from bot.places import PlacesController
from bot.places_store import PlacesStore
from bot.service import DialogService
from dialogs.engine import Engine
from dialogs.model import Event
from knowledge.catalogue import default_catalogue


async def count_users(url: str) -> int:
    db = create_engine(url)
    async with sessionmaker(db)() as session:
        n = await session.scalar(select(func.count()).select_from(User))
    await db.dispose()
    return int(n or 0)


def service_for(db: AsyncEngine, engine: Engine) -> DialogService:
    sessions = sessionmaker(db)
    places = PlacesController(PlacesStore(sessions, default_catalogue()), default_catalogue())
    return DialogService(sessions, engine, places, HandoffStore(sessions))


async def test_nothing_is_stored_before_consent_and_everything_after(db_url: str, engine: Engine) -> None:
    db = create_engine(db_url)
    service = service_for(db, engine)
    await service.handle(7, Event("command", "start"), "en", update_id=1)
    await service.handle(7, Event.typed("17"), "en", update_id=2)
    assert await count_users(db_url) == 0
    result = await service.handle(7, Event("choice", "yes:17", step="consent"), "en", update_id=3)
    assert result.state.step == "situation"
    assert await count_users(db_url) == 1
    await service.handle(7, Event("choice", "pupil", step="situation"), "en", update_id=4)
    await db.dispose()

    # a new process (new service, new engine connection) continues where the person stopped
    db = create_engine(db_url)
    restarted = service_for(db, engine)
    state = await restarted.state(7)
    assert state is not None and state.step == "certificate" and state.answers["age"] == 17
    await db.dispose()


async def test_a_redelivered_update_is_not_applied_twice(db_url: str, engine: Engine) -> None:
    db = create_engine(db_url)
    service = service_for(db, engine)
    await service.handle(8, Event.typed("17"), "en", update_id=10)
    await service.handle(8, Event("choice", "yes:17", step="consent"), "en", update_id=11)
    first = await service.handle(8, Event("choice", "pupil", step="situation"), "en", update_id=12)
    again = await service.handle(8, Event("choice", "pupil", step="situation"), "en", update_id=12)
    assert again.duplicate and again.state.step == first.state.step == "certificate"
    assert "school certificate" in again.replies[0].text  # the current question is asked again
    await db.dispose()


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


def test_cli_help_lists_every_command() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "bot.cli", "--help"], capture_output=True, text=True, check=True
    )
    for command in ("run", "chat", "db"):
        assert command in proc.stdout


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
