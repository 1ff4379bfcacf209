"""One progress bar for every long command: done of total, percent, rate and time left.

Commands pass ``ProgressBar.update`` (or ``advance``) to the service they call. On a terminal the bar redraws
in place; when the output is a file or a pipe (CI, ``make run`` under a log), a line is printed every few
seconds instead, so a long step never goes silent.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

import click

REDRAW_SECONDS = 0.2
LOG_EVERY_SECONDS = 5.0
BAR_WIDTH = 28


def _duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m {seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m"


class ProgressBar:
    """A bar over a known or growing total; ``unit`` names what is counted (rows, sites, postcodes)."""

    def __init__(self, label: str, total: int | None = None, unit: str = "rows", file: IO[str] | None = None) -> None:
        self.label = label
        self.total = total
        self.unit = unit
        self.done = 0
        self.fraction: float | None = None  # set when progress is known as a share (e.g. bytes of a file read)
        self._file = file or sys.stderr
        self._tty = bool(getattr(self._file, "isatty", lambda: False)())
        self._started = time.monotonic()
        self._last_draw = 0.0
        self._last_log = self._started
        self._drawn = False
        self._updated = False  # a step that found nothing to do (an unchanged directory) closes without a line

    def update(self, done: int, total: int | None = None, fraction: float | None = None) -> None:
        """Set how much is done (and, when it is known or has changed, the total or the share done)."""
        self.done = done
        self._updated = True
        if total is not None:
            self.total = total
        if fraction is not None:
            self.fraction = min(max(fraction, 0.0), 1.0)
        self._maybe_draw()

    def advance(self, step: int = 1) -> None:
        self.update(self.done + step)

    def share(self) -> float | None:
        if self.fraction is not None:
            return self.fraction
        if self.total:
            return min(self.done / self.total, 1.0)
        return None

    def line(self) -> str:
        """The bar in words: label, bar, done of total, percent, rate and time left."""
        elapsed = max(time.monotonic() - self._started, 1e-6)
        rate = self.done / elapsed
        share = self.share()
        parts = [self.label]
        if share is not None:
            filled = round(share * BAR_WIDTH)
            parts.append("[" + "#" * filled + "-" * (BAR_WIDTH - filled) + "]")
            parts.append(f"{share:4.0%}")
        counted = f"{self.done:,}" + (f" of {self.total:,}" if self.total else "") + f" {self.unit}"
        parts.append(counted)
        if self.done:
            parts.append(f"{rate:,.0f} {self.unit}/s")
        if share and 0 < share < 1:
            parts.append(f"about {_duration(elapsed * (1 - share) / share)} left")
        return "  ".join(parts)

    def _maybe_draw(self, force: bool = False) -> None:
        now = time.monotonic()
        if self._tty:
            if force or now - self._last_draw >= REDRAW_SECONDS:
                click.echo("\r\x1b[2K" + self.line(), file=self._file, nl=False)
                self._last_draw = now
                self._drawn = True
        elif force or now - self._last_log >= LOG_EVERY_SECONDS:
            click.echo(self.line(), file=self._file)
            self._last_log = now

    def finish(self, completed: bool = True) -> None:
        """Draw the bar a last time and print a closing line: how many, in how long (or how far it got)."""
        if not self._updated:
            return
        elapsed = time.monotonic() - self._started
        if completed and self.fraction is not None:
            self.fraction = 1.0
        if self._tty and self._drawn:
            self._maybe_draw(force=True)
            click.echo("", file=self._file)
        ending = "" if completed else " before it stopped"
        click.echo(f"{self.label}: {self.done:,} {self.unit} in {_duration(elapsed)}{ending}", file=self._file)


@contextmanager
def progress_bar(
    label: str, total: int | None = None, unit: str = "rows", file: IO[str] | None = None
) -> Iterator[ProgressBar]:
    """A ``ProgressBar`` that prints its closing line when the block ends (also on error, so it says how far it got)."""
    bar = ProgressBar(label, total, unit, file)
    try:
        yield bar
    except BaseException:
        bar.finish(completed=False)
        raise
    bar.finish()
