"""Bulk import of providers from an officer's CSV file: store, map, check, commit, undo.

The flow, one batch at a time, a module for each part:

1. :mod:`.storage`: :func:`store_upload` writes the upload to the upload folder (streamed, hashed, size-limited,
   renamed into place only when complete); every later step reads it back checked against its hash and format.
2. :mod:`.mapping`: :func:`begin` reads the file's format and maps its columns automatically;
   :func:`confirm_mapping` records the officer's column choices (and saves them by name for reuse).
3. :mod:`.steps`: :func:`check` is the dry run: every row planned (:mod:`.planning`, with :mod:`.service_words`)
   and given an outcome (new, update, unchanged, possible match or rejected), its problems stored as
   :class:`ImportIssue` rows. Nothing on the register changes. :func:`decide` records the officer's "same
   organisation" or "keep separate" for each possible match. :func:`commit` runs the same plan again against the
   register as it is now and writes it (:mod:`.changes`): providers created and updated, their sites placed with the
   offline postcode directory, an :class:`ImportChange` per provider holding a :mod:`.snapshots` digest (so the
   batch can be undone) and the counts. Undecided possible matches are rejected with that reason.
4. :mod:`.undoing`: :func:`undo` removes what the batch created and restores what it updated, leaving (and
   listing) any provider someone has changed since.
5. :mod:`.results`: the issues, problems and rejected rows read back for the pages and downloads.

Which step may run from which status is the domain's rulebook (:mod:`app.domain.imports.lifecycle`); a step that
may not run raises :class:`StepRefused`. Services take their collaborators and the time (``now``) and never commit:
the caller (a view, the CLI or a job) owns the transaction, so a failure anywhere leaves the register as it was.

Updating a provider the register already holds: for an organisation nobody has claimed, the file's non-blank
values replace the register's; for a claimed one (its own people keep it current) the file only fills blanks.
Blank cells never erase anything, and services are only ever added.

This module re-exports the names callers used when it was one file, while they move to the modules themselves.
"""

from __future__ import annotations

from app.domain.imports.fields import MappingError
from app.domain.imports.lifecycle import StepRefused
from app.domain.imports.reading import ImportFormatError
from app.services.imports.mapping import apply_saved, begin, confirm_mapping, mapping_of, saved_mappings
from app.services.imports.planning import CHUNK_ROWS, Collaborators, Progress, collaborators, providers_for_update
from app.services.imports.plans import Candidate, ImportCounts, RowPlan
from app.services.imports.results import (
    BLANK_LEGAL_FORM,
    WordsReading,
    candidates_named,
    count_issues,
    earlier_imports_of,
    issues,
    legal_form_words,
    problems_table,
    rejected_breakdown,
    rejected_rows,
    undecided_rows,
)
from app.services.imports.service_words import ServiceWords
from app.services.imports.snapshots import digest, restore, snapshot
from app.services.imports.steps import IMPORT_WRITE_LOCK, check, commit, decide
from app.services.imports.storage import (
    StoredUpload,
    UploadError,
    format_of,
    open_stored,
    store_upload,
    stored_file_in_use,
)
from app.services.imports.undoing import UndoReport, undo

__all__ = [
    "BLANK_LEGAL_FORM",
    "CHUNK_ROWS",
    "IMPORT_WRITE_LOCK",
    "Candidate",
    "Collaborators",
    "ImportCounts",
    "ImportFormatError",
    "MappingError",
    "Progress",
    "RowPlan",
    "ServiceWords",
    "StepRefused",
    "StoredUpload",
    "UndoReport",
    "UploadError",
    "WordsReading",
    "apply_saved",
    "begin",
    "candidates_named",
    "check",
    "collaborators",
    "commit",
    "confirm_mapping",
    "count_issues",
    "decide",
    "digest",
    "earlier_imports_of",
    "format_of",
    "issues",
    "legal_form_words",
    "mapping_of",
    "open_stored",
    "problems_table",
    "providers_for_update",
    "rejected_breakdown",
    "rejected_rows",
    "restore",
    "saved_mappings",
    "snapshot",
    "store_upload",
    "stored_file_in_use",
    "undecided_rows",
    "undo",
]
