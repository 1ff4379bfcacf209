"""The deprivation index loaded with its postcode lookup (a release beside the active one, switched in one
transaction), looked up by postcode, and refused with a clear message when a file cannot be read.

The sample files hold real lines of the shipped files (seed_data/deprivation), so each expected decile is a real
fact: L36 9GD is in Knowsley 016C (decile 4), L10 0AQ in Knowsley 004B (decile 1), L1 0AA in Liverpool 037B
(decile 1), L31 4ET in West Lancashire 003A (decile 5).
"""

from __future__ import annotations

import gzip
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import DeprivationRelease, LsoaDeprivation, PostcodeLsoa
from app.services.spend.deprivation import (
    IMD_FILE,
    LOOKUP_FILE,
    SEED_RELEASE_NAME,
    DeprivationFileError,
    active_deprivation,
    imd_for_postcodes,
    load_deprivation,
    load_seed_deprivation,
    purge_inactive_deprivation,
    read_imd_rows,
)

NOW = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)
SEED_DIR = Path(__file__).resolve().parents[3] / "seed_data"

IMD_HEADER = (
    "\ufeffLSOA code (2011),LSOA name (2011),Local Authority District code (2019),"
    "Local Authority District name (2019),Index of Multiple Deprivation (IMD) Rank,"
    "Index of Multiple Deprivation (IMD) Decile"
)
IMD_LINES = [
    'E01006464,Knowsley 007D,E08000011,Knowsley,"5,444",2',
    'E01006474,Knowsley 016C,E08000011,Knowsley,"12,673",4',
    'E01006506,Knowsley 004B,E08000011,Knowsley,"2,983",1',
    'E01006515,Liverpool 037B,E08000012,Liverpool,"1,875",1',
    'E01025474,West Lancashire 003A,E07000127,West Lancashire,"13,554",5',
]
LOOKUP_HEADER = "pcd7,pcd8,pcds,dointr,doterm,usertype,oa11cd,lsoa11cd,msoa11cd,ladcd,lsoa11nm,msoa11nm,ladnm,ladnmw"
LOOKUP_LINES = [
    '"L1  0AA","L1   0AA","L1 0AA","201409","","0","E00033024","E01006515","E02001383","E08000012",'
    '"Liverpool 037B","Liverpool 037","Liverpool",""',
    '"L10 0AQ","L10  0AQ","L10 0AQ","198001","","1","E00032982","E01006506","E02001330","E08000011",'
    '"Knowsley 004B","Knowsley 004","Knowsley",""',
    '"L31 4ET","L31  4ET","L31 4ET","198001","","0","E00129287","E01025474","E02005306","E07000127",'
    '"West Lancashire 003A","West Lancashire 003","West Lancashire",""',
    '"L34 1AA","L34  1AA","L34 1AA","201609","","0","E00032774","E01006464","E02001333","E08000011",'
    '"Knowsley 007D","Knowsley 007","Knowsley",""',
    '"L36 9GD","L36  9GD","L36 9GD","199706","","0","E00032816","E01006474","E02001342","E08000011",'
    '"Knowsley 016C","Knowsley 016","Knowsley",""',
]
#: The postcodes of the sample, with their real LSOA and IMD 2019 decile.
SAMPLE_DECILES = {
    "L1 0AA": ("E01006515", 1),
    "L10 0AQ": ("E01006506", 1),
    "L31 4ET": ("E01025474", 5),
    "L34 1AA": ("E01006464", 2),
    "L36 9GD": ("E01006474", 4),
}


def write_file(path: Path, header: str, lines: list[str]) -> Path:
    """A CSV file (gzipped when the name ends .gz) with CRLF line ends, as ONS writes them."""
    text = "\r\n".join([header, *lines]) + "\r\n"
    if path.suffix == ".gz":
        path.write_bytes(gzip.compress(text.encode("utf-8")))
    else:
        path.write_text(text, encoding="utf-8", newline="")
    return path


