"""Email through an outbox: every message is stored first, then sent by SMTP or written to the log."""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import OutboxEmail
from app.models.outbox import SUBJECT_MAX_LENGTH

log = logging.getLogger(__name__)


class Transport(Protocol):
    def send(self, message: OutboxEmail) -> bool:
        """Deliver ``message``; True when it has left this service."""


@dataclass
class LogTransport:
    """No SMTP server configured (development): the log says a message is waiting; the outbox row is the copy kept.

    Only who it is for, its subject and its outbox id are logged, never the body: bodies hold live reset and
    confirmation links, and logs are read by more people, and kept longer, than the mail itself.
    Read a message with ``flask outbox``.
    """

    def send(self, message: OutboxEmail) -> bool:
        log.info(
            "Email %s to %s queued in the outbox (no MAIL_SERVER): %s",
            message.id,
            message.to_address,
            message.subject,
        )
        return True


@dataclass
class SmtpTransport:
    host: str
    port: int
    sender: str
    use_tls: bool = True
    username: str | None = None
    password: str | None = None
    timeout: float = 10.0

    def send(self, message: OutboxEmail) -> bool:
        email = EmailMessage()
        email["From"] = self.sender
        email["To"] = message.to_address
        email["Subject"] = message.subject
        email.set_content(message.body)
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            if self.use_tls:
                smtp.starttls()
            if self.username:
                smtp.login(self.username, self.password or "")
            smtp.send_message(email)
        return True


def queue_email(session: Session, to_address: str, subject: str, body: str) -> OutboxEmail:
    """Store a message in the outbox; it is sent after the transaction commits.

    A subject naming a long organisation is cut to fit, with an ellipsis: the name is in the body in full.
    """
    if len(subject) > SUBJECT_MAX_LENGTH:
        subject = subject[: SUBJECT_MAX_LENGTH - 1].rstrip() + "…"
    message = OutboxEmail(to_address=to_address, subject=subject, body=body)
    session.add(message)
    session.flush()
    return message


def deliver_pending(session: Session, transport: Transport, now: datetime, limit: int = 100) -> int:
    """Try to send unsent messages; failures are recorded on the message, never raised."""
    sent = 0
    pending = session.scalars(
        select(OutboxEmail).where(OutboxEmail.sent_at.is_(None)).order_by(OutboxEmail.id).limit(limit)
    )
    for message in pending:
        try:
            if transport.send(message):
                message.sent_at = now
                message.last_error = None
                sent += 1
        except (OSError, smtplib.SMTPException) as exc:
            message.last_error = f"{type(exc).__name__}: {exc}"
            log.warning("Could not send email %s: %s", message.id, message.last_error)
    session.flush()
    return sent
