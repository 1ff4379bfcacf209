"""Every shared spend file (../shared/data/spend, read in place and read-only) read row by row with the spend rules:
its supplier, amount and date columns found by heading, and every record after the header accounted for as a
payment, a rejected row, a total row or a blank row the reader skipped.

Measured (December 2026) with these rules:

* Hyndburn, 101 files (5 of 2024 and 96 of 2017 to January 2026): 3,306 + 29,420 = 32,726 data rows, all payments
  but two, both the file's own slips: row 151 of ``1701867168057_November-23-csv.csv`` (IRRV PUBLICATIONS, £290.00,
  21 November 2023) has an empty Name cell, and row 282 of ``1595344378820_March-2020-csv.csv`` has the period
  billed ("30.11.19-28.02.20") in its Name cell and the payee (ON GROUP (NATWEST)) in its Description.
* North West Open Data 2019: Bolton 17,035, Oldham 16,864, Salford 16,793 rows, all payments.
* Trafford: 2024-25 210,068 rows and 2026-27 38,055, all payments (25,107 and 4,069 of them credits).
* No file has a total row or cells run together; no payment's date is far outside its file's period.
"""

from __future__ import annotations

import collections
import csv
import gzip
import io
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import pytest

from app.domain.spend.columns import SPEND_HEADER_RULE, SpendField, guess_mapping, missing_fields
from app.domain.spend.dates import core_period, far_outside
from app.domain.spend.rows import PaymentLine, RowRejection, TotalRow, read_payment
from app.tabular import TableFormat, read_table

SPEND = Path(__file__).resolve().parents[4] / "shared" / "data" / "spend"
pytestmark = pytest.mark.skipif(not SPEND.is_dir(), reason=f"the shared spend files are not at {SPEND}")

FILES = sorted(
    [
        *SPEND.glob("hyndburn_spend_over_250_*.csv"),
        *(SPEND / "hyndburn_2017_2025").glob("1*.csv"),
        *SPEND.glob("nwod_*.csv.gz"),
        *(SPEND / "nwod_gmca_2019").glob("*.csv.gz"),
        *(SPEND / "trafford").glob("*.zip"),
    ]
)
#: The headings each layout's supplier, amount and date are under (as the reader trims them).
HEADINGS = {
    SpendField.SUPPLIER_NAME: {"Name", "Name:", "beneficiary_name", "BeneficiaryName"},
    SpendField.AMOUNT: {"Net Amount(£)", "Net Amount(œ)", "Net Amount", "Net Amount (£)", "Net Amount (Â£)"}
    | {"Amount Paid", "amount", "Amount"},
    SpendField.DATE: {"Payment date", "Payment Date", "payment_date", "PaymentDate"},
}
#: Rejected rows measured, by file name: every other file has none.
REJECTED = {"1701867168057_November-23-csv.csv": 1, "1595344378820_March-2020-csv.csv": 1}
#: Payments measured in the larger files, and the sum of their amounts in pence.
MEASURED = {
    "nwod_gmca_bolton_2019_cleaned.csv.gz": (17_035, 17_531_734_801),
    "oldham_2019.csv.gz": (16_864, 22_411_891_165),
    "salford_2019.csv.gz": (16_793, 32_717_254_977),
    "trafford-supplier-spend-2024-25.zip": (210_068, 56_521_957_374),
    "trafford-supplier-spend-2026-27.zip": (38_055, 9_589_694_189),
    "hyndburn_spend_over_250_September-24.csv": (625, 1_057_071_946),
}


@contextmanager
def opened(path: Path) -> Iterator[IO[bytes]]:
    """The file as a byte stream (a gzipped file unzipped on the way; a zip is the reader's to open)."""
    with gzip.open(path, "rb") if path.suffix == ".gz" else path.open("rb") as stream:
        yield stream


def csv_text(path: Path) -> bytes:
    """The CSV's bytes, out of its gzip or zip."""
    if path.suffix == ".zip":
        with zipfile.ZipFile(path) as archive:
            (member,) = [name for name in archive.namelist() if name.lower().endswith(".csv")]
            return archive.read(member)
    with opened(path) as stream:
        return stream.read()


