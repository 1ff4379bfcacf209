"""Playwright in Debian's Chromium against the app served on 127.0.0.1 from a thread.

Chromium missing: the browser tests skip with the reason, except under CI, where that is a failure.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from app.config import PROJECT_ROOT
from tests import factories

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
AXE = PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"


_STATIC_FILE_LEFT_OPEN = (
    r"ignore:Exception ignored in. <_io\.FileIO name='.*/app/static/:pytest.PytestUnraisableExceptionWarning"
)


#: The widths the browser tests look at, in CSS px: a phone (WCAG 2.2 reflow) and a desktop.
ALL_WIDTHS = (320, 1280)


def browser_widths() -> tuple[int, ...]:
    """The widths this run looks at: all of them, or those ``BROWSER_WIDTHS`` names ("320", "1280" or "320,1280").

    CI's two passes split them: the SQLite pass looks at the phone and the PostgreSQL pass at the desktop, so every
    journey meets each engine and each width while the browser's share of a pass is halved (how a page lays out does
    not depend on the database behind it)."""
    chosen = os.environ.get("BROWSER_WIDTHS", "").replace(" ", "")
    if not chosen:
        return ALL_WIDTHS
    widths = tuple(int(w) for w in chosen.split(",") if w)
    unknown = set(widths) - set(ALL_WIDTHS)
    if unknown or not widths:
        raise pytest.UsageError(f"BROWSER_WIDTHS={chosen!r}: choose from {', '.join(map(str, ALL_WIDTHS))}")
    return widths


def _width_of(item: pytest.Item) -> int | None:
    """The width a browser test is parametrized with ("width", or a "viewport" with a width), if any."""
    params = getattr(getattr(item, "callspec", None), "params", {})
    if isinstance(params.get("width"), int):
        return int(params["width"])
    viewport = params.get("viewport")
    return int(viewport["width"]) if isinstance(viewport, dict) and "width" in viewport else None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    widths = browser_widths()
    kept, left_out = [], []
    for item in items:
        if "tests/browser" in str(item.path):
            item.add_marker(pytest.mark.browser)
            # Chromium may drop a connection mid-download when a journey moves on (a static file still being sent);
            # the werkzeug thread then leaves the file to the garbage collector. Harmless, and not the app's doing.
            item.add_marker(pytest.mark.filterwarnings(_STATIC_FILE_LEFT_OPEN))
            width = _width_of(item)
            if width is not None and width not in widths:
                left_out.append(item)
                continue
        kept.append(item)
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = kept


@pytest.fixture(autouse=True, scope="session")  # session scope: checked before the browser is launched
def _require_chromium() -> None:
    missing = [str(p) for p in (Path(CHROMIUM), AXE) if not p.exists()]
    if missing:
        message = f"browser tests need {', '.join(missing)} (apt-get install chromium; npm ci)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture(scope="session")
def live_server(app: Flask) -> Iterator[str]:
    """The app on a free loopback port, served from a background thread."""
    app.config["SERVER_NAME"] = None  # answer to 127.0.0.1:<port>, not only to "localhost"
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        app.config["SERVER_NAME"] = "localhost"


def reflow_problems(page: Any) -> list[dict[str, Any]]:
    """Whether the page scrolls sideways at its current width (WCAG 1.4.10), naming the elements that stick out."""
    found = page.evaluate(
        """() => {
            const width = window.innerWidth;
            const page = document.documentElement.scrollWidth;
            if (page <= width) return null;
            const wide = [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > width + 1 && !e.closest('.app-table-scroll'))
                .slice(-3)
                .map(e => e.tagName.toLowerCase() + (e.className ? '.' + String(e.className).replace(/ +/g, '.') : ''));
            return {page, wide};
        }"""
    )
    if not found:
        return []
    return [{"id": "reflow", "impact": "serious", "nodes": [f"page is {found['page']} px wide", *found["wide"]]}]


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """Run axe-core (WCAG 2.0-2.2 A and AA rules) on the page and return its violations, with "reflow" added
    when the page scrolls sideways at its current width (journeys run at 320 CSS px and on a desktop).

    Only violations are asked for: axe then keeps one node per rule for its passes and inapplicable results instead
    of every node it looked at (a third less time a page on the officer's pages)."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """async () => await axe.run(document, {
            runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']},
            resultTypes: ['violations']
        })"""
    )
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
    ] + reflow_problems(page)


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    # Only so axe-core can be injected; the CSP itself is checked in tests/views/test_public.py.
    return {**browser_context_args, "bypass_csp": True}


def sign_in(page: Any, live_server: str, email: str, password: str = factories.PASSWORD) -> None:
    """Sign in through the real page, as a person would, and wait for the page it lands on."""
    page.goto(f"{live_server}/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
