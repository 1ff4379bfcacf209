"""The officers' review queue at a council's size: indexes for its status order and legal-form filter.

Revision ID: 0010_reviews
Revises: 0009_providers
Create Date: 2026-12-03

"""

from alembic import op


# revision identifiers, used by Alembic.
revision = "0010_reviews"
down_revision = "0009_providers"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("providers", schema=None) as batch_op:
        batch_op.create_index("ix_providers_status_submitted_at", ["status", "submitted_at", "id"], unique=False)
        batch_op.create_index("ix_providers_status_legal_form", ["status", "legal_form"], unique=False)


def downgrade():
    with op.batch_alter_table("providers", schema=None) as batch_op:
        batch_op.drop_index("ix_providers_status_legal_form")
        batch_op.drop_index("ix_providers_status_submitted_at")
