"""The Alembic migrations build exactly the schema the models declare (nothing forgotten in a migration)."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from bot.database import create_engine
from bot.models import Base


async def test_migrations_build_the_schema_of_the_models(db_url: str) -> None:
    def differences(connection: Any) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))

    db = create_engine(db_url)
    try:
        async with db.connect() as conn:
            diff = await conn.run_sync(differences)
    finally:
        await db.dispose()
    assert diff == []
