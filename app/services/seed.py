"""Loading reference data and demo data from ``seed_data/``.

Both loaders are idempotent: run them again and nothing is created or changed, and the report
says so. They never commit: the caller owns the transaction. No Flask here, so the command line,
tests and jobs can all call them with a plain SQLAlchemy session.

Sources and licences of every file are in ``seed_data/README.md``.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import insert, or_, select, update
from sqlalchemy.orm import Session, undefer

from app.domain.bands import (
    Band,
    BandValues,
    band_date_problem,
    band_set_issues_by_date,
    band_value_problems,
    change_dates,
)
from app.domain.imports.lifecycle import ImportStatus
from app.domain.legal_forms import form_from_words, registrar_scheme
from app.domain.names import normalise_words
from app.domain.policy import (
    AreaKind,
    ContractType,
    LocalAreaDefinition,
    LocalityRule,
    Reservation,
    Threshold,
    VatBasis,
    parse_pounds,
)
from app.domain.postcodes import try_normalise_postcode
from app.domain.providers import (
    EvidenceState,
    FactKind,
    IdentifierError,
    LegalForm,
    ProviderSource,
    ProviderStatus,
    SiteKind,
    org_id,
)
from app.domain.roles import COUNCIL_ROLES, Role
from app.domain.spend.lifecycle import SpendBatchStatus
from app.geo.placement import SitePlacer, apply_placement
from app.geo.postcode_directory import PostcodeRecord, PostcodeStore, load_release
from app.geo.postcode_directory import Progress as PostcodeProgress
from app.models import (
    Area,
    Council,
    CpvCode,
    ImportBatch,
    ImportChange,
    Provider,
    ProviderFact,
    ProviderIdentifier,
    ServiceCategory,
    Site,
    SpendBand,
    SpendBatch,
    StatutoryThreshold,
)
from app.services import fulltext
from app.services.accounts import create_user, find_user_by_email
from app.services.audit import Actor, record
from app.services.band_config import band_columns
from app.services.councils import council_by_code
from app.services.imports.snapshots import digest as state_digest
from app.services.imports.snapshots import snapshot
from app.services.policy import thresholds
from app.services.spend.deprivation import SEED_RELEASE_NAME as DEPRIVATION_RELEASE_NAME
from app.services.spend.deprivation import load_deprivation, load_seed_deprivation
from app.services.spend.importing import import_file

Progress = Callable[[str], None]
Row = TypeVar("Row")

# Files, relative to the seed directory.
COUNTRIES_FILE = "lookups/ctry_all_codes.csv"
REGIONS_FILE = "lookups/rgn_all_codes.csv"
COMBINED_AUTHORITIES_FILE = "lookups/cauth_all_codes.csv"
DISTRICTS_FILE = "lookups/la_all_codes.csv"
UK_DISTRICT_BOUNDARIES_FILE = "boundaries/uk_lad_2025_simplified_dissolved_from_wards.geojson"
EXACT_DISTRICT_BOUNDARIES_FILE = "boundaries/lcr_and_neighbours_lad_2025_dissolved_from_wards.geojson"
WARD_BOUNDARIES_FILE = "boundaries/lcr_and_neighbours_wards_2025_bgc.geojson"
THRESHOLDS_FILE = "policy/statutory_thresholds.csv"
COUNCILS_FILE = "policy/councils.csv"
SPEND_BANDS_FILE = "policy/spend_bands.csv"
CPV_FILE = "codes/cpv_2008_codes_en.csv"
SERVICE_CATEGORIES_FILE = "services/service_categories.csv"
COOPS_UK_SECTORS_FILE = "services/coops_uk_sectors.csv"
UK_POSTCODES_FILE = "postcodes/uk_postcodes_lad_latlon_nspd_lad25.csv.gz"
WARD_POSTCODES_FILE = "postcodes/nw_england_postcodes_nspd_lad25.csv.gz"
COOPS_UK_FILE = "social_economy/coops_uk_open_data_organisations_2017-06.csv.gz"
DEMO_ACCOUNTS_FILE = "demo/demo_accounts.csv"
SPEND_DEMO_FILE = "demo/spend_demo.csv"
SPEND_DEMO_BANDS_FILE = "demo/spend_demo_bands.csv"

POSTCODE_RELEASE_NAME = "ONS postcode directory (NSPD, LAD25), with North West wards"

COOPS_UK_SOURCE_NAME = "Co-operatives UK open data, June 2017 (demo)"
COOPS_UK_AS_OF = date(2017, 6, 1)
COOPS_UK_EVIDENCE_NOTE = "Co-operatives UK open data, June 2017: {detail}"

#: Report outcomes that mean the database changed.
CHANGE_OUTCOMES = frozenset({"created", "updated", "replaced", "removed"})


class SeedError(RuntimeError):
    """Seed files that are missing, inconsistent or loaded in the wrong order; the message says which."""


@dataclass
class SeedReport:
    """What a load did: counts of outcomes per kind of thing, in the order they happened."""

    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    #: (email, role) of every demo account in the demo accounts file, created now or before.
    demo_accounts: list[tuple[str, str]] = field(default_factory=list)

    def add(self, thing: str, outcome: str, n: int = 1) -> None:
        bucket = self.counts.setdefault(thing, {})
        bucket[outcome] = bucket.get(outcome, 0) + n

    def count(self, thing: str, outcome: str) -> int:
        return self.counts.get(thing, {}).get(outcome, 0)

    @property
    def changed(self) -> bool:
        """True when anything was created, updated or removed."""
        return any(n for bucket in self.counts.values() for outcome, n in bucket.items() if outcome in CHANGE_OUTCOMES)

    def lines(self) -> list[str]:
        out = [
            f"{thing[:1].upper()}{thing[1:]}: " + ", ".join(f"{n:,} {outcome}" for outcome, n in bucket.items() if n)
            for thing, bucket in self.counts.items()
            if any(bucket.values())
        ]
        if not self.changed:
            out.append("Nothing was created or changed: everything was already loaded.")
        return out


# --- Pure mappings ------------------------------------------------------------------------------


def coops_uk_legal_form(legal_form: str, ownership_classification: str = "") -> LegalForm:
    """Map Co-operatives UK's "Legal Form" (and "Ownership Classification") to our legal form.

    The words are read as every import reads them (app/domain/legal_forms.py): a Society is a co-operative
    society and anything unrecognised is UNKNOWN. What only Co-operatives UK says is here: a Society whose ownership
    is "Community of Interest" is a community benefit society.
    """
    if (
        normalise_words(legal_form) == "society"
        and normalise_words(ownership_classification) == "community of interest"
    ):
        return LegalForm.COMMUNITY_BENEFIT
    return form_from_words(legal_form)


def parse_day_month_year(text: str) -> date | None:
    """'15/5/1991' -> date(1991, 5, 15); None when blank or not a date."""
    try:
        return datetime.strptime(text.strip(), "%d/%m/%Y").date()
    except ValueError:
        return None


def sic_description(row: dict[str, str]) -> str | None:
    """The deepest non-blank SIC 2007 description of a Co-ops UK row, with its code, as a sentence."""
    for level in (5, 4, 3, 2):
        text = row.get(f"SIC code  - level {level} description", "").strip()
        if text:
            code = row.get(f"SIC code  - level {level}", "").strip().removeprefix("UKSIC07-")
            suffix = f" (SIC 2007 {code})" if code else ""
            return f"{text}{suffix}, as recorded by Co-operatives UK in June 2017."
    return None


# --- Reading files ------------------------------------------------------------------------------


def _open_text(path: Path) -> io.TextIOWrapper:
    if not path.exists():
        raise SeedError(f"Seed file {path} is missing")
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8-sig", newline="")
    return io.TextIOWrapper(path.open("rb"), encoding="utf-8-sig", newline="")


def _read_csv(path: Path) -> list[dict[str, str]]:
    """Rows of a CSV file (plain or gzipped, with or without a byte-order mark)."""
    with _open_text(path) as handle:
        return list(csv.DictReader(handle))


def _read_features(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        raise SeedError(f"Seed file {path} is missing")
    features: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))["features"]
    return features


def _geometry_text(feature: dict[str, Any]) -> str:
    return json.dumps(feature["geometry"], separators=(",", ":"))


def _flag(text: str, what: str) -> bool:
    value = text.strip().casefold()
    if value in {"true", "yes"}:
        return True
    if value in {"false", "no", ""}:
        return False
    raise SeedError(f"{what}: expected true or false, got {text!r}")


def _apply(obj: object, values: dict[str, Any]) -> bool:
    """Set the attributes that differ; True when any did."""
    changed = False
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    return changed


def _upsert(
    session: Session,
    report: SeedReport,
    thing: str,
    found: Row | None,
    make: Callable[..., Row],
    key: dict[str, Any],
    values: dict[str, Any],
    also: Callable[[Row], bool] | None = None,
) -> Row:
    """Make the row from ``key`` and ``values`` when none was found, else set the values that differ; count it
    under ``thing`` as created, updated or unchanged. ``also`` sets what a plain comparison cannot (a collection
    whose order means nothing) and says whether it changed anything."""
    if found is None:
        row = make(**key, **values)
        if also is not None:
            also(row)
        session.add(row)
        report.add(thing, "created")
        return row
    changed = _apply(found, values)
    if also is not None:
        changed = also(found) or changed
    report.add(thing, "updated" if changed else "unchanged")
    return found


def _say(progress: Progress | None, message: str) -> None:
    if progress is not None:
        progress(message)


# --- Reference data -----------------------------------------------------------------------------


def load_reference_data(
    session: Session,
    seed_dir: Path,
    actor: Actor,
    progress: Progress | None = None,
    *,
    postcode_files: tuple[Path, Path | None] | None = None,
    postcode_progress: PostcodeProgress | None = None,
    deprivation_files: tuple[Path, Path] | None = None,
) -> SeedReport:
    """Load areas, thresholds, CPV codes, service categories, councils, spend bands, postcodes and deprivation.

    The postcode directory comes from the whole-UK file with wards added from the North West file,
    unless ``postcode_files`` names others (tests load a small sample). An unchanged directory is skipped.
    ``postcode_progress`` hears the rows loaded and the share of the file read, for a progress bar.
    The deprivation index and its postcode lookup come from ``deprivation/`` when the seed directory has them,
    unless ``deprivation_files`` (index, lookup) names others.
    """
    report = SeedReport()
    _say(progress, "Loading areas…")
    _load_areas(session, seed_dir, report)
    _say(progress, "Loading statutory thresholds…")
    _load_thresholds(session, seed_dir, report)
    _say(progress, "Loading CPV codes…")
    _load_cpv_codes(session, seed_dir, report)
    _say(progress, "Loading service categories…")
    _load_service_categories(session, seed_dir, report)
    _say(progress, "Loading councils and spend bands…")
    _load_councils(session, seed_dir, report)
    _load_spend_bands(session, seed_dir, report)
    _load_postcodes(
        session,
        report,
        progress,
        postcode_files or (seed_dir / UK_POSTCODES_FILE, seed_dir / WARD_POSTCODES_FILE),
        postcode_progress,
    )
    _load_deprivation(session, seed_dir, report, progress, deprivation_files)
    session.flush()
    if report.changed:
        record(session, actor, "reference_data.loaded", "seed", None, {"counts": report.counts})
    return report


def _load_areas(session: Session, seed_dir: Path, report: SeedReport) -> None:
    existing = {a.code: a for a in session.scalars(select(Area).options(undefer(Area.boundary)))}

    def upsert(
        code: str,
        name: str,
        kind: AreaKind,
        parent: Area | None,
        boundary: str | None = None,
        combined_authority: Area | None = None,
    ) -> Area:
        values: dict[str, Any] = {
            "name": name,
            "kind": kind,
            "parent": parent,
            "combined_authority": combined_authority,
            "boundary": boundary,
        }
        area = _upsert(session, report, "areas", existing.get(code), Area, {"code": code}, values)
        existing[code] = area
        return area

    def required(code: str, what: str) -> Area:
        area = existing.get(code)
        if area is None:
            raise SeedError(f"{what} refers to area {code}, which is not in the lookups")
        return area

    for row in _read_csv(seed_dir / COUNTRIES_FILE):
        upsert(row["CTRYCD"], row["CTRYNM"], AreaKind.COUNTRY, None)
    for row in _read_csv(seed_dir / REGIONS_FILE):
        upsert(row["RGNCD"], row["RGNNM"], AreaKind.REGION, required(row["CTRYCD"], f"Region {row['RGNCD']}"))
    for row in _read_csv(seed_dir / COMBINED_AUTHORITIES_FILE):
        upsert(
            row["CAUTHCD"],
            row["CAUTHNM"],
            AreaKind.COMBINED_AUTHORITY,
            required(row["RGNCD"], f"Combined authority {row['CAUTHCD']}"),
        )

    # The outlines dissolved from unsimplified wards are more exact; use them where there are any.
    boundaries = {
        f["properties"]["LAD25CD"]: _geometry_text(f) for f in _read_features(seed_dir / UK_DISTRICT_BOUNDARIES_FILE)
    }
    boundaries.update(
        {
            f["properties"]["LAD25CD"]: _geometry_text(f)
            for f in _read_features(seed_dir / EXACT_DISTRICT_BOUNDARIES_FILE)
        }
    )
    for row in _read_csv(seed_dir / DISTRICTS_FILE):
        if row["Current"].strip().upper() != "TRUE":
            continue
        code = row["LADCD"]
        parent_code = row["RGNCD"] or row["CTRYCD"]  # England has regions; Wales, Scotland and NI do not
        upsert(
            code,
            row["LADNM"],
            AreaKind.DISTRICT,
            required(parent_code, f"District {code}"),
            boundaries.get(code),
            required(row["CAUTHCD"], f"District {code}") if row["CAUTHCD"] else None,
        )

    for feature in _read_features(seed_dir / WARD_BOUNDARIES_FILE):
        props = feature["properties"]
        upsert(
            props["WD25CD"],
            props["WD25NM"],
            AreaKind.WARD,
            required(props["LAD25CD"], f"Ward {props['WD25CD']}"),
            _geometry_text(feature),
        )
    session.flush()


def _load_thresholds(session: Session, seed_dir: Path, report: SeedReport) -> None:
    existing = {(t.contract_type, t.effective_from): t for t in session.scalars(select(StatutoryThreshold))}
    for row in _read_csv(seed_dir / THRESHOLDS_FILE):
        contract_type = ContractType(row["contract_type"])
        effective_from = date.fromisoformat(row["effective_from"])
        values: dict[str, Any] = {
            "amount_pence": parse_pounds(row["amount_pounds"]),
            "vat_basis": VatBasis(row["vat_basis"]),
            "legislation": row["legislation"],
            "source": row["source"] or None,
        }
        _upsert(
            session,
            report,
            "statutory thresholds",
            existing.get((contract_type, effective_from)),
            StatutoryThreshold,
            {"contract_type": contract_type, "effective_from": effective_from},
            values,
        )
    session.flush()


def _load_cpv_codes(session: Session, seed_dir: Path, report: SeedReport) -> None:
    existing: dict[str, str] = dict(session.execute(select(CpvCode.code, CpvCode.label)).all())
    new: list[dict[str, Any]] = []
    changed: list[dict[str, Any]] = []
    for row in _read_csv(seed_dir / CPV_FILE):
        code, label = row["CODE"].strip(), row["EN"].strip()
        if code not in existing:
            new.append({"code": code, "label": label})
        elif existing[code] != label:
            changed.append({"code": code, "label": label})
    if new:
        session.execute(insert(CpvCode), new)
    if changed:
        session.execute(update(CpvCode), changed)
    report.add("CPV codes", "created", len(new))
    report.add("CPV codes", "updated", len(changed))
    report.add("CPV codes", "unchanged", len(existing) - len(changed))


def _load_service_categories(session: Session, seed_dir: Path, report: SeedReport) -> None:
    rows = _read_csv(seed_dir / SERVICE_CATEGORIES_FILE)
    wanted = {code for row in rows for code in _split(row["cpv_codes"])}
    cpv = {c.code: c for c in session.scalars(select(CpvCode).where(CpvCode.code.in_(wanted)))}
    existing = {c.slug: c for c in session.scalars(select(ServiceCategory))}
    for row in rows:
        slug = row["slug"].strip()
        codes = _split(row["cpv_codes"])
        unknown = [code for code in codes if code not in cpv]
        if unknown:
            raise SeedError(f"Service category {slug} lists CPV codes not in {CPV_FILE}: {', '.join(unknown)}")
        values: dict[str, Any] = {"name": row["name"].strip(), "description": row["description"].strip()}
        also = partial(_give_cpv_codes, [cpv[code] for code in codes])
        _upsert(
            session, report, "service categories", existing.get(slug), ServiceCategory, {"slug": slug}, values, also
        )
    session.flush()


def _give_cpv_codes(codes: list[CpvCode], category: ServiceCategory) -> bool:
    """Give the category these CPV codes, whose order means nothing; True when they were not its codes already."""
    if {c.code for c in category.cpv_codes} == {c.code for c in codes}:
        return False
    category.cpv_codes = codes
    return True


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(";") if part.strip()]


def _area_by_code(session: Session, code: str, what: str) -> Area:
    area = session.scalar(select(Area).where(Area.code == code))
    if area is None:
        raise SeedError(f"{what} refers to area {code}, which is not loaded")
    return area


def _load_councils(session: Session, seed_dir: Path, report: SeedReport, file: str = COUNCILS_FILE) -> list[Council]:
    """The councils of a councils file, created or brought up to date, in the file's order."""
    councils = []
    for row in _read_csv(seed_dir / file):
        district = _area_by_code(session, row["district_code"], f"Council {row['name']}")
        wider = (
            _area_by_code(session, row["wider_area_code"], f"Council {row['name']}")
            if row["wider_area_code"].strip()
            else None
        )
        values: dict[str, Any] = {
            "name": row["name"].strip(),
            "local_area_definition": LocalAreaDefinition(row["local_area_definition"]),
            "wider_area": wider,
            "local_area_rationale": row["local_area_rationale"].strip() or None,
        }
        found = session.scalar(select(Council).where(Council.district_id == district.id))
        _upsert(session, report, "councils", found, Council, {"district": district}, values)
        session.flush()
        councils.append(session.scalars(select(Council).where(Council.district_id == district.id)).one())
    return councils


