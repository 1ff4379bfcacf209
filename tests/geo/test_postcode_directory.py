"""The postcode directory: loading releases in every ONS shape, switching and purging them, looking up."""

from __future__ import annotations

import hashlib
import zipfile
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.geo import postcode_directory
from app.geo.postcode_directory import (
    DirectoryFileError,
    LoadResult,
    PostcodeRecord,
    PostcodeStore,
    active_release,
    load_release,
    purge_inactive_releases,
)
from app.models import OutcodeCentroid, Postcode, PostcodeRelease
from tests.geo.conftest import (
    HALTON,
    KNOWSLEY,
    NO_POINT,
    ONSPD_HEADER,
    ROBY,
    SAMPLE,
    ST_HELENS,
    TERMINATED,
    WARDS,
    StatementCounter,
    onspd_postcodes,
    onspd_row,
    some_postcodes,
    write_csv,
)

Rows = dict[str, dict[str, str]]


def _count(session: Session, model: type, *where: object) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- Loading the real sample --------------------------------------------------------------------


def test_load_sample_counts_every_row_point_and_ward(
    session: Session, sample_release: LoadResult, sample_rows: Rows, ward_rows: Rows
) -> None:
    release = sample_release.release
    expected_points = sum(1 for row in sample_rows.values() if row["lat"])
    expected_wards = sum(1 for p in sample_rows if p in ward_rows and ward_rows[p]["ward_code_derived"])

    assert sample_release.created is True
    assert sample_release.replaced == []
    assert release.active is True
    assert release.row_count == len(sample_rows) == 14_780
    assert release.with_coordinates == expected_points == len(sample_rows) - 4  # AB11 3AG, GY1, JE1, IM1
    assert release.with_wards == expected_wards
    assert 14_000 < release.with_wards < release.row_count  # the UK-wide named postcodes have no ward
    assert release.source_format == "latitude and longitude"
    assert release.name == "postcodes_sample.csv.gz"
    assert release.source_file == "postcodes_sample.csv.gz + wards from postcodes_sample_wards.csv.gz"
    assert release.sha256 == f"{_sha256(SAMPLE)}+{_sha256(WARDS)}"
    assert release.seconds_to_load is not None and release.seconds_to_load >= 0
    assert _count(session, Postcode, Postcode.release_id == release.id) == release.row_count
    assert _count(session, Postcode, Postcode.latitude.is_not(None)) == expected_points
    assert _count(session, Postcode, Postcode.ward_code.is_not(None)) == expected_wards
    located_outcodes = {p.split(" ")[0] for p, row in sample_rows.items() if row["lat"]}
    assert _count(session, OutcodeCentroid, OutcodeCentroid.release_id == release.id) == len(located_outcodes)
    assert active_release(session) is release


