"""`flask create-user`: council staff and administrators, who are invited rather than self-registered."""

from __future__ import annotations

import os

import click
from flask import current_app

from app.cli.common import CLI_ACTOR
from app.domain.roles import COUNCIL_ROLES, Role
from app.extensions import db
from app.models.base import utcnow
from app.services import accounts
from app.services.councils import council_by_code


@click.command("create-user")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--email", required=True)
@click.option("--name", "full_name", default=None, help="The person's full name.")
@click.option("--council", "council_code", default=None, help="GSS code of the council (default: COUNCIL_CODE).")
def create_user_command(role: str, email: str, full_name: str | None, council_code: str | None) -> None:
    """Create an officer, commissioner or admin. The password is prompted for, or read from NEW_USER_PASSWORD."""
    password = os.environ.get("NEW_USER_PASSWORD") or click.prompt(
        "Password", hide_input=True, confirmation_prompt=True
    )
    council = None
    if Role(role) in COUNCIL_ROLES:
        code = council_code or current_app.config["COUNCIL_CODE"]
        council = council_by_code(db.session, code)
        if council is None:
            raise click.ClickException(f"No council with district code {code}: run 'flask seed' first.")
    try:
        user = accounts.create_user(
            db.session,
            email=email,
            password=password,
            role=Role(role),
            actor=CLI_ACTOR,
            council=council,
            full_name=full_name,
            email_confirmed_at=utcnow(),  # an administrator vouches for the address
        )
    except accounts.AccountError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"Created {Role(role).label.lower()} {user.email}")
