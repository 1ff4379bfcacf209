"""Registration numbers in their registers' shapes, org-id form, and the legal forms people choose from."""

from __future__ import annotations

import pytest

from app.domain.labelled import LabelledEnum
from app.domain.providers import (
    IDENTIFIER_SCHEMES,
    SOCIAL_ECONOMY_FORMS,
    IdentifierError,
    LegalForm,
    address_text,
    may_see_contact_details,
    normalise_identifier,
    org_id,
)


@pytest.mark.parametrize(
    ("prefix", "typed", "normalised", "as_org_id"),
    [
        # Companies House: 8 digits, or two letters and 6 digits; leading zeros lost in spreadsheets come back
        ("GB-COH", "01234567", "01234567", "GB-COH-01234567"),
        ("GB-COH", "1234567", "01234567", "GB-COH-01234567"),
        ("GB-COH", "123456", "00123456", "GB-COH-00123456"),
        ("GB-COH", "sc123456", "SC123456", "GB-COH-SC123456"),
        ("GB-COH", "OC301234", "OC301234", "GB-COH-OC301234"),
        ("GB-COH", "NI012345", "NI012345", "GB-COH-NI012345"),
        ("GB-COH", " 0123 4567 ", "01234567", "GB-COH-01234567"),
        # Charity Commission for England and Wales: 6 or 7 digits
        ("GB-CHC", "1234567", "1234567", "GB-CHC-1234567"),
        ("GB-CHC", "123456", "123456", "GB-CHC-123456"),
        ("GB-CHC", "1 234 567", "1234567", "GB-CHC-1234567"),
        # OSCR: SC and 6 digits
        ("GB-SC", "SC012345", "SC012345", "GB-SC-SC012345"),
        ("GB-SC", "sc012345", "SC012345", "GB-SC-SC012345"),
        # FCA Mutuals Public Register: a number, often with a suffix
        ("GB-MPR", "525R", "525R", "GB-MPR-525R"),
        ("GB-MPR", "525r", "525R", "GB-MPR-525R"),
        ("GB-MPR", "31129", "31129", "GB-MPR-31129"),
    ],
)
def test_valid_identifiers(prefix: str, typed: str, normalised: str, as_org_id: str) -> None:
    assert normalise_identifier(prefix, typed) == normalised
    assert org_id(prefix, typed) == as_org_id


@pytest.mark.parametrize("typed", ["100001", "NIC100001", "nic100001", "NIC 100001"])
def test_northern_ireland_charity_numbers_take_the_nic_prefix(typed: str) -> None:
    assert normalise_identifier("GB-NIC", typed) == "NIC100001"


@pytest.mark.parametrize("typed", ["100001", "NIC100001"])
def test_northern_ireland_org_id_is_written_without_the_nic_prefix(typed: str) -> None:
    # DOMAIN.md section 4 and org-id.guide (as 360Giving data uses it) write GB-NIC-100001, not GB-NIC-NIC100001.
    assert org_id("GB-NIC", typed) == "GB-NIC-100001"


@pytest.mark.parametrize(
    ("prefix", "typed"),
    [
        ("GB-COH", "123456789"),
        ("GB-COH", "SC12345"),
        ("GB-COH", "S1234567"),
        ("GB-COH", "ABC12345"),
        ("GB-COH", ""),
        ("GB-CHC", "12345"),
        ("GB-CHC", "12345678"),
        ("GB-CHC", "SC012345"),
        ("GB-CHC", "abc"),
        ("GB-SC", "012345"),
        ("GB-SC", "SC12345"),
        ("GB-SC", "SC0123456"),
        ("GB-SC", "NI012345"),
        ("GB-NIC", "10001"),
        ("GB-NIC", "NIC1000011"),
        ("GB-NIC", "NI100001"),
        ("GB-MPR", "R525"),
        ("GB-MPR", "1234567"),
        ("GB-MPR", "525RRRR"),
        ("GB-MPR", ""),
    ],
)
def test_bad_shapes_are_refused_naming_the_register_and_an_example(prefix: str, typed: str) -> None:
    scheme = IDENTIFIER_SCHEMES[prefix]
    with pytest.raises(IdentifierError) as caught:
        normalise_identifier(prefix, typed)
    message = str(caught.value)
    assert scheme.register in message
    assert message.endswith(f"number in the right format, like {scheme.example}")
    with pytest.raises(IdentifierError):
        org_id(prefix, typed)


@pytest.mark.parametrize(
    ("prefix", "message"),
    [
        ("GB-COH", "Enter a Companies House number in the right format, like 01234567 or SC123456"),
        ("GB-CHC", "Enter a Charity Commission number in the right format, like 1234567"),
        ("GB-SC", "Enter a Scottish Charity Regulator number in the right format, like SC012345"),
        ("GB-NIC", "Enter a Charity Commission for Northern Ireland number in the right format, like NIC100001"),
        # "an FCA": the article follows the sound ("eff"), as GOV.UK copy does.
        ("GB-MPR", "Enter an FCA Mutuals Public Register number in the right format, like 525R or 31129"),
    ],
)
def test_error_message_copy(prefix: str, message: str) -> None:
    with pytest.raises(IdentifierError) as caught:
        normalise_identifier(prefix, "not a number at all")
    assert str(caught.value) == message


def test_every_scheme_example_is_itself_valid() -> None:
    for prefix, scheme in IDENTIFIER_SCHEMES.items():
        for example in scheme.example.split(" or "):
            assert normalise_identifier(prefix, example) == example


