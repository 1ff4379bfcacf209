"""Reading an Excel workbook (.xlsx): a sheet's rows with the sheet's own row numbers, cells as the text a person
reads (ISO dates, numbers without binary noise, formulas as their saved values), the sheet chosen when there are
several, and every workbook that cannot be read (password, old .xls, binary .xlsb, damaged, too large) refused
saying why. The workbooks are made here with openpyxl, as Excel would save them."""

from __future__ import annotations

import io
import re
import struct
import zipfile
from collections.abc import Callable, Sequence
from datetime import date, datetime, time, timedelta

import openpyxl
import pytest
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from app.tabular import NOT_TEXT, FileFormatError, HeaderRule, TableFormat, TableRow, read_table
from app.tabular.workbook import (
    BINARY_WORKBOOK,
    NOT_A_WORKBOOK,
    OLD_EXCEL,
    OLE_DOCUMENT,
    PROTECTED,
    SheetNotChosen,
    cell_text,
    number_text,
    read_workbook,
    workbook_sheets,
)
from app.tabular.zipped import DAMAGED_WORKBOOK
from tests.tabular.helpers import RULE, column_for, one_way

Rows = Sequence[Sequence[object] | None]  # None: a row left empty


def workbook(
    sheets: dict[str, Rows], *, hidden: Sequence[str] = (), setup: Callable[[openpyxl.Workbook], None] | None = None
) -> bytes:
    """A workbook with these sheets (in order) and rows, saved as Excel would save it."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    if setup:
        setup(book)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(list(row) if row is not None else [])
        if title in hidden:
            sheet.sheet_state = "hidden"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def rewritten(data: bytes, member: str, change: Callable[[str], str]) -> bytes:
    """The workbook with one of its parts changed (as openpyxl cannot write some things Excel does)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == member:
                content = change(content.decode()).encode()
            target.writestr(info.filename, content)
    return out.getvalue()


def read(data: bytes, rule: HeaderRule = RULE, **options: object) -> tuple[TableFormat, list[TableRow], int]:
    with read_table(io.BytesIO(data), rule, **options) as table:  # type: ignore[arg-type]
        rows = list(table)
        return table.format, rows, table.blank_rows


SHEET1 = "xl/worksheets/sheet1.xml"


# --- A sheet's rows -------------------------------------------------------------------------------------------------


def test_a_sheet_is_read_with_the_row_numbers_the_sheet_shows() -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Providers"
    sheet.append(["Providers in Knowsley, March 2025"])
    sheet.merge_cells("A1:C1")  # a title across the columns, as reports have
    for row in [None, ["Name", "Postcode", "Email"], ["Café Co-op", "L36 9GD", None], None, [" ", None], ["B", "L2"]]:
        sheet.append(list(row) if row is not None else [])
    out = io.BytesIO()
    book.save(out)

    fmt, rows, blank = read(out.getvalue())
    assert fmt == TableFormat(
        "",
        "",
        3,
        ("Name", "Postcode", "Email"),
        container="xlsx",
        member="Providers",
        header_position="top",
        title_rows=(1,),
    )
    assert (fmt.kind, fmt.encoding_name, fmt.delimiter_name, fmt.is_workbook) == ("Excel workbook", "", "", True)
    assert rows == [TableRow(4, ("Café Co-op", "L36 9GD")), TableRow(7, ("B", "L2"))]
    assert blank == 2  # rows 5 and 6: one left out of the sheet's file, one with a space in it


