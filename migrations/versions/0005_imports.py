"""Bulk CSV import: batches through upload, check, commit and undo; row issues and possible matches; the
changes a batch made (for undo); saved column mappings.

Revision ID: 0005_imports
Revises: 0004_commissioning_records
Create Date: 2026-11-25

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0005_imports"
down_revision = "0004_commissioning_records"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "import_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column("row_number", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after_digest", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["import_batches.id"],
            name=op.f("fk_import_changes_batch_id_import_batches"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_changes")),
        sa.UniqueConstraint("batch_id", "provider_id", name="uq_import_changes_batch_provider"),
    )
    with op.batch_alter_table("import_changes", schema=None) as batch_op:
        batch_op.create_index("ix_import_changes_provider", ["provider_id"], unique=False)

    op.create_table(
        "import_issues",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("row_number", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("column", sa.String(length=300), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=True),
        sa.Column("candidate_id", sa.Integer(), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("decision", sa.String(length=20), nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["import_batches.id"],
            name=op.f("fk_import_issues_batch_id_import_batches"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["providers.id"],
            name=op.f("fk_import_issues_candidate_id_providers"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_issues")),
    )
    with op.batch_alter_table("import_issues", schema=None) as batch_op:
        batch_op.create_index("ix_import_issues_batch_kind_row", ["batch_id", "kind", "row_number"], unique=False)

    op.create_table(
        "import_mappings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("columns", sa.JSON(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_import_mappings_created_by_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_mappings")),
        sa.UniqueConstraint("name", name=op.f("uq_import_mappings_name")),
    )
    with op.batch_alter_table("import_batches", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "status",
                sa.Enum(
                    "uploaded",
                    "checking",
                    "checked",
                    "importing",
                    "imported",
                    "undone",
                    "failed",
                    name="import_status",
                    native_enum=False,
                    create_constraint=True,
                    length=40,
                ),
                server_default="imported",
                nullable=False,
            )
        )
        batch_op.add_column(sa.Column("stored_file", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("file_size", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("file_format", sa.JSON(), server_default=sa.text("'{}'"), nullable=False))
        batch_op.add_column(sa.Column("mapping", sa.JSON(), server_default=sa.text("'{}'"), nullable=False))
        batch_op.add_column(sa.Column("mapping_name", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("publish_verified", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column("job_id", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("error", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("checked_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("committed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("committed_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("undone_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("undone_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("undo_report", sa.JSON(), server_default=sa.text("'{}'"), nullable=False))
        batch_op.create_foreign_key(
            batch_op.f("fk_import_batches_undone_by_id_users"), "users", ["undone_by_id"], ["id"], ondelete="SET NULL"
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_import_batches_committed_by_id_users"),
            "users",
            ["committed_by_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade():
    with op.batch_alter_table("import_batches", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_import_batches_committed_by_id_users"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_import_batches_undone_by_id_users"), type_="foreignkey")
        batch_op.drop_column("undo_report")
        batch_op.drop_column("undone_by_id")
        batch_op.drop_column("undone_at")
        batch_op.drop_column("committed_by_id")
        batch_op.drop_column("committed_at")
        batch_op.drop_column("checked_at")
        batch_op.drop_column("error")
        batch_op.drop_column("job_id")
        batch_op.drop_column("publish_verified")
        batch_op.drop_column("mapping_name")
        batch_op.drop_column("mapping")
        batch_op.drop_column("file_format")
        batch_op.drop_column("file_size")
        batch_op.drop_column("stored_file")
        batch_op.drop_constraint(batch_op.f("ck_import_batches_import_status"), type_="check")
        batch_op.drop_column("status")

    op.drop_table("import_mappings")
    with op.batch_alter_table("import_issues", schema=None) as batch_op:
        batch_op.drop_index("ix_import_issues_batch_kind_row")

    op.drop_table("import_issues")
    with op.batch_alter_table("import_changes", schema=None) as batch_op:
        batch_op.drop_index("ix_import_changes_provider")

    op.drop_table("import_changes")
