"""Spend benchmark: a year of a metropolitan council's payments imported, then the year's report.

    make bench     # or: .venv/bin/python -m tests.benchmarks.bench_spend [--database-url URL] [--rounds N]

Imports Trafford Council's published 2024-25 supplier spend (../shared/data/spend/trafford/: a 3 MB zip holding one
51 MB CSV of 210,068 payments) through the same service as `flask spend import`, in a process of its own so its peak
memory is the import's; then times the 2024-25 spend report beside the SQL a database engineer would write for the
same figures.

Targets (issue 13): the import under 30 s and 300 MB peak; the report under 500 ms server-side. Issue 13 sets no
bound on the ratio to hand-written SQL (issue 14 asks search to come within 1.5x of its minimal SQL).

What each printed figure means:
- reference data: seconds to load the seed data with the postcode sample (set-up, not measured against anything).
- import: wall time of import_file and its commit, rows a second, and the importing process's peak resident memory
  (its ru_maxrss: the interpreter and the app are in it too).
- counts: rows read, payments, rejected (whether they add up), credits and suppliers, as the import reports them.
- report: wall time of spend_report (app/services/spend/report.py) for the financial year, p50 and best over the
  rounds, with how many statements it sent; that is the whole service: choosing the category column, its SQL, the
  Python that turns rows into figures and the method note's queries. CPU is this process's in those calls: on
  SQLite nearly all the work (the engine runs in-process), on PostgreSQL only the client's part.
- hand-written SQL: HAND_WRITTEN_SQL (see its comment), one statement a database engineer would write from the schema
  alone for the same figures, given the report's category column, run on the same connection, timed the same way.
  Every round its answers are compared with the report's, pence and payment counts: total, measured base, not a
  supplier, each place and basis, local, social economy and each legal form, SMEs (yes, no, not known), the 10% and
  20% most deprived areas, deprivation known, attributed and not, every category's measured and local spend, every
  month's total, measured and local spend, and the top 20 suppliers (id, name, pence, payments). Any difference
  stops the benchmark, so a baseline that answers an easier question cannot be timed as if it were the same.
- report / hand-written SQL: p50 over p50, and best over best. What the report costs beyond the SQL its figures
  need (1.00: nothing; below 1: the report beat the hand-written SQL). The report's extra work (category column,
  method note, figure objects) is part of what this measures; so is slow SQL, which the replay cannot show.
- the report's own statements replayed without the ORM: the statements spend_report sent in that round, run again
  on the bare DBAPI cursor. Report / replay is the service's overhead above its own SQL (SQLAlchemy and Python);
  it cannot show whether that SQL is slow.
- figures: the report's headline figures, to read against the import.
- leakage opportunities: leakage_opportunities for the same year, categories found and wall time (no target).
The report and the hand-written SQL take turns going first in each round.

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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Date, bindparam, create_engine, event, select, text, update
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


# --- The hand-written SQL the report is measured against ------------------------------------------------------------

#: The report's figures as a database engineer would write them from the schema alone, knowing nothing of the service:
#: one statement. The period's payments of counting batches (spend_batches.status = 'imported') are read once, summed
#: per supplier, month and category (the report's chosen column), and joined to their suppliers, whose classification
#: every payment takes; each figure is then a GROUP BY over those few thousand sums, one row per answer (kind, key,
#: detail, pence, payments). ``{month}`` is the engine's month of paid_on, ``{month_text}`` that month as 'YYYY-MM'
#: and ``{category}`` the category column (see HAND_MONTH and HAND_CATEGORY).
HAND_WRITTEN_SQL = """
WITH sums AS (
  SELECT p.supplier_id, {month} AS month, {category} AS category, SUM(p.amount_pence) AS pence, COUNT(*) AS n
  FROM payments p JOIN spend_batches b ON b.id = p.batch_id AND b.status = 'imported'
  WHERE p.council_id = :council AND p.paid_on BETWEEN :start AND :end
  GROUP BY 1, 2, 3
), c AS (
  SELECT sums.*, s.name, s.place, s.place_basis, s.social_economy, s.legal_form, s.sme, s.imd_decile, s.resolution,
         s.place <> 'not_a_supplier' AS measured
  FROM sums JOIN spend_suppliers s ON s.id = sums.supplier_id
)
SELECT 'total', NULL, NULL, SUM(pence), SUM(n) FROM c
UNION ALL SELECT 'measured', NULL, NULL, SUM(pence), SUM(n) FROM c WHERE measured
UNION ALL SELECT 'place', place, place_basis, SUM(pence), SUM(n) FROM c GROUP BY place, place_basis
UNION ALL SELECT 'social_economy', NULL, NULL, SUM(pence), SUM(n) FROM c WHERE measured AND social_economy
UNION ALL SELECT 'social_economy_form', legal_form, NULL, SUM(pence), SUM(n) FROM c
          WHERE measured AND social_economy GROUP BY legal_form
