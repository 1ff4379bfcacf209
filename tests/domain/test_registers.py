"""Reading the public registers' files: numbers in one shape, categories to legal forms, statuses, dates, headers,
hard-wrapped lines, and names keyed as finance systems write them."""

from __future__ import annotations

import csv
from datetime import date

import pytest

from app.domain.providers import LegalForm
from app.domain.registers import (
    BASIC_COMPANY_DATA_HEADER,
    KnownDetails,
    Liveness,
    Register,
    RegisterEntry,
    RegisterFileError,
    category_legal_form,
    charity_columns,
    charity_number,
    charity_record,
    check_findings,
    company_columns,
    company_number,
    company_record,
    last_checked,
    legal_form_differs,
    legal_form_from_registers,
    liveness,
    name_key,
    register_date,
    society_columns,
    society_legal_form,
    society_number,
    society_record,
    unwrapped_lines,
)
from tests.registers_data import companies_csv, company_row


@pytest.mark.parametrize(
    ("typed", "number"),
    [
        ("08209948", "08209948"),
        ("8209948", "08209948"),  # a spreadsheet dropped the leading zero
        ("820 99 48", "08209948"),
        ("SC12345", "SC012345"),
        ("sc012345", "SC012345"),
        ("GB-COH-RS007155", "RS007155"),
        ("IP10002R", "IP10002R"),  # an older registered society
        ("RS00129S", "RS00129S"),
    ],
)
def test_company_numbers_take_one_shape(typed: str, number: str) -> None:
    assert company_number(typed) == number


@pytest.mark.parametrize("typed", ["", "ACME", "123456789", "S1234567", "SC1234567", "GB-CHC-1000611"])
def test_what_cannot_be_a_company_number_is_none(typed: str) -> None:
    assert company_number(typed) is None


def test_charity_and_society_numbers() -> None:
    assert charity_number("1000611") == charity_number("GB-CHC-1000611") == "1000611"
    assert charity_number("12345") is None and charity_number("SC012345") is None
    assert society_number("525r") == society_number("GB-MPR-525R") == "525R"
    assert society_number("31129") == "31129"
    assert society_number("R525") is None


@pytest.mark.parametrize(
    ("category", "form"),
    [
        ("Community Interest Company", LegalForm.CIC),
        ("PRI/LTD BY GUAR/NSC (Private, limited by guarantee, no share capital)", LegalForm.CLG),
        ("Private Limited Company", LegalForm.PRIVATE_COMPANY),
        ("Charitable Incorporated Organisation", LegalForm.CHARITY),
        ("Registered Society", LegalForm.UNKNOWN),  # co-operative or community benefit: the FCA register says
        ("A Category From 2030", LegalForm.UNKNOWN),
        ("", LegalForm.UNKNOWN),
    ],
)
def test_the_legal_form_follows_from_the_category(category: str, form: LegalForm) -> None:
    assert category_legal_form(category) == form


def test_society_type_or_number_gives_its_legal_form() -> None:
    assert society_legal_form("Community Benefit Society") == LegalForm.COMMUNITY_BENEFIT
    assert society_legal_form("", "4000123") == LegalForm.COOPERATIVE
    assert society_legal_form("", "7000045") == LegalForm.COMMUNITY_BENEFIT
    assert society_legal_form("", "10002R") == LegalForm.UNKNOWN


@pytest.mark.parametrize(
    ("status", "ended", "expected"),
    [
        ("Active", None, Liveness.LIVE),
        ("Active - Proposal to Strike off", None, Liveness.ENDING),
        ("Liquidation", None, Liveness.ENDING),
        ("In Administration", None, Liveness.ENDING),
        ("Dissolved", None, Liveness.GONE),
        ("Removed", None, Liveness.GONE),
        ("Active", date(2025, 1, 1), Liveness.GONE),  # an end date outranks the word
        ("", None, Liveness.UNKNOWN),  # a file that gives no status: nothing assumed
    ],
)
def test_liveness(status: str, ended: date | None, expected: Liveness) -> None:
    assert liveness(status, ended) == expected


def test_register_dates() -> None:
    assert register_date("11/09/2012") == date(2012, 9, 11)
    assert register_date("1965-04-29") == date(1965, 4, 29)
    assert register_date("2023-04-04 00:00:00") == date(2023, 4, 4)
    assert register_date("") is None and register_date("NA") is None
    with pytest.raises(RegisterFileError, match="'31/31/2012' is not a date"):
        register_date("31/31/2012")


