"""Pages benchmark: every page's server time at a register's size, and how it grows from 10,000 to 1,000,000 providers.

    make bench         # or: .venv/bin/python -m tests.benchmarks.bench_pages [--database-url URL] [--providers N]
    make bench-scale   # or: .venv/bin/python -m tests.benchmarks.bench_pages --scale [--database-url URL]

Server time is the whole request through the Flask test client in this process (routing, the guard, queries,
the template), without a network or a WSGI server. Each page is asked RUNS times, round-robin over the pages so
that noise from other work on the machine falls on every page alike, after one round of warming up; the table
gives p50 and p95 per page beside its target, and the statements each page runs (counted with a
``before_cursor_execute`` listener). Targets from issue 14: every page p95 under 50 ms, the directory under 20 ms
and the API under 30 ms.

The register is the search benchmark's: reference data and the whole UK postcode directory, then the generator
(tests/benchmarks/register_data.py) adds providers. ``--scale`` grows one database 10k -> 100k -> 1M on SQLite
(10k -> 100k on PostgreSQL) and prints the table at each size, then how each page grows. Every run ends with a
JSON line (machine, engine, size, per page p50/p95/statements). It asserts nothing about time; a page that does
not answer 200 is reported with its traceback and left out of the figures.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import re
import statistics
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, event, func, inspect, select, text

from tests.benchmarks.bench_geo import machine
from tests.benchmarks.register_data import generate

ROOT = Path(__file__).resolve().parents[2]
SEED = 20261124
RUNS = 30
SCALE_SQLITE = (10_000, 100_000, 1_000_000)
SCALE_POSTGRESQL = (10_000, 100_000)
COMMISSIONER_EMAIL = "bench.commissioner@example.com"
PASSWORD = "bench pages password"
CATEGORY = "community-support-advice-and-navigation"
# A page whose warm-up takes longer than SLOW_MS is timed only SLOW_RUNS times (its p95 is then its slowest), so a
# page taking seconds at 1M providers cannot hold the scaling run up for an hour; the table says so beside it.
SLOW_MS, SLOW_RUNS = 2_000.0, 5
# A request still running after STOP_S is stopped (its statement interrupted: sqlite3's interrupt(), psycopg's
# cancel()) and the page is not asked again at that size: today's directory search joins the FTS table once per
# provider on SQLite, which takes hours at 100,000 providers.
STOP_S = 30.0
# Directory targets (issue 14: "the directory under 20 ms"), the API's (its table: "API, £4k + category, under
# 30 ms"), and every other page's.
DIRECTORY_MS, API_MS, PAGE_MS = 20.0, 30.0, 50.0


@dataclass(frozen=True)
class Page:
    """One page to time: its name in the table, its URL, its target p95, and whether a commissioner asks for it."""

    name: str
    url: str
    target_ms: float
    signed_in: bool = False

    def path(self, run: int, provider_ids: Sequence[int]) -> str:
        """The URL for this run: a provider's page is a different provider each run (the same ones every time)."""
        return self.url.format(provider_id=provider_ids[run % len(provider_ids)])


PAGES: list[Page] = [
    # The floor: what any page costs here before it asks the database anything of its own.
    Page("a static page (accessibility)", "/accessibility", PAGE_MS),
    Page("directory, page 1", "/directory", DIRECTORY_MS),
    Page("directory, page 2,000", "/directory?page=2000", DIRECTORY_MS),
    Page("directory, district (Knowsley)", "/directory?district=E08000011", DIRECTORY_MS),
    Page("directory, legal form (CIC)", "/directory?legal_form=cic", DIRECTORY_MS),
    Page("directory, service (cleaning)", "/directory?service=cleaning", DIRECTORY_MS),
    Page('directory, keywords "community"', "/directory?q=community", DIRECTORY_MS),
    Page("provider's public page", "/directory/{provider_id}", PAGE_MS),
    Page("API, £4k", "/api/v1/eligible-providers?council=knowsley&value=4000", API_MS),
    Page("API, £4k + category", f"/api/v1/eligible-providers?council=knowsley&value=4000&category={CATEGORY}", API_MS),
    Page("commissioner home", "/commissioner/", PAGE_MS, signed_in=True),
    Page("search, £4k", "/commissioner/search?value=4000", PAGE_MS, signed_in=True),
    Page("search, £40k", "/commissioner/search?value=40000", PAGE_MS, signed_in=True),
    Page("search, £400k", "/commissioner/search?value=400000", PAGE_MS, signed_in=True),
    Page("search, £400k + category", f"/commissioner/search?value=400000&category={CATEGORY}", PAGE_MS, True),
    Page('search, £400k, "community"', "/commissioner/search?value=400000&q=community", PAGE_MS, signed_in=True),
    Page("search, £400k, page 5", "/commissioner/search?value=400000&page=5", PAGE_MS, signed_in=True),
]


