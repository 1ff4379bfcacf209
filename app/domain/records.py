"""Commissioning records: a shortlist saved with the search that produced it and the commissioner's notes."""

from __future__ import annotations

from app.domain.labelled import LabelledEnum


class RecordStatus(LabelledEnum):
    OPEN = "open", "Open", "The notes can still be changed"
    CLOSED = "closed", "Closed", "The record is final and cannot be changed"
