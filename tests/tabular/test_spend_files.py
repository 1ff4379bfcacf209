"""Real council spend files, read in place from ../shared/data/spend (read-only): the layer finds each file's header
row (after blank preamble rows too), reads every row (CR-only line endings, Windows-1252 pound signs, a byte order
mark, ragged rows with empty columns interleaved), and reads Trafford's zipped CSV straight from the zip.

The spend import (the next issue) maps these columns; here a small rule names a few of them, as an importer would.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
from pathlib import Path

import pytest

from app.tabular import HeaderRule, Table, TableRow, read_table

SPEND = Path(__file__).resolve().parents[3] / "shared" / "data" / "spend"
pytestmark = pytest.mark.skipif(not SPEND.is_dir(), reason=f"the shared spend files are not at {SPEND}")

#: Headings of a payments file, with case, spaces and punctuation (and a stray pound sign) ignored.
PAYMENT_COLUMNS = {
    "name": "supplier",
    "beneficiaryname": "supplier",
    "amountpaid": "amount",
    "netamount": "amount",
    "amount": "amount",
    "paymentdate": "date",
    "description": "description",
    "purpose": "description",
}
PAYMENTS = HeaderRule(lambda heading: PAYMENT_COLUMNS.get(re.sub(r"[^0-9a-z]", "", heading.casefold())), at_least=3)

HYNDBURN = sorted([*SPEND.glob("hyndburn_spend_over_250_*.csv"), *(SPEND / "hyndburn_2017_2025").glob("1*.csv")])
#: The payments the data README gives for the first five files.
README_ROWS = {
    "hyndburn_spend_over_250_Spend-over-250.00-Mar-24.csv": 658,
    "hyndburn_spend_over_250_April-24.csv": 428,
    "hyndburn_spend_over_250_July-24.csv": 805,
    "hyndburn_spend_over_250_August-24.csv": 790,
    "hyndburn_spend_over_250_September-24.csv": 625,
}


def records_in(data: bytes, encoding: str) -> int:
    """Every record of the file, blank ones too, as the csv module splits the decoded text."""
    text = data.decode(encoding, errors="replace")
    return sum(1 for _ in csv.reader(io.StringIO(text, newline="")))


def expected_encoding(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


def read_whole(table: Table) -> list[TableRow]:
    with table:
        return list(table)


@pytest.mark.parametrize("path", HYNDBURN, ids=[p.name for p in HYNDBURN])
def test_every_hyndburn_file_has_its_header_found_and_every_row_read(path: Path) -> None:
    data = path.read_bytes()
    table = read_table(io.BytesIO(data), PAYMENTS)
    rows = read_whole(table)
    fmt = table.format

    preamble = 0
    for line in data.removeprefix(b"\xef\xbb\xbf").splitlines():
        if line.strip(b", \t"):
            break
        preamble += 1  # rows of nothing but commas above the header, as some months have
    assert fmt.header_row_number == preamble + 1
    assert {"supplier", "date", "amount"} <= {PAYMENTS.column_for(h) for h in fmt.headers}
    assert fmt.encoding == expected_encoding(data)
    # Nothing is lost: every record below the header is a row or a blank row.
    assert len(rows) + table.blank_rows + fmt.header_row_number == records_in(data, fmt.encoding)
    assert [r.row_number for r in rows] == sorted({r.row_number for r in rows})
    assert all(r.row_number > fmt.header_row_number and any(c.strip() for c in r.cells) for r in rows)
    if path.name in README_ROWS:
        assert len(rows) == README_ROWS[path.name]


def test_windows_1252_pound_signs_and_cr_only_line_endings() -> None:
    """July 2017: Windows-1252, the header ending CRLF and every row after it a lone CR."""
    path = SPEND / "hyndburn_2017_2025" / "1499342922489_1705.csv"
    data = path.read_bytes()
    assert data.count(b"\r\n") == 1 and data.count(b"\r") > 100
    with path.open("rb") as stream:
        table = read_table(stream, PAYMENTS)
        rows = read_whole(table)
    assert (table.format.encoding, table.format.headers[-1]) == ("cp1252", "Net Amount(£)")
    assert len(rows) == 178 and all(len(r.cells) == 7 for r in rows)


def test_empty_columns_interleaved_are_kept_in_place() -> None:
    path = SPEND / "hyndburn_2017_2025" / "1740064719003_January-25-CSV.csv"
    with path.open("rb") as stream:
        table = read_table(stream, PAYMENTS)
        rows = read_whole(table)
    headers = table.format.headers
    assert headers[:4] == ("Department Area", "", "Service Area", "")
    name = next(i for i, h in enumerate(headers) if PAYMENTS.column_for(h) == "supplier")
    assert all(r.cell(name).strip() for r in rows[:50])


def test_traffords_zipped_csv_is_read_from_the_zip() -> None:
    with (SPEND / "trafford" / "trafford-supplier-spend-2026-27.zip").open("rb") as stream:
        table = read_table(stream, PAYMENTS)
        rows = read_whole(table)
    fmt = table.format
    assert (fmt.container, fmt.member, fmt.header_row_number) == ("zip", "trafford-supplier-spend-2026-27.csv", 1)
    assert len(fmt.headers) == 16 and fmt.headers[4] == "BeneficiaryName"
    assert len(rows) == 38_055  # the payments the data README gives
    assert all(len(r.cells) == 16 for r in rows)


def test_a_year_of_trafford_fits_under_the_unzipped_cap_and_a_lower_cap_refuses_it() -> None:
    path = SPEND / "trafford" / "trafford-supplier-spend-2024-25.zip"
    with path.open("rb") as stream, read_table(stream, PAYMENTS) as table:
        assert table.format.member == "trafford-supplier-spend-2024-25.csv"
        first = next(iter(table))
        assert first.row_number == 2 and first.cells[0] == "Trafford Council"
    with path.open("rb") as stream, pytest.raises(ValueError, match="54 MB unzipped, more than the 50 MB"):
        read_table(stream, PAYMENTS, max_unzipped_bytes=50_000_000)


@pytest.mark.parametrize(
    ("name", "payments"),
    [
        ("nwod_gmca_bolton_2019_cleaned.csv.gz", 17_035),
        ("nwod_gmca_2019/oldham_2019.csv.gz", 16_864),
        ("nwod_gmca_2019/salford_2019.csv.gz", 16_793),
    ],
)
def test_north_west_open_data_files_read_from_a_gzip_stream(name: str, payments: int) -> None:
    with gzip.open(SPEND / name, "rb") as stream:
        table = read_table(stream, PAYMENTS)  # type: ignore[arg-type]
        rows = read_whole(table)
    assert table.format.headers[3:6] == ("beneficiary_name", "payment_date", "amount")
    assert len(rows) == payments