def records_after_header(path: Path, table_format: TableFormat) -> int:
    """Records below the header row, counted by the csv module alone (blank ones too), to check the reader by."""
    text = csv_text(path).decode(table_format.encoding, errors="replace")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=table_format.delimiter)
    return sum(1 for _ in reader) - table_format.header_row_number


@dataclass
class Outcome:
    rows: int = 0
    payments: list[PaymentLine] = field(default_factory=list)
    rejected: list[RowRejection] = field(default_factory=list)
    totals: list[TotalRow] = field(default_factory=list)
    blank: int = 0
    skipped_by_reader: int = 0
    table_format: TableFormat | None = None
    mapping: dict[SpendField, int] = field(default_factory=dict)
    headers: tuple[str, ...] = ()


def read_file(path: Path) -> Outcome:
    outcome = Outcome()
    with opened(path) as stream, read_table(stream, SPEND_HEADER_RULE) as table:
        outcome.table_format = table.format
        outcome.headers = table.headers
        outcome.mapping = guess_mapping(table.headers)
        for row in table:
            outcome.rows += 1
            result = read_payment(row, outcome.mapping, table.headers)
            if result is None:
                outcome.blank += 1
            elif isinstance(result, PaymentLine):
                outcome.payments.append(result)
            elif isinstance(result, TotalRow):
                outcome.totals.append(result)
            else:
                outcome.rejected.append(result)
        outcome.skipped_by_reader = table.blank_rows
    return outcome


def test_the_shared_files_are_all_here():
    assert len([f for f in FILES if f.name.startswith(("hyndburn", "1"))]) == 101
    assert len(FILES) == 106


@pytest.mark.parametrize("path", FILES, ids=lambda path: path.name)
def test_every_row_of_a_shared_file_is_accounted_for(path):
    outcome = read_file(path)
    assert outcome.table_format is not None

    # The supplier, amount and date columns are found, under the headings the layout has.
    assert missing_fields(outcome.mapping) == []
    for spend_field, headings in HEADINGS.items():
        assert outcome.headers[outcome.mapping[spend_field]] in headings

    # Every record below the header is a payment, a rejection, a total row or a blank row.
    assert outcome.rows == len(outcome.payments) + len(outcome.rejected) + len(outcome.totals) + outcome.blank
    assert outcome.rows + outcome.skipped_by_reader == records_after_header(path, outcome.table_format)

    # Rejections are the file's own problems, and few.
    assert len(outcome.rejected) == REJECTED.get(path.name, 0)
    assert len(outcome.rejected) <= max(1, outcome.rows // 100)
    assert not outcome.totals
    assert not [line for line in outcome.payments if line.note]  # nothing needed splitting

    # Every payment is within its file's period (none far outside it).
    months = collections.Counter((line.paid_on.year, line.paid_on.month) for line in outcome.payments)
    core = core_period(months)
    assert core is not None
    assert not [line for line in outcome.payments if far_outside(line.paid_on, *core)]

    if path.name in MEASURED:
        payments, pence = MEASURED[path.name]
        assert (len(outcome.payments), sum(line.amount_pence for line in outcome.payments)) == (payments, pence)


def test_the_rejected_rows_are_the_files_own():
    (rejection,) = read_file(SPEND / "hyndburn_2017_2025" / "1701867168057_November-23-csv.csv").rejected
    assert (rejection.row_number, rejection.code, rejection.column) == (151, "supplier", "Name")
    assert "IRRV PUBLICATIONS" in rejection.reason
    (rejection,) = read_file(SPEND / "hyndburn_2017_2025" / "1595344378820_March-2020-csv.csv").rejected
    assert (rejection.row_number, rejection.code, rejection.cell) == (282, "supplier", "30.11.19-28.02.20")


def test_the_hyndburn_files_add_up():
    hyndburn = [path for path in FILES if path.name.startswith(("hyndburn", "1"))]
    outcomes = [read_file(path) for path in hyndburn]
    assert sum(o.rows for o in outcomes) == 32_726
    assert sum(len(o.payments) for o in outcomes) == 32_724
    credits = [line for o in outcomes for line in o.payments if line.amount_pence < 0]
    assert len(credits) == 293
