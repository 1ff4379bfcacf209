"""Settings from the environment: safe defaults, and production that refuses to start half-configured."""

from __future__ import annotations

import pytest

from app.config import ConfigError, load_config, normalise_database_url


@pytest.fixture(autouse=True)
def _base_url(monkeypatch: pytest.MonkeyPatch) -> None:
    """Production needs SERVER_BASE_URL; tests about something else give it one (and no TRUSTED_HOSTS)."""
    monkeypatch.setenv("SERVER_BASE_URL", "https://suppliers.example.gov.uk")
    monkeypatch.delenv("TRUSTED_HOSTS", raising=False)
    monkeypatch.setenv("MAIL_SERVER", "smtp.example.gov.uk")
    monkeypatch.delenv("MAIL_OUTBOX_ONLY", raising=False)


def test_production_refuses_to_start_without_a_secret_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("DATABASE_URL", "postgresql://db/register")
    with pytest.raises(ConfigError, match="SECRET_KEY must be set"):
        load_config({"APP_ENV": "production"})


def test_production_refuses_sqlite_unless_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SECRET_KEY", "x" * 64)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with pytest.raises(ConfigError, match="PostgreSQL"):
        load_config({"APP_ENV": "production"})
    monkeypatch.setenv("ALLOW_SQLITE_IN_PRODUCTION", "1")
    assert load_config({"APP_ENV": "production"})["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")


def test_production_cookies_are_secure_and_demo_data_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SECRET_KEY", "x" * 64)
    monkeypatch.setenv("DATABASE_URL", "postgres://register@db/register")
    config = load_config({"APP_ENV": "production"})
    assert config["SESSION_COOKIE_SECURE"] and config["REMEMBER_COOKIE_SECURE"]
    assert config["SESSION_COOKIE_HTTPONLY"] and config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert config["DEMO_DATA_ALLOWED"] is False
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://register@db/register"


def test_development_generates_and_keeps_a_secret_key(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path,
) -> None:  # type: ignore[no-untyped-def]
    import app.config as config_module

    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setattr(config_module, "INSTANCE_DIR", tmp_path)
    first = load_config({"APP_ENV": "development"})["SECRET_KEY"]
    second = load_config({"APP_ENV": "development"})["SECRET_KEY"]
    assert first == second and len(first) == 64
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_unknown_environment_is_refused() -> None:
    with pytest.raises(ConfigError, match="APP_ENV"):
        load_config({"APP_ENV": "staging"})


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:///x.db", "sqlite:///x.db"),
    ],
)
def test_database_urls_use_psycopg3(given: str, expected: str) -> None:
    assert normalise_database_url(given) == expected


def test_production_refuses_to_start_without_a_base_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SECRET_KEY", "x" * 64)
    monkeypatch.setenv("DATABASE_URL", "postgresql://db/register")
    monkeypatch.delenv("SERVER_BASE_URL")
    with pytest.raises(ConfigError, match="SERVER_BASE_URL must be set in production"):
        load_config({"APP_ENV": "production"})


