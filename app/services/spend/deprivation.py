"""How deprived the place a supplier works from is: the English Indices of Deprivation by LSOA, and the ONS postcode
to LSOA lookup, loaded as one release beside the active one and switched on in the same transaction.

The Preston method reports spend with suppliers in the most deprived areas: a supplier's site postcode gives its
LSOA (lower layer super output area, about 1,500 people), and the LSOA its IMD rank and decile (1 = the 10% most
deprived in England). Both files are streamed in; neither is held whole in memory.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import delete, insert, select, text, update
from sqlalchemy.orm import Session

from app.domain.postcodes import try_normalise_postcode
from app.geo.postcode_directory import DirectoryFileError, file_sha256, open_directory_file
from app.models import DeprivationRelease, LsoaDeprivation, PostcodeLsoa

#: Hears the rows loaded so far and the share of the file being read (0 to 1).
Progress = Callable[[int, float], None]

#: The files shipped in seed_data/ (see seed_data/README.md), relative to the seed directory.
IMD_FILE = "deprivation/File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv.gz"
LOOKUP_FILE = "deprivation/PCD_OA_LSOA_MSOA_LAD_MAY22_NorthWest.csv.gz"
SEED_RELEASE_NAME = "English Indices of Deprivation 2019 (LSOA 2011)"
SEED_LOOKUP_NAME = "ONS postcode to LSOA 2011 lookup, May 2022 (North West England)"

CHUNK_SIZE = 20_000
LOOKUP_BATCH = 500
DECILES = range(1, 11)

# Headings as the IMD files and ONS lookups write them, compared with case, spaces and punctuation taken out.
_LSOA_HEADINGS = ("lsoacode2011", "lsoa11cd", "lsoa11code", "lsoacode2021", "lsoa21cd", "lsoa21code", "lsoacode")
_RANK_HEADINGS = ("indexofmultipledeprivationimdrank", "imdrank", "indexofmultipledeprivationrank")
_DECILE_HEADINGS = ("indexofmultipledeprivationimddecile", "imddecile", "indexofmultipledeprivationdecile")
_POSTCODE_HEADINGS = ("pcds", "pcd7", "pcd8", "pcd", "postcode")
_LOOKUP_LSOA_HEADINGS = ("lsoa11cd", "lsoa21cd", "lsoa11code", "lsoa21code", "lsoacode", "lsoacd", "lsoa11", "lsoa21")
_LSOA_CODE = re.compile(r"[EW]0[1-9]\d{6}")
# A postcode as ONS writes it (upper case, one space): taken as it is, skipping the general parser.
_CANONICAL_POSTCODE = re.compile(r"[A-Z]{1,2}[0-9][0-9A-Z]? [0-9][A-Z]{2}")


class DeprivationFileError(ValueError):
    """A deprivation or lookup file that cannot be loaded; the message says what is wrong. Nothing was loaded."""


@dataclass(frozen=True)
class DeprivationLoad:
    release: DeprivationRelease
    #: False when the same files were already the active release (nothing changed).
    created: bool
    replaced: list[str]


def _squash(heading: str) -> str:
    return re.sub(r"[^a-z0-9]", "", heading.strip().lstrip("\ufeff").lower())


def _column(header: list[str], wanted: tuple[str, ...], *, prefix: bool = False) -> int | None:
    squashed = [_squash(h) for h in header]
    for alias in wanted:
        for index, heading in enumerate(squashed):
            if heading == alias or (prefix and heading.startswith(alias)):
                return index
    return None


def _whole_number(text: str) -> int | None:
    cleaned = text.strip().replace(",", "")
    if not cleaned.isascii() or not cleaned.isdigit():
        return None
    return int(cleaned)


def read_imd_rows(handle: Iterable[str], source: str) -> Iterator[tuple[str, int, int]]:
    """(LSOA code, IMD rank, IMD decile) for each LSOA of an IMD file (File 1 of the English Indices, or a
    redistribution with ``lsoa21_code``, ``IMD_rank``, ``IMD_decile``)."""
    reader = csv.reader(handle)
    header = next(reader, None)
    if header is None:
        raise DeprivationFileError(f"{source} is empty. Nothing was loaded.")
    lsoa_at = _column(header, _LSOA_HEADINGS)
    rank_at = _column(header, _RANK_HEADINGS, prefix=True)
    decile_at = _column(header, _DECILE_HEADINGS, prefix=True)
    missing = [
        words
        for at, words in ((lsoa_at, "the LSOA code"), (rank_at, "the IMD rank"), (decile_at, "the IMD decile"))
        if at is None
    ]
    if missing:
        raise DeprivationFileError(f"{source} has no column for {' or '.join(missing)}. Nothing was loaded.")
    assert lsoa_at is not None and rank_at is not None and decile_at is not None
    width = max(lsoa_at, rank_at, decile_at) + 1
    for line_number, row in enumerate(reader, start=2):
        if not "".join(row).strip():
            continue
        if len(row) < width:
            raise DeprivationFileError(
                f"{source}, line {line_number}: the row has {len(row)} columns, expected {width}"
            )
        lsoa, rank, decile = row[lsoa_at].strip(), _whole_number(row[rank_at]), _whole_number(row[decile_at])
        if not _LSOA_CODE.fullmatch(lsoa):
            raise DeprivationFileError(f"{source}, line {line_number}: {row[lsoa_at]!r} is not an LSOA code")
        if rank is None or rank < 1:
            raise DeprivationFileError(f"{source}, line {line_number}: {row[rank_at]!r} is not an IMD rank")
        if decile is None or decile not in DECILES:
            raise DeprivationFileError(f"{source}, line {line_number}: {row[decile_at]!r} is not a decile (1 to 10)")
        yield lsoa, rank, decile


def read_lookup_rows(handle: Iterable[str], source: str) -> Iterator[tuple[str, str]]:
    """(postcode, LSOA code) for each postcode of an ONS postcode lookup; postcodes with no LSOA are left out."""
    reader = csv.reader(handle)
    header = next(reader, None)
    if header is None:
        raise DeprivationFileError(f"{source} is empty. Nothing was loaded.")
    postcode_at = _column(header, _POSTCODE_HEADINGS)
    lsoa_at = _column(header, _LOOKUP_LSOA_HEADINGS)
    missing = [words for at, words in ((postcode_at, "the postcode"), (lsoa_at, "the LSOA code")) if at is None]
    if missing:
        raise DeprivationFileError(f"{source} has no column for {' or '.join(missing)}. Nothing was loaded.")
    assert postcode_at is not None and lsoa_at is not None
    width = max(postcode_at, lsoa_at) + 1
    canonical, lsoa_code = _CANONICAL_POSTCODE.fullmatch, _LSOA_CODE.fullmatch
    for line_number, row in enumerate(reader, start=2):
        if len(row) < width:
            if not "".join(row).strip():
                continue
            raise DeprivationFileError(
                f"{source}, line {line_number}: the row has {len(row)} columns, expected {width}"
            )
        raw = row[postcode_at]
        postcode = raw if canonical(raw) else try_normalise_postcode(raw)
        lsoa = row[lsoa_at].strip()
        if postcode is None or not lsoa_code(lsoa):
            continue  # placeholders, and postcodes outside England and Wales (no LSOA)
        yield postcode, lsoa


def active_deprivation(session: Session) -> DeprivationRelease | None:
    """The deprivation release the classification uses, or None when none is loaded."""
    return session.scalar(select(DeprivationRelease).where(DeprivationRelease.active.is_(True)))


def load_deprivation(
    session: Session,
    imd_path: Path,
    postcode_lsoa_path: Path,
    now: datetime | None,
    *,
    progress: Progress | None = None,
    name: str | None = None,
    lookup_name: str | None = None,
) -> DeprivationLoad:
    """Load an IMD file and a postcode to LSOA lookup as a new release and make it the active one, in the caller's
    transaction (the caller commits; a failure leaves the active release as it was).

    The same two files already active are left alone (``created`` False). ``now`` is when it was loaded (None: the
    time the row is written). Old releases stay until :func:`purge_inactive_deprivation`.
    """
    for given in (imd_path, postcode_lsoa_path):
        if not given.is_file():
            raise DeprivationFileError(f"{given} does not exist. Nothing was loaded.")
    fingerprint = f"{file_sha256(imd_path)}+{file_sha256(postcode_lsoa_path)}"
    current = active_deprivation(session)
    if current is not None and current.counts.get("sha256") == fingerprint:
        return DeprivationLoad(current, created=False, replaced=[])
    release = DeprivationRelease(
        name=(name or f"Index of Multiple Deprivation from {imd_path.name}")[:200],
        postcode_lookup=(lookup_name or postcode_lsoa_path.name)[:200],
        active=False,
        counts={},
    )
    if now is not None:
        release.loaded_at = now
    session.add(release)
    session.flush()
    try:
        deciles = _load_imd(session, release.id, imd_path)
        counts = _load_lookup(session, release.id, postcode_lsoa_path, deciles, progress)
    except DirectoryFileError as error:
        raise DeprivationFileError(str(error)) from error
    replaced = [r.name for r in session.scalars(select(DeprivationRelease).where(DeprivationRelease.active.is_(True)))]
    session.execute(update(DeprivationRelease).where(DeprivationRelease.id != release.id).values(active=False))
    release.active = True
    release.counts = {"sha256": fingerprint, "lsoas": len(deciles), **counts}
    session.flush()
    if session.get_bind().dialect.name == "postgresql":
        # Fresh statistics for the new rows, so lookups use the primary key from the first one.
        session.execute(text("ANALYZE postcode_lsoas"))
        session.execute(text("ANALYZE lsoa_deprivation"))
    return DeprivationLoad(release, created=True, replaced=replaced)


def _load_imd(session: Session, release_id: int, path: Path) -> dict[str, int]:
    """Insert the LSOAs' ranks and deciles; returns LSOA code -> decile (some 33,000, for counting the lookup)."""
    deciles: dict[str, int] = {}
    rows = []
    with open_directory_file(path) as opened:
        for lsoa, rank, decile in read_imd_rows(opened.handle, opened.source):
            if lsoa in deciles:
                raise DeprivationFileError(f"{opened.source} gives LSOA {lsoa} twice. Nothing was loaded.")
            deciles[lsoa] = decile
            rows.append({"release_id": release_id, "lsoa_code": lsoa, "imd_rank": rank, "imd_decile": decile})
        if not rows:
            raise DeprivationFileError(f"{opened.source} has no LSOAs in it. Nothing was loaded.")
    for start in range(0, len(rows), CHUNK_SIZE):
        session.execute(insert(LsoaDeprivation), rows[start : start + CHUNK_SIZE])
    return deciles


