"""Reading tabular files (CSV, a zip holding one CSV, an Excel workbook's sheet): encoding, delimiter, the header row
among the first rows, under the data or missing, quoted cells over several lines, ragged rows, any line ending,
binary files refused, rows streamed.

This layer knows nothing of suppliers or payments: an importer says what its header row looks like
(:class:`HeaderRule`, with its own column names) and maps the columns of the rows it is given.
"""

from app.tabular.delimited import DELIMITERS, NOT_TEXT, SAMPLE_BYTES, CsvTable, detect_format, find_header_row
from app.tabular.encoding import detect_encoding, looks_binary
from app.tabular.errors import FileFormatError
from app.tabular.header import HEADER_POSITIONS
from app.tabular.reader import read_table
from app.tabular.table import (
    DELIMITER_NAMES,
    ENCODING_NAMES,
    HEADER_SEARCH_ROWS,
    HeaderRule,
    Table,
    TableFormat,
    TableRow,
)
from app.tabular.workbook import SheetNotChosen, WorkbookTable, read_workbook, workbook_sheets
from app.tabular.zipped import MAX_UNZIPPED_BYTES

__all__ = [
    "DELIMITERS",
    "DELIMITER_NAMES",
    "ENCODING_NAMES",
    "HEADER_POSITIONS",
    "HEADER_SEARCH_ROWS",
    "MAX_UNZIPPED_BYTES",
    "NOT_TEXT",
    "SAMPLE_BYTES",
    "CsvTable",
    "FileFormatError",
    "HeaderRule",
    "SheetNotChosen",
    "Table",
    "TableFormat",
    "TableRow",
    "WorkbookTable",
    "detect_encoding",
    "detect_format",
    "find_header_row",
    "looks_binary",
    "read_table",
    "read_workbook",
    "workbook_sheets",
]
