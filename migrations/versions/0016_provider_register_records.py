"""What a public register said about a provider when it confirmed the register's details (issue 15): kept beside
what the provider said, with the release it came from.

Revision ID: 0016_provider_register_records
Revises: 0015_public_registers
Create Date: 2026-12-04

"""

import sqlalchemy as sa
from alembic import op

revision = "0016_provider_register_records"
down_revision = "0015_public_registers"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "provider_register_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column("register", sa.String(length=20), nullable=False),
        sa.Column("number", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=160), nullable=False),
        sa.Column("kind", sa.String(length=120), nullable=False),
        sa.Column("status", sa.String(length=80), nullable=False),
        sa.Column("liveness", sa.String(length=10), nullable=False),
        sa.Column("legal_form", sa.String(length=40), nullable=False),
        sa.Column("address", sa.String(length=800), nullable=False),
        sa.Column("postcode", sa.String(length=8), nullable=True),
        sa.Column("sic", sa.Text(), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=True),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("release_name", sa.String(length=200), nullable=False),
        sa.Column("published_on", sa.Date(), nullable=False),
        sa.Column("checked_on", sa.Date(), nullable=False),
        sa.Column("findings", sa.Text(), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("confirmed_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["provider_id"],
            ["providers.id"],
            name=op.f("fk_provider_register_records_provider_id_providers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["confirmed_by_id"],
            ["users.id"],
            name=op.f("fk_provider_register_records_confirmed_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_provider_register_records")),
        sa.UniqueConstraint("provider_id", "register", name=op.f("uq_provider_register_records_provider_id")),
    )


def downgrade():
    op.drop_table("provider_register_records")
