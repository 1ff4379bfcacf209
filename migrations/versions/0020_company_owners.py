"""Companies House's register of persons with significant control: the organisations that control companies, each
company's count of records, and the ownership found for a provider (issue 15, item 6).

Revision ID: 0020_company_owners
Revises: 0019_companies_house_api
Create Date: 2026-12-05

"""

import sqlalchemy as sa
from alembic import op

revision = "0020_company_owners"
down_revision = "0019_companies_house_api"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "psc_controllers",
        sa.Column("release_id", sa.Integer(), nullable=False),
        sa.Column("company_number", sa.String(length=8), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("registration_number", sa.String(length=60), nullable=False),
        sa.Column("country_registered", sa.String(length=120), nullable=False),
        sa.Column("legal_form", sa.String(length=120), nullable=False),
        sa.Column("legal_authority", sa.String(length=200), nullable=False),
        sa.Column("place_registered", sa.String(length=200), nullable=False),
        sa.Column("natures", sa.Text(), nullable=False),
        sa.Column("notified_on", sa.Date(), nullable=True),
        sa.Column("ceased_on", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("release_id", "company_number", "line", name=op.f("pk_psc_controllers")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "psc_companies",
        sa.Column("release_id", sa.Integer(), nullable=False),
        sa.Column("company_number", sa.String(length=8), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("people", sa.Integer(), nullable=False),
        sa.Column("organisations", sa.Integer(), nullable=False),
        sa.Column("statements", sa.Integer(), nullable=False),
        sa.Column("exemptions", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("release_id", "company_number", "line", name=op.f("pk_psc_companies")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "provider_ownerships",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column("company_number", sa.String(length=8), nullable=False),
        sa.Column("owner_kind", sa.String(length=20), nullable=False),
        sa.Column("parent_name", sa.String(length=300), nullable=True),
        sa.Column("parent_country", sa.String(length=80), nullable=True),
        sa.Column("offshore", sa.Boolean(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("published_on", sa.Date(), nullable=False),
        sa.Column("checked_on", sa.Date(), nullable=False),
        sa.Column("findings", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["provider_id"],
            ["providers.id"],
            name=op.f("fk_provider_ownerships_provider_id_providers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_provider_ownerships")),
        sa.UniqueConstraint("provider_id", name=op.f("uq_provider_ownerships_provider_id")),
    )


def downgrade():
    op.drop_table("provider_ownerships")
    # Their releases' rows in register_releases (register 'psc') go too: nothing reads them without these tables.
    op.execute("DELETE FROM register_releases WHERE register = 'psc'")
    op.drop_table("psc_companies")
    op.drop_table("psc_controllers")