@dataclass
class Timing:
    """What one page did over the runs: milliseconds, statements per request, and the first failure if any."""

    page: Page
    #: How many timed runs it gets: all of them, or SLOW_RUNS when its warm-up took longer than SLOW_MS.
    runs: int
    ms: list[float] = field(default_factory=list)
    statements: list[int] = field(default_factory=list)
    error: str | None = None
    #: A request ran past STOP_S and was stopped: the page takes longer than that at this size.
    stopped: bool = False

    @property
    def timed(self) -> bool:
        """Whether it has figures: no failure, and no request stopped."""
        return self.error is None and not self.stopped

    def p(self, fraction: float) -> float:
        ordered = sorted(self.ms)
        return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]

    def statement_text(self) -> str:
        low, high = min(self.statements), max(self.statements)
        return str(low) if low == high else f"{low}-{high}"

    def figures(self) -> dict[str, Any]:
        if self.stopped:
            return {"stopped_over_ms": STOP_S * 1000, "target_ms": self.page.target_ms}
        if self.error is not None:
            return {"error": self.error.strip().splitlines()[-1], "target_ms": self.page.target_ms}
        return {
            "p50_ms": round(self.p(0.5), 2),
            "p95_ms": round(self.p(0.95), 2),
            "target_ms": self.page.target_ms,
            "statements": round(statistics.median(self.statements)),
            "runs": len(self.ms),
        }


def _app(url: str) -> Flask:
    from app import create_app

    # The API's limit (120 a minute per client) would refuse the benchmark's own requests.
    return create_app(
        {
            "APP_ENV": "test",
            "SQLALCHEMY_DATABASE_URI": url,
            "API_RATE_LIMIT": "1000000 per minute",
            "KEEP_FOR_REGISTER_VERSION": True,  # as in production
        }
    )


def add_commissioner(session: Any) -> None:
    """The commissioner the signed-in pages are asked as: Knowsley Council's, from the reference data."""
    from app.domain.roles import Role
    from app.models import Council
    from tests import factories

    council = session.scalars(select(Council).where(Council.name == "Knowsley Council")).one()
    factories.user(session, Role.COMMISSIONER, email=COMMISSIONER_EMAIL, council=council, password=PASSWORD)


def prepare(app: Flask) -> float:
    """An empty database with the reference data (the whole UK postcode directory) and a commissioner of the council;
    returns the seconds the reference data took."""
    from app.extensions import db
    from app.services.audit import Actor
    from app.services.seed import load_reference_data

    with app.app_context():
        db.drop_all()
        db.create_all()
        started = time.perf_counter()
        load_reference_data(db.session, ROOT / "seed_data", Actor.system("bench"))
        db.session.commit()
        seconds = time.perf_counter() - started
        add_commissioner(db.session)
        db.session.commit()
        db.session.remove()
    return seconds


def reuse(app: Flask) -> bool:
    """Whether the database holds an earlier run's register (reference data and the benchmark's commissioner) to
    reuse; if so, adds the tables and indexes the models have gained since (not changed columns or engine DDL)."""
    from app.extensions import db
    from app.models import User

    with app.app_context():
        found = inspect(db.engine).has_table(User.__tablename__) and (
            db.session.scalar(select(User.id).where(User.email == COMMISSIONER_EMAIL)) is not None
        )
        db.session.remove()
        if found:
            db.create_all()
            for table in db.metadata.sorted_tables:
                for index in table.indexes:
                    index.create(db.engine, checkfirst=True)
    return found


def grow(app: Flask, providers: int, rng: random.Random) -> tuple[int, float]:
    """Add providers until the register holds ``providers``; returns how many it holds and the seconds taken."""
    from app.extensions import db
    from app.models import Provider

    with app.app_context():
        have = db.session.scalar(select(func.count()).select_from(Provider)) or 0
        seconds = generate(db.session, providers - have, rng) if providers > have else 0.0
        if db.engine.dialect.name == "postgresql":
            # As autovacuum would after a load this size (it is off on this machine's server, as bench_search says):
            # statistics for the planner, and the visibility map without which an index-only scan reads every row.
            db.session.commit()
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.exec_driver_sql("VACUUM ANALYZE")
        else:
            # The bulk load's write-ahead log back into the database, as a server's checkpoints would have done:
            # reads through a WAL of hundreds of megabytes took the directory from 0.7 s to 1.8 s at 100,000.
            db.session.commit()
            db.session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        total = db.session.scalar(select(func.count()).select_from(Provider)) or 0
        db.session.remove()
    return total, seconds


