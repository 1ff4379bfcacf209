"""Property tests of the column mapper and the row checks (app/domain/imports: fields, rows, duplicates).

ColumnMapping.auto/override/check, parse_row, DuplicateFinder (flag_duplicates), parse_sheet,
legal_form_from_words and counts_add_up, on generated headers, mappings and cells.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from app.domain.imports.duplicates import duplicate_key, flag_duplicates, parse_sheet
from app.domain.imports.fields import FIELDS_BY_NAME, IMPORT_FIELDS, ColumnMapping, MappingError
from app.domain.imports.lifecycle import FINAL_OUTCOMES, counts_add_up
from app.domain.imports.reading import read_sheet
from app.domain.imports.rows import FIELD_LIMITS, parse_row
from app.domain.legal_forms import LEGAL_FORM_WORDS, REGISTRAR_WORDS, LegalFormReading, legal_form_from_words
from app.domain.names import normalise_words
from app.domain.postcodes import normalise_postcode
from app.domain.providers import IDENTIFIER_SCHEMES, LegalForm
from app.tabular import TableRow

FIELD_NAMES = [f.name for f in IMPORT_FIELDS]
ALIASES = sorted({alias for f in IMPORT_FIELDS for alias in f.aliases})

#: Headings: ours in any case and spacing, or anything at all.
HEADER = st.one_of(
    st.sampled_from(ALIASES),
    st.sampled_from(ALIASES).map(lambda a: f"  {a.upper()} "),
    st.text(max_size=15),
)
HEADERS = st.lists(HEADER, max_size=10).map(tuple)

#: Cells of the kinds a supplier list holds, good and bad, and anything at all.
CELL = st.one_of(
    st.text(max_size=20),
    st.sampled_from(
        [
            "",
            "   ",
            "Roby Community Garden CIC",
            "roby  community garden cic",
            "L36 9GD",
            "l369gd",
            "L36",
            "not a postcode",
            "hello@example.org",
            "not an email",
            "www.example.org",
            "https://example.org/about",
            "example",
            "12345678",
            "SC012345",
            "NIC100001",
            "31129",
            "525R",
            "1234567",
            "ABC",
            "\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668",  # Arabic-Indic digits: refused
            "Companies House",
            "FCA",
            "OSCR",
            "CCNI",
            "DETINI",
            "Unknown",
            "Martian register",
            "CIC",
            "Co-operative Society",
            "Company",
            "Charity",
            "Limited by guarantee",
            "llama farm",
            '=HYPERLINK("http://x")',
            "+1",
            "-1",
            "@SUM(A1)",
            "a\x00b",
            "line one\nline two\r\n",
        ]
    ),
    st.builds(lambda n, c: c * n, st.sampled_from([21, 41, 101, 201, 301, 321, 501, 1001, 2001, 5001]), st.just("x")),
    st.builds(lambda n: "a.co/" + "x" * n, st.integers(0, 495)),
)
CELLS = st.lists(CELL, max_size=14).map(tuple)
ROW_NUMBER = st.integers(1, 10**7)


@st.composite
def mappings(draw: st.DrawFn) -> ColumnMapping:
    """Automatic from the headings, or any columns at all (even two fields on one column: parse_row must cope)."""
    headers = draw(HEADERS)
    auto = ColumnMapping.auto(headers)
    if not headers or draw(st.booleans()):
        return auto
    columns = draw(st.dictionaries(st.sampled_from(FIELD_NAMES), st.integers(0, len(headers) - 1)))
    return ColumnMapping(auto.headers, columns)


def collapsed(text: str) -> str | None:
    return " ".join(text.split()) or None


# --- parse_row ------------------------------------------------------------------------------------------------------

# Status and dissolution are read into ParsedRow.status (a reading, not text).
STRING_FIELDS = [name for name in FIELD_LIMITS if name not in ("legal_form", "status", "dissolved_on")]
ORG_ID_PREFIXES = tuple(f"{prefix}-" for prefix in IDENTIFIER_SCHEMES)


@given(CELLS, mappings(), ROW_NUMBER)
@example(("",), ColumnMapping(("Name",), {"name": 0}), 2)
@example((), ColumnMapping((), {}), 1)
@example(("x" * 301, "x" * 21), ColumnMapping(("Name", "Reg no"), {"name": 0, "registration_number": 1}), 3)
@example(("Org", "12"), ColumnMapping(("Name", "Name"), {"name": 0, "registration_number": 0}), 4)
def test_parse_row_never_raises_and_reports_problems_on_its_row(
    cells: tuple[str, ...], mapping: ColumnMapping, row_number: int
) -> None:
    parsed = parse_row(cells, mapping, row_number)

    assert parsed.row_number == row_number
    assert all(p.row_number == row_number for p in parsed.problems)
    assert all(p.message for p in parsed.problems)
    assert parsed.rejected == any(p.rejects for p in parsed.problems)
    assert parsed.errors + parsed.warnings == sorted(parsed.problems, key=lambda p: not p.rejects)
    columns = set(mapping.headers) | {None}
    assert all(p.column in columns for p in parsed.problems)
    # The same row read from a file gives the same answer.
    assert parse_row(TableRow(row_number, cells), mapping) == parsed


@given(CELLS, mappings(), ROW_NUMBER)
def test_what_rejects_a_row(cells: tuple[str, ...], mapping: ColumnMapping, row_number: int) -> None:
    parsed = parse_row(cells, mapping, row_number)
    name_cell = mapping.value("name", cells)

    if parsed.name is None:
        assert parsed.rejected, "a row without a name is imported"
    if any("\x00" in cell for cell in cells):
        assert parsed.rejected, "a row with a NUL byte is imported"
    if any(cell.strip() for cell in cells[len(mapping.headers) :]):
        assert parsed.rejected, "a row with cells past the header is imported"
    for name in ("name", "registration_number", "source_reference"):
        if len(mapping.value(name, cells)) > FIELD_LIMITS[name]:
            assert parsed.rejected, f"a row whose {name} is too long is imported"
    if parsed.name is not None:
        assert parsed.name == collapsed(name_cell)
    if collapsed(name_cell) and len(name_cell) <= FIELD_LIMITS["name"] and "name" in mapping.columns:
        assert parsed.name == collapsed(name_cell)
    assert parse_row(TableRow(row_number, cells, unclosed_quote=True), mapping).rejected


@given(CELLS, mappings(), ROW_NUMBER)
@example(("Org", "a.co/" + "x" * 400), ColumnMapping(("Name", "Website"), {"name": 0, "website": 1}), 2)
def test_parsed_values_are_tidy_and_fit_the_register(
    cells: tuple[str, ...], mapping: ColumnMapping, row_number: int
) -> None:
    parsed = parse_row(cells, mapping, row_number)

    for name in STRING_FIELDS:
        value = getattr(parsed, name)
        if value is None:
            continue
        assert value == value.strip() and value, (name, value)
        if name != "website":  # a website may grow by 'https://' past its limit: left out
            assert len(value) <= FIELD_LIMITS[name], name
        assert len(mapping.value(name, cells)) <= FIELD_LIMITS[name], f"{name} too long, yet kept"
    if parsed.postcode is not None:
        assert parsed.postcode == normalise_postcode(mapping.value("postcode", cells))
    if parsed.email is not None:
        assert parsed.email == mapping.value("email", cells).strip()
        assert "@" in parsed.email and not re.search(r"\s", parsed.email)
    if parsed.website is not None:
        assert re.match(r"https?://", parsed.website, re.IGNORECASE)
    if parsed.org_id is not None:
        assert parsed.org_id.startswith(ORG_ID_PREFIXES)
        assert parsed.registration_number is not None
    words = mapping.value("legal_form", cells)
    if words.strip() and len(words) <= FIELD_LIMITS["legal_form"]:
        assert parsed.legal_form is not None
    else:
        assert parsed.legal_form is None


def test_parse_row_needs_a_row_number_for_bare_cells() -> None:
    with pytest.raises(TypeError):
        parse_row(("x",), ColumnMapping(("Name",), {"name": 0}))


def test_a_website_too_long_once_https_is_added_is_left_out_with_a_warning() -> None:
    website = "a.co/" + "x" * 495  # 500 characters as the file has it; 508 with 'https://'
    parsed = parse_row(("Org", website), ColumnMapping(("Name", "Website"), {"name": 0, "website": 1}), 2)
    assert parsed.website is None and not parsed.rejected
    assert [p.message for p in parsed.problems] == ["The website is longer than 500 characters, so it was left out"]
    shorter = parse_row(("Org", website[:490]), ColumnMapping(("Name", "Website"), {"name": 0, "website": 1}), 2)
    assert shorter.website is not None and len(shorter.website) <= FIELD_LIMITS["website"]


@pytest.mark.parametrize(
    ("number", "register"),
    [("\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668", "Companies House"), ("\u0661", "FCA")],
)
def test_an_org_id_is_ascii(number: str, register: str) -> None:
    mapping = ColumnMapping(("Name", "Number", "Register"), {"name": 0, "registration_number": 1, "registrar": 2})
    parsed = parse_row(("Org", number, register), mapping, 2)
    assert parsed.org_id is None or parsed.org_id.isascii(), parsed.org_id


# --- ColumnMapping --------------------------------------------------------------------------------------------------


@given(HEADERS)
def test_auto_maps_each_field_to_the_first_heading_that_names_it(headers: tuple[str, ...]) -> None:
    mapping = ColumnMapping.auto(headers)
    assert mapping.headers == tuple(h.strip() for h in headers)
    assert len(set(mapping.columns.values())) == len(mapping.columns)
    for name, index in mapping.columns.items():
        assert name in FIELDS_BY_NAME
        assert mapping.header_for(name) == mapping.headers[index]
        earlier = [h for h in mapping.headers[:index] if _field(h) == name]
        assert _field(mapping.headers[index]) == name and not earlier
    assert [label for label, _ in mapping.rows()] == [f.label for f in IMPORT_FIELDS]


def _field(header: str) -> str | None:
    key = re.sub(r"[^0-9a-z]", "", header.casefold())
    return next((f.name for f in IMPORT_FIELDS for a in f.aliases if re.sub(r"[^0-9a-z]", "", a) == key), None)


CHOICE_HEADER = st.one_of(st.none(), st.just(""), st.text(max_size=10))


@given(mappings(), st.data())
def test_override_raises_only_mapping_error(mapping: ColumnMapping, data: st.DataObject) -> None:
    header = CHOICE_HEADER | (st.sampled_from(mapping.headers) if mapping.headers else st.nothing())
    choices: Mapping[str, str | None] = data.draw(
        st.dictionaries(st.sampled_from(FIELD_NAMES) | st.text(max_size=10), header, max_size=6)
    )
    try:
        chosen = mapping.override(choices)
    except MappingError as error:
        assert str(error)
        bad_field = any(name not in FIELDS_BY_NAME for name in choices)
        bad_header = any(h and h not in mapping.headers for h in choices.values())
        assert bad_field or bad_header
        return
    assert all(name in FIELDS_BY_NAME for name in choices)
    assert chosen.headers == mapping.headers
    for name in FIELD_NAMES:
        if name not in choices:
            assert chosen.columns.get(name) == mapping.columns.get(name)
        elif not choices[name]:
            assert name not in chosen.columns
        else:
            assert chosen.header_for(name) == choices[name]
            assert chosen.columns[name] == mapping.headers.index(choices[name])  # type: ignore[arg-type]
    try:
        chosen.check()
    except MappingError as error:
        assert str(error)
        assert "name" not in chosen.columns or len(set(chosen.columns.values())) < len(chosen.columns)
    else:
        assert "name" in chosen.columns and len(set(chosen.columns.values())) == len(chosen.columns)


# --- Duplicates and whole sheets ------------------------------------------------------------------------------------

#: Few distinct values, so rows repeat each other.
SMALL_CELL = st.sampled_from(["", "Roby Garden", "ROBY  garden", "Huyton Hub", "L36 9GD", "l36 9gd", "12345678", "x"])
DUPLICATE_MAPPING = ColumnMapping(
    ("Name", "Postcode", "Company number", "Legal form"),
    {"name": 0, "postcode": 1, "registration_number": 2, "legal_form": 3},
)


@given(st.lists(st.tuples(SMALL_CELL, SMALL_CELL, SMALL_CELL, st.sampled_from(["", "CIC", "Ltd"])), max_size=12))
def test_only_later_rows_of_an_organisation_are_flagged_as_duplicates(rows: list[tuple[str, ...]]) -> None:
    parsed = [parse_row(cells, DUPLICATE_MAPPING, number) for number, cells in enumerate(rows, start=2)]
    flagged = list(flag_duplicates(parsed, DUPLICATE_MAPPING))

    assert [r.row_number for r in flagged] == [r.row_number for r in parsed]
    first: dict[str, int] = {}
    for before, after in zip(parsed, flagged, strict=True):
        key = duplicate_key(before)
        if key is None or first.setdefault(key, before.row_number) == before.row_number:
            assert after == before
        else:
            [added] = after.problems[len(before.problems) :]
            assert after.problems[: len(before.problems)] == before.problems
            assert added.rejects and added.row_number == before.row_number
            assert added.message == f"Same organisation as row {first[key]}"
            assert after.rejected


SHEET_HEADERS = st.lists(st.sampled_from(ALIASES), min_size=1, max_size=6).map(lambda hs: ["Name", *hs])


@given(SHEET_HEADERS, st.lists(st.lists(CELL.filter(lambda c: "\x00" not in c), max_size=8), max_size=10))
def test_parse_sheet_gives_every_row_one_parsed_row_in_order(headers: list[str], rows: list[list[str]]) -> None:
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(headers)
    writer.writerows(rows)
    data = out.getvalue().encode()
    sheet_rows = list(read_sheet(io.BytesIO(data)))
    sheet = read_sheet(io.BytesIO(data))
    mapping = ColumnMapping.auto(sheet.headers)

    parsed = list(parse_sheet(sheet, mapping))

    assert [p.row_number for p in parsed] == [r.row_number for r in sheet_rows]
    assert parsed == list(flag_duplicates((parse_row(r, mapping) for r in sheet_rows), mapping))
    expected = sum(1 for row in rows if any(cell.strip() for cell in row))
    assert len(parsed) == expected


@given(HEADERS)
def test_parse_sheet_refuses_a_mapping_without_a_name_before_reading(headers: tuple[str, ...]) -> None:
    mapping = ColumnMapping.auto(headers).override({"name": None})
    sheet = read_sheet(io.BytesIO(b"name,postcode\r\nx,y\r\n"))
    with pytest.raises(MappingError):
        parse_sheet(sheet, mapping)


# --- Legal forms ----------------------------------------------------------------------------------------------------


@given(st.text())
@example("company")
@example("  ")
@example("C.I.C.")
def test_legal_form_words_never_raise_and_never_guess(text: str) -> None:
    reading = legal_form_from_words(text)
    if not text.strip():
        assert reading == LegalFormReading(None)
        return
    assert reading.form is not None
    words = normalise_words(text)
    if words in LEGAL_FORM_WORDS and words != "company":
        assert reading == LegalFormReading(LEGAL_FORM_WORDS[words])
    else:
        assert reading.form == LegalForm.UNKNOWN and reading.note


@given(st.sampled_from(sorted(LEGAL_FORM_WORDS)), st.data())
def test_legal_form_words_ignore_case_spacing_and_dots(words: str, data: st.DataObject) -> None:
    typed = ""
    for word in words.split():
        cased = "".join(data.draw(st.sampled_from([c.lower(), c.upper()])) for c in word)
        typed += (
            data.draw(st.sampled_from([" ", "  ", "\t", " - ", ", "])) + cased + data.draw(st.sampled_from(["", "."]))
        )
    reading = legal_form_from_words(typed)
    assert reading.form == LEGAL_FORM_WORDS[words]
    assert (reading.note is None) == (words != "company")


@given(st.sampled_from(sorted(REGISTRAR_WORDS)), st.sampled_from([str.upper, str.title, str.lower]))
def test_registers_are_recognised_in_any_case(words: str, case: object) -> None:
    assert normalise_words(case(words)) == words  # type: ignore[operator]


# --- Counts ---------------------------------------------------------------------------------------------------------

COUNT = st.integers(0, 10**6)


@given(st.dictionaries(st.sampled_from([o.value for o in FINAL_OUTCOMES] + ["rows", "possible_match"]), COUNT))
def test_counts_add_up_is_the_outcomes_against_the_rows(counts: dict[str, int]) -> None:
    outcomes = sum(counts.get(o.value, 0) for o in FINAL_OUTCOMES) + counts.get("possible_match", 0)
    assert counts_add_up(counts) == (outcomes == counts.get("rows", 0))


@given(COUNT, COUNT, COUNT, COUNT, st.integers(1, 10**6))
def test_counts_that_add_up_stop_adding_up_when_a_row_is_lost(
    created: int, updated: int, unchanged: int, rejected: int, extra: int
) -> None:
    counts = {"created": created, "updated": updated, "unchanged": unchanged, "rejected": rejected}
    rows = created + updated + unchanged + rejected
    assert counts_add_up({**counts, "rows": rows})
    assert not counts_add_up({**counts, "rows": rows + extra})
    assert not counts_add_up({**counts, "rows": rows - extra})
