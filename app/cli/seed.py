"""`flask seed`: reference data (areas, thresholds, services, the council) and, outside production, the demo."""

from __future__ import annotations

import os
import time
from pathlib import Path

import click
from flask import current_app

from app.cli.common import CLI_ACTOR, echo_step
from app.cli.progress import progress_bar
from app.config import PROJECT_ROOT
from app.domain.roles import Role
from app.extensions import db
from app.models.base import utcnow
from app.services import seed

DEFAULT_DEMO_PASSWORD = "local-supplier-demo"  # noqa: S105  (demo accounts exist only outside production)
SEED_DIR = PROJECT_ROOT / "seed_data"


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
            progress=echo_step,
            postcode_progress=lambda rows, share: bar.update(rows, fraction=share),
        )
    db.session.commit()
    for line in report.lines():
        click.echo(line)
    if demo:
        password = os.environ.get("DEMO_PASSWORD", DEFAULT_DEMO_PASSWORD)
        demo_report = seed.load_demo_data(
            db.session,
            seed_dir,
            CLI_ACTOR,
            password,
            utcnow(),
            progress=echo_step,
            upload_folder=Path(current_app.config["UPLOAD_FOLDER"]),
        )
        db.session.commit()
        for line in demo_report.lines():
            click.echo(line)
        click.echo("")
        click.echo(f"Demo accounts (password: {password}):")
        for email, role in demo_report.demo_accounts:
            click.echo(f"  {Role(role).label:<20} {email}")
    click.echo(f"Seed finished in {time.perf_counter() - started:.1f}s")
