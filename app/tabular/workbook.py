"""An Excel workbook (.xlsx): one sheet read as a table, its rows streamed with openpyxl's read-only reader.

Cells are given as text, as a person reads them: dates as ISO dates (``2024-10-05``; a time of day after it when
there is one), numbers without the noise of binary fractions (1680.5 is "1680.5", 2730.0 is "2730", a formula's
0.30000000000000004 is "0.3": Excel itself shows 15 significant figures), formulas as the values Excel saved with
them, TRUE/FALSE for truth values. Row numbers are the sheet's own. A workbook with several sheets holding data is
read only when told which one. A workbook protected by a password is not a zip at all but an OLE compound file (the
format of old .xls files), holding the encrypted workbook: it is refused, saying what to do, as are old .xls files
and damaged workbooks.

Like a zipped CSV, a workbook is never unpacked whole: the sheet's XML is read as its rows are needed, and the
zip's members are checked before openpyxl reads any (the parts it holds in memory whole, such as the shared strings,
are capped).
"""

from __future__ import annotations

import math
import warnings
import zipfile
import zlib
from collections.abc import Generator, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from itertools import islice
from typing import IO, Any

import openpyxl
from openpyxl.utils.exceptions import InvalidFileException

from app.tabular.encoding import ZIP_SIGNATURES
from app.tabular.errors import FileFormatError
from app.tabular.header import (
    Ends,
    HeaderPlace,
    below_data,
    header_at_bottom,
    header_at_top,
    is_blank,
    numbered,
    under_the_data,
)
from app.tabular.table import HeaderRule, TableFormat, TableRow
from app.tabular.zipped import (
    _READABLE_COMPRESSION,
    DAMAGED_WORKBOOK,
    MAX_UNZIPPED_BYTES,
    _size_words,
    open_archive,
    rewindable,
)

#: An OLE compound file: an old .xls workbook, or an .xlsx encrypted with a password.
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
#: The part every .xlsx (and .xlsm) workbook has; .xlsb, Excel's binary format, has xl/workbook.bin instead.
WORKBOOK_PART = "xl/workbook.xml"
BINARY_WORKBOOK_PART = "xl/workbook.bin"
#: Parts openpyxl reads into memory whole (all but the sheets, which it streams) may be no larger than this.
MAX_PART_BYTES = 128 * 1024 * 1024
#: Rows read from openpyxl at a time (its warnings are silenced around each batch, not each row).
_BATCH = 512

PROTECTED = (
    "The workbook is protected by a password, so it could not be read. Open it in Excel, remove the password "
    "(File, Info, Protect Workbook, Encrypt with Password, and clear it), save it and upload it again"
)
OLD_EXCEL = (
    "The file is an Excel 97-2003 workbook (.xls), which cannot be read here. Open it in Excel and save it as an "
    "Excel Workbook (.xlsx) or as 'CSV UTF-8', and upload that"
)
OLE_DOCUMENT = (
    "The file is an older Office document, not a workbook or CSV file. Save the table as an Excel Workbook (.xlsx) "
    "or as 'CSV UTF-8', and upload that"
)
BINARY_WORKBOOK = (
    "The workbook is in Excel's binary format (.xlsb), which cannot be read here. Open it in Excel and save it as "
    "an Excel Workbook (.xlsx) or as 'CSV UTF-8', and upload that"
)
NOT_A_WORKBOOK = "The file is not an Excel workbook (.xlsx)"

#: openpyxl's own errors, and what its XML and zip reading raise, on a damaged workbook.
_DAMAGE = (
    InvalidFileException,
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    KeyError,
    IndexError,
    ValueError,
    TypeError,
    AttributeError,
    SyntaxError,  # xml.etree.ElementTree.ParseError
    OSError,
)


class SheetNotChosen(FileFormatError):
    """A workbook with more than one sheet holding data, read without saying which: ``sheets`` are their names,
    for the person to choose from."""

    def __init__(self, sheets: Sequence[str]) -> None:
        self.sheets = tuple(sheets)
        super().__init__(
            f"The workbook has {len(self.sheets)} sheets with data in them: {_listed(self.sheets)}. "
            "Choose the sheet to read"
        )


def _listed(names: Sequence[str]) -> str:
    quoted = [f"'{name}'" for name in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]


# --- Cells as text ------------------------------------------------------------------------------------------------


def number_text(value: float) -> str:
    """A number as Excel shows it in General format, without exponent: at most 15 significant figures, so the
    noise of binary fractions never shows ("1680.5", "2730", "0.3")."""
    if not math.isfinite(value):
        return str(value)
    text = format(value, ".15g")
    if "e" in text:
        text = format(Decimal(text), "f")
    return "0" if text == "-0" else text


