"""A spend file's columns: the headings that name each field, the first guess at the mapping, and what is missing."""

from __future__ import annotations

import io

import pytest

from app.domain.spend.columns import (
    REQUIRED_FIELDS,
    SPEND_HEADER_RULE,
    SpendField,
    amount_basis_for_heading,
    describe_missing,
    field_for_heading,
    guess_mapping,
    missing_fields,
)
from app.tabular import FileFormatError, read_table

F = SpendField

# Header rows as the shared files have them (bytes decoded as the reading layer decodes them).
HYNDBURN_2017 = "Service Cost Centre,Account Detail,Description,HBC ref no,Name,Payment date,Net Amount(£)"
HYNDBURN_2017_DOS_POUND = "Service Cost Centre,Account Detail,Description,HBC ref no,Name,Payment date,Net Amount(œ)"
HYNDBURN_2022_RECID = "Service Cost Centre,Account Detail,Description,HBC ref no,Name,Payment date,Net Amount,RecId"
HYNDBURN_2023_UTF8_AS_CP1252 = (
    "Service Cost Centre,Account Detail,Description,HBC ref no,Name,Payment Date,Net Amount (Â£),,,,,,"
)
HYNDBURN_2024 = "Department Area,Service Area,Description,Line,HBC Ref No.,Name:  ,Payment Date,Amount Paid"
# November 2024 to January 2026: empty columns interleaved between the headed ones.
HYNDBURN_2025_INTERLEAVED = (
    "Department Area,,Service Area,,Description,,,Line,,HBC Ref No.,,Name:  ,,,Payment Date,,Amount Paid"
)
NWOD = (
    "nwod_id_uri_code,nwod_id,org_short_name,beneficiary_name,payment_date,amount,clean_name,naked_name,"
    "company_name,company_number,charity_number,sicc_int,match_method"
)
TRAFFORD = (
    "OrganisationLabel,OrganisationURI,EffectiveDate,OrganisationalUnit,BeneficiaryName,BeneficiaryOtherID,"
    "PaymentDate,TransactionNumber,Amount,IrrecoverableVATAmount,Purpose,ProclassLabel,ProclassCode,InvoiceNumber,"
    "ProfitCentre,VATRegistrationNumber"
)


def named(header_line: str) -> dict[str, str]:
    """The guessed mapping as field -> heading, to read the tests by."""
    headers = header_line.split(",")
    return {field.value: headers[index].strip() for field, index in guess_mapping(headers).items()}


@pytest.mark.parametrize(
    ("heading", "field"),
    [
        ("Name:  ", F.SUPPLIER_NAME),
        ("Name", F.SUPPLIER_NAME),
        ("BeneficiaryName", F.SUPPLIER_NAME),
        ("beneficiary_name", F.SUPPLIER_NAME),
        ("Supplier Name", F.SUPPLIER_NAME),
        ("SUPPLIER NAME", F.SUPPLIER_NAME),
        ("Payee", F.SUPPLIER_NAME),
        ("Vendor Name", F.SUPPLIER_NAME),
        ("Amount Paid", F.AMOUNT),
        ("Net Amount(£)", F.AMOUNT),
        ("Net Amount(œ)", F.AMOUNT),
        ("Net Amount (Â£)", F.AMOUNT),
        ("Net Amount(\ufffd)", F.AMOUNT),
        ("Amount", F.AMOUNT),
        ("amount", F.AMOUNT),
        ("Value", F.AMOUNT),
        ("Total", F.AMOUNT),
        ("Amount (£)", F.AMOUNT),
        ("Payment Date", F.DATE),
        ("PaymentDate", F.DATE),
        ("payment_date", F.DATE),
        ("Payment date", F.DATE),
        ("Date Paid", F.DATE),
        ("Date", F.DATE),
        ("Department Area", F.DEPARTMENT),
        ("OrganisationalUnit", F.DEPARTMENT),
        ("Service Area", F.SERVICE_AREA),
        ("Service Cost Centre", F.SERVICE_AREA),
        ("Expense Type", F.EXPENSE_TYPE),
        ("Account Detail", F.EXPENSE_TYPE),
        ("Purpose", F.DESCRIPTION),
        ("Description", F.DESCRIPTION),
        ("ProclassLabel", F.PROCLASS_LABEL),
        ("ProclassCode", F.PROCLASS_CODE),
        ("TransactionNumber", F.TRANSACTION_NUMBER),
        ("Transaction Number", F.TRANSACTION_NUMBER),
        ("HBC Ref No.", F.TRANSACTION_NUMBER),
        ("HBC ref no", F.TRANSACTION_NUMBER),
        ("BeneficiaryOtherID", F.SUPPLIER_ID),
        ("Supplier ID", F.SUPPLIER_ID),
        ("VATRegistrationNumber", F.VAT_NUMBER),
        ("VAT Number", F.VAT_NUMBER),
        ("Company Number", F.COMPANY_NUMBER),
        ("company_number", F.COMPANY_NUMBER),
        ("charity_number", F.CHARITY_NUMBER),
        # Not fields: near misses that must not be taken for one.
        ("IrrecoverableVATAmount", None),
        ("InvoiceNumber", None),
        ("EffectiveDate", None),
        ("OrganisationLabel", None),
        ("ProfitCentre", None),
        ("Line", None),
        ("RecId", None),
        ("clean_name", None),
        ("sicc_int", None),
        ("", None),
        ("   ", None),
        ("£", None),
    ],
)
def test_headings_name_fields_by_alias(heading, field):
    assert field_for_heading(heading) is field


