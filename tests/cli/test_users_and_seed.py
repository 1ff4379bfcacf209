"""The command line reuses the services: create-user and seed."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import func, select

from app.domain.roles import Role
from app.extensions import db
from app.models import Area, AuditEvent, User
from app.models.base import utcnow
from app.services import accounts
from tests import factories


@pytest.fixture
def runner(app: Flask):  # type: ignore[no-untyped-def]
    return app.test_cli_runner()


def test_create_user_reads_the_password_from_the_environment(
    runner, session, knowsley, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("NEW_USER_PASSWORD", "a long enough password")
    result = runner.invoke(args=["create-user", "--role", "officer", "--email", "New.Officer@Knowsley.example"])
    assert result.exit_code == 0, result.output
    assert "Created register officer new.officer@knowsley.example" in result.output
    session.expire_all()
    user = accounts.authenticate(session, "new.officer@knowsley.example", "a long enough password", utcnow())
    assert user is not None and user.role == Role.OFFICER and user.council_id == knowsley.council.id
    actors = session.scalars(select(AuditEvent.actor_label).where(AuditEvent.action == "user.created")).all()
    assert actors == ["command line"]


def test_create_user_prompts_for_the_password(runner, session, knowsley, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("NEW_USER_PASSWORD", raising=False)
    result = runner.invoke(
        args=["create-user", "--role", "commissioner", "--email", "buyer@knowsley.example"],
        input="typed password here\ntyped password here\n",
    )
    assert result.exit_code == 0, result.output
    assert "typed password here" not in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "officer", "--email", "x@knowsley.example", "--council", "E99999999"], "No council"),
        (["--role", "officer", "--email", "not-an-email"], "Enter an email address in the correct format"),
    ],
)
def test_create_user_errors_are_plain(runner, session, knowsley, monkeypatch, args, message) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("NEW_USER_PASSWORD", "a long enough password")
    result = runner.invoke(args=["create-user", *args])
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output


def test_create_user_refuses_a_duplicate(runner, session, knowsley, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    factories.user(session, Role.OFFICER, email="taken@knowsley.example", council=knowsley.council)
    session.commit()
    monkeypatch.setenv("NEW_USER_PASSWORD", "a long enough password")
    result = runner.invoke(args=["create-user", "--role", "officer", "--email", "TAKEN@knowsley.example"])
    assert result.exit_code != 0 and "already exists" in result.output
    assert session.scalar(select(func.count()).select_from(User)) == 1


def test_demo_data_is_refused_in_production(runner, session, app: Flask) -> None:  # type: ignore[no-untyped-def]
    app.config["DEMO_DATA_ALLOWED"] = False
    try:
        result = runner.invoke(args=["seed", "--demo"])
    finally:
        app.config["DEMO_DATA_ALLOWED"] = True
    assert result.exit_code != 0
    assert "never loaded in production" in result.output
    assert db.session.scalar(select(func.count()).select_from(User)) == 0
    assert db.session.scalar(select(func.count()).select_from(Area)) == 0  # refused before loading anything