def test_load_release_takes_the_given_name_and_reports_progress(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(postcode_directory, "CHUNK_SIZE", 5_000)
    seen: list[int] = []
    shares: list[float] = []

    def progress(rows: int, share: float) -> None:
        seen.append(rows)
        shares.append(share)

    result = load_release(session, SAMPLE, name="NSPD sample, LAD25", progress=progress)

    assert result.release.name == "NSPD sample, LAD25"
    assert result.release.source_file == "postcodes_sample.csv.gz"
    assert result.release.sha256 == _sha256(SAMPLE)
    assert result.release.with_wards == 0  # the whole-UK file has no ward column and none was overlaid
    assert seen == [5_000, 10_000, 14_780, 14_780] and result.release.row_count == 14_780
    assert shares == sorted(shares) and 0 < shares[0] < 1 and shares[-1] == 1.0  # a real share of the file read
    assert _count(session, Postcode) == 14_780


@pytest.mark.parametrize(
    ("postcode", "latitude", "longitude", "district", "ward"),
    [
        ("L36 9GD", 53.410696, -2.84173, KNOWSLEY, ROBY),
        ("CF10 1EP", 51.475764, -3.179217, "W06000015", None),  # Cardiff
        ("EH1 1AA", 55.953646, -3.188108, "S12000036", None),  # City of Edinburgh
        ("BT1 1AA", 54.602445, -5.922291, "N09000003", None),  # Belfast
        ("SW1A 1AA", 51.50101, -0.141563, "E09000033", None),  # Westminster
        # Crown dependencies: pseudo district codes (L99999999, M99999999) and no point.
        ("GY1 1AA", None, None, None, None),
        ("JE1 0BD", None, None, None, None),
        ("IM1 1AA", None, None, None, None),
        ("AB11 3AG", None, None, None, None),  # non-geographic: no district, no point
    ],
)
def test_lookup_returns_the_real_entry(
    session: Session,
    sample_release: LoadResult,
    postcode: str,
    latitude: float | None,
    longitude: float | None,
    district: str | None,
    ward: str | None,
) -> None:
    store = PostcodeStore(session)

    assert store.lookup(postcode) == PostcodeRecord(postcode, latitude, longitude, district, ward, None)


@pytest.mark.parametrize("postcode", ["L36 9ZZ", "l36 9gd", "L369GD", "ZZ9 9ZZ"])
def test_lookup_takes_only_normalised_postcodes_that_exist(
    session: Session, sample_release: LoadResult, postcode: str
) -> None:
    assert PostcodeStore(session).lookup(postcode) is None


def test_a_store_with_no_active_release_finds_nothing(session: Session) -> None:
    store = PostcodeStore(session)

    assert store.release_id is None
    assert store.lookup("L36 9GD") is None
    assert store.lookup_many(["L36 9GD"]) == {}
    assert store.outcode("L36") is None


def test_lookup_many_batches_and_skips_what_is_missing(
    session: Session, sample_release: LoadResult, sample_rows: Rows
) -> None:
    wanted = [*sorted(sample_rows)[:1_199], "L36 9GD"]
    store = PostcodeStore(session)
    asked = [*wanted, *wanted[:50], "L36 9ZZ", "ZZ9 9ZZ"]  # duplicates and two that are not there

    with StatementCounter(session) as counter:
        found = store.lookup_many(asked)

    assert set(found) == set(wanted)
    assert found["L36 9GD"] == PostcodeRecord("L36 9GD", 53.410696, -2.84173, KNOWSLEY, ROBY, None)
    pseudo = {"L99999999", "M99999999", ""}  # Channel Islands, Isle of Man, non-geographic
    assert {p: found[p].district_code for p in wanted} == {
        p: None if sample_rows[p]["lad_code"] in pseudo else sample_rows[p]["lad_code"] for p in wanted
    }
    # One query for the active release, then one per chunk of distinct postcodes: a bound array of up to 10,000 on
    # PostgreSQL, a list of up to 500 on SQLite (1,202 -> 3).
    assert len(counter.selects) == 1 + (1 if session.get_bind().dialect.name == "postgresql" else 3)


def _expected_centroid(sample_rows: Rows, outcode: str) -> tuple[float, float, int, Counter[str]]:
    located = [r for p, r in sample_rows.items() if p.split(" ")[0] == outcode and r["lat"]]
    lat = sum(float(r["lat"]) for r in located) / len(located)
    lon = sum(float(r["lon"]) for r in located) / len(located)
    return lat, lon, len(located), Counter(r["lad_code"] for r in located if r["lad_code"])


def test_l35_is_split_between_three_districts(session: Session, sample_release: LoadResult, sample_rows: Rows) -> None:
    lat, lon, count, districts = _expected_centroid(sample_rows, "L35")

    centroid = PostcodeStore(session).outcode("L35")

    assert set(districts) == {KNOWSLEY, ST_HELENS, HALTON}
    assert centroid is not None
    assert centroid.postcode_count == count == 908
    assert centroid.main_district_code == KNOWSLEY
    assert centroid.main_district_share == pytest.approx(districts[KNOWSLEY] / count, abs=1e-4)
    assert centroid.main_district_share < 0.99
    assert (centroid.latitude, centroid.longitude) == (pytest.approx(lat, abs=1e-6), pytest.approx(lon, abs=1e-6))


@pytest.mark.parametrize(("outcode", "district"), [("L36", KNOWSLEY), ("L1", "E08000012"), ("CF10", "W06000015")])
def test_an_outcode_inside_one_district_has_a_share_of_about_one(
    session: Session, sample_release: LoadResult, sample_rows: Rows, outcode: str, district: str
) -> None:
    lat, lon, count, districts = _expected_centroid(sample_rows, outcode)

    centroid = PostcodeStore(session).outcode(outcode)

    assert centroid is not None
    assert centroid.main_district_code == district
    assert centroid.main_district_share == pytest.approx(districts[district] / count, abs=1e-4)
    assert centroid.main_district_share >= 0.99
    assert centroid.postcode_count == count
    assert (centroid.latitude, centroid.longitude) == (pytest.approx(lat, abs=1e-6), pytest.approx(lon, abs=1e-6))


@pytest.mark.parametrize("outcode", ["GY1", "JE1", "IM1", "AB11", "ZZ9"])
def test_an_outcode_with_no_located_postcode_has_no_centroid(
    session: Session, sample_release: LoadResult, outcode: str
) -> None:
    assert PostcodeStore(session).outcode(outcode) is None


# --- Reloading, switching and purging -----------------------------------------------------------


def test_loading_the_same_files_again_changes_nothing(session: Session, sample_release: LoadResult) -> None:
    session.commit()

    again = load_release(session, SAMPLE, wards_from=WARDS)

    assert again.created is False
    assert again.replaced == []
    assert again.release.id == sample_release.release.id
    assert again.release.active is True
    assert _count(session, PostcodeRelease) == 1
    assert _count(session, Postcode) == sample_release.release.row_count


def test_the_same_file_with_a_different_ward_file_is_a_new_release(
    session: Session, sample_release: LoadResult
) -> None:
    without_wards = load_release(session, SAMPLE)

    assert without_wards.created is True
    assert without_wards.release.id != sample_release.release.id
    assert without_wards.release.with_wards == 0


def test_a_new_release_replaces_the_active_one_and_purging_removes_the_old_rows(
    session: Session, sample_release: LoadResult, onspd_file: Path, ward_rows: Rows
) -> None:
    old = sample_release.release
    session.commit()

    new = load_release(session, onspd_file, name="ONSPD test")
    session.commit()

    assert new.created is True
    assert new.replaced == [old.name]
    assert new.release.active is True
    session.refresh(old)
    assert old.active is False
    assert active_release(session) is new.release
    assert _count(session, PostcodeRelease, PostcodeRelease.active.is_(True)) == 1
    # A fresh store reads the new release: a postcode only in the old one is no longer found.
    store = PostcodeStore(session)
    assert store.release_id == new.release.id
    assert store.lookup("CF10 1EP") is None
    assert store.lookup("L36 9GD") is not None
    # The old release's rows stay until purged.
    assert _count(session, Postcode, Postcode.release_id == old.id) == old.row_count

    purged = purge_inactive_releases(session)
    session.commit()

    assert purged == 1
    assert _count(session, PostcodeRelease) == 1
    assert _count(session, Postcode, Postcode.release_id == old.id) == 0
    assert _count(session, OutcodeCentroid, OutcodeCentroid.release_id == old.id) == 0
    assert _count(session, Postcode) == len(onspd_postcodes(ward_rows))
    assert _count(session, OutcodeCentroid) == 2  # L35 and L36
    assert purge_inactive_releases(session) == 0


# --- ONS file shapes ----------------------------------------------------------------------------


def test_onspd_shape_reads_terminated_postcodes_and_the_no_location_latitude(
    session: Session, onspd_file: Path, ward_rows: Rows
) -> None:
    chosen = onspd_postcodes(ward_rows)

    result = load_release(session, onspd_file)
    store = PostcodeStore(session)

    assert result.release.row_count == len(chosen)
    assert result.release.with_coordinates == len(chosen) - 1
    assert result.release.with_wards == len(chosen)
    assert result.release.source_format == "latitude and longitude"
    terminated = store.lookup(TERMINATED)
    real = ward_rows[TERMINATED]
    assert terminated == PostcodeRecord(
        TERMINATED, float(real["lat"]), float(real["lon"]), KNOWSLEY, real["ward_code_derived"], True
    )
    assert store.lookup(NO_POINT) == PostcodeRecord(
        NO_POINT, None, None, KNOWSLEY, ward_rows[NO_POINT]["ward_code_derived"], False
    )
    assert store.lookup("L36 9GD") == PostcodeRecord("L36 9GD", 53.410696, -2.84173, KNOWSLEY, ROBY, False)
    assert _count(session, Postcode, Postcode.terminated.is_(True)) == 1


def test_nspd_grid_references_convert_to_the_real_latitude_and_longitude(
    session: Session, tmp_path: Path, ward_rows: Rows
) -> None:
    chosen = [*some_postcodes(ward_rows, "L36", 100), *some_postcodes(ward_rows, "L1", 50), "L36 9GD"]
    rows = [
        [ward_rows[p]["pcd7"], ward_rows[p]["easting"], ward_rows[p]["northing"], ward_rows[p]["lad_code"]]
        for p in chosen
    ]
    rows.append(["L36 9ZZ", "", "", KNOWSLEY])  # no grid reference: no point
    path = write_csv(tmp_path / "NSPD_TEST.csv", ["pcd7", "east1m", "north1m", "lad25cd"], rows)

    result = load_release(session, path)
    found = PostcodeStore(session).lookup_many([*chosen, "L36 9ZZ"])

    assert result.release.source_format == "grid references"
    assert result.release.row_count == len(chosen) + 1
    assert result.release.with_coordinates == len(chosen)
    assert "L1 0AA" in found  # pcd7 writes 'L1  0AA' with two spaces
    for postcode in chosen:
        entry = found[postcode]
        assert entry.latitude == pytest.approx(float(ward_rows[postcode]["lat"]), abs=0.0005), postcode
        assert entry.longitude == pytest.approx(float(ward_rows[postcode]["lon"]), abs=0.0005), postcode
        assert entry.district_code == ward_rows[postcode]["lad_code"]
    assert found["L36 9ZZ"].latitude is None and found["L36 9ZZ"].longitude is None


def test_an_ons_zip_loads_its_biggest_csv(session: Session, tmp_path: Path, ward_rows: Rows) -> None:
    chosen = onspd_postcodes(ward_rows)
    data = write_csv(tmp_path / "data.csv", ONSPD_HEADER, [onspd_row(ward_rows[p]) for p in chosen])
    codes = write_csv(tmp_path / "codes.csv", ["LAD25CD", "LAD25NM"], [[KNOWSLEY, "Knowsley"]])
    path = tmp_path / "ONSPD_TEST_2025_UK.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(codes, "Documents/LA_UA names and codes UK as at 04_25.csv")
        archive.write(data, "Data/ONSPD_TEST_UK.csv")
        archive.writestr("User Guide/readme.txt", "not a csv")

    result = load_release(session, path)

    assert result.release.source_file == "ONSPD_TEST_2025_UK.zip:Data/ONSPD_TEST_UK.csv"
    assert result.release.name == "ONSPD_TEST_2025_UK.zip:Data/ONSPD_TEST_UK.csv"
    assert result.release.row_count == len(chosen)
    assert result.release.source_format == "latitude and longitude"
    assert PostcodeStore(session).lookup(TERMINATED).terminated is True  # type: ignore[union-attr]


def test_a_zip_without_a_csv_is_refused(session: Session, tmp_path: Path) -> None:
    path = tmp_path / "nothing.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "no data here")

    with pytest.raises(DirectoryFileError, match=r"nothing\.zip has no CSV file in it"):
        load_release(session, path)


def test_a_gzipped_csv_loads(session: Session, tmp_path: Path, ward_rows: Rows) -> None:
    chosen = onspd_postcodes(ward_rows)
    path = write_csv(tmp_path / "onspd.csv.gz", ONSPD_HEADER, [onspd_row(ward_rows[p]) for p in chosen])
    assert path.read_bytes()[:2] == b"\x1f\x8b"

    result = load_release(session, path)

    assert result.release.source_file == "onspd.csv.gz"
    assert result.release.row_count == len(chosen)
    assert PostcodeStore(session).lookup("L36 9GD") == PostcodeRecord(
        "L36 9GD", 53.410696, -2.84173, KNOWSLEY, ROBY, False
    )


def test_a_utf8_byte_order_mark_before_the_header_is_ignored(session: Session, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "bom.csv",
        ["pcds", "lad25cd", "lat", "long"],
        [["L36 9GD", KNOWSLEY, "53.410696", "-2.84173"]],
        bom=True,
    )
    assert path.read_bytes()[:3] == b"\xef\xbb\xbf"

    result = load_release(session, path)

    assert result.release.row_count == 1
    assert PostcodeStore(session).lookup("L36 9GD") == PostcodeRecord(
        "L36 9GD", 53.410696, -2.84173, KNOWSLEY, None, None
    )


def test_rows_that_are_not_postcodes_are_skipped(session: Session, tmp_path: Path) -> None:
    path = tmp_path / "messy.csv"
    path.write_text(
        "pcds,lad25cd,lat,long\n"
        "L36 9GD,E08000011,53.410696,-2.84173\n"
        "NOT A POSTCODE,E08000011,53.4,-2.8\n"
        "L36,E08000011,53.4,-2.8\n"
        ",E08000011,53.4,-2.8\n"
        "\n"
        " , , , \n"
        "l369gd?,E08000011,53.4,-2.8\n"
        "cf101ep,W06000015,51.475764,-3.179217\n",
        encoding="utf-8",
    )

    result = load_release(session, path)

    assert result.release.row_count == 2
    assert set(session.scalars(select(Postcode.postcode))) == {"L36 9GD", "CF10 1EP"}


# --- Files that cannot be loaded ----------------------------------------------------------------

_POSTCODE_ALIASES = "the postcode (one of pcds, pcd, pcd7, pcd8, postcode)"
_DISTRICT_ALIASES = (
    "the local authority district code (one of lad25cd, lad24cd, lad23cd, oslaua, laua, lad_code, ladcd)"
)


@pytest.mark.parametrize(
    ("header", "wanted"),
    [
        (["pcds", "osward", "lat", "long"], _DISTRICT_ALIASES),
        (["lad25cd", "lat", "long"], _POSTCODE_ALIASES),
        (["pcds", "lad25cd", "long"], "the latitude (one of lat, latitude)"),
        (["pcds", "lad25cd", "lat"], "the longitude (one of long, lon, longitude, lng)"),
        (["pcds", "lad25cd", "east1m"], "the latitude (one of lat, latitude)"),
        (["name", "code"], f"{_POSTCODE_ALIASES}; {_DISTRICT_ALIASES}; the latitude (one of lat, latitude)"),
    ],
)
def test_a_missing_column_is_named_with_its_aliases_and_nothing_is_loaded(
    session: Session, tmp_path: Path, header: list[str], wanted: str
) -> None:
    path = write_csv(tmp_path / "bad.csv", header, [["L36 9GD", KNOWSLEY, "53.41"][: len(header)]])

    with pytest.raises(DirectoryFileError) as caught:
        load_release(session, path)
    session.rollback()

    assert str(caught.value) == f"bad.csv has no column for {wanted}. Nothing was loaded."
    assert _count(session, PostcodeRelease) == 0
    assert _count(session, Postcode) == 0


def test_a_failed_load_leaves_the_active_release_in_place(
    session: Session, sample_release: LoadResult, tmp_path: Path
) -> None:
    session.commit()
    path = write_csv(tmp_path / "no_district.csv", ["pcds", "lat", "long"], [["L36 9GD", "53.41", "-2.84"]])

    with pytest.raises(DirectoryFileError, match="local authority district code"):
        load_release(session, path)
    session.rollback()

    assert _count(session, PostcodeRelease) == 1
    assert active_release(session).id == sample_release.release.id  # type: ignore[union-attr]
    assert _count(session, Postcode) == sample_release.release.row_count


def test_an_empty_file_is_refused(session: Session, tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")

    with pytest.raises(DirectoryFileError, match=r"^empty.csv is empty. Nothing was loaded.$"):
        load_release(session, path)
    session.rollback()
    assert _count(session, PostcodeRelease) == 0


@pytest.mark.parametrize(
    "body",
    ["pcds,lad25cd,lat,long\n", "pcds,lad25cd,lat,long\nNOT A POSTCODE,E08000011,53.4,-2.8\n\n"],
    ids=["header only", "no real postcode"],
)
def test_a_file_with_no_postcodes_is_refused(session: Session, tmp_path: Path, body: str) -> None:
    path = tmp_path / "header.csv"
    path.write_text(body, encoding="utf-8")

    with pytest.raises(DirectoryFileError, match=r"^header.csv has no postcodes in it. Nothing was loaded.$"):
        load_release(session, path)
    session.rollback()
    assert _count(session, PostcodeRelease) == 0
    assert _count(session, Postcode) == 0


def test_a_short_row_is_refused_with_its_line_number(session: Session, tmp_path: Path) -> None:
    path = tmp_path / "short.csv"
    path.write_text(
        "pcds,lad25cd,lat,long\nL36 9GD,E08000011,53.410696,-2.84173\nL36 0AA,E08000011\n", encoding="utf-8"
    )

    with pytest.raises(DirectoryFileError) as caught:
        load_release(session, path)
    session.rollback()

    assert str(caught.value) == "short.csv, line 3: the row has 2 columns, expected 4"
    assert _count(session, Postcode) == 0


@pytest.mark.parametrize("which", ["postcodes", "wards"])
def test_a_file_that_does_not_exist_is_a_directory_file_error(session: Session, tmp_path: Path, which: str) -> None:
    """The command line turns DirectoryFileError into a message; any other error is a traceback."""
    missing = tmp_path / "ONSPD_MISSING.csv"
    path, wards = (missing, None) if which == "postcodes" else (SAMPLE, missing)

    with pytest.raises(DirectoryFileError, match=r"ONSPD_MISSING\.csv does not exist"):
        load_release(session, path, wards_from=wards)