def _load_spend_bands(session: Session, seed_dir: Path, report: SeedReport, file: str = SPEND_BANDS_FILE) -> None:
    councils: dict[str, Council] = {}
    proposed: list[tuple[Council, BandValues, date, date | None]] = []
    for row in _read_csv(seed_dir / file):
        district_code = row["council_district_code"].strip()
        if district_code not in councils:
            council = council_by_code(session, district_code)
            if council is None:
                raise SeedError(f"Spend band {row['code']} is for council {district_code}, which is not loaded")
            councils[district_code] = council
        council = councils[district_code]
        proposed.append((council, *_band_from_row(row, f"Spend band {row['code']} of {council.name}")))
    # Each council's bands are checked as a set, by the rules the officers' band pages apply, before any is written.
    held = thresholds(session)
    for council in councils.values():
        bands = [values.band(start, end) for c, values, start, end in proposed if c is council]
        _check_band_set(council, bands, held, file)
    for council, values, effective_from, effective_to in proposed:
        columns = {**band_columns(values), "effective_to": effective_to}
        found = session.scalar(
            select(SpendBand).where(
                SpendBand.council_id == council.id,
                SpendBand.code == columns["code"],
                SpendBand.effective_from == effective_from,
            )
        )
        key = {"council": council, "effective_from": effective_from}
        _upsert(session, report, "spend bands", found, SpendBand, key, columns)
    session.flush()


