"""Imports: what happens to dissolved rows, problem codes, dissolution dates, and evidence from the council's import.

* ``import_batches.dissolved_rows``: 'reject' (the default) or 'archive', the officer's choice for rows the file says
  are dissolved, removed or struck off.
* ``import_issues.code``: what kind of problem ('formula', 'ended', 'flagged', 'not_placed'), to count and list.
* ``providers.dissolved_on``: when its register says it was dissolved (kept for archived organisations).
* ``provider_identifiers.import_batch_id`` and ``provider_facts.import_batch_id``: the import that recorded a number
  or fact, and a new evidence state ``council_import``, so pages say "from the council's import of FILE on DATE".

Revision ID: 0008_import_facts
Revises: 0007_sessions
Create Date: 2026-12-03

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0008_import_facts"
down_revision = "0007_sessions"
branch_labels = None
depends_on = None

OLD_EVIDENCE = ("unknown", "self_declared", "register_matched", "officer_verified")
NEW_EVIDENCE = ("unknown", "self_declared", "council_import", "register_matched", "officer_verified")


def _evidence(values):
    return sa.Enum(*values, name="evidence_state", native_enum=False, create_constraint=True, length=40)


def upgrade():
    with op.batch_alter_table("import_batches", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "dissolved_rows",
                sa.Enum("reject", "archive", name="dissolved_rows", native_enum=False, create_constraint=True, length=40),
                server_default="reject",
                nullable=False,
            )
        )
    with op.batch_alter_table("import_issues", schema=None) as batch_op:
        batch_op.add_column(sa.Column("code", sa.String(length=30), nullable=True))
    with op.batch_alter_table("providers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("dissolved_on", sa.Date(), nullable=True))
    for table in ("provider_identifiers", "provider_facts"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("import_batch_id", sa.Integer(), nullable=True))
            batch_op.create_foreign_key(
                batch_op.f(f"fk_{table}_import_batch_id_import_batches"),
                "import_batches",
                ["import_batch_id"],
                ["id"],
                ondelete="SET NULL",
            )
            batch_op.drop_constraint(batch_op.f(f"ck_{table}_evidence_state"), type_="check")
            batch_op.create_check_constraint(
                batch_op.f(f"ck_{table}_evidence_state"),
                sa.column("evidence").in_(NEW_EVIDENCE),
            )


def downgrade():
    for table in ("provider_facts", "provider_identifiers"):
        # Evidence from an import reads as self-declared again once the state is gone.
        op.execute(
            sa.text(f"UPDATE {table} SET evidence = 'self_declared' WHERE evidence = 'council_import'")
        )
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(f"ck_{table}_evidence_state"), type_="check")
            batch_op.create_check_constraint(
                batch_op.f(f"ck_{table}_evidence_state"),
                sa.column("evidence").in_(OLD_EVIDENCE),
            )
            batch_op.drop_constraint(batch_op.f(f"fk_{table}_import_batch_id_import_batches"), type_="foreignkey")
            batch_op.drop_column("import_batch_id")
    with op.batch_alter_table("providers", schema=None) as batch_op:
        batch_op.drop_column("dissolved_on")
    with op.batch_alter_table("import_issues", schema=None) as batch_op:
        batch_op.drop_column("code")
    with op.batch_alter_table("import_batches", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_import_batches_dissolved_rows"), type_="check")
        batch_op.drop_column("dissolved_rows")
