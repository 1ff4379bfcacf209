"""One data row of a spend file read as a payment, a rejection with its reason, or the file's total row."""

from __future__ import annotations

from datetime import date

import pytest

from app.domain.spend.columns import SpendField, guess_mapping
from app.domain.spend.rows import (
    CELL_LIMIT,
    FIELD_SIZES,
    PaymentLine,
    RowRejection,
    TotalRow,
    read_payment,
)
from app.tabular import TableRow

F = SpendField


def cells_of(line: str) -> list[str]:
    """A line of a file (with no quoted commas) as its cells."""
    return line.split(",")


HYNDBURN_2017 = cells_of("Service Cost Centre,Account Detail,Description,HBC ref no,Name,Payment date,Net Amount(£)")
HYNDBURN_2024 = cells_of("Department Area,Service Area,Description,Line,HBC Ref No.,Name:,Payment Date,Amount Paid")
HYNDBURN_2025 = cells_of(
    "Department Area,,Service Area,,Description,,,Line,,HBC Ref No.,,Name:,,,Payment Date,,Amount Paid"
)
NWOD = cells_of(
    "nwod_id_uri_code,nwod_id,org_short_name,beneficiary_name,payment_date,amount,clean_name,naked_name,"
    "company_name,company_number,charity_number,sicc_int,match_method"
)
TRAFFORD = cells_of(
    "OrganisationLabel,OrganisationURI,EffectiveDate,OrganisationalUnit,BeneficiaryName,BeneficiaryOtherID,"
    "PaymentDate,TransactionNumber,Amount,IrrecoverableVATAmount,Purpose,ProclassLabel,ProclassCode,InvoiceNumber,"
    "ProfitCentre,VATRegistrationNumber"
)


def read(headers: list[str], cells: list[str], row_number: int = 2, **row: bool):
    return read_payment(TableRow(row_number, tuple(cells), **row), guess_mapping(headers), headers)


# --- Payments as the shared files have them ---------------------------------------------------------------------


def test_a_hyndburn_2017_row():
    # hyndburn_2017_2025/1491307420513_1701.csv, row 2.
    line = read(
        HYNDBURN_2017,
        [
            "HAWORTH ART GALLERY",
            "ADVERTISING GENERAL",
            "ADVERT IN GROUP LEISURE 2017",
            "B000018580/57559",
            "CALVERTON FINANCE LTD",
            "04/01/2017",
            "325.00",
        ],
    )
    assert line == PaymentLine(
        row_number=2,
        supplier_name="CALVERTON FINANCE LTD",
        supplier_reference=None,
        vat_number=None,
        company_number=None,
        paid_on=date(2017, 1, 4),
        amount_pence=32_500,
        transaction_number="B000018580/57559",
        department=None,
        service_area="HAWORTH ART GALLERY",
        expense_type="ADVERTISING GENERAL",
        proclass_code=None,
        proclass_label=None,
        description="ADVERT IN GROUP LEISURE 2017",
    )


def test_a_credit_with_a_trailing_minus_and_a_quoted_name():
    # hyndburn_spend_over_250_September-24.csv, row 621: the business-rates take-back, a credit.
    line = read(
        HYNDBURN_2024,
        [
            "RESO - Resources",
            "AAF - Finance",
            "BRR & RSG September 24",
            "1",
            "CRINV0005196",
            "(DD) Department of Levelling Up, Housing & Comm...",
            "26/09/2024",
            "161,412.00-",
        ],
        row_number=621,
    )
    assert isinstance(line, PaymentLine)
    assert line.amount_pence == -16_141_200
    assert line.supplier_name == "(DD) Department of Levelling Up, Housing & Comm..."
    assert line.department == "RESO - Resources"
    assert line.transaction_number == "CRINV0005196"
    assert line.note is None


