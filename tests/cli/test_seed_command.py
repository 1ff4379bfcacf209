"""`flask seed --demo` end to end, over seed_data with the postcode sample standing in for the whole directory."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Provider, SpendBand, User
from app.services.seed import UK_POSTCODES_FILE, WARD_POSTCODES_FILE

SEED_DIR = Path(__file__).resolve().parents[2] / "seed_data"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def _seed_dir_with_sample_postcodes(tmp_path: Path) -> Path:
    """seed_data, but for its postcode files: the sample the seed tests load (loading every UK postcode takes
    half a minute)."""
    for entry in SEED_DIR.iterdir():
        if entry.name != "postcodes":
            (tmp_path / entry.name).symlink_to(entry)
    (tmp_path / "postcodes").mkdir()
    (tmp_path / UK_POSTCODES_FILE).symlink_to(FIXTURES / "postcodes_sample.csv.gz")
    (tmp_path / WARD_POSTCODES_FILE).symlink_to(FIXTURES / "postcodes_sample_wards.csv.gz")
    return tmp_path


def test_seed_with_demo_loads_everything_and_says_what_it_did(app: Flask, session: Session, tmp_path: Path) -> None:
    result = app.test_cli_runner().invoke(
        args=["seed", "--demo", "--seed-dir", str(_seed_dir_with_sample_postcodes(tmp_path))]
    )

    assert result.exit_code == 0, result.output
    assert "Spend bands: 4 created" in result.output
    assert "Demo accounts (password: " in result.output
    # Knowsley's four bands, and the spend demo council's four (the demo's assumption, said so in its rationale).
    assert session.scalar(select(func.count()).select_from(SpendBand)) == 8
    assert session.scalar(select(func.count()).select_from(User)) > 0
    assert session.scalar(select(func.count()).select_from(Provider)) > 100
