"""companies report places: companies, company_places, company_shares

A company contact's data and dialog state (``companies``), each company place beside its ``places`` row
(status, coach verification, expiry, filled through the programme) and a young person's consent to share
their first name and profile with a company (``company_shares``).

Revision ID: 010
Revises: 009
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "010"
down_revision: str | None = "009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "companies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("lang", sa.String(length=8), nullable=False),
        sa.Column("step", sa.String(length=32), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("contact", sa.String(length=300), nullable=False),
        sa.Column("reach", sa.String(length=300), nullable=False),
        sa.Column("street", sa.String(length=300), nullable=False),
        sa.Column("postcode", sa.String(length=10), nullable=False),
        sa.Column("town", sa.String(length=100), nullable=False),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("topic_chat_id", sa.BigInteger(), nullable=True),
        sa.Column("topic_thread_id", sa.BigInteger(), nullable=True),
        sa.Column("question_open", sa.Boolean(), nullable=False),
        sa.Column("update_ids", sa.Text(), server_default="", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_companies")),
        sa.UniqueConstraint("user_id", name=op.f("uq_companies_user_id")),
    )
    op.create_index(op.f("ix_companies_updated_at"), "companies", ["updated_at"], unique=False)
    op.create_table(
        "company_places",
        sa.Column("place_id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("occupation_id", sa.String(length=40), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("start", sa.String(length=7), nullable=False),
        sa.Column("certificate", sa.String(length=8), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("reason", sa.String(length=24), nullable=False),
        sa.Column("filled_by_programme", sa.Boolean(), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_company_places_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["place_id"], ["places.id"], name=op.f("fk_company_places_place_id_places"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("place_id", name=op.f("pk_company_places")),
    )
    op.create_index(op.f("ix_company_places_company_id"), "company_places", ["company_id"], unique=False)
    op.create_index("ix_company_places_expiry", "company_places", ["status", "confirmed_at"], unique=False)
    op.create_table(
        "company_shares",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("place_id", sa.Integer(), nullable=False),
        sa.Column("first_name", sa.String(length=64), nullable=False),
        sa.Column("agreed_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("meet_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["place_id"], ["places.id"], name=op.f("fk_company_shares_place_id_places"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_company_shares_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_company_shares")),
        sa.UniqueConstraint("user_id", "place_id", name=op.f("uq_company_shares_user_id")),
    )
    op.create_index(op.f("ix_company_shares_place_id"), "company_shares", ["place_id"], unique=False)


def downgrade() -> None:
    op.drop_table("company_shares")
    op.drop_table("company_places")
    op.drop_table("companies")
