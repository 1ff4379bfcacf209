"""`flask geo ...`: look up a postcode, load a postcode directory release, re-place every site, load deprivation."""

from __future__ import annotations

import json
import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from app.cli.common import CLI_ACTOR
from app.cli.progress import progress_bar
from app.config import PROJECT_ROOT
from app.domain.postcodes import PostcodeError, parse_postcode
from app.extensions import db
from app.geo.factory import boundary_index, build_placer
from app.geo.postcode_directory import (
    DirectoryFileError,
    PostcodeStore,
    active_release,
    load_release,
    purge_inactive_releases,
)
from app.models import Council, SpendSupplier
from app.models.base import utcnow
from app.services import audit
from app.services.councils import council_by_code
from app.services.locality import area_names_for, local_area_for, relocate_all
from app.services.spend.classify import classify_suppliers
from app.services.spend.deprivation import (
    IMD_FILE,
    LOOKUP_FILE,
    SEED_LOOKUP_NAME,
    SEED_RELEASE_NAME,
    DeprivationFileError,
    load_deprivation,
    purge_inactive_deprivation,
)

geo = AppGroup("geo", help="The postcode directory, geocoding, locality and deprivation.")
SEED_DIR = PROJECT_ROOT / "seed_data"


@geo.command("lookup")
@click.argument("postcode")
@click.option("--json", "as_json", is_flag=True, help="Print the answer as JSON.")
def lookup_command(postcode: str, as_json: bool) -> None:
    """Where POSTCODE is: its point, district, ward, precision and source."""
    try:
        parsed = parse_postcode(postcode)
    except PostcodeError as exc:
        raise click.ClickException(f"{exc} (you typed {postcode!r})") from exc
    placer = build_placer(db.session, current_app.config)
    result = placer.place(str(parsed))
    release = active_release(db.session)
    names = area_names_for(db.session, [result])
    answer = {
        "postcode": str(parsed),
        "placed": result.placed,
        "latitude": result.latitude,
        "longitude": result.longitude,
        "district": {"code": result.district_code, "name": names.get(result.district_code or "")},
        "ward": {"code": result.ward_code, "name": names.get(result.ward_code or "")} if result.ward_code else None,
        "precision": result.placement.value,
        "source": result.placed_by,
        "release": release.name if release else None,
        "note": result.note,
    }
    if as_json:
        click.echo(json.dumps(answer, indent=2))
        if not result.placed:
            raise SystemExit(1)
        return
    click.echo(f"Postcode:  {answer['postcode']}")
    if not result.placed:
        click.echo(f"Not placed: {result.note}")
    else:
        click.echo(f"Point:     {result.latitude:.6f}, {result.longitude:.6f}")
        district = answer["district"]
        click.echo(f"District:  {district['name'] or 'not known'} ({district['code'] or '-'})")
        ward = answer["ward"]
        click.echo(f"Ward:      {ward['name'] or ward['code']} ({ward['code']})" if ward else "Ward:      not known")
        click.echo(f"Precision: {result.placement.label}")
        click.echo(f"Source:    {result.placed_by} ({answer['release'] or 'no release loaded'})")
        if result.note:
            click.echo(f"Note:      {result.note}")
    if not result.placed:
        raise SystemExit(1)


@geo.command("load-postcodes")
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--wards-from", type=click.Path(path_type=Path, dir_okay=False), help="A second file that adds wards.")
@click.option("--name", help="What to call this release, e.g. 'ONSPD November 2025'.")
def load_postcodes_command(path: Path, wards_from: Path | None, name: str | None) -> None:
    """Load a postcode directory (ONSPD, NSPL, NSPD; CSV, gzip or the published zip) and switch to it."""
    started = time.perf_counter()
    with progress_bar("Loading postcodes", unit="postcodes") as bar:

        def progress(rows: int, share: float) -> None:
            bar.update(rows, fraction=share)

        try:
            result = load_release(db.session, path, name=name, wards_from=wards_from, progress=progress)
        except DirectoryFileError as exc:
            db.session.rollback()
            raise click.ClickException(str(exc)) from exc
    if not result.created:
        click.echo(f"{result.release.name} is already the active release: nothing changed.")
        return
    release = result.release
    audit.record(
        db.session,
        CLI_ACTOR,
        "postcode_release.activated",
        "postcode_release",
        release.id,
        {"name": release.name, "rows": release.row_count, "replaced": result.replaced},
    )
    db.session.commit()  # readers switch to the new release here, all at once
    purged = purge_inactive_releases(db.session)
    db.session.commit()
    click.echo(
        f"Loaded {release.row_count:,} postcodes ({release.with_coordinates:,} with a location, "
        f"{release.with_wards:,} with a ward) from {release.source_format} in {time.perf_counter() - started:.1f}s."
    )
    if purged:
        click.echo(f"Replaced {', '.join(result.replaced)}. Run 'flask geo relocate' to re-place every site.")