def _signed_in(app: Flask) -> FlaskClient:
    client = app.test_client()
    page = client.get("/sign-in").get_data(as_text=True)
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page)
    if token is None:
        raise RuntimeError("no CSRF token on /sign-in")
    answer = client.post(
        "/sign-in", data={"email": COMMISSIONER_EMAIL, "password": PASSWORD, "csrf_token": token.group(1)}
    )
    if answer.status_code != 302:
        raise RuntimeError(f"signing in as the benchmark's commissioner answered {answer.status_code}")
    return client


def measure(app: Flask, runs: int, pages: Sequence[Page] = PAGES) -> list[Timing]:
    """Every page ``runs`` times, round-robin, after one round of warming up. Called with no app context pushed,
    so each request has its own (and its own database session), as under a real server."""
    from app.extensions import db
    from app.models import Provider

    with app.app_context():
        engine: Engine = db.engine
        total = db.session.scalar(select(func.count()).select_from(Provider)) or 1
        db.session.remove()
    rng = random.Random(SEED)
    provider_ids = [rng.randint(1, total) for _ in range(runs + 1)]
    public, commissioner = app.test_client(), _signed_in(app)
    timings = [Timing(page, runs) for page in pages]
    count: list[int] = [0]
    dbapi: list[Any] = [None]  # the connection the request's latest statement runs on

    def counted(conn: Any, cursor: Any, *_: Any) -> None:
        count[0] += 1
        dbapi[0] = cursor.connection

    def watch(done: threading.Event, stopped: threading.Event) -> None:
        if done.wait(STOP_S):
            return
        stopped.set()
        while not done.wait(0.2):  # again until the request ends: it may be between statements
            connection = dbapi[0]
            if connection is not None:
                (connection.interrupt if hasattr(connection, "interrupt") else connection.cancel)()

    event.listen(engine, "before_cursor_execute", counted)
    try:
        for run in range(-1, runs):  # run -1 warms up and is not kept
            for timing in timings:
                if not timing.timed or run >= timing.runs:
                    continue
                page = timing.page
                client = commissioner if page.signed_in else public
                path = page.path(run + 1, provider_ids)
                count[0], dbapi[0] = 0, None
                done, stopped = threading.Event(), threading.Event()
                watchdog = threading.Thread(target=watch, args=(done, stopped), daemon=True)
                watchdog.start()
                started = time.perf_counter()
                try:
                    answer = client.get(path)
                except Exception:  # a page that fails at this size is reported, and the others still timed
                    timing.error = f"GET {path} raised:\n{traceback.format_exc()}"
                    continue
                finally:
                    done.set()
                    watchdog.join()
                    timing.stopped = stopped.is_set()
                elapsed = (time.perf_counter() - started) * 1000
                if timing.stopped:
                    continue
                if answer.status_code != 200:
                    timing.error = f"GET {path} answered {answer.status_code}:\n{answer.get_data(as_text=True)[:500]}"
                elif run < 0 and elapsed > SLOW_MS:
                    timing.runs = min(runs, SLOW_RUNS)
                elif run >= 0:
                    timing.ms.append(elapsed)
                    timing.statements.append(count[0])
    finally:
        event.remove(engine, "before_cursor_execute", counted)
    return timings


def print_table(engine_name: str, providers: int, runs: int, timings: list[Timing]) -> None:
    print(f"Pages at {providers:,} providers on {engine_name} ({runs} interleaved runs), {machine()}")
    print(f"  {'page':<34} {'p50 ms':>8} {'p95 ms':>8} {'target':>8}  {'':<4} {'statements':>10}")
    for timing in timings:
        name = timing.page.name
        if timing.stopped:
            over = f"over {STOP_S * 1000:,.0f}"
            print(f"  {name:<34} {over:>17}  (a request was stopped after {STOP_S:.0f} s)")
            continue
        if timing.error is not None:
            print(f"  {name:<34} ERROR, left out:")
            print("    " + timing.error.rstrip().replace("\n", "\n    "))
            continue
        p95 = timing.p(0.95)
        verdict = "ok" if p95 < timing.page.target_ms else "OVER"
        print(
            f"  {name:<34} {timing.p(0.5):>8.1f} {p95:>8.1f} {'< ' + format(timing.page.target_ms, '.0f'):>8}  "
            f"{verdict:<4} {timing.statement_text():>10}"
            + (f"   (slow: {len(timing.ms)} runs only)" if len(timing.ms) < runs else "")
        )
    sys.stdout.flush()


