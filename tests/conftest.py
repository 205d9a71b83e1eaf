"""Shared fixtures: a real database per test (SQLite by default, PostgreSQL with TEST_DATABASE_URL)."""

from __future__ import annotations

import datetime as dt
import os
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

TODAY = dt.date(2026, 11, 28)


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


@pytest.fixture
async def db_url(tmp_path: Path) -> AsyncIterator[str]:
    """A migrated, empty database for one test."""
    url = os.environ.get("TEST_DATABASE_URL") or f"sqlite+aiosqlite:///{tmp_path / 'test.sqlite3'}"
    if url.startswith("postgresql"):
        await _reset_postgres(url)
    await upgrade(url)
    yield url
