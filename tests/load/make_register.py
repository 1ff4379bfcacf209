"""A register of any size for the load test, on a database that `flask db upgrade` and `flask seed` have prepared.

    .venv/bin/python -m tests.load.make_register --database-url URL --providers 100000

Adds the providers of tests/benchmarks/register_data.py (verified, on real postcodes, with services, facts and search
documents), then ANALYZE so the planner knows the tables' sizes. Refuses a database that already holds providers,
so a load run never measures a register twice the size it says.
"""

from __future__ import annotations

import argparse
import random

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import Session

from app.config import normalise_database_url
from app.models import Postcode, Provider
from tests.benchmarks.register_data import generate

#: The benchmark's seed: the same register every time, so runs compare.
SEED = 20261124


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--providers", type=int, default=100_000)
    args = parser.parse_args()
    engine = create_engine(normalise_database_url(args.database_url))
    with Session(engine) as session:
        if session.scalar(select(func.count()).select_from(Provider)):
            raise SystemExit("The database already holds providers: make the register on a freshly seeded one")
        if not session.scalar(select(func.count()).select_from(select(Postcode.postcode).limit(1).subquery())):
            raise SystemExit("No postcode directory: run 'flask seed' on the database first")
        seconds = generate(session, args.providers, random.Random(SEED))
        session.commit()
    with engine.connect() as connection:
        connection.execute(text("ANALYZE"))
        connection.commit()
    engine.dispose()
    print(f"  generated {args.providers:,} providers in {seconds:.0f} s")


if __name__ == "__main__":
    main()