UNION ALL SELECT 'sme', CASE WHEN sme THEN 'yes' WHEN NOT sme THEN 'no' ELSE 'not known' END, NULL, SUM(pence), SUM(n)
          FROM c WHERE measured GROUP BY sme
UNION ALL SELECT 'deprived_10', NULL, NULL, SUM(pence), SUM(n) FROM c WHERE measured AND imd_decile = 1
UNION ALL SELECT 'deprived_20', NULL, NULL, SUM(pence), SUM(n) FROM c WHERE measured AND imd_decile IN (1, 2)
UNION ALL SELECT 'decile_known', NULL, NULL, SUM(pence), SUM(n) FROM c WHERE measured AND imd_decile IS NOT NULL
UNION ALL SELECT 'attributed', NULL, NULL, SUM(pence), SUM(n) FROM c
          WHERE resolution IN ('matched', 'linked', 'placed', 'excluded')
UNION ALL SELECT 'not_attributed', NULL, NULL, SUM(pence), SUM(n) FROM c
          WHERE resolution NOT IN ('matched', 'linked', 'placed', 'excluded')
UNION ALL SELECT 'category', category, NULL, SUM(pence), SUM(n) FROM c WHERE measured GROUP BY category
UNION ALL SELECT 'category_local', category, NULL, SUM(pence), SUM(n) FROM c WHERE place = 'local' GROUP BY category
UNION ALL SELECT 'month', {month_text}, NULL, SUM(pence), SUM(n) FROM c GROUP BY month
UNION ALL SELECT 'month_measured', {month_text}, NULL, SUM(pence), SUM(n) FROM c WHERE measured GROUP BY month
UNION ALL SELECT 'month_local', {month_text}, NULL, SUM(pence), SUM(n) FROM c WHERE place = 'local' GROUP BY month
UNION ALL SELECT 'supplier', CAST(supplier_id AS VARCHAR(20)), name, pence, n FROM (
  SELECT supplier_id, name, SUM(pence) AS pence, SUM(n) AS n FROM c WHERE measured
  GROUP BY supplier_id, name ORDER BY SUM(pence) DESC, supplier_id LIMIT :top
) top_suppliers
"""

#: Each dimension's column, as the report reads it (ProClass by its label, else its code).
HAND_CATEGORY = {
    "proclass": "COALESCE(p.proclass_label, p.proclass_code)",
    "service_area": "p.service_area",
    "department": "p.department",
    "expense_type": "p.expense_type",
}
#: A payment's month, and that month as 'YYYY-MM' (SQLite keeps dates as ISO text; PostgreSQL's date_trunc is the
#: cheaper of its ways to a month, to_char the clearest way to text).
HAND_MONTH = {
    "sqlite": ("substr(p.paid_on, 1, 7)", "month"),
    "postgresql": ("date_trunc('month', p.paid_on)", "to_char(month, 'YYYY-MM')"),
}

#: (pence, payments)
Sum = tuple[int, int]
#: The kinds of answer that are a single figure, named as HandAnswers' fields.
_SINGLE = (
    "total",
    "measured",
    "social_economy",
    "deprived_10",
    "deprived_20",
    "decile_known",
    "attributed",
    "not_attributed",
)


@dataclass
class HandAnswers:
    """The report's figures as the hand-written SQL gives them, each (pence, payments)."""

    total: Sum = (0, 0)
    measured: Sum = (0, 0)
    #: (place, basis) as the database stores them ('local', 'branched'; basis None where not recorded).
    places: dict[tuple[str, str | None], Sum] = field(default_factory=dict)
    social_economy: Sum = (0, 0)
    #: The social economy's measured spend by legal form.
    forms: dict[str | None, Sum] = field(default_factory=dict)
    #: 'yes', 'no', 'not known' -> measured spend.
    sme: dict[str, Sum] = field(default_factory=dict)
    deprived_10: Sum = (0, 0)
    deprived_20: Sum = (0, 0)
    decile_known: Sum = (0, 0)
    attributed: Sum = (0, 0)
    not_attributed: Sum = (0, 0)
    #: Measured spend by category, and its local part.
    categories: dict[str | None, Sum] = field(default_factory=dict)
    categories_local: dict[str | None, Sum] = field(default_factory=dict)
    #: 'YYYY-MM' -> all spend, measured spend and local spend of the months with payments.
    months: dict[str, Sum] = field(default_factory=dict)
    months_measured: dict[str, Sum] = field(default_factory=dict)
    months_local: dict[str, Sum] = field(default_factory=dict)
    #: (supplier id, name, pence, payments), largest first.
    top: list[tuple[int, str, int, int]] = field(default_factory=list)


