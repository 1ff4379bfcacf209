"""Load test: the public directory, providers' pages, the JSON API and the commissioner's search, against `make serve`.

    scripts/load.sh sqlite|postgresql [demo|PROVIDERS]   # prepares data, serves the production shape, runs this

Run by hand: .venv/bin/locust -f tests/load/locustfile.py --host http://127.0.0.1:8000 --headless -u 20 -r 5 -t 60s
with LOAD_EMAIL and LOAD_PASSWORD naming a commissioner. Loopback only; bounded by users and run time.

Each request is named for the kind of page it is (the first pages of the directory, deep pages, filters, a keyword
search...), and carries that name at the start of its X-Request-ID, so scripts/load.sh can set the server's own time
for each kind (from its access log) beside what the client saw.
"""

from __future__ import annotations

import os
import random
import re
import uuid
from typing import Any

from locust import HttpUser, between, task

from tests.load.pages import PAGES

CATEGORIES = [
    "community-support-advice-and-navigation",
    "food-catering-and-community-cafes",
    "cleaning",
    "housing-and-tenancy-support",
    "",
]
VALUES = [3_000, 4_500, 25_000, 150_000, 400_000]
KEYWORDS = ["", "", "community", "food", "credit union", "housing"]
DIRECTORY_WORDS = ["community", "food", "care", "garden repair", "credit union", "housing", "youth arts", "energy"]
LEGAL_FORMS = ["", "cooperative", "community_benefit", "cic"]
# The Liverpool City Region's districts, where most of the load test's providers are.
DISTRICTS = ["E08000011", "E08000012", "E08000013", "E08000014", "E08000015", "E06000006"]
# Where a capped count (app/domain/paging.py COUNT_LIMIT at 20 a page) leaves a pager's last page unknown.
CAPPED_LAST_PAGE = 500

_PROVIDER_LINK = re.compile(r'href="/directory/(\d+)"')
_PAGE_LINK = re.compile(r"[?&;]page=(\d+)")


def request_id(name: str) -> dict[str, str]:
    """The X-Request-ID header: the page's tag, then a unique part (the server logs it with its own time)."""
    return {"X-Request-ID": f"{PAGES[name]}.{uuid.uuid4().hex[:16]}"}


class Visitor(HttpUser):
    """Someone browsing the public directory, its providers and the API."""

    weight = 2
    # Next to no pause: 20 users keep the server busy, so the figures are its capacity at that concurrency.
    wait_time = between(0, 0.1)

    def on_start(self) -> None:
        self.ids: list[str] = []
        self.last_page = 30
        # Addresses seen with their ETags, to ask again as a browser revalidating a page does.
        self.seen: dict[str, str] = {}

    def _directory(self, name: str, params: dict[str, Any]) -> None:
        with self.client.get(
            "/directory", params=params, name=name, headers=request_id(name), catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")
                return
            ids = _PROVIDER_LINK.findall(response.text)
            self.ids = ids or self.ids
            if "etag" in response.headers:
                self.seen[response.url] = response.headers["etag"]
            if not params.get("page") or params.get("page") == 1:
                pages = [int(n) for n in _PAGE_LINK.findall(response.text)]
                capped = "More than" in response.text
                self.last_page = CAPPED_LAST_PAGE if capped else max(pages, default=1)

    @task(3)
    def directory_first_pages(self) -> None:
        params: dict[str, Any] = {"page": random.randint(1, 5)}
        form = random.choice(LEGAL_FORMS)
        if form:
            params["legal_form"] = form
        self._directory("/directory (pages 1-5)", params)

    @task(1)
    def directory_deep_page(self) -> None:
        self._directory("/directory (deep page)", {"page": random.randint(max(1, self.last_page // 2), self.last_page)})

    @task(2)
    def directory_filtered(self) -> None:
        params: dict[str, Any] = {"district": random.choice(DISTRICTS), "page": random.randint(1, 3)}
        category = random.choice(CATEGORIES)
        if category:
            params["service"] = category
        self._directory("/directory (district, service)", params)

    @task(2)
    def directory_search(self) -> None:
        self._directory("/directory?q= (keywords)", {"q": random.choice(DIRECTORY_WORDS)})

    @task(2)
    def provider_page(self) -> None:
        if self.ids:
            name = "/directory/<id>"
            response = self.client.get(f"/directory/{random.choice(self.ids)}", name=name, headers=request_id(name))
            if "etag" in response.headers:
                self.seen[response.url] = response.headers["etag"]

    @task(2)
    def api(self) -> None:
        params: dict[str, Any] = {"council": "E08000011", "value": random.choice(VALUES)}
        category = random.choice(CATEGORIES)
        if category:
            params["category"] = category
        name = "/api/v1/eligible-providers"
        self.client.get("/api/v1/eligible-providers", params=params, name=name, headers=request_id(name))

    @task(1)
    def revalidate(self) -> None:
        """A browser coming back to a page it has: If-None-Match, answered 304 while the register is unchanged."""
        if not self.seen:
            return
        url, tag = random.choice(list(self.seen.items()))
        name = "(revalidate: 304)"
        with self.client.get(
            url, name=name, headers={"If-None-Match": tag, **request_id(name)}, catch_response=True
        ) as response:
            if response.status_code != 304:
                response.failure(f"status {response.status_code}, not 304")
        if len(self.seen) > 200:
            self.seen.pop(next(iter(self.seen)))


class Commissioner(HttpUser):
    """A signed-in commissioner searching."""

    weight = 1
    wait_time = between(0, 0.1)

    def on_start(self) -> None:
        page = self.client.get("/sign-in", name="/sign-in").text
        token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page)
        response = self.client.post(
            "/sign-in",
            data={
                "email": os.environ.get("LOAD_EMAIL", "buyer@example.gov.uk"),
                "password": os.environ.get("LOAD_PASSWORD", ""),
                "csrf_token": token.group(1) if token else "",
            },
            name="/sign-in",
            allow_redirects=False,
        )
        if response.status_code != 302:
            raise RuntimeError(f"the load test's commissioner could not sign in ({response.status_code})")

    @task
    def search(self) -> None:
        params = {
            "value": random.choice(VALUES),
            "contract_type": "goods_and_services",
            "vat": "excluded",
            "q": random.choice(KEYWORDS),
            "page": random.choice([1, 1, 1, 2, 3]),
        }
        category = random.choice(CATEGORIES)
        if category:
            params["category"] = category
        name = "/commissioner/search"
        with self.client.get(name, params=params, name=name, headers=request_id(name), catch_response=True) as response:
            if response.status_code != 200 or "There is a problem" in response.text:
                response.failure(f"status {response.status_code}")
