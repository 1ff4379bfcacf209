"""``flask spend``: a council's published spend files from the command line, through the same services as the
officers' pages: ``flask spend import FILE`` (and ``flask spend report``)."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import click
from flask import current_app
from sqlalchemy import func, select

from app.cli.common import CLI_ACTOR
from app.cli.progress import ProgressBar
from app.cli.spend_report import report_command
from app.domain.policy import format_pence
from app.extensions import db
from app.jobs.imports import upload_folder
from app.models import Council
from app.models.base import utcnow
from app.models.geography import Area
from app.services.councils import council_by_code
from app.services.imports.storage import StoredUpload, UploadError, store_upload
from app.tabular import FileFormatError

#: What ``--json`` always prints (scripts depend on these).
JSON_KEYS = (
    "batch",
    "rows",
    "payments",
    "rejected",
    "total_pence",
    "file_total_pence",
    "duplicates",
    "blank",
    "credits",
    "credits_pence",
    "total_difference_pence",
    "rejected_by_code",
    "suppliers",
    "suppliers_new",
    "period_start",
    "period_end",
    "publisher",
)


@click.group("spend")
def spend() -> None:
    """Councils' published spend: import payment files, and report where the money goes."""


spend.add_command(report_command)


@spend.command("import")
@click.argument("file", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--council", "council_code", default=None, help="GSS code of the council (default: the only one).")
@click.option("--mapping", "mapping_name", default=None, help="Use the column mapping saved for this publisher.")
@click.option("--sheet", default=None, help="The sheet to read, for a workbook with several.")
@click.option("--publisher", default=None, help="Who published the file (default: as the file says, or the council).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object with the counts.")
def import_command(
    file: Path,
    council_code: str | None,
    mapping_name: str | None,
    sheet: str | None,
    publisher: str | None,
    as_json: bool,
) -> None:
    """Import a spend FILE (CSV, a zip holding one CSV, or an XLSX workbook): every data row becomes a payment or is
    rejected with its reason, and payments another file already brought are flagged rather than doubled.

    Exits non-zero only when nothing could be read (a file refused, or with no column for a required field).
    """
    # The spend services load when a spend command runs, not whenever the app starts.
    from app.services.spend.importing import SpendRefused, import_stored

    council = _council(council_code)
    folder = upload_folder()
    started = time.perf_counter()
    quiet = as_json and not sys.stderr.isatty()
    bar = None if quiet else ProgressBar("Importing", unit="rows")
    stored: StoredUpload | None = None
    try:
        with file.open("rb") as stream:
            stored = store_upload(stream, folder, int(current_app.config["IMPORT_MAX_BYTES"]))
        batch = import_stored(
            db.session,
            council,
            stored,
            file.name,
            CLI_ACTOR,
            utcnow(),
            folder=folder,
            mapping_name=mapping_name,
            sheet=sheet,
            publisher=publisher,
            progress=(lambda rows, total: bar.update(rows, total=total)) if bar else None,
        )
        db.session.commit()
    except (SpendRefused, FileFormatError, UploadError) as error:
        _abandon(bar, folder, stored)
        raise click.ClickException(str(error)) from error
    except BaseException:
        _abandon(bar, folder, stored)
        raise
    if bar is not None:
        bar.finish()
    result = _result(batch)
    result["seconds"] = round(time.perf_counter() - started, 2)
    if as_json:
        click.echo(json.dumps(result, indent=2))
        return
    _say(result, file.name)


def _abandon(bar: ProgressBar | None, folder: Path, stored: StoredUpload | None) -> None:
    """Roll back, close the bar, and delete the stored copy of the file when no batch holds it."""
    db.session.rollback()
    if bar is not None:
        bar.finish(completed=False)
    if stored is not None:
        from app.services.spend.files import forget_unused

        forget_unused(db.session, folder, stored.name)


def _council(code: str | None) -> Council:
    if code:
        council = council_by_code(db.session, code)
        if council is None:
            raise click.ClickException(f"No council with district code {code}")
        return council
    councils = list(
        db.session.execute(select(Council, Area.code).join(Area, Council.district_id == Area.id).limit(11)).all()
    )
    if len(councils) == 1:
        only: Council = councils[0][0]
        return only
    if not councils:
        raise click.ClickException("There is no council yet: run 'flask seed' first")
    count = db.session.scalar(select(func.count()).select_from(Council)) or 0
    listed = ", ".join(f"{code} ({council.name})" for council, code in councils[:10])
    raise click.ClickException(f"There are {count} councils: say which with --council, one of {listed}")


def _result(batch: Any) -> dict[str, Any]:
    counts = dict(batch.counts)
    values = {
        **{key: counts.get(key) for key in JSON_KEYS},
        "batch": batch.id,
        "file_total_pence": batch.file_total_pence,
        "period_start": batch.period_start.isoformat() if batch.period_start else None,
        "period_end": batch.period_end.isoformat() if batch.period_end else None,
        "publisher": batch.publisher,
    }
    return values


def _say(result: dict[str, Any], name: str) -> None:
    click.echo(f"Imported {name} as import {result['batch']} ({result['publisher']}).")
    click.echo(
        f"  {result['rows']:,} rows read: {result['payments']:,} payments and {result['rejected']:,} rejected"
        + (f" ({result['duplicates']:,} already imported from another file)" if result["duplicates"] else "")
    )
    for code, count in (result.get("rejected_by_code") or {}).items():
        click.echo(f"    rejected for {code.replace('_', ' ')}: {count:,}")
    if result["blank"]:
        click.echo(f"  {result['blank']:,} blank rows skipped")
    click.echo(f"  Payments total {format_pence(result['total_pence'], always_show_pence=True)}")
    if result["credits"]:
        click.echo(
            f"  including {result['credits']:,} credits of "
            f"{format_pence(result['credits_pence'], always_show_pence=True)}"
        )
    if result["file_total_pence"] is not None:
        difference = result["total_difference_pence"] or 0
        said = "equal to the amounts read" if difference == 0 else f"a difference of {format_pence(difference)}"
        click.echo(
            f"  The file's total row says {format_pence(result['file_total_pence'], always_show_pence=True)}: {said}"
        )
    if result["period_start"]:
        click.echo(f"  Paid from {result['period_start']} to {result['period_end']}")
    click.echo(f"  {result['suppliers']:,} suppliers, {result['suppliers_new']:,} new")
    click.echo(f"Finished in {result['seconds']}s")