def _band_from_row(row: dict[str, str], what: str) -> tuple[BandValues, date, date | None]:
    """A row of the spend bands file as the band rules read it, with its dates; refused when the rules refuse it."""
    lower, upper = row["lower_pounds"].strip(), row["upper_pounds"].strip()
    upper_is_threshold = _flag(row["upper_is_statutory_threshold"], what)
    if upper and upper_is_threshold:
        # The file, unlike the officers' form, could say both; which one was meant cannot be known.
        raise SeedError(f"{what}: give an upper amount or the statutory threshold, not both")
    values = BandValues(
        label=row["label"],
        code=row["code"],
        lower_pence=parse_pounds(lower) if lower else 0,
        upper_pence=parse_pounds(upper) if upper else None,
        vat_basis=VatBasis(row["vat_basis"]),
        min_quotes=int(row["min_quotes"]),
        route=row["route"],
        advertised=_flag(row["advertised"], what),
        locality_rule=LocalityRule(row["locality_rule"]),
        reservation=Reservation(row["reservation"] or Reservation.NONE),
        rationale=row["rationale"],
        lower_is_threshold=_flag(row["lower_is_statutory_threshold"], what),
        upper_is_threshold=upper_is_threshold,
    )
    effective_from = date.fromisoformat(row["effective_from"])
    effective_to = date.fromisoformat(row["effective_to"]) if row["effective_to"].strip() else None
    problems = [message for _, message in band_value_problems(values)]
    if problem := band_date_problem(effective_from, "The date it applies from"):
        problems.append(problem)
    if problems:
        raise SeedError(f"{what}: {'. '.join(problems)}")
    return values, effective_from, effective_to


