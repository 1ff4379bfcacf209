"""Legal-form and registrar words, and the register each legal form is held on."""

from __future__ import annotations

import pytest

from app.domain import registration
from app.domain.legal_forms import (
    CHARITY_REGISTER,
    REQUIRED_REGISTER,
    form_from_words,
    inferred_scheme,
    legal_form_from_words,
    registrar_scheme,
)
from app.domain.providers import IDENTIFIER_SCHEMES, LegalForm

# --- Legal forms ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("words", "form", "noted"),
    [
        ("Society", LegalForm.COOPERATIVE, False),
        ("Co-operative society", LegalForm.COOPERATIVE, False),
        ("co-operative  Society", LegalForm.COOPERATIVE, False),
        ("Community benefit society", LegalForm.COMMUNITY_BENEFIT, False),
        ("BenCom", LegalForm.COMMUNITY_BENEFIT, False),
        ("Community Benefit Society (BenCom)", LegalForm.COMMUNITY_BENEFIT, False),
        ("CIC", LegalForm.CIC, False),
        ("C.I.C.", LegalForm.CIC, False),
        ("Community Interest Company", LegalForm.CIC, False),
        ("Company limited by guarantee", LegalForm.CLG, False),
        ("CLG", LegalForm.CLG, False),
        ("Company", LegalForm.UNKNOWN, True),
        ("Ltd", LegalForm.PRIVATE_COMPANY, False),
        ("Ltd.", LegalForm.PRIVATE_COMPANY, False),
        ("Limited company", LegalForm.PRIVATE_COMPANY, False),
        ("LLP", LegalForm.PRIVATE_COMPANY, False),
        ("Charity", LegalForm.CHARITY, False),
        ("CIO", LegalForm.CHARITY, False),
        ("SCIO", LegalForm.CHARITY, False),
        ("Charitable Incorporated Organisation", LegalForm.CHARITY, False),
        ("Scottish Charitable Incorporated Organisation", LegalForm.CHARITY, False),
        ("Sole trader", LegalForm.SOLE_TRADER, False),
        ("Partnership", LegalForm.SOLE_TRADER, False),
        ("Unincorporated", LegalForm.UNINCORPORATED, False),
        ("Unincorporated association", LegalForm.UNINCORPORATED, False),
        ("", None, False),
        ("   ", None, False),
        ("Trust", LegalForm.UNKNOWN, True),
        ("Mutual-ish thing", LegalForm.UNKNOWN, True),
    ],
)
def test_legal_form_words(words, form, noted):
    reading = legal_form_from_words(words)
    assert reading.form == form
    assert (reading.note is not None) == noted


def test_unknown_legal_form_words_are_shown_not_guessed():
    assert (
        legal_form_from_words("  Trust ").note
        == "'Trust' is not a legal form we recognise, so it is recorded as not known"
    )
    assert "limited by shares or by guarantee" in (legal_form_from_words("company").note or "")


# --- Issue 11: Companies House categories, numbers kept by shape, dissolved rows, formulas, blank rows, counts ---


