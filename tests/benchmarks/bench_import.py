"""Import benchmark: a 100,000-row CSV on real postcodes, checked and imported through the import service.

    make bench     # or: .venv/bin/python -m tests.benchmarks.bench_import [--database-url URL] [--rows N]

Prepares a database with the reference data and the UK postcode directory, writes the CSV (mixed legal forms
and registration numbers, real postcodes from the directory, services by name, one row in a hundred with a
problem), then runs the check and the commit in a separate process so its peak memory is the import's own.

Targets (issue 14): check + commit under 20 s on SQLite and under 30 s on PostgreSQL, peak memory under 300 MB on
both. The file is streamed a chunk at a time; the commit writes new providers, their offices, numbers, services and
search documents, and the ImportChange and ImportIssue rows, by COPY on PostgreSQL and one prepared executemany on
SQLite (app/services/imports/bulk.py). Beside the seconds it prints the importing process's CPU seconds and the
machine's load average, since the machine may be shared: seconds well above CPU seconds mean it was waiting.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.benchmarks.bench_geo import machine

ROOT = Path(__file__).resolve().parents[2]
#: Seconds for check + commit, by engine, and the importing process's peak memory (issue 14).
TARGET_SECONDS = {"SQLite": 20.0, "PostgreSQL": 30.0}
TARGET_MB = 300
FORMS = [
    ("Community Interest Company", "company"),
    ("Society", "society"),
    ("Company limited by guarantee", "company"),
    ("Charity", "charity"),
    ("Private limited company", "company"),
    ("Co-operative", "society"),
]
WORDS = ["Community", "Care", "Green", "Valley", "Youth", "Food", "Arts", "Repair", "Energy", "Bridge", "Harbour"]
HEADERS = ["name", "legal form", "registration number", "address", "postcode", "email", "website", "services"]


def _app(url: str):  # type: ignore[no-untyped-def]
    from app import create_app

    return create_app({"APP_ENV": "test", "SQLALCHEMY_DATABASE_URI": url})


def write_csv(path: Path, postcodes: list[str], services: list[str], rows: int, rng: random.Random) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADERS)
        for n in range(rows):
            form, kind = FORMS[n % len(FORMS)]
            number = {"company": f"{10_000_000 + n:08d}", "society": f"{n + 1}R", "charity": f"{1_000_000 + n}"}[kind]
            name = f"{rng.choice(WORDS)} {rng.choice(WORDS)} {form.split()[0]} {n}"
            email = f"hello{n}@example.org" if n % 100 else "not an email"
            if n % 100 == 50:
                name = ""  # rejected: the name is missing
            writer.writerow(
                [
                    name,
                    form,
                    number,
                    f"{n % 300 + 1} High Street\nUnit {n % 7}",
                    rng.choice(postcodes),
                    email,
                    f"www.org{n}.example.org",
                    rng.choice(services),
                ]
            )


def prepare(url: str, csv_path: Path, rows: int) -> float:
    """Reference data, the postcode directory and the CSV; returns the seconds the reference data took."""
    from sqlalchemy import select

    from app.extensions import db
    from app.models import Postcode, ServiceCategory
    from app.services.audit import Actor
    from app.services.seed import load_reference_data

    app = _app(url)
    with app.app_context():
        db.drop_all()
        db.create_all()
        started = time.perf_counter()
        load_reference_data(db.session, ROOT / "seed_data", Actor.system("bench"))
        db.session.commit()
        seconds = time.perf_counter() - started
        postcodes = list(
            db.session.scalars(select(Postcode.postcode).where(Postcode.latitude.is_not(None)).limit(50_000))
        )
        services = [c.name for c in db.session.scalars(select(ServiceCategory))]
    write_csv(csv_path, postcodes, services, rows, random.Random(20261125))
    return seconds


def run_import(url: str, csv_path: Path, uploads: Path) -> dict[str, Any]:
    """Check and commit the file, as the CLI and the jobs do; runs in its own process (see main)."""
    from app.extensions import db
    from app.jobs.imports import SECTORS_FILE
    from app.models.base import utcnow
    from app.services.audit import Actor
    from app.services.imports import mapping, planning, steps, storage

    app = _app(url)
    actor = Actor.system("bench")
    with app.app_context():
        started, cpu = time.perf_counter(), _cpu_seconds()
        with csv_path.open("rb") as stream:
            stored = storage.store_upload(stream, uploads, 200 * 1024 * 1024)
        batch = mapping.begin(db.session, actor, stored, csv_path.name, uploads)
        tools = planning.collaborators(db.session, uploads, SECTORS_FILE)
        checked = steps.check(db.session, batch, tools, now=utcnow())
        db.session.commit()
        check_seconds, check_cpu = time.perf_counter() - started, _cpu_seconds() - cpu
        started, cpu = time.perf_counter(), _cpu_seconds()
        counts = steps.commit(db.session, actor, batch, tools, now=utcnow())
        db.session.commit()
        commit_seconds, commit_cpu = time.perf_counter() - started, _cpu_seconds() - cpu
    return {
        "check_seconds": check_seconds,
        "commit_seconds": commit_seconds,
        "check_cpu": check_cpu,
        "commit_cpu": commit_cpu,
        "checked": checked.as_dict(),
        "counts": counts.as_dict(),
        "peak_mb": _peak_mb(),
    }


def _peak_mb() -> float:
    """This process's peak resident memory. Linux's VmHWM, which starts afresh when the process starts its program:
    getrusage's maxrss carries over the parent's at the fork, so a parent that loaded the postcode directory (440 MB)
    would be counted as the import's."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kb = next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:"))
    return int(kb) / 1024


