"""The pages benchmark asks for real pages: each answers 200 on a small register, so a renamed parameter or route
shows here rather than as a benchmark timing an error page."""

from __future__ import annotations

import json
import random

import pytest
from flask import Flask

from app.extensions import db
from app.services.seed import SeedReport
from tests.benchmarks import bench_pages
from tests.benchmarks.register_data import generate


@pytest.mark.commits  # generate() commits, and the benchmark's requests each open their own session
def test_every_page_of_the_benchmark_answers_on_a_small_register(
    app: Flask, reference: SeedReport, capsys: pytest.CaptureFixture[str]
) -> None:
    with app.app_context():
        bench_pages.add_commissioner(db.session)
        db.session.commit()
        generate(db.session, 40, random.Random(1))
        db.session.remove()

    timings = bench_pages.measure(app, runs=2)

    assert {t.page.name: t.error for t in timings} == {page.name: None for page in bench_pages.PAGES}
    assert all(len(t.ms) == 2 and len(t.statements) == 2 for t in timings)
    # Every page that lists or searches providers asks the database (the counter sees the requests' statements).
    assert all(min(t.statements) > 0 for t in timings if t.page.url != "/accessibility")
    bench_pages.print_table("SQLite", 40, 2, timings)
    line = bench_pages.json_line("SQLite", 40, 2, timings)
    assert "directory, page 1" in capsys.readouterr().out
    figures = json.loads(line)["pages"]
    assert set(figures) == {page.name for page in bench_pages.PAGES}
    assert all({"p50_ms", "p95_ms", "target_ms", "statements"} <= set(f) for f in figures.values())


@pytest.mark.commits
def test_a_page_that_fails_is_reported_and_the_others_still_timed(app: Flask, reference: SeedReport) -> None:
    with app.app_context():
        bench_pages.add_commissioner(db.session)
        db.session.commit()
    pages = [bench_pages.Page("missing", "/directory/999999", 50), bench_pages.PAGES[1]]

    timings = bench_pages.measure(app, runs=1, pages=pages)

    assert timings[0].error is not None and "answered 404" in timings[0].error
    assert timings[0].ms == []
    assert timings[1].error is None and len(timings[1].ms) == 1
    assert "error" in json.loads(bench_pages.json_line("SQLite", 0, 1, timings))["pages"]["missing"]


@pytest.mark.commits
def test_a_page_slower_than_the_limit_at_warm_up_is_timed_fewer_times(
    app: Flask, reference: SeedReport, monkeypatch: pytest.MonkeyPatch
) -> None:
    with app.app_context():
        bench_pages.add_commissioner(db.session)
        db.session.commit()
    monkeypatch.setattr(bench_pages, "SLOW_MS", 0.0)
    monkeypatch.setattr(bench_pages, "SLOW_RUNS", 2)

    (timing,) = bench_pages.measure(app, runs=4, pages=[bench_pages.PAGES[1]])

    assert timing.error is None
    assert len(timing.ms) == 2 and timing.figures()["runs"] == 2


@pytest.mark.commits
def test_a_request_running_past_the_stop_is_stopped_and_said_to_be_over_it(
    app: Flask, reference: SeedReport, monkeypatch: pytest.MonkeyPatch
) -> None:
    with app.app_context():
        bench_pages.add_commissioner(db.session)
        db.session.commit()
    monkeypatch.setattr(bench_pages, "STOP_S", 0.0)

    (timing,) = bench_pages.measure(app, runs=3, pages=[bench_pages.PAGES[1]])

    assert timing.stopped and not timing.timed
    assert timing.ms == []
    assert timing.figures()["stopped_over_ms"] == 0.0