@pytest.mark.parametrize(
    ("words", "form"),
    [
        # Companies House CompanyCategory labels, as its bulk product writes them.
        ("Private Limited Company", LegalForm.PRIVATE_COMPANY),
        ("Private company", LegalForm.PRIVATE_COMPANY),
        ("PRI/LTD BY GUAR/NSC (Private, limited by guarantee, no share capital)", LegalForm.CLG),
        ("PRI/LBG/NSC (Private, Limited by guarantee, no share capital, use of 'Limited' exemption)", LegalForm.CLG),
        ("PRIV LTD SECT. 30 (Private limited company, section 30 of the Companies Act)", LegalForm.CLG),
        ("Public Limited Company", LegalForm.PRIVATE_COMPANY),
        ("Community Interest Company", LegalForm.CIC),
        ("Registered Society", LegalForm.COOPERATIVE),
        ("Charitable Incorporated Organisation", LegalForm.CHARITY),
        ("Scottish Charitable Incorporated Organisation", LegalForm.CHARITY),
        ("Limited Liability Partnership", LegalForm.PRIVATE_COMPANY),
        ("Industrial and Provident Society", LegalForm.COOPERATIVE),
        ("Private Unlimited Company", LegalForm.OTHER),
        ("Limited Partnership", LegalForm.OTHER),
        ("Royal Charter Company", LegalForm.OTHER),
        # What finance systems write.
        ("Ltd", LegalForm.PRIVATE_COMPANY),
        ("Limited Company", LegalForm.PRIVATE_COMPANY),
        ("Ltd Company", LegalForm.PRIVATE_COMPANY),
        ("PLC", LegalForm.PRIVATE_COMPANY),
        ("Sole Trader", LegalForm.SOLE_TRADER),
        ("Self-employed", LegalForm.SOLE_TRADER),
        ("Charity", LegalForm.CHARITY),
        ("Charitable Company", LegalForm.CHARITY),
        ("Co-op", LegalForm.COOPERATIVE),
        ("Credit Union", LegalForm.COOPERATIVE),
        ("CBS", LegalForm.COMMUNITY_BENEFIT),
        ("CIC Limited by Guarantee", LegalForm.CIC),
        ("Ltd by Guarantee", LegalForm.CLG),
        ("Community Group", LegalForm.UNINCORPORATED),
    ],
)
def test_companies_house_categories_and_finance_system_words_are_read(words, form):
    reading = legal_form_from_words(words)
    assert (reading.form, reading.note) == (form, None)


# --- The register each legal form is held on ------------------------------------------------------------------------


def test_every_legal_form_says_its_register() -> None:
    assert set(REQUIRED_REGISTER) == set(LegalForm)
    assert {register for register in REQUIRED_REGISTER.values() if register} <= {
        *IDENTIFIER_SCHEMES,
        CHARITY_REGISTER,
    }


def test_registration_asks_by_the_same_table() -> None:
    assert registration.REQUIRED_REGISTER is REQUIRED_REGISTER


@pytest.mark.parametrize(
    ("form", "number", "scheme"),
    [
        (LegalForm.CIC, "01234567", "GB-COH"),
        (LegalForm.CLG, "01234567", "GB-COH"),
        (LegalForm.PRIVATE_COMPANY, "SC123456", "GB-COH"),
        (LegalForm.COOPERATIVE, "525R", "GB-MPR"),
        (LegalForm.COMMUNITY_BENEFIT, "31129", "GB-MPR"),
        (LegalForm.CHARITY, "1234567", "GB-CHC"),
        (LegalForm.CHARITY, "sc 012345", "GB-SC"),
        (LegalForm.CHARITY, "NIC100001", "GB-NIC"),
        (LegalForm.SOLE_TRADER, "1234567", None),
        (LegalForm.UNKNOWN, "01234567", None),
        (None, "01234567", None),
    ],
)
def test_the_register_a_legal_form_implies(form: LegalForm | None, number: str, scheme: str | None) -> None:
    assert inferred_scheme(form, number) == scheme


@pytest.mark.parametrize(
    ("words", "scheme"),
    [
        ("FCA", "GB-MPR"),
        ("Financial Conduct Authority", "GB-MPR"),
        ("Companies House", "GB-COH"),
        ("OSCR", "GB-SC"),
        ("Charity Commission", "GB-CHC"),
        ("CCNI", "GB-NIC"),
        ("DETINI", None),  # known, but with no org-id scheme here
        ("Not known", None),
        ("The Moon Registry", None),
        ("", None),
    ],
)
def test_the_register_a_file_names(words: str, scheme: str | None) -> None:
    assert registrar_scheme(words) == scheme


@pytest.mark.parametrize(
    ("words", "form"),
    [("CIC", LegalForm.CIC), ("Company", LegalForm.UNKNOWN), ("", LegalForm.UNKNOWN), ("Gibberish", LegalForm.UNKNOWN)],
)
def test_a_legal_form_without_a_note_is_not_known_when_blank_or_unrecognised(words: str, form: LegalForm) -> None:
    assert form_from_words(words) is form
