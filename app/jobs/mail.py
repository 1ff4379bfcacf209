"""Send what is waiting in the outbox with the transport the configuration names."""

from __future__ import annotations

from flask import current_app

from app.extensions import db
from app.models.base import utcnow
from app.services.mail import LogTransport, SmtpTransport, Transport, deliver_pending


def configured_transport() -> Transport | None:
    """SMTP with MAIL_SERVER; with MAIL_OUTBOX_ONLY, none (mail stays unsent in the outbox); else the log."""
    config = current_app.config
    if config.get("MAIL_SERVER"):
        return SmtpTransport(
            host=config["MAIL_SERVER"],
            port=config["MAIL_PORT"],
            sender=config["MAIL_FROM"],
            use_tls=config["MAIL_USE_TLS"],
            username=config["MAIL_USERNAME"],
            password=config["MAIL_PASSWORD"],
        )
    if config.get("MAIL_OUTBOX_ONLY"):
        return None
    return LogTransport()


def deliver_outbox() -> int:
    """Try to send pending mail after a commit; failures stay in the outbox for a retry."""
    transport = configured_transport()
    if transport is None:
        return 0
    sent = deliver_pending(db.session, transport, utcnow())
    db.session.commit()
    return sent