def _check_band_set(council: Council, bands: list[Band], held: list[Threshold], file: str = SPEND_BANDS_FILE) -> None:
    """Refuse a council's bands that would overlap, leave a gap or break the rules at the threshold on any date."""
    first = min(band.effective_from for band in bands)
    dates = {on for on in change_dates(bands, held) if on >= first}
    found = band_set_issues_by_date(bands, held, dates)
    if found:
        on, issues = found[0]
        raise SeedError(
            f"The spend bands of {council.name} in {file} would not work from {on:%-d %B %Y}. "
            + " ".join(issue.text for issue in issues)
        )


# --- Postcodes ----------------------------------------------------------------------------------


def _load_postcodes(
    session: Session,
    report: SeedReport,
    progress: Progress | None,
    files: tuple[Path, Path | None],
    postcode_progress: PostcodeProgress | None = None,
) -> None:
    path, wards = files
    for needed in (path, wards):
        if needed is not None and not needed.exists():
            raise SeedError(f"Seed file {needed} is missing")
    _say(progress, f"Loading the postcode directory from {path.name} (once; later runs skip it)…")
    result = load_release(
        session,
        path,
        name=POSTCODE_RELEASE_NAME,
        wards_from=wards,
        progress=postcode_progress,
    )
    if not result.created:
        _say(progress, f"Postcodes already loaded ({result.release.row_count:,})")
        report.add("postcode releases", "unchanged")
        return
    _say(progress, f"Loaded postcodes: {result.release.row_count:,} in {result.release.seconds_to_load}s")
    report.add("postcode releases", "created")
    report.add("postcodes", "created", result.release.row_count)
    if result.replaced:
        report.add("postcode releases", "replaced", len(result.replaced))


