"""Companies House's online answers read as the loaded registers are: type and status codes to the same legal forms
and liveness, a profile to a register entry with its online basis, and every state in words."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from app.domain.companies_house_api import (
    API_TYPE_FORMS,
    API_TYPES,
    OnlineAnswer,
    OnlineState,
    ProfileError,
    company_kind,
    company_legal_form,
    company_status,
    entry_from_profile,
    kept_profile,
    not_on_release,
    online_basis,
    state_for_status,
)
from app.domain.providers import LegalForm
from app.domain.registers import COMPANY_CATEGORIES, Liveness, Register, liveness

FETCHED = datetime(2026, 12, 5, 14, 2, tzinfo=UTC)


def profile(**changes: Any) -> dict[str, Any]:
    """A company profile as GET /company/{number} gives it (trimmed to what matters, plus fields never kept)."""
    base: dict[str, Any] = {
        "company_name": "PAGE MOSS COMMUNITY NAVIGATORS C.I.C.",
        "company_number": "14567890",
        "company_status": "active",
        "type": "private-limited-guarant-nsc",
        "subtype": "community-interest-company",
        "date_of_creation": "2022-12-21",
        "registered_office_address": {
            "premises": "Unit 4",
            "address_line_1": "Page Moss Parade",
            "address_line_2": "Page Moss",
            "locality": "Liverpool",
            "region": "Merseyside",
            "postal_code": "l36 9gd",
            "country": "England",
        },
        "sic_codes": ["88990"],
        "etag": "a1b2c3",
        "links": {"self": "/company/14567890", "officers": "/company/14567890/officers"},
        "accounts": {"next_due": "2027-09-30"},
    }
    base.update(changes)
    return base


@pytest.mark.parametrize(
    ("status_code", "state"),
    [
        (200, OnlineState.FOUND),
        (404, OnlineState.NOT_FOUND),
        (401, OnlineState.REFUSED),
        (403, OnlineState.REFUSED),
        (429, OnlineState.RATE_LIMITED),
        (500, OnlineState.SERVICE_ERROR),
        (502, OnlineState.SERVICE_ERROR),
        (503, OnlineState.SERVICE_ERROR),
        (301, OnlineState.SERVICE_ERROR),
        (400, OnlineState.SERVICE_ERROR),
    ],
)
def test_each_http_status_is_a_state(status_code: int, state: OnlineState) -> None:
    assert state_for_status(status_code) == state


def test_only_found_and_not_found_are_answers() -> None:
    assert {s for s in OnlineState if not s.failed} == {OnlineState.FOUND, OnlineState.NOT_FOUND}


@pytest.mark.parametrize(
    ("type_code", "subtype", "kind", "form"),
    [
        ("ltd", None, "Private Limited Company", LegalForm.PRIVATE_COMPANY),
        ("ltd", "community-interest-company", "Community Interest Company", LegalForm.CIC),
        ("private-limited-guarant-nsc", "community-interest-company", "Community Interest Company", LegalForm.CIC),
        ("community-interest-company", None, "Community Interest Company", LegalForm.CIC),
        ("plc", None, "Public Limited Company", LegalForm.OTHER),
        ("llp", None, "Limited Liability Partnership", LegalForm.PRIVATE_COMPANY),
        ("private-limited-guarant-nsc", None, API_TYPES["private-limited-guarant-nsc"], LegalForm.CLG),
        (
            "private-limited-guarant-nsc-limited-exemption",
            "",
            API_TYPES["private-limited-guarant-nsc-limited-exemption"],
            LegalForm.CLG,
        ),
        (
            "private-limited-shares-section-30-exemption",
            None,
            API_TYPES["private-limited-shares-section-30-exemption"],
            LegalForm.PRIVATE_COMPANY,
        ),
        ("charitable-incorporated-organisation", None, "Charitable Incorporated Organisation", LegalForm.CHARITY),
        (
            "scottish-charitable-incorporated-organisation",
            None,
            API_TYPES["scottish-charitable-incorporated-organisation"],
            LegalForm.CHARITY,
        ),
        # A co-operative or a community benefit society: which one, only the FCA register says.
        ("registered-society-non-jurisdictional", None, "Registered Society", LegalForm.UNKNOWN),
        ("industrial-and-provident-society", None, "Industrial and Provident Society", LegalForm.UNKNOWN),
        ("limited-partnership", None, "Limited Partnership", LegalForm.SOLE_TRADER),
        ("PLC", None, "Public Limited Company", LegalForm.OTHER),
        ("a-type-from-next-year", None, "A type from next year", LegalForm.UNKNOWN),
        (None, None, "", LegalForm.UNKNOWN),
    ],
)
def test_type_codes_are_the_bulk_files_categories_and_their_legal_forms(
    type_code: str | None, subtype: str | None, kind: str, form: LegalForm
) -> None:
    assert company_kind(type_code, subtype) == kind
    assert company_legal_form(type_code, subtype) == form


def test_every_type_has_a_legal_form_from_the_one_category_table_or_its_own() -> None:
    for code, words in API_TYPES.items():
        assert words.casefold() in COMPANY_CATEGORIES or code in API_TYPE_FORMS, code


@pytest.mark.parametrize(
    ("status", "detail", "words", "live"),
    [
        ("active", None, "Active", Liveness.LIVE),
        ("active", "active-proposal-to-strike-off", "Active - Proposal to Strike off", Liveness.ENDING),
        ("dissolved", None, "Dissolved", Liveness.GONE),
        ("liquidation", None, "Liquidation", Liveness.ENDING),
        ("administration", None, "In Administration", Liveness.ENDING),
        ("receivership", None, "Receivership", Liveness.ENDING),
        ("voluntary-arrangement", None, "Voluntary Arrangement", Liveness.ENDING),
        ("insolvency-proceedings", None, "Insolvency Proceedings", Liveness.ENDING),
        ("converted-closed", None, "Converted/Closed", Liveness.GONE),
        ("removed", None, "Removed", Liveness.GONE),
        ("closed", None, "Closed", Liveness.GONE),
        ("open", None, "Open", Liveness.LIVE),
        ("registered", None, "Registered", Liveness.LIVE),
        ("", None, "", Liveness.UNKNOWN),
    ],
)
def test_status_codes_are_the_bulk_files_words_and_liveness(
    status: str, detail: str | None, words: str, live: Liveness
) -> None:
    assert company_status(status, detail) == words
    assert liveness(words) == live


def test_a_profile_is_the_entry_the_loaded_register_would_give_with_its_online_basis() -> None:
    entry = entry_from_profile(profile(), FETCHED, {"88990": "Other social work activities without accommodation"})
    assert entry.register == Register.COMPANIES_HOUSE and entry.org_id == "GB-COH-14567890"
    assert entry.name == "PAGE MOSS COMMUNITY NAVIGATORS C.I.C."
    assert (entry.kind, entry.legal_form) == ("Community Interest Company", LegalForm.CIC)
    assert (entry.status, entry.liveness) == ("Active", Liveness.LIVE)
    assert entry.address == "Unit 4, Page Moss Parade, Page Moss, Liverpool, Merseyside"
    assert entry.postcode == "L36 9GD"
    assert entry.started_on == date(2022, 12, 21) and entry.ended_on is None
    assert entry.sic == ("88990 - Other social work activities without accommodation",)
    assert entry.basis == "Companies House online service, fetched 5 December 2026 at 2:02pm"
    # What a kept record carries: the basis as its release, the day it was fetched as its date.
    assert (entry.release_name, entry.published_on) == (entry.basis, date(2026, 12, 5))
    assert entry.refusal() is None


def test_the_fetched_time_is_uk_time() -> None:
    summer = datetime(2026, 7, 1, 13, 2, tzinfo=UTC)
    assert online_basis(summer) == "Companies House online service, fetched 1 July 2026 at 2:02pm"


def test_a_dissolved_company_online_is_refused_like_one_in_a_loaded_file() -> None:
    entry = entry_from_profile(profile(company_status="dissolved", date_of_cessation="2025-05-02"), FETCHED)
    assert entry.liveness == Liveness.GONE and entry.ended_on == date(2025, 5, 2)
    refusal = entry.refusal()
    assert refusal is not None and "as dissolved since 2 May 2025" in refusal


def test_a_number_that_lost_its_zeros_and_codes_without_words_are_read() -> None:
    entry = entry_from_profile(profile(company_number="8209948", sic_codes=["74990"]), FETCHED)
    assert entry.number == "08209948" and entry.sic == ("74990",)


def test_a_profile_with_no_address_or_codes_is_still_a_company() -> None:
    bare = {"company_name": "BARE LTD", "company_number": "00000001", "type": "ltd", "company_status": "active"}
    entry = entry_from_profile(bare, FETCHED)
    assert (entry.address, entry.postcode, entry.sic, entry.started_on) == ("", None, (), None)


@pytest.mark.parametrize(
    "bad",
    [
        [],
        {"company_name": "NO NUMBER LTD"},
        profile(company_number="not a number"),
        profile(company_name=""),
        profile(company_name=42),
        profile(date_of_creation="21st December"),
        profile(registered_office_address="Page Moss"),
        profile(sic_codes="88990"),
        profile(sic_codes=[88990]),
    ],
)
def test_an_answer_that_is_not_a_company_profile_is_refused(bad: Any) -> None:
    with pytest.raises(ProfileError):
        entry_from_profile(bad, FETCHED)


def test_only_the_fields_the_register_reads_are_kept() -> None:
    kept = kept_profile(profile(registered_office_address={"postal_code": "L36 9GD", "care_of": "A", "x": "y"}))
    assert "etag" not in kept and "links" not in kept and "accounts" not in kept
    assert kept["registered_office_address"] == {"postal_code": "L36 9GD", "care_of": "A"}
    assert entry_from_profile(kept, FETCHED).name == "PAGE MOSS COMMUNITY NAVIGATORS C.I.C."


@pytest.mark.parametrize(
    ("state", "words"),
    [
        (OnlineState.NOT_FOUND, "Companies House has no company with the number 01234567 (checked online on 5 "),
        (OnlineState.TIMED_OUT, "could not be checked online: Companies House's online service did not answer in"),
        (OnlineState.REFUSED, "could not be checked online: the council's Companies House key was refused."),
        (OnlineState.RATE_LIMITED, "could not be checked online: Companies House's online service is busy"),
        (OnlineState.SERVICE_ERROR, "could not be checked online: Companies House's online service had a problem."),
    ],
)
def test_every_state_without_a_company_says_why_and_that_the_provider_can_carry_on(
    state: OnlineState, words: str
) -> None:
    note = OnlineAnswer("01234567", state, FETCHED).note()
    assert note is not None and words in note
    assert "carry on" in note and "council will check" in note


def test_a_found_company_needs_no_note() -> None:
    entry = entry_from_profile(profile(), FETCHED)
    assert OnlineAnswer("14567890", OnlineState.FOUND, FETCHED, entry).note() is None


def test_a_number_not_on_a_loaded_release_says_its_date() -> None:
    assert not_on_release(Register.CHARITIES, "1234567", date(2026, 12, 1)) == (
        "The Charity Commission's register of 1 December 2026 has no number 1234567. "
        "If it was registered since then, the council will check it with the register."
    )
