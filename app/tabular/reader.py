"""Reading any tabular file the service takes: a CSV file, a zip file holding one CSV file, or an Excel workbook."""

from __future__ import annotations

from contextlib import ExitStack
from typing import IO

from app.tabular.delimited import SAMPLE_BYTES, prepended, read_csv
from app.tabular.encoding import ZIP_SIGNATURES
from app.tabular.table import HeaderRule, Table
from app.tabular.workbook import OLE_SIGNATURE, is_workbook, ole_refusal, read_workbook
from app.tabular.zipped import MAX_UNZIPPED_BYTES, open_archive, read_csv_in_archive


def _peek(stream: IO[bytes]) -> tuple[bytes, IO[bytes]]:
    """The first bytes of a stream, and a stream that still starts at them."""
    if stream.seekable():
        start = stream.tell()
        head = stream.read(len(OLE_SIGNATURE))
        stream.seek(start)
        return head, stream
    head = stream.read(SAMPLE_BYTES)
    return head, prepended(head, stream)


def read_table(
    stream: IO[bytes],
    header: HeaderRule,
    *,
    zipped: bool = True,
    max_unzipped_bytes: int = MAX_UNZIPPED_BYTES,
    sheet: str | None = None,
    allow_no_header: bool = False,
    header_below_data: bool | None = None,
) -> Table:
    """Read a tabular file: detect its kind, encoding, delimiter and header row, and stream its rows.

    A zip file is read as the Excel workbook it is (``sheet`` names the sheet to read; a workbook with one sheet
    holding data needs none) or as the one CSV file in it. ``zipped`` False refuses zips and workbooks as not CSV
    files, as any other binary file is. ``sheet`` is ignored for a CSV file.

    The header row is looked for among the first rows (``header.search_rows``). With ``header_below_data`` (by
    default, when ``allow_no_header``) it may be under the data instead: among the last rows with data above it
    and none below (TableFormat.header_position 'bottom'). With ``allow_no_header`` a file with no header is read
    with numbered columns, 'Column 1', ... (header_position 'none'); without it, such a file is refused.

    Raises :class:`~app.tabular.errors.FileFormatError` with a message fit to show (:class:`SheetNotChosen`, naming
    the sheets, for a workbook with several). Close the table when done with it; the caller's stream is never
    closed.
    """
    head, stream = _peek(stream)
    if zipped and head.startswith(OLE_SIGNATURE):
        raise ole_refusal(stream)  # a workbook with a password, or an old .xls one
    if zipped and head.startswith(ZIP_SIGNATURES):
        with ExitStack() as resources:
            archive, body = open_archive(stream, resources)
            if is_workbook(archive):
                archive.close()  # openpyxl opens it for itself; a temporary copy, if one was made, goes with the table
                return read_workbook(
                    body,
                    header,
                    sheet,
                    allow_no_header=allow_no_header,
                    header_below_data=header_below_data,
                    max_unzipped_bytes=max_unzipped_bytes,
                    resources=resources.pop_all(),
                )
            return read_csv_in_archive(
                archive,
                header,
                resources,
                max_unzipped_bytes,
                allow_no_header=allow_no_header,
                header_below_data=header_below_data,
            )
    return read_csv(stream, header, allow_no_header=allow_no_header, header_below_data=header_below_data)