def test_every_field_has_a_label_in_plain_english():
    assert [(f.value, f.label) for f in SpendField][:3] == [
        ("supplier_name", "Supplier's name"),
        ("supplier_id", "Supplier reference"),
        ("vat_number", "VAT number"),
    ]
    assert all(f.label and f.label != f.value and f.hint for f in SpendField)
    assert REQUIRED_FIELDS == (F.SUPPLIER_NAME, F.AMOUNT, F.DATE)


@pytest.mark.parametrize(
    ("heading", "basis"),
    [
        ("Net Amount(£)", "net"),
        ("Net Amount (Â£)", "net"),
        ("Net Amount", "net"),
        ("NetAmount", "net"),
        ("Amount excluding VAT", "net"),
        ("Amount ex VAT", "net"),
        ("Gross Amount", "gross"),
        ("Amount including VAT", "gross"),
        ("Amount incl. VAT", "gross"),
        ("Amount", None),
        ("Amount Paid", None),
        ("Value", None),
    ],
)
def test_amount_basis_from_the_heading(heading, basis):
    assert amount_basis_for_heading(heading) == basis


@pytest.mark.parametrize(
    ("header_line", "expected"),
    [
        (
            HYNDBURN_2017,
            {
                "supplier_name": "Name",
                "amount": "Net Amount(£)",
                "date": "Payment date",
                "service_area": "Service Cost Centre",
                "expense_type": "Account Detail",
                "description": "Description",
                "transaction_number": "HBC ref no",
            },
        ),
        (
            HYNDBURN_2024,
            {
                "supplier_name": "Name:",
                "amount": "Amount Paid",
                "date": "Payment Date",
                "department": "Department Area",
                "service_area": "Service Area",
                "description": "Description",
                "transaction_number": "HBC Ref No.",
            },
        ),
        (
            NWOD,
            {
                "supplier_name": "beneficiary_name",  # not the cleaned or Companies House names beside it
                "company_number": "company_number",
                "charity_number": "charity_number",
                "amount": "amount",
                "date": "payment_date",
            },
        ),
        (
            TRAFFORD,
            {
                "supplier_name": "BeneficiaryName",
                "supplier_id": "BeneficiaryOtherID",
                "vat_number": "VATRegistrationNumber",
                "amount": "Amount",  # not IrrecoverableVATAmount
                "date": "PaymentDate",  # not EffectiveDate (the month end the file was published for)
                "department": "OrganisationalUnit",
                "proclass_code": "ProclassCode",
                "proclass_label": "ProclassLabel",
                "description": "Purpose",
                "transaction_number": "TransactionNumber",  # not InvoiceNumber
            },
        ),
    ],
)
def test_guessed_mapping_of_the_shared_files_layouts(header_line, expected):
    assert named(header_line) == expected