def json_line(engine_name: str, providers: int, runs: int, timings: list[Timing], **extra: Any) -> str:
    return json.dumps(
        {
            "benchmark": "pages",
            "machine": machine(),
            "engine": engine_name,
            "providers": providers,
            "runs": runs,
            **extra,
            "pages": {t.page.name: t.figures() for t in timings},
        }
    )


def _ms(value: float) -> str:
    return f"{value:.1f}" if value < 100 else f"{value:,.0f}"


def print_growth(engine_name: str, by_size: dict[int, list[Timing]]) -> None:
    """How each page grows with the register: p50 and p95 at each size, and the ratio from one size to the next."""
    sizes = sorted(by_size)
    print(f"How each page grows on {engine_name} (p50 / p95 ms; ratio of p50 to the size before)")
    header = "".join(f"{f'{n:,}':>20}" for n in sizes)
    ratios = "".join(f"{f'x {b // 1000:,}k/{a // 1000:,}k':>15}" for a, b in itertools.pairwise(sizes))
    print(f"  {'page':<34}{header}{ratios}")
    growth: dict[str, dict[str, float | None]] = {}
    for index, page in enumerate(PAGES):
        cells, steps, ratio_cells = [], {}, []
        for n in sizes:
            timing = by_size[n][index]
            if timing.stopped:
                cell = f"over {STOP_S:.0f} s"
            else:
                cell = "error" if timing.error else f"{_ms(timing.p(0.5))} / {_ms(timing.p(0.95))}"
            cells.append(f"{cell:>20}")
        for a, b in itertools.pairwise(sizes):
            before, after = by_size[a][index], by_size[b][index]
            ratio = after.p(0.5) / before.p(0.5) if before.timed and after.timed else None
            steps[f"{b}/{a}"] = None if ratio is None else round(ratio, 2)
            ratio_cells.append(f"{'-' if ratio is None else f'{ratio:.1f}':>15}")
        growth[page.name] = steps
        print(f"  {page.name:<34}{''.join(cells)}{''.join(ratio_cells)}")
    print(json.dumps({"benchmark": "pages-growth", "machine": machine(), "engine": engine_name, "p50_ratio": growth}))
    sys.stdout.flush()


def run(url: str, sizes: Sequence[int], runs: int, *, reusing: bool = False) -> dict[int, list[Timing]]:
    """Build the register at each size in turn (one database, grown), timing every page at each."""
    engine_name = "PostgreSQL" if url.startswith("postgres") else "SQLite"
    app = _app(url)
    if reusing and reuse(app):
        print(f"Pages benchmark on {engine_name}: reusing the register already in the database")
    else:
        reference = prepare(app)
        print(f"Pages benchmark on {engine_name}: reference data and the UK postcode directory in {reference:.1f} s")
    rng = random.Random(SEED)
    by_size: dict[int, list[Timing]] = {}
    for size in sizes:
        total, seconds = grow(app, size, rng)
        print(f"  generate up to {total:,} providers: {seconds:.1f} s")
        timings = measure(app, runs)
        print_table(engine_name, total, runs, timings)
        print(json_line(engine_name, total, runs, timings, generate_seconds=round(seconds, 1)))
        by_size[total] = timings
    return by_size


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="an empty database to use instead of a temporary SQLite file")
    parser.add_argument("--providers", type=int, default=100_000, help="the register's size (default 100,000)")
    parser.add_argument("--runs", type=int, default=RUNS, help=f"timed runs of each page (default {RUNS})")
    parser.add_argument("--scale", action="store_true", help="grow 10k -> 100k -> 1M (PostgreSQL: 10k -> 100k)")
    parser.add_argument("--sizes", help="the sizes for --scale, comma-separated, like 10000,100000")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep the register an earlier run left at --database-url (grown to the size asked if smaller; tables and "
        "indexes the models gained are added) instead of building it again",
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/bench_pages.db"
        engine_name = "PostgreSQL" if url.startswith("postgres") else "SQLite"
        if args.scale:
            default = SCALE_POSTGRESQL if engine_name == "PostgreSQL" else SCALE_SQLITE
            sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else list(default)
            print_growth(engine_name, run(url, sizes, args.runs, reusing=args.reuse))
        else:
            run(url, [args.providers], args.runs, reusing=args.reuse)


if __name__ == "__main__":
    main()
