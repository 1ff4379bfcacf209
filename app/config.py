"""Settings read from the environment.

Three shapes: development (the default, SQLite under ``instance/``, a generated secret key),
test (set by the test suite) and production (refuses to start without ``SECRET_KEY``).
"""

from __future__ import annotations

import math
import os
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from limits import parse as parse_limit

from app.domain.companies_house_api import SERVICE_LIMIT_REQUESTS, SERVICE_LIMIT_SECONDS
from app.domain.text import plain_int

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = Path(os.environ.get("INSTANCE_PATH", PROJECT_ROOT / "instance"))


class ConfigError(RuntimeError):
    """The environment does not describe a configuration the service can run with."""


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs written the usual way (postgres:// or postgresql://)."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def _development_secret_key() -> str:
    """Generate the development key once into instance/, so sessions survive restarts."""
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    key_file = INSTANCE_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


#: Hosts a development or test server answers to, besides SERVER_BASE_URL's.
LOOPBACK_HOSTS = ("localhost", "127.0.0.1")


def checked_base_url(url: str) -> str:
    """SERVER_BASE_URL as links start with it: http(s), a host, perhaps a path; no query, no trailing slash."""
    parts = urlsplit(url.strip())
    if parts.scheme not in {"http", "https"} or not parts.hostname or parts.query or parts.fragment:
        raise ConfigError(
            f"SERVER_BASE_URL must be the address people use, like https://suppliers.example.gov.uk, not {url!r}"
        )
    return url.strip().rstrip("/")


def trusted_hosts(env: str, base_url: str, listed: str | None) -> list[str]:
    """The Host headers the service answers (Flask's TRUSTED_HOSTS): any other gets a 400.

    TRUSTED_HOSTS lists them, separated by commas (".example.gov.uk" for every subdomain). By default production
    answers only to SERVER_BASE_URL's host, and development and tests also to localhost and 127.0.0.1.
    """
    if listed is not None and listed.strip():
        return [host.strip().lower() for host in listed.split(",") if host.strip()]
    own = urlsplit(base_url).hostname or ""
    hosts = [own] if env == "production" else [own, *LOOPBACK_HOSTS]
    return list(dict.fromkeys(host for host in hosts if host))


#: Session lengths: the setting and the unit it is given in. Zero or less would end every session at once, and
#: more than SESSION_LENGTH_MAX overflows the dates sessions are checked with; either way every signed-in page fails.
SESSION_LENGTHS = {"SESSION_IDLE_MINUTES": "minutes", "SESSION_MAX_HOURS": "hours"}
SESSION_LENGTH_MAX = 999_999


def _session_length(name: str, value: object) -> int:
    """A session length as a whole number from 1 to SESSION_LENGTH_MAX, or ConfigError saying what to set."""
    text = str(value).strip()
    number = plain_int(text, max_digits=len(str(SESSION_LENGTH_MAX)))
    if number is None or not 1 <= number <= SESSION_LENGTH_MAX:
        raise ConfigError(
            f"{name} must be a whole number of {SESSION_LENGTHS[name]} from 1 to {SESSION_LENGTH_MAX}, not {text!r}"
        )
    return number


#: Companies House settings given in seconds (a timeout may be a fraction of one).
COMPANIES_HOUSE_SECONDS = (
    "COMPANIES_HOUSE_TIMEOUT",
    "COMPANIES_HOUSE_CACHE_SECONDS",
    "COMPANIES_HOUSE_NOT_FOUND_CACHE_SECONDS",
)


def _seconds(name: str, value: object) -> float:
    """A positive number of seconds, or ConfigError saying what to set."""
    try:
        seconds = float(str(value).strip())
    except ValueError:
        seconds = 0.0
    if not 0 < seconds < 10**9:
        raise ConfigError(f"{name} must be a number of seconds greater than 0, not {str(value).strip()!r}")
    return seconds


def companies_house_rate_limit(text: str) -> str:
    """COMPANIES_HOUSE_RATE_LIMIT as the limits library reads it ("500 per 5 minutes"), below Companies House's own
    600 requests in 5 minutes a key; ConfigError otherwise."""
    try:
        item = parse_limit(text)
    except ValueError:
        item = None
    if item is None:
        raise ConfigError(f"COMPANIES_HOUSE_RATE_LIMIT must be a rate like '500 per 5 minutes', not {text!r}")
    # The most requests the limit lets through in any 5 minutes: its amount once per window the 5 minutes touch.
    windows = max(1, math.ceil(SERVICE_LIMIT_SECONDS / item.get_expiry()))
    if item.amount * windows >= SERVICE_LIMIT_REQUESTS:
        raise ConfigError(
            f"COMPANIES_HOUSE_RATE_LIMIT must stay below Companies House's own limit of {SERVICE_LIMIT_REQUESTS} "
            f"requests in 5 minutes, not {text!r}"
        )
    return text.strip()


def load_config(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Build the Flask config mapping from the environment, then apply ``overrides``."""
    overrides = dict(overrides or {})
    env = overrides.get("APP_ENV") or os.environ.get("APP_ENV", "development")
    if env not in {"development", "production", "test"}:
        raise ConfigError(f"APP_ENV must be development, production or test, not {env!r}")
    production = env == "production"

    secret_key = overrides.get("SECRET_KEY") or os.environ.get("SECRET_KEY")
    if not secret_key:
        if production:
            raise ConfigError("SECRET_KEY must be set in production (a long random string).")
        secret_key = "test-secret-key" if env == "test" else _development_secret_key()

    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{INSTANCE_DIR / 'register.db'}"
    if production and database_url.startswith("sqlite") and not _bool("ALLOW_SQLITE_IN_PRODUCTION", False):
        raise ConfigError(
            "Production runs on PostgreSQL: set DATABASE_URL (or ALLOW_SQLITE_IN_PRODUCTION=1 for one server)."
        )

    # The test suite answers on http://localhost whatever the shell says.
    base_url = overrides.get("SERVER_BASE_URL") or (None if env == "test" else os.environ.get("SERVER_BASE_URL"))
    if not base_url:
        if production:
            raise ConfigError(
                "SERVER_BASE_URL must be set in production: the address people use, like "
                "https://suppliers.example.gov.uk. Links in emails and the API start with it."
            )
        base_url = "http://localhost" if env == "test" else "http://127.0.0.1:5000"

    redis_url = os.environ.get("REDIS_URL") or None
    config: dict[str, Any] = {
        "APP_ENV": env,
        "SECRET_KEY": secret_key,
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "REDIS_URL": redis_url,
        # The council this deployment serves: its district GSS code (Knowsley by default).
        "COUNCIL_CODE": os.environ.get("COUNCIL_CODE", "E08000011"),
        # Shown until the council is seeded, and on error pages when the database is unreachable.
        "COUNCIL_NAME": os.environ.get("COUNCIL_NAME", "Knowsley Council"),
        "FEEDBACK_EMAIL": os.environ.get("FEEDBACK_EMAIL", "procurement@knowsley.gov.uk"),
        "ACCESSIBILITY_EMAIL": os.environ.get("ACCESSIBILITY_EMAIL", "accessibility@knowsley.gov.uk"),
        "PRIVACY_EMAIL": os.environ.get("PRIVACY_EMAIL", "dataprotection@knowsley.gov.uk"),
        # Where links in emails and the API point. In development, links made during a request use the
        # request's own host (already checked against TRUSTED_HOSTS), so they work on whatever port it runs.
        "SERVER_BASE_URL": base_url,
        # Mail: with no MAIL_SERVER, messages stay in the outbox table and the log says so (never their content).
        # Production needs MAIL_SERVER, or MAIL_OUTBOX_ONLY=1 to keep mail unsent in the outbox on purpose.
        "MAIL_SERVER": os.environ.get("MAIL_SERVER") or None,
        "MAIL_OUTBOX_ONLY": _bool("MAIL_OUTBOX_ONLY", False),
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", "587")),
        "MAIL_USE_TLS": _bool("MAIL_USE_TLS", True),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD") or None,
        "MAIL_FROM": os.environ.get("MAIL_FROM", "Local Supplier Register <no-reply@localhost>"),
        "PASSWORD_RESET_MAX_AGE": int(os.environ.get("PASSWORD_RESET_MAX_AGE", str(2 * 60 * 60))),
        "SIGN_IN_RATE_LIMIT": os.environ.get("SIGN_IN_RATE_LIMIT", "10 per minute"),
        # Pages that send email (forgot password, create an account, send the link again): per email address, so
        # nobody's inbox can be flooded, and per client address, so nobody can mail many people.
        "EMAIL_RATE_LIMIT_PER_ADDRESS": os.environ.get("EMAIL_RATE_LIMIT_PER_ADDRESS", "3 per 15 minutes"),
        "EMAIL_RATE_LIMIT_PER_CLIENT": os.environ.get("EMAIL_RATE_LIMIT_PER_CLIENT", "20 per hour"),
        "API_RATE_LIMIT": os.environ.get("API_RATE_LIMIT", "120 per minute"),
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_HEADERS_ENABLED": False,
        "PER_PAGE": 20,
        # Keep what every page asks and only a public change alters (the directory's filter lists, the council's
        # local area) in each process until the register's version moves (app/web/caching.py). Off in tests,
        # whose factories write rows with no audit event and whose rolled-back ids come round again.
        "KEEP_FOR_REGISTER_VERSION": env != "test",
        # Geocoders in order. The default is offline: the postcode directory only.
        "GEOCODERS": os.environ.get("GEOCODERS", "postcode_directory"),
        "GEOCODER_USER_AGENT": os.environ.get(
            "GEOCODER_USER_AGENT", "local-supplier-register (set GEOCODER_USER_AGENT to your contact)"
        ),
        "GEOCODER_TIMEOUT": float(os.environ.get("GEOCODER_TIMEOUT", "5")),
        "GEOCODER_MIN_DELAY_SECONDS": float(os.environ.get("GEOCODER_MIN_DELAY_SECONDS", "1")),
        # Companies House's online service (its public data API): with a key, registration looks up a company
        # number the loaded register lacks; empty, everything works from the loaded files. The key is a secret:
        # it is sent to Companies House only, never logged or shown.
        "COMPANIES_HOUSE_API_KEY": os.environ.get("COMPANIES_HOUSE_API_KEY", "").strip() or None,
        "COMPANIES_HOUSE_TIMEOUT": os.environ.get("COMPANIES_HOUSE_TIMEOUT", "5"),
        # Below the service's own 600 requests in 5 minutes a key; shared by every worker through REDIS_URL.
        "COMPANIES_HOUSE_RATE_LIMIT": os.environ.get("COMPANIES_HOUSE_RATE_LIMIT", "500 per 5 minutes"),
        # How long an answer is kept before the service is asked again: a company found, a number not found.
        "COMPANIES_HOUSE_CACHE_SECONDS": os.environ.get("COMPANIES_HOUSE_CACHE_SECONDS", str(24 * 60 * 60)),
        "COMPANIES_HOUSE_NOT_FOUND_CACHE_SECONDS": os.environ.get("COMPANIES_HOUSE_NOT_FOUND_CACHE_SECONDS", "3600"),
        # Signed-in sessions end after this long without a request, and this long after signing in however busy.
        "SESSION_IDLE_MINUTES": os.environ.get("SESSION_IDLE_MINUTES", "30"),
        "SESSION_MAX_HOURS": os.environ.get("SESSION_MAX_HOURS", "12"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # Cookies only over https in production. SECURE_COOKIES=0 is for a loopback test of the production shape
        # (make serve with a load test over plain http), never for a server people use.
        "SESSION_COOKIE_SECURE": _bool("SECURE_COOKIES", production),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": _bool("SECURE_COOKIES", production),
        "WTF_CSRF_TIME_LIMIT": None,
        # A little above IMPORT_MAX_BYTES, so a file just over the import limit gets the import's own message.
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_CONTENT_LENGTH", str(51 * 1024 * 1024))),
        "DEMO_DATA_ALLOWED": not production,
        # Bulk imports: where uploads are kept until imported, the largest file taken, and which files are
        # small enough to check within the request rather than as a job.
        "UPLOAD_FOLDER": os.environ.get("UPLOAD_FOLDER", str(INSTANCE_DIR / "uploads")),
        "IMPORT_MAX_BYTES": int(os.environ.get("IMPORT_MAX_BYTES", str(50 * 1024 * 1024))),
        "IMPORT_INLINE_MAX_BYTES": int(os.environ.get("IMPORT_INLINE_MAX_BYTES", str(256 * 1024))),
        # Jobs: 'rq' (needs REDIS_URL), 'thread' (in this process) or 'inline' (within the request).
        "JOB_RUNNER": os.environ.get("JOB_RUNNER") or ("rq" if redis_url else "thread"),
        "RQ_QUEUE": os.environ.get("RQ_QUEUE", "register"),
        # A running job that has sent no progress for this long is taken as lost (its worker was killed).
        "JOB_STALE_SECONDS": float(os.environ.get("JOB_STALE_SECONDS", "300")),
        # Logs: 'json' (one object a line, the production default) or 'text'; every line carries the request id.
        "LOG_FORMAT": os.environ.get("LOG_FORMAT") or ("json" if production else "text"),
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "INFO"),
        # How many reverse proxies in front set X-Forwarded-For / -Proto (0: none, trust nothing).
        "TRUSTED_PROXIES": int(os.environ.get("TRUSTED_PROXIES", "0")),
    }
    if env == "test":
        config.update(
            {
                "TESTING": True,
                "SQLALCHEMY_DATABASE_URI": normalise_database_url(os.environ.get("TEST_DATABASE_URL", "sqlite://")),
                "MAIL_SERVER": None,
                "RATELIMIT_STORAGE_URI": "memory://",
                "JOB_RUNNER": "inline",
                # Tests never reach the online service, whatever the shell holds: they inject a client.
                "COMPANIES_HOUSE_API_KEY": None,
            }
        )
    config.update(overrides)
    if production and not config.get("MAIL_SERVER") and not config.get("MAIL_OUTBOX_ONLY"):
        raise ConfigError(
            "MAIL_SERVER must be set in production, so people get their confirmation and reset emails "
            "(or set MAIL_OUTBOX_ONLY=1 to keep mail in the outbox table only, unsent)."
        )
    config["SERVER_BASE_URL"] = checked_base_url(str(config["SERVER_BASE_URL"]))
    for name in SESSION_LENGTHS:
        config[name] = _session_length(name, config[name])
    for name in COMPANIES_HOUSE_SECONDS:
        config[name] = _seconds(name, config[name])
    config["COMPANIES_HOUSE_RATE_LIMIT"] = companies_house_rate_limit(str(config["COMPANIES_HOUSE_RATE_LIMIT"]))
    if "TRUSTED_HOSTS" not in overrides:
        listed = None if env == "test" else os.environ.get("TRUSTED_HOSTS")
        config["TRUSTED_HOSTS"] = trusted_hosts(env, config["SERVER_BASE_URL"], listed)
    return config
