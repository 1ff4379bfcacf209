"""Runs of the check of every provider against the public registers, started by an officer as a job (issue 15).

Revision ID: 0018_register_check_runs
Revises: 0017_spend_register_resolution
Create Date: 2026-12-04

"""

import sqlalchemy as sa
from alembic import op

revision = "0018_register_check_runs"
down_revision = "0017_spend_register_resolution"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "register_check_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("started_by_id", sa.Integer(), nullable=True),
        sa.Column("started_by_label", sa.String(length=200), nullable=False),
        sa.Column("job_id", sa.String(length=100), nullable=True),
        sa.Column("providers", sa.Integer(), nullable=False),
        sa.Column("numbers", sa.Integer(), nullable=False),
        sa.Column("flagged", sa.JSON(), nullable=False),
        sa.Column("registers", sa.Text(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["started_by_id"],
            ["users.id"],
            name=op.f("fk_register_check_runs_started_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_register_check_runs")),
    )


def downgrade():
    op.drop_table("register_check_runs")
