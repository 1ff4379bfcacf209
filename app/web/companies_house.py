"""The Companies House online client the pages pass to the services, built once per process from configuration.

None without COMPANIES_HOUSE_API_KEY: everything then works from the loaded register files. The rate limit is
kept where Flask-Limiter keeps the pages' limits (Redis when REDIS_URL is set, so every worker shares one count;
this process's memory otherwise). Tests put their own client, on a mock transport, in ``app.extensions``.
"""

from __future__ import annotations

import threading
from datetime import timedelta

from flask import current_app

from app.services.companies_house_api import CompaniesHouseApi, Lifetimes

EXTENSION = "companies_house_api"
_building = threading.Lock()


def companies_house_api() -> CompaniesHouseApi | None:
    """The client for Companies House's online service, or None when no key is configured."""
    app = current_app
    if not app.config.get("COMPANIES_HOUSE_API_KEY"):
        return None
    with _building:
        client = app.extensions.get(EXTENSION)
        if client is None:
            config = app.config
            client = CompaniesHouseApi(
                str(config["COMPANIES_HOUSE_API_KEY"]),
                timeout=float(config["COMPANIES_HOUSE_TIMEOUT"]),
                rate_limit=str(config["COMPANIES_HOUSE_RATE_LIMIT"]),
                limit_storage=str(config.get("RATELIMIT_STORAGE_URI") or "memory://"),
                lifetimes=Lifetimes(
                    found=timedelta(seconds=float(config["COMPANIES_HOUSE_CACHE_SECONDS"])),
                    not_found=timedelta(seconds=float(config["COMPANIES_HOUSE_NOT_FOUND_CACHE_SECONDS"])),
                ),
            )
            app.extensions[EXTENSION] = client
    return client
