"""One data row of a spend file read as a payment, a rejected row (with its reason, column and cell), or the file's
total row.

Every data row ends as exactly one of these (a blank row as None, which the reader has counted already), so a
file's rows add up: rows read = payments + rejected + total rows. Nothing is guessed silently:

* A **total row** ("Total", "Grand total" in the supplier's or any cell, an amount that reads, and no date or no
  supplier) is kept apart, for the import to compare with the sum of the payments.
* **Cells run together** by a broken export (an amount fused onto a date, ``05/10/20241,680.00``; a date onto a
  name, ``CALVERTON FINANCE LTD04/01/2017``) are split only when exactly one reading gives a payment that reads
  whole (a date written with four digits after its last separator taking them as its year), and the payment says
  how it was split (:attr:`PaymentLine.note`); otherwise the row is rejected with code 'fused' and the cell quoted.
  A cell that reads as it is is never split.
* A supplier's name needs a letter in it: a date or a number in the name column is the file's columns gone astray.
* Text is trimmed, its hidden (control) characters taken out, and cut to the sizes the payments table keeps.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from app.domain.spend.amounts import AmountError, parse_amount
from app.domain.spend.columns import SpendField
from app.domain.spend.dates import DateError, parse_date
from app.tabular import TableRow

#: Rejection codes read_payment gives (the import adds 'duplicate' and, for far-out dates, 'date').
SUPPLIER = "supplier"
AMOUNT = "amount"
DATE = "date"
FUSED = "fused"
UNCLOSED_QUOTE = "unclosed_quote"

#: The longest text each field keeps, as app/models/spend.py stores it (Payment, SpendSupplier). The description is
#: a Text column; it is cut at a length no honest description reaches, so a runaway cell cannot bloat the table.
FIELD_SIZES: dict[SpendField, int] = {
    SpendField.SUPPLIER_NAME: 300,
    SpendField.SUPPLIER_ID: 100,
    SpendField.VAT_NUMBER: 20,
    SpendField.COMPANY_NUMBER: 20,
    SpendField.CHARITY_NUMBER: 20,
    SpendField.TRANSACTION_NUMBER: 100,
    SpendField.DEPARTMENT: 200,
    SpendField.SERVICE_AREA: 200,
    SpendField.EXPENSE_TYPE: 200,
    SpendField.PROCLASS_CODE: 20,
    SpendField.PROCLASS_LABEL: 200,
    SpendField.DESCRIPTION: 4000,
}
#: Registration numbers are left out rather than cut when too long: a cut number could match the wrong body.
_IDENTIFIERS = frozenset({SpendField.VAT_NUMBER, SpendField.COMPANY_NUMBER, SpendField.CHARITY_NUMBER})
#: How long a rejected cell is kept (quoted back to the officer).
CELL_LIMIT = 500
#: Cells that say the row is a total: "Total", "TOTAL:", "Grand total", "Totals", "Sub-total", "Total spend".
_TOTAL = re.compile(
    r"^(?:grand\s*|sub[\s-]*|overall\s*)?totals?(?:\s+(?:amount|paid|spend|spent|payments?|value|for\s.*))?\s*:?$",
    re.IGNORECASE,
)
#: Control characters, and the invisible ones (zero-width spaces and joiners, a byte order mark inside a cell).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200d\u2060\ufeff]")
_LINE_BREAKS = re.compile(r"\s*[\r\n]+\s*")
#: Spaces that are not the space bar's (no-break, thin, figure): a name is the same name with either.
_SPACES = re.compile(r"[\u00a0\u2000-\u200a\u202f\u205f\u3000]")
#: A date run onto something else (``05/10/20241,680.00``), or something run onto a date (``LTD04/01/2017``), for
#: saying a cell was fused even when it cannot be split.
_DATE = r"\d{1,2}[/.\-](?:\d{1,2}|[a-z]{3,9})[/.\-]"
_RUN_ON_DATE = re.compile(rf"(?:^|\D){_DATE}(?:\d{{4}}\S|\d{{2}}[^\s\d])", re.IGNORECASE)
_RUN_INTO_DATE = re.compile(r"\S\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2,4}$")
#: Years a fused date's four digits may be (else the split reads its first two digits as the year).
_PLAUSIBLE_YEARS = range(1990, 2100)


@dataclass(frozen=True)
class PaymentLine:
    """A data row read as a payment. Optional text is None when blank; ``note`` says how a row whose cells were run
    together was split (None for an ordinary row)."""

    row_number: int
    supplier_name: str
    supplier_reference: str | None
    vat_number: str | None
    company_number: str | None
    paid_on: date
    amount_pence: int
    transaction_number: str | None
    department: str | None
    service_area: str | None
    expense_type: str | None
    proclass_code: str | None
    proclass_label: str | None
    description: str | None
    charity_number: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class RowRejection:
    """A data row that is not a payment: ``code`` says what kind ('supplier', 'amount', 'date', 'fused',
    'unclosed_quote'), ``column`` the heading as the file has it (or the field's label), ``cell`` the text as the
    file had it, and ``reason`` says why in words fit to show."""

    row_number: int
    code: str
    column: str | None
    cell: str | None
    reason: str


@dataclass(frozen=True)
class TotalRow:
    """The file's own total row: its amount, to compare with the sum of the payments, and the words that said so."""

    row_number: int
    amount_pence: int
    label: str


def _clean(text: str, *, multiline: bool = False) -> str:
    """Text without hidden characters; line breaks kept only where the field may have several lines."""
    if text.isprintable():  # the usual cell, with nothing to take out (the check is fast, the substitutions not)
        return text.strip()
    text = _SPACES.sub(" ", _CONTROL.sub("", text.replace("\t", " ")))
    if multiline:
        return text.replace("\r\n", "\n").replace("\r", "\n").strip()
    return _LINE_BREAKS.sub(" ", text).strip()


def _kept_cell(text: str) -> str:
    """A cell as a rejection quotes it: as the file had it, without hidden characters, cut when very long."""
    cleaned = _CONTROL.sub("", text)
    return cleaned if len(cleaned) <= CELL_LIMIT else cleaned[: CELL_LIMIT - 1] + "…"


class _Reading:
    """One row's cells under a mapping: the text of each field and the heading of its column."""

    def __init__(self, cells: Sequence[str], mapping: Mapping[SpendField, int], headers: Sequence[str]) -> None:
        self.cells = cells
        self.mapping = mapping
        self.headers = headers

    def raw(self, field: SpendField) -> str:
        index = self.mapping.get(field)
        if index is None or not 0 <= index < len(self.cells):
            return ""
        return self.cells[index]

    def text(self, field: SpendField) -> str:
        return self.raw(field).strip()

    def column(self, field: SpendField) -> str:
        index = self.mapping.get(field)
        if index is not None and 0 <= index < len(self.headers) and self.headers[index].strip():
            return self.headers[index].strip()
        return field.label


def _reads_as_date(text: str) -> bool:
    try:
        parse_date(text)
    except DateError:
        return False
    return True


def _amount_or_none(text: str) -> int | None:
    try:
        return parse_amount(text)
    except AmountError:
        return None


def _total_label(cells: Sequence[str]) -> str | None:
    for cell in cells:
        if "otal" in cell or "OTAL" in cell:  # cheap first: most cells say nothing of a total
            text = cell.strip()
            if _TOTAL.match(text):
                return text
    return None


@dataclass(frozen=True)
class _Whole:
    """The three cells every payment needs, read."""

    supplier_name: str
    paid_on: date
    amount_pence: int


def _is_a_name(text: str) -> bool:
    """Whether a supplier cell can be a name: it has a letter in it (``30.11.19-28.02.20`` is a period, not a payee)."""
    return any(char.isalpha() for char in text)


def _read_whole(reading: _Reading) -> _Whole | None:
    name = _clean(reading.raw(SpendField.SUPPLIER_NAME))
    if not _is_a_name(name):
        return None
    try:
        return _Whole(name, parse_date(reading.text(SpendField.DATE)), parse_amount(reading.text(SpendField.AMOUNT)))
    except (DateError, AmountError):
        return None


#: Pairs of fields whose cells an export may run together, and what each part must look like.
_PAIRS = (
    (SpendField.DATE, SpendField.AMOUNT),
    (SpendField.AMOUNT, SpendField.DATE),
    (SpendField.SUPPLIER_NAME, SpendField.DATE),
    (SpendField.DATE, SpendField.SUPPLIER_NAME),
)


@dataclass(frozen=True)
class _Split:
    cells: tuple[str, ...]
    first: str
    second: str
    fused: SpendField
    # For a date and an amount: whether the date took a 'four'-digit year a payment may have, an 'unlikely' one, or
    # 'two' digits (None for a name and a date).
    year: str | None


def _part_reads(field: SpendField, part: str) -> bool:
    if field is SpendField.SUPPLIER_NAME:
        return _is_a_name(part) and not _reads_as_date(part) and _amount_or_none(part) is None
    if field is SpendField.DATE:
        return _reads_as_date(part)
    # An amount split off a date starts as an amount does, and has no third decimal place to borrow a digit from.
    return part[:1] in "0123456789-(£œ" and not re.search(r"\.\d{3}", part) and _amount_or_none(part) is not None


def _splits(reading: _Reading) -> list[_Split]:
    """The ways one cell of the row can be split in two (the cells after it moving one to the right, as they were
    before the export ran them together) to give a row whose supplier, date and amount all read."""
    found: list[_Split] = []
    width = max(len(reading.headers), len(reading.cells))
    for first, second in _PAIRS:
        index = reading.mapping.get(first)
        if index is None or reading.mapping.get(second) != index + 1 or index >= len(reading.cells):
            continue
        cell = reading.cells[index].strip()
        if first is not SpendField.SUPPLIER_NAME and _part_reads(first, cell):
            continue  # the cell reads as it is ("09/01/2025" is not "09/01/20" and "25")
        for cut in range(1, len(cell)):
            head, tail = cell[:cut], cell[cut:]
            if not (_part_reads(first, head) and _part_reads(second, tail)):
                continue
            if SpendField.SUPPLIER_NAME in (first, second) and head[-1:].isdigit() and tail[:1].isdigit():
                continue  # "UNIT 405/10/2024": where the name ends and the date begins cannot be known
            cells = (*reading.cells[:index], head, tail, *reading.cells[index + 1 :])
            if len(cells) > width and any(c.strip() for c in cells[width:]):
                continue  # moving the cells after it along would push a filled cell off the end
            repaired = _Reading(cells[:width], reading.mapping, reading.headers)
            if _read_whole(repaired) is None:
                continue
            year: str | None = None
            if {first, second} == {SpendField.DATE, SpendField.AMOUNT}:
                date_part = (head if first is SpendField.DATE else tail).strip()
                if not re.search(r"\d{4}$", date_part):
                    year = "two"
                else:
                    year = "four" if parse_date(date_part).year in _PLAUSIBLE_YEARS else "unlikely"
            found.append(_Split(cells[:width], head, tail, first, year))
    # "05/10/20241,680.00" also reads as 05/10/20 and 241,680.00: a date written with four digits after its last
    # separator has a four-digit year, so the two-digit reading is set aside when a four-digit one reads (and a
    # four-digit year no payment has, "05/10/2462" and 5.04 from "05/10/24625.04", is set aside for a two-digit one).
    for kind in ("four", "two"):
        if any(split.year == kind for split in found):
            found = [split for split in found if split.year in (kind, None)]
            break
    # Splits that give the same payment ("12.3" and "05/10/2024", "12.30" and "5/10/2024") are one reading.
    distinct: dict[tuple[str, date, int], _Split] = {}
    for split in found:
        whole = _read_whole(_Reading(split.cells, reading.mapping, reading.headers))
        if whole is not None:
            distinct.setdefault((whole.supplier_name, whole.paid_on, whole.amount_pence), split)
    return list(distinct.values())


def _looks_fused(reading: _Reading) -> tuple[SpendField, str] | None:
    """A required cell holding a date run together with another cell: something after the date in the date's own
    cell (or a name's, when the date comes first), or something before a date at the end of a name or amount."""
    checks = (
        (SpendField.DATE, (_RUN_ON_DATE,)),
        (SpendField.SUPPLIER_NAME, (_RUN_ON_DATE, _RUN_INTO_DATE)),
        (SpendField.AMOUNT, (_RUN_INTO_DATE,)),
    )
    for field, patterns in checks:
        text = reading.text(field)
        if field is SpendField.SUPPLIER_NAME and not _is_a_name(text):
            continue  # no name in it to have run into anything ("30.11.19-28.02.20" is a period)
        if text and any(pattern.search(text) for pattern in patterns) and not _reads_as_date(text):
            return field, text
    return None


#: What finance systems write in an optional cell for "nothing here" (Trafford's ``NA`` for no ProClass category):
#: read as blank, so it never becomes a category, a reference or a description of its own.
NOT_GIVEN = frozenset({"na", "n/a", "n.a.", "n.a", "-", "--", "none", "null", "nil"})


def _optional(reading: _Reading, field: SpendField) -> str | None:
    if field not in reading.mapping:
        return None
    text = _clean(reading.raw(field), multiline=field is SpendField.DESCRIPTION)
    if not text or text.casefold() in NOT_GIVEN:
        return None
    size = FIELD_SIZES[field]
    if len(text) > size:
        if field in _IDENTIFIERS:
            return None
        text = text[: size - 1] + "…"
    return text


def _line(row_number: int, reading: _Reading, whole: _Whole, note: str | None) -> PaymentLine:
    name = whole.supplier_name
    size = FIELD_SIZES[SpendField.SUPPLIER_NAME]
    if len(name) > size:
        name = name[: size - 1] + "…"
    return PaymentLine(
        row_number=row_number,
        supplier_name=name,
        supplier_reference=_optional(reading, SpendField.SUPPLIER_ID),
        vat_number=_optional(reading, SpendField.VAT_NUMBER),
        company_number=_optional(reading, SpendField.COMPANY_NUMBER),
        paid_on=whole.paid_on,
        amount_pence=whole.amount_pence,
        transaction_number=_optional(reading, SpendField.TRANSACTION_NUMBER),
        department=_optional(reading, SpendField.DEPARTMENT),
        service_area=_optional(reading, SpendField.SERVICE_AREA),
        expense_type=_optional(reading, SpendField.EXPENSE_TYPE),
        proclass_code=_optional(reading, SpendField.PROCLASS_CODE),
        proclass_label=_optional(reading, SpendField.PROCLASS_LABEL),
        description=_optional(reading, SpendField.DESCRIPTION),
        charity_number=_optional(reading, SpendField.CHARITY_NUMBER),
        note=note,
    )


def _unclosed(row: TableRow, headers: Sequence[str]) -> RowRejection:
    index = next((i for i, cell in enumerate(row.cells) if "\n" in cell or "\r" in cell), None)
    column = headers[index].strip() or None if index is not None and index < len(headers) else None
    cell = row.cells[index] if index is not None else ",".join(row.cells)
    return RowRejection(
        row.row_number,
        UNCLOSED_QUOTE,
        column,
        _kept_cell(cell),
        "A quote mark in this row is never closed, so the rows after it were read as part of one cell. "
        "Check the file: put the missing quote mark in, or take the stray one out",
    )


def read_payment(
    row: TableRow, mapping: Mapping[SpendField, int], headers: Sequence[str]
) -> PaymentLine | RowRejection | TotalRow | None:
    """Read one data row: a payment, a rejection with its reason, the file's total row, or None for a blank row.

    ``mapping`` says which column each field is in (it must hold the supplier's name, the amount and the date:
    :data:`~app.domain.spend.columns.REQUIRED_FIELDS`); ``headers`` are the file's headings, for naming the column
    of a rejected cell.
    """
    if not any(cell.strip() for cell in row.cells):
        return None
    if row.unclosed_quote:
        return _unclosed(row, headers)
    reading = _Reading(row.cells, mapping, headers)
    name_text = reading.text(SpendField.SUPPLIER_NAME)
    amount_text = reading.text(SpendField.AMOUNT)
    date_text = reading.text(SpendField.DATE)

    label = _total_label(row.cells)
    if label is not None:
        amount = _amount_or_none(amount_text)
        supplier_is_label = bool(_TOTAL.match(name_text))
        if amount is not None and (supplier_is_label or not name_text or not _reads_as_date(date_text)):
            return TotalRow(row.row_number, amount, _clean(label))

    whole = _read_whole(reading)
    if whole is not None:
        return _line(row.row_number, reading, whole, None)

    splits = _splits(reading)
    if len(splits) == 1:
        split = splits[0]
        repaired = _Reading(split.cells, mapping, headers)
        fixed = _read_whole(repaired)
        assert fixed is not None  # _splits keeps only splits that read whole
        note = (
            f"The cell '{reading.text(split.fused)}' ({reading.column(split.fused)}) held two cells run together: "
            f"read as '{split.first}' and '{split.second}'"
        )
        return _line(row.row_number, repaired, fixed, note)
    if len(splits) > 1:
        field = splits[0].fused
        readings = " or ".join(f"'{s.first}' and '{s.second}'" for s in splits[:3])
        return RowRejection(
            row.row_number,
            FUSED,
            reading.column(field),
            _kept_cell(reading.raw(field)),
            f"Two cells are run together here, and they could be split more than one way ({readings}). "
            "Correct the row in the file",
        )
    fused = _looks_fused(reading)
    if fused is not None:
        field, text = fused
        return RowRejection(
            row.row_number,
            FUSED,
            reading.column(field),
            _kept_cell(reading.raw(field)),
            f"The cell '{text}' has a date run together with another cell, and it cannot be split with certainty. "
            "Correct the row in the file",
        )
    return _first_problem(row.row_number, reading)


def _first_problem(row_number: int, reading: _Reading) -> RowRejection:
    """The rejection of a row whose supplier, amount or date does not read (the first of them that does not)."""
    name = _clean(reading.raw(SpendField.SUPPLIER_NAME))
    if not name:
        others = [cell.strip() for cell in reading.cells if cell.strip()]
        shown = ", ".join(others[:4])
        return RowRejection(
            row_number,
            SUPPLIER,
            reading.column(SpendField.SUPPLIER_NAME),
            _kept_cell(reading.raw(SpendField.SUPPLIER_NAME)) or None,
            f"The row has no supplier's name (it holds: {shown})" if shown else "The row has no supplier's name",
        )
    if not _is_a_name(name):
        return RowRejection(
            row_number,
            SUPPLIER,
            reading.column(SpendField.SUPPLIER_NAME),
            _kept_cell(reading.raw(SpendField.SUPPLIER_NAME)),
            f"The supplier's name '{name}' has no letters in it: it is a date, a number or a reference, not a "
            "name. Check the file's columns",
        )
    try:
        parse_amount(reading.text(SpendField.AMOUNT))
    except AmountError as error:
        return RowRejection(
            row_number,
            AMOUNT,
            reading.column(SpendField.AMOUNT),
            _kept_cell(reading.raw(SpendField.AMOUNT)) or None,
            str(error),
        )
    try:
        parse_date(reading.text(SpendField.DATE))
    except DateError as error:
        return RowRejection(
            row_number,
            DATE,
            reading.column(SpendField.DATE),
            _kept_cell(reading.raw(SpendField.DATE)) or None,
            str(error),
        )
    raise AssertionError("a row whose cells all read was rejected")  # _read_whole read it: unreachable
