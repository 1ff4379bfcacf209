"""The one progress bar every long command shares: done of total, percent, rate, time left, and a closing line."""

from __future__ import annotations

import io

import pytest

from app.cli import progress as cli_progress
from app.cli.progress import progress_bar


def test_a_pipe_gets_lines_with_the_share_done_the_rate_and_the_time_left(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli_progress, "LOG_EVERY_SECONDS", 0.0)
    out = io.StringIO()
    with progress_bar("Loading postcodes", unit="postcodes", file=out) as bar:
        bar.update(500_000, fraction=0.25)
        bar.update(1_000_000, fraction=0.5)
    lines = out.getvalue().splitlines()
    assert "25%" in lines[0] and "500,000 postcodes" in lines[0] and "postcodes/s" in lines[0] and "left" in lines[0]
    assert "50%" in lines[1] and "1,000,000 postcodes" in lines[1]
    assert lines[-1].startswith("Loading postcodes: 1,000,000 postcodes in ")


def test_a_known_total_reads_done_of_total() -> None:
    bar = cli_progress.ProgressBar("Placing sites", total=200, unit="sites", file=io.StringIO())
    bar.update(50)
    assert "50 of 200 sites" in bar.line() and "25%" in bar.line()


def test_a_step_with_nothing_to_do_prints_no_closing_line() -> None:
    out = io.StringIO()
    with progress_bar("Postcode directory", unit="postcodes", file=out):
        pass
    assert out.getvalue() == ""


def test_a_failure_says_how_far_it_got(monkeypatch: pytest.MonkeyPatch) -> None:
    out = io.StringIO()
    with pytest.raises(RuntimeError), progress_bar("Importing", file=out) as bar:
        bar.update(10, total=100)
        raise RuntimeError("disk full")
    assert out.getvalue().splitlines()[-1].startswith("Importing: 10 rows in ")
    assert out.getvalue().rstrip().endswith("before it stopped")
