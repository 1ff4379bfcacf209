"""The accessibility check itself finds what it is there to find: a page with known faults is reported, so a
journey's empty list of violations means something."""

from __future__ import annotations

from playwright.sync_api import Page

from tests.browser.conftest import axe_violations

FAULTY = """<!doctype html><html lang="en"><head><title>Faulty</title></head><body><main>
<h1>Faulty page</h1>
<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
<p style="color:#aaa;background:#fff">Grey on white</p>
<div style="width:900px">Wider than a phone</div>
</main></body></html>"""


def test_a_page_with_known_faults_is_reported(page: Page) -> None:
    page.set_viewport_size({"width": 320, "height": 720})
    page.set_content(FAULTY)
    found = {violation["id"] for violation in axe_violations(page)}
    assert {"image-alt", "color-contrast", "reflow"} <= found


def test_the_same_page_mended_is_clean(page: Page) -> None:
    page.set_viewport_size({"width": 320, "height": 720})
    mended = (
        FAULTY.replace('base64,R0lGODlhAQABAAAAACw=">', 'base64,R0lGODlhAQABAAAAACw=" alt="">')
        .replace("color:#aaa", "color:#0b0c0c")
        .replace("width:900px", "max-width:900px")
    )
    page.set_content(mended)
    assert axe_violations(page) == []
