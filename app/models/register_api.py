"""Answers from Companies House's online service, kept so a page reload or a second worker does not ask again.

One row per company number: what the service last said about it (found, not found, or why it could not say), when,
and for a found company only the profile fields the register reads
(:data:`app.domain.companies_house_api.PROFILE_FIELDS`), never the whole response. How long an answer is kept is
configuration (:mod:`app.services.companies_house_api`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class CompaniesHouseAnswer(Base):
    """Companies House's online service's last answer about one company number."""

    __tablename__ = "companies_house_api_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_number: Mapped[str] = mapped_column(String(8), unique=True)
    # app.domain.companies_house_api.OnlineState's value: found, not_found, or why there is no answer.
    state: Mapped[str] = mapped_column(String(20))
    # The profile's fields the register reads, for a found company; None otherwise.
    profile: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    fetched_at: Mapped[datetime]