def test_cells_are_the_text_a_person_reads() -> None:
    data = workbook(
        {
            "Payments": [
                ["Name", "Postcode", "Amount", "Paid", "At", "Checked", "Reference"],
                ["A", "L1", 1680.5, datetime(2024, 10, 5), datetime(2024, 10, 5, 14, 30), True, 2730],
                ["B", "L2", 2730.0, date(2021, 10, 5), time(9, 15), False, "007"],
                ["C", "L3", 0.1 + 0.2, datetime(2024, 10, 4, 23, 59, 59, 999_999), None, None, -250.0],
            ]
        }
    )
    _, rows, _ = read(data)
    assert [row.cells for row in rows] == [
        ("A", "L1", "1680.5", "2024-10-05", "2024-10-05 14:30:00", "TRUE", "2730"),
        ("B", "L2", "2730", "2021-10-05", "09:15:00", "FALSE", "007"),
        ("C", "L3", "0.3", "2024-10-05", "", "", "-250"),
    ]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1680.5, "1680.5"),
        (2730.0, "2730"),
        (0.1 + 0.2, "0.3"),
        (106396.0 - 0.01, "106395.99"),
        (-0.0, "0"),
        (1e-7, "0.0000001"),
        (12345678901234567890.0, "12345678901234600000"),
        (1234567.891, "1234567.891"),
    ],
)
def test_numbers_have_no_float_noise_and_no_exponent(value: float, text: str) -> None:
    assert number_text(value) == text
    assert cell_text(value) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        ("  kept as written ", "  kept as written "),
        (7, "7"),
        (True, "TRUE"),
        (datetime(2024, 10, 5, 0, 0, 0, 400_000), "2024-10-05"),
        (datetime(2024, 10, 5, 12, 0, 0, 600_000), "2024-10-05 12:00:01"),
        (date(2024, 10, 5), "2024-10-05"),
        (time(23, 5, 1, 10), "23:05:01"),
        (timedelta(hours=26), "1 day, 2:00:00"),
    ],
)
def test_each_kind_of_cell_value_as_text(value: object, text: str) -> None:
    assert cell_text(value) == text


def test_dates_of_a_mac_workbook_1904_date_system_are_the_same_dates() -> None:
    def mac(book: openpyxl.Workbook) -> None:
        book.epoch = CALENDAR_MAC_1904

    data = workbook({"Sheet": [["Name", "Postcode", "Paid"], ["A", "L1", datetime(2024, 10, 5)]]}, setup=mac)
    assert b'date1904="1"' in zipfile.ZipFile(io.BytesIO(data)).read("xl/workbook.xml")
    assert read(data)[1][0].cells == ("A", "L1", "2024-10-05")


def test_formulas_are_read_as_the_values_excel_saved_with_them() -> None:
    data = workbook({"Sheet": [["Name", "Postcode", "Amount"], ["A", "L1", 840.25], ["B", "L2", "=C2*2"]]})
    assert "<f>C2*2</f><v />" in zipfile.ZipFile(io.BytesIO(data)).read(SHEET1).decode()
    saved = rewritten(data, SHEET1, lambda xml: xml.replace("<f>C2*2</f><v />", "<f>C2*2</f><v>1680.5</v>"))
    assert read(saved)[1][1] == TableRow(3, ("B", "L2", "1680.5"))
    # Saved by a program that never calculated it (openpyxl itself): no value to read, the cell is empty.
    assert read(data)[1][1] == TableRow(3, ("B", "L2"))


def test_every_row_is_read_when_the_workbook_understates_its_size() -> None:
    data = workbook({"Sheet": [["Name", "Postcode"], *[[f"Org {i}", "L1"] for i in range(50)]]})
    understated = rewritten(data, SHEET1, lambda xml: re.sub(r'<dimension ref="[^"]*"', '<dimension ref="A1"', xml))
    _, rows, _ = read(understated)
    assert len(rows) == 50 and rows[-1] == TableRow(51, ("Org 49", "L1"))


def test_headings_that_are_numbers_or_padded_are_text_stripped() -> None:
    data = workbook({"Sheet": [[" Name ", "Postcode", 2024, None, None], ["A", "L1", 5]]})
    fmt, rows, _ = read(data)
    assert fmt.headers == ("Name", "Postcode", "2024")
    assert rows == [TableRow(2, ("A", "L1", "5"))]


@pytest.mark.parametrize("seekable", [True, False])
def test_a_workbook_from_a_stream_that_cannot_be_rewound(seekable: bool) -> None:
    data = workbook({"Sheet": [["Name", "Postcode"], ["A", "L1"]]})
    stream = io.BytesIO(data) if seekable else one_way(data)
    with read_table(stream, RULE) as table:
        assert list(table) == [TableRow(2, ("A", "L1"))]
    assert not stream.closed


