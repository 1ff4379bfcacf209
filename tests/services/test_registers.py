"""Loading the public registers as releases, looking numbers up and matching names, on both engines: the published
samples, the product's multi-part zip, and every way a file can be wrong (the active release stays)."""

from __future__ import annotations

import gzip
import zipfile
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import event, func, inspect, select
from sqlalchemy.orm import Session

from app.domain.providers import LegalForm
from app.domain.registers import Liveness, Register, RegisterFileError
from app.models import RegisteredCompany, RegisterRelease
from app.services.registers import active_release, load_register, lookup, match_names, purge_superseded
from tests.registers_data import (
    CHARITIES_SAMPLE,
    COMPANIES_SAMPLE,
    HEADER,
    MUTUALS_LINKS,
    companies_csv,
    company_row,
    write_companies,
)

TODAY = date(2026, 12, 4)
needs_samples = pytest.mark.skipif(not COMPANIES_SAMPLE.exists(), reason="the shared register samples are not here")


def _load(session: Session, register: Register, *paths: Path, **options: object) -> RegisterRelease:
    result = load_register(session, register, list(paths), TODAY, **options)  # type: ignore[arg-type]
    session.flush()
    return result.release


@needs_samples
def test_the_published_companies_sample_loads_despite_its_wrapped_lines_and_header_spaces(session: Session) -> None:
    release = _load(session, Register.COMPANIES_HOUSE, COMPANIES_SAMPLE)
    assert release.active and release.row_count == 1
    [entry] = lookup(session, "8209948")  # the number without its leading zero still finds it
    assert entry.name == "! LTD" and entry.postcode == "HG1 1ND" and entry.status == "Active"
    assert entry.legal_form == LegalForm.PRIVATE_COMPANY and entry.started_on == date(2012, 9, 11)
    assert entry.sic == ("99999 - Dormant Company",)
    assert entry.basis == "Companies House, 4 December 2026"


@needs_samples
def test_the_charities_and_mutuals_samples_load_and_link_to_companies(session: Session) -> None:
    charities = _load(session, Register.CHARITIES, CHARITIES_SAMPLE)
    mutuals = _load(session, Register.MUTUALS, MUTUALS_LINKS)
    assert charities.row_count == 736 and charities.counts["statuses"] == {"not given": 736}  # the file has none
    assert mutuals.row_count == 12_208 and mutuals.counts["left_out"] == {
        "a society listed again (the first listing is kept)": 44
    }
    [charity] = lookup(session, "214927")
    assert charity.name == "THE CHESHIRE WILDLIFE TRUST LIMITED" and charity.company_number == "00738693"
    assert charity.legal_form == LegalForm.CHARITY and charity.postcode == "SY14 8EF"
    assert [e.org_id for e in lookup(session, "738693")] == ["GB-CHC-214927"]  # its company number finds it too
    [society] = lookup(session, "GB-MPR-10002R")
    assert society.company_number == "IP10002R" and society.liveness == Liveness.UNKNOWN  # the links say no status
    assert [e.org_id for e in lookup(session, "IP10002R")] == ["GB-MPR-10002R"]


def test_the_product_zip_loads_every_part_and_a_dissolved_company_is_gone(session: Session, tmp_path: Path) -> None:
    rows = [company_row(f"{n:08d}", f"COMPANY NUMBER {n} LTD") for n in range(1, 26)]
    rows.append(
        company_row(
            "SC000026",
            "KNOWSLEY NAVIGATORS CIC",
            CompanyCategory="Community Interest Company",
            CompanyStatus="Dissolved",
            DissolutionDate="02/05/2025",
        )
    )
    path = write_companies(tmp_path / "BasicCompanyData-2026-12-01.zip", rows, parts=3)
    shares: list[float] = []
    release = _load(session, Register.COMPANIES_HOUSE, path, progress=lambda rows, share: shares.append(share))
    assert release.row_count == 26 and release.published_on == date(2026, 12, 1)  # the date in the product's name
    assert len(release.counts["tables"]) == 3 and shares[-1] == 1.0  # type: ignore[arg-type]
    [dissolved] = lookup(session, "SC26")
    assert dissolved.legal_form == LegalForm.CIC and dissolved.liveness == Liveness.GONE
    assert dissolved.ended_on == date(2025, 5, 2)
    assert release.counts["statuses"] == {"Active": 25, "Dissolved": 1}