def test_a_row_with_empty_columns_interleaved():
    # hyndburn_2017_2025/1740064719003_January-25-CSV.csv, row 3.
    cells = (
        "RESO - Resources,,AAF - Finance,,Charges,,,1,,CRINV0006805,,G4S Cash Solutions (UK) Limited,,,09/01/25,,625.04"
    )
    line = read(HYNDBURN_2025, cells.split(","), row_number=3)
    assert isinstance(line, PaymentLine)
    assert (line.supplier_name, line.paid_on, line.amount_pence) == (
        "G4S Cash Solutions (UK) Limited",
        date(2025, 1, 9),
        62_504,
    )
    assert (line.department, line.service_area, line.description) == ("RESO - Resources", "AAF - Finance", "Charges")


def test_an_excel_day_number_in_the_date_column():
    # hyndburn_2017_2025/1572256936948_1908.csv, row 2: the date cells lost their format.
    line = read(
        HYNDBURN_2017,
        ["ENVIRONMENTAL SERVICES", "ENV HEALTH", "SEMINAR", "P-CARD - AUG 19", "EPCOLLEGE", "43658", "910"],
    )
    assert isinstance(line, PaymentLine)
    assert (line.paid_on, line.amount_pence) == (date(2019, 7, 12), 91_000)


def test_a_north_west_open_data_row_keeps_company_and_charity_numbers():
    # nwod_gmca_bolton_2019_cleaned.csv.gz, row 2.
    cells = cells_of(
        "E08000001           ,179,bolton,Best Asian Media Ltd,2019-01-03,500.00,BEST ASIAN MEDIA LTD,"
        "BEST ASIAN MEDIA,BEST ASIAN MEDIA LIMITED,04166647,,58130,3  "
    )
    line = read(NWOD, cells)
    assert isinstance(line, PaymentLine)
    assert line.supplier_name == "Best Asian Media Ltd"  # as paid, not the cleaned or matched name
    assert line.company_number == "04166647"
    assert line.charity_number is None
    assert (line.paid_on, line.amount_pence) == (date(2019, 1, 3), 50_000)
    assert line.transaction_number is None


def test_a_trafford_row_with_every_field():
    # trafford-supplier-spend-2024-25.csv, row 3: a cash discount taken, a credit.
    cells = [
        "Trafford Council",
        "https://opendatacommunities.org/id/metropolitan-district-council/trafford",
        "2025-03-31",
        "FI:Cash Disc Taken",
        "UPS Building & Maintenance Limited",
        "4600",
        "2025-03-31",
        "1700078619",
        "-195.75",
        "0.00",
        "CASH DISCOUNT TAKEN - 5100483333",
        "CONSTRUCTION: Bld Construction",
        "391110",
        "5100483333",
        "610098",
        "GB901576633",
    ]
    line = read(TRAFFORD, cells, row_number=3)
    assert line == PaymentLine(
        row_number=3,
        supplier_name="UPS Building & Maintenance Limited",
        supplier_reference="4600",
        vat_number="GB901576633",
        company_number=None,
        paid_on=date(2025, 3, 31),
        amount_pence=-19_575,
        transaction_number="1700078619",
        department="FI:Cash Disc Taken",
        service_area=None,
        expense_type=None,
        proclass_code="391110",
        proclass_label="CONSTRUCTION: Bld Construction",
        description="CASH DISCOUNT TAKEN - 5100483333",
    )


def test_na_in_an_optional_cell_is_nothing_given_not_a_category():
    # trafford-supplier-spend-2026-27.csv: a redacted payee, 'NA' for its unit, ProClass label and code.
    cells = [
        "Trafford Council",
        "https://opendatacommunities.org/id/metropolitan-district-council/trafford",
        "2026-04-30",
        "NA",
        "Redacted",
        "Redacted",
        "2026-04-01",
        "1901747039",
        "120.00",
        "0.00",
        "UNIDENTIFIED RECEIPT",
        "NA",
        "n/a",
        "Redacted",
        "NA",
        "NA",
    ]
    line = read(TRAFFORD, cells)
    assert isinstance(line, PaymentLine)
    assert line.department is None and line.proclass_label is None and line.proclass_code is None
    assert line.vat_number is None
    assert line.description == "UNIDENTIFIED RECEIPT" and line.supplier_reference == "Redacted"


