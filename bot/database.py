"""Engine and sessions for SQLite (aiosqlite) and PostgreSQL (asyncpg), and Alembic migrations."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


class DatabaseError(Exception):
    """The database cannot be reached or migrated; the message says why in one line."""


def create_engine(url: str, pool_size: int = 5) -> AsyncEngine:
    """The one engine of a process: its pool (``pool_size`` connections, the running bot passes
    ``CONCURRENT_UPDATES``) serves the ORM sessions and the dialog state (``bot/chat/state_sql.py``)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if not parsed.database or parsed.database == ":memory:":
            raise DatabaseError(
                "DATABASE_URL: an SQLite database must be a file (several connections share it)"
            )
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, connect_args={"timeout": 30}, pool_size=pool_size)

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            # Autocommit: SQLAlchemy's transactions begin in _begin_immediate, a statement sent to the
            # driver directly (the dialog state) commits on its own.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        @event.listens_for(engine.sync_engine, "begin")
        def _begin_immediate(conn: Any) -> None:
            # Take the write lock at the start: two connections that read first and then write would
            # otherwise fail at once with "database is locked" instead of waiting for each other.
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return create_async_engine(url, pool_pre_ping=True, pool_size=pool_size)


def sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


async def upgrade(url: str) -> None:
    """Bring the schema to the newest migration (idempotent)."""
    try:
        engine = create_engine(url)
    except OSError as exc:  # the SQLite file's directory cannot be created
        raise DatabaseError(f"DATABASE_URL: cannot create {exc.filename} ({exc.strerror})") from None
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception as exc:  # any driver error: say it in one line
        raise DatabaseError(
            f"DATABASE_URL: cannot connect ({type(exc).__name__}: {str(exc).splitlines()[0]})"
        ) from None
    finally:
        await engine.dispose()
    await asyncio.to_thread(command.upgrade, alembic_config(url), "head")
