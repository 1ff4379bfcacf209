"""Command-line tools over the same services the web pages use."""

from __future__ import annotations

import os
import time
from pathlib import Path

import click
from flask import Flask, current_app
from sqlalchemy import select

from app.cli_progress import progress_bar
from app.config import PROJECT_ROOT
from app.domain.roles import COUNCIL_ROLES, Role
from app.extensions import db
from app.mailer import deliver_outbox
from app.models import Area, Council, OutboxEmail
from app.services import accounts, fulltext, seed
from app.services.audit import Actor

DEFAULT_DEMO_PASSWORD = "local-supplier-demo"  # noqa: S105  (demo accounts exist only outside production)
SEED_DIR = PROJECT_ROOT / "seed_data"
CLI_ACTOR = Actor.system("command line")


def _progress(message: str) -> None:
    click.echo(f"  {message}")


@click.command("seed")
@click.option("--demo/--no-demo", default=False, help="Also load demo providers and demo accounts.")
@click.option("--seed-dir", type=click.Path(path_type=Path, file_okay=False), default=SEED_DIR, show_default=True)
def seed_command(demo: bool, seed_dir: Path) -> None:
    """Load reference data (areas, thresholds, services, the council) and optionally the demo data."""

    if demo and not current_app.config["DEMO_DATA_ALLOWED"]:
        raise click.ClickException("Demo data and demo accounts are never loaded in production.")
    started = time.perf_counter()
    with progress_bar("  Postcode directory", unit="postcodes") as bar:
        report = seed.load_reference_data(
            db.session,
            seed_dir,
            CLI_ACTOR,
            progress=_progress,
            postcode_progress=lambda rows, share: bar.update(rows, fraction=share),
        )
    db.session.commit()
    for line in report.lines():
        click.echo(line)
    if demo:
        password = os.environ.get("DEMO_PASSWORD", DEFAULT_DEMO_PASSWORD)
        demo_report = seed.load_demo_data(db.session, seed_dir, CLI_ACTOR, password, progress=_progress)
        db.session.commit()
        for line in demo_report.lines():
            click.echo(line)
        click.echo("")
        click.echo(f"Demo accounts (password: {password}):")
        for email, role in demo_report.demo_accounts:
            click.echo(f"  {Role(role).label:<20} {email}")
    click.echo(f"Seed finished in {time.perf_counter() - started:.1f}s")


@click.command("create-user")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--email", required=True)
@click.option("--name", "full_name", default=None, help="The person's full name.")
@click.option("--council", "council_code", default=None, help="GSS code of the council (default: COUNCIL_CODE).")
def create_user_command(role: str, email: str, full_name: str | None, council_code: str | None) -> None:
    """Create an officer, commissioner or admin. The password is prompted for, or read from NEW_USER_PASSWORD."""
    password = os.environ.get("NEW_USER_PASSWORD") or click.prompt(
        "Password", hide_input=True, confirmation_prompt=True
    )
    council = None
    if Role(role) in COUNCIL_ROLES:
        code = council_code or current_app.config["COUNCIL_CODE"]
        council = db.session.scalar(select(Council).join(Area, Council.district_id == Area.id).where(Area.code == code))
        if council is None:
            raise click.ClickException(f"No council with district code {code}: run 'flask seed' first.")
    try:
        user = accounts.create_user(
            db.session,
            email=email,
            password=password,
            role=Role(role),
            actor=CLI_ACTOR,
            council=council,
            full_name=full_name,
            email_confirmed=True,
        )
    except accounts.AccountError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"Created {Role(role).label.lower()} {user.email}")


@click.command("outbox")
@click.option("--limit", default=5, show_default=True)
def outbox_command(limit: int) -> None:
    """Show the latest emails in the outbox (useful when no SMTP server is configured)."""
    messages = db.session.scalars(select(OutboxEmail).order_by(OutboxEmail.id.desc()).limit(limit)).all()
    if not messages:
        click.echo("The outbox is empty.")
    for message in messages:
        state = f"sent {message.sent_at:%Y-%m-%d %H:%M}" if message.sent_at else f"not sent: {message.last_error}"
        click.echo(
            f"--- #{message.id} to {message.to_address} ({state})\nSubject: {message.subject}\n\n{message.body}\n"
        )


@click.command("send-outbox")
def send_outbox_command() -> None:
    """Send any emails still waiting in the outbox."""
    click.echo(f"Sent {deliver_outbox()} emails.")


@click.group("search")
def search_group() -> None:
    """The full-text search index."""


@search_group.command("reindex")
def reindex_command() -> None:
    """Rebuild every provider's search document (after an upgrade, or to repair the index)."""
    count = fulltext.rebuild(db.session)
    db.session.commit()
    click.echo(f"Indexed {count:,} providers.")


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


def register_cli(app: Flask) -> None:
    from app.geo_cli import geo
    from app.import_cli import import_suppliers_command

    for command in (
        seed_command,
        create_user_command,
        outbox_command,
        send_outbox_command,
        geo,
        search_group,
        import_suppliers_command,
        backup_command,
    ):
        app.cli.add_command(command)