@pytest.mark.parametrize(
    "url", ["suppliers.example.gov.uk", "ftp://suppliers.example.gov.uk", "https://", "https://x/?a=1"]
)
def test_a_base_url_that_is_not_an_address_is_refused(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("SERVER_BASE_URL", url)
    with pytest.raises(ConfigError, match="SERVER_BASE_URL must be the address people use"):
        load_config({"APP_ENV": "development"})


def test_production_answers_only_to_its_own_host_unless_told_more(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SECRET_KEY", "x" * 64)
    monkeypatch.setenv("DATABASE_URL", "postgresql://db/register")
    monkeypatch.setenv("SERVER_BASE_URL", "https://Suppliers.Example.gov.uk/register/")
    config = load_config({"APP_ENV": "production"})
    assert config["SERVER_BASE_URL"] == "https://Suppliers.Example.gov.uk/register"
    assert config["TRUSTED_HOSTS"] == ["suppliers.example.gov.uk"]
    monkeypatch.setenv("TRUSTED_HOSTS", "suppliers.example.gov.uk, .internal.example.gov.uk")
    assert load_config({"APP_ENV": "production"})["TRUSTED_HOSTS"] == [
        "suppliers.example.gov.uk",
        ".internal.example.gov.uk",
    ]


def test_development_answers_to_loopback_on_any_port(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SECRET_KEY", "x" * 64)
    monkeypatch.delenv("SERVER_BASE_URL")
    config = load_config({"APP_ENV": "development"})
    assert config["SERVER_BASE_URL"] == "http://127.0.0.1:5000"
    assert config["TRUSTED_HOSTS"] == ["127.0.0.1", "localhost"]


def test_production_refuses_to_start_without_a_mail_server(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SECRET_KEY", "x" * 64)
    monkeypatch.setenv("DATABASE_URL", "postgresql://db/register")
    monkeypatch.delenv("MAIL_SERVER", raising=False)
    with pytest.raises(ConfigError, match="MAIL_SERVER must be set in production"):
        load_config({"APP_ENV": "production"})
    monkeypatch.setenv("MAIL_OUTBOX_ONLY", "1")
    config = load_config({"APP_ENV": "production"})
    assert config["MAIL_SERVER"] is None and config["MAIL_OUTBOX_ONLY"] is True


@pytest.mark.parametrize("env", ["development", "test"])
def test_development_and_tests_run_without_a_mail_server(monkeypatch: pytest.MonkeyPatch, env: str) -> None:
    monkeypatch.setenv("SECRET_KEY", "x" * 64)
    monkeypatch.delenv("MAIL_SERVER", raising=False)
    config = load_config({"APP_ENV": env})
    assert config["MAIL_SERVER"] is None and config["MAIL_OUTBOX_ONLY"] is False


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        (
            "SESSION_IDLE_MINUTES",
            "0",
            "SESSION_IDLE_MINUTES must be a whole number of minutes from 1 to 999999, not '0'",
        ),
        (
            "SESSION_IDLE_MINUTES",
            "-5",
            "SESSION_IDLE_MINUTES must be a whole number of minutes from 1 to 999999, not '-5'",
        ),
        ("SESSION_IDLE_MINUTES", "half an hour", "SESSION_IDLE_MINUTES must be a whole number of minutes"),
        ("SESSION_MAX_HOURS", "0", "SESSION_MAX_HOURS must be a whole number of hours from 1 to 999999, not '0'"),
        ("SESSION_MAX_HOURS", "-1", "SESSION_MAX_HOURS must be a whole number of hours from 1 to 999999, not '-1'"),
        ("SESSION_MAX_HOURS", "1.5", "SESSION_MAX_HOURS must be a whole number of hours from 1 to 999999, not '1.5'"),
        ("SESSION_MAX_HOURS", "9" * 20, "SESSION_MAX_HOURS must be a whole number of hours from 1 to 999999"),
    ],
)
def test_sessions_that_would_end_at_once_are_refused_at_start_up(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, message: str
) -> None:
    """Otherwise every signed-in page fails: a session cannot last 0 minutes."""
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as refused:
        load_config({"APP_ENV": "development", "SECRET_KEY": "x" * 64})
    assert str(refused.value).startswith(message)


@pytest.mark.parametrize(("name", "value"), [("SESSION_IDLE_MINUTES", 0), ("SESSION_MAX_HOURS", -3)])
def test_session_lengths_given_as_overrides_are_checked_too(name: str, value: int) -> None:
    with pytest.raises(ConfigError, match=name):
        load_config({"APP_ENV": "test", name: value})


def test_session_lengths_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SESSION_IDLE_MINUTES", " 45 ")
    monkeypatch.setenv("SESSION_MAX_HOURS", "8")
    config = load_config({"APP_ENV": "test"})
    assert (config["SESSION_IDLE_MINUTES"], config["SESSION_MAX_HOURS"]) == (45, 8)
