"""How stored values and audit events read to people: money as money, dates as dates, codes as words."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from app.domain.providers import FactKind
from app.domain.wording import (
    action_text,
    describe_event,
    fact_text,
    geocoder_name,
    govuk_date,
    govuk_datetime,
    in_sentence,
    name_from_changes,
    plain_value,
    references,
    split_org_id,
    subject_text,
)


@pytest.mark.parametrize(
    ("kind", "stored", "shown"),
    [
        (FactKind.TURNOVER, "8500000", "£85,000"),  # held in pence: never shown 100 times too large
        (FactKind.TURNOVER, "8500050", "£85,000.50"),
        (FactKind.DIVIDEND_CAP, "35", "35%"),
        (FactKind.LOCAL_STAFF_SHARE, "80.5", "80.5%"),
        (FactKind.LOCAL_STAFF_SHARE, "80%", "80%"),
        (FactKind.STAFF_COUNT, "1250", "1,250"),
        (FactKind.STAFF_COUNT, "\u00b2", "\u00b2"),  # str.isdigit() says yes; int() refuses it
        (FactKind.TURNOVER, "\u00b2", "\u00b2"),
        (FactKind.ASSET_LOCK, "yes", "Yes"),
        (FactKind.MEMBER_OWNED, "no", "No"),
        (FactKind.REAL_LIVING_WAGE, None, "Not known"),
        (FactKind.REAL_LIVING_WAGE, "not known", "Not known"),
        (FactKind.PARENT_COUNTRY, "united Kingdom", "United Kingdom"),  # the rest of the words keep their case
        (FactKind.ULTIMATE_PARENT, "ACME Holdings PLC", "ACME Holdings PLC"),
    ],
)
def test_fact_values_read_as_people_expect(kind: FactKind, stored: str | None, shown: str) -> None:
    assert fact_text(kind, stored) == shown


def test_dates_are_written_the_govuk_way() -> None:
    assert govuk_date(date(2026, 12, 3)) == "3 December 2026"
    assert govuk_datetime(datetime(2026, 12, 3, 9, 5)) == "3 December 2026 at 9:05am"
    assert govuk_datetime(datetime(2026, 12, 3, 12, 0)) == "3 December 2026 at 12:00pm"
    assert govuk_datetime(datetime(2026, 12, 3, 0, 30)) == "3 December 2026 at 12:30am"


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (True, "Yes"),
        (False, "No"),
        (None, None),
        ("", None),
        ([], None),
        ("2026-12-03", "3 December 2026"),
        (12500, "12,500"),
        (["a", None, "b"], "a, b"),
    ],
)
def test_plain_values(value: object, shown: str | None) -> None:
    assert plain_value(value) == shown


def test_geocoders_are_named_in_words_not_code() -> None:
    assert geocoder_name("postcode_directory") == "the ONS postcode directory"
    assert "postcode_directory" not in geocoder_name("postcode_directory")


def test_a_spend_band_change_reads_as_money_before_and_after() -> None:
    before = {
        "id": 4,
        "label": "Intermediate value",
        "lower_pence": 500_000,
        "upper_pence": 18_100_001,
        "lower_is_statutory_threshold": False,
        "upper_is_statutory_threshold": False,
        "advertised": False,
        "effective_from": "2025-02-24",
        "effective_to": None,
    }
    after = {**before, "id": 9, "upper_pence": 10_000_000, "advertised": True, "effective_from": "2026-12-03"}
    wording = describe_event(
        "spend_band.changed",
        {"before": before, "after": after, "replaces": 4, "effective_from": "2026-12-03"},
    )
    assert wording.summary == "Spend band changed"
    text = wording.details_text
    assert "Range: £5,000 to £181,000 → £5,000 to £99,999.99" in text
    assert "Advertised: No → Yes" in text
    assert "Takes effect on: 3 December 2026" in text
    assert text.count("3 December 2026") == 1  # said once, not again from the snapshot
    for code in ("upper_pence", "18100001", "replaces", "2026-12-03", "True", "None"):
        assert code not in text


def test_a_band_bounded_by_the_threshold_says_so() -> None:
    snapshot = {"lower_pence": 18_100_001, "upper_pence": None, "upper_is_statutory_threshold": True}
    wording = describe_event("spend_band.added", {"before": None, "after": snapshot, "effective_from": "2026-01-01"})
    assert "Range: £181,000.01 up to the statutory threshold" in wording.details_text


def test_a_decision_names_the_statuses_and_leaves_out_an_empty_message() -> None:
    wording = describe_event("provider.verified", {"from": "submitted", "to": "verified", "message": None})
    assert wording.summary == "Verified and published"
    assert wording.details_text == "Status: Waiting for checks → Verified"
    assert "None" not in wording.details_text and "message" not in wording.details_text.lower()


def test_changed_facts_show_money_and_what_was_added() -> None:
    wording = describe_event(
        "provider.facts_changed",
        {"turnover": {"from": None, "to": "8500000"}, "asset_lock": {"from": "yes", "to": "not known"}},
    )
    assert "Annual turnover: £85,000 (added)" in wording.details_text
    assert "Asset lock: Yes → Not known" in wording.details_text


def test_a_checked_fact_names_the_fact_and_its_value() -> None:
    wording = describe_event(
        "fact.verified", {"kind": "turnover", "value": "8500000", "from": "self_declared", "note": None}
    )
    assert "Annual turnover: £85,000" in wording.details_text
    assert "Evidence before the check: Self-declared" in wording.details_text


def test_registration_numbers_are_named_by_their_register() -> None:
    wording = describe_event("provider.identifiers_changed", {"GB-COH": {"from": "GB-COH-01234567", "to": None}})
    assert wording.details_text == "Companies House number: GB-COH-01234567 (removed)"


def test_references_are_named_from_the_lookup() -> None:
    changes = {"from": [None, None], "to": ["E08000011", "E05010934"], "by": "postcode_directory"}
    assert references("site.placed", changes) == {("area", "E08000011"), ("area", "E05010934")}
    names = {("area", "E08000011"): "Knowsley", ("area", "E05010934"): "Page Moss"}
    wording = describe_event("site.placed", changes, names)
    assert "Where it is: Knowsley, Page Moss (added)" in wording.details_text
    assert "Placed using: The ONS postcode directory" in wording.details_text


def test_an_unlisted_action_is_spelt_out_not_shown_as_code() -> None:
    assert action_text("session.ended_idle") == "Session ended idle"
    assert action_text("spend_band.changed") == "Spend band changed"


def test_a_removed_record_is_named_from_its_event_or_in_words() -> None:
    assert name_from_changes({"name": "Gone CIC", "source_reference": "7"}) == "Gone CIC"
    assert subject_text("provider", "121", None) == "Organisation no longer on the register (reference 121)"
    assert subject_text("provider", "121", "Knowsley Mutual") == "Knowsley Mutual"


@pytest.mark.parametrize(
    ("label", "in_a_sentence"),
    [
        ("Community interest company (CIC)", "community interest company (CIC)"),
        ("Excluding VAT", "excluding VAT"),
        ("VAT included", "VAT included"),
        ("IT services", "IT services"),
        ("Waiting for checks", "waiting for checks"),
    ],
)
def test_labels_inside_a_sentence_keep_their_capitals(label: str, in_a_sentence: str) -> None:
    assert in_sentence(label) == in_a_sentence


def test_an_org_id_reads_as_its_register_and_number() -> None:
    assert split_org_id("GB-COH-01234567") == ("Companies House number", "01234567")
    assert split_org_id("XX-ABC-1") == ("Registration number", "XX-ABC-1")


def test_an_import_flag_names_its_import_and_row() -> None:
    changes = {"import_batch": 3, "row": 12, "reason": "The file says it was dissolved on 1 May 2024"}
    assert references("provider.flagged_by_import", changes) == {("import_batch", "3")}
    wording = describe_event("provider.flagged_by_import", changes, {("import_batch", "3"): "Co-operatives UK"})
    assert wording.summary == "Flagged by an import for the council to check"
    assert wording.details_text == (
        "Import: Co-operatives UK; Row in the file: 12; Reason: The file says it was dissolved on 1 May 2024"
    )


def test_every_action_the_register_records_is_worded() -> None:
    import re
    from pathlib import Path

    from app.domain.wording import ACTIONS

    root = Path(__file__).resolve().parents[2] / "app"
    recorded = set()
    for source in root.rglob("*.py"):
        for call in re.findall(r"record\((?:[^()]|\([^()]*\))*?\)", source.read_text(), re.S):
            recorded |= set(re.findall(r'"([a-z_]+\.[a-z_]+)"', call))
    assert recorded, "no audit actions found"
    unworded = sorted(a for a in recorded if a not in ACTIONS)
    assert unworded == [], f"say what these mean in ACTIONS in app/domain/wording.py: {unworded}"


def test_an_address_and_an_imports_columns_read_as_words() -> None:
    wording = describe_event(
        "site.address_changed",
        {"from": {"address": None, "town": None}, "to": {"address": "1 Test Street\nHuyton", "town": "Liverpool"}},
    )
    assert wording.details_text == "Address: 1 Test Street, Huyton (added); Town: Liverpool (added)"
    wording = describe_event(
        "import.mapping_confirmed", {"mapping": {"name": "Society Name", "postcode": "Postcode"}, "saved_as": None}
    )
    assert wording.details_text == 'Columns: name from column "Society Name"; postcode from column "Postcode"'


def test_a_lockout_says_how_long() -> None:
    assert describe_event("user.sign_in_locked", {"minutes": 15}).details_text == "Locked for: 15 minutes"


def test_premises_kind_counts_and_a_band_code_read_as_words() -> None:
    site = describe_event("site.removed", {"provider_id": 93, "kind": "registered_office", "postcode": "L32 8RG"})
    assert "Type of premises: Registered office" in site.details_text
    assert "registered_office" not in site.details_text and "Fact" not in site.details_text
    loaded = describe_event(
        "reference_data.loaded",
        {"counts": {"areas": {"created": 650}, "CPV codes": {"created": 9454, "updated": 0}}},
    )
    assert loaded.details_text == "How many: areas 650 created; CPV codes 9,454 created, 0 updated"
    committed = describe_event("import.committed", {"counts": {"rows": 8371, "created": 6693}})
    assert committed.details_text == "How many: rows 8,371; created 6,693"
    record = describe_event("record.created", {"title": "Advice", "band": "A"}, {("band_code", "A"): "Low value"})
    assert "Spend band: Low value" in record.details_text