def _load_deprivation(
    session: Session,
    seed_dir: Path,
    report: SeedReport,
    progress: Progress | None,
    files: tuple[Path, Path] | None,
) -> None:
    """The deprivation index with its postcode lookup (app/services/spend/deprivation.py), once."""
    _say(progress, "Loading the deprivation index and its postcode lookup (once; later runs skip it)…")
    if files is None:
        result = load_seed_deprivation(session, seed_dir)
    else:
        result = load_deprivation(session, *files, None, name=DEPRIVATION_RELEASE_NAME, lookup_name=files[1].name)
    if result is None:
        _say(progress, "No deprivation files in the seed directory: skipped")
        return
    if not result.created:
        report.add("deprivation releases", "unchanged")
        return
    report.add("deprivation releases", "created")
    report.add("postcode LSOAs", "created", result.release.counts["postcodes"])
    if result.replaced:
        report.add("deprivation releases", "replaced", len(result.replaced))


# --- Demo data ----------------------------------------------------------------------------------


def load_demo_data(
    session: Session,
    seed_dir: Path,
    actor: Actor,
    password: str,
    now: datetime,
    progress: Progress | None = None,
    *,
    upload_folder: Path | None = None,
    spend: bool = True,
) -> SeedReport:
    """Import the live Co-operatives UK organisations in the demo councils' wider areas, demo accounts, and the
    spend demo: a council set up to show its own published payments (``demo/spend_demo.csv``), whose file is
    imported by the spend import's own service (kept in ``upload_folder``, as an officer's upload is; a temporary
    folder when none is given). ``spend`` False sets the council up but leaves its file out (tests).

    Needs the reference data (areas, councils, postcodes) loaded first. Accounts that already
    exist are left alone, password included. ``now`` is when the organisations are placed, verified and imported.
    """
    report = SeedReport()
    council = _demo_council(session, seed_dir)
    spend_councils = _load_spend_demo_councils(session, seed_dir, report)

    path = seed_dir / COOPS_UK_FILE
    if not path.exists():
        raise SeedError(f"Seed file {path} is missing")
    content = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    # The hash is of the publisher's original CSV, so the same file imported uncompressed matches.
    digest = hashlib.sha256(content).hexdigest()
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"), newline="")))

    batch = session.scalar(select(ImportBatch).where(ImportBatch.sha256 == digest))
    if batch is None:
        batch = ImportBatch(
            created_by_id=actor.user_id,
            source_name=COOPS_UK_SOURCE_NAME,
            file_name=path.name,
            sha256=digest,
            counts={},
        )
        session.add(batch)
        session.flush()
        record(
            session,
            actor,
            "import_batch.created",
            "import_batch",
            batch.id,
            {"source_name": batch.source_name, "file_name": batch.file_name, "sha256": digest},
        )
        report.add("import batches", "created")
    else:
        report.add("import batches", "unchanged")

    # Directory entries are looked up in bulk, so placing each site needs no query of its own.
    store = PostcodeStore(session)
    placer = SitePlacer(store)  # the offline directory only: demo data never calls out
    categories_by_sector = _categories_by_sector(session, seed_dir)
    # Row numbers as a spreadsheet shows them (the header is row 1), for the import's record of what it changed.
    row_numbers = {row["CUK Organisation ID"].strip(): number for number, row in enumerate(rows, start=2)}
    selected_references: set[str] = set()
    already_before = set(session.scalars(select(Provider.source_reference).where(Provider.import_batch_id == batch.id)))
    for each in [council, *spend_councils]:
        districts = _districts_of_wider_area(session, each)
        selected, entries = _live_rows_in(store, rows, districts)
        selected_references.update(row["CUK Organisation ID"].strip() for row, _ in selected)
        _say(progress, f"Importing {len(selected):,} live organisations in {each.name}'s wider area…")
        already = set(session.scalars(select(Provider.source_reference).where(Provider.import_batch_id == batch.id)))
        held_ids = set(session.scalars(select(ProviderIdentifier.org_id)))
        changes: list[dict[str, object]] = []
        for row, postcode in selected:
            reference = row["CUK Organisation ID"].strip()
            if reference in already:
                report.add("providers", "unchanged")
                continue
            provider = _provider_from_row(row, postcode, batch, now, report, held_ids)
            provider.services = list(categories_by_sector.get(row["Sector - Simplified, High Level"].strip(), []))
            session.add(provider)
            site = provider.sites[0]
            apply_placement(site, placer.place(site.postcode, site.address, known=entries.get(postcode)), now)
            if site.district_code in districts:
                provider.areas_served = [districts[site.district_code]]
            else:
                report.add("sites", "not placed")
            session.flush()
            fulltext.refresh(session, provider)
            record(
                session,
                actor,
                "provider.imported",
                "provider",
                provider.id,
                {"name": provider.name, "source_reference": reference, "import_batch_id": batch.id},
            )
            report.add("providers", "created")
            changes.append(
                {
                    "batch_id": batch.id,
                    "provider_id": provider.id,
                    "row_number": row_numbers.get(reference, 0),
                    "action": "created",
                    "before": None,
                    "after_digest": state_digest(snapshot(provider)),
                }
            )
        if changes:
            session.execute(insert(ImportChange), changes)
    if report.count("providers", "created"):
        # Counted as any import is, so every page says what it did. Its rows are the file's live organisations
        # in the demo councils' wider areas (the rest of the file is not the demo's): each was created, or is
        # there already.
        batch.counts = {
            **dict.fromkeys(("updated", "archived", "flagged", "rejected", "possible_match"), 0),
            "rows": len(selected_references),
            "created": len(selected_references - already_before),
            "unchanged": len(selected_references & already_before),
            "rows_in_file": len(rows),
            "checked": True,
        }
        batch.status = ImportStatus.IMPORTED
        batch.checked_at = batch.checked_at or now
        batch.committed_at = batch.committed_at or now
        batch.committed_by_id = batch.committed_by_id or actor.user_id
        batch.publish_verified = True  # the demo organisations are published as verified

    _say(progress, "Creating demo accounts…")
    _load_demo_accounts(session, seed_dir, actor, password, council, batch, report, now)
    session.flush()
    for spend_council, spend_file in spend_councils.items() if spend else ():
        _load_demo_spend(session, seed_dir, spend_council, spend_file, actor, now, report, progress, upload_folder)
    session.flush()
    return report