def hand_written(connection: Any, dialect: str, council_id: int, period: Any, dimension: str) -> HandAnswers:
    """Run the hand-written statement for the council, period and category column, and file its answers."""
    from app.services.spend.report import TOP_SUPPLIERS

    month, month_text = HAND_MONTH[dialect]
    sql = HAND_WRITTEN_SQL.format(month=month, month_text=month_text, category=HAND_CATEGORY[dimension])
    statement = text(sql).bindparams(bindparam("start", type_=Date), bindparam("end", type_=Date))
    params = {"council": council_id, "start": period.start, "end": period.end, "top": TOP_SUPPLIERS}
    found = HandAnswers()
    keyed: dict[str, dict[Any, Sum]] = {
        "place": found.places,
        "social_economy_form": found.forms,
        "sme": found.sme,
        "category": found.categories,
        "category_local": found.categories_local,
        "month": found.months,
        "month_measured": found.months_measured,
        "month_local": found.months_local,
    }
    for kind, key, detail, pence, payments in connection.execute(statement, params):
        answer = (int(pence or 0), int(payments or 0))
        if kind in _SINGLE:
            setattr(found, kind, answer)
        elif kind == "place":
            found.places[(key, detail)] = answer
        elif kind == "supplier":
            found.top.append((int(key), detail, *answer))
        else:
            keyed[kind][key] = answer
    found.top.sort(key=lambda row: (-row[2], row[0]))
    return found


def disagreements(report: Any, hand: HandAnswers) -> list[str]:
    """Where the report's figures and the hand-written SQL's differ, in pence or in payments. The benchmark stops
    on any, so a baseline that answers a different (easier) question cannot be timed as if it were the same."""
    found: list[str] = []

    def same(what: str, figure: Any, expected: Sum) -> None:
        if (figure.pence, figure.payments) != expected:
            found.append(f"{what}: report {(figure.pence, figure.payments)}, hand-written SQL {expected}")

    for name in _SINGLE:
        same(name, getattr(report, name), getattr(hand, name))
    same("not a supplier", report.not_a_supplier, hand.places.get(("not_a_supplier", None), (0, 0)))
    shown = set()
    for figure in report.places:
        key = (figure.filters.places[0].value, figure.filters.basis.value if figure.filters.basis else None)
        shown.add(key)
        same(figure.key, figure, hand.places.get(key, (0, 0)))
    unshown = [key for key, (_, n) in hand.places.items() if n and key[0] != "not_a_supplier" and key not in shown]
    if unshown:
        found.append(f"places with payments that the report shows no row for: {unshown}")
    local = [answer for (place, _), answer in hand.places.items() if place == "local"]
    same("local", report.local, (sum(p for p, _ in local), sum(n for _, n in local)))
    for figure in report.social_economy_forms:
        same(figure.key, figure, hand.forms.get(figure.filters.legal_form.value, (0, 0)))
    same("SMEs", report.sme, hand.sme.get("yes", (0, 0)))
    same("not SMEs", report.not_sme, hand.sme.get("no", (0, 0)))
    same("size not known", report.sme_unknown, hand.sme.get("not known", (0, 0)))
    categories = {
        row.label: (row.spend.pence, row.spend.payments, row.local.pence, row.local.payments)
        for row in report.categories
    }
    expected = {
        label: (*answer, *hand.categories_local.get(label, (0, 0))) for label, answer in hand.categories.items()
    }
    if categories != expected:
        differ = sorted(
            (str(label), categories.get(label), expected.get(label))
            for label in set(categories) | set(expected)
            if categories.get(label) != expected.get(label)
        )
        found.append(f"{len(differ)} categories differ (label, report, hand-written SQL), first {differ[:3]}")
    months: dict[str, tuple[int, ...]] = {}
    for row in report.months:
        if row.total.payments:
            months[f"{row.year:04d}-{row.month:02d}"] = tuple(
                number for figure in (row.total, row.measured, row.local) for number in (figure.pence, figure.payments)
            )
    expected_months = {
        month: (*answer, *hand.months_measured.get(month, (0, 0)), *hand.months_local.get(month, (0, 0)))
        for month, answer in hand.months.items()
    }
    if months != expected_months:
        found.append(f"months differ: report {months}, hand-written SQL {expected_months}")
    top = [(row.supplier_id, row.name, row.spend.pence, row.spend.payments) for row in report.top_suppliers]
    if top != hand.top:
        found.append(f"top suppliers differ: report {top[:3]}..., hand-written SQL {hand.top[:3]}...")
    return found


