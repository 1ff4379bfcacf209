"""PSC snapshot benchmark (issue 15, item 6): loading Companies House's persons-with-significant-control snapshot.

    .venv/bin/python -m tests.benchmarks.bench_psc [--lines N] [--database-url URL ...]

Generates (seeded, cached under the system's temporary folder) a zip of the real snapshot's shape: one text member of
JSON lines, {"company_number": ..., "data": {...}} in company order, about 70% individuals (names, birth dates,
addresses: read past, never kept), 5% corporate entities (half registered in the UK and owned in turn, a tenth in
offshore centres), under 1% legal persons and super-secure persons, 4% statements, a few exemptions, and the final
totals line. The load runs in a spawned child, so its peak memory is the load's alone. Prints its figures; asserts
nothing. Not in ``make bench`` (the real snapshot is about 10 million lines: scale the figures by ten).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import random
import tempfile
import time
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

from tests.benchmarks.bench_geo import _engine, _peak_memory_mb, _postgres_answers, machine

SEED = 20261201
CACHE = Path(tempfile.gettempdir()) / "lsr_bench_psc"
COUNTRIES = ["England", "England & Wales", "United Kingdom", "Scotland", "Jersey", "BVI", "Delaware", "Germany"]


def _individual(number: str, rng: random.Random) -> dict[str, Any]:
    return {
        "company_number": number,
        "data": {
            "address": {"address_line_1": f"{rng.randrange(1, 200)} High Street", "postal_code": "L36 9GD"},
            "country_of_residence": "England",
            "date_of_birth": {"month": rng.randrange(1, 13), "year": rng.randrange(1940, 2000)},
            "etag": f"{rng.getrandbits(160):040x}",
            "kind": "individual-person-with-significant-control",
            "links": {"self": f"/company/{number}/persons-with-significant-control/individual/{rng.getrandbits(64):x}"},
            "name": "Mx Example Person",
            "name_elements": {"forename": "Example", "surname": "Person", "title": "Mx"},
            "nationality": "British",
            "natures_of_control": ["ownership-of-shares-25-to-50-percent", "voting-rights-25-to-50-percent"],
            "notified_on": "2016-04-06",
        },
    }


def _corporate(number: str, i: int, rng: random.Random) -> dict[str, Any]:
    country = COUNTRIES[rng.randrange(len(COUNTRIES))]
    return {
        "company_number": number,
        "data": {
            "address": {"address_line_1": "Esplanade", "country": country, "postal_code": "JE2 3QA"},
            "etag": f"{rng.getrandbits(160):040x}",
            "identification": {
                "country_registered": country,
                "legal_authority": "Companies Act 2006",
                "legal_form": "Private Limited Company",
                "place_registered": "Companies House",
                "registration_number": f"{rng.randrange(1, 16_000_000):08d}",
            },
            "kind": "corporate-entity-person-with-significant-control",
            "links": {"self": f"/company/{number}/persons-with-significant-control/corporate-entity/{i:x}"},
            "name": f"EXAMPLE HOLDINGS {i} LIMITED",
            "natures_of_control": ["ownership-of-shares-75-to-100-percent", "voting-rights-75-to-100-percent"],
            "notified_on": "2016-04-06",
        },
    }


def generate(lines: int) -> Path:
    """The snapshot of about ``lines`` lines, made once and cached."""
    path = CACHE / f"persons-with-significant-control-snapshot-2026-12-01-{lines}.zip"
    if path.exists():
        return path
    CACHE.mkdir(parents=True, exist_ok=True)
    rng = random.Random(SEED)
    persons = statements = exemptions = 0
    partial = path.with_suffix(".partial")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive, archive.open("psc.txt", "w") as member:
        written, company = 0, 0
        while written < lines - 1:
            company += 1
            number = f"{company * 7 % 16_000_000:08d}"
            for _ in range(rng.choice((1, 1, 2, 2, 3))):
                roll = rng.random()
                if roll < 0.05:
                    record = _corporate(number, written, rng)
                    persons += 1
                elif roll < 0.09:
                    record = {
                        "company_number": number,
                        "data": {
                            "kind": "persons-with-significant-control-statement",
                            "notified_on": "2016-09-11",
                            "statement": "no-individual-or-entity-with-signficant-control",
                        },
                    }
                    statements += 1
                elif roll < 0.0905:
                    record = {"company_number": number, "data": {"kind": "exemptions", "exemptions": {}}}
                    exemptions += 1
                elif roll < 0.095:
                    kind = "super-secure-person-with-significant-control"
                    record = {"company_number": number, "data": {"kind": kind, "ceased": False}}
                    persons += 1
                else:
                    record = _individual(number, rng)
                    persons += 1
                member.write((json.dumps(record, separators=(",", ":")) + "\n").encode())
                written += 1
        totals = {
            "data": {
                "kind": "totals#persons-of-significant-control-snapshot",
                "persons_of_significant_control_count": persons,
                "statements_count": statements,
                "exemptions_count": exemptions,
                "generated_at": "2026-12-01T03:00:00Z",
            }
        }
        member.write((json.dumps(totals) + "\n").encode())
    partial.rename(path)
    return path


def _load(url: str, path: str, answers: Any) -> None:
    from app import create_app
    from app.extensions import db
    from app.services.ownership import load_psc

    app = create_app({"APP_ENV": "test", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        db.drop_all()
        db.create_all()
        started = time.perf_counter()
        cpu = time.process_time()
        result = load_psc(db.session, [Path(path)], date(2026, 12, 4))  # type: ignore[arg-type]
        db.session.commit()
        seconds = time.perf_counter() - started
        answers.put(
            {
                "kept": result.release.row_count,
                "companies": result.release.counts["companies"],
                "seconds": round(seconds, 1),
                "cpu_seconds": round(time.process_time() - cpu, 1),
                "peak_mb": round(_peak_memory_mb(), 1),
            }
        )


def bench(url: str, path: Path) -> dict[str, Any]:
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    context = multiprocessing.get_context("spawn")
    answers = context.Queue()
    process = context.Process(target=_load, args=(url, str(path), answers))
    process.start()
    figures: dict[str, Any] = answers.get()
    process.join()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--database-url", action="append", default=[])
    args = parser.parse_args()
    urls = args.database_url or [f"sqlite:///{CACHE / 'bench.db'}"]
    started = time.perf_counter()
    path = generate(args.lines)
    print(
        f"PSC snapshot of {args.lines:,} lines: {path} ({path.stat().st_size / 1e6:.0f} MB zipped), "
        f"made in {time.perf_counter() - started:.0f} s; {machine()}"
    )
    for url in urls:
        if url.startswith("postgres") and not _postgres_answers(url):
            print(f"{_engine(url)}: not answering at {url}, skipped")
            continue
        figures = bench(url, path)
        print(f"{_engine(url)}: {figures}")


if __name__ == "__main__":
    main()
