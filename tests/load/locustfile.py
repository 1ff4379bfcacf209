"""Load test: the public directory, the commissioner's search and the JSON API, against `make serve`.

    scripts/load.sh sqlite|postgresql      # prepares data, serves the production shape, runs this, prints figures

Run by hand: .venv/bin/locust -f tests/load/locustfile.py --host http://127.0.0.1:8000 --headless -u 20 -r 5 -t 60s
with LOAD_EMAIL and LOAD_PASSWORD naming a commissioner. Loopback only; bounded by users and run time.
"""

from __future__ import annotations

import os
import random
import re

from locust import HttpUser, between, task

CATEGORIES = [
    "community-support-advice-and-navigation",
    "food-catering-and-community-cafes",
    "cleaning",
    "housing-and-tenancy-support",
    "",
]
VALUES = [3_000, 4_500, 25_000, 150_000, 400_000]
KEYWORDS = ["", "", "community", "food", "credit union", "housing"]
LEGAL_FORMS = ["", "cooperative", "community_benefit", "cic"]


class Visitor(HttpUser):
    """Someone browsing the public directory."""

    weight = 2
    # Next to no pause: 20 users keep the server busy, so the figures are its capacity at that concurrency.
    wait_time = between(0, 0.1)

    @task(3)
    def directory(self) -> None:
        params = {"page": random.randint(1, 30)}
        form = random.choice(LEGAL_FORMS)
        if form:
            params["legal_form"] = form
        with self.client.get("/directory", params=params, name="/directory", catch_response=True) as response:
            ids = re.findall(r'href="/directory/(\d+)"', response.text)
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")
            self.ids = ids or getattr(self, "ids", [])

    @task(1)
    def provider_page(self) -> None:
        ids = getattr(self, "ids", None)
        if ids:
            self.client.get(f"/directory/{random.choice(ids)}", name="/directory/<id>")

    @task(2)
    def api(self) -> None:
        params = {"council": "E08000011", "value": random.choice(VALUES)}
        category = random.choice(CATEGORIES)
        if category:
            params["category"] = category
        self.client.get("/api/v1/eligible-providers", params=params, name="/api/v1/eligible-providers")


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
        }
        category = random.choice(CATEGORIES)
        if category:
            params["category"] = category
        name = "/commissioner/search"
        with self.client.get(name, params=params, name=name, catch_response=True) as response:
            if response.status_code != 200 or "There is a problem" in response.text:
                response.failure(f"status {response.status_code}")