def test_a_description_over_several_lines_keeps_them_other_text_does_not():
    # hyndburn_2017_2025/1736865942333_December-2024-CSV.csv: a quoted description over several lines.
    description = (
        "60,000 X Lavender colour sacks \n\nMade to 500 x 800 x 1000\nBoxed in 400s in rolls of 50s \n\n"
        "To be printed as per sample supplied:\nHYNDBURNBC\nSTREET CLEANSING WASTE \nTEL: 388111"
    )
    cells = ["ENVS - Environmental Services", "CAE - Waste Services", description, "1", "CRPOI0006854"]
    line = read(HYNDBURN_2024, [*cells, "Durasak\r\nLimited", "10/12/2024", "6,033.60"])
    assert isinstance(line, PaymentLine)
    assert line.description == description.strip()
    assert line.supplier_name == "Durasak Limited"


# --- Rejections ---------------------------------------------------------------------------------------------------


def test_a_row_with_no_supplier_name_is_rejected_saying_what_it_holds():
    # hyndburn_2017_2025/1701867168057_November-23-csv.csv, row 151: the Name cell is empty in the file.
    cells = ["Local Taxation", "Training Expenses", "IRRV PUBLICATIONS", "B000024426/52997", "", "21 November 2023"]
    rejection = read(HYNDBURN_2017, [*cells, "290.00"], row_number=151)
    assert rejection == RowRejection(
        row_number=151,
        code="supplier",
        column="Name",
        cell=None,
        reason=(
            "The row has no supplier's name "
            "(it holds: Local Taxation, Training Expenses, IRRV PUBLICATIONS, B000024426/52997)"
        ),
    )


def test_a_supplier_cell_with_no_letters_is_not_a_name():
    # hyndburn_2017_2025/1595344378820_March-2020-csv.csv, row 282: the period billed is in the Name column and the
    # payee in the Description column.
    cells = ["BANK CHARGES", "BANK CHARGES", "ON GROUP (NATWEST)", "32723", "30.11.19-28.02.20", "30/03/2020"]
    rejection = read(HYNDBURN_2017, [*cells, "3153.72"], row_number=282)
    assert rejection == RowRejection(
        282,
        "supplier",
        "Name",
        "30.11.19-28.02.20",
        "The supplier's name '30.11.19-28.02.20' has no letters in it: it is a date, a number or a reference, not a "
        "name. Check the file's columns",
    )


def test_a_name_with_a_no_break_space_has_an_ordinary_one():
    # trafford-supplier-spend-2024-25.csv, row 2287: "Knightsbridge Vending\xa0Ltd".
    cells = ["Trafford Council", "", "2025-03-31", "Catering", "Knightsbridge Vending\xa0Ltd", "", "2025-03-28"]
    line = read(TRAFFORD, [*cells, "", "56.00"])
    assert isinstance(line, PaymentLine)
    assert line.supplier_name == "Knightsbridge Vending Ltd"


@pytest.mark.parametrize(
    ("amount", "reason"),
    [
        ("TBC", "The amount 'TBC' is not a number"),
        ("", "The amount is blank"),
        ("12.345", "The amount '12.345' has more than two decimal places: part of a penny"),
    ],
)
def test_an_amount_that_does_not_read_is_rejected_with_the_cell(amount, reason):
    rejection = read(HYNDBURN_2024, ["RESO", "AAF", "Charges", "1", "CRINV1", "G4S", "09/01/2025", amount])
    assert rejection == RowRejection(2, "amount", "Amount Paid", amount or None, reason)


