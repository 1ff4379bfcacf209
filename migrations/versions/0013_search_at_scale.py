"""Search at a real register's size: indexes for every filter and order the search and directory use, and the
providers' names as a column of their own in the full-text index (ranking by a name match instead of scoring every
match).

Revision ID: 0013_search_at_scale
Revises: 0012_spend
Create Date: 2026-12-04

"""

import sqlalchemy as sa
from alembic import op


revision = "0013_search_at_scale"
down_revision = "0012_spend"
branch_labels = None
depends_on = None

# The first line of a search document (its names), as app/models/search.py derives it.
NAMES_SQLITE = "substr(document, 1, instr(document || char(10), char(10)) - 1)"

OLD_SQLITE_DDL = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS provider_fts USING fts5("
    "document, content='provider_search_documents', content_rowid='provider_id', "
    "tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER IF NOT EXISTS provider_fts_insert AFTER INSERT ON provider_search_documents BEGIN "
    "INSERT INTO provider_fts(rowid, document) VALUES (new.provider_id, new.document); END",
    "CREATE TRIGGER IF NOT EXISTS provider_fts_delete AFTER DELETE ON provider_search_documents BEGIN "
    "INSERT INTO provider_fts(provider_fts, rowid, document) VALUES ('delete', old.provider_id, old.document); END",
    "CREATE TRIGGER IF NOT EXISTS provider_fts_update AFTER UPDATE ON provider_search_documents BEGIN "
    "INSERT INTO provider_fts(provider_fts, rowid, document) VALUES ('delete', old.provider_id, old.document); "
    "INSERT INTO provider_fts(rowid, document) VALUES (new.provider_id, new.document); END",
]
DROP_FTS = [
    "DROP TRIGGER IF EXISTS provider_fts_update",
    "DROP TRIGGER IF EXISTS provider_fts_delete",
    "DROP TRIGGER IF EXISTS provider_fts_insert",
    "DROP TABLE IF EXISTS provider_fts",
]
NEW_SQLITE_FTS = [
    "CREATE VIRTUAL TABLE provider_fts USING fts5("
    "names, document, content='provider_search_documents', content_rowid='provider_id', "
    "tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER provider_fts_insert AFTER INSERT ON provider_search_documents BEGIN "
    "INSERT INTO provider_fts(rowid, names, document) VALUES (new.provider_id, new.names, new.document); END",
    "CREATE TRIGGER provider_fts_delete AFTER DELETE ON provider_search_documents BEGIN "
    "INSERT INTO provider_fts(provider_fts, rowid, names, document) "
    "VALUES ('delete', old.provider_id, old.names, old.document); END",
    "CREATE TRIGGER provider_fts_update AFTER UPDATE ON provider_search_documents BEGIN "
    "INSERT INTO provider_fts(provider_fts, rowid, names, document) "
    "VALUES ('delete', old.provider_id, old.names, old.document); "
    "INSERT INTO provider_fts(rowid, names, document) VALUES (new.provider_id, new.names, new.document); END",
    # Index what is already there.
    "INSERT INTO provider_fts(provider_fts) VALUES ('rebuild')",
]


def upgrade():
    with op.batch_alter_table("providers", schema=None) as batch_op:
        batch_op.drop_index("ix_providers_status_signal_score")
    op.create_index(
        "ix_providers_status_signal_score", "providers", ["status", sa.text("signal_score DESC"), "name", "id"]
    )
    op.create_index("ix_providers_status_lower_name", "providers", ["status", sa.text("lower(name)"), "id"])
    op.create_index("ix_provider_services_category_provider", "provider_services", ["category_id", "provider_id"])
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for statement in DROP_FTS:
            op.execute(statement)
        op.execute(
            f"ALTER TABLE provider_search_documents ADD COLUMN names TEXT GENERATED ALWAYS AS ({NAMES_SQLITE}) VIRTUAL"
        )
        for statement in NEW_SQLITE_FTS:
            op.execute(statement)
    elif dialect == "postgresql":
        op.execute(
            "ALTER TABLE provider_search_documents ADD COLUMN names_vector tsvector "
            "GENERATED ALWAYS AS (to_tsvector('english', split_part(document, E'\\n', 1))) STORED"
        )
        op.execute(
            "CREATE INDEX ix_provider_search_documents_names ON provider_search_documents USING gin (names_vector)"
        )


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for statement in DROP_FTS:
            op.execute(statement)
        op.execute("ALTER TABLE provider_search_documents DROP COLUMN names")
        for statement in OLD_SQLITE_DDL:
            op.execute(statement)
        op.execute("INSERT INTO provider_fts(provider_fts) VALUES ('rebuild')")
    elif dialect == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_provider_search_documents_names")
        op.execute("ALTER TABLE provider_search_documents DROP COLUMN names_vector")
    op.drop_index("ix_provider_services_category_provider", table_name="provider_services")
    op.drop_index("ix_providers_status_lower_name", table_name="providers")
    op.drop_index("ix_providers_status_signal_score", table_name="providers")
    op.create_index("ix_providers_status_signal_score", "providers", ["status", sa.text("signal_score DESC"), "name"])
