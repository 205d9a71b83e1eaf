"""coach groups per operator and the coach outbox

Each hand-off remembers its coach group (``handoffs.coach_chat_id``: chosen by the person's town, moved by
a hand-over; empty for older requests, which belong to the fallback group). Every message to a coach group
is a row of ``coach_outbox``, written in the transaction of what caused it and sent by the group's sender
within the group's budget.

Revision ID: 008
Revises: 007
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "008"
down_revision: str | None = "007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("handoffs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("coach_chat_id", sa.BigInteger(), nullable=True))
        batch_op.create_index(batch_op.f("ix_handoffs_coach_chat_id"), ["coach_chat_id"], unique=False)
    op.create_table(
        "coach_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("handoff_id", sa.Integer(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("dedupe_key", sa.String(length=80), nullable=True),
        sa.Column("state", sa.String(length=8), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_message_id", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["handoff_id"],
            ["handoffs.id"],
            name=op.f("fk_coach_outbox_handoff_id_handoffs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coach_outbox")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_coach_outbox_dedupe_key")),
    )
    op.create_index(
        "ix_coach_outbox_next", "coach_outbox", ["chat_id", "state", "priority", "id"], unique=False
    )
    op.create_index(op.f("ix_coach_outbox_handoff_id"), "coach_outbox", ["handoff_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_coach_outbox_handoff_id"), table_name="coach_outbox")
    op.drop_index("ix_coach_outbox_next", table_name="coach_outbox")
    op.drop_table("coach_outbox")
    with op.batch_alter_table("handoffs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_handoffs_coach_chat_id"))
        batch_op.drop_column("coach_chat_id")