def _load_spend_demo_councils(session: Session, seed_dir: Path, report: SeedReport) -> dict[Council, str]:
    """Set up the councils the spend demo shows (with their demo bands): each council and its spend file."""
    path = seed_dir / SPEND_DEMO_FILE
    if not path.exists():
        return {}
    rows = _read_csv(path)
    councils = _load_councils(session, seed_dir, report, SPEND_DEMO_FILE)
    _load_spend_bands(session, seed_dir, report, SPEND_DEMO_BANDS_FILE)
    return {council: row["spend_file"].strip() for council, row in zip(councils, rows, strict=True)}


def _load_demo_spend(
    session: Session,
    seed_dir: Path,
    council: Council,
    spend_file: str,
    actor: Actor,
    now: datetime,
    report: SeedReport,
    progress: Progress | None,
    upload_folder: Path | None,
) -> None:
    """Import a council's published spend file, once, as an officer would (the same service as the web page)."""

    path = seed_dir / spend_file
    if not path.exists():
        raise SeedError(f"Seed file {path} is missing")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    held = session.scalar(
        select(SpendBatch.id).where(
            SpendBatch.council_id == council.id,
            SpendBatch.sha256 == digest,
            SpendBatch.status == SpendBatchStatus.IMPORTED,
        )
    )
    if held is not None:
        report.add("spend files", "unchanged")
        return
    _say(progress, f"Importing {council.name}'s published spend file {path.name}…")
    size = path.stat().st_size
    if upload_folder is None:
        with tempfile.TemporaryDirectory() as folder:
            batch = import_file(session, council, path, path.name, actor, now, folder=Path(folder), max_bytes=size)
    else:
        batch = import_file(session, council, path, path.name, actor, now, folder=upload_folder, max_bytes=size)
    report.add("spend files", "created")
    report.add("payments", "created", int(batch.counts.get("payments", 0)))


