"""Answers from Companies House's online service, cached by company number (issue 15, online lookups).

Revision ID: 0019_companies_house_api
Revises: 0018_register_check_runs
Create Date: 2026-12-05

"""

import sqlalchemy as sa
from alembic import op

revision = "0019_companies_house_api"
down_revision = "0018_register_check_runs"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "companies_house_api_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_number", sa.String(length=8), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("profile", sa.JSON(), nullable=True),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_companies_house_api_answers")),
        sa.UniqueConstraint("company_number", name=op.f("uq_companies_house_api_answers_company_number")),
    )


def downgrade():
    op.drop_table("companies_house_api_answers")
