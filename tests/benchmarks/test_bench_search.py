"""The search benchmark's minimal SQL gives the app's answers: on a small register, with the count's cap and the
few-matches limits made small so that capped counts, clamped deep pages, pages that span segments and both ways of
reading a page are all reached, every case's counts and page ids agree; and a difference stops the benchmark."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from app.domain.policy import LocalityRule
from app.extensions import db
from app.models import Council, SpendBand
from app.services import fulltext, ordered_pages
from app.services.seed import SeedReport
from tests.benchmarks import bench_search
from tests.benchmarks.register_data import generate

CAP = 30


@pytest.fixture
def small_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    """The count's cap at 30 (for the app and the benchmark alike), and 'few' at 10 on both sides."""
    monkeypatch.setattr(ordered_pages, "COUNT_LIMIT", CAP)
    monkeypatch.setattr(bench_search, "COUNT_LIMIT", CAP)
    monkeypatch.setattr(fulltext, "FEW_MATCHES", 10)
    monkeypatch.setattr(bench_search, "FEW", 10)


@pytest.fixture
def register(app: Flask, reference: SeedReport) -> Iterator[Any]:
    """120 providers from the benchmark's generator (committed), and a raw connection for the minimal SQL."""
    with app.app_context():
        generate(db.session, 120, random.Random(3))
        raw = db.engine.raw_connection()
        postgresql = db.engine.dialect.name == "postgresql"
        if postgresql:
            raw.driver_connection.autocommit = True  # type: ignore[union-attr]
        try:
            yield raw
        finally:
            if postgresql:
                # The connection goes back to the app's pool: a later test's session must not find it in
                # autocommit, where its SAVEPOINTs fail ("can only be used in transaction blocks").
                raw.driver_connection.autocommit = False  # type: ignore[union-attr]
            raw.close()


def _band_b(session: Any) -> LocalityRule:
    council = session.scalars(select(Council).where(Council.name == bench_search.COUNCIL)).one()
    band = session.scalars(select(SpendBand).where(SpendBand.council_id == council.id, SpendBand.code == "B")).one()
    return LocalityRule(band.locality_rule)


@pytest.mark.commits  # generate() and the band B change commit; the minimal SQL reads on a connection of its own
def test_the_minimal_sql_gives_the_apps_answer_in_every_case(app: Flask, small_limits: None, register: Any) -> None:
    timings = bench_search.measure(db.session, register, rounds=2)

    assert [t.case.name for t in timings] == [case.name for case in bench_search.CASES]
    assert all(len(t.app_ms) == len(t.minimal_ms) == len(t.statements) == 2 for t in timings)
    answers = {t.case.name: t.answer for t in timings}
    assert all(answer is not None for answer in answers.values())
    # What the cases reach at this size: capped totals beside an exact local count, a page spanning the local
    # providers and the rest, a deep page clamped to the last the cap allows, and few and many matches of the words.
    community = answers['search £300k "community"']
    assert community is not None and community.total_capped
    assert community.local is not None and 0 < community.local < CAP and not community.local_capped
    spanning = answers['B local first: £20k "community"']
    assert spanning is not None and spanning.local is not None and spanning.local < bench_search.PER_PAGE
    assert len(spanning.ids) == bench_search.PER_PAGE
    deep = answers["directory, page 2,000"]
    assert deep is not None and deep.total_capped and len(deep.ids) == bench_search.PER_PAGE
    few, many = answers['search £20k "community navigation"'], answers['search £20k "community"']
    assert few is not None and 0 < few.total <= 10 and many is not None and many.total > 10
    # Band B is as it was seeded once the benchmark is done.
    assert _band_b(db.session) == LocalityRule.LOCAL_ONLY


@pytest.mark.commits
def test_a_difference_stops_the_benchmark_with_both_answers(
    app: Flask, small_limits: None, register: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    honest = bench_search.minimal_answer

    def reversed_page(cursor: Any, minimal: Any, case: bench_search.Case, area: Any) -> bench_search.Answer:
        answer = honest(cursor, minimal, case, area)
        return replace(answer, ids=answer.ids[::-1])

    monkeypatch.setattr(bench_search, "minimal_answer", reversed_page)
    cases = [bench_search.CASES[-1], bench_search.CASES[11]]  # a directory search, then band B made local first

    with pytest.raises(bench_search.Mismatch) as raised:
        bench_search.measure(db.session, register, rounds=1, cases=cases)

    message = str(raised.value)
    assert message.startswith(cases[0].name) and "app:" in message and "minimal:" in message
    assert _band_b(db.session) == LocalityRule.LOCAL_ONLY


def test_a_page_beyond_the_counted_ones_reads_the_last_page_the_cap_allows() -> None:
    minimal = bench_search.Minimal(postgresql=False)
    area = bench_search.Area(("E08000011",), ("E08000011", "E08000012"))
    case = bench_search.Case("x", directory=True, keywords="community", page=2_000)

    sql = minimal.page(case, area, offset=9_980, total=10_001, before=[9_990])

    # The names' tier holds rows 0..9,989: the page takes its last 10 and the first 10 of the rest.
    assert "LIMIT 10 OFFSET 9980" in sql and "LIMIT 10 OFFSET 0" in sql
    assert sql.endswith("ORDER BY segment, sort_name, id")