def _demo_council(session: Session, seed_dir: Path) -> Council:
    rows = _read_csv(seed_dir / COUNCILS_FILE)
    if not rows:
        raise SeedError(f"{COUNCILS_FILE} names no council")
    code = rows[0]["district_code"].strip()
    council = council_by_code(session, code)
    if council is None:
        raise SeedError(f"Council {code} is not loaded: load the reference data first")
    return council


def _districts_of_wider_area(session: Session, council: Council) -> dict[str, Area]:
    """The council's own district and every district in its wider area, by code."""
    query = select(Area).where(Area.kind == AreaKind.DISTRICT)
    if council.wider_area_id is not None:
        query = query.where(
            or_(
                Area.id == council.district_id,
                Area.parent_id == council.wider_area_id,
                Area.combined_authority_id == council.wider_area_id,
            )
        )
    else:
        query = query.where(Area.id == council.district_id)
    return {a.code: a for a in session.scalars(query)}


def _live_rows_in(
    store: PostcodeStore, rows: list[dict[str, str]], districts: dict[str, Area]
) -> tuple[list[tuple[dict[str, str], str]], dict[str, PostcodeRecord]]:
    """Live rows whose registered postcode is in the directory in one of ``districts``, in ID order,
    with their directory entries, looked up in bulk."""
    candidates: dict[str, str] = {}
    for row in rows:
        if row["Registered Status"].strip() != "Live":
            continue
        postcode = try_normalise_postcode(row["Registered Postcode"])
        if postcode is not None:
            candidates[row["CUK Organisation ID"].strip()] = postcode
    in_area = {
        postcode: entry
        for postcode, entry in store.lookup_many(sorted(set(candidates.values()))).items()
        if entry.district_code in districts
    }
    selected = [
        (row, candidates[row["CUK Organisation ID"].strip()])
        for row in rows
        if candidates.get(row["CUK Organisation ID"].strip()) in in_area
    ]
    return sorted(selected, key=lambda pair: pair[0]["CUK Organisation ID"]), in_area


