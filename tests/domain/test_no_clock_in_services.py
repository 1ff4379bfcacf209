"""The layers below the views never read the clock: the time is passed in (issue 12), so every operation is
repeatable in a test and one request acts at one instant."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parents[2] / "app"
LAYERS = ("domain", "services", "tabular", "geo")
#: Calls that read the clock.
CLOCK_CALLS = {("datetime", "now"), ("datetime", "utcnow"), ("date", "today"), ("time", "time")}


def clock_reads(source: str) -> list[int]:
    """Line numbers of calls that read the clock: utcnow(), datetime.now(), date.today(), time.time()."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if (isinstance(func, ast.Name) and func.id == "utcnow") or (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and ((func.value.id, func.attr) in CLOCK_CALLS or func.attr == "utcnow")
        ):
            lines.append(node.lineno)
    return lines


@pytest.mark.parametrize("source", ["utcnow()", "datetime.now(UTC)", "date.today()", "time.time()", "base.utcnow()"])
def test_each_way_of_reading_the_clock_is_caught(source: str) -> None:
    assert clock_reads(source) == [1]


def test_passing_the_time_in_is_not_a_clock_read() -> None:
    assert clock_reads("def f(now):\n    return now.date()\nx = timedelta(days=1)") == []


@pytest.mark.parametrize("layer", LAYERS)
def test_the_layer_takes_the_time_from_its_caller(layer: str) -> None:
    found = {
        str(path.relative_to(APP)): lines
        for path in sorted((APP / layer).rglob("*.py"))
        if (lines := clock_reads(path.read_text(encoding="utf-8")))
    }
    assert found == {}, f"read the clock instead of taking now from the caller: {found}"