def _to_second(moment: datetime) -> datetime:
    """Excel keeps times as fractions of a day, which come back a microsecond or so either side of the second."""
    rounded = moment.replace(microsecond=0)
    return rounded + timedelta(seconds=1) if moment.microsecond >= 500_000 else rounded


def cell_text(value: object) -> str:
    """A cell's value as text (see the module's docstring); an empty cell is ''."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return number_text(value)
    if isinstance(value, datetime):
        moment = _to_second(value)
        if moment.time() == time(0):
            return moment.date().isoformat()
        return moment.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.replace(microsecond=0).isoformat()
    return str(value)


def _record(values: Sequence[object]) -> list[str]:
    """A row's cells as text, without the empty cells after its last filled one (formatting alone makes those)."""
    cells = [cell_text(value) for value in values]
    while cells and not cells[-1].strip():
        cells.pop()
    return cells


# --- openpyxl, quietly and with its errors said plainly --------------------------------------------------------------


@contextmanager
def _openpyxl(after_row: int | None = None) -> Iterator[None]:
    """Around openpyxl: its warnings about parts of a workbook it leaves out (data validation, conditional
    formatting, drawings) silenced, since only the cells are read; its errors on a damaged workbook said as
    :class:`FileFormatError`."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=UserWarning, module=r"openpyxl(\.|$)")
        try:
            yield
        except FileFormatError:
            raise
        except _DAMAGE as error:
            raise FileFormatError(_damaged(after_row)) from error


def _damaged(after_row: int | None) -> str:
    if not after_row:
        return DAMAGED_WORKBOOK
    return (
        f"The workbook is damaged after row {after_row}, so the rest of it could not be read. Open it in Excel and "
        "save it again as an Excel Workbook (.xlsx) or as 'CSV UTF-8', and upload that"
    )


#: A sheet's rows: each row's number and its cells as text.
_Rows = Generator[tuple[int, list[str]], None, None]


class _Sheet:
    """A worksheet's rows, numbered as the sheet numbers them, each as a list of text cells; every row generator
    handed out is closed by close() (openpyxl holds the sheet's XML open while one is suspended)."""

    def __init__(self, worksheet: Any) -> None:
        self._worksheet = worksheet
        self.title: str = worksheet.title
        self.visible = worksheet.sheet_state == "visible"
        self._open: list[_Rows] = []
        self._closed = False
        worksheet.reset_dimensions()  # the size a workbook states can be wrong: read every row there is

    def rows(self) -> _Rows:
        if self._closed:
            raise ValueError("I/O operation on a closed workbook")
        rows = self._rows()
        self._open.append(rows)
        return rows

    def _rows(self) -> _Rows:
        number = 0
        with _openpyxl(number):
            values = self._worksheet.iter_rows(values_only=True)
        try:
            while True:
                with _openpyxl(number):
                    batch = list(islice(values, _BATCH))
                if not batch:
                    return
                for row in batch:
                    number += 1  # openpyxl gives an empty row for each row the sheet leaves out
                    yield number, _record(row)
        finally:
            values.close()

    def has_data(self) -> bool:
        rows = self.rows()
        try:
            return any(not is_blank(record) for _, record in rows)
        finally:
            rows.close()

    def close(self) -> None:
        self._closed = True
        for rows in self._open:
            rows.close()
        self._open.clear()


class WorkbookTable:
    """A workbook's sheet being read: its detected format, and its rows streamed one at a time."""

    def __init__(self, table_format: TableFormat, sheet: _Sheet, resources: ExitStack) -> None:
        self.format = table_format
        self._sheet = sheet
        self._resources = resources  # the workbook, its zip and any temporary copy: closed by close()
        self.blank_rows = 0

    @property
    def headers(self) -> tuple[str, ...]:
        return self.format.headers

    def close(self) -> None:
        self._resources.close()

    def __enter__(self) -> WorkbookTable:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __iter__(self) -> Iterator[TableRow]:
        fmt = self.format
        self.blank_rows = 0
        # As for a CSV file: below a header at the top; every row but the header and a title otherwise.
        below = fmt.header_row_number if fmt.header_position == "top" else 0
        skipped = {fmt.header_row_number, *fmt.title_rows} if fmt.header_position == "bottom" else set()
        started = fmt.header_position == "top"
        for number, record in self._sheet.rows():
            if number <= below or number in skipped:
                continue
            if is_blank(record):
                if started:
                    self.blank_rows += 1
                continue
            started = True
            yield TableRow(number, tuple(record))


# --- Opening ------------------------------------------------------------------------------------------------------


def ole_refusal(stream: IO[bytes]) -> FileFormatError:
    """Why an OLE compound file cannot be read: a password-protected workbook (it holds an 'EncryptedPackage'
    stream), an old .xls workbook (a 'Workbook' or 'Book' stream) or another old Office document. Reads the stream
    through, a chunk at a time, looking for those names in the file's directory."""
    names = {
        PROTECTED: ("EncryptedPackage".encode("utf-16-le"), "EncryptionInfo".encode("utf-16-le")),
        OLD_EXCEL: ("Workbook".encode("utf-16-le"), "Book\x00".encode("utf-16-le")),
    }
    longest = max(len(name) for found in names.values() for name in found)
    seen: set[str] = set()
    carry = b""
    while chunk := stream.read(1024 * 1024):
        window = carry + chunk
        for message, found in names.items():
            if any(name in window for name in found):
                seen.add(message)
        if PROTECTED in seen:
            break
        carry = window[-longest:]
    for message in (PROTECTED, OLD_EXCEL):
        if message in seen:
            return FileFormatError(message)
    return FileFormatError(OLE_DOCUMENT)


def is_workbook(archive: zipfile.ZipFile) -> bool:
    """Whether a zip file is an Excel workbook (.xlsx, .xlsm or the binary .xlsb, refused when read)."""
    names = set(archive.namelist())
    return WORKBOOK_PART in names or BINARY_WORKBOOK_PART in names


def _check_parts(archive: zipfile.ZipFile, max_unzipped_bytes: int) -> None:
    """Refuse a workbook openpyxl should not be given: binary, encrypted parts, compression that could inflate
    without limit, or more unzipped than the caps (a "zip bomb" dressed as a workbook)."""
    infos = archive.infolist()
    names = {info.filename for info in infos}
    if WORKBOOK_PART not in names and BINARY_WORKBOOK_PART in names:
        raise FileFormatError(BINARY_WORKBOOK)
    if any(info.flag_bits & 0x1 for info in infos):
        raise FileFormatError(PROTECTED)
    if any(info.compress_type not in _READABLE_COMPRESSION for info in infos):
        raise FileFormatError(DAMAGED_WORKBOOK)
    total = sum(info.file_size for info in infos)
    if total > max_unzipped_bytes:
        raise _too_large(total, max_unzipped_bytes)
    for info in infos:
        if not info.filename.startswith("xl/worksheets/") and info.file_size > MAX_PART_BYTES:
            raise _too_large(info.file_size, MAX_PART_BYTES)


def _too_large(size: int, cap: int) -> FileFormatError:
    return FileFormatError(
        f"The workbook is {_size_words(size)} unpacked, more than the {_size_words(cap)} we can take. Save the "
        "sheet as 'CSV UTF-8' and upload that, or split it into smaller files"
    )


def _peek(stream: IO[bytes]) -> bytes:
    """The first bytes of a seekable stream, which is left where it was."""
    start = stream.tell()
    head = stream.read(len(OLE_SIGNATURE))
    stream.seek(start)
    return head


def _open_workbook(stream: IO[bytes], resources: ExitStack, max_unzipped_bytes: int) -> Any:
    """The workbook, opened read-only with the values Excel saved for its formulas; closed with ``resources``
    (with the temporary copy of a stream that cannot be rewound)."""
    body = rewindable(stream, resources)
    start = body.tell()
    head = _peek(body)
    if head.startswith(OLE_SIGNATURE):
        raise ole_refusal(body)
    if not head.startswith(ZIP_SIGNATURES):
        raise FileFormatError(NOT_A_WORKBOOK)
    with ExitStack() as checking:
        archive, _ = open_archive(body, checking)
        if not is_workbook(archive):
            raise FileFormatError(NOT_A_WORKBOOK)
        _check_parts(archive, max_unzipped_bytes)
    # The checking zip is closed (the stream stays open): openpyxl opens the zip again for itself.
    body.seek(start)
    with _openpyxl():
        workbook = openpyxl.load_workbook(body, read_only=True, data_only=True, keep_links=False)
    resources.callback(workbook.close)
    return workbook


def _sheets(workbook: Any) -> list[_Sheet]:
    return [_Sheet(worksheet) for worksheet in workbook.worksheets]


def _with_data(sheets: Sequence[_Sheet]) -> list[_Sheet]:
    """The sheets holding something: the visible ones, or the hidden ones when no visible sheet holds anything."""
    visible: list[_Sheet] = []
    hidden: list[_Sheet] = []
    for sheet in sheets:
        if sheet.has_data():
            (visible if sheet.visible else hidden).append(sheet)
    return visible or hidden


def _choose(workbook: Any, name: str | None) -> _Sheet:
    sheets = _sheets(workbook)
    if name is not None:
        wanted = [sheet for sheet in sheets if sheet.title == name] or [
            sheet for sheet in sheets if sheet.title.strip().casefold() == name.strip().casefold()
        ]
        if not wanted:
            raise FileFormatError(
                f"The workbook has no sheet called '{name}'. Its sheets are {_listed([s.title for s in sheets])}"
            )
        if not wanted[0].has_data():
            raise FileFormatError(f"The sheet '{wanted[0].title}' is empty")
        return wanted[0]
    with_data = _with_data(sheets)
    if not with_data:
        raise FileFormatError("The workbook is empty")
    if len(with_data) > 1:
        raise SheetNotChosen([sheet.title for sheet in with_data])
    return with_data[0]


def _place(sheet: _Sheet, rule: HeaderRule, allow_no_header: bool, below: bool) -> HeaderPlace:
    first: list[list[str]] = []
    rows = sheet.rows()
    try:
        for _, record in rows:
            first.append(record)
            if len(first) >= rule.search_rows:
                break
    finally:
        rows.close()
    place = header_at_top(first, rule)
    if place is not None and below:
        rows = sheet.rows()
        header_row = place.row_number
        try:
            after = ((number, record) for number, record in rows if number > header_row)
            place = under_the_data(place, first, after)
        finally:
            rows.close()
    elif place is None and below:
        ends = Ends(rule)
        for number, record in sheet.rows():
            ends.add(number, record)
        place = header_at_bottom(ends, rule)
    if place is None and allow_no_header:
        place = numbered(first, rule)
    if place is None:
        raise FileFormatError(rule.not_found(workbook=True))
    return place


def read_workbook(
    stream: IO[bytes],
    rule: HeaderRule,
    sheet: str | None = None,
    *,
    allow_no_header: bool = False,
    header_below_data: bool | None = None,
    max_unzipped_bytes: int = MAX_UNZIPPED_BYTES,
    resources: ExitStack | None = None,
) -> WorkbookTable:
    """Read one sheet of an Excel workbook (.xlsx): find its header row as for a CSV file (among the first rows;
    else under the data, with ``header_below_data``, by default when ``allow_no_header``; else numbered columns
    when ``allow_no_header``), and stream its rows.

    ``sheet`` names the sheet (exactly, or ignoring case and spaces at its ends); without it the workbook must have
    one sheet holding data, else :class:`SheetNotChosen` names them. Raises :class:`FileFormatError` with a message
    fit to show. Close the table when done; the caller's stream is never closed. ``resources`` are what a reader
    opened to give ``stream``, for the table to close (at once if the workbook cannot be read).
    """
    with resources or ExitStack() as opened:
        workbook = _open_workbook(stream, opened, max_unzipped_bytes)
        chosen = _choose(workbook, sheet)
        opened.callback(chosen.close)
        place = _place(chosen, rule, allow_no_header, below_data(allow_no_header, header_below_data))
        table_format = TableFormat(
            "",
            "",
            place.row_number,
            place.headers,
            container="xlsx",
            member=chosen.title,
            header_position=place.position,
            title_rows=place.title_rows,
        )
        return WorkbookTable(table_format, chosen, opened.pop_all())


def workbook_sheets(stream: IO[bytes]) -> list[str]:
    """The names of a workbook's sheets that hold data (the visible ones; the hidden ones only when no visible
    sheet holds anything), in the workbook's order, for a person to choose from; [] for a file that is not a
    workbook (a CSV file, a zip of one). Raises :class:`FileFormatError` for a workbook that cannot be read.

    A seekable stream is left where it was; one that cannot be rewound is read through.
    """
    start = stream.tell() if stream.seekable() else None
    try:
        with ExitStack() as resources:
            body = rewindable(stream, resources)
            head = _peek(body)
            if head.startswith(ZIP_SIGNATURES):
                with ExitStack() as checking:
                    archive, _ = open_archive(body, checking)
                    if not is_workbook(archive):
                        return []
            elif not head.startswith(OLE_SIGNATURE):
                return []
            workbook = _open_workbook(body, resources, MAX_UNZIPPED_BYTES)
            sheets = _sheets(workbook)
            for sheet in sheets:
                resources.callback(sheet.close)
            return [sheet.title for sheet in _with_data(sheets)]
    finally:
        if start is not None:
            stream.seek(start)
