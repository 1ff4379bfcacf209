"""``flask import-suppliers``: the officers' CSV import from the command line, through the same service."""

from __future__ import annotations

import json
import time
from pathlib import Path

import click
from flask import current_app

from app.cli.common import CLI_ACTOR
from app.cli.progress import ProgressBar
from app.domain.imports.fields import MappingError
from app.domain.imports.lifecycle import (
    COUNT_KEYS,
    COUNT_LABELS,
    FINAL_OUTCOMES,
    POSSIBLE_MATCH,
    SHOWN_WHEN_ANY,
    StepRefused,
    counts_add_up,
    outcome_total,
)
from app.domain.imports.outcomes import describe_outcome as outcome_in_words
from app.domain.imports.reading import ImportFormatError
from app.domain.imports.registration_status import DissolvedRows
from app.extensions import db
from app.jobs.imports import SECTORS_FILE, upload_folder
from app.models.base import utcnow
from app.services.imports import mapping, planning, steps, storage


@click.command("import-suppliers")
@click.argument("file", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--mapping", "mapping_name", default=None, help="A column mapping saved by name in the browser.")
@click.option("--dry-run", is_flag=True, help="Check the file and print what would happen; change nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
@click.option("--verified", is_flag=True, help="Publish new organisations as verified, not queued for checks.")
@click.option("--source", "source_name", default=None, help="Where the list came from (shown with the batch).")
@click.option(
    "--dissolved",
    type=click.Choice([d.value for d in DissolvedRows]),
    default=DissolvedRows.REJECT.value,
    show_default=True,
    help="Rows the file says are dissolved, removed or struck off: reject them (listed with the reason), or keep "
    "them as archived (never published). Either way an organisation on the register is only flagged, not changed.",
)
def import_suppliers_command(
    file: Path,
    mapping_name: str | None,
    dry_run: bool,
    as_json: bool,
    verified: bool,
    source_name: str | None,
    dissolved: str,
) -> None:
    """Import providers from a CSV FILE: check every row, then (unless --dry-run) write them in one transaction.

    Rows that may be an organisation already on the register are not imported from the command line
    (they are rejected with that reason); decide them in the browser, or fix and re-import the rejected rows.
    """
    folder = upload_folder()
    started = time.perf_counter()
    stored: storage.StoredUpload | None = None
    try:
        with file.open("rb") as stream:
            stored = storage.store_upload(stream, folder, int(current_app.config["IMPORT_MAX_BYTES"]))
        batch = mapping.begin(
            db.session, CLI_ACTOR, stored, file.name, folder, source_name=source_name, mapping_name=mapping_name
        )
        mapping.mapping_of(batch).check()
        batch.publish_verified = verified
        batch.dissolved_rows = DissolvedRows(dissolved)
        tools = planning.collaborators(db.session, folder, SECTORS_FILE)
        with _bar("Checking", as_json) as check_progress:
            counts = steps.check(db.session, batch, tools, check_progress, now=utcnow())
        if not dry_run:
            with _bar("Importing", as_json, total=counts.rows) as commit_progress:
                counts = steps.commit(db.session, CLI_ACTOR, batch, tools, commit_progress, now=utcnow())
    except (storage.UploadError, ImportFormatError, MappingError, StepRefused) as error:
        db.session.rollback()
        _forget_unused(stored, folder)
        raise click.ClickException(str(error)) from error
    except Exception:
        db.session.rollback()
        _forget_unused(stored, folder)
        raise
    if dry_run:
        db.session.rollback()  # a dry run leaves no batch behind, nor its file
        _forget_unused(stored, folder)
    else:
        db.session.commit()
    result = {**counts.as_dict(), "dry_run": dry_run, "seconds": round(time.perf_counter() - started, 2)}
    if not dry_run:
        result["batch_id"] = batch.id
    if as_json:
        click.echo(json.dumps(result, indent=2))
        return
    click.echo("Dry run: nothing was written." if dry_run else f"Imported as batch {batch.id} ({file.name}).")
    for key in COUNT_KEYS:
        if key in SHOWN_WHEN_ANY and not result[key]:
            continue
        click.echo(f"  {COUNT_LABELS[key]:<30} {result[key]:>9,}")
    values = counts.as_dict()
    parts = [o.value for o in FINAL_OUTCOMES if values[o.value] or o.value in ("created", "updated", "unchanged")]
    parts += [POSSIBLE_MATCH] if counts.possible_match else []
    total = outcome_total(values)
    sums = "add up" if counts_add_up(values) else "do NOT add up"
    terms = " + ".join(p.replace("_", " ") for p in parts)
    click.echo(f"  {terms} = {total:,} of {counts.rows:,} rows: the counts {sums}.")
    if counts.formula:
        click.echo(
            f"  {counts.formula:,} rows have a cell starting with =, +, - or @ (imported as text): see the problems "
            "in the browser, or run with --dry-run first."
        )
    if not dry_run:
        click.echo(outcome_in_words(values))
    click.echo(f"Finished in {result['seconds']}s")


def _forget_unused(stored: storage.StoredUpload | None, folder: Path) -> None:
    """Delete a stored copy no batch refers to (a dry run's, or a refused file's)."""
    if stored is not None and not storage.stored_file_in_use(db.session, stored.name):
        (folder / stored.name).unlink(missing_ok=True)


class _bar:
    """The shared command-line progress bar (:mod:`app.cli.progress`: rows, percent, rate and time left) over the
    share of the file read, on standard error; silent with --json."""

    def __init__(self, label: str, quiet: bool, total: int | None = None) -> None:
        self._bar = None if quiet else ProgressBar(label, total=total or None, unit="rows")

    def __enter__(self) -> planning.Progress:
        def report(rows: int, fraction: float) -> None:
            if self._bar is not None:
                # Rows of a known total when importing (the check counted them); the share of the file read when
                # checking, as the rows are not known yet.
                self._bar.update(rows, fraction=None if self._bar.total else fraction)

        return report

    def __exit__(self, exc_type: object, *exc: object) -> None:
        if self._bar is not None:
            self._bar.finish(completed=exc_type is None)