def test_closing_the_table_closes_the_workbook_not_the_callers_stream() -> None:
    stream = io.BytesIO(workbook({"Sheet": [["Name", "Postcode"], ["A", "L1"], ["B", "L2"]]}))
    table = read_table(stream, RULE)
    rows = iter(table)
    assert next(rows) == TableRow(2, ("A", "L1"))
    table.close()  # part way through: the sheet's XML is closed too (ResourceWarning is an error here)
    assert not stream.closed
    with pytest.raises(ValueError, match="closed"):
        list(table)


# --- Which sheet ----------------------------------------------------------------------------------------------------

SHEETS = workbook(
    {
        "Summary": [["Total", 3]],
        "Payments": [["Name", "Postcode"], ["A", "L1"]],
        "Blank": [],
        "Lookups": [["Name", "Postcode"], ["hidden", "L9"]],
    },
    hidden=["Lookups"],
)


def test_several_sheets_with_data_and_none_chosen_names_them() -> None:
    with pytest.raises(SheetNotChosen) as refused:
        read_table(io.BytesIO(SHEETS), RULE)
    assert str(refused.value) == (
        "The workbook has 2 sheets with data in them: 'Summary' and 'Payments'. Choose the sheet to read"
    )
    assert refused.value.sheets == ("Summary", "Payments")
    assert isinstance(refused.value, FileFormatError)
    assert workbook_sheets(io.BytesIO(SHEETS)) == ["Summary", "Payments"]


@pytest.mark.parametrize("name", ["Payments", " payments ", "PAYMENTS"])
def test_the_chosen_sheet_is_read(name: str) -> None:
    fmt, rows, _ = read(SHEETS, sheet=name)
    assert (fmt.member, rows) == ("Payments", [TableRow(2, ("A", "L1"))])


def test_a_hidden_sheet_can_be_chosen_by_name() -> None:
    assert read(SHEETS, sheet="Lookups")[1] == [TableRow(2, ("hidden", "L9"))]


@pytest.mark.parametrize(
    ("sheet", "message"),
    [
        (
            "Nope",
            "The workbook has no sheet called 'Nope'. Its sheets are 'Summary', 'Payments', 'Blank' and 'Lookups'",
        ),
        ("Blank", "The sheet 'Blank' is empty"),
    ],
)
def test_a_sheet_that_is_not_there_or_empty(sheet: str, message: str) -> None:
    with pytest.raises(FileFormatError) as refused:
        read_table(io.BytesIO(SHEETS), RULE, sheet=sheet)
    assert str(refused.value) == message


def test_one_sheet_with_data_among_empty_and_hidden_ones_needs_no_choice() -> None:
    data = workbook(
        {"Sheet1": [], "Payments": [None, ["Name", "Postcode"], ["A", "L1"]], "Sheet3": [[None, " "]], "Old": [["x"]]},
        hidden=["Old"],
    )
    fmt, rows, _ = read(data)
    assert (fmt.member, fmt.header_row_number, rows) == ("Payments", 2, [TableRow(3, ("A", "L1"))])
    assert workbook_sheets(io.BytesIO(data)) == ["Payments"]


def test_only_hidden_sheets_with_data_are_offered() -> None:
    data = workbook({"Cover": [], "Data": [["Name", "Postcode"], ["A", "L1"]]}, hidden=["Data"])
    assert workbook_sheets(io.BytesIO(data)) == ["Data"]
    assert read(data)[0].member == "Data"


def test_an_empty_workbook() -> None:
    data = workbook({"Sheet1": [], "Sheet2": [[None, ""]]})
    with pytest.raises(FileFormatError, match=r"^The workbook is empty$"):
        read_table(io.BytesIO(data), RULE)
    assert workbook_sheets(io.BytesIO(data)) == []


def test_workbook_sheets_of_a_file_that_is_not_a_workbook_is_empty_and_leaves_the_stream_where_it_was() -> None:
    zipped_csv = io.BytesIO()
    with zipfile.ZipFile(zipped_csv, "w") as archive:
        archive.writestr("a.csv", "name,postcode\r\nA,L1\r\n")
    for stream in (io.BytesIO(b"name,postcode\r\nA,L1\r\n"), zipped_csv, io.BytesIO(SHEETS)):
        stream.seek(0)
        assert workbook_sheets(stream) in ([], ["Summary", "Payments"])
        assert stream.tell() == 0
    assert workbook_sheets(one_way(b"name,postcode\r\n")) == []


