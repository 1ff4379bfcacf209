"""Email waiting to be sent, or kept as the record of what was sent."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, utcnow

#: A subject may name an organisation beside words of its own; mail.queue_email cuts a longer one to fit.
SUBJECT_MAX_LENGTH = 300


class OutboxEmail(Base):
    __tablename__ = "outbox_emails"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    to_address: Mapped[str] = mapped_column(String(320), index=True)
    subject: Mapped[str] = mapped_column(String(SUBJECT_MAX_LENGTH))
    body: Mapped[str] = mapped_column(Text)
    sent_at: Mapped[datetime | None]
    # Why sending failed, so an operator can resend; None when sent or not yet tried.
    last_error: Mapped[str | None] = mapped_column(Text)