def write_sample(folder: Path) -> tuple[Path, Path]:
    """The sample IMD file and postcode lookup, written into ``folder``: (imd, lookup)."""
    return (
        write_file(folder / "imd.csv.gz", IMD_HEADER, IMD_LINES),
        write_file(folder / "lookup.csv.gz", LOOKUP_HEADER, LOOKUP_LINES),
    )


def load_sample(session: Session, folder: Path) -> DeprivationRelease:
    imd, lookup = write_sample(folder)
    return load_deprivation(session, imd, lookup, NOW, name="IMD 2019 sample", lookup_name="ONS sample").release


def test_a_release_loads_and_gives_each_postcode_its_lsoa_and_decile(session: Session, tmp_path: Path) -> None:
    seen: list[tuple[int, float]] = []
    imd, lookup = write_sample(tmp_path)
    result = load_deprivation(session, imd, lookup, NOW, progress=lambda rows, share: seen.append((rows, share)))
    release = result.release
    assert result.created and result.replaced == []
    assert release.active and release.loaded_at == NOW
    assert release.name == "Index of Multiple Deprivation from imd.csv.gz"
    assert release.postcode_lookup == "lookup.csv.gz"
    assert {k: v for k, v in release.counts.items() if k != "sha256"} == {
        "lsoas": 5,
        "postcodes": 5,
        "postcodes_with_decile": 5,
    }
    assert seen[-1] == (5, 1.0)
    assert active_deprivation(session) is release
    assert imd_for_postcodes(session, [*SAMPLE_DECILES, "SW1A 1AA", ""]) == SAMPLE_DECILES
    rank = session.scalar(select(LsoaDeprivation.imd_rank).where(LsoaDeprivation.lsoa_code == "E01006474"))
    assert rank == 12_673  # "12,673" in the file


def test_the_same_files_again_change_nothing(session: Session, tmp_path: Path) -> None:
    first = load_sample(session, tmp_path)
    imd, lookup = write_sample(tmp_path)
    again = load_deprivation(session, imd, lookup, NOW)
    assert not again.created and again.release is first
    assert session.scalar(select(func.count()).select_from(DeprivationRelease)) == 1


def test_a_new_release_replaces_the_active_one_and_the_old_rows_can_be_purged(session: Session, tmp_path: Path) -> None:
    first = load_sample(session, tmp_path)
    # The next release says L36 9GD's LSOA is in the 3rd decile.
    changed = [line.replace('"12,673",4', '"9,000",3') for line in IMD_LINES]
    imd = write_file(tmp_path / "imd-next.csv", IMD_HEADER, changed)
    lookup = write_file(tmp_path / "lookup-next.csv", LOOKUP_HEADER, LOOKUP_LINES)
    result = load_deprivation(session, imd, lookup, NOW, name="IMD next")
    assert result.created and result.replaced == ["IMD 2019 sample"]
    assert not first.active and result.release.active
    assert imd_for_postcodes(session, ["L36 9GD"]) == {"L36 9GD": ("E01006474", 3)}
    assert purge_inactive_deprivation(session) == 1
    assert session.scalar(select(func.count()).select_from(PostcodeLsoa)) == 5
    assert session.scalar(select(func.count()).select_from(LsoaDeprivation)) == 5
    assert purge_inactive_deprivation(session) == 0


def test_no_release_means_no_deciles(session: Session) -> None:
    assert active_deprivation(session) is None
    assert imd_for_postcodes(session, ["L36 9GD"]) == {}


def test_the_2025_index_by_lsoa_2021_reads_by_its_own_headings() -> None:
    lines = [
        "lsoa21_code,IMD_decile,Income_decile,IMD_rank,IMD_score",
        "E01006474,8,8,24805,10.2",
        "E01006506,2,3,4339,40.1",
    ]
    assert list(read_imd_rows(lines, "imd2025.csv")) == [("E01006474", 24805, 8), ("E01006506", 4339, 2)]


