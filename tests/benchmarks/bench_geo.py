"""Geography benchmarks: loading the whole-UK postcode directory, looking postcodes up, placing sites.

    make bench     # or: .venv/bin/python -m tests.benchmarks.bench_geo [--database-url URL ...] [--runs N]

With no --database-url it runs on a temporary SQLite file and then on PostgreSQL at $BENCH_POSTGRES_URL (by default
the lsr_bench database on 127.0.0.1, emptied first) when that answers. Prints its figures, medians of --runs, with
the targets beside them; it asserts nothing (targets live here, not in timed tests). Targets (issue 14): the UK
directory (2.7 million postcodes, with the North West file's wards) loads in under 30 s on SQLite and 60 s on
PostgreSQL; bulk lookups over 200,000 a second on both, timed as an import makes them (chunks of 1,000 postcodes,
some unknown, some mistyped, some twice) beside the bare SQL for the same lookups; placing 100,000 sites under 10 s.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import random
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
UK_FILE = ROOT / "seed_data/postcodes/uk_postcodes_lad_latlon_nspd_lad25.csv.gz"
WARDS_FILE = ROOT / "seed_data/postcodes/nw_england_postcodes_nspd_lad25.csv.gz"
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/lsr_bench"
CHUNK = 1_000
TARGETS = {
    "load_seconds": {"SQLite": "< 30 s", "PostgreSQL": "< 60 s"},
    "mixed_lookups_per_s": {"SQLite": "> 200,000/s", "PostgreSQL": "> 200,000/s"},
    "place_seconds": {"SQLite": "< 10 s", "PostgreSQL": "< 10 s"},
}


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
        cpu = time.process_time()
        started = time.perf_counter()
        result = load_release(db.session, UK_FILE, name="bench", wards_from=WARDS_FILE)
        db.session.commit()
        seconds = time.perf_counter() - started
        queue.put(
            {
                "rows": result.release.row_count,
                "load_seconds": seconds,
                "load_cpu_seconds": time.process_time() - cpu,
                "load_max_rss_mb": _peak_memory_mb(),
            }
        )


def _peak_memory_mb() -> float:
    """This process's peak resident memory. VmHWM, not getrusage's ru_maxrss: Linux keeps that across exec, so a
    spawned child would report the parent's peak when the parent was bigger."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_load(url: str) -> dict[str, float]:
    if url.startswith("sqlite:///"):
        # A new file each run, as a first load is: a file that held a release loads into its free pages instead.
        for suffix in ("", "-wal", "-shm"):
            Path(url.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)
    # Spawned, not forked: a forked child's peak memory would start at everything this process holds.
    context = multiprocessing.get_context("spawn")
    queue: multiprocessing.Queue = context.Queue()  # type: ignore[type-arg]
    child = context.Process(target=_load, args=(url, queue))
    child.start()
    figures = queue.get()
    child.join()
    return figures  # type: ignore[no-any-return]


def import_like_chunks(every: list[str], samples: int, rng: random.Random) -> list[list[str]]:
    """Postcodes as a supplier import asks for them, already normalised, in chunks of 1,000: most in the directory,
    one in ten unknown (a well-formed postcode that is not there), one in twenty mistyped (two characters of the
    inward code swapped, so another postcode that may or may not be there), one in ten repeated from earlier in
    the chunk (several suppliers at one address)."""
    known = rng.sample(every, samples)
    asked: list[str] = []
    for i, postcode in enumerate(known):
        if i % 10 == 3:
            postcode = f"{postcode[:-2]}ZZ"
        elif i % 20 == 7:
            postcode = f"{postcode[:-2]}{postcode[-1]}{postcode[-2]}"
        elif i % 10 == 5 and i % CHUNK > 10:
            postcode = asked[i - 1 - rng.randrange(min(10, i % CHUNK))]
        asked.append(postcode)
    return [asked[i : i + CHUNK] for i in range(0, len(asked), CHUNK)]


def _median_seconds(run: Callable[[], Any], times: int) -> tuple[float, Any]:
    seconds = []
    result = None
    for _ in range(times):
        started = time.perf_counter()
        result = run()
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds), result


