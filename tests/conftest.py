"""Shared fixtures: a real database per test (SQLite by default, PostgreSQL with TEST_DATABASE_URL)."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.config import load_settings
from bot.database import create_engine, upgrade
from bot.runtime import Runtime, open_runtime
from dialogs.engine import Engine
from dialogs.model import Services
from knowledge.gazetteer import default_gazetteer
from knowledge.matcher import OccupationService, default_matcher
from tests.driver import Chat
from tests.e2e import COACH, COACH_CHAT, BotProcess
from tests.fakebotapi import FakeTelegram

TODAY = dt.date(2026, 11, 28)


def pytest_configure(config: pytest.Config) -> None:
    """TEST_DATABASE_URL is one database that every test empties: the suite runs there one test at a time."""
    workers = getattr(config.option, "numprocesses", None)
    if os.environ.get("TEST_DATABASE_URL") and workers not in (None, 0):
        raise pytest.UsageError("with TEST_DATABASE_URL run pytest without -n (the tests share one database)")


@pytest.fixture
def services() -> Services:
    return Services(
        gazetteer=default_gazetteer(), occupations=OccupationService(default_matcher()), today=lambda: TODAY
    )


@pytest.fixture
def engine(services: Services) -> Engine:
    return Engine(services)


@pytest.fixture
def chat(engine: Engine) -> Chat:
    return Chat(engine, lang="en")


async def _reset_postgres(url: str) -> None:
    db = create_engine(url)
    async with db.begin() as conn:
        await conn.execute(text("DROP SCHEMA public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
    await db.dispose()


@pytest.fixture
async def runtime(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Runtime]:
    """The bot's runtime (dialogs, places, hand-offs) on the test database, without Telegram."""
    for name in ("TELEGRAM_BOT_TOKEN", "COACH_CHAT_ID"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    rt = await open_runtime(load_settings(), migrate=False)
    yield rt
    await rt.close()


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite file with every migration applied, once per test session."""
    path = tmp_path_factory.mktemp("template") / "migrated.sqlite3"
    asyncio.run(upgrade(f"sqlite+aiosqlite:///{path}"))
    return path


@pytest.fixture
async def db_url(tmp_path: Path, migrated_sqlite: Path) -> AsyncIterator[str]:
    """A migrated, empty database for one test: a copy of the migrated SQLite file, or the PostgreSQL
    database of TEST_DATABASE_URL emptied and migrated again."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        await _reset_postgres(url)
        await upgrade(url)
    else:
        path = tmp_path / "test.sqlite3"
        with sqlite3.connect(migrated_sqlite) as source, sqlite3.connect(path) as copy:
            source.backup(copy)
        url = f"sqlite+aiosqlite:///{path}"
    yield url


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    """The fake Telegram Bot API on 127.0.0.1."""
    async with FakeTelegram() as fake:
        yield fake


@pytest.fixture
async def coach_bot(tg: FakeTelegram, db_url: str, tmp_path: Path) -> AsyncIterator[BotProcess]:
    tg.set_member(COACH_CHAT, COACH, "member")
    process = BotProcess(tg, db_url, tmp_path, COACH_CHAT_ID=str(COACH_CHAT))
    yield process
    await process.stop()
    assert "Traceback" not in process.served, process.served[-3000:]