def test_a_sheet_chosen_for_a_csv_file_is_ignored() -> None:
    fmt, rows, _ = read(b"name,postcode\r\nA,L1\r\n", sheet="Payments")
    assert (fmt.container, rows) == (None, [TableRow(2, ("A", "L1"))])


# --- Where the header is --------------------------------------------------------------------------------------------


def test_a_sheet_with_its_header_under_the_data() -> None:
    data = workbook(
        {"Sheet": [["Spend, March 2025"], None, ["A", "L1"], ["B", "L2"], None, ["Name", "Postcode"], ["End"]]}
    )
    assert read(data)[0].header_position == "top"  # not asked to look under the data
    fmt, rows, blank = read(data, allow_no_header=True)
    assert (fmt.header_position, fmt.header_row_number, fmt.headers, fmt.title_rows) == (
        "bottom",
        6,
        ("Name", "Postcode"),
        (1, 7),
    )
    assert rows == [TableRow(3, ("A", "L1")), TableRow(4, ("B", "L2"))]
    assert blank == 1


def test_a_long_sheet_with_its_header_under_the_data() -> None:
    data = workbook({"Sheet": [*[[f"Org {i}", "L1"] for i in range(100)], ["Name", "Postcode"]]})
    with pytest.raises(FileFormatError, match="column headings"):
        read(data)
    fmt, rows, _ = read(data, header_below_data=True)
    assert (fmt.header_position, fmt.header_row_number, len(rows), rows[-1]) == (
        "bottom",
        101,
        100,
        TableRow(100, ("Org 99", "L1")),
    )


def test_a_sheet_with_no_header_is_read_with_numbered_columns_when_allowed() -> None:
    data = workbook({"Sheet": [None, ["A", "L1", None, 5], ["B", "L2"]]})
    fmt, rows, _ = read(data, allow_no_header=True)
    assert (fmt.header_position, fmt.header_row_number, fmt.headers) == (
        "none",
        0,
        ("Column 1", "Column 2", "Column 3", "Column 4"),
    )
    assert rows == [TableRow(2, ("A", "L1", "", "5")), TableRow(3, ("B", "L2"))]
    with pytest.raises(FileFormatError) as refused:
        read(data)
    assert str(refused.value) == (
        "Could not find the row of column headings in the first 20 rows. "
        "Check the sheet has a heading such as 'Name' or 'Postcode' above each column"
    )


def test_the_importers_rule_decides_the_header_in_a_sheet_as_in_a_csv_file() -> None:
    payments = HeaderRule({"supplier": "supplier", "amount": "amount"}.get)
    data = workbook({"Sheet": [["supplier", "amount"], ["Acme", 10]]})
    assert read(data, payments)[0].headers == ("supplier", "amount")
    with pytest.raises(FileFormatError):
        read(data, HeaderRule(column_for))


# --- Workbooks that cannot be read ----------------------------------------------------------------------------------


def compound_file(*streams: str) -> bytes:
    """An OLE compound file (the container of old .xls files and of password-protected .xlsx ones) whose directory
    holds a root entry and streams of these names, each empty: a 512-byte header, a FAT sector, a directory."""
    free, end, fat_sector = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(16)
    header += struct.pack("<HHHHH6sIIIIIIIII", 0x3E, 3, 0xFFFE, 9, 6, bytes(6), 0, 1, 1, 0, 4096, end, 0, end, 0)
    header += struct.pack("<109I", 0, *([free] * 108))
    fat = struct.pack("<128I", fat_sector, end, *([free] * 126))

    def entry(name: str, kind: int, child: int = free, right: int = free) -> bytes:
        encoded = (name + "\0").encode("utf-16-le")
        return (
            encoded.ljust(64, b"\0")
            + struct.pack("<HBBIII", len(encoded), kind, 1, free, right, child)
            + bytes(16 + 4 + 16)
            + struct.pack("<IQ", end, 0)
        )

    entries = [entry("Root Entry", 5, child=1 if streams else free)]
    entries += [entry(name, 2, right=i + 2 if i + 1 < len(streams) else free) for i, name in enumerate(streams)]
    directory = b"".join(entries).ljust(512, b"\0")
    assert len(header) == 512 and len(fat) == 512
    return header + fat + directory


