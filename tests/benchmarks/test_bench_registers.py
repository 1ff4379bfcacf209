"""The registers benchmark times what it says: its generated BasicCompanyData is a file the loader loads whole (every
row, under the real header, in parts of one zip), the names it matches are written as finance systems write them
yet mostly find their company, and its figures have every key the report prints."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pytest

from app.domain.registers import BASIC_COMPANY_DATA_HEADER, company_number
from tests.benchmarks import bench_registers

ROWS = 300


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> bench_registers.Product:
    return bench_registers.product(ROWS, cache=tmp_path_factory.mktemp("registers"), say=lambda _: None)


def test_the_generated_file_is_the_products_shape(made: bench_registers.Product) -> None:
    with zipfile.ZipFile(made.path) as archive:
        members = archive.namelist()
        assert members == [f"BasicCompanyData-2026-12-01-part{n}_7.csv" for n in range(1, 8)]
        rows = []
        for member in members:
            text = archive.read(member).decode("utf-8")
            assert text.startswith('"CompanyName"," CompanyNumber",')  # every field quoted, the header's spaces kept
            header, *body = csv.reader(io.StringIO(text))
            assert tuple(header) == BASIC_COMPANY_DATA_HEADER
            rows += body
    assert len(rows) == ROWS and all(len(row) == 55 for row in rows)
    assert len({row[1] for row in rows}) == ROWS
    assert all(company_number(row[1]) == row[1] for row in rows)
    # In the order of their names, as the product is.
    assert [row[0] for row in rows] == sorted(row[0] for row in rows)
    # Again from the cache, the same file.
    again = bench_registers.product(ROWS, cache=made.path.parents[1], say=lambda _: None)
    assert again.path == made.path and again.seconds == 0.0 and again.kept == made.kept


def test_the_loader_loads_every_row_and_the_figures_have_their_keys(
    made: bench_registers.Product, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path}/bench.db"

    # The load in this process: a child's start (importing the app again) would be most of the test's time.
    figures = bench_registers.bench_engine(url, made, samples=100, child=False)
    bench_registers.report({"SQLite": figures}, made, samples=100)

    assert figures["rows"] == ROWS
    expected = {
        "rows",
        "load_seconds",
        "load_cpu_seconds",
        "load_rows_per_s",
        "load_max_rss_mb",
        "lookup_p50_ms",
        "lookup_p95_ms",
        "lookup_found",
        "lookup_asked",
        "bare_p50_ms",
        "bare_p95_ms",
        "bare_found",
        "match_seconds",
        "match_exact_seconds",
        "match_near_seconds",
        "match_names",
        "match_found_top",
        "match_found_any",
        "match_on_register",
    }
    assert expected <= set(figures)
    # One number in ten is on no register; lookup() and the bare SELECT find the same.
    assert figures["lookup_asked"] == 100 and figures["lookup_found"] == figures["bare_found"] == 90
    assert figures["match_names"] == 100
    # Every way of writing a registered name but a typo finds it; most typos do too.
    assert figures["match_found_any"] >= 0.85 * figures["match_on_register"]
    assert "match_names() of 100 names" in capsys.readouterr().out
