"""Undoing a file whose payments a later file's doubles count on (issue 13, the reviewer's finding 2).

A later file's rows rejected as "already imported from" an earlier file are counted once, from that earlier file.
Undoing the earlier file while the later one counts would leave those payments counted nowhere, so each double
records the file and row it doubled, and the undo is refused, naming the later files and how many payments, until
they are undone first (then this one, then they are imported again).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from app.domain.spend.lifecycle import SpendBatchStatus
from app.extensions import db
from app.models.spend import Payment, SpendBatch, SpendRejection
from app.services.spend.importing import (
    SpendRefused,
    UndoBlocker,
    batch_mapping,
    confirm_mapping,
    import_batch,
    undo_batch,
    undo_blockers,
)
from tests.factories import CouncilSetup
from tests.services.spend.test_importing import (
    ACTOR,
    APRIL,
    NOW,
    count,
    csv_bytes,
    events,
    folder_fixture,  # noqa: F401  (the fixture "folder")
    imported,
    rejections,
    upload,
)

#: May's payments: new ones, and the same as two of April's.
MAY_AND_TWO_OF_APRIL = [
    APRIL[1],  # the same as april.csv row 3, by transaction number
    APRIL[3],  # the same as april.csv row 5
    ["Acme Supplies Ltd", "02/05/2024", "10.00", "T10", "Highways"],
]


def council_total(session: Session, council: CouncilSetup) -> int:
    return int(
        session.scalar(
            select(func.coalesce(func.sum(Payment.amount_pence), 0)).where(Payment.council_id == council.council.id)
        )
        or 0
    )


def test_each_double_records_the_file_and_row_it_doubled(
    session: Session, knowsley: CouncilSetup, folder: Path
) -> None:
    april = imported(session, knowsley, folder, csv_bytes(APRIL), "april.csv")
    may = imported(session, knowsley, folder, csv_bytes(MAY_AND_TWO_OF_APRIL), "may.csv")
    doubles = rejections(session, may)
    assert [(r.row_number, r.duplicate_of_batch_id, r.duplicate_of_row_number) for r in doubles] == [
        (2, april.id, 3),
        (3, april.id, 5),
    ]
    # Other rejections double nothing.
    bad = imported(session, knowsley, folder, csv_bytes([["Roby Catering", "31/02/2024", "1.00", "", ""]]), "bad.csv")
    [not_a_double] = rejections(session, bad)
    assert not_a_double.code == "date" and not_a_double.duplicate_of_batch_id is None
    assert not_a_double.duplicate_of_row_number is None


def test_undo_is_refused_while_a_later_file_counts_on_this_ones_payments(
    session: Session, knowsley: CouncilSetup, folder: Path
) -> None:
    april = imported(session, knowsley, folder, csv_bytes(APRIL), "april.csv")
    may = imported(session, knowsley, folder, csv_bytes(MAY_AND_TWO_OF_APRIL), "may.csv")
    before = council_total(session, knowsley)
    assert undo_blockers(session, april) == [UndoBlocker(may.id, "may.csv", 2)]
    with pytest.raises(SpendRefused) as refused:
        undo_batch(session, april, ACTOR, NOW)
    assert str(refused.value) == (
        f"This file cannot be undone yet: 2 payments in 'may.csv' (import {may.id}) were left out of that file as "
        "already imported from this one, so undoing this file would leave them counted nowhere. Undo 'may.csv' "
        f"(import {may.id}) first, then undo this file, then import it again"
    )
    # Nothing changed: the refusal comes before the undo touches anything.
    session.expire_all()
    assert session.get_one(SpendBatch, april.id).status == SpendBatchStatus.IMPORTED
    assert count(session, Payment, batch_id=april.id) == 5
    assert council_total(session, knowsley) == before
    assert events(session, "spend.undo") == []


def test_undoing_the_later_file_first_then_this_one_then_importing_it_again_counts_every_payment(
    session: Session, knowsley: CouncilSetup, folder: Path
) -> None:
    april = imported(session, knowsley, folder, csv_bytes(APRIL), "april.csv")
    may = imported(session, knowsley, folder, csv_bytes(MAY_AND_TWO_OF_APRIL), "may.csv")
    # The later file may be undone at once: nothing counts on it.
    assert undo_blockers(session, may) == []
    undo_batch(session, may, ACTOR, NOW)
    session.commit()
    assert undo_blockers(session, april) == []
    undo_batch(session, april, ACTOR, NOW)
    session.commit()
    assert council_total(session, knowsley) == 0
    again = imported(session, knowsley, folder, csv_bytes(MAY_AND_TWO_OF_APRIL), "may.csv")
    assert again.counts["payments"] == 3 and again.counts["duplicates"] == 0
    assert council_total(session, knowsley) == 273_000 + 9_999 + 1_000


def test_several_later_files_are_each_named_with_their_count(
    session: Session, knowsley: CouncilSetup, folder: Path
) -> None:
    april = imported(session, knowsley, folder, csv_bytes(APRIL), "april.csv")
    may = imported(session, knowsley, folder, csv_bytes(MAY_AND_TWO_OF_APRIL), "may.csv")
    # April's first payment and both of its like lines: all three held by April (May's Roby line was a double,
    # not a payment of May's), so all three double April's.
    june = imported(session, knowsley, folder, csv_bytes([APRIL[0], APRIL[4], APRIL[3]]), "june.csv")
    assert june.counts["duplicates"] == 3
    assert [r.duplicate_of_batch_id for r in rejections(session, june)] == [april.id] * 3
    assert undo_blockers(session, april) == [UndoBlocker(may.id, "may.csv", 2), UndoBlocker(june.id, "june.csv", 3)]
    with pytest.raises(SpendRefused) as refused:
        undo_batch(session, april, ACTOR, NOW)
    message = str(refused.value)
    assert message.startswith(
        f"This file cannot be undone yet: 2 payments in 'may.csv' (import {may.id}) and 3 payments in 'june.csv' "
        f"(import {june.id}) were left out of those files as already imported from this one"
    )
    assert message.endswith(
        f"Undo 'may.csv' (import {may.id}) and 'june.csv' (import {june.id}) first, then undo this file, then import "
        "them again"
    )


def test_one_payment_is_said_as_one(session: Session, knowsley: CouncilSetup, folder: Path) -> None:
    april = imported(session, knowsley, folder, csv_bytes(APRIL), "april.csv")
    imported(session, knowsley, folder, csv_bytes([APRIL[0]]), "one.csv")
    with pytest.raises(SpendRefused, match=r"1 payment in 'one\.csv' \(import \d+\) was left out of that file") as r:
        undo_batch(session, april, ACTOR, NOW)
    assert "would leave it counted nowhere" in str(r.value) and str(r.value).endswith("then import it again")


def test_a_file_doubling_two_earlier_files_holds_up_each_of_them(
    session: Session, knowsley: CouncilSetup, folder: Path
) -> None:
    """The chain: a later file's doubles point at the file that holds each payment; undoing goes newest first."""
    april = imported(session, knowsley, folder, csv_bytes(APRIL[:2]), "april.csv")
    may_rows = [["Acme Supplies Ltd", "02/05/2024", "10.00", "T10", "Highways"]]
    may = imported(session, knowsley, folder, csv_bytes(may_rows), "may.csv")
    both = imported(session, knowsley, folder, csv_bytes([APRIL[0], *may_rows]), "both.csv")
    assert [(r.duplicate_of_batch_id, r.duplicate_of_row_number) for r in rejections(session, both)] == [
        (april.id, 2),
        (may.id, 2),
    ]
    for earlier in (april, may):
        with pytest.raises(SpendRefused, match=r"'both\.csv'"):
            undo_batch(session, earlier, ACTOR, NOW)
    undo_batch(session, both, ACTOR, NOW)
    session.commit()
    assert undo_batch(session, may, ACTOR, NOW) == {"payments": 1, "rejections": 0}
    assert undo_batch(session, april, ACTOR, NOW) == {"payments": 2, "rejections": 0}


