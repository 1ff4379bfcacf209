"""The commissioner's shortlist in the making is kept with the signed-in session on the server.

Revision ID: 0011_session_shortlist
Revises: 0010_reviews
Create Date: 2026-12-03

"""

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "0011_session_shortlist"
down_revision = "0010_reviews"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("shortlist", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("user_sessions", schema=None) as batch_op:
        batch_op.drop_column("shortlist")
