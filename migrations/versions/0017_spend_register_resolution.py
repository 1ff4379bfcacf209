"""A spend supplier placed by a public register (issue 15): a payee that is not on this register but is on Companies
House's (or the Charity Commission's, or the FCA's), matched by its number or exact name, is placed by the
registered office the register gives. The resolution's CHECK constraint gains 'registered'.

Revision ID: 0017_spend_register_resolution
Revises: 0016_provider_register_records
Create Date: 2026-12-04

"""

import warnings

from alembic import op
from sqlalchemy.exc import SAWarning

revision = "0017_spend_register_resolution"
down_revision = "0016_provider_register_records"
branch_labels = None
depends_on = None

CONSTRAINT = "ck_spend_suppliers_spend_resolution"
BEFORE = ("unresolved", "suggested", "matched", "linked", "placed", "excluded")
AFTER = (*BEFORE, "registered")


def _condition(values: tuple[str, ...]) -> str:
    return "resolution IN (" + ", ".join(f"'{value}'" for value in values) + ")"


def _replace(values: tuple[str, ...]) -> None:
    # On SQLite the table is rebuilt (batch mode copies it with its other constraints, reflected); on PostgreSQL the
    # constraint is dropped and added. The name is the naming convention's: ck_<table>_<enum name>. Reflecting the
    # table follows its foreign keys to providers, whose lower(name) index SQLAlchemy cannot reflect on SQLite and
    # says so: that index is not this table's and is not touched.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based index", SAWarning)
        with op.batch_alter_table("spend_suppliers") as batch_op:
            batch_op.drop_constraint(op.f(CONSTRAINT), type_="check")
            batch_op.create_check_constraint("spend_resolution", _condition(values))


def upgrade():
    _replace(AFTER)


def downgrade():
    op.execute("UPDATE spend_suppliers SET resolution = 'unresolved' WHERE resolution = 'registered'")
    _replace(BEFORE)