@geo.command("relocate")
def relocate_command() -> None:
    """Re-place every site with the active release and report providers whose locality changed."""
    council = council_by_code(db.session, current_app.config["COUNCIL_CODE"])
    if council is None:
        raise click.ClickException("No council is set up: run 'flask seed' first.")
    if PostcodeStore(db.session).release_id is None:
        raise click.ClickException("No postcode directory is loaded: run 'flask seed' or 'flask geo load-postcodes'.")
    area = local_area_for(db.session, council, boundary_index(db.session))
    placer = build_placer(db.session, current_app.config)
    with progress_bar("Placing sites", unit="sites") as bar:

        def progress(done: int, total: int) -> None:
            bar.update(done, total)

        report = relocate_all(db.session, placer, area, CLI_ACTOR, utcnow(), progress)
    db.session.commit()
    click.echo(f"Placed {report.placed:,} of {report.sites:,} sites; {report.not_placed:,} could not be placed.")
    if not report.changed_providers:
        click.echo("No provider's locality changed.")
    for provider, before, after in report.changed_providers:
        click.echo(f"  {provider.name} (#{provider.id}): {before} -> {after}")


@geo.command("load-deprivation")
@click.option(
    "--imd",
    "imd_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=SEED_DIR / IMD_FILE,
    show_default=True,
    help="The Index of Multiple Deprivation by LSOA (File 1 of the English Indices: rank and decile).",
)
@click.option(
    "--lookup",
    "lookup_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=SEED_DIR / LOOKUP_FILE,
    show_default=True,
    help="The ONS postcode to LSOA lookup (LSOAs of the same year as the index).",
)
@click.option("--name", help="What to call this release, e.g. 'English Indices of Deprivation 2019 (LSOA 2011)'.")
@click.option("--lookup-name", help="What to call the postcode lookup, e.g. 'ONS postcode to LSOA lookup, May 2022'.")
def load_deprivation_command(imd_path: Path, lookup_path: Path, name: str | None, lookup_name: str | None) -> None:
    """Load a deprivation index and its postcode lookup, switch to them and reclassify every council's suppliers.

    With no options, the release shipped in seed_data/deprivation (English Indices of Deprivation 2019 and the ONS
    postcode to LSOA 2011 lookup for the North West)."""
    started = time.perf_counter()
    now = utcnow()
    seeded = imd_path == SEED_DIR / IMD_FILE and lookup_path == SEED_DIR / LOOKUP_FILE
    with progress_bar("Loading postcode to LSOA lookup", unit="postcodes") as bar:
        try:
            result = load_deprivation(
                db.session,
                imd_path,
                lookup_path,
                now,
                progress=lambda rows, share: bar.update(rows, fraction=share),
                name=name or (SEED_RELEASE_NAME if seeded else None),
                lookup_name=lookup_name or (SEED_LOOKUP_NAME if seeded else None),
            )
        except DeprivationFileError as exc:
            db.session.rollback()
            raise click.ClickException(str(exc)) from exc
    release = result.release
    if not result.created:
        click.echo(f"{release.name} is already the active deprivation release: nothing changed.")
        return
    audit.record(
        db.session,
        CLI_ACTOR,
        "deprivation_release.activated",
        "deprivation_release",
        release.id,
        {
            "name": release.name,
            "lookup": release.postcode_lookup,
            "counts": release.counts,
            "replaced": result.replaced,
        },
    )
    # Suppliers already classified take their deciles from the new release, in the same transaction.
    with_suppliers = select(SpendSupplier.council_id).distinct()
    reclassified = sum(
        classify_suppliers(db.session, council, None, now)
        for council in db.session.scalars(select(Council).where(Council.id.in_(with_suppliers)).order_by(Council.id))
    )
    db.session.commit()  # classification reads the new release from here on, all at once
    purge_inactive_deprivation(db.session)
    db.session.commit()
    counts = release.counts
    click.echo(
        f"Loaded {release.name}: {counts['lsoas']:,} LSOAs and {counts['postcodes']:,} postcodes "
        f"({counts['postcodes_with_decile']:,} with a decile) in {time.perf_counter() - started:.1f}s."
    )
    if result.replaced:
        click.echo(f"Replaced {', '.join(result.replaced)}.")
    if reclassified:
        click.echo(f"Reclassified {reclassified:,} suppliers with the new deciles.")