def test_a_new_release_replaces_the_old_only_when_complete(session: Session, tmp_path: Path) -> None:
    first = _load(session, Register.COMPANIES_HOUSE, write_companies(tmp_path / "a.csv", [company_row("1", "OLD LTD")]))
    # A file cut short mid-row: the load fails and the first release is still the active one.
    whole = companies_csv([company_row("2", "NEW LTD"), company_row("3", "NEWER LTD")])
    cut = tmp_path / "cut.csv"
    cut.write_text(whole[: whole.rindex("NEWER") + 3], encoding="utf-8")
    with pytest.raises(RegisterFileError, match=r"row 3: \d+ columns where the header has 55"), session.begin_nested():
        load_register(session, Register.COMPANIES_HOUSE, [cut], TODAY)
    assert active_release(session, Register.COMPANIES_HOUSE) == first
    assert [e.name for e in lookup(session, "1")] == ["OLD LTD"]

    second = _load(
        session, Register.COMPANIES_HOUSE, write_companies(tmp_path / "b.csv", [company_row("2", "NEW LTD")])
    )
    assert active_release(session, Register.COMPANIES_HOUSE) == second and not first.active
    assert lookup(session, "1") == [] and [e.name for e in lookup(session, "2")] == ["NEW LTD"]
    assert purge_superseded(session, Register.COMPANIES_HOUSE) == 1
    assert session.scalar(select(func.count()).select_from(RegisteredCompany)) == 1
    again = load_register(session, Register.COMPANIES_HOUSE, [tmp_path / "b.csv"], TODAY)
    assert not again.created and again.release == second


