"""Counting and paging a list at any size: counts that stop at a cap, and pages read from the order's own index.

A list's order may come in segments (local providers before the wider area's; names that match before the rest):
each segment is read in the index order the engine can stop early on, and a page that spans two segments reads
the next one only for what is missing. Nothing ranks or sorts every match to show twenty.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select, true
from sqlalchemy.orm import Session

from app.domain.paging import COUNT_LIMIT


def count_upto(session: Session, query: Select[Any], limit: int) -> int:
    """How many rows ``query`` gives, counting no further than ``limit``."""
    if limit <= 0:
        return 0
    return session.scalar(select(func.count()).select_from(query.limit(limit).subquery())) or 0


def capped_count(session: Session, query: Select[Any]) -> tuple[int, bool]:
    """(count, capped): the rows ``query`` gives, exact up to COUNT_LIMIT; past it, COUNT_LIMIT and True."""
    return capped_counts(session, query)[0]


def capped_counts(session: Session, *queries: Select[Any]) -> list[tuple[int, bool]]:
    """:func:`capped_count` of each query, in one statement (one round trip, one statement to build and run)."""
    limit = COUNT_LIMIT + 1
    counts = [select(func.count()).select_from(q.limit(limit).subquery()).scalar_subquery() for q in queries]
    row = session.execute(select(*counts)).one()
    return [(min(n or 0, COUNT_LIMIT), (n or 0) > COUNT_LIMIT) for n in row]


def page_ids(
    session: Session,
    query: Select[Any],
    segments: Sequence[ColumnElement[bool]],
    order: Sequence[Any],
    *,
    offset: int,
    limit: int,
) -> list[int]:
    """The ids at ``offset`` .. ``offset + limit`` of ``query`` ordered by segment (the first segment's rows first;
    each row in exactly one), then by ``order`` within a segment."""
    ids: list[int] = []
    skip = offset
    for segment in segments or [true()]:
        within = query.where(segment)
        found = list(session.scalars(within.order_by(*order).limit(limit - len(ids)).offset(skip)))
        ids += found
        if len(ids) >= limit:
            break
        # This segment ended before the page did: the next one starts where its rows run out.
        skip = 0 if found else skip - count_upto(session, within, skip)
    return ids
