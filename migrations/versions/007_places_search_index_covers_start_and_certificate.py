"""the places search index covers start date and certificate

The search leaves out places that start before the person can and orders the ones whose certificate
requirement the person meets first; with both columns in the index, counting and fetching a fit tier read
the index only (no row lookups), as before.

Revision ID: 007
Revises: 006
Create Date: 2026-11-29
"""

from collections.abc import Sequence

from alembic import op

revision: str = "007"
down_revision: str | None = "006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD = ["active", "occupation_id", "lat", "lon"]
NEW = [*OLD, "start_date", "certificate"]


def upgrade() -> None:
    with op.batch_alter_table("places", schema=None) as batch_op:
        batch_op.drop_index("ix_places_search")
        batch_op.create_index("ix_places_search", NEW, unique=False)


def downgrade() -> None:
    with op.batch_alter_table("places", schema=None) as batch_op:
        batch_op.drop_index("ix_places_search")
        batch_op.create_index("ix_places_search", OLD, unique=False)
