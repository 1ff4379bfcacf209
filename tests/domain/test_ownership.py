"""The PSC snapshot's lines, the countries its free text names, and the ownership rule: tables of cases."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from datetime import date

import pytest

from app.domain.ownership import (
    Controller,
    OwnerKind,
    control_words,
    country_of,
    majority_control,
    normalise_country,
    read_psc_line,
    same_country,
    same_parent,
    totals_disagree,
    ultimate_owner,
)
from app.domain.registers import RegisterFileError

# The shapes of these lines are Companies House's PSC snapshot's, as published in openownership/bods-uk-psc-pipeline's
# test fixtures (tests/fixtures/psc-data-*.json, from the snapshot of 2024-11-22); names and numbers are made up.
CORPORATE = {
    "company_number": "07434180",
    "data": {
        "address": {"address_line_1": "Boddington Lane", "country": "England", "postal_code": "GL51 0TJ"},
        "etag": "706b6e8773700f85361929bb5cd0214d630de6e0",
        "identification": {
            "country_registered": "England \u0026 Wales",
            "legal_authority": "Companies Act",
            "legal_form": "Private Limited Company",
            "place_registered": "Companies House Cardiff",
            "registration_number": "686734",
        },
        "kind": "corporate-entity-person-with-significant-control",
        "links": {"self": "/company/07434180/persons-with-significant-control/corporate-entity/4VX8NR7hszDG1w"},
        "name": "Example Holdings Limited",
        "natures_of_control": ["ownership-of-shares-75-to-100-percent", "voting-rights-75-to-100-percent"],
        "notified_on": "2016-04-06",
    },
}
INDIVIDUAL = {
    "company_number": "08209948",
    "data": {
        "address": {"address_line_1": "Princes Square", "postal_code": "HG1 1ND", "premises": "9"},
        "country_of_residence": "England",
        "date_of_birth": {"month": 12, "year": 1961},
        "kind": "individual-person-with-significant-control",
        "name": "Mr Private Person",
        "name_elements": {"forename": "Private", "surname": "Person", "title": "Mr"},
        "nationality": "British",
        "natures_of_control": ["ownership-of-shares-75-to-100-percent"],
        "notified_on": "2021-12-13",
    },
}
TOTALS = {
    "data": {
        "kind": "totals#persons-of-significant-control-snapshot",
        "persons_of_significant_control_count": 12799821,
        "statements_count": 774422,
        "exemptions_count": 77,
        "generated_at": "2024-11-22T03:43:03Z",
    }
}


def test_a_corporate_line_is_read_with_its_registration_country_and_natures() -> None:
    line = read_psc_line(json.dumps(CORPORATE), "psc.txt, line 1")
    controller = line.controller
    assert controller is not None and line.company_number == "07434180"
    assert controller.kind == "corporate" and controller.name == "Example Holdings Limited"
    assert controller.uk_number == "00686734"  # lost zeros given back
    assert controller.country is not None and controller.country.name == "United Kingdom"
    assert controller.natures == ("ownership-of-shares-75-to-100-percent", "voting-rights-75-to-100-percent")
    assert controller.notified_on == date(2016, 4, 6) and controller.active and controller.majority


def test_an_individual_is_read_past_keeping_nothing_of_theirs() -> None:
    line = read_psc_line(json.dumps(INDIVIDUAL), "psc.txt, line 2")
    assert line.kind == "individual-person-with-significant-control"
    assert line.controller is None and line.totals is None
    assert "Private" not in repr(line) and "1961" not in repr(line)


def test_the_totals_line_is_read() -> None:
    totals = read_psc_line(json.dumps(TOTALS), "psc.txt, line 3").totals
    assert totals is not None and (totals.persons, totals.statements, totals.exemptions) == (12799821, 774422, 77)
    assert totals_disagree(totals, 12799821, 774422, 77) is None
    assert totals_disagree(totals, 12799821 - 5, 774422 + 5, 77) is None  # counted under another kind: nothing lost
    assert totals_disagree(totals, 12799821 + 3, 774422, 77) is None  # more than it counts: nothing lost
    assert totals_disagree(totals, 12799820, 774422, 77) == (
        "the totals line counts 13,574,320 records (12,799,821 persons with significant control, 774,422 "
        "statements, 77 exemptions), the file held 13,574,319"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"company_number": "07434180", "data": {"kind": "corpo', "psc.txt, line 9 is not a line of JSON"),
        ("[1, 2]", "psc.txt, line 9 is not a record of Companies House's PSC snapshot"),
        ('{"CompanyName": "ACME"}', "psc.txt, line 9 is not a record of Companies House's PSC snapshot"),
        ('{"company_number": "not a number!", "data": {"kind": "exemptions"}}', "is not a company number"),
        (json.dumps({**CORPORATE, "data": {**CORPORATE["data"], "notified_on": "6 April"}}), "is not a date"),
        ('{"data": {"kind": "totals#persons-of-significant-control-snapshot"}}', "has no count of persons"),
    ],
)
def test_a_bad_line_names_its_file_and_line(text: str, message: str) -> None:
    with pytest.raises(RegisterFileError, match=message):
        read_psc_line(text, "psc.txt, line 9")


@pytest.mark.parametrize(
    ("text", "name", "in_uk", "offshore"),
    [
        ("England", "United Kingdom", True, False),
        ("England & Wales", "United Kingdom", True, False),
        ("England And Wales", "United Kingdom", True, False),
        ("United Kingdom", "United Kingdom", True, False),
        ("UK", "United Kingdom", True, False),
        ("Scotland", "United Kingdom", True, False),
        ("Northern Ireland", "United Kingdom", True, False),
        ("Registrar Of Companies For England And Wales", "United Kingdom", True, False),
        ("United Kingdom (England And Wales)", "United Kingdom", True, False),
        ("Jersey", "Jersey", False, True),
        ("Jersey, Channel Islands", "Jersey", False, True),
        ("JERSEY C.I.", "Jersey", False, True),
        ("Guernsey, Channel Islands", "Guernsey", False, True),
        ("Channel Islands", "Channel Islands", False, True),
        ("Isle Of Man", "Isle of Man", False, True),
        ("BVI", "British Virgin Islands", False, True),
        ("Virgin Islands, British", "British Virgin Islands", False, True),
        ("Tortola, British Virgin Islands", "British Virgin Islands", False, True),
        ("Cayman Islands", "Cayman Islands", False, True),
        ("Grand Cayman", "Cayman Islands", False, True),
        ("Bermuda", "Bermuda", False, True),
        ("The Companies Ordinance Of The Laws Of Gibraltar", "Gibraltar", False, True),
        ("Luxembourg", "Luxembourg", False, True),
        ("Delaware", "United States", False, False),
        ("Delaware, USA", "United States", False, False),
        ("Delaware Secretary Of State", "United States", False, False),
        ("New Jersey", "United States", False, False),
        ("New South Wales", "Australia", False, False),
        ("Germany", "Germany", False, False),
        ("Netherlands", "Netherlands", False, False),
        ("People'S Republic Of China", "China", False, False),
    ],
)
def test_countries_as_the_register_writes_them(text: str, name: str, in_uk: bool, offshore: bool) -> None:
    country = normalise_country(text)
    assert country is not None
    assert (country.name, country.in_uk, country.offshore) == (name, in_uk, offshore)


def test_a_country_we_do_not_know_keeps_its_words_and_blank_is_none() -> None:
    country = normalise_country("  Ruritania  ")
    assert country is not None and (country.name, country.in_uk, country.offshore, country.known) == (
        "Ruritania",
        False,
        False,
        False,
    )
    assert normalise_country("") is None and normalise_country(None) is None
    # The legal authority answers when country_registered is blank or not a country we know.
    found = country_of("", "The Companies Ordinance Of The Laws Of Gibraltar", "")
    assert found is not None and found.name == "Gibraltar"
    found = country_of("Ruritania", "Companies Act 2006")
    assert found is not None and found.in_uk


@pytest.mark.parametrize(
    ("natures", "majority"),
    [
        (["ownership-of-shares-75-to-100-percent"], True),
        (["ownership-of-shares-50-to-75-percent"], True),
        (["voting-rights-50-to-75-percent"], True),
        (["voting-rights-75-to-100-percent-as-trust"], True),
        (["right-to-appoint-and-remove-directors"], True),
        (["right-to-appoint-and-remove-members-limited-liability-partnership"], True),
        (["ownership-of-shares-25-to-50-percent", "voting-rights-25-to-50-percent"], False),
        (["significant-influence-or-control"], False),
        (["ownership-of-shares-more-than-25-percent-registered-overseas-entity"], False),
        ([], False),
    ],
)
def test_majority_control(natures: list[str], majority: bool) -> None:
    assert majority_control(natures) is majority


@pytest.mark.parametrize(
    ("natures", "words"),
    [
        (["ownership-of-shares-75-to-100-percent"], "holds 75-100% of the shares of"),
        (
            ["ownership-of-shares-75-to-100-percent", "voting-rights-50-to-75-percent"],
            "holds 75-100% of the shares and 50-75% of the votes of",
        ),
        (
            ["voting-rights-75-to-100-percent", "right-to-appoint-and-remove-directors"],
            "holds 75-100% of the votes, and has the right to appoint and remove the directors, of",
        ),
        (["right-to-appoint-and-remove-directors"], "has the right to appoint and remove the directors of"),
        (["significant-influence-or-control"], "has significant control of"),
    ],
)
def test_control_in_words(natures: list[str], words: str) -> None:
    assert control_words(natures) == words


def _owner(company: str, name: str, *, country: str = "England", number: str = "", **changes: object) -> Controller:
    base = Controller(
        company_number=company,
        kind="corporate",
        name=name,
        registration_number=number,
        country_registered=country,
        legal_form="Limited Company",
        legal_authority="",
        place_registered="",
        natures=("ownership-of-shares-75-to-100-percent",),
        notified_on=date(2016, 4, 6),
        ceased_on=None,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def _register(*controllers: Controller) -> dict[str, list[Controller]]:
    found: dict[str, list[Controller]] = {}
    for controller in controllers:
        found.setdefault(controller.company_number, []).append(controller)
    return found


def _rule(register: dict[str, list[Controller]]) -> object:
    def controllers_of(number: str) -> Sequence[Controller]:
        return register.get(number, [])

    return controllers_of


UK_HOLDING = _owner("01000001", "CARE GROUP LIMITED", number="2000002")
JERSEY_TOP = _owner("02000002", "CARE GROUP (JERSEY) LIMITED", country="Jersey, Channel Islands", number="112233")


@pytest.mark.parametrize(
    ("register", "kind", "parent", "country", "steps"),
    [
        # Owned by individuals (nothing corporate on the register): no corporate owner.
        ({}, OwnerKind.NO_CORPORATE_OWNER, None, None, 0),
        # A UK holding company owned by a Jersey company: the offshore parent, two steps up.
        (_register(UK_HOLDING, JERSEY_TOP), OwnerKind.OFFSHORE, "CARE GROUP (JERSEY) LIMITED", "Jersey", 2),
        # The UK holding company's owner is not on the register: it is the top UK corporate.
        (_register(UK_HOLDING), OwnerKind.UK, "CARE GROUP LIMITED", "United Kingdom", 1),
        # A Delaware parent: outside the UK, not offshore.
        (
            _register(_owner("01000001", "ALPHABET INC.", country="Delaware", number="5786925")),
            OwnerKind.OUTSIDE_UK,
            "ALPHABET INC.",
            "United States",
            1,
        ),
        # A minority corporate holder is not an owner.
        (
            _register(_owner("01000001", "MINORITY LTD", natures=("ownership-of-shares-25-to-50-percent",))),
            OwnerKind.NO_CORPORATE_OWNER,
            None,
            None,
            0,
        ),
        # A parent that ceased to control is not an owner.
        (
            _register(_owner("01000001", "FORMER LTD", ceased_on=date(2020, 1, 1))),
            OwnerKind.NO_CORPORATE_OWNER,
            None,
            None,
            0,
        ),
        # No country given anywhere: the parent is named, its country not.
        (
            _register(_owner("01000001", "SOMEWHERE LTD", country="")),
            OwnerKind.COUNTRY_NOT_GIVEN,
            "SOMEWHERE LTD",
            None,
            1,
        ),
        # The right to appoint the board is majority control; of two, the stronger hold is followed.
        (
            _register(
                _owner("01000001", "BOARD LTD", country="Bermuda", natures=("right-to-appoint-and-remove-directors",)),
                _owner("01000001", "SHARES LTD", country="Germany"),
            ),
            OwnerKind.OUTSIDE_UK,
            "SHARES LTD",
            "Germany",
            1,
        ),
    ],
)
def test_the_ultimate_owner(
    register: dict[str, list[Controller]], kind: OwnerKind, parent: str | None, country: str | None, steps: int
) -> None:
    found = ultimate_owner("01000001", "CARE HOMES LIMITED", _rule(register))  # type: ignore[arg-type]
    assert found.kind == kind
    assert (found.parent.name if found.parent else None) == parent
    assert (found.parent_country.name if found.parent_country else None) == country
    assert len(found.chain) == steps


def test_the_chain_is_its_evidence() -> None:
    found = ultimate_owner("01000001", "CARE HOMES LIMITED", _rule(_register(UK_HOLDING, JERSEY_TOP)))  # type: ignore[arg-type]
    assert found.evidence(date(2026, 12, 1)) == (
        "Companies House PSC register of 1 December 2026: CARE GROUP LIMITED (United Kingdom) holds 75-100% of the "
        "shares of CARE HOMES LIMITED; CARE GROUP (JERSEY) LIMITED (Jersey) holds 75-100% of the shares of CARE "
        "GROUP LIMITED."
    )
    assert (
        found.summary()
        == "Ultimate parent CARE GROUP (JERSEY) LIMITED: registered in Jersey, an offshore financial centre"
    )
    none = ultimate_owner("01000001", "CARE HOMES LIMITED", _rule({}))  # type: ignore[arg-type]
    assert none.summary() == "No corporate owner with majority control on the register"
    assert none.evidence(date(2026, 12, 1)) == (
        "Companies House PSC register of 1 December 2026: no corporate owner with majority control."
    )


def test_a_loop_stops_and_says_so() -> None:
    a_owns_b = _owner("01000001", "B LTD", number="02000002")
    b_owns_a = _owner("02000002", "A LTD", number="01000001")
    found = ultimate_owner("01000001", "A LTD", _rule(_register(a_owns_b, b_owns_a)))  # type: ignore[arg-type]
    assert found.kind == OwnerKind.UK and len(found.chain) == 2
    assert found.stopped == "A LTD is controlled by a company already in the chain"


def test_a_deep_chain_stops_at_the_limit() -> None:
    chain = [_owner(f"{i:08d}", f"LEVEL {i + 1} LTD", number=f"{i + 1:08d}") for i in range(1, 30)]
    found = ultimate_owner("00000001", "START LTD", _rule(_register(*chain)), max_depth=5)  # type: ignore[arg-type]
    assert len(found.chain) == 5 and found.stopped == "it goes deeper than 5 companies"


@pytest.mark.parametrize(
    ("ours", "theirs", "same"),
    [("Acme Holdings Ltd", "ACME HOLDINGS LIMITED", True), ("Acme Holdings", "Other Holdings Ltd", False)],
)
def test_same_parent(ours: str, theirs: str, same: bool) -> None:
    assert same_parent(ours, theirs) is same


@pytest.mark.parametrize(
    ("ours", "theirs", "same"),
    [("England", "United Kingdom", True), ("Jersey", "Jersey, Channel Islands", True), ("UK", "Jersey", False)],
)
def test_same_country(ours: str, theirs: str, same: bool) -> None:
    assert same_country(ours, theirs) is same