def bare_sql(session: Any, release_id: int) -> Callable[[list[str]], list[tuple[Any, ...]]]:
    """The minimal SQL a database engineer would write for one chunk: one statement on the driver, rows as they come."""
    connection = session.connection()
    driver = connection.connection.driver_connection
    columns = "postcode, latitude, longitude, district_code, ward_code, terminated"
    if connection.dialect.name == "postgresql":
        cursor = driver.cursor(binary=True)
        # The chunk as one text the server splits: psycopg dumps a list parameter a value at a time in Python.
        query = f"SELECT {columns} FROM postcodes WHERE release_id = %s AND postcode = ANY(string_to_array(%s, %s))"  # noqa: S608

        def postgres(chunk: list[str]) -> list[tuple[Any, ...]]:
            return cursor.execute(query, (release_id, "\n".join(chunk), "\n")).fetchall()  # type: ignore[no-any-return]

        return postgres
    cursor = driver.cursor()

    def sqlite(chunk: list[str]) -> list[tuple[Any, ...]]:
        rows: list[tuple[Any, ...]] = []
        distinct = sorted(set(chunk))
        for start in range(0, len(distinct), 500):
            part = distinct[start : start + 500]
            marks = ", ".join("?" * len(part))
            query = f"SELECT {columns} FROM postcodes WHERE release_id = ? AND postcode IN ({marks})"  # noqa: S608
            rows.extend(cursor.execute(query, (release_id, *part)).fetchall())
        return rows

    return sqlite


def bench_lookups_and_placing(url: str, samples: int) -> dict[str, float]:
    from sqlalchemy import select

    from app.extensions import SQLITE_MMAP_BYTES, db
    from app.geo.placement import SitePlacer, place_sites
    from app.geo.postcode_directory import PostcodeStore
    from app.models import Postcode, Site
    from app.models.base import utcnow

    app = _app(url)
    figures: dict[str, float] = {}
    with app.app_context():
        every = db.session.scalars(select(Postcode.postcode).order_by(Postcode.postcode)).all()
        rng = random.Random(20261124)
        chunks = import_like_chunks(list(every), samples, rng)
        asked = sum(len(c) for c in chunks)
        store = PostcodeStore(db.session)
        assert store.release_id is not None
        bare = bare_sql(db.session, store.release_id)

        def through_store() -> int:
            return sum(len(store.lookup_many(chunk)) for chunk in chunks)

        def through_bare_sql() -> int:
            return sum(len(bare(chunk)) for chunk in chunks)

        through_bare_sql()  # warm: the first read of a page after a load also sets its hint bits on PostgreSQL
        seconds, found = _median_seconds(through_store, 3)
        bare_seconds, bare_found = _median_seconds(through_bare_sql, 3)
        assert found == bare_found, (found, bare_found)
        figures["mixed_lookups_per_s"] = asked / seconds
        figures["mixed_bare_sql_per_s"] = asked / bare_seconds
        figures["mixed_found"] = found
        figures["mixed_asked"] = asked
        if db.session.get_bind().dialect.name == "sqlite":
            # The app's connections map the file (PRAGMA mmap_size, app/extensions.py); for comparison, the same
            # lookups with SQLite reading each page with a system call into its own 2 MB cache, as before that.
            driver = db.session.connection().connection.driver_connection
            driver.execute("PRAGMA mmap_size = 0")
            through_store()
            seconds, found = _median_seconds(through_store, 3)
            driver.execute(f"PRAGMA mmap_size = {SQLITE_MMAP_BYTES}")
            figures["mixed_lookups_unmapped_per_s"] = asked / seconds

        picked = rng.sample(list(every), samples)
        seconds, found = _median_seconds(lambda: store.lookup_many(picked), 3)
        figures["one_call_lookups_per_s"] = len(picked) / seconds
        figures["one_call_found"] = len(found)

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
        figures["place_seconds"] = time.perf_counter() - started
        figures["sites_placed"] = sum(1 for s in sites if s.district_code)
        db.session.rollback()
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


def _engine(url: str) -> str:
    return "PostgreSQL" if url.startswith("postgres") else "SQLite"


def _postgres_answers(url: str) -> bool:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return True
    except Exception:  # any failure means: not there, skip it
        return False
    finally:
        engine.dispose()


