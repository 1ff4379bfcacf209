"""Commissioning records: a shortlist saved with the search that produced it and the commissioner's notes."""

from __future__ import annotations

from app.domain.labelled import LabelledEnum
from app.domain.roles import Role


class RecordStatus(LabelledEnum):
    OPEN = "open", "Open", "The notes can still be changed"
    CLOSED = "closed", "Closed", "The record is final and cannot be changed"


#: Roles that may change or close any of their council's records, not only their own.
RECORD_STEWARDS = frozenset({Role.OFFICER, Role.ADMIN})


def may_change_record(role: Role | str, user_id: int, owner_id: int | None) -> bool:
    """A record belongs to the commissioner who made it: they, or a register officer, may change or close it.

    Colleagues at the council may read it (and build on it), but a decision record someone else can rewrite
    is not a record of their decision. A record whose maker has left (no owner) is kept by the officers.
    """
    role = Role(role)
    if role in RECORD_STEWARDS:
        return True
    return role == Role.COMMISSIONER and owner_id is not None and owner_id == user_id