def test_a_date_that_does_not_read_is_rejected_with_the_cell():
    rejection = read(HYNDBURN_2024, ["RESO", "AAF", "Charges", "1", "CRINV1", "G4S", "31/02/2025", "625.04"])
    assert rejection == RowRejection(2, "date", "Payment Date", "31/02/2025", "The date '31/02/2025' does not exist")


def test_the_supplier_is_said_before_the_amount_and_the_amount_before_the_date():
    assert read(HYNDBURN_2024, ["R", "A", "C", "1", "X", "", "nonsense", "TBC"]).code == "supplier"
    assert read(HYNDBURN_2024, ["R", "A", "C", "1", "X", "G4S", "nonsense", "TBC"]).code == "amount"


def test_a_rejected_column_without_a_heading_is_named_by_the_field():
    headers = ["Supplier Name", "Amount", ""]
    mapping = {F.SUPPLIER_NAME: 0, F.AMOUNT: 1, F.DATE: 2}
    rejection = read_payment(TableRow(5, ("ACME", "12.00", "soon")), mapping, headers)
    assert isinstance(rejection, RowRejection)
    assert rejection.column == "Date paid"


def test_a_row_the_file_ends_inside_is_rejected_as_an_unclosed_quote():
    cells = ["RESO", "AAF", "Charges\r\nRESO,AAF,more,1,CRINV2,G4S,10/01/2025,12.00\r\n", "1", "CRINV1", "G4S"]
    rejection = read(HYNDBURN_2024, cells, unclosed_quote=True)
    assert isinstance(rejection, RowRejection)
    assert rejection.code == "unclosed_quote"
    assert rejection.column == "Description"
    assert rejection.cell == cells[2]
    assert "quote mark" in rejection.reason


def test_a_blank_row_is_none():
    assert read(HYNDBURN_2024, ["", " ", "", "\t"]) is None
    assert read(HYNDBURN_2024, []) is None


def test_a_very_long_rejected_cell_is_kept_cut_short():
    rejection = read(HYNDBURN_2024, ["R", "A", "C", "1", "X", "G4S", "09/01/2025", "x" * 2000])
    assert isinstance(rejection, RowRejection)
    assert rejection.cell is not None
    assert len(rejection.cell) == CELL_LIMIT
    assert rejection.cell.endswith("…")


# --- Total rows ---------------------------------------------------------------------------------------------------
# None of the shared files has a total row (their last rows are payments; checked for every file in
# test_real_files.py): these are the shapes councils' exports give one.


@pytest.mark.parametrize(
    ("cells", "label", "pence"),
    [
        (["", "", "", "", "", "Total", "", "1,234,567.89"], "Total", 123_456_789),
        (["", "", "", "", "", "TOTAL:", "", "£1,234.00"], "TOTAL:", 123_400),
        (["", "", "Grand total", "", "", "", "", "99.99"], "Grand total", 9_999),
        (["Total", "", "", "", "", "", "31/03/2024", "50.00"], "Total", 5_000),  # a date, but no supplier
        (["", "", "", "", "", "Total", "31/03/2024", "50.00"], "Total", 5_000),  # the supplier cell says it
        (["", "", "Totals for March", "", "", "", "", "(12.00)"], "Totals for March", -1_200),
    ],
)
def test_a_total_row_is_kept_apart(cells, label, pence):
    assert read(HYNDBURN_2024, cells, row_number=700) == TotalRow(700, pence, label)