def test_the_product_header_with_its_spaces_is_read_and_another_is_refused() -> None:
    at = company_columns(list(BASIC_COMPANY_DATA_HEADER), "part1.csv")
    assert at["number"] == 1 and at["postcode"] == 9  # " CompanyNumber" has a leading space
    with pytest.raises(
        RegisterFileError, match=r"part1\.csv is not Companies House.s BasicCompanyData: .*CompanyStatus"
    ):
        company_columns(["CompanyName", "CompanyNumber", "CompanyCategory", "RegAddress.PostCode"], "part1.csv")


def test_a_row_becomes_a_record() -> None:
    at = company_columns(list(BASIC_COMPANY_DATA_HEADER), "f")
    row = company_row(
        "8209948",
        "  KNOWSLEY  NAVIGATORS CIC ",
        CompanyCategory="Community Interest Company",
        CompanyStatus="Dissolved",
        DissolutionDate="02/05/2025",
        **{"RegAddress.PostCode": "l36 9gd", "SICCode.SicText_2": "None Supplied"},
    )
    record = company_record(row, at, "f, row 2")
    assert record.number == "08209948" and record.name == "KNOWSLEY NAVIGATORS CIC"
    assert record.postcode == "L36 9GD" and record.dissolved_on == date(2025, 5, 2)
    assert record.address == "9 PRINCES SQUARE, HARROGATE"
    assert record.sic == ("88990 - Other social work activities not elsewhere classified",)
    with pytest.raises(RegisterFileError, match="f, row 3: 'X' is not a company number"):
        company_record(company_row("X", "Bad"), at, "f, row 3")


def test_hard_wrapped_lines_are_joined_back_into_records() -> None:
    text = companies_csv([company_row("1", "ONE LTD"), company_row("2", 'TWO "QUOTED", LTD')])
    _header, *rows = text.splitlines()
    width = 40
    wrapped = [row[i : i + width] for row in rows for i in range(0, len(row), width)]
    joined = list(unwrapped_lines(iter(line + "\n" for line in wrapped), width, len(BASIC_COMPANY_DATA_HEADER)))
    assert joined == rows
    assert [r[0] for r in csv.reader(joined)] == ["ONE LTD", 'TWO "QUOTED", LTD']


def test_charity_rows_of_the_extract_and_of_a_file_cut_from_it() -> None:
    extract = ["date_of_extract", "registered_charity_number", "linked_charity_number", "charity_name",
               "charity_registration_status", "date_of_removal", "charity_contact_postcode"]  # fmt: skip
    at = charity_columns(extract, "publicextract.charity.txt")
    main = charity_record(["2026-12-01", "1000611", "0", "DENTON BURN", "Removed", "2020-01-31", "ne15 7hb"], at, "r")
    assert main is not None and main.status == "Removed" and main.removed_on == date(2020, 1, 31)
    assert main.postcode == "NE15 7HB"
    assert charity_record(["2026-12-01", "1000611", "1", "A LINKED FUND", "", "", ""], at, "r") is None
    with pytest.raises(RegisterFileError, match="not the Charity Commission's register extract"):
        charity_columns(["name", "number"], "x.csv")


def test_society_rows_of_a_link_file() -> None:
    at = society_columns(["org_id_a", "org_id_b", "org_name", "relationship", "source"], "links.csv")
    record = society_record(["GB-MPR-10002R", "GB-COH-IP10002R", "Pegswood Club Limited", "sameas", "x"], at, "r")
    assert record is not None and record.number == "10002R" and record.company_number == "IP10002R"
    assert record.status == "" and liveness(record.status) == Liveness.UNKNOWN
    assert society_record(["GB-CHC-1", "GB-MPR-2R", "A charity first", "sameas", "x"], at, "r") is None


