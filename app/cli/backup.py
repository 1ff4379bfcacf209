"""`flask backup`: a consistent copy of the SQLite database while the service runs."""

from __future__ import annotations

import time
from pathlib import Path

import click
from flask import current_app

from app.extensions import db


@click.command("backup")
@click.option(
    "--to",
    "target",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="The backup file (default: instance/backups/register-<date-time>.db).",
)
def backup_command(target: Path | None) -> None:
    """Copy the SQLite database to a file, safely while the service runs (PostgreSQL: use pg_dump)."""
    import sqlite3

    url = db.engine.url
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        raise click.ClickException(
            "flask backup copies the SQLite database. For PostgreSQL use pg_dump, e.g. "
            'pg_dump --format=custom --file register.dump "$DATABASE_URL" (see docs/deployment.md).'
        )
    source = Path(url.database)
    if target is None:
        stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
        target = Path(current_app.instance_path) / "backups" / f"register-{stamp}.db"
    if target.exists():
        raise click.ClickException(f"{target} exists already; choose another name.")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    started = time.perf_counter()
    try:
        with sqlite3.connect(source) as live, sqlite3.connect(partial) as copy:
            live.backup(copy)  # the online backup API: a consistent copy even while pages and jobs write
            check = copy.execute("PRAGMA integrity_check").fetchone()[0]
        if check != "ok":
            raise click.ClickException(f"The copy failed its integrity check ({check}); nothing was kept.")
        partial.replace(target)
    except (OSError, sqlite3.Error) as error:
        raise click.ClickException(f"The backup could not be written: {error}") from error
    finally:
        partial.unlink(missing_ok=True)
    size = target.stat().st_size / (1024 * 1024)
    click.echo(f"Backed up {source} to {target} ({size:.1f} MB, {time.perf_counter() - started:.1f}s, checked).")
    click.echo("To restore: stop the service, copy the file over the database file, start the service.")