@pytest.mark.parametrize(
    ("streams", "message"),
    [
        (("\x06DataSpaces", "EncryptionInfo", "EncryptedPackage"), PROTECTED),
        (("Workbook", "\x05SummaryInformation"), OLD_EXCEL),
        (("Book",), OLD_EXCEL),  # Excel 5
        (("WordDocument", "1Table"), OLE_DOCUMENT),
    ],
    ids=["password-protected-xlsx", "xls", "excel-5-xls", "word-97-doc"],
)
@pytest.mark.parametrize("seekable", [True, False])
def test_ole_compound_files_are_refused_saying_what_they_are(
    streams: tuple[str, ...], message: str, seekable: bool
) -> None:
    data = compound_file(*streams)
    with pytest.raises(FileFormatError) as refused:
        read_table(io.BytesIO(data) if seekable else one_way(data), RULE)
    assert str(refused.value) == message
    with pytest.raises(FileFormatError) as again:
        workbook_sheets(io.BytesIO(data))
    assert str(again.value) == message


def test_a_caller_that_takes_only_csv_files_refuses_workbooks_as_before() -> None:
    for data in (compound_file("EncryptionInfo", "EncryptedPackage"), SHEETS):
        with pytest.raises(FileFormatError) as refused:
            read_table(io.BytesIO(data), RULE, zipped=False)
        assert str(refused.value) == NOT_TEXT


GOOD = workbook({"Sheet": [["Name", "Postcode"], *[[f"Org {i}", "L1"] for i in range(2000)]]})


def _cut_sheet(xml: str) -> str:
    return xml[: len(xml) // 2]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (GOOD[: len(GOOD) // 2], f"^{re.escape(DAMAGED_WORKBOOK)}$"),  # cut short: the zip's index is gone
        (GOOD[:-40], f"^{re.escape(DAMAGED_WORKBOOK)}$"),
        (rewritten(GOOD, "xl/workbook.xml", lambda xml: xml[:50]), f"^{re.escape(DAMAGED_WORKBOOK)}$"),
        (rewritten(GOOD, SHEET1, lambda xml: "not xml at all"), f"^{re.escape(DAMAGED_WORKBOOK)}$"),
        (
            rewritten(GOOD, SHEET1, _cut_sheet),
            r"^The workbook is damaged after row \d+, so the rest of it could not be read\. Open it in Excel",
        ),
    ],
    ids=["truncated", "index-cut", "workbook-part-broken", "sheet-not-xml", "sheet-cut-short"],
)
def test_a_damaged_workbook_is_refused_where_the_damage_is_met(data: bytes, message: str) -> None:
    with pytest.raises(FileFormatError, match=message), read_table(io.BytesIO(data), RULE) as table:
        list(table)


def test_a_workbook_in_excels_binary_format_is_refused() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.bin", b"\x83\x01\x00")
    with pytest.raises(FileFormatError) as refused:
        read_table(io.BytesIO(out.getvalue()), RULE)
    assert str(refused.value) == BINARY_WORKBOOK


def test_a_workbook_that_unpacks_to_more_than_the_cap_is_refused_before_it_is_read() -> None:
    with pytest.raises(FileFormatError) as refused:
        read_table(io.BytesIO(GOOD), RULE, max_unzipped_bytes=20_000)
    assert re.fullmatch(
        r"The workbook is [\d,]+ bytes unpacked, more than the 20,000 bytes we can take\. Save the sheet as "
        r"'CSV UTF-8' and upload that, or split it into smaller files",
        str(refused.value),
    )


def test_read_workbook_refuses_a_file_that_is_not_a_workbook() -> None:
    for data in (b"name,postcode\r\nA,L1\r\n", b"PK\x05\x06" + bytes(18)):
        with pytest.raises(FileFormatError, match=f"^{re.escape(NOT_A_WORKBOOK)}$"):
            read_workbook(io.BytesIO(data), RULE)
