"""The postcode directory at full speed: the postcodes' (release, outcode) index goes (no query reads postcodes by
outcode: the outcode centroids have a table of their own, and every load built the index over 2.7 million rows), and
on SQLite the table is rebuilt WITHOUT ROWID, so the primary key is the table itself: a lookup probes one B-tree
instead of the key's index and then the table, and a load writes one instead of two. PostgreSQL has no such option:
there only the index goes.

The postcodes' foreign key to their release goes too: PostgreSQL checks it row by row at the end of a COPY (a lookup
of the release and a lock on it for each of 2.7 million rows, 20-25 s of the server's time a load, more than the
table and its key), and SQLite never checked it (foreign keys are off on its connections). A release's postcodes are
written only by load_release, after the release, in its transaction, and deleted only by purge_inactive_releases,
before the release: the ON DELETE CASCADE was never what deleted them.

Revision ID: 0014_postcodes_without_rowid
Revises: 0013_search_at_scale
Create Date: 2026-12-04

"""

from alembic import op


revision = "0014_postcodes_without_rowid"
down_revision = "0013_search_at_scale"
branch_labels = None
depends_on = None

FOREIGN_KEY = "fk_postcodes_release_id_postcode_releases"


def upgrade():
    if op.get_bind().dialect.name == "sqlite":
        # SQLite cannot change a table's kind in place: batch mode makes the new table, copies the rows (in rowid
        # order, which is the load's, so nearly in key order) and renames it over the old, keeping the key, the
        # foreign key and its ON DELETE CASCADE as reflected.
        with op.batch_alter_table(
            "postcodes", recreate="always", table_kwargs={"sqlite_with_rowid": False}
        ) as batch_op:
            batch_op.drop_index("ix_postcodes_release_outcode")
            batch_op.drop_constraint(FOREIGN_KEY, type_="foreignkey")
    else:
        op.drop_index("ix_postcodes_release_outcode", table_name="postcodes")
        op.drop_constraint(FOREIGN_KEY, "postcodes", type_="foreignkey")


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table(
            "postcodes", recreate="always", table_kwargs={"sqlite_with_rowid": True}
        ) as batch_op:
            batch_op.create_index("ix_postcodes_release_outcode", ["release_id", "outcode"], unique=False)
            batch_op.create_foreign_key(FOREIGN_KEY, "postcode_releases", ["release_id"], ["id"], ondelete="CASCADE")
    else:
        op.create_index("ix_postcodes_release_outcode", "postcodes", ["release_id", "outcode"], unique=False)
        op.create_foreign_key(FOREIGN_KEY, "postcodes", "postcode_releases", ["release_id"], ["id"], ondelete="CASCADE")
