"""Spend benchmark: a year of a metropolitan council's payments imported, then the year's report.

    make bench     # or: .venv/bin/python -m tests.benchmarks.bench_spend [--database-url URL] [--rounds N]

Imports Trafford Council's published 2024-25 supplier spend (../shared/data/spend/trafford/, one CSV of 210,068
payments in a 53 MB zip) through the same service as `flask spend import`, in a process of its own so its peak memory
is the import's; then times the 2024-25 spend report (server side: the report service, its SQL and the Python that
sums it) beside the same statements replayed as bare SQL on the database connection, and prints the ratio. Targets
(issue 13): the import under 30 s and 300 MB peak; the report under 500 ms.

Without --database-url it runs on SQLite, then on PostgreSQL too when BENCH_DATABASE_URL or TEST_DATABASE_URL names
a PostgreSQL server (in a database of its own, `<name>_bench_spend`, created and emptied here). Nobody has attributed
Trafford's suppliers on this register, so after the import each supplier is given a place, basis, legal form, size
and deprivation decile at random (seeded): the report then has every figure to sum, as an attributed council's would.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, select, text, update
from sqlalchemy.engine import make_url

from tests.benchmarks.bench_geo import machine

ROOT = Path(__file__).resolve().parents[2]
TRAFFORD = ROOT.parent / "shared" / "data" / "spend" / "trafford" / "trafford-supplier-spend-2024-25.zip"
POSTCODE_SAMPLE = (
    ROOT / "tests/fixtures/postcodes_sample.csv.gz",
    ROOT / "tests/fixtures/postcodes_sample_wards.csv.gz",
)
TRAFFORD_CODE = "E08000009"
GREATER_MANCHESTER = "E47000001"


def _app(url: str):  # type: ignore[no-untyped-def]
    from app import create_app

    return create_app({"APP_ENV": "test", "SQLALCHEMY_DATABASE_URI": url})


def prepare(url: str) -> float:
    """An empty database with the reference data (the postcode sample, not the whole directory) and Trafford Council;
    returns the seconds the reference data took."""
    from app.domain.policy import LocalAreaDefinition
    from app.extensions import db
    from app.models import Area, Council
    from app.services.audit import Actor
    from app.services.seed import load_reference_data

    app = _app(url)
    with app.app_context():
        db.drop_all()
        db.create_all()
        started = time.perf_counter()
        load_reference_data(db.session, ROOT / "seed_data", Actor.system("bench"), postcode_files=POSTCODE_SAMPLE)
        seconds = time.perf_counter() - started
        trafford = db.session.scalar(select(Area).where(Area.code == TRAFFORD_CODE))
        wider = db.session.scalar(select(Area).where(Area.code == GREATER_MANCHESTER))
        if trafford is None:
            raise SystemExit(f"The reference data has no district {TRAFFORD_CODE} (Trafford)")
        if db.session.scalar(select(Council).where(Council.district_id == trafford.id)) is None:
            db.session.add(
                Council(
                    name="Trafford Council",
                    district=trafford,
                    local_area_definition=LocalAreaDefinition.OWN_AREA,
                    wider_area=wider,
                )
            )
        db.session.commit()
        db.engine.dispose()
    return seconds


def run_import(url: str, zip_path: Path, uploads: Path) -> dict[str, Any]:
    """Import the file as `flask spend import` does; runs in its own process (see main) so its peak memory is the
    import's."""
    from app.extensions import db
    from app.models import Area, Council
    from app.models.base import utcnow
    from app.services.audit import Actor
    from app.services.spend.importing import import_file

    app = _app(url)
    with app.app_context():
        council = db.session.scalar(select(Council).join(Area, Council.district_id == Area.id).where(
            Area.code == TRAFFORD_CODE
        ))  # fmt: skip
        assert council is not None
        started = time.perf_counter()
        batch = import_file(
            db.session,
            council,
            zip_path,
            zip_path.name,
            Actor.system("bench"),
            utcnow(),
            folder=uploads,
            max_bytes=200 * 1024 * 1024,
        )
        db.session.commit()
        seconds = time.perf_counter() - started
        counts = dict(batch.counts)
        db.engine.dispose()
    return {
        "seconds": seconds,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "counts": counts,
        "file_total_pence": batch.file_total_pence,
    }


