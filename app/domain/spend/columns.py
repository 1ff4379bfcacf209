"""The columns of a spend file: what each can hold (a :class:`SpendField`), the headings councils give them, and the
first guess at which column is which for the officer to confirm.

Councils name the same column many ways (``Name:  ``, ``BeneficiaryName``, ``Supplier Name``, ``Payee``), so a
heading is compared with case, spaces, punctuation and a £ sign (in any of its encodings) left out. Where a file
has two headings for one field (a cleaned name beside the name as paid), the better heading wins: the aliases are
listed best first.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from app.domain.labelled import LabelledEnum
from app.tabular import HeaderRule


class SpendField(LabelledEnum):
    SUPPLIER_NAME = "supplier_name", "Supplier's name", "The payee's name as the file gives it"
    SUPPLIER_ID = "supplier_id", "Supplier reference", "The council's own reference for the supplier"
    VAT_NUMBER = "vat_number", "VAT number", "The supplier's VAT registration number"
    COMPANY_NUMBER = "company_number", "Company number", "The supplier's Companies House number"
    CHARITY_NUMBER = "charity_number", "Charity number", "The supplier's registered charity number"
    AMOUNT = "amount", "Amount", "The amount paid, in pounds (negative for a credit)"
    DATE = "date", "Date paid", "The date of the payment"
    DEPARTMENT = "department", "Department", "The council department or unit that paid"
    SERVICE_AREA = "service_area", "Service area", "The service or cost centre the payment was for"
    EXPENSE_TYPE = "expense_type", "Expense type", "What kind of spend it was (the ledger's account)"
    PROCLASS_CODE = "proclass_code", "ProClass code", "The procurement classification's code"
    PROCLASS_LABEL = "proclass_label", "ProClass category", "The procurement classification's words"
    DESCRIPTION = "description", "Description", "What the payment was for, in the council's words"
    TRANSACTION_NUMBER = "transaction_number", "Transaction number", "The council's reference for the payment"


#: A file cannot be imported without these.
REQUIRED_FIELDS: tuple[SpendField, ...] = (SpendField.SUPPLIER_NAME, SpendField.AMOUNT, SpendField.DATE)

#: Headings that name each field, best first (compared with case, spaces, punctuation and "£" left out).
ALIASES: dict[SpendField, tuple[str, ...]] = {
    SpendField.SUPPLIER_NAME: (
        "Supplier Name",
        "Supplier",
        "Beneficiary Name",
        "Beneficiary",
        "Payee Name",
        "Payee",
        "Vendor Name",
        "Vendor",
        "Creditor Name",
        "Creditor",
        "Merchant Name",
        "Merchant",
        "Name",
        "Supplier Name (Payee)",
        "Paid To",
        "Recipient",
        "Recipient Name",
        "Company Name",
        "Organisation Name",
    ),
    SpendField.SUPPLIER_ID: (
        "Supplier ID",
        "Supplier Number",
        "Supplier No",
        "Supplier Code",
        "Supplier Reference",
        "Supplier Ref",
        "Supplier Account",
        "Supplier Account Number",
        "BeneficiaryOtherID",
        "Beneficiary ID",
        "Beneficiary Reference",
        "Payee ID",
        "Payee Reference",
        "Vendor ID",
        "Vendor Number",
        "Vendor Code",
        "Creditor ID",
        "Creditor Number",
        "Creditor Reference",
    ),
    SpendField.VAT_NUMBER: (
        "VATRegistrationNumber",
        "VAT Registration Number",
        "VAT Registration No",
        "VAT Number",
        "VAT No",
        "VAT Reg No",
        "Supplier VAT Number",
        "Supplier VAT Registration Number",
    ),
    SpendField.COMPANY_NUMBER: (
        "Company Number",
        "Company Registration Number",
        "Company Reg No",
        "Company No",
        "Companies House Number",
        "Registered Company Number",
        "Supplier Company Number",
        "BeneficiaryRegisteredCompanyNumber",
    ),
    SpendField.CHARITY_NUMBER: (
        "Charity Number",
        "Charity Registration Number",
        "Charity No",
        "Registered Charity Number",
        "BeneficiaryRegisteredCharityNumber",
    ),
    SpendField.AMOUNT: (
        "Amount",
        "Amount Paid",
        "Net Amount",
        "Amount Net",
        "Net Amount Paid",
        "Amount excluding VAT",
        "Amount excl VAT",
        "Amount ex VAT",
        "Net Value",
        "Value",
        "Payment Amount",
        "Amount GBP",
        "Amount in Sterling",
        "Paid Amount",
        "Transaction Amount",
        "Line Amount",
        "Net",
        "Total",
        "Total Amount",
        "Gross Amount",
        "Gross Value",
        "Amount including VAT",
        "Amount incl VAT",
        "Gross",
    ),
    SpendField.DATE: (
        "Payment Date",
        "Date Paid",
        "Paid Date",
        "Date of Payment",
        "Pay Date",
        "Payment Run Date",
        "Transaction Date",
        "Date",
        "Posting Date",
        "Posted Date",
    ),
    SpendField.DEPARTMENT: (
        "Department",
        "Department Area",
        "Department Name",
        "Directorate",
        "OrganisationalUnit",
        "Organisational Unit",
        "Dept",
        "Division",
        "Portfolio",
        "Service Directorate",
    ),
    SpendField.SERVICE_AREA: (
        "Service Area",
        "Service Cost Centre",
        "Cost Centre",
        "Cost Centre Name",
        "Cost Centre Description",
        "Service",
        "Service Label",
        "ServiceCategoryLabel",
        "Service Category",
        "Service Division",
        "Service Area Categorisation",
        "Responsible Unit",
        "Expense Area",
    ),
    SpendField.EXPENSE_TYPE: (
        "Expense Type",
        "Expenses Type",
        "ExpensesType",
        "Expense Category",
        "Expenditure Type",
        "Expenditure Category",
        "Account Detail",
        "Account Description",
        "Account Name",
        "Subjective",
        "Subjective Description",
        "Subjective Name",
        "Spend Category",
        "Category",
    ),
    SpendField.PROCLASS_CODE: (
        "ProclassCode",
        "Proclass Code",
        "Procurement Classification Code",
        "ProClass Category Code",
    ),
    SpendField.PROCLASS_LABEL: (
        "ProclassLabel",
        "Proclass Label",
        "Proclass",
        "Proclass Description",
        "Procurement Classification",
        "Procurement Category",
        "ProClass Category",
    ),
    SpendField.DESCRIPTION: (
        "Description",
        "Purpose",
        "Purpose of Spend",
        "Payment Description",
        "Transaction Description",
        "Item Description",
        "Line Description",
        "Narrative",
        "Details",
    ),
    SpendField.TRANSACTION_NUMBER: (
        "TransactionNumber",
        "Transaction Number",
        "Transaction No",
        "Transaction ID",
        "Transaction Reference",
        "Transaction Ref",
        "HBC Ref No.",
        "Payment Reference",
        "Payment Ref",
        "Payment Number",
        "Payment ID",
        "Document Number",
        "Voucher Number",
        "Reference",
        "Ref",
    ),
}

#: A £ sign in a heading as it may arrive: itself, as DOS byte 0x9C read as "œ", as UTF-8 read as "Â£", or lost.
_POUND_SIGNS = re.compile(r"\((?:£|œ|â£|Â£|\ufffd|gbp)\)|£|œ|\ufffd", re.IGNORECASE)


def normalise_heading(heading: str) -> str:
    """A heading with case, spaces, punctuation and the £ sign left out: ``Net Amount(£)`` -> ``netamount``."""
    return re.sub(r"[^0-9a-z]", "", _POUND_SIGNS.sub("", heading).casefold())


_ALIAS_RANKS: dict[str, tuple[SpendField, int]] = {}
for _field, _aliases in ALIASES.items():
    for _rank, _alias in enumerate(_aliases):
        _key = normalise_heading(_alias)
        if _key in _ALIAS_RANKS and _ALIAS_RANKS[_key][0] is not _field:
            raise AssertionError(f"The heading {_alias!r} names two fields")  # a slip in the lists above
        _ALIAS_RANKS.setdefault(_key, (_field, _rank))


def _ranked(heading: str) -> tuple[SpendField, int] | None:
    key = normalise_heading(heading)
    return _ALIAS_RANKS.get(key) if key else None


def field_for_heading(heading: str) -> SpendField | None:
    """The field a column heading names, or None (``Name:  `` -> supplier's name; ``InvoiceNumber`` -> None)."""
    ranked = _ranked(heading)
    return ranked[0] if ranked else None


def amount_basis_for_heading(heading: str) -> str | None:
    """Whether an amount column's heading says its amounts are 'net' or 'gross' of VAT (None when it does not)."""
    key = normalise_heading(heading)
    if re.search(r"gross|incl?(?:uding|usive)?(?:of)?vat|incvat", key):
        return "gross"
    if re.search(r"^net|netamount|netvalue|netpaid|amountnet|ex(?:cl?(?:uding|usive)?)?(?:of)?vat|netofvat", key):
        return "net"
    return None


def _column_for(heading: str) -> str | None:
    field = field_for_heading(heading)
    return field.value if field else None


#: How a spend file's header row is found: two headings that name spend fields, in its first 30 rows.
SPEND_HEADER_RULE = HeaderRule(
    _column_for, at_least=2, search_rows=30, examples=("Supplier Name", "Amount", "Payment Date")
)


def guess_mapping(headers: Sequence[str]) -> dict[SpendField, int]:
    """Which column each field is in, by heading: for each field the column whose heading is its best alias (the
    first such column when two are equal). A column is never given two fields (a heading names one field)."""
    best: dict[SpendField, tuple[int, int]] = {}
    for index, heading in enumerate(headers):
        ranked = _ranked(heading)
        if ranked is None:
            continue
        field, rank = ranked
        if field not in best or (rank, index) < best[field]:
            best[field] = (rank, index)
    return {field: best[field][1] for field in SpendField if field in best}


def missing_fields(mapping: Mapping[SpendField, int]) -> list[SpendField]:
    """The required fields a mapping has no column for, in the order :data:`REQUIRED_FIELDS` gives."""
    return [field for field in REQUIRED_FIELDS if field not in mapping]


def too_few_columns(width: int) -> str | None:
    """Why a file with no row of headings and fewer columns than a payment needs (a letter saved as .csv) cannot be
    imported, whatever columns are chosen; None when it has enough. (A file with headings is told instead which
    column it lacks: :func:`describe_missing`.)"""
    if width >= len(REQUIRED_FIELDS):
        return None
    named = [f"the {field.label.lower()}" for field in REQUIRED_FIELDS]
    needed = f"{', '.join(named[:-1])} and {named[-1]}"
    read = f"{width:,} column{'' if width == 1 else 's'}, with no row of headings"
    return (
        f"The file was read as {read}, but a spending file needs a column each for {needed}. Check it is "
        "the council's payments file. If it is a spreadsheet, save it as 'CSV UTF-8' and upload that"
    )


def describe_missing(missing: Sequence[SpendField]) -> str:
    """What to tell the officer when required columns are missing: "The file has no column for the amount or the
    supplier's name. ..." (empty when nothing is missing)."""
    if not missing:
        return ""
    words = {
        SpendField.SUPPLIER_NAME: "the supplier's name",
        SpendField.AMOUNT: "the amount",
        SpendField.DATE: "the date paid",
    }
    named = [words.get(field, field.label.lower()) for field in missing]
    listed = named[0] if len(named) == 1 else ", ".join(named[:-1]) + " or " + named[-1]
    return (
        f"The file has no column for {listed}. Choose the column that holds "
        f"{'it' if len(named) == 1 else 'each'}, or check the file is a list of payments with a heading above "
        "each column"
    )
