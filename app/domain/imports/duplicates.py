"""Rows that are the same organisation as an earlier row of the file, found one row at a time (for streaming)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace

from app.domain.imports.fields import ColumnMapping, normalise_header
from app.domain.imports.rows import ParsedRow, RowProblem, parse_row
from app.tabular import Table


def duplicate_key(parsed: ParsedRow) -> str | None:
    """The org-id if any, else the name (case, spacing and punctuation ignored) with the postcode."""
    if parsed.org_id:
        return parsed.org_id
    if not parsed.name:
        return None
    return f"{normalise_header(parsed.name)}|{parsed.postcode or ''}"


class DuplicateFinder:
    """Flags rows that are the same organisation as an earlier row, one row at a time (for streaming)."""

    def __init__(self, mapping: ColumnMapping) -> None:
        self._mapping = mapping
        self._first: dict[str, int] = {}

    def check(self, parsed: ParsedRow) -> ParsedRow:
        key = duplicate_key(parsed)
        if key is None:
            return parsed
        first = self._first.setdefault(key, parsed.row_number)
        if first == parsed.row_number:
            return parsed
        column = self._mapping.header_for("registration_number" if parsed.org_id else "name")
        duplicate = RowProblem(parsed.row_number, column, f"Same organisation as row {first}", rejects=True)
        return replace(parsed, problems=(*parsed.problems, duplicate))


def flag_duplicates(rows: Iterable[ParsedRow], mapping: ColumnMapping) -> Iterator[ParsedRow]:
    """The rows, with the second and later occurrences of an organisation flagged 'Same organisation as row N'."""
    finder = DuplicateFinder(mapping)
    for row in rows:
        yield finder.check(row)


def parse_sheet(sheet: Table, mapping: ColumnMapping) -> Iterator[ParsedRow]:
    """Every row of a sheet parsed and checked for duplicates; raises MappingError first if the mapping is unusable."""
    mapping.check()
    return flag_duplicates((parse_row(row, mapping) for row in sheet), mapping)