def _load_lookup(
    session: Session, release_id: int, path: Path, deciles: dict[str, int], progress: Progress | None
) -> dict[str, int]:
    postcodes = with_decile = 0
    with open_directory_file(path) as opened:
        source = opened.source

        def counted() -> Iterator[tuple[str, str]]:
            nonlocal postcodes, with_decile
            for postcode, lsoa in read_lookup_rows(opened.handle, source):
                postcodes += 1
                if lsoa in deciles:
                    with_decile += 1
                yield postcode, lsoa

        def chunk_done(total: int) -> None:
            if progress:
                progress(total, opened.share_read())

        _bulk_insert_postcodes(session, release_id, counted(), chunk_done)
    if postcodes == 0:
        raise DeprivationFileError(f"{source} has no postcodes with an LSOA in it. Nothing was loaded.")
    if with_decile == 0:
        raise DeprivationFileError(
            f"None of the LSOAs in {source} are in the deprivation file: are they from different LSOA years "
            "(2011 and 2021)? Nothing was loaded."
        )
    if progress:
        progress(postcodes, 1.0)
    return {"postcodes": postcodes, "postcodes_with_decile": with_decile}


def _bulk_insert_postcodes(
    session: Session, release_id: int, rows: Iterable[tuple[str, str]], chunk_done: Callable[[int], None]
) -> None:
    """COPY on PostgreSQL, the driver's executemany on SQLite, SQLAlchemy's executemany elsewhere."""
    connection = session.connection()
    dialect = connection.dialect.name
    driver = connection.connection.driver_connection
    total = 0
    if dialect == "postgresql":
        with (
            driver.cursor() as cursor,  # type: ignore[union-attr]
            cursor.copy("COPY postcode_lsoas (release_id, postcode, lsoa_code) FROM STDIN") as copy,
        ):
            for postcode, lsoa in rows:
                copy.write_row((release_id, postcode, lsoa))
                total += 1
                if total % CHUNK_SIZE == 0:
                    chunk_done(total)
        chunk_done(total)
        return
    chunk: list[tuple[int, str, str]] = []
    if dialect == "sqlite":
        cursor = driver.cursor()  # type: ignore[union-attr]
        try:
            for postcode, lsoa in rows:
                chunk.append((release_id, postcode, lsoa))
                if len(chunk) >= CHUNK_SIZE:
                    cursor.executemany(
                        "INSERT INTO postcode_lsoas (release_id, postcode, lsoa_code) VALUES (?, ?, ?)", chunk
                    )
                    total += len(chunk)
                    chunk = []
                    chunk_done(total)
            if chunk:
                cursor.executemany(
                    "INSERT INTO postcode_lsoas (release_id, postcode, lsoa_code) VALUES (?, ?, ?)", chunk
                )
                total += len(chunk)
            chunk_done(total)
        finally:
            cursor.close()
        return
    for postcode, lsoa in rows:
        chunk.append((release_id, postcode, lsoa))
        if len(chunk) >= CHUNK_SIZE:
            _insert_chunk(session, chunk)
            total += len(chunk)
            chunk = []
            chunk_done(total)
    if chunk:
        _insert_chunk(session, chunk)
        total += len(chunk)
    chunk_done(total)


