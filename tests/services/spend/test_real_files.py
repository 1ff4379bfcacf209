"""Every shared spend file (../shared/data/spend) imported as councils publish them: each data row a payment or a
rejection, and the file's own total row equal to the amounts read where it has one (issue 13's "done when").

Skipped when the shared data is absent. Trafford's 2024-25 year (210,068 payments) is left to the benchmark
(tests/benchmarks/bench_spend.py), which imports it on SQLite and PostgreSQL and times it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.domain.spend.lifecycle import SpendBatchStatus
from app.models.spend import Payment, SpendRejection
from app.services.spend.importing import import_file
from tests.factories import CouncilSetup
from tests.services.spend.test_importing import ACTOR, NOW

SPEND = Path(__file__).resolve().parents[4] / "shared" / "data" / "spend"
#: Imported by the benchmark instead: a year of a metropolitan council's payments.
BENCH_ONLY = {"trafford-supplier-spend-2024-25.zip"}
#: At most this share of a real file's rows may be rejected (each one listed with its reason when more are).
MOST_REJECTED = 0.02


def _spend_files() -> list[Path]:
    if not SPEND.is_dir():
        return []
    found = [
        *SPEND.glob("*.csv"),
        *SPEND.glob("*.csv.gz"),
        *(p for p in (SPEND / "hyndburn_2017_2025").glob("*.csv") if p.name != "SOURCES.csv"),
        *(SPEND / "nwod_gmca_2019").glob("*.csv.gz"),
        *(SPEND / "trafford").glob("*.zip"),
    ]
    return sorted(p for p in found if p.name not in BENCH_ONLY)


FILES = _spend_files()


@pytest.mark.skipif(not FILES, reason="the shared spend data (../shared/data/spend) is not here")
@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_a_published_spend_file_imports_with_every_row_accounted_for(
    app: Flask, session: Session, knowsley: CouncilSetup, path: Path
) -> None:
    folder = Path(app.config["UPLOAD_FOLDER"])
    batch = import_file(
        session, knowsley.council, path, path.name, ACTOR, NOW, folder=folder, max_bytes=100 * 1024 * 1024
    )
    counts = batch.counts
    assert batch.status == SpendBatchStatus.IMPORTED
    assert counts["rows"] > 0
    assert counts["rows"] == counts["payments"] + counts["rejected"]
    # What the counts say is what the database holds.
    held = session.scalar(select(func.count()).select_from(Payment).where(Payment.batch_id == batch.id))
    rejected = session.scalar(
        select(func.count()).select_from(SpendRejection).where(SpendRejection.batch_id == batch.id)
    )
    assert (held, rejected) == (counts["payments"], counts["rejected"])
    total = session.scalar(select(func.sum(Payment.amount_pence)).where(Payment.batch_id == batch.id))
    assert total == counts["total_pence"]
    if batch.file_total_pence is not None:
        assert counts["total_difference_pence"] == 0, (batch.file_total_pence, counts["lines_pence"])
    if counts["rejected"] > MOST_REJECTED * counts["rows"]:
        reasons = session.execute(
            select(SpendRejection.row_number, SpendRejection.code, SpendRejection.cell, SpendRejection.reason)
            .where(SpendRejection.batch_id == batch.id)
            .order_by(SpendRejection.row_number)
            .limit(20)
        ).all()
        pytest.fail(f"{counts['rejected']} of {counts['rows']} rows rejected: {reasons}")
    session.rollback()
