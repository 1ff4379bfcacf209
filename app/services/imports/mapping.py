"""Beginning a batch for a stored upload and mapping its columns (automatically, from a saved mapping, or as the
officer chooses)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.imports.fields import FIELDS_BY_NAME, ColumnMapping, MappingError
from app.domain.imports.lifecycle import MAPPABLE, ImportStatus, require_status
from app.domain.imports.reading import read_sheet
from app.domain.imports.registration_status import DissolvedRows
from app.models import ImportBatch, ImportMapping
from app.services.audit import Actor, record
from app.services.imports.storage import StoredUpload, format_json


def begin(
    session: Session,
    actor: Actor,
    stored: StoredUpload,
    file_name: str,
    folder: Path,
    *,
    source_name: str | None = None,
    mapping_name: str | None = None,
) -> ImportBatch:
    """Start a batch for a stored upload: read its format and map its columns (raises ImportFormatError)."""
    with (folder / stored.name).open("rb") as stream:
        sheet = read_sheet(stream)
        sheet_format = sheet.format
    mapping = ColumnMapping.auto(sheet_format.headers)
    if mapping_name:
        saved = session.scalar(select(ImportMapping).where(ImportMapping.name == mapping_name))
        if saved is None:
            raise MappingError(f"There is no saved mapping called '{mapping_name}'")
        mapping = apply_saved(mapping, saved)
    batch = ImportBatch(
        created_by_id=actor.user_id,
        source_name=source_name or file_name,
        file_name=file_name,
        sha256=stored.sha256,
        file_size=stored.size,
        stored_file=stored.name,
        status=ImportStatus.UPLOADED,
        file_format=format_json(sheet_format),
        mapping=_mapping_json(mapping),
        mapping_name=mapping_name,
        counts={},
    )
    session.add(batch)
    session.flush()
    record(
        session,
        actor,
        "import.uploaded",
        "import_batch",
        batch.id,
        {"file_name": file_name, "sha256": stored.sha256, "size": stored.size},
    )
    return batch


def _mapping_json(mapping: ColumnMapping) -> dict[str, str]:
    return {name: mapping.headers[index] for name, index in mapping.columns.items()}


def mapping_of(batch: ImportBatch) -> ColumnMapping:
    """The batch's column mapping (field -> header index) over the headers of its file."""
    headers = tuple(batch.file_format.get("headers", ()))
    columns = {name: headers.index(header) for name, header in batch.mapping.items() if header in headers}
    return ColumnMapping(headers, columns)


def apply_saved(mapping: ColumnMapping, saved: ImportMapping) -> ColumnMapping:
    """A saved mapping laid over the automatic one; headers the file lacks are skipped."""
    choices = {name: header for name, header in saved.columns.items() if header in mapping.headers}
    return mapping.override({k: v for k, v in choices.items() if k in FIELDS_BY_NAME})


def saved_mappings(session: Session) -> list[ImportMapping]:
    """The column mappings saved by name, by name."""
    return list(session.scalars(select(ImportMapping).order_by(ImportMapping.name)))


def confirm_mapping(
    session: Session,
    actor: Actor,
    batch: ImportBatch,
    choices: Mapping[str, str | None],
    *,
    save_as: str | None = None,
    dissolved: DissolvedRows | None = None,
) -> ColumnMapping:
    """Record the officer's column choices (raises MappingError), optionally saving them by name, and what to do
    with rows the file says are dissolved (``dissolved``; unchanged when None)."""
    require_status(batch.status, *MAPPABLE)
    mapping = mapping_of(batch).override(choices)
    mapping.check()
    batch.mapping = _mapping_json(mapping)
    if dissolved is not None:
        batch.dissolved_rows = dissolved
    if save_as:
        name = " ".join(save_as.split())[:100]
        saved = session.scalar(select(ImportMapping).where(ImportMapping.name == name))
        if saved is None:
            saved = ImportMapping(name=name, created_by_id=actor.user_id)
            session.add(saved)
        saved.columns = dict(batch.mapping)
        batch.mapping_name = name
    record(
        session,
        actor,
        "import.mapping_confirmed",
        "import_batch",
        batch.id,
        {
            "mapping": dict(batch.mapping),
            "saved_as": save_as or None,
            "dissolved_rows": DissolvedRows(batch.dissolved_rows).value,
        },
    )
    return mapping
