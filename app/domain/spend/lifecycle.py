"""A spend file's batch: its states and what may happen in each."""

from __future__ import annotations

from app.domain.labelled import LabelledEnum


class SpendBatchStatus(LabelledEnum):
    MAPPING = "mapping", "Columns to confirm", "Read; the officer confirms which column is which"
    IMPORTING = "importing", "Importing", "The payments are being read"
    IMPORTED = "imported", "Imported", "Its payments count in the report"
    FAILED = "failed", "Failed", "The import stopped; nothing from it counts"
    UNDONE = "undone", "Undone", "Its payments were removed"
    DROPPED = "dropped", "Dropped", "Uploaded but never imported"


#: Batches whose payments count (and against which a new file's payments are checked for doubles).
COUNTING_STATUSES = frozenset({SpendBatchStatus.IMPORTED})
#: States from which an import may be started (again, after a failure).
MAY_IMPORT_FROM = frozenset({SpendBatchStatus.MAPPING, SpendBatchStatus.FAILED})
#: States from which a batch may be undone.
MAY_UNDO_FROM = frozenset({SpendBatchStatus.IMPORTED})
