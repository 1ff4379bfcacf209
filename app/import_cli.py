"""``flask import-suppliers``: the officers' CSV import from the command line, through the same service."""

from __future__ import annotations

import json
import time
from pathlib import Path

import click
from flask import current_app

from app.domain.imports import ImportFormatError, MappingError, counts_add_up
from app.extensions import db
from app.jobs import SECTORS_FILE, upload_folder
from app.services import imports
from app.services.audit import Actor

CLI_ACTOR = Actor.system("command line")
ORDER = ("rows", "created", "updated", "unchanged", "rejected", "possible_match", "with_warnings", "not_placed")
LABELS = {
    "rows": "Rows in the file",
    "created": "New organisations",
    "updated": "Updated",
    "unchanged": "Unchanged",
    "rejected": "Rejected",
    "possible_match": "Possible matches to decide",
    "with_warnings": "Imported with a warning",
    "not_placed": "Not placed on the map",
}


@click.command("import-suppliers")
@click.argument("file", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--mapping", "mapping_name", default=None, help="A column mapping saved by name in the browser.")
@click.option("--dry-run", is_flag=True, help="Check the file and print what would happen; change nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
@click.option("--verified", is_flag=True, help="Publish new organisations as verified, not queued for checks.")
@click.option("--source", "source_name", default=None, help="Where the list came from (shown with the batch).")
def import_suppliers_command(
    file: Path, mapping_name: str | None, dry_run: bool, as_json: bool, verified: bool, source_name: str | None
) -> None:
    """Import providers from a CSV FILE: check every row, then (unless --dry-run) write them in one transaction.

    Rows that may be an organisation already on the register are not imported from the command line
    (they are rejected with that reason); decide them in the browser, or fix and re-import the rejected rows.
    """
    folder = upload_folder()
    started = time.perf_counter()
    stored: imports.StoredUpload | None = None
    try:
        with file.open("rb") as stream:
            stored = imports.store_upload(stream, folder, int(current_app.config["IMPORT_MAX_BYTES"]))
        batch = imports.begin(
            db.session, CLI_ACTOR, stored, file.name, folder, source_name=source_name, mapping_name=mapping_name
        )
        imports.mapping_of(batch).check()
        batch.publish_verified = verified
        tools = imports.collaborators(db.session, folder, SECTORS_FILE)
        with _bar("Checking", as_json) as check_progress:
            counts = imports.check(db.session, batch, tools, check_progress)
        if not dry_run:
            with _bar("Importing", as_json) as commit_progress:
                counts = imports.commit(db.session, CLI_ACTOR, batch, tools, commit_progress)
    except (imports.UploadError, ImportFormatError, MappingError, imports.ImportError_) as error:
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
    click.echo("Dry run: nothing was written." if dry_run else f"Imported as batch {batch.id}.")
    for key in ORDER:
        click.echo(f"  {LABELS[key]:<30} {result[key]:>9,}")
    total = counts.created + counts.updated + counts.unchanged + counts.rejected + counts.possible_match
    sums = "add up" if counts_add_up(counts.as_dict()) else "do NOT add up"
    terms = "created + updated + unchanged + rejected" + (" + possible matches" if counts.possible_match else "")
    click.echo(f"  {terms} = {total:,} of {counts.rows:,} rows: the counts {sums}.")
    if not dry_run and counts.created == counts.updated == 0:
        click.echo("Nothing on the register changed.")
    click.echo(f"Finished in {result['seconds']}s")


def _forget_unused(stored: imports.StoredUpload | None, folder: Path) -> None:
    """Delete a stored copy no batch refers to (a dry run's, or a refused file's)."""
    if stored is not None and not imports.stored_file_in_use(db.session, stored.name):
        (folder / stored.name).unlink(missing_ok=True)


class _bar:
    """A progress bar over the fraction of the file read (silent with --json)."""

    def __init__(self, label: str, quiet: bool) -> None:
        self.label = label
        self.quiet = quiet
        self._bar = None if quiet else click.progressbar(length=1000, label=label, show_eta=True)
        self._at = 0

    def __enter__(self) -> imports.Progress:
        if self._bar is not None:
            self._bar.__enter__()

        def report(rows: int, fraction: float) -> None:
            if self._bar is not None:
                step = int(fraction * 1000) - self._at
                if step > 0:
                    self._bar.update(step)
                    self._at += step

        return report

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc)  # type: ignore[arg-type]
