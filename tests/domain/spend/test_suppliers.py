"""Payees as councils' files name them: one normalised name per supplier, the grouping key, VAT numbers, and the
payees that are not suppliers for the measure. Names are real ones from Hyndburn's and Trafford's files."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path

import pytest

from app.domain.spend.classification import Exclusion
from app.domain.spend.suppliers import (
    KEY_MAX_LENGTH,
    clean_reference,
    clean_vat_number,
    compact_name,
    is_redacted,
    normalise_supplier_name,
    sorted_tokens,
    suggested_exclusion,
    supplier_key,
    supplier_name_variants,
    trading_parts,
    without_account_reference,
)

SPEND = Path(__file__).resolve().parents[4] / "shared" / "data" / "spend"


@pytest.mark.parametrize(
    "names",
    [
        ("ACME LTD", "Acme Limited", "Acme Ltd.", "acme"),
        ("Smith & Sons", "Smith and Sons", "SMITH AND SONS LTD"),
        ("The Foo Trust", "Foo Trust (The)", "FOO TRUST"),
        ("Water Plus - 4035576019 - 2 Foxhill Bank", "Water Plus - 4035576019 - 2 Foxhill Bank, Osw", "Water Plus"),
        ("Water Plus  -4032312559 Social Centre, Eagle Stree", "Water Plus - 4072907003 Allotments Station Rd"),
        ("J Bloggs t/a Bloggs Plumbing", "Bloggs Plumbing", "J BLOGGS T/A BLOGGS PLUMBING LTD"),
        ("W & G POLLARD (ACCRINGTON) LIMITED", "W & G Pollard (Accrington) Ltd"),
        ("The Boiling Tap Company", "THE BOILING TAP CO"),
        ("Crown Gas and Power Ltd - L054813 Ossy Civic Theat", "Crown Gas and Power Ltd - P002258"),
        ("E-On Next Energy - A-1B775153 Stall 41-44 Market H", "E.On Next Energy - A-54DE8BBA"),
        ("Total Energies - Acc Town Hall - 3009581025", "Total Energies - Civic Theatre - 3009581014"),
        ("Café Nero", "CAFE NERO"),
        ("Foo Community Interest Company", "Foo CIC", "Foo C.I.C."),
        ("P & C DICKSON FARMING LIMTED", "P&C Dickson Farming Ltd"),
    ],
)
def test_one_supplier_written_many_ways_has_one_name(names: tuple[str, ...]) -> None:
    normalised = {normalise_supplier_name(name) for name in names}
    assert len(normalised) == 1, normalised


@pytest.mark.parametrize(
    ("name", "normalised"),
    [
        ("Water Plus - 4035576019 - 2 Foxhill Bank", "water plus"),
        ("SSE 8700906741 Christmas Lighting", "sse"),
        ("SEFE Energy -100041428 - Consolidated", "sefe energy"),
        ("NPOWER - A0010655700 -Accrington Market Hall", "npower"),
        ("EDF - A-186CB4E5 - Kiosk 4, Peel Street", "edf"),
        ("J Bloggs t/a Bloggs Plumbing", "bloggs plumbing"),
        ("Benjamin Forshaw - T/A Lancs Roofing Specialists", "lancs roofing specialists"),
        ("Town Mills Craft Centre ltd, T/A House of Marbles", "house of marbles"),
        # The file cut the name short after "T/A": the part before it is all there is.
        ("Bestway Panacea Healthcare Ltd T/A", "bestway panacea healthcare"),
        # A leading number is part of the name; a dash with no reference after it is too; so are a year and a
        # name with a digit or two in it.
        ("7270356 Canada Inc - Avanquest", "7270356 canada inc avanquest"),
        ("Wardell - Armstrong", "wardell armstrong"),
        ("The Chicken Shop 2025 Ltd", "chicken shop 2025"),
        ("Lee Harris T/A LH2uk Education Ltd", "lh2uk education"),
        ("Maxwell Bond Ltd - Perm Placements", "maxwell bond ltd perm placements"),
        ("The", "the"),
        ("Ltd", "ltd"),
        ("!!!", ""),
    ],
)
def test_names_normalise(name: str, normalised: str) -> None:
    assert normalise_supplier_name(name) == normalised


def test_spacing_is_ignored_in_the_key() -> None:
    """The same supplier with its initials or words spaced differently is grouped as one."""
    for a, b in (
        ("A G S Heating & Plumbing Ltd", "AGS HEATING & PLUMBING LTD"),
        ("Total Energies - Acc Town Hall - 3009581025", "TotalEnergies - Civic Theatre - 3009581014"),
    ):
        assert normalise_supplier_name(a) != normalise_supplier_name(b)
        assert compact_name(normalise_supplier_name(a)) == compact_name(normalise_supplier_name(b))
        assert supplier_key(None, None, a) == supplier_key(None, None, b)


def test_different_suppliers_keep_different_names() -> None:
    assert normalise_supplier_name("Maxwell Bond Ltd - Perm Placements") != normalise_supplier_name(
        "Maxwell Bond Ltd - Temp Placements"
    )
    assert normalise_supplier_name("Acme Ltd") != normalise_supplier_name("Acme Plumbing Ltd")
    assert normalise_supplier_name("Smith & Sons") != normalise_supplier_name("Smith & Son")


def test_trading_as_splits_the_trading_name_from_the_proprietor() -> None:
    assert trading_parts("J Bloggs t/a Bloggs Plumbing") == ("Bloggs Plumbing", "J Bloggs")
    assert trading_parts("Amy May T/A Amy's Babies") == ("Amy's Babies", "Amy May")
    assert trading_parts("John Smith trading as Smith Joinery") == ("Smith Joinery", "John Smith")
    assert trading_parts("Data Trading Ltd") == ("Data Trading Ltd", None)
    assert trading_parts("Bestway Panacea Healthcare Ltd T/A") == ("Bestway Panacea Healthcare Ltd", None)


def test_variants_try_the_proprietor_after_the_trading_name() -> None:
    assert supplier_name_variants("Bunzl UK Ltd T/A Care Shop") == ["care shop", "bunzl uk"]
    assert supplier_name_variants("Acme Ltd") == ["acme"]
    assert supplier_name_variants("!!!") == []


def test_account_reference_only_goes_when_it_is_one() -> None:
    assert without_account_reference("Smartest Energy - 100011736903 77-79 Blackburn Rd") == "Smartest Energy"
    assert without_account_reference("Unit 4 Business Software") == "Unit 4 Business Software"


def test_sorted_tokens_is_what_token_sort_ratio_compares() -> None:
    assert sorted_tokens("plumbing bloggs") == "bloggs plumbing"


@pytest.mark.parametrize(
    ("reference", "vat", "name", "key"),
    [
        ("3536", "GB812311285", "VLC (Stairlifts) Limited", "id:3536"),
        (" 35  36 ", None, "x", "id:35 36"),
        ("Redacted", "GB812311285", "VLC (Stairlifts) Limited", "vat:GB812311285"),
        ("NA", "NA", "VLC (Stairlifts) Limited", "name:vlcstairlifts"),
        ("N/A", "0", "Acme Ltd.", "name:acme"),
        ("0", None, "Acme Ltd.", "name:acme"),
        (None, "gb 812 3112 85", "Acme", "vat:GB812311285"),
        (None, None, "Redacted", "name:redacted"),
        (None, None, "!!!", "name:!!!"),
    ],
)
def test_supplier_key(reference: str | None, vat: str | None, name: str, key: str) -> None:
    assert supplier_key(reference, vat, name) == key


def test_supplier_key_fits_its_column() -> None:
    assert len(supplier_key(None, None, "word " * 100)) == KEY_MAX_LENGTH
    assert len(supplier_key("9" * 500, None, "x")) <= KEY_MAX_LENGTH


@pytest.mark.parametrize(
    ("text", "cleaned"),
    [
        ("GB812311285", "GB812311285"),
        ("812 3112 85", "GB812311285"),
        ("gb-812-311-285", "GB812311285"),
        ("GB812311285001", "GB812311285001"),
        ("XI812311285", "XI812311285"),
        ("GBGD001", "GBGD001"),
        ("IE6388047V", "IE6388047V"),
        ("NA", None),
        ("Redacted", None),
        ("0", None),
        ("000000000", None),
        ("", None),
        (None, None),
        ("12345", None),
        ("not registered", None),
    ],
)
def test_clean_vat_number(text: str | None, cleaned: str | None) -> None:
    assert clean_vat_number(text) == cleaned


def test_clean_reference() -> None:
    assert clean_reference("  102557 ") == "102557"
    assert clean_reference("Redacted") is None
    assert clean_reference("n/a") is None
    assert clean_reference("---") is None
    assert clean_reference("A" * 150) == "A" * 100


@pytest.mark.parametrize(
    "name", ["Redacted", "REDACTED", "REDACTED - Personal Data", "Name withheld", "Redacted (GDPR)"]
)
def test_redacted_payees_are_unmistakable(name: str) -> None:
    assert is_redacted(name)
    assert suggested_exclusion(name) == Exclusion.INDIVIDUAL


@pytest.mark.parametrize("name", ["Redactive Events Ltd", "Redacted Design Studio", "Personal Data Ltd", ""])
def test_names_that_merely_look_redacted_are_not(name: str) -> None:
    assert not is_redacted(name)


@pytest.mark.parametrize(
    ("name", "exclusion"),
    [
        ("HM REVENUE & CUSTOMS", Exclusion.TAX),
        ("H M REVENUE & CUSTOMS", Exclusion.TAX),
        ("HMRC", Exclusion.TAX),
        ("Lancashire County Pension Fund", Exclusion.TAX),
        ("Lancashire County Council", Exclusion.PUBLIC_BODY),
        ("Trafford Council", Exclusion.PUBLIC_BODY),
        ("The Homerton Healthcare NHS FT", Exclusion.PUBLIC_BODY),
        ("Greater Manchester Police", Exclusion.PUBLIC_BODY),
        ("Lancashire Fire and Rescue Service", Exclusion.PUBLIC_BODY),
        ("HM Courts & Tribunals Service", Exclusion.PUBLIC_BODY),
        ("Department for Work and Pensions", Exclusion.PUBLIC_BODY),
        ("THE CABINET OFFICE", Exclusion.PUBLIC_BODY),
        ("The Barlow RC High School", Exclusion.PUBLIC_BODY),
        ("Petty Cash", Exclusion.INTERNAL),
        # Trafford's largest payees, cut at 35 characters as its files give them.
        ("Greater Manchester Combined Authori", Exclusion.PUBLIC_BODY),
        ("GREATER MANCHESTER SUPERANN FUND", Exclusion.TAX),
        ("HMRC CUMBERNAULD", Exclusion.TAX),
        ("Stockport MBC (Accts Receiveable)", Exclusion.PUBLIC_BODY),
        ("Greater Manchester Mental Health NH", Exclusion.PUBLIC_BODY),
        ("NHS Greater Manchester ICB", Exclusion.PUBLIC_BODY),
        ("Manor Academy (Sovereign Trust)", Exclusion.PUBLIC_BODY),
        ("The Knowledge Academy Limited", None),
        # Hyndburn's: a council written with its initials, a public body that is a company in law.
        ("BLACKBURN WITH DARWEN B.C.", Exclusion.PUBLIC_BODY),
        ("National Highways Ltd", Exclusion.PUBLIC_BODY),
        ("Lancashire County Council (Direct Debit Payments)", Exclusion.PUBLIC_BODY),
        ("Amey LG Ltd", None),
        ("MR & MRS W L FARNWORTH", Exclusion.INDIVIDUAL),
        # Not public bodies, however they sound: a company, a charity for voluntary groups, a trust.
        ("NHS Property Services Ltd", None),
        ("Forest School Ltd", None),
        ("Sefton Council for Voluntary Service", None),
        ("Canal & River Trust", None),
        ("Redactive Events Ltd", None),
        ("Mr Jeffrey Pearson JRP Plumbing & Heating Ltd", None),
        ("Acme Ltd", None),
        ("", None),
    ],
)
def test_suggested_exclusion(name: str, exclusion: Exclusion | None) -> None:
    assert suggested_exclusion(name) == exclusion


def _hyndburn_names() -> list[str]:
    names = []
    for path in sorted(SPEND.glob("hyndburn_2017_2025/*.csv")) + sorted(SPEND.glob("hyndburn_spend*.csv")):
        text = path.read_bytes().decode("cp1252", errors="replace").replace("\r\n", "\n").replace("\r", "\n")
        rows = list(csv.reader(io.StringIO(text)))
        column = next(
            (i for row in rows[:40] + rows[-5:] for i, cell in enumerate(row) if cell.strip().lower() == "name:"),
            None,
        )
        if column is not None:
            names.extend(row[column] for row in rows if len(row) > column and row[column].strip())
    return names


@pytest.mark.skipif(not SPEND.is_dir(), reason="the shared spend files are not here")
def test_hyndburn_utility_accounts_group_under_their_supplier() -> None:
    """Every Water Plus account in eight years of Hyndburn's files is one supplier, and so is every Total Energies
    meter and every SSE account."""
    names = _hyndburn_names()
    assert len(names) > 1000
    for prefix, normalised in (("water plus", "water plus"), ("total energies -", "total energies"), ("sse -", "sse")):
        accounts = {name for name in names if name.lower().startswith(prefix)}
        assert len(accounts) > 3, prefix
        assert {normalise_supplier_name(name) for name in accounts} == {normalised}


@pytest.mark.skipif(not SPEND.is_dir(), reason="the shared spend files are not here")
def test_trafford_redacted_payees_are_recognised_and_keys_group_by_supplier_id() -> None:
    path = SPEND / "trafford" / "trafford-supplier-spend-2024-25.zip"
    with zipfile.ZipFile(path) as archive, archive.open(archive.namelist()[0]) as raw:
        reader = csv.DictReader(io.TextIOWrapper(raw, encoding="utf-8-sig", errors="replace"))
        seen = {(row["BeneficiaryOtherID"], row["VATRegistrationNumber"], row["BeneficiaryName"]) for row in reader}
    redacted = {name for reference, _vat, name in seen if reference == "Redacted"}
    assert redacted == {"Redacted"}
    assert all(is_redacted(name) for name in redacted)
    keys = {supplier_key(*row) for row in seen}
    assert all(re.fullmatch(r"(id|vat|name):.+", key) for key in keys)
    # A supplier id names one supplier however its name is written; only the redacted ones fall back to the name.
    assert {key for key in keys if key.startswith("name:")} == {"name:redacted"}