def classify_at_random(session: Any, seed: int = 20261203) -> int:
    """Give every supplier a place, basis, legal form, size and decile at random (seeded); returns how many."""
    from app.domain.providers import SOCIAL_ECONOMY_FORMS, LegalForm
    from app.domain.spend.classification import Exclusion, PlaceBasis, Resolution, SpendPlace
    from app.models import SpendSupplier

    rng = random.Random(seed)
    places = [
        (SpendPlace.LOCAL, 25),
        (SpendPlace.WIDER, 25),
        (SpendPlace.OUTSIDE, 30),
        (SpendPlace.NOT_KNOWN, 15),
        (SpendPlace.NOT_A_SUPPLIER, 5),
    ]
    forms = [f for f in LegalForm if f != LegalForm.UNKNOWN]
    ids = list(session.scalars(select(SpendSupplier.id).order_by(SpendSupplier.id)))
    for supplier_id in ids:
        place = rng.choices([p for p, _ in places], [w for _, w in places])[0]
        form = rng.choice(forms)
        values: dict[str, Any] = {
            "place": place,
            "place_basis": rng.choice(list(PlaceBasis)) if place == SpendPlace.LOCAL else None,
            "legal_form": form,
            "social_economy": form in SOCIAL_ECONOMY_FORMS,
            "sme": rng.choice([True, False, None]),
            "imd_decile": rng.choice([None, *range(1, 11)]),
            "resolution": Resolution.EXCLUDED
            if place == SpendPlace.NOT_A_SUPPLIER
            else (Resolution.UNRESOLVED if place == SpendPlace.NOT_KNOWN else Resolution.MATCHED),
            "exclusion": rng.choice(list(Exclusion)) if place == SpendPlace.NOT_A_SUPPLIER else None,
        }
        session.execute(update(SpendSupplier).where(SpendSupplier.id == supplier_id).values(**values))
    session.commit()
    return len(ids)


def time_report(session: Any, council: Any, period: Any, rounds: int) -> dict[str, Any]:
    """The report's server time (wall and, on SQLite, this process's CPU) and its statements replayed as bare SQL."""
    from app.extensions import db
    from app.services.spend.report import spend_report

    engine = db.engine
    spend_report(session, council, period)  # warm the caches
    session.rollback()
    wall: list[float] = []
    cpu: list[float] = []
    bare: list[float] = []
    report = None
    for _ in range(rounds):
        statements: list[tuple[str, Any]] = []

        def capture(conn, cursor, statement, parameters, context, executemany, seen=statements):  # type: ignore[no-untyped-def]
            seen.append((statement, parameters))

        event.listen(engine, "before_cursor_execute", capture)
        started, started_cpu = time.perf_counter(), time.process_time()
        report = spend_report(session, council, period)
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
        event.remove(engine, "before_cursor_execute", capture)
        session.rollback()
        raw = session.connection().connection.dbapi_connection
        cursor = raw.cursor()
        started = time.perf_counter()
        for statement, parameters in statements:
            cursor.execute(statement, parameters)
            cursor.fetchall()
        bare.append((time.perf_counter() - started) * 1000)
        cursor.close()
        session.rollback()
    return {"wall": wall, "cpu": cpu, "bare": bare, "report": report, "statements": len(statements)}


def time_leakage(session: Any, council: Any, period: Any) -> tuple[float, int]:
    from app.services.spend.leakage import leakage_opportunities

    started = time.perf_counter()
    found = leakage_opportunities(session, council, period)
    seconds = (time.perf_counter() - started) * 1000
    session.rollback()
    return seconds, len(found)


def _ms(values: list[float]) -> str:
    return f"p50 {statistics.median(values):.0f} ms, best {min(values):.0f} ms"