def _categories_by_sector(session: Session, seed_dir: Path) -> dict[str, list[ServiceCategory]]:
    categories = {c.slug: c for c in session.scalars(select(ServiceCategory))}
    mapping: dict[str, list[ServiceCategory]] = {}
    for row in _read_csv(seed_dir / COOPS_UK_SECTORS_FILE):
        slugs = _split(row["category_slugs"])
        unknown = [s for s in slugs if s not in categories]
        if unknown:
            raise SeedError(f"{COOPS_UK_SECTORS_FILE}: unknown service categories {', '.join(unknown)}")
        mapping[row["sector"].strip()] = [categories[s] for s in slugs]
    return mapping


def _provider_from_row(
    row: dict[str, str],
    postcode: str,
    batch: ImportBatch,
    now: datetime,
    report: SeedReport,
    held_ids: set[str],
) -> Provider:
    name = row["Registered Name"].strip()
    trading = row["Trading Name"].strip()
    raw_form = row["Legal Form"].strip()
    provider = Provider(
        name=name,
        trading_name=trading if trading and trading.casefold() != name.casefold() else None,
        legal_form=coops_uk_legal_form(raw_form, row["Ownership Classification"]),
        description=sic_description(row),
        status=ProviderStatus.VERIFIED,
        status_changed_at=now,
        source=ProviderSource.IMPORTED,
        import_batch_id=batch.id,
        source_reference=row["CUK Organisation ID"].strip(),
        claimed=False,
        incorporated_on=parse_day_month_year(row["Incorporation Date"]),
    )

    # DETINI (Northern Ireland societies) has no org-id scheme here, so its numbers are not kept.
    scheme = registrar_scheme(row["Registrar"])
    number = row["Registered Number"].strip()
    if scheme and number:
        try:
            identifier = org_id(scheme, number)
        except IdentifierError:
            report.add("identifiers", "skipped (number not in the register's format)")
        else:
            if identifier in held_ids:
                report.add("identifiers", "skipped (already held by another provider)")
            else:
                held_ids.add(identifier)
                provider.identifiers.append(
                    ProviderIdentifier(
                        scheme=scheme,
                        value=identifier.removeprefix(f"{scheme}-"),
                        org_id=identifier,
                        evidence=EvidenceState.REGISTER_MATCHED,
                    )
                )
                report.add("identifiers", "created")
    elif number:
        report.add("identifiers", "skipped (register has no org-id scheme)")

    street_lines = [line.strip() for line in row["Registered Street"].splitlines() if line.strip()]
    city = row["Registered City"].strip()
    address = "\n".join([*street_lines, city] if city else street_lines)
    provider.sites.append(
        Site(
            kind=SiteKind.REGISTERED_OFFICE,
            address=address or None,
            town=city or None,
            postcode=postcode,
            address_public=True,
        )
    )

    fact_kind = {"society": FactKind.MEMBER_OWNED, "community interest company": FactKind.ASSET_LOCK}.get(
        raw_form.casefold()
    )
    if fact_kind is not None:
        provider.facts.append(
            ProviderFact(
                kind=fact_kind,
                value="yes",
                evidence=EvidenceState.REGISTER_MATCHED,
                evidence_note=COOPS_UK_EVIDENCE_NOTE.format(detail=f"legal form {raw_form}"),
                as_of=COOPS_UK_AS_OF,
            )
        )
        report.add("facts", "created")
    return provider


def _load_demo_accounts(
    session: Session,
    seed_dir: Path,
    actor: Actor,
    password: str,
    council: Council,
    batch: ImportBatch,
    report: SeedReport,
    now: datetime,
) -> None:
    for row in _read_csv(seed_dir / DEMO_ACCOUNTS_FILE):
        email = row["email"].strip()
        role = Role(row["role"].strip())
        report.demo_accounts.append((email, role.value))
        if find_user_by_email(session, email) is not None:
            report.add("demo accounts", "unchanged")
            continue
        account_council = council
        if code := (row.get("council_district_code") or "").strip():
            found_council = council_by_code(session, code)
            if found_council is None:
                raise SeedError(f"Demo account {email} is for council {code}, which is not loaded")
            account_council = found_council
        provider = None
        reference = row["provider_source_reference"].strip()
        if reference:
            provider = session.scalar(
                select(Provider).where(Provider.import_batch_id == batch.id, Provider.source_reference == reference)
            )
            if provider is None:
                raise SeedError(f"Demo account {email} is for provider {reference}, which was not imported")
        create_user(
            session,
            email=email,
            password=password,
            role=role,
            actor=actor,
            council=account_council if role in COUNCIL_ROLES else None,
            provider=provider,
            full_name=row["full_name"].strip() or None,
            email_confirmed_at=now,
        )
        report.add("demo accounts", "created")