def _cpu_seconds() -> float:
    """This process's CPU seconds (user and system)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _load() -> str:
    """The machine's load average over the last minute (what else was running)."""
    return f"{os.getloadavg()[0]:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--run-import", nargs=3, metavar=("URL", "CSV", "UPLOADS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run_import:
        url, csv_path, uploads = args.run_import
        print(json.dumps(run_import(url, Path(csv_path), Path(uploads))))
        return

    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/bench.db"
        engine_name = "PostgreSQL" if url.startswith("postgres") else "SQLite"
        csv_path = Path(tmp) / "suppliers.csv"
        reference = prepare(url, csv_path, args.rows)
        size_mb = csv_path.stat().st_size / (1024 * 1024)
        uploads = Path(tmp) / "uploads"
        load_before = _load()
        result = subprocess.run(  # noqa: S603  (this interpreter, this module)
            [sys.executable, "-m", "tests.benchmarks.bench_import", "--run-import", url, str(csv_path), str(uploads)],
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONWARNINGS": "ignore"},
        )
        figures = json.loads(result.stdout.strip().splitlines()[-1])
    counts = figures["counts"]
    total = figures["check_seconds"] + figures["commit_seconds"]
    target = TARGET_SECONDS[engine_name]
    adds_up = counts["created"] + counts["updated"] + counts["unchanged"] + counts["rejected"] == counts["rows"]
    print(f"Import benchmark on {engine_name}, {machine()}, load average {load_before} before, {_load()} after")
    print(f"  reference data and UK postcode directory: {reference:.1f} s")
    print(f"  file: {args.rows:,} rows, {size_mb:.1f} MB, real postcodes")
    for step, label in (("check", "check (dry run)"), ("commit", "commit")):
        seconds = figures[f"{step}_seconds"]
        print(f"  {label}: {seconds:.1f} s ({figures[f'{step}_cpu']:.1f} s CPU), {args.rows / seconds:,.0f} rows/s")
    print(
        f"  check + commit: {total:.1f} s [target < {target:.0f} s: {'met' if total < target else 'NOT met'}]; "
        f"peak memory of the importing process: {figures['peak_mb']:.0f} MB [target < {TARGET_MB} MB: "
        f"{'met' if figures['peak_mb'] < TARGET_MB else 'NOT met'}]"
    )
    print(
        f"  counts: created {counts['created']:,}, updated {counts['updated']:,}, unchanged {counts['unchanged']:,}, "
        f"rejected {counts['rejected']:,}, not placed {counts['not_placed']:,}: "
        + ("they add up" if adds_up else "they DO NOT add up")
    )


if __name__ == "__main__":
    main()
