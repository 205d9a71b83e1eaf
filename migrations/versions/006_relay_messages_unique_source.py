"""one relay row per source message

A message that Telegram delivers again after a crash finds its relay row instead of adding a second one,
so the coach or the young person gets it once.

Revision ID: 006
Revises: 005
Create Date: 2026-11-29
"""

from collections.abc import Sequence

from alembic import op

revision: str = "006"
down_revision: str | None = "005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("relay_messages", schema=None) as batch_op:
        batch_op.create_unique_constraint(
            batch_op.f("uq_relay_messages_from_chat_id"), ["from_chat_id", "from_message_id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("relay_messages", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_relay_messages_from_chat_id"), type_="unique")