def test_undo_waits_while_another_file_of_the_council_is_being_imported(
    session: Session, knowsley: CouncilSetup, folder: Path
) -> None:
    """A file being imported may be finding doubles of this one's payments this moment (its rows are not written
    yet): the undo is refused until it has finished."""
    april = imported(session, knowsley, folder, csv_bytes(APRIL), "april.csv")
    running = imported(session, knowsley, folder, csv_bytes(MAY_AND_TWO_OF_APRIL[2:]), "running.csv")
    running.status = SpendBatchStatus.IMPORTING
    session.flush()
    with pytest.raises(SpendRefused, match=r"'running\.csv' is being imported now"):
        undo_batch(session, april, ACTOR, NOW)
    running.status = SpendBatchStatus.IMPORTED
    session.flush()
    assert undo_batch(session, april, ACTOR, NOW)["payments"] == 5


def test_rejections_of_a_file_no_longer_counting_hold_nothing_up(
    session: Session, knowsley: CouncilSetup, folder: Path
) -> None:
    """Only a counting file's doubles count on another file: were a double's file to stop counting some other way
    than by undo (which deletes its rejections), it would not hold the earlier file up."""
    april = imported(session, knowsley, folder, csv_bytes(APRIL), "april.csv")
    may = imported(session, knowsley, folder, csv_bytes(MAY_AND_TWO_OF_APRIL), "may.csv")
    may.status = SpendBatchStatus.FAILED
    session.flush()
    assert undo_blockers(session, april) == []
    assert count(session, SpendRejection, batch_id=may.id) == 2