def time_report(session: Any, council: Any, period: Any, rounds: int) -> dict[str, Any]:
    """The report's server time (wall, and this process's CPU), the hand-written SQL's for the same figures (checked
    equal to the report's every round), and the report's own statements replayed on the bare database connection.
    The report and the hand-written SQL take turns going first, so neither always finds the other's pages cached."""
    from app.extensions import db
    from app.services.spend.report import spend_report

    engine = db.engine
    dialect = engine.dialect.name
    spend_report(session, council, period)  # warm the caches
    session.rollback()
    times: dict[str, list[float]] = {"wall": [], "cpu": [], "hand": [], "hand_cpu": [], "replay": []}
    report = None
    statements: list[tuple[str, Any]] = []
    for round_number in range(rounds):
        statements = []

        def capture(conn, cursor, statement, parameters, context, executemany, seen=statements):  # type: ignore[no-untyped-def]
            seen.append((statement, parameters))

        def run_report() -> Any:
            event.listen(engine, "before_cursor_execute", capture)
            started, started_cpu = time.perf_counter(), time.process_time()
            found = spend_report(session, council, period)
            times["wall"].append((time.perf_counter() - started) * 1000)
            times["cpu"].append((time.process_time() - started_cpu) * 1000)
            event.remove(engine, "before_cursor_execute", capture)
            session.rollback()
            return found

        def run_hand(dimension: str) -> HandAnswers:
            started, started_cpu = time.perf_counter(), time.process_time()
            found = hand_written(session.connection(), dialect, council.id, period, dimension)
            times["hand"].append((time.perf_counter() - started) * 1000)
            times["hand_cpu"].append((time.process_time() - started_cpu) * 1000)
            session.rollback()
            return found

        if round_number % 2 == 0 or report is None:
            report = run_report()
            hand = run_hand(report.dimension)
        else:
            hand = run_hand(report.dimension)
            report = run_report()
        if problems := disagreements(report, hand):
            raise SystemExit(
                "The hand-written SQL does not give the report's figures, so timing it beside the report would mean "
                "nothing:\n  " + "\n  ".join(problems)
            )
        raw = session.connection().connection.dbapi_connection
        cursor = raw.cursor()
        started = time.perf_counter()
        for statement, parameters in statements:
            cursor.execute(statement, parameters)
            cursor.fetchall()
        times["replay"].append((time.perf_counter() - started) * 1000)
        cursor.close()
        session.rollback()
    return {**times, "report": report, "statements": len(statements)}


def time_leakage(session: Any, council: Any, period: Any) -> tuple[float, int]:
    from app.services.spend.leakage import leakage_opportunities

    started = time.perf_counter()
    found = leakage_opportunities(session, council, period)
    seconds = (time.perf_counter() - started) * 1000
    session.rollback()
    return seconds, len(found)


def _ms(values: list[float]) -> str:
    return f"p50 {statistics.median(values):.0f} ms, best {min(values):.0f} ms"


def _ratio(numerator: list[float], denominator: list[float], summary: Any) -> float:
    return float(summary(numerator)) / max(float(summary(denominator)), 0.001)


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
    cpu_note = "" if engine_name == "SQLite" else " (the database server's is not counted)"
    print(
        f"  report {period.label} over {report.total.payments:,} payments ({timed['statements']} statements), "
        f"{rounds} rounds: {_ms(timed['wall'])}   [target < 500 ms]; CPU in this process{cpu_note}: {_ms(timed['cpu'])}"
    )
    print(
        f"  hand-written SQL for the same figures (1 statement, its answers checked equal to the report's): "
        f"{_ms(timed['hand'])}; CPU in this process{cpu_note}: {_ms(timed['hand_cpu'])}"
    )
    print(
        f"  report / hand-written SQL = {_ratio(timed['wall'], timed['hand'], statistics.median):.2f} at p50, "
        f"{_ratio(timed['wall'], timed['hand'], min):.2f} best to best"
    )
    print(
        f"  the report's own statements replayed without the ORM: {_ms(timed['replay'])}; "
        f"report / replay = {_ratio(timed['wall'], timed['replay'], statistics.median):.2f} at p50"
    )
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