def test_schemes_are_the_five_uk_registers() -> None:
    assert set(IDENTIFIER_SCHEMES) == {"GB-COH", "GB-CHC", "GB-SC", "GB-NIC", "GB-MPR"}


@pytest.mark.parametrize("prefix", ["GB-XYZ", "gb-coh", "", "COH"])
def test_unknown_scheme(prefix: str) -> None:
    with pytest.raises(IdentifierError) as caught:
        normalise_identifier(prefix, "01234567")
    assert str(caught.value) == f"Unknown identifier scheme {prefix}"


@pytest.mark.parametrize(
    ("form", "value", "label"),
    [
        (LegalForm.CIC, "cic", "Community interest company (CIC)"),
        (LegalForm.COOPERATIVE, "cooperative_society", "Co-operative society"),
        (LegalForm.COMMUNITY_BENEFIT, "community_benefit_society", "Community benefit society"),
        (LegalForm.CHARITY, "charity", "Charity or CIO"),
        (LegalForm.CLG, "company_limited_by_guarantee", "Company limited by guarantee"),
        (LegalForm.PRIVATE_COMPANY, "private_company", "Private company"),
        (LegalForm.SOLE_TRADER, "sole_trader_or_partnership", "Sole trader or partnership"),
        (LegalForm.UNINCORPORATED, "unincorporated_association", "Unincorporated association"),
        (LegalForm.OTHER, "other", "Other"),
        (LegalForm.UNKNOWN, "unknown", "Not known"),
    ],
)
def test_legal_form_values_and_labels(form: LegalForm, value: str, label: str) -> None:
    assert form == value
    assert str(form) == value
    assert LegalForm(value) is form
    assert form.label == label


def test_legal_form_hints() -> None:
    assert LegalForm.CIC.hint == "A limited company with an asset lock, registered as a CIC"
    assert LegalForm.OTHER.hint == ""


def test_legal_form_choices_in_declaration_order() -> None:
    choices = LegalForm.choices()
    assert choices[0] == ("cic", "Community interest company (CIC)")
    assert choices[-1] == ("unknown", "Not known")
    assert choices == [(f.value, f.label) for f in LegalForm]
    assert len(choices) == 10


def test_a_missing_label_is_made_from_the_value() -> None:
    class Colour(LabelledEnum):
        DARK_RED = "dark_red"
        BLUE = "blue", "Sky blue", "The colour of the sky"

    assert Colour.DARK_RED.label == "Dark red"
    assert Colour.DARK_RED.hint == ""
    assert (Colour.BLUE.label, Colour.BLUE.hint) == ("Sky blue", "The colour of the sky")
    assert Colour.choices() == [("dark_red", "Dark red"), ("blue", "Sky blue")]


@pytest.mark.parametrize(
    ("form", "social_economy"),
    [
        (LegalForm.CIC, True),
        (LegalForm.COOPERATIVE, True),
        (LegalForm.COMMUNITY_BENEFIT, True),
        (LegalForm.CHARITY, True),
        (LegalForm.CLG, True),
        (LegalForm.UNINCORPORATED, True),
        (LegalForm.PRIVATE_COMPANY, False),
        (LegalForm.SOLE_TRADER, False),
        (LegalForm.OTHER, False),
        (LegalForm.UNKNOWN, False),
    ],
)
def test_social_economy_forms(form: LegalForm, social_economy: bool) -> None:
    assert (form in SOCIAL_ECONOMY_FORMS) is social_economy


def test_social_economy_forms_cover_every_form_in_the_table() -> None:
    # The table above must be updated when a legal form is added.
    assert len(SOCIAL_ECONOMY_FORMS) == 6
    assert len(LegalForm) == 10


@pytest.mark.parametrize(
    ("address", "town", "postcode", "text"),
    [
        ("11 Market Square\nKirkby", "Kirkby", "L32 8RG", "11 Market Square, Kirkby, L32 8RG"),  # imported
        ("11 Market Square\nKIRKBY ", "Kirkby", "L32 8RG", "11 Market Square, KIRKBY, L32 8RG"),
        ("1 Page Moss Parade", "Liverpool", "L36 9GD", "1 Page Moss Parade, Liverpool, L36 9GD"),  # self-registered
        ("1 Page Moss Parade\n\nFloor 2", None, "L36 9GD", "1 Page Moss Parade, Floor 2, L36 9GD"),
        (None, "Kirkby", "L32 8RG", "Kirkby, L32 8RG"),
        (None, None, "L32 8RG", "L32 8RG"),
        ("Kirkby Road", "Kirkby", None, "Kirkby Road, Kirkby"),
    ],
)
def test_an_address_in_one_line_names_its_town_once(
    address: str | None, town: str | None, postcode: str | None, text: str
) -> None:
    assert address_text(address, town, postcode) == text


@pytest.mark.parametrize(
    ("role", "own_provider_id", "sees"),
    [
        (None, None, False),  # the public sees the website only
        ("provider", 8, False),  # another organisation's member
        ("provider", None, False),  # a provider account with no organisation yet
        ("provider", 7, True),  # its own member
        ("commissioner", None, True),
        ("officer", None, True),
        ("admin", None, True),
    ],
)
def test_contact_details_go_to_council_staff_and_the_organisations_own_members(
    role: str | None, own_provider_id: int | None, sees: bool
) -> None:
    assert may_see_contact_details(role, own_provider_id, 7) is sees