@pytest.mark.parametrize(
    "cells",
    [
        # Real payments whose cells hold the word: hyndburn_2017_2025/1491307420513_1701.csv ...
        ["DFG", "CONTRACTOR OTHER", "DISABLED FACILITIES GRANT", "1", "B000018622/59330", "TOTAL HYGIENE LTD"],
        # ... and 1766400499328_November-25.csv ...
        ["RESO", "AAH - Facilities", "Electricity", "1", "CRINV0014803", "Total Energies - Acc Town Hall - 3009581025"],
        # ... and 1743083110592_February-2025-csv.csv: "Total" alone in the description of a real payment.
        ["RESO", "AAB", "Total Vat collected on Fees", "1", "CRINV0008601", "Marston (Holdings) Ltd"],
        ["RESO", "AAB", "Total", "1", "CRINV0008601", "Marston (Holdings) Ltd"],
    ],
)
def test_a_payment_that_mentions_a_total_is_a_payment(cells):
    assert isinstance(read(HYNDBURN_2024, [*cells, "25/01/2017", "4107.00"]), PaymentLine)


def test_a_total_row_with_no_amount_is_rejected():
    rejection = read(HYNDBURN_2024, ["", "", "", "", "", "Total", "", ""])
    assert isinstance(rejection, RowRejection)
    assert rejection.code == "amount"


# --- Cells run together ---------------------------------------------------------------------------------------------
# The shared files have no row whose cells ran together (test_real_files.py finds none); these are the shapes the
# issue names, built on the shared files' layouts.


def test_an_amount_fused_onto_a_date_is_split_when_certain_and_said():
    # The export lost the comma between the date and the amount: the amount cell is empty.
    line = read(HYNDBURN_2024, ["RESO", "AAF", "Charges", "1", "CRINV1", "G4S", "05/10/20241,680.00"])
    assert isinstance(line, PaymentLine)
    assert (line.paid_on, line.amount_pence) == (date(2024, 10, 5), 168_000)
    assert line.note == (
        "The cell '05/10/20241,680.00' (Payment Date) held two cells run together: read as '05/10/2024' and '1,680.00'"
    )


def test_an_amount_fused_onto_a_two_digit_year():
    line = read(HYNDBURN_2024, ["RESO", "AAF", "Charges", "1", "CRINV1", "G4S", "05/10/24625.04", ""])
    assert isinstance(line, PaymentLine)
    assert (line.paid_on, line.amount_pence) == (date(2024, 10, 5), 62_504)


def test_a_date_fused_onto_a_name_is_split_and_the_cells_after_it_moved_back():
    # The name and the date ran together; the amount sits in the date column and the amount column is empty.
    cells = ["HAWORTH ART GALLERY", "ADVERTISING GENERAL", "ADVERT", "B000018580/57559"]
    line = read(HYNDBURN_2017, [*cells, "CALVERTON FINANCE LTD04/01/2017", "325.00"])
    assert isinstance(line, PaymentLine)
    assert (line.supplier_name, line.paid_on, line.amount_pence) == ("CALVERTON FINANCE LTD", date(2017, 1, 4), 32_500)
    assert line.note is not None
    assert "'CALVERTON FINANCE LTD' and '04/01/2017'" in line.note


def test_a_date_fused_onto_a_name_ending_in_a_digit_cannot_be_split():
    # "UNIT 4" + "05/10/2024", or "UNIT 40" + "5/10/2024"? Not certain: rejected with the cell quoted.
    rejection = read(HYNDBURN_2024, ["R", "A", "C", "1", "X", "UNIT 405/10/2024", "325.00"])
    assert isinstance(rejection, RowRejection)
    assert rejection.code == "fused"
    assert rejection.column == "Name:"
    assert rejection.cell == "UNIT 405/10/2024"
    assert "cannot be split with certainty" in rejection.reason