@pytest.mark.parametrize(
    ("imd", "lookup", "message"),
    [
        ([], LOOKUP_LINES, "imd.csv is empty. Nothing was loaded."),
        (
            ["LSOA code (2011),Decile", "E01006474,4"],
            LOOKUP_LINES,
            "imd.csv has no column for the IMD rank or the IMD decile. Nothing was loaded.",
        ),
        ([IMD_HEADER], LOOKUP_LINES, "imd.csv has no LSOAs in it. Nothing was loaded."),
        (
            [IMD_HEADER, 'E01006474,Knowsley 016C,E08000011,Knowsley,"12,673",11'],
            LOOKUP_LINES,
            "imd.csv, line 2: '11' is not a decile (1 to 10)",
        ),
        (
            [IMD_HEADER, "E01006474,Knowsley 016C,E08000011,Knowsley,many,4"],
            LOOKUP_LINES,
            "imd.csv, line 2: 'many' is not an IMD rank",
        ),
        (
            [IMD_HEADER, "Knowsley 016C,Knowsley 016C,E08000011,Knowsley,12673,4"],
            LOOKUP_LINES,
            "imd.csv, line 2: 'Knowsley 016C' is not an LSOA code",
        ),
        ([IMD_HEADER, IMD_LINES[1], IMD_LINES[1]], LOOKUP_LINES, "imd.csv gives LSOA E01006474 twice"),
        ([IMD_HEADER, *IMD_LINES], ["pcds,oa11cd", "L36 9GD,E00032816"], "lookup.csv has no column for the LSOA code"),
        ([IMD_HEADER, *IMD_LINES], [LOOKUP_HEADER], "lookup.csv has no postcodes with an LSOA in it"),
        # LSOAs of 2021 against an index by LSOA 2011: none of them is there.
        (
            [IMD_HEADER, *IMD_LINES],
            ["pcds,lsoa21cd", "L36 9GD,E01035000"],
            "None of the LSOAs in lookup.csv are in the deprivation file: are they from different LSOA years",
        ),
    ],
)
def test_files_that_cannot_be_loaded_are_refused_and_leave_the_active_release(
    session: Session, tmp_path: Path, imd: list[str], lookup: list[str], message: str
) -> None:
    active = load_sample(session, tmp_path)
    imd_path = tmp_path / "imd.csv"
    imd_path.write_text("\n".join(imd), encoding="utf-8")
    lookup_path = tmp_path / "lookup.csv"
    lookup_path.write_text("\n".join(lookup), encoding="utf-8")
    # The caller rolls back, as the command does.
    with pytest.raises(DeprivationFileError) as refused, session.begin_nested():
        load_deprivation(session, imd_path, lookup_path, NOW)
    assert message in str(refused.value)
    assert active_deprivation(session) is active
    assert imd_for_postcodes(session, ["L36 9GD"]) == {"L36 9GD": ("E01006474", 4)}


def test_a_missing_file_is_named(session: Session, tmp_path: Path) -> None:
    imd, _lookup = write_sample(tmp_path)
    with pytest.raises(DeprivationFileError, match=r"nowhere\.csv does not exist\. Nothing was loaded\."):
        load_deprivation(session, imd, tmp_path / "nowhere.csv", NOW)


def test_a_seed_directory_without_the_files_loads_none(session: Session, tmp_path: Path) -> None:
    assert load_seed_deprivation(session, tmp_path) is None
    assert active_deprivation(session) is None


@pytest.mark.skipif(not (SEED_DIR / IMD_FILE).is_file(), reason="the shipped deprivation files are not here")
def test_the_shipped_release_loads_whole(session: Session) -> None:
    """The files in seed_data: every LSOA in England and every North West postcode, each with a decile."""
    result = load_seed_deprivation(session, SEED_DIR)
    assert result is not None and result.created
    release = result.release
    assert release.name == SEED_RELEASE_NAME
    assert release.counts["lsoas"] == 32_844
    assert release.counts["postcodes"] == release.counts["postcodes_with_decile"] == 301_961
    assert imd_for_postcodes(session, SAMPLE_DECILES) == SAMPLE_DECILES
    assert (SEED_DIR / LOOKUP_FILE).is_file()
    again = load_seed_deprivation(session, SEED_DIR)
    assert again is not None and not again.created
