"""Search benchmark: 100,000 providers with sites on real postcodes, then the commissioner's search.

    make bench     # or: .venv/bin/python -m tests.benchmarks.bench_search [--database-url URL] [--providers N]

Prints p50 and p95 server time of search() over a fixed mix of queries, beside the time of the bare
SQL those queries run (the ranked page and the count). Target: p95 under 50 ms at 100,000 providers.

The generator writes providers, sites (placed from the real postcode directory), services, facts
and search documents with bulk inserts: the import service that would write them one batch at a
time does not exist yet (the CSV import issue), and placing goes through the same placer it will use.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select, text

from app.domain.bands import Estimate, VatTreatment
from app.domain.policy import ContractType
from tests.benchmarks.bench_geo import machine
from tests.benchmarks.register_data import generate

ROOT = Path(__file__).resolve().parents[2]
QUERY_MIX: list[dict[str, Any]] = [
    {"value": 400_000},
    {"value": 400_000, "category": "community-support-advice-and-navigation"},
    {"value": 2_000_000, "category": "cleaning"},
    {"value": 2_000_000, "keywords": "community navigation"},
    {"value": 15_000_000, "category": "food-catering-and-community-cafes"},
    {"value": 30_000_000},
    {"value": 30_000_000, "keywords": "youth"},
    {"value": 400_000, "page": 5},
]


def _app(url: str):  # type: ignore[no-untyped-def]
    from app import create_app

    return create_app({"APP_ENV": "test", "SQLALCHEMY_DATABASE_URI": url})


def run_mix(session: Any, council: Any, area: Any, rounds: int) -> tuple[list[float], list[float]]:
    from app.services.search import Criteria, search

    server, bare = [], []
    today = date(2026, 11, 24)
    for _ in range(rounds):
        for spec in QUERY_MIX:
            estimate = Estimate(
                ContractType.GOODS_AND_SERVICES, today, VatTreatment.EXCLUDED, total_pence=spec["value"]
            )
            criteria = Criteria(estimate, category=spec.get("category"), keywords=spec.get("keywords"))
            statements: list[tuple[str, Any]] = []

            def capture(conn, cursor, statement, parameters, context, executemany, seen=statements):  # type: ignore[no-untyped-def]
                seen.append((statement, parameters))

            from sqlalchemy import event

            engine = session.get_bind()
            event.listen(engine, "before_cursor_execute", capture)
            started = time.perf_counter()
            search(session, council, area, criteria, today, page=spec.get("page", 1))
            server.append((time.perf_counter() - started) * 1000)
            event.remove(engine, "before_cursor_execute", capture)
            # The bare SQL: the count and the ranked page, replayed on the raw connection.
            raw = session.connection().connection.dbapi_connection
            cursor = raw.cursor()
            started = time.perf_counter()
            for statement, parameters in [st for st in statements if "count(" in st[0] or "ORDER BY" in st[0]]:
                cursor.execute(statement, parameters)
                cursor.fetchall()
            bare.append((time.perf_counter() - started) * 1000)
            session.rollback()
    return server, bare


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url")
    parser.add_argument("--providers", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    from app.extensions import db
    from app.models import Council
    from app.services.audit import Actor
    from app.services.locality import local_area_for
    from app.services.seed import load_reference_data

    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/bench.db"
        engine_name = "PostgreSQL" if url.startswith("postgres") else "SQLite"
        app = _app(url)
        with app.app_context():
            db.drop_all()
            db.create_all()
            started = time.perf_counter()
            load_reference_data(db.session, ROOT / "seed_data", Actor.system("bench"))
            db.session.commit()
            reference = time.perf_counter() - started
            seconds = generate(db.session, args.providers, random.Random(20261124))
            if engine_name == "PostgreSQL":
                db.session.execute(text("ANALYZE"))
                db.session.commit()
            council = db.session.scalar(select(Council))
            area = local_area_for(db.session, council, None)
            run_mix(db.session, council, area, 1)  # warm the caches
            server, bare = run_mix(db.session, council, area, args.rounds)
        print(f"Search benchmark on {engine_name}, {machine()}")
        print(f"  reference data and UK postcode directory: {reference:.1f} s")
        print(f"  generate {args.providers:,} providers with placed sites: {seconds:.1f} s")
        print(
            f"  search() over {len(QUERY_MIX)} queries x {args.rounds}: p50 {percentile(server, 0.5):.1f} ms, "
            f"p95 {percentile(server, 0.95):.1f} ms   [target p95 < 50 ms]"
        )
        print(f"  the same queries' bare SQL: p50 {percentile(bare, 0.5):.1f} ms, p95 {percentile(bare, 0.95):.1f} ms")


if __name__ == "__main__":
    main()
