"""The public registers: releases of Companies House, the Charity Commission and the FCA Mutuals Public Register,
and their organisations (issue 15). Each register's rows carry their release's id with no foreign key, as the
postcodes do (migration 0014): a release's rows are written after it and deleted before it by the one module that
loads them, and a foreign key would be checked row by row in a bulk load of millions.

Revision ID: 0015_public_registers
Revises: 0014_postcodes_without_rowid
Create Date: 2026-12-04

"""

import sqlalchemy as sa
from alembic import op


revision = "0015_public_registers"
down_revision = "0014_postcodes_without_rowid"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "register_releases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("register", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("source_files", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=700), nullable=False),
        sa.Column("published_on", sa.Date(), nullable=False),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seconds_to_load", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_register_releases")),
    )
    op.create_index("ix_register_releases_register_active", "register_releases", ["register", "active"])
    op.create_table(
        "register_companies",
        sa.Column("release_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=8), nullable=False),
        sa.Column("name", sa.String(length=160), nullable=False),
        sa.Column("name_key", sa.String(length=160), nullable=False),
        sa.Column("category", sa.String(length=120), nullable=False),
        sa.Column("status", sa.String(length=80), nullable=False),
        sa.Column("incorporated_on", sa.Date(), nullable=True),
        sa.Column("dissolved_on", sa.Date(), nullable=True),
        sa.Column("address", sa.String(length=800), nullable=False),
        sa.Column("postcode", sa.String(length=8), nullable=True),
        sa.Column("country", sa.String(length=60), nullable=False),
        sa.Column("sic", sa.Text(), nullable=False),
        sa.Column("previous_name", sa.String(length=160), nullable=False),
        sa.PrimaryKeyConstraint("release_id", "number", name=op.f("pk_register_companies")),
        sqlite_with_rowid=False,
    )
    op.create_index(
        "ix_register_companies_release_name_key", "register_companies", ["release_id", "name_key", "number", "name"]
    )
    op.create_table(
        "register_charities",
        sa.Column("release_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=7), nullable=False),
        sa.Column("name", sa.String(length=160), nullable=False),
        sa.Column("name_key", sa.String(length=160), nullable=False),
        sa.Column("company_number", sa.String(length=8), nullable=True),
        sa.Column("charity_type", sa.String(length=60), nullable=False),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.Column("registered_on", sa.Date(), nullable=True),
        sa.Column("removed_on", sa.Date(), nullable=True),
        sa.Column("address", sa.String(length=500), nullable=False),
        sa.Column("postcode", sa.String(length=8), nullable=True),
        sa.Column("website", sa.String(length=200), nullable=False),
        sa.Column("activities", sa.Text(), nullable=False),
        sa.Column("classifications", sa.Text(), nullable=False),
        sa.Column("areas_of_operation", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("release_id", "number", name=op.f("pk_register_charities")),
    )
    op.create_index(
        "ix_register_charities_release_name_key", "register_charities", ["release_id", "name_key", "number", "name"]
    )
    op.create_index(
        "ix_register_charities_release_company_number", "register_charities", ["release_id", "company_number"]
    )
    op.create_table(
        "register_societies",
        sa.Column("release_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=160), nullable=False),
        sa.Column("name_key", sa.String(length=160), nullable=False),
        sa.Column("company_number", sa.String(length=8), nullable=True),
        sa.Column("society_type", sa.String(length=80), nullable=False),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.Column("registered_on", sa.Date(), nullable=True),
        sa.Column("deregistered_on", sa.Date(), nullable=True),
        sa.Column("address", sa.String(length=500), nullable=False),
        sa.Column("postcode", sa.String(length=8), nullable=True),
        sa.PrimaryKeyConstraint("release_id", "number", name=op.f("pk_register_societies")),
    )
    op.create_index(
        "ix_register_societies_release_name_key", "register_societies", ["release_id", "name_key", "number", "name"]
    )
    op.create_index(
        "ix_register_societies_release_company_number", "register_societies", ["release_id", "company_number"]
    )


def downgrade():
    for table in ("register_societies", "register_charities", "register_companies", "register_releases"):
        op.drop_table(table)