def bench(url: str, rounds: int) -> None:
    from app.domain.policy import format_pence
    from app.domain.spend.periods import Period
    from app.extensions import db
    from app.models import Area, Council

    engine_name = "PostgreSQL" if url.startswith("postgres") else "SQLite"
    reference = prepare(url)
    with tempfile.TemporaryDirectory() as uploads:
        result = subprocess.run(  # noqa: S603  (this interpreter, this module)
            [sys.executable, "-m", "tests.benchmarks.bench_spend", "--run-import", url, str(TRAFFORD), uploads],
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONWARNINGS": "ignore"},
        )
    imported = json.loads(result.stdout.strip().splitlines()[-1])
    counts = imported["counts"]
    app = _app(url)
    with app.app_context():
        session = db.session
        suppliers = classify_at_random(session)
        if engine_name == "PostgreSQL":
            session.execute(text("ANALYZE"))
            session.commit()
        council = session.scalar(select(Council).join(Area, Council.district_id == Area.id).where(
            Area.code == TRAFFORD_CODE
        ))  # fmt: skip
        period = Period.financial_year(2024)
        timed = time_report(session, council, period, rounds)
        leakage_ms, leaking = time_leakage(session, council, period)
        db.engine.dispose()
    report = timed["report"]
    adds_up = counts["rows"] == counts["payments"] + counts["rejected"]
    ratio = statistics.median(timed["wall"]) / max(statistics.median(timed["bare"]), 0.001)
    size_mb = TRAFFORD.stat().st_size / (1024 * 1024)
    with zipfile.ZipFile(TRAFFORD) as archive:
        unzipped_mb = sum(member.file_size for member in archive.infolist()) / (1024 * 1024)
    print(f"Spend benchmark on {engine_name}, {machine()}; load average {os.getloadavg()[0]:.1f}")
    print(f"  reference data (postcode sample): {reference:.1f} s")
    print(f"  file: {TRAFFORD.name}, {size_mb:.1f} MB zipped, {unzipped_mb:.1f} MB unzipped")
    print(
        f"  import: {imported['seconds']:.1f} s, {counts['rows'] / imported['seconds']:,.0f} rows/s   [target < 30 s]; "
        f"peak memory of the importing process: {imported['peak_mb']:.0f} MB   [target < 300 MB]"
    )
    print(
        f"  counts: {counts['rows']:,} rows read = {counts['payments']:,} payments + {counts['rejected']:,} rejected "
        f"({'they add up' if adds_up else 'they DO NOT add up'}); {counts.get('credits', 0):,} credits; "
        f"{counts.get('suppliers_new', 0):,} suppliers"
    )
    print(f"  suppliers given a random classification (seeded) for the report to sum: {suppliers:,}")
    print(
        f"  report {period.label} over {report.total.payments:,} payments ({timed['statements']} statements), "
        f"{rounds} rounds: {_ms(timed['wall'])}"
        + (f"; CPU {_ms(timed['cpu'])}" if engine_name == "SQLite" else "")
        + "   [target < 500 ms]"
    )
    print(f"  the same statements as bare SQL: {_ms(timed['bare'])}; report / bare SQL = {ratio:.2f}")
    print(
        f"  figures: {format_pence(report.total.pence)} paid; measured {format_pence(report.measured.pence)}; "
        f"local {report.local.percent}, social economy {report.social_economy.percent}, SMEs {report.sme.percent}, "
        f"categories by {report.dimension_label.lower()}: {len(report.categories):,}"
    )
    print(f"  leakage opportunities: {leaking:,} categories in {leakage_ms:.0f} ms")


def postgres_url_from_env() -> str | None:
    """A database of our own on the PostgreSQL server BENCH_DATABASE_URL or TEST_DATABASE_URL names, created if
    need be (never the named database itself: the benchmark empties the one it runs on)."""
    from app.config import normalise_database_url

    named = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    if not named or not named.startswith("postgres"):
        return None
    url = make_url(normalise_database_url(named))
    url = url.set(database=f"{url.database}_bench_spend")
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            found = connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": url.database})
            if found.first() is None:
                connection.execute(text(f'CREATE DATABASE "{url.database}"'))
    finally:
        admin.dispose()
    return url.render_as_string(hide_password=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--run-import", nargs=3, metavar=("URL", "ZIP", "UPLOADS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run_import:
        url, zip_path, uploads = args.run_import
        print(json.dumps(run_import(url, Path(zip_path), Path(uploads))))
        return
    if not TRAFFORD.exists():
        print(f"Spend benchmark skipped: {TRAFFORD} is not here (the shared data folder beside the checkout)")
        return
    if args.database_url:
        bench(args.database_url, args.rounds)
        return
    with tempfile.TemporaryDirectory() as tmp:
        bench(f"sqlite:///{tmp}/bench_spend.db", args.rounds)
    postgres = postgres_url_from_env()
    if postgres:
        bench(postgres, args.rounds)


if __name__ == "__main__":
    main()
