"""What autogenerate and the migration test leave alone: engine-specific full-text index objects."""

from __future__ import annotations

from typing import Any

# Objects made by hand in migrations that autogenerate cannot compare: the FTS5 virtual table and its
# shadow tables, the PostgreSQL GIN index, and the search order's index with a descending column.
ENGINE_SPECIFIC_PREFIXES = (
    "provider_fts",
    "ix_provider_search_documents_tsv",
    "ix_providers_status_signal_score",
    "search_vector",  # PostgreSQL's stored text vector, a generated column
    "ix_provider_search_documents_names",
    "names_vector",  # PostgreSQL's stored text vector of the names alone
    "names",  # SQLite's names column, generated from the document
    "ix_providers_status_lower_name",  # an expression index
)


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Skip the FTS5 virtual table and its shadow tables, and the PostgreSQL GIN index (made by hand in 0003)."""
    return not (name or "").startswith(ENGINE_SPECIFIC_PREFIXES)


def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
    """The same rule for names met while reflecting the database."""
    return not (name or "").startswith(ENGINE_SPECIFIC_PREFIXES)