def test_a_truncated_zip_leaves_the_active_release(session: Session, tmp_path: Path) -> None:
    first = _load(session, Register.COMPANIES_HOUSE, write_companies(tmp_path / "a.csv", [company_row("1", "OLD LTD")]))
    rows = [company_row(f"{n}", f"COMPANY {n} LTD") for n in range(2, 3000)]
    whole = write_companies(tmp_path / "BasicCompanyData-2026-12-01.zip", rows, parts=2).read_bytes()
    cut = tmp_path / "cut.zip"
    cut.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(RegisterFileError, match=r"cut short|no CSV"), session.begin_nested():
        load_register(session, Register.COMPANIES_HOUSE, [cut], TODAY)
    assert active_release(session, Register.COMPANIES_HOUSE) == first


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            "Name,Number\nACME,1\n",
            "is not Companies House's BasicCompanyData: its header has no CompanyName, CompanyNumber, CompanyCategory",
        ),
        ("", "is empty"),
        (companies_csv([]), "held no Companies House organisations"),
        (companies_csv([company_row("ACME", "BAD NUMBER LTD")]), "row 2: 'ACME' is not a company number"),
        (companies_csv([company_row("1", "A LTD"), company_row("01", "A AGAIN LTD")]), "a company number twice"),
        (companies_csv([company_row("1", "A LTD", IncorporationDate="31/02/2020")]), "'31/02/2020' is not a date"),
    ],
)
def test_files_that_cannot_load_say_why(session: Session, tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "companies.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(RegisterFileError, match=message.replace("(", r"\(")), session.begin_nested():
        load_register(session, Register.COMPANIES_HOUSE, [path], TODAY)
    assert active_release(session, Register.COMPANIES_HOUSE) is None


def test_a_zip_that_is_not_the_product_and_a_missing_file_are_refused(session: Session, tmp_path: Path) -> None:
    other = tmp_path / "photos.zip"
    with zipfile.ZipFile(other, "w") as archive:
        archive.writestr("holiday.jpg", b"\xff\xd8")
    with pytest.raises(RegisterFileError, match=r"photos\.zip has no CSV or text file in it"):
        load_register(session, Register.COMPANIES_HOUSE, [other], TODAY)
    with pytest.raises(RegisterFileError, match="does not exist"):
        load_register(session, Register.COMPANIES_HOUSE, [tmp_path / "nowhere.csv"], TODAY)


def test_an_unknown_category_loads_with_its_legal_form_not_known_and_is_counted(
    session: Session, tmp_path: Path
) -> None:
    path = tmp_path / "companies.csv.gz"
    rows = [company_row("1", "NEW KIND LTD", CompanyCategory="Future Company Type")]
    path.write_bytes(gzip.compress(companies_csv(rows).encode()))
    release = _load(session, Register.COMPANIES_HOUSE, path)
    assert release.counts["unknown_categories"] == {"Future Company Type": 1}
    [entry] = lookup(session, "00000001")
    assert entry.kind == "Future Company Type" and entry.legal_form == LegalForm.UNKNOWN


def test_the_charity_extract_tables_load_together(session: Session, tmp_path: Path) -> None:
    path = tmp_path / "publicextract.zip"
    charity = (
        "date_of_extract\torganisation_number\tregistered_charity_number\tlinked_charity_number\tcharity_name\t"
        "charity_type\tcharity_registration_status\tdate_of_registration\tdate_of_removal\tcharity_contact_postcode\t"
        "charity_company_registration_number\n"
        "2026-12-02\t1\t1000611\t0\tDENTON BURN COMMUNITY ASSOCIATION\tCharitable company\tRegistered\t"
        "1990-10-11\t\tNE15 7HB\t08591698\n"
        "2026-12-02\t2\t1000611\t1\tDENTON BURN LINKED FUND\tOther\tRegistered\t1990-10-11\t\t\t\n"
        "2026-12-02\t3\t1002009\t0\tFAMILIES FIRST (NORTH EAST)\tCIO\tRemoved\t1991-01-01\t2024-03-31\t\t\n"
    )
    classification = (
        "organisation_number\tregistered_charity_number\tlinked_charity_number\tclassification_code\t"
        "classification_type\tclassification_description\n"
        "1\t1000611\t0\t101\tWhat\tGeneral Charitable Purposes\n"
        "1\t1000611\t0\t301\tWho\tChildren/young People\n"
    )
    areas = (
        "organisation_number\tregistered_charity_number\tlinked_charity_number\tgeographic_area_type\t"
        "geographic_area_description\n1\t1000611\t0\tLocal Authority\tNewcastle Upon Tyne City\n"
    )
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("publicextract.charity.txt", charity)
        archive.writestr("publicextract.charity_classification.txt", classification)
        archive.writestr("publicextract.charity_area_of_operation.txt", areas)
    release = _load(session, Register.CHARITIES, path)
    assert release.row_count == 2 and release.published_on == date(2026, 12, 2)  # the extract's own date
    assert release.counts["left_out"] == {"linked charities (listed under their main charity)": 1}
    [removed] = lookup(session, "1002009")
    assert removed.liveness == Liveness.GONE and removed.ended_on == date(2024, 3, 31)
    row = session.scalars(select(RegisterRelease)).one()
    assert row.register == "charities"
    from app.models import RegisteredCharity

    denton = session.scalars(select(RegisteredCharity).where(RegisteredCharity.number == "1000611")).one()
    assert denton.classifications == "What: General Charitable Purposes\nWho: Children/young People"
    assert denton.areas_of_operation == "Local Authority: Newcastle Upon Tyne City"


def test_names_as_councils_files_write_them_match_their_registered_company(session: Session, tmp_path: Path) -> None:
    rows = [
        company_row("00000001", "K.P. DODD LIMITED", **{"RegAddress.PostCode": "L36 9GD"}),
        company_row("00000002", "ACME TRADING COMPANY LIMITED"),
        company_row("00000003", "PAGE MOSS COMMUNITY NAVIGATORS CIC", CompanyCategory="Community Interest Company"),
        company_row("00000004", "K P DODD LIMITED", CompanyStatus="Dissolved", DissolutionDate="01/01/2020"),
        company_row("00000005", "HUYTON TRUST (THE)"),
        company_row("00000006", "BOLTON CARPETS LIMITED"),
    ]
    _load(session, Register.COMPANIES_HOUSE, write_companies(tmp_path / "c.csv", rows))
    matches = {
        m.name: [(c.entry.number, c.score) for c in m.candidates]
        for m in match_names(
            session,
            [
                "K P DODD",
                "Acme Trading Co Ltd",
                "The Huyton Trust",
                "J Smith t/a Page Moss Community Navigators",
                "PAGE MOSS COMMUNITY NAVIGATOR",  # a near name: a plural cut
                "Bolton Cares",
                "Nobody At All",
            ],
        )
    }
    assert matches["K P DODD"] == [("00000001", 100.0), ("00000004", 100.0)]  # the live one first
    assert matches["Acme Trading Co Ltd"] == [("00000002", 100.0)]
    assert matches["The Huyton Trust"] == [("00000005", 100.0)]
    assert matches["J Smith t/a Page Moss Community Navigators"] == [("00000003", 100.0)]
    [(number, score)] = matches["PAGE MOSS COMMUNITY NAVIGATOR"]
    assert number == "00000003" and score >= 85
    assert matches["Bolton Cares"] == [] and matches["Nobody At All"] == []


def test_a_postcode_ranks_the_organisation_there_first(session: Session, tmp_path: Path) -> None:
    rows = [
        company_row("00000001", "GREEN GARDENS LTD", **{"RegAddress.PostCode": "HG1 1ND"}),
        company_row("00000002", "GREEN GARDENS LIMITED", **{"RegAddress.PostCode": "L36 9GD"}),
    ]
    _load(session, Register.COMPANIES_HOUSE, write_companies(tmp_path / "c.csv", rows))
    [match] = match_names(session, ["Green Gardens"], postcode="L36 9GD")
    assert [c.entry.number for c in match.candidates] == ["00000002", "00000001"]


def test_the_header_has_the_product_s_55_columns() -> None:
    assert len(HEADER) == 55 and HEADER[1] == " CompanyNumber"


def test_worker_processes_parse_a_file_in_batches_as_this_process_would(
    session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.services import registers

    monkeypatch.setattr(registers, "BATCH_LINES", 7)  # batches of a few lines, cut only where no quote is open
    rows = [company_row(f"{n:08d}", f"COMPANY {n} LTD") for n in range(1, 40)]
    rows[10] = company_row("00000011", "LINE\nBREAK LTD")  # a quoted field with a line break in it
    path = write_companies(tmp_path / "c.csv", rows)
    release = load_register(session, Register.COMPANIES_HOUSE, [path], TODAY, parse_workers=2).release
    assert release.row_count == 39 and release.counts["statuses"] == {"Active": 39}
    assert [e.name for e in lookup(session, "11")] == ["LINE BREAK LTD"]
    assert [e.name for e in lookup(session, "39")] == ["COMPANY 39 LTD"]

    rows[30] = company_row("NOT-A-NUMBER", "BAD LTD")
    bad = write_companies(tmp_path / "bad.csv", rows)
    with pytest.raises(RegisterFileError, match=r"bad\.csv, row 33: 'NOT-A-NUMBER' is not a company number"):
        load_register(session, Register.COMPANIES_HOUSE, [bad], TODAY, parse_workers=1)


def test_an_extract_date_that_is_not_a_date_names_its_row(session: Session, tmp_path: Path) -> None:
    path = tmp_path / "publicextract.charity.txt"
    path.write_text(
        "date_of_extract\tregistered_charity_number\tlinked_charity_number\tcharity_name\n"
        "yesterday\t1000611\t0\tDENTON BURN COMMUNITY ASSOCIATION\n",
        encoding="utf-8",
    )
    with pytest.raises(RegisterFileError, match=r"charity\.txt, row 2: date_of_extract 'yesterday' is not a date"):
        load_register(session, Register.CHARITIES, [path], TODAY)


def test_a_load_sorts_its_rows_into_place_and_keeps_the_indexes(session: Session, tmp_path: Path) -> None:
    # The product is in name order; the rows are written in number order with the indexes built again afterwards
    # (on SQLite), and the previous release's rows are found through the same indexes until it is purged.
    first = _load(session, Register.COMPANIES_HOUSE, write_companies(tmp_path / "a.csv", [company_row("5", "OLD LTD")]))
    rows = [company_row(f"{n:08d}", f"{chr(90 - n % 26)} COMPANY {n} LTD") for n in range(1, 60)]
    shares: list[float] = []
    second = _load(
        session,
        Register.COMPANIES_HOUSE,
        write_companies(tmp_path / "b.csv", rows),
        progress=lambda rows, share: shares.append(share),
    )
    assert shares == sorted(shares) and shares[-1] == 1.0 and 0 < shares[0] < 1
    names = {i["name"] for i in inspect(session.connection()).get_indexes("register_companies")}
    assert "ix_register_companies_release_name_key" in names
    stored = session.execute(
        select(RegisteredCompany.release_id, RegisteredCompany.number).order_by(RegisteredCompany.release_id)
    ).all()
    assert stored[0] == (first.id, "00000005") and len(stored) == 60
    assert sorted(number for release, number in stored if release == second.id) == [f"{n:08d}" for n in range(1, 60)]
    [first, *_] = match_names(session, ["y company 27 limited"])[0].candidates
    assert first.entry.number == "00000027" and first.score == 100


@needs_samples
def test_a_number_is_looked_up_on_every_register_in_one_statement(session: Session) -> None:
    _load(session, Register.COMPANIES_HOUSE, COMPANIES_SAMPLE)
    _load(session, Register.CHARITIES, CHARITIES_SAMPLE)
    _load(session, Register.MUTUALS, MUTUALS_LINKS)
    statements: list[str] = []
    engine = session.get_bind()

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", count)
    try:
        assert [e.name for e in lookup(session, "08209948")] == ["! LTD"]
        assert len(statements) == 1  # companies, charities and societies with that number, in their active releases
        statements.clear()
        found = lookup(session, "214927")  # a charity, and the company it is registered as: two
        assert [e.org_id for e in found] == ["GB-CHC-214927"] and len(statements) == 2
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_the_progress_bar_moves_within_a_zip_part(session: Session, tmp_path: Path) -> None:
    # One part of a zip read in several batches: the share read moves with the part's uncompressed bytes, and the
    # steps after reading take it to the end.
    rows = [company_row(f"{n:08d}", f"COMPANY {n} LTD") for n in range(1, 10_001)]
    path = write_companies(tmp_path / "BasicCompanyData-2026-12-01.zip", rows, parts=1)
    shares: list[float] = []
    _load(session, Register.COMPANIES_HOUSE, path, progress=lambda rows, share: shares.append(share))
    reading = [share for share in shares if share < 0.8]
    assert len(set(reading)) >= 4 and reading == sorted(reading)  # 10,000 rows: batches of 2,000 lines
    assert shares == sorted(shares) and shares[-1] == 1.0
