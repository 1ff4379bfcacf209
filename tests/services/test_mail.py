"""The outbox: messages are stored first, then sent; a failure is recorded on the message, never raised."""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.providers import NAME_MAX_LENGTH
from app.models import OutboxEmail
from app.models.outbox import SUBJECT_MAX_LENGTH
from app.services.mail import LogTransport, deliver_pending, queue_email

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


@dataclass
class FakeTransport:
    """Records what it was asked to send; raises ``error`` instead when given one."""

    error: Exception | None = None
    accept: bool = True
    sent: list[tuple[str, str, str]] = field(default_factory=list)

    def send(self, message: OutboxEmail) -> bool:
        if self.error is not None:
            raise self.error
        self.sent.append((message.to_address, message.subject, message.body))
        return self.accept


def _queue(session: Session, n: int = 1) -> list[OutboxEmail]:
    messages = [queue_email(session, f"person{i}@example.com", f"Subject {i}", f"Body {i}") for i in range(n)]
    session.commit()
    return messages


def test_queue_email_stores_an_unsent_message(session: Session) -> None:
    message = queue_email(session, "ana@example.com", "Hello", "Line one\nLine two")
    session.commit()
    stored = session.scalars(select(OutboxEmail)).one()
    assert stored is message
    assert (stored.to_address, stored.subject, stored.body) == ("ana@example.com", "Hello", "Line one\nLine two")
    assert stored.id is not None
    assert stored.sent_at is None
    assert stored.last_error is None


def test_deliver_pending_sends_and_marks_sent(session: Session) -> None:
    messages = _queue(session, 2)
    transport = FakeTransport()

    assert deliver_pending(session, transport, NOW) == 2
    session.commit()

    assert transport.sent == [
        ("person0@example.com", "Subject 0", "Body 0"),
        ("person1@example.com", "Subject 1", "Body 1"),
    ]
    for message in messages:
        assert message.sent_at == NOW  # the time the caller gave
        assert message.last_error is None


def test_sent_messages_are_not_sent_again(session: Session) -> None:
    _queue(session, 1)
    deliver_pending(session, FakeTransport(), NOW)
    session.commit()
    again = FakeTransport()
    assert deliver_pending(session, again, NOW) == 0
    assert again.sent == []


def test_deliver_pending_respects_the_limit(session: Session) -> None:
    messages = _queue(session, 3)
    assert deliver_pending(session, FakeTransport(), NOW, limit=2) == 2
    assert [m.sent_at is not None for m in messages] == [True, True, False]


@pytest.mark.parametrize(
    ("error", "recorded"),
    [
        (OSError("mail server unreachable"), "OSError: mail server unreachable"),
        (ConnectionRefusedError("refused"), "ConnectionRefusedError: refused"),
        (smtplib.SMTPException("550 mailbox unavailable"), "SMTPException: 550 mailbox unavailable"),
    ],
)
def test_a_failure_is_recorded_not_raised(
    session: Session, caplog: pytest.LogCaptureFixture, error: Exception, recorded: str
) -> None:
    [message] = _queue(session, 1)

    with caplog.at_level(logging.WARNING, logger="app.services.mail"):
        assert deliver_pending(session, FakeTransport(error=error), NOW) == 0
    session.commit()

    assert message.sent_at is None
    assert message.last_error == recorded
    assert f"Could not send email {message.id}: {recorded}" in caplog.text


def test_a_later_success_clears_the_error(session: Session) -> None:
    [message] = _queue(session, 1)
    deliver_pending(session, FakeTransport(error=OSError("down")), NOW)
    session.commit()
    assert message.last_error == "OSError: down"

    assert deliver_pending(session, FakeTransport(), NOW) == 1
    session.commit()
    assert message.sent_at is not None
    assert message.last_error is None


def test_a_transport_that_declines_leaves_the_message_pending(session: Session) -> None:
    [message] = _queue(session, 1)
    assert deliver_pending(session, FakeTransport(accept=False), NOW) == 0
    assert message.sent_at is None
    assert message.last_error is None


def test_log_transport_logs_that_a_message_waits_but_never_its_content(
    session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    message = queue_email(
        session, "ana@example.com", "Reset your password", "Open this link:\nhttp://localhost/reset-password/SECRET"
    )
    session.commit()

    with caplog.at_level(logging.DEBUG):
        assert deliver_pending(session, LogTransport(), NOW) == 1
    session.commit()

    assert message.sent_at is not None
    [record] = [r for r in caplog.records if r.name == "app.services.mail"]
    assert record.levelno == logging.INFO
    text = record.getMessage()
    assert "ana@example.com" in text and "Reset your password" in text and str(message.id) in text
    for logged in caplog.records:
        assert "SECRET" not in logged.getMessage() and "reset-password" not in logged.getMessage()


def test_a_subject_naming_a_long_organisation_is_shortened_to_fit(session: Session) -> None:
    """A subject can name an organisation (up to NAME_MAX_LENGTH characters) beside words of its own: it is cut to
    fit the column with an ellipsis, instead of failing on PostgreSQL."""
    name = "N" * NAME_MAX_LENGTH
    message = queue_email(session, "ana@example.com", f"Your request to join {name}", "Body")
    session.commit()
    assert len(message.subject) == SUBJECT_MAX_LENGTH
    assert message.subject.startswith("Your request to join NNN") and message.subject.endswith("N…")
    short = queue_email(session, "ana@example.com", "Hello", "Body")
    assert short.subject == "Hello"
