"""Commissioning records: a shortlist saved with the search that produced it and the commissioner's notes."""

from __future__ import annotations

from collections.abc import Sequence

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


# The shortlist in the making: provider ids chosen across result pages, kept until the record is saved -----------

#: Enough for any quotation or invitation list; keeps the selection small wherever it is stored.
SHORTLIST_MAX = 50


class ShortlistFull(ValueError):
    """Adding one more would take the shortlist past :data:`SHORTLIST_MAX`."""

    def __init__(self) -> None:
        super().__init__(f"You can shortlist up to {SHORTLIST_MAX} providers. Remove one before you add another")


def add_to_shortlist(chosen: Sequence[int], provider_id: int) -> tuple[int, ...]:
    """The shortlist with ``provider_id`` added at the end (once); raises ShortlistFull past the limit."""
    if provider_id in chosen:
        return tuple(chosen)
    if len(chosen) >= SHORTLIST_MAX:
        raise ShortlistFull
    return (*chosen, provider_id)


def remove_from_shortlist(chosen: Sequence[int], provider_id: int) -> tuple[int, ...]:
    return tuple(i for i in chosen if i != provider_id)


def selected_text(count: int) -> str:
    """'No providers selected', '1 provider selected', '3 providers selected'."""
    if count == 0:
        return "No providers selected"
    return f"{count:,} provider{'' if count == 1 else 's'} selected"