def bench_engine(url: str, samples: int, runs: int) -> dict[str, float]:
    engine = _engine(url)
    every_run: list[dict[str, float]] = []
    for run in range(1, runs + 1):
        figures = {**bench_load(url), **bench_lookups_and_placing(url, samples)}
        every_run.append(figures)
        print(f"  {engine} run {run}: {_one_line(figures)}", flush=True)
    medians = {key: statistics.median(f[key] for f in every_run) for key in every_run[0]}
    print(json.dumps({"engine": engine, "runs": runs, "load1": os.getloadavg()[0], **medians}), flush=True)
    return medians


def _one_line(f: dict[str, float]) -> str:
    return (
        f"load {f['load_seconds']:.1f} s ({f['load_cpu_seconds']:.1f} s CPU, {f['load_max_rss_mb']:.0f} MB); "
        f"mixed lookups {f['mixed_lookups_per_s']:,.0f}/s (bare SQL {f['mixed_bare_sql_per_s']:,.0f}/s"
        + (f", not mapped {f['mixed_lookups_unmapped_per_s']:,.0f}/s" if "mixed_lookups_unmapped_per_s" in f else "")
        + "); "
        f"one call {f['one_call_lookups_per_s']:,.0f}/s; place {f['place_seconds']:.1f} s"
    )


def report(results: dict[str, dict[str, float]], samples: int, runs: int) -> None:
    engines = list(results)
    width = 22

    def row(label: str, cells: list[str], target: str = "") -> None:
        print(f"  {label:<44}" + "".join(f"{c:>{width}}" for c in cells) + f"   {target}")

    print(f"\nGeography benchmark, medians of {runs} run(s), {machine()}, load average {os.getloadavg()[0]:.1f}")
    row("", engines, "target")
    rows_loaded = [f"{results[e]['rows']:,.0f} rows" for e in engines]
    row("UK directory with NW wards", rows_loaded)
    row(
        "  load (wall)",
        [f"{results[e]['load_seconds']:.1f} s" for e in engines],
        " / ".join(TARGETS["load_seconds"][e] for e in engines),
    )
    row("  load (CPU of the loading process)", [f"{results[e]['load_cpu_seconds']:.1f} s" for e in engines])
    row("  peak memory (RSS)", [f"{results[e]['load_max_rss_mb']:.0f} MB" for e in engines])
    row(
        f"bulk lookups, {samples:,} as an import asks",
        [f"{results[e]['mixed_lookups_per_s']:,.0f}/s" for e in engines],
        " / ".join(TARGETS["mixed_lookups_per_s"][e] for e in engines),
    )
    row("  bare SQL, the same chunks", [f"{results[e]['mixed_bare_sql_per_s']:,.0f}/s" for e in engines])
    row(
        "  SQLite's file not mapped (PRAGMA mmap_size = 0)",
        [f"{results[e]['mixed_lookups_unmapped_per_s']:,.0f}/s" if e == "SQLite" else "-" for e in engines],
    )
    row(
        "  lookup_many / bare SQL time",
        [f"{results[e]['mixed_bare_sql_per_s'] / results[e]['mixed_lookups_per_s']:.2f}x" for e in engines],
    )
    row("  found of asked", [f"{results[e]['mixed_found']:,.0f} / {results[e]['mixed_asked']:,.0f}" for e in engines])
    row(f"bulk lookups, {samples:,} in one call", [f"{results[e]['one_call_lookups_per_s']:,.0f}/s" for e in engines])
    row("single lookups (one query each)", [f"{results[e]['single_lookups_per_s']:,.0f}/s" for e in engines])
    row(
        f"place {samples:,} sites",
        [f"{results[e]['place_seconds']:.1f} s" for e in engines],
        " / ".join(TARGETS["place_seconds"][e] for e in engines),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--database-url",
        action="append",
        help="benchmark on this database (repeat for several); its tables are dropped and made again",
    )
    parser.add_argument("--samples", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=1, help="runs per engine; the figures are their medians")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        urls = args.database_url
        if not urls:
            urls = [f"sqlite:///{tmp}/bench.db"]
            postgres = os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL)
            if _postgres_answers(postgres):
                urls.append(postgres)
            else:
                print(f"PostgreSQL does not answer at {postgres}: SQLite only")
        results: dict[str, dict[str, float]] = {}
        for url in urls:
            print(f"Geography benchmark on {_engine(url)} ({args.runs} run(s))", flush=True)
            results[_engine(url)] = bench_engine(url, args.samples, args.runs)
        report(results, args.samples, args.runs)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
