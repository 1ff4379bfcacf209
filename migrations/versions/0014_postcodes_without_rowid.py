"""The postcode directory at full speed: the postcodes' (release, outcode) index goes (no query reads postcodes by
outcode: the outcode centroids have a table of their own, and every load built the index over 2.7 million rows), and
on SQLite the table is rebuilt WITHOUT ROWID, so the primary key is the table itself: a lookup probes one B-tree
instead of the key's index and then the table, and a load writes one instead of two. PostgreSQL has no such option:
there only the index goes.

Revision ID: 0014_postcodes_without_rowid
Revises: 0013_search_at_scale
Create Date: 2026-12-04

"""

from alembic import op


revision = "0014_postcodes_without_rowid"
down_revision = "0013_search_at_scale"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "sqlite":
        # SQLite cannot change a table's kind in place: batch mode makes the new table, copies the rows (in rowid
        # order, which is the load's, so nearly in key order) and renames it over the old, keeping the key, the
        # foreign key and its ON DELETE CASCADE as reflected.
        with op.batch_alter_table(
            "postcodes", recreate="always", table_kwargs={"sqlite_with_rowid": False}
        ) as batch_op:
            batch_op.drop_index("ix_postcodes_release_outcode")
    else:
        op.drop_index("ix_postcodes_release_outcode", table_name="postcodes")


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table(
            "postcodes", recreate="always", table_kwargs={"sqlite_with_rowid": True}
        ) as batch_op:
            batch_op.create_index("ix_postcodes_release_outcode", ["release_id", "outcode"], unique=False)
    else:
        op.create_index("ix_postcodes_release_outcode", "postcodes", ["release_id", "outcode"], unique=False)
