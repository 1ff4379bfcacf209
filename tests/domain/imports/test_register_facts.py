"""What a loaded public register says about an import's row, and what it fills in (no app, no database)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from app.domain.imports.fields import ColumnMapping
from app.domain.imports.register_facts import (
    ended_on_register,
    not_on_register,
    number_matched,
    one_at_postcode,
    placed_by_register_note,
    possible_registrations,
    read_with_register,
    register_legal_form,
)
from app.domain.imports.registration_status import DissolvedRows, dissolved_message, flagged_message
from app.domain.imports.rows import parse_row
from app.domain.providers import LegalForm
from app.domain.registers import Liveness, Register, RegisterEntry, register_as_of

MAPPING = ColumnMapping.auto(["Name", "Trading name", "Legal form", "Registered number", "Address", "Postcode"])
PUBLISHED = date(2026, 12, 1)
AS_OF = "Companies House's register of 1 December 2026"


def entry(**changes: object) -> RegisterEntry:
    company = RegisterEntry(
        register=Register.COMPANIES_HOUSE,
        number="01234567",
        name="ROBY GROWERS LIMITED",
        status="Active",
        liveness=Liveness.LIVE,
        legal_form=LegalForm.PRIVATE_COMPANY,
        kind="Private Limited Company",
        address="1 ROBY ROAD, HUYTON, LIVERPOOL",
        postcode="L36 9GD",
        started_on=date(2012, 9, 11),
        ended_on=None,
        sic=(),
        company_number="01234567",
        release_name="Companies House, BasicCompanyData.csv",
        published_on=PUBLISHED,
    )
    return replace(company, **changes)  # type: ignore[arg-type]


def row(name: str = "Roby Growers Ltd", legal_form: str = "", number: str = "01234567", postcode: str = "L36 9GD"):
    return parse_row((name, "", legal_form, number, "", postcode), MAPPING, 2)


@pytest.mark.parametrize(
    ("register", "start", "words"),
    [
        (Register.COMPANIES_HOUSE, True, AS_OF),
        (Register.CHARITIES, True, "The Charity Commission's register of 1 December 2026"),
        (Register.CHARITIES, False, "the Charity Commission's register of 1 December 2026"),
        (Register.MUTUALS, True, "The FCA Mutuals Public Register of 1 December 2026"),
    ],
)
def test_a_register_and_its_date_in_words(register: Register, start: bool, words: str) -> None:
    assert register_as_of(register, PUBLISHED, start=start) == words


@pytest.mark.parametrize(
    ("found", "form"),
    [
        (entry(), LegalForm.PRIVATE_COMPANY),
        (entry(legal_form=LegalForm.CIC), LegalForm.CIC),
        (entry(legal_form=LegalForm.UNKNOWN, kind="Registered Society"), None),  # the FCA's register says which
        (entry(register=Register.CHARITIES, legal_form=LegalForm.CHARITY), LegalForm.CHARITY),
        (entry(register=Register.MUTUALS, legal_form=LegalForm.COMMUNITY_BENEFIT), LegalForm.COMMUNITY_BENEFIT),
    ],
)
def test_the_legal_form_a_register_fills_in(found: RegisterEntry, form: LegalForm | None) -> None:
    assert register_legal_form(found) == form


def test_a_live_number_with_the_file_s_own_facts_changes_nothing() -> None:
    given = row(legal_form="Private limited company")
    reading = read_with_register(given, entry(), MAPPING)
    assert reading.row == given and not reading.placed_by_register


def test_gone_on_the_register_ends_the_row_in_the_register_s_words() -> None:
    gone = entry(status="Dissolved", liveness=Liveness.GONE, ended_on=date(2024, 3, 3))
    ended = read_with_register(row(), gone, MAPPING).row
    assert ended.ended and ended.status.on == date(2024, 3, 3) and ended.status.source == AS_OF
    assert dissolved_message(ended.status, DissolvedRows.REJECT) == (
        f"{AS_OF} says it was dissolved on 3 March 2024, so it was not imported"
    )
    assert flagged_message(ended.status, "Roby Growers Ltd").startswith(f"{AS_OF} says it was dissolved on 3 March")
    # The file's own word that it has ended stands (its reason is the file's).
    said = parse_row(("Roby Growers Ltd", "", "", "01234567", "", "L36 9GD"), MAPPING, 2)
    assert ended_on_register(entry()) is None and said.status.source is None


def test_ending_on_the_register_is_a_warning() -> None:
    ending = entry(status="Liquidation", liveness=Liveness.ENDING)
    reading = read_with_register(row(legal_form="Private limited company"), ending, MAPPING)
    assert not reading.row.ended
    assert [(p.column, p.message, p.rejects) for p in reading.row.problems] == [
        (
            "Registered number",
            f"{AS_OF} lists it as liquidation: it is imported, but check it is still trading",
            False,
        )
    ]


def test_another_name_or_legal_form_is_a_warning_and_a_trading_name_may_be_the_register_s() -> None:
    other = read_with_register(row(name="Roby Market Garden", legal_form="CIC"), entry(), MAPPING).row
    assert [(p.column, p.message) for p in other.problems] == [
        (
            "Name",
            f"{AS_OF} names 01234567 ROBY GROWERS LIMITED, not Roby Market Garden: check the number is this "
            "organisation's",
        ),
        (
            "Legal form",
            f"{AS_OF} gives its legal form as private company ('Private Limited Company'), not community "
            "interest company (CIC): check it",
        ),
    ]
    assert other.legal_form == LegalForm.CIC and other.name == "Roby Market Garden"  # the file's are kept
    trading = parse_row(("Roby Market Garden", "Roby Growers", "Ltd", "01234567", "", "L36 9GD"), MAPPING, 2)
    assert not [p for p in read_with_register(trading, entry(), MAPPING).row.problems if p.column == "Name"]


def test_a_legal_form_the_file_does_not_give_or_say_is_the_register_s() -> None:
    blank = read_with_register(row(), entry(), MAPPING).row
    assert blank.legal_form == LegalForm.PRIVATE_COMPANY
    assert [p.message for p in blank.problems] == [
        f"No legal form, so it was recorded as private company from {AS_OF} ('Private Limited Company')"
    ]
    vague = row(legal_form="Company")
    assert vague.legal_form == LegalForm.UNKNOWN and vague.problems  # "... recorded as not known"
    filled = read_with_register(vague, entry(), MAPPING).row
    assert filled.legal_form == LegalForm.PRIVATE_COMPANY
    assert [(p.column, p.message) for p in filled.problems] == [
        (
            "Legal form",
            "The file's 'Company' does not say which legal form, so it was recorded as private company from "
            f"{AS_OF} ('Private Limited Company')",
        )
    ]


def test_no_usable_postcode_is_placed_by_the_registered_office() -> None:
    none = read_with_register(row(legal_form="Ltd", postcode=""), entry(), MAPPING)
    assert none.placed_by_register and none.row.postcode == "L36 9GD"
    assert none.row.address == "1 ROBY ROAD\nHUYTON\nLIVERPOOL"
    assert [p.message for p in none.row.problems] == [
        f"There is no postcode, so the organisation is placed by its registered office on {AS_OF} (L36 9GD)"
    ]
    wrong = read_with_register(row(legal_form="Ltd", postcode="L36"), entry(), MAPPING)
    assert [(p.column, p.message) for p in wrong.row.problems] == [
        (
            "Postcode",
            f"'L36' is not a full UK postcode, so the organisation is placed by its registered office on {AS_OF} "
            "(L36 9GD)",
        )
    ]
    kept = read_with_register(row(legal_form="Ltd", postcode="L28 1AA"), entry(), MAPPING)
    assert kept.row.postcode == "L28 1AA" and not kept.placed_by_register  # the file's postcode is the file's
    assert placed_by_register_note(entry()) == f"Placed by its registered office on {AS_OF}"


@pytest.mark.parametrize(
    ("found", "postcode", "matched"),
    [
        (entry(), "L36 9GD", True),
        (entry(), "L28 1AA", False),  # the same name, registered elsewhere
        (entry(), None, False),  # a name alone is never enough
        (entry(liveness=Liveness.ENDING), "L36 9GD", False),
        (None, "L36 9GD", False),  # none, or several, of that name
    ],
)
def test_a_name_takes_a_number_only_with_one_live_organisation_at_its_postcode(
    found: RegisterEntry | None, postcode: str | None, matched: bool
) -> None:
    assert (one_at_postcode(found, postcode) is not None) == matched


def test_a_number_matched_by_name_is_added_and_said() -> None:
    reading = number_matched(row(number=""), entry(), MAPPING)
    assert (reading.row.org_id, reading.row.registration_number) == ("GB-COH-01234567", "01234567")
    assert reading.row.problems[0].message == (
        "No number in the file: matched to ROBY GROWERS LIMITED on Companies House's register of 1 December 2026 by "
        "its exact name and registered office postcode, so its Companies House number 01234567 was added"
    )


def test_candidates_are_listed_best_first_at_most_three_and_none_is_no_warning() -> None:
    gone = entry(number="07654321", status="Dissolved", liveness=Liveness.GONE)
    candidates = [(entry(), 100.0), (gone, 100.0), (entry(number="2", postcode="L1 8JQ"), 91.2), (entry(), 88.0)]
    problem = possible_registrations(row(number=""), candidates, MAPPING)
    assert problem is not None and problem.column == "Name" and not problem.rejects
    assert problem.message == (
        "No number in the file, and it may be one of these on the public registers: Companies House number 01234567 "
        "ROBY GROWERS LIMITED (same name); Companies House number 07654321 ROBY GROWERS LIMITED (same name, "
        "dissolved); Companies House number 2 ROBY GROWERS LIMITED (91% alike, registered office L1 8JQ). No number "
        "was added: if it is one of them, add its number to the file"
    )
    assert possible_registrations(row(number=""), [], MAPPING) is None


def test_a_number_not_on_the_register_is_a_warning() -> None:
    problem = not_on_register(row(number="07777777"), Register.COMPANIES_HOUSE, PUBLISHED, MAPPING)
    assert (problem.column, problem.message, problem.rejects) == (
        "Registered number",
        "07777777 is not on Companies House's register of 1 December 2026: check the number",
        False,
    )
