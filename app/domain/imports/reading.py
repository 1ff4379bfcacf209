"""Reading a supplier file: the reading layer (:mod:`app.tabular`) told what a supplier file's header row looks
like, under the names the import has always used."""

from __future__ import annotations

from collections.abc import Iterable
from typing import IO

from app.domain.imports.fields import field_for_header
from app.tabular import FileFormatError, HeaderRule, Table, TableFormat, TableRow, read_table
from app.tabular import detect_format as detect_table_format
from app.tabular import find_header_row as find_table_header_row

#: A supplier file's header: two headings that name our fields, or a first row that names the name column alone
#: (a file that is a list of names).
SUPPLIER_HEADER = HeaderRule(field_for_header, at_least=2, alone=frozenset({"name"}), examples=("Name", "Postcode"))

# The names the supplier import has always used for the reading layer's.
ImportFormatError = FileFormatError
Sheet = Table
SheetFormat = TableFormat
SheetRow = TableRow


def read_sheet(stream: IO[bytes]) -> Table:
    """Read a supplier CSV file (a zip is refused as not a CSV file, as it always has been)."""
    return read_table(stream, SUPPLIER_HEADER, zipped=False)


def find_header_row(records: Iterable[list[str]]) -> int | None:
    """The 0-based index of a supplier file's header among its first records, or None."""
    return find_table_header_row(records, SUPPLIER_HEADER)


def detect_format(sample: bytes, encoding: str, complete: bool) -> TableFormat:
    """Detect a supplier file's delimiter and header row from its start."""
    return detect_table_format(sample, encoding, complete, SUPPLIER_HEADER)
