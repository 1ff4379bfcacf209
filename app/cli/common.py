"""What every command shares: who the audit log says acted, and how a step's line is printed."""

from __future__ import annotations

import click

from app.services.audit import Actor

#: The actor the audit log records for anything a command changes.
CLI_ACTOR = Actor.system("command line")


def echo_step(message: str) -> None:
    """One indented line of a command's progress."""
    click.echo(f"  {message}")
