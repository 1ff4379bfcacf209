"""The postcode directory's bulk paths (the one-pass reader, COPY and executemany, lookups in SQL) give the same
answers as the plain reading of the files they replaced, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import gzip
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.postcodes import try_normalise_postcode
from app.geo import postcode_directory
from app.geo.postcode_directory import (
    DirectoryFileError,
    LoadResult,
    PostcodeStore,
    active_release,
    load_release,
    read_directory_rows,
)
from app.models import OutcodeCentroid, Postcode, PostcodeRelease
from tests.geo.conftest import (
    KNOWSLEY,
    NO_POINT,
    SAMPLE,
    TERMINATED,
    WARDS,
    onspd_postcodes,
    write_csv,
)

Rows = dict[str, dict[str, str]]


def _read(path: Path) -> list[dict[str, str]]:
    with gzip.open(path, "rt", encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _code(text: str) -> str | None:
    text = text.strip()
    return None if not text or text.endswith("99999999") else text


def _expected_release() -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    """The sample's rows and centroids worked out the plain way: a row at a time, a district's sums in file order."""
    wards: dict[str, str] = {}
    for row in _read(WARDS):
        postcode, ward = try_normalise_postcode(row["pcd7"]), _code(row["ward_code_derived"])
        if postcode and ward:
            wards[postcode] = ward
    rows = []
    sums: dict[str, list[float]] = {}
    districts: dict[str, Counter[str]] = defaultdict(Counter)
    for row in _read(SAMPLE):
        postcode = try_normalise_postcode(row["postcode"])
        assert postcode is not None
        outcode = postcode.split(" ")[0]
        latitude = float(row["lat"]) if row["lat"] else None
        longitude = float(row["lon"]) if row["lon"] else None
        district = _code(row["lad_code"])
        rows.append((postcode, outcode, latitude, longitude, district, wards.get(postcode), None))
        if latitude is not None and longitude is not None:
            if outcode in sums:
                sums[outcode][0] += latitude
                sums[outcode][1] += longitude
                sums[outcode][2] += 1
            else:
                sums[outcode] = [latitude, longitude, 1]
            if district:
                districts[outcode][district] += 1
    centroids = []
    for outcode, (sum_latitude, sum_longitude, count) in sums.items():
        main = districts[outcode].most_common(1)
        share = round(main[0][1] / sum(districts[outcode].values()), 4) if main else None
        centroids.append(
            (
                outcode,
                round(sum_latitude / count, 6),
                round(sum_longitude / count, 6),
                count,
                main[0][0] if main else None,
                share,
            )
        )
    return sorted(rows), sorted(centroids)  # type: ignore[arg-type]


def test_the_loaded_release_is_the_sample_row_for_row(session: Session, sample_release: LoadResult) -> None:
    release_id = sample_release.release.id
    expected_rows, expected_centroids = _expected_release()

    rows = session.execute(
        select(
            Postcode.postcode,
            Postcode.outcode,
            Postcode.latitude,
            Postcode.longitude,
            Postcode.district_code,
            Postcode.ward_code,
            Postcode.terminated,
        )
        .where(Postcode.release_id == release_id)
        .order_by(Postcode.postcode)
    ).all()
    centroids = session.execute(
        select(
            OutcodeCentroid.outcode,
            OutcodeCentroid.latitude,
            OutcodeCentroid.longitude,
            OutcodeCentroid.postcode_count,
            OutcodeCentroid.main_district_code,
            OutcodeCentroid.main_district_share,
        )
        .where(OutcodeCentroid.release_id == release_id)
        .order_by(OutcodeCentroid.outcode)
    ).all()

    assert [tuple(r) for r in rows] == expected_rows
    assert [tuple(c) for c in centroids] == expected_centroids  # exactly: the same sums in the same order
    release = sample_release.release
    assert release.row_count == len(expected_rows) == 14_780
    assert release.with_coordinates == sum(1 for r in expected_rows if r[2] is not None)
    assert release.with_wards == sum(1 for r in expected_rows if r[5] is not None)


def test_rows_are_read_the_same_in_small_chunks_as_in_one(tmp_path: Path) -> None:
    with gzip.open(SAMPLE, "rt", encoding="utf-8-sig", newline="") as handle:
        whole = list(read_directory_rows(handle, "sample"))
    with gzip.open(SAMPLE, "rt", encoding="utf-8-sig", newline="") as handle:
        reader = postcode_directory.DirectoryReader(handle, "sample")
        chunks = list(reader.chunks(1_000))

    assert [len(c) for c in chunks] == [1_000] * 14 + [780]
    assert [row for chunk in chunks for row in chunk] == whole
    assert (reader.total, reader.with_points, reader.with_wards) == (14_780, 14_776, 0)


@pytest.mark.parametrize(
    "written",
    [
        "L36 9GD",
        "L1  0AA",  # pcd7: a short outcode padded to seven characters
        "L1 0AA ",
        " l36 9gd",
        "L369GD",
        "L36\u00a09GD",
        "L36-9GD",
        "L36 OGD",  # letter O for the zero of the inward code
        "GIR 0AA",
        "L36 9G",
        "L36",
        "NOT A POSTCODE",
        "",
    ],
)
def test_a_postcode_is_read_as_the_general_parser_reads_it(written: str) -> None:
    text = f"pcds,lad25cd,lat,long\n{written},{KNOWSLEY},53.410696,-2.84173\n".splitlines(keepends=True)

    rows = list(read_directory_rows(text, "one.csv"))

    expected = try_normalise_postcode(written)
    assert [r[:2] for r in rows] == ([(expected, expected.split(" ")[0])] if expected else [])


@pytest.mark.parametrize(
    ("lat", "lon", "point"),
    [
        ("53.410696", "-2.84173", (53.410696, -2.84173)),
        (" 53.410696 ", "-2.84173", (53.410696, -2.84173)),
        ("99.999999", "0.000000", None),  # ONS's 'no location'
        ("", "", None),
        ("53.41", "", None),
        ("north", "-2.84", None),
    ],
)
def test_a_point_is_read_as_before(lat: str, lon: str, point: tuple[float, float] | None) -> None:
    text = f"pcds,lad25cd,lat,long\nL36 9GD,{KNOWSLEY},{lat},{lon}\n".splitlines(keepends=True)

    (row,) = read_directory_rows(text, "one.csv")

    assert ((row[2], row[3]) if row[2] is not None else None) == point
    assert (row[2] is None) == (row[3] is None)


# --- Lookups --------------------------------------------------------------------------------------


def test_bulk_lookups_answer_as_single_lookups_do(
    session: Session, sample_release: LoadResult, sample_rows: Rows
) -> None:
    known = sorted(sample_rows)
    asked = [
        *known,
        *known[:100],  # asked twice
        *(p.lower() for p in known[:50]),  # lookups take normalised postcodes only: these are not found
        *(p.replace(" ", "") for p in known[50:100]),
        *(f" {p}" for p in known[100:120]),
        *(f"{p[:-2]}ZZ" for p in known[:200]),  # well formed, mostly not in the directory
        "ZZ9 9ZZ",
        "",
        "L36 9GDXXXXXXXXXX",
    ]
    store = PostcodeStore(session)

    found = store.lookup_many(asked)

    one_by_one = {p: store.lookup(p) for p in dict.fromkeys(asked)}
    assert found == {p: entry for p, entry in one_by_one.items() if entry is not None}
    assert set(found) >= set(known)
    assert "l36 9gd" not in found and "L369GD" not in found


@pytest.mark.parametrize("size", [1, 2, 8, 9, 64, 65, 499, 500, 501, 1_001])
def test_bulk_lookups_of_any_size_find_each_postcode_once(
    session: Session, sample_release: LoadResult, sample_rows: Rows, size: int
) -> None:
    asked = sorted(sample_rows)[-size:]

    found = PostcodeStore(session).lookup_many(reversed(asked))

    assert sorted(found) == asked
    assert all(found[p].postcode == p for p in asked)


@pytest.mark.parametrize(
    "odd",
    [["L36 9GD\nCF10 1EP"], ["L36 9GD,CF10 1EP"], ["L36 9GD\nCF10 1EP", ""], [""], ["\n"]],
    ids=["line break", "comma", "line break and empty", "empty", "only a line break"],
)
def test_postcodes_run_together_in_one_string_find_nothing(
    session: Session, sample_release: LoadResult, odd: list[str]
) -> None:
    store = PostcodeStore(session)

    assert store.lookup_many(odd) == {}
    assert set(store.lookup_many([*odd, "SW1A 1AA"])) == {"SW1A 1AA"}


def test_bulk_lookups_give_the_same_types_as_single_lookups(
    session: Session, onspd_file: Path, ward_rows: Rows
) -> None:
    load_release(session, onspd_file)
    store = PostcodeStore(session)
    chosen = onspd_postcodes(ward_rows)

    found = store.lookup_many(chosen)

    assert len(found) == len(chosen)
    for postcode in chosen:
        single = store.lookup(postcode)
        assert found[postcode] == single
        assert [type(v) for v in found[postcode]] == [type(v) for v in single]  # type: ignore[union-attr]
    assert found[TERMINATED].terminated is True
    assert found[NO_POINT].terminated is False and found[NO_POINT].latitude is None


def test_bulk_lookups_with_nothing_asked_or_no_release_find_nothing(
    session: Session, sample_release: LoadResult
) -> None:
    assert PostcodeStore(session).lookup_many([]) == {}
    session.rollback()

    assert PostcodeStore(session).lookup_many(["L36 9GD"]) == {}


# --- A load that fails part way -------------------------------------------------------------------


def test_a_load_that_fails_part_way_leaves_the_active_release_untouched(
    session: Session, sample_release: LoadResult, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    session.commit()
    active = sample_release.release
    before = PostcodeStore(session).lookup_many(["L36 9GD", "CF10 1EP"])
    # Three chunks go to the database before the short row on line 152 stops the load.
    monkeypatch.setattr(postcode_directory, "CHUNK_SIZE", 50)
    rows = [[f"L36 {d}{a}{b}", KNOWSLEY, "53.41", "-2.84"] for d in "0123" for a in "ABDE" for b in "ABDEFGHJLN"]
    rows.insert(150, ["L36 9GD", KNOWSLEY])
    path = write_csv(tmp_path / "broken.csv", ["pcds", "lad25cd", "lat", "long"], rows)

    with pytest.raises(DirectoryFileError) as caught:
        load_release(session, path)
    session.rollback()

    assert str(caught.value) == "broken.csv, line 152: the row has 2 columns, expected 4"
    assert active_release(session).id == active.id  # type: ignore[union-attr]
    assert session.scalars(select(PostcodeRelease.id)).all() == [active.id]
    assert len(session.scalars(select(Postcode.postcode)).all()) == active.row_count
    assert PostcodeStore(session).lookup_many(["L36 9GD", "CF10 1EP"]) == before


def test_a_ward_file_that_fails_leaves_the_active_release_untouched(
    session: Session, sample_release: LoadResult, tmp_path: Path
) -> None:
    session.commit()
    wards = tmp_path / "wards.csv"
    wards.write_text("pcds,lad25cd,osward,lat,long\nL36 9GD,E08000011,E05010942,53.4,-2.8\nL36 9GE\n", encoding="utf-8")

    with pytest.raises(DirectoryFileError, match=r"^wards.csv, line 3: the row has 1 columns, expected 5$"):
        load_release(session, SAMPLE, wards_from=wards)
    session.rollback()

    assert active_release(session).id == sample_release.release.id  # type: ignore[union-attr]
    assert session.scalars(select(PostcodeRelease.id)).all() == [sample_release.release.id]