def test_interleaved_empty_columns_map_to_the_headed_ones():
    mapping = guess_mapping(HYNDBURN_2025_INTERLEAVED.split(","))
    assert mapping[F.SUPPLIER_NAME] == 11
    assert mapping[F.DATE] == 14
    assert mapping[F.AMOUNT] == 16
    assert mapping[F.DEPARTMENT] == 0
    assert mapping[F.SERVICE_AREA] == 2
    assert missing_fields(mapping) == []


@pytest.mark.parametrize("header_line", [HYNDBURN_2017_DOS_POUND, HYNDBURN_2022_RECID, HYNDBURN_2023_UTF8_AS_CP1252])
def test_the_amount_is_found_whatever_became_of_its_pound_sign(header_line):
    mapping = guess_mapping(header_line.split(","))
    assert mapping[F.AMOUNT] == 6
    assert missing_fields(mapping) == []


def test_the_best_heading_wins_and_a_column_takes_one_field():
    headers = ["Company Name", "Date", "Supplier Name", "Payment Date", "Gross Amount", "Net Amount", "Total"]
    mapping = guess_mapping(headers)
    assert mapping[F.SUPPLIER_NAME] == 2  # "Supplier Name" before "Company Name"
    assert mapping[F.DATE] == 3  # "Payment Date" before "Date"
    assert mapping[F.AMOUNT] == 5  # net before gross and "Total"
    assert len(set(mapping.values())) == len(mapping)


def test_two_equal_headings_take_the_first():
    assert guess_mapping(["Amount", "Name", "Amount", "Date"])[F.AMOUNT] == 0


def test_missing_fields_are_said_in_words():
    mapping = guess_mapping(["Description", "Payment Date", "Cost Centre"])
    assert missing_fields(mapping) == [F.SUPPLIER_NAME, F.AMOUNT]
    assert describe_missing(missing_fields(mapping)) == (
        "The file has no column for the supplier's name or the amount. Choose the column that holds each, "
        "or check the file is a list of payments with a heading above each column"
    )
    assert describe_missing([F.DATE]) == (
        "The file has no column for the date paid. Choose the column that holds it, "
        "or check the file is a list of payments with a heading above each column"
    )
    assert describe_missing(list(REQUIRED_FIELDS)).startswith(
        "The file has no column for the supplier's name, the amount or the date paid."
    )
    assert describe_missing([]) == ""


# --- The header rule, with the reading layer ----------------------------------------------------------------------


def test_the_header_is_found_below_a_preamble_within_thirty_rows():
    preamble = "".join(f"Spend over £250, line {n}\r\n" for n in range(25))
    data = (preamble + HYNDBURN_2024 + "\r\nRESO,AAF,Charges,1,CRINV1,G4S,09/01/25,625.04\r\n").encode()
    with read_table(io.BytesIO(data), SPEND_HEADER_RULE) as table:
        assert table.format.header_row_number == 26
        assert guess_mapping(table.headers)[F.SUPPLIER_NAME] == 5


def test_a_file_with_no_recognisable_header_names_examples():
    data = b"a,b,c\r\n1,2,3\r\n"
    with pytest.raises(FileFormatError) as raised:
        read_table(io.BytesIO(data), SPEND_HEADER_RULE)
    assert "'Supplier Name'" in str(raised.value)


def test_a_file_narrower_than_a_payment_cannot_be_a_spend_file():
    from app.domain.spend.columns import too_few_columns

    assert too_few_columns(3) is None and too_few_columns(16) is None
    assert too_few_columns(1) == (
        "The file was read as 1 column, with no row of headings, but a spending file needs a column each for the "
        "supplier's name, the amount and the date paid. Check it is the council's payments file. If it is a "
        "spreadsheet, save it as 'CSV UTF-8' and upload that"
    )
    assert (too_few_columns(2) or "").startswith("The file was read as 2 columns, with no row of headings, but")