# --- An undo and an import at the same moment (PostgreSQL: two connections) ------------------------------------------

ON_POSTGRESQL = (os.environ.get("TEST_DATABASE_URL") or "").startswith("postgresql")


def _wait_until_blocked(engine: Engine, thread: threading.Thread) -> bool:
    """Whether another connection of this database comes to wait on a lock (True), or the thread ends first (False).
    Polls the server's own view of its connections: no guess of how long anything takes."""
    with engine.connect() as watcher:
        while thread.is_alive():
            waiting = watcher.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
            ).scalar_one()
            if waiting:
                return True
            watcher.rollback()  # a fresh snapshot of the view each time
    return False


def _in_thread(work: Callable[[], str]) -> tuple[threading.Thread, dict[str, str]]:
    outcome: dict[str, str] = {}

    def run() -> None:
        try:
            outcome["result"] = work()
        except Exception as error:
            outcome["result"] = f"{type(error).__name__}: {error}"

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


@pytest.mark.commits
@pytest.mark.skipif(not ON_POSTGRESQL, reason="two connections at once: PostgreSQL (SQLite takes one writer)")
def test_an_undo_while_an_import_is_finding_doubles_of_it_waits_and_is_refused(
    app: Flask, session: Session, knowsley: CouncilSetup, folder: Path
) -> None:
    """May's import (from the command line: no 'importing' state to see) has found doubles of April's payments and
    not yet committed; an officer undoes April. The undo waits for the import, then sees its doubles and refuses,
    instead of removing April's payments with May's doubles still pointing at them."""
    april = imported(session, knowsley, folder, csv_bytes(APRIL), "april.csv")
    may = upload(session, knowsley, folder, csv_bytes(MAY_AND_TWO_OF_APRIL), "may.csv")
    confirm_mapping(session, may, {f.value: i for f, i in batch_mapping(may).items()}, ACTOR, NOW)
    session.commit()
    april_id, may_id = april.id, may.id
    import_batch(session, may, NOW, folder=folder, actor=ACTOR)  # not committed: holds April as counting
    assert may.counts["duplicates"] == 2
    engine = db.engine

    def undo() -> str:
        with Session(engine) as other:
            try:
                undo_batch(other, other.get_one(SpendBatch, april_id), ACTOR, NOW)
            except SpendRefused as refused:
                other.rollback()
                return f"refused: {refused}"
            other.commit()
            return "undone"

    thread, outcome = _in_thread(undo)
    blocked = _wait_until_blocked(engine, thread)
    session.commit()  # May's doubles, committed
    thread.join()
    assert blocked, outcome
    assert outcome["result"].startswith(
        f"refused: This file cannot be undone yet: 2 payments in 'may.csv' (import {may_id})"
    )
    session.expire_all()
    assert session.get_one(SpendBatch, april_id).status == SpendBatchStatus.IMPORTED
    # April's five payments, and May's one new one.
    assert council_total(session, knowsley) == 125_000 + 273_000 - 25_000 + 2 * 9_999 + 1_000


@pytest.mark.commits
@pytest.mark.skipif(not ON_POSTGRESQL, reason="two connections at once: PostgreSQL (SQLite takes one writer)")
def test_an_import_while_an_undo_is_under_way_waits_and_counts_what_the_undo_removed(
    app: Flask, session: Session, knowsley: CouncilSetup, folder: Path
) -> None:
    """The other way round: April's undo is under way (not committed) when May's import looks for doubles. The
    import waits for the undo, then leaves April out, so May's payments all count."""
    april = imported(session, knowsley, folder, csv_bytes(APRIL), "april.csv")
    may = upload(session, knowsley, folder, csv_bytes(MAY_AND_TWO_OF_APRIL), "may.csv")
    confirm_mapping(session, may, {f.value: i for f, i in batch_mapping(may).items()}, ACTOR, NOW)
    session.commit()
    may_id = may.id
    undo_batch(session, april, ACTOR, NOW)  # not committed: April's row is locked
    engine = db.engine

    def import_may() -> str:
        with Session(engine) as other:
            counts = import_batch(other, other.get_one(SpendBatch, may_id), NOW, folder=folder, actor=ACTOR)
            other.commit()
            return f"{counts['payments']} payments, {counts['duplicates']} doubles"

    thread, outcome = _in_thread(import_may)
    blocked = _wait_until_blocked(engine, thread)
    session.commit()  # the undo
    thread.join()
    assert blocked, outcome
    assert outcome["result"] == "3 payments, 0 doubles"
    assert council_total(session, knowsley) == 273_000 + 9_999 + 1_000
