"""Geography benchmarks: loading the whole-UK postcode directory, looking postcodes up, placing sites.

    make bench            # or: .venv/bin/python -m tests.benchmarks.bench_geo [--database-url URL]

Prints its figures; it asserts nothing (targets live here, not in timed tests). Targets from the
issue: lookups 100,000/s or more; placing 100,000 sites under 10 s; loading the UK directory into
SQLite under 60 s, with its memory.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
UK_FILE = ROOT / "seed_data/postcodes/uk_postcodes_lad_latlon_nspd_lad25.csv.gz"
WARDS_FILE = ROOT / "seed_data/postcodes/nw_england_postcodes_nspd_lad25.csv.gz"


def _app(url: str):  # type: ignore[no-untyped-def]
    from app import create_app

    return create_app({"APP_ENV": "test", "SQLALCHEMY_DATABASE_URI": url})


def _load(url: str, queue: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    """In a child process, so its peak memory is the load's alone."""
    from app.extensions import db
    from app.geo.postcode_directory import load_release

    app = _app(url)
    with app.app_context():
        db.drop_all()
        db.create_all()
        started = time.perf_counter()
        result = load_release(db.session, UK_FILE, name="bench", wards_from=WARDS_FILE)
        db.session.commit()
        seconds = time.perf_counter() - started
        queue.put(
            {
                "rows": result.release.row_count,
                "seconds": seconds,
                "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            }
        )


def bench_load(url: str) -> dict[str, float]:
    queue: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
    child = multiprocessing.get_context("fork").Process(target=_load, args=(url, queue))
    child.start()
    figures = queue.get()
    child.join()
    return figures  # type: ignore[no-any-return]


def bench_lookups_and_placing(url: str, samples: int) -> dict[str, float]:
    from sqlalchemy import select

    from app.extensions import db
    from app.geo.placement import SitePlacer, place_sites
    from app.geo.postcode_directory import PostcodeStore
    from app.models import Postcode, Site
    from app.models.base import utcnow

    app = _app(url)
    figures: dict[str, float] = {}
    with app.app_context():
        every = db.session.scalars(select(Postcode.postcode)).all()
        rng = random.Random(20261124)
        picked = rng.sample(every, samples)
        store = PostcodeStore(db.session)

        started = time.perf_counter()
        found = store.lookup_many(picked)
        seconds = time.perf_counter() - started
        figures["bulk_lookups_per_s"] = len(picked) / seconds
        figures["bulk_found"] = len(found)

        single = picked[:10_000]
        started = time.perf_counter()
        for postcode in single:
            store.lookup(postcode)
        figures["single_lookups_per_s"] = len(single) / (time.perf_counter() - started)

        placer = SitePlacer(PostcodeStore(db.session))
        # Real postcodes, with one in fifty mistyped so the slower paths are exercised too.
        sites = [
            Site(id=i, postcode=(p if i % 50 else p[:-1] + "Q"), address="1 High Street")
            for i, p in enumerate(picked, start=1)
        ]
        started = time.perf_counter()
        place_sites(placer, sites, utcnow())
        figures["place_100k_seconds"] = time.perf_counter() - started
        figures["sites_placed"] = sum(1 for s in sites if s.district_code)
    return figures


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        model = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
        cpu = model
    except (OSError, StopIteration):
        pass
    return f"{os.cpu_count()} cores, {cpu}, Python {platform.python_version()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", help="benchmark on this database instead of a temporary SQLite file")
    parser.add_argument("--samples", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/bench.db"
        engine = "PostgreSQL" if url.startswith("postgres") else "SQLite"
        print(f"Geography benchmark on {engine}, {machine()}")
        load = bench_load(url)
        print(
            f"  load UK directory:  {load['rows']:,.0f} postcodes in {load['seconds']:.1f} s "
            f"({load['rows'] / load['seconds']:,.0f} rows/s); peak memory (RSS) {load['max_rss_mb']:.0f} MB"
            "   [target < 60 s]"
        )
        rest = bench_lookups_and_placing(url, args.samples)
        print(
            f"  bulk lookups:       {rest['bulk_lookups_per_s']:,.0f} postcodes/s "
            f"({rest['bulk_found']:,.0f} of {args.samples:,} found)   [target >= 100,000/s]"
        )
        print(f"  single lookups:     {rest['single_lookups_per_s']:,.0f} postcodes/s (one query each)")
        print(
            f"  place {args.samples:,} sites: {rest['place_100k_seconds']:.1f} s "
            f"({rest['sites_placed']:,.0f} placed in a district)   [target < 10 s]"
        )
        print(json.dumps({"engine": engine, **load, **rest}))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