def test_a_fused_date_takes_a_four_digit_year_a_payment_may_have():
    # "05/10/2024" and "12.5", not "05/10/20" and "2412.5".
    line = read(HYNDBURN_2024, ["R", "A", "C", "1", "X", "G4S", "05/10/202412.5"])
    assert isinstance(line, PaymentLine)
    assert (line.paid_on, line.amount_pence) == (date(2024, 10, 5), 1_250)
    # "05/10/24" and "125.00", not "05/10/2412" and "5.00": no payment is made in 2412.
    line = read(HYNDBURN_2024, ["R", "A", "C", "1", "X", "G4S", "05/10/24125.00"])
    assert isinstance(line, PaymentLine)
    assert (line.paid_on, line.amount_pence) == (date(2024, 10, 5), 12_500)
    # A month's name: "5-Oct-24" and "1,680.00" is the only reading.
    line = read(HYNDBURN_2024, ["R", "A", "C", "1", "X", "G4S", "5-Oct-241,680.00"])
    assert isinstance(line, PaymentLine)
    assert (line.paid_on, line.amount_pence) == (date(2024, 10, 5), 168_000)


def test_a_date_fused_onto_an_amount_in_a_file_with_the_amount_first():
    headers = ["Supplier Name", "Amount", "Date"]
    # "1,680.00" and "05/10/2024" or "1,680.0" and "05/10/2024"... the same payment: one reading.
    line = read(headers, ["ACME", "1,680.005/10/2024"])
    assert isinstance(line, PaymentLine)
    assert (line.paid_on, line.amount_pence) == (date(2024, 10, 5), 168_000)
    # "12.31" and "2/10/2024", or "12.3" and "12/10/2024"? Not certain: rejected, both readings said.
    rejection = read(headers, ["ACME", "12.312/10/2024"])
    assert rejection == RowRejection(
        2,
        "fused",
        "Amount",
        "12.312/10/2024",
        "Two cells are run together here, and they could be split more than one way "
        "('12.3' and '12/10/2024' or '12.31' and '2/10/2024'). Correct the row in the file",
    )


def test_a_cell_that_reads_as_it_is_is_never_split():
    # A blank amount beside an ordinary date is a missing amount, not "09/01/20" and "25".
    rejection = read(HYNDBURN_2024, ["R", "A", "C", "1", "X", "G4S", "09/01/2025", ""])
    assert isinstance(rejection, RowRejection)
    assert rejection.code == "amount"


def test_a_date_fused_onto_a_name_in_a_file_with_the_date_first():
    headers = ["Date", "Supplier Name", "Amount"]
    line = read(headers, ["04/01/2017CALVERTON FINANCE LTD", "325.00"])
    assert isinstance(line, PaymentLine)
    assert (line.supplier_name, line.paid_on, line.amount_pence) == ("CALVERTON FINANCE LTD", date(2017, 1, 4), 32_500)


def test_a_fused_cell_with_the_amount_still_there_is_not_split():
    rejection = read(HYNDBURN_2024, ["R", "A", "C", "1", "X", "G4S", "05/10/20241,680.00", "1,680.00"])
    assert isinstance(rejection, RowRejection)
    assert rejection.code == "fused"
    assert rejection.column == "Payment Date"


# --- Text kept within the columns' sizes --------------------------------------------------------------------------


def test_text_is_trimmed_cleaned_and_cut_to_the_columns_sizes():
    headers = ["Supplier Name", "Amount", "Date", "VAT Number", "Description", "Department", "Supplier ID"]
    cells = [
        "  ACME\x00\u200b Ltd  ",
        "1.00",
        "01/04/2024",
        "GB" + "1" * 30,  # longer than a VAT number can be: left out rather than cut
        "x" * 5000,
        "d" * 300,
        "   ",
    ]
    line = read(headers, cells)
    assert isinstance(line, PaymentLine)
    assert line.supplier_name == "ACME Ltd"
    assert line.vat_number is None
    assert line.description is not None
    assert len(line.description) == FIELD_SIZES[F.DESCRIPTION]
    assert line.department is not None
    assert len(line.department) == 200
    assert line.department.endswith("…")
    assert line.supplier_reference is None


def test_a_long_supplier_name_is_cut_to_three_hundred_characters():
    line = read(["Supplier Name", "Amount", "Date"], ["N" * 400, "1.00", "01/04/2024"])
    assert isinstance(line, PaymentLine)
    assert len(line.supplier_name) == 300
