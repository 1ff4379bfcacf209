"""The text each provider is found by, kept beside a full-text index (FTS5 on SQLite, GIN on PostgreSQL)."""

from __future__ import annotations

from sqlalchemy import DDL, ForeignKey, Text, event
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class ProviderSearchDocument(Base):
    __tablename__ = "provider_search_documents"

    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id", ondelete="CASCADE"), primary_key=True)
    document: Mapped[str] = mapped_column(Text)


# The index itself is engine-specific DDL, created with the table (and by migrations 0003 and 0013). A document's
# first line is the provider's names (fulltext.document_text): kept as a column of its own ("names", derived from the
# document by the database), so a search can rank providers whose name matches the words above the rest without
# scoring every match.
NAMES_SQLITE = "substr(document, 1, instr(document || char(10), char(10)) - 1)"
SQLITE_DDL = [
    f"ALTER TABLE provider_search_documents ADD COLUMN names TEXT GENERATED ALWAYS AS ({NAMES_SQLITE}) VIRTUAL",
    "CREATE VIRTUAL TABLE IF NOT EXISTS provider_fts USING fts5("
    "names, document, content='provider_search_documents', content_rowid='provider_id', "
    "tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER IF NOT EXISTS provider_fts_insert AFTER INSERT ON provider_search_documents BEGIN "
    "INSERT INTO provider_fts(rowid, names, document) VALUES (new.provider_id, new.names, new.document); END",
    "CREATE TRIGGER IF NOT EXISTS provider_fts_delete AFTER DELETE ON provider_search_documents BEGIN "
    "INSERT INTO provider_fts(provider_fts, rowid, names, document) "
    "VALUES ('delete', old.provider_id, old.names, old.document); END",
    "CREATE TRIGGER IF NOT EXISTS provider_fts_update AFTER UPDATE ON provider_search_documents BEGIN "
    "INSERT INTO provider_fts(provider_fts, rowid, names, document) "
    "VALUES ('delete', old.provider_id, old.names, old.document); "
    "INSERT INTO provider_fts(rowid, names, document) VALUES (new.provider_id, new.names, new.document); END",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS provider_fts_update",
    "DROP TRIGGER IF EXISTS provider_fts_delete",
    "DROP TRIGGER IF EXISTS provider_fts_insert",
    "DROP TABLE IF EXISTS provider_fts",
]
# On PostgreSQL the text vectors are stored (generated columns) with GIN indexes: the whole document's, and the
# names' alone.
POSTGRESQL_DDL = [
    "ALTER TABLE provider_search_documents ADD COLUMN IF NOT EXISTS search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('english', document)) STORED",
    "CREATE INDEX IF NOT EXISTS ix_provider_search_documents_tsv ON provider_search_documents "
    "USING gin (search_vector)",
    "ALTER TABLE provider_search_documents ADD COLUMN IF NOT EXISTS names_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('english', split_part(document, E'\\n', 1))) STORED",
    "CREATE INDEX IF NOT EXISTS ix_provider_search_documents_names ON provider_search_documents "
    "USING gin (names_vector)",
]

for statement in SQLITE_DDL:
    event.listen(ProviderSearchDocument.__table__, "after_create", DDL(statement).execute_if(dialect="sqlite"))
for statement in SQLITE_DROP:
    event.listen(ProviderSearchDocument.__table__, "before_drop", DDL(statement).execute_if(dialect="sqlite"))
for statement in POSTGRESQL_DDL:
    event.listen(ProviderSearchDocument.__table__, "after_create", DDL(statement).execute_if(dialect="postgresql"))