@pytest.mark.parametrize(
    ("as_paid", "as_registered"),
    [
        ("ACME TRADING LTD", "Acme Trading Limited"),
        ("Acme Trading Co", "ACME TRADING COMPANY"),
        ("The Acme Trust", "ACME TRUST (THE)"),
        ("K P DODD", "K.P. DODD LIMITED"),
        ("k.p. dodd ltd", "K P DODD LTD"),
        ("John Smith t/a Acme Plumbing", "ACME PLUMBING LIMITED"),
        ("ACME-TRADING, LTD.", "Acme Trading Ltd"),
        ("Café Móvil Ltd", "CAFE MOVIL LIMITED"),
    ],
)
def test_names_as_finance_systems_write_them_key_as_their_registered_name(as_paid: str, as_registered: str) -> None:
    assert name_key(as_paid) == name_key(as_registered)


def test_different_names_keep_different_keys() -> None:
    assert name_key("Bolton Carpets Ltd") != name_key("Bolton Cares Ltd")
    assert name_key("11th Sale Scout Group") != name_key("14th Sale Scout Group")


def _entry(register: Register, form: LegalForm) -> RegisterEntry:
    return RegisterEntry(
        register, "1", "A", "Active", Liveness.LIVE, form, "", "", None, None, None, (), None, "r", date(2026, 12, 1)
    )


def test_which_registers_legal_form_an_organisation_takes() -> None:
    company = _entry(Register.COMPANIES_HOUSE, LegalForm.CLG)
    charity = _entry(Register.CHARITIES, LegalForm.CHARITY)
    assert legal_form_from_registers([company], LegalForm.CIC) == LegalForm.CLG
    assert legal_form_from_registers([company, charity], LegalForm.CHARITY) is None  # a charitable company stays one
    assert legal_form_from_registers([charity], LegalForm.CLG) is None  # the charity register says no form
    assert legal_form_from_registers([_entry(Register.MUTUALS, LegalForm.UNKNOWN)], LegalForm.CIC) is None


def test_a_legal_form_differs_only_when_both_are_known_and_not_the_charity_registers() -> None:
    assert legal_form_differs(Register.COMPANIES_HOUSE, LegalForm.CLG, LegalForm.CIC)
    assert not legal_form_differs(Register.COMPANIES_HOUSE, LegalForm.CIC, LegalForm.CIC)
    assert not legal_form_differs(Register.COMPANIES_HOUSE, LegalForm.UNKNOWN, LegalForm.CIC)
    assert not legal_form_differs(Register.CHARITIES, LegalForm.CHARITY, LegalForm.CLG)


def test_last_checked_names_the_release_or_the_online_service() -> None:
    assert last_checked(Register.COMPANIES_HOUSE, date(2026, 12, 4), date(2026, 12, 1)) == (
        "Last checked against Companies House on 4 December 2026 (its register of 1 December 2026)"
    )
    assert last_checked(Register.COMPANIES_HOUSE, date(2026, 12, 5), date(2026, 12, 5), online=True) == (
        "Last checked against Companies House's online service on 5 December 2026"
    )


@pytest.mark.parametrize(
    ("kept_as_of", "findings"),
    [
        (None, ["Not on Companies House's register of 1 December 2026"]),  # never seen on the register
        (date(2026, 11, 1), ["Not on Companies House's register of 1 December 2026"]),  # an older record: gone
        (date(2026, 12, 1), ["Not on Companies House's register of 1 December 2026"]),  # the same release lacks it
        (date(2026, 12, 3), []),  # found online after this release was made: the next release will say
    ],
)
def test_a_number_missing_from_a_release_is_a_finding_unless_the_record_is_newer(
    kept_as_of: date | None, findings: list[str]
) -> None:
    known = KnownDetails("NEW CIC", LegalForm.CIC.value, "L36 9GD", "New CIC", LegalForm.CIC, kept_as_of=kept_as_of)
    assert check_findings(None, known, register=Register.COMPANIES_HOUSE, as_of=date(2026, 12, 1)) == findings


@pytest.mark.parametrize(
    ("register", "finding"),
    [
        (Register.COMPANIES_HOUSE, "Not on Companies House's register of 1 December 2026"),
        (Register.CHARITIES, "Not on the Charity Commission's register of 1 December 2026"),
        (Register.MUTUALS, "Not on the FCA Mutuals Public Register of 1 December 2026"),
    ],
)
def test_a_number_missing_from_each_register_is_said_in_its_words(register: Register, finding: str) -> None:
    known = KnownDetails(None, None, None, "Sale Conservative Club Limited", LegalForm.COOPERATIVE)
    assert check_findings(None, known, register=register, as_of=date(2026, 12, 1)) == [finding]
