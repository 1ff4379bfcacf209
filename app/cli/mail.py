"""`flask outbox` and `flask send-outbox`: the mail waiting to be sent, and sending it."""

from __future__ import annotations

import click
from sqlalchemy import select

from app.extensions import db
from app.jobs.mail import deliver_outbox
from app.models import OutboxEmail


@click.command("outbox")
@click.option("--limit", default=5, show_default=True)
def outbox_command(limit: int) -> None:
    """Show the latest emails in the outbox (useful when no SMTP server is configured)."""
    messages = db.session.scalars(select(OutboxEmail).order_by(OutboxEmail.id.desc()).limit(limit)).all()
    if not messages:
        click.echo("The outbox is empty.")
    for message in messages:
        state = f"sent {message.sent_at:%Y-%m-%d %H:%M}" if message.sent_at else f"not sent: {message.last_error}"
        click.echo(
            f"--- #{message.id} to {message.to_address} ({state})\nSubject: {message.subject}\n\n{message.body}\n"
        )


@click.command("send-outbox")
def send_outbox_command() -> None:
    """Send any emails still waiting in the outbox."""
    click.echo(f"Sent {deliver_outbox()} emails.")