def _insert_chunk(session: Session, chunk: list[tuple[int, str, str]]) -> None:
    session.execute(insert(PostcodeLsoa), [{"release_id": r, "postcode": p, "lsoa_code": lsoa} for r, p, lsoa in chunk])


def purge_inactive_deprivation(session: Session) -> int:
    """Delete the rows of releases that are no longer active; returns how many releases went."""
    old = list(session.scalars(select(DeprivationRelease.id).where(DeprivationRelease.active.is_(False))))
    if old:
        session.execute(delete(PostcodeLsoa).where(PostcodeLsoa.release_id.in_(old)))
        session.execute(delete(LsoaDeprivation).where(LsoaDeprivation.release_id.in_(old)))
        session.execute(delete(DeprivationRelease).where(DeprivationRelease.id.in_(old)))
    return len(old)


def imd_for_postcodes(session: Session, postcodes: Iterable[str]) -> dict[str, tuple[str, int]]:
    """Postcode -> (LSOA code, IMD decile) in the active release, for the postcodes it knows (normalised postcodes,
    'L36 9GD'). Empty when no release is loaded."""
    wanted = sorted({p for p in postcodes if p})
    release_id = session.scalar(select(DeprivationRelease.id).where(DeprivationRelease.active.is_(True)))
    found: dict[str, tuple[str, int]] = {}
    if release_id is None or not wanted:
        return found
    for start in range(0, len(wanted), LOOKUP_BATCH):
        rows = session.execute(
            select(PostcodeLsoa.postcode, PostcodeLsoa.lsoa_code, LsoaDeprivation.imd_decile)
            .join(
                LsoaDeprivation,
                (LsoaDeprivation.release_id == PostcodeLsoa.release_id)
                & (LsoaDeprivation.lsoa_code == PostcodeLsoa.lsoa_code),
            )
            .where(
                PostcodeLsoa.release_id == release_id, PostcodeLsoa.postcode.in_(wanted[start : start + LOOKUP_BATCH])
            )
        )
        for postcode, lsoa, decile in rows:
            found[postcode] = (lsoa, decile)
    return found


def load_seed_deprivation(session: Session, seed_dir: Path) -> DeprivationLoad | None:
    """The deprivation release shipped in ``seed_dir`` (``deprivation/``), loaded once; None when the files are not
    there (a seed directory without them loads everything else)."""
    imd, lookup = seed_dir / IMD_FILE, seed_dir / LOOKUP_FILE
    if not imd.is_file() or not lookup.is_file():
        return None
    return load_deprivation(session, imd, lookup, None, name=SEED_RELEASE_NAME, lookup_name=SEED_LOOKUP_NAME)
