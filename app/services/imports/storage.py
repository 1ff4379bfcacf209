"""Storing an upload and reading it back: streamed, hashed and size-limited on the way in; checked against its
hash and the format detected at upload on the way out."""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.domain.imports.lifecycle import StepRefused
from app.domain.imports.reading import Sheet, SheetFormat, read_sheet
from app.models import ImportBatch, SpendBatch


class UploadError(Exception):
    """An upload that cannot be taken; the message is fit to show."""


@dataclass(frozen=True)
class StoredUpload:
    """An upload kept in the upload folder, named by its content."""

    name: str  # the file's name inside the upload folder
    sha256: str
    size: int


def store_upload(stream: IO[bytes], folder: Path, max_bytes: int) -> StoredUpload:
    """Copy an upload into ``folder`` in chunks, hashing as it goes.

    Written to a temporary file and renamed into place only when complete, so a full disk or an oversized
    file leaves nothing half-written behind.
    """
    folder.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    temp_name = ""
    try:
        handle, temp_name = tempfile.mkstemp(prefix="upload-", suffix=".part", dir=folder)
        with os.fdopen(handle, "wb") as out:
            while chunk := stream.read(1024 * 1024):
                size += len(chunk)
                if size > max_bytes:
                    raise UploadError(f"The file must be smaller than {_megabytes(max_bytes)}")
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        if size == 0:
            raise UploadError("The selected file is empty")
        name = f"{digest.hexdigest()}.csv"
        os.replace(temp_name, folder / name)
    except OSError as error:
        if temp_name:
            _remove_quietly(temp_name)
        raise UploadError(
            "The file could not be saved on the server (it may be out of space). Nothing was imported: "
            "try again later, or tell the service's administrators"
        ) from error
    except BaseException:
        if temp_name:
            _remove_quietly(temp_name)
        raise
    return StoredUpload(name, digest.hexdigest(), size)


def _remove_quietly(path: str | Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.remove(path)


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g} MB"


def open_upload(folder: Path, name: str | None) -> IO[bytes]:
    """A stored upload, by its name in ``folder``, opened for reading; FileNotFoundError when it is not kept (or
    never was). The one way any import (suppliers or spend) opens what it stored."""
    if not name:
        raise FileNotFoundError("no stored file")
    return (folder / Path(name).name).open("rb")  # never outside the folder


def open_stored(batch: ImportBatch, folder: Path) -> IO[bytes]:
    """The batch's stored file, opened for reading."""
    try:
        return open_upload(folder, batch.stored_file)
    except FileNotFoundError as error:
        raise StepRefused("The file for this import is no longer kept. Upload it again") from error


def format_json(sheet_format: SheetFormat) -> dict[str, Any]:
    """A file format as the batch stores it."""
    return {
        "encoding": sheet_format.encoding,
        "delimiter": sheet_format.delimiter,
        "header_row_number": sheet_format.header_row_number,
        "headers": list(sheet_format.headers),
    }


def format_of(batch: ImportBatch) -> SheetFormat:
    """The format detected when the batch was uploaded."""
    f = batch.file_format
    return SheetFormat(f["encoding"], f["delimiter"], int(f["header_row_number"]), tuple(f["headers"]))


def verify_stored(stream: IO[bytes], batch: ImportBatch) -> None:
    """The stored file must still be the file the officer uploaded (its SHA-256), then rewound."""
    digest_ = hashlib.sha256()
    while chunk := stream.read(1024 * 1024):
        digest_.update(chunk)
    if digest_.hexdigest() != batch.sha256:
        raise StepRefused("The stored file is not the one that was uploaded. Upload it again")
    stream.seek(0)


def read_stored(stream: IO[bytes], batch: ImportBatch) -> Sheet:
    """The file read as it was when uploaded (its detected format, not detected afresh)."""
    sheet = read_sheet(stream)
    # Compared as the batch stores it: what the reading layer says beyond that (its title rows, say) is not kept.
    if format_json(sheet.format) != format_json(format_of(batch)):
        raise StepRefused("The stored file no longer matches this import. Upload it again")
    return sheet


def stored_file_in_use(session: Session, name: str) -> bool:
    """Whether any batch, a supplier import's or a spend file's, refers to a stored upload (uploads are named by
    their content, so the same file uploaded to both shares one copy, which neither may delete while the other
    holds it)."""
    return any(
        session.scalar(select(func.count()).select_from(model).where(model.stored_file == name))
        for model in (ImportBatch, SpendBatch)
    )
