"""The file's rows as the check parsed them, kept beside the stored upload so the commit need not parse them again.

Parsing (typing and checking every cell, :func:`app.domain.imports.rows.parse_row`, and the doubles within the file)
is most of a check's time and, done again, two fifths of a commit's. It depends on nothing but the file, the batch's
column mapping and the code that reads and parses it: so the check writes what it parsed next to the upload, a line
of JSON per chunk, and the commit reads it back when all three are the same (the file's SHA-256, the mapping, a
digest of the reading and parsing code), else parses the file again. The commit still plans every row against the
register as it is then; only the reading of the file is spared.

Written to a temporary name and renamed into place when the check has read the whole file, so a check that fails
part way leaves nothing to be read. The commit deletes it once it has read it (a commit that then fails parses the
file again next time).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Generator, Iterator
from dataclasses import fields
from datetime import date
from functools import cache
from operator import attrgetter
from pathlib import Path
from typing import IO, Any

from app.domain.imports.registration_status import StatusReading
from app.domain.imports.rows import ParsedRow, RowProblem
from app.domain.providers import LegalForm
from app.models import ImportBatch

_ROW_FIELDS = tuple(f.name for f in fields(ParsedRow))
_STATUS_FIELDS = tuple(f.name for f in fields(StatusReading))
_PROBLEM_FIELDS = tuple(f.name for f in fields(RowProblem))
#: A row whose file says nothing of its status: most rows, so one reading is shared.
_NO_STATUS = StatusReading()
_CODE = Path(__file__).resolve().parents[2]  # app/


class Unkeepable(ValueError):
    """A parsed row holds a value this module does not know how to keep (the parsing code has changed shape)."""


@cache
def code_digest() -> str:
    """A digest of the code that reads and parses a file (app/domain and app/tabular): kept rows are used only by
    the code that parsed them."""
    digest = hashlib.sha256()
    for folder in ("domain", "tabular"):
        for path in sorted((_CODE / folder).rglob("*.py")):
            digest.update(str(path.relative_to(_CODE)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _key(batch: ImportBatch) -> dict[str, Any]:
    """What kept rows must have been parsed from: this batch's file, as mapped now, by this code."""
    return {"batch": batch.id, "sha256": batch.sha256, "mapping": batch.mapping, "code": code_digest()}


def kept_path(folder: Path, batch: ImportBatch) -> Path:
    """Where the batch's parsed rows are kept: beside its upload, named after the upload and the batch."""
    return folder / f"{Path(batch.stored_file or 'none').name}.parsed-{batch.id}.jsonl"


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, str | int):  # bool is an int
        return value
    raise Unkeepable(f"cannot keep {type(value).__name__}")


_row_values = attrgetter(*_ROW_FIELDS)
_LEGAL_FORM = _ROW_FIELDS.index("legal_form")
_STATUS = _ROW_FIELDS.index("status")
_PROBLEMS = _ROW_FIELDS.index("problems")
#: The fields kept as they are (text, numbers, None).
_PLAIN = tuple(i for i in range(len(_ROW_FIELDS)) if i not in (_LEGAL_FORM, _STATUS, _PROBLEMS))


def encode(row: ParsedRow) -> list[Any]:
    """A parsed row as plain JSON values, in the order of its fields."""
    values: list[Any] = list(_row_values(row))
    for index in _PLAIN:
        _plain(values[index])
    form = values[_LEGAL_FORM]
    values[_LEGAL_FORM] = None if form is None else LegalForm(form).value
    status = values[_STATUS]
    if status == _NO_STATUS:
        values[_STATUS] = None
    else:
        values[_STATUS] = [
            getattr(status, f).isoformat() if f == "on" and getattr(status, f) else _plain(getattr(status, f))
            for f in _STATUS_FIELDS
        ]
    values[_PROBLEMS] = [[_plain(getattr(p, f)) for f in _PROBLEM_FIELDS] for p in values[_PROBLEMS]]
    return values


def decode(values: list[Any]) -> ParsedRow:
    """:func:`encode` undone."""
    if len(values) != len(_ROW_FIELDS):
        raise ValueError(f"a kept row has {len(values)} values, not {len(_ROW_FIELDS)}")
    values = list(values)
    if values[_LEGAL_FORM] is not None:
        values[_LEGAL_FORM] = LegalForm(values[_LEGAL_FORM])
    status = values[_STATUS]
    if status is None:
        values[_STATUS] = _NO_STATUS
    else:
        reading = dict(zip(_STATUS_FIELDS, status, strict=True))
        if reading["on"] is not None:
            reading["on"] = date.fromisoformat(reading["on"])
        values[_STATUS] = StatusReading(**reading)
    values[_PROBLEMS] = tuple(RowProblem(*problem) for problem in values[_PROBLEMS])
    return ParsedRow(*values)


class Keeper:
    """Writes the rows a check parses, a chunk at a time; :meth:`finish` puts them in place, :meth:`abandon` not.

    Keeping them only saves time: when the folder cannot take them (full, read-only) nothing is kept and the check
    goes on."""

    def __init__(self, folder: Path, batch: ImportBatch) -> None:
        self.path = kept_path(folder, batch)
        self._temp: Path | None = None
        self._out: IO[str] | None = None
        try:
            handle, name = tempfile.mkstemp(prefix="parsed-", suffix=".part", dir=folder)
            self._temp = Path(name)
            self._out = os.fdopen(handle, "w", encoding="utf-8")
            self._out.write(json.dumps(_key(batch)) + "\n")
        except OSError:
            self.abandon()

    def add(self, rows: list[ParsedRow]) -> None:
        if self._out is None:
            return
        try:
            self._out.write(json.dumps([encode(row) for row in rows], ensure_ascii=False) + "\n")
        except (Unkeepable, OSError):
            self.abandon()  # parsed again at the commit

    def finish(self, blank_rows: int) -> None:
        if self._out is None or self._temp is None:
            return
        try:
            self._out.write(json.dumps({"blank_rows": blank_rows}) + "\n")
            self._out.close()
            self._out = None
            os.replace(self._temp, self.path)
        except OSError:
            self.abandon()

    def abandon(self) -> None:
        if self._out is not None:
            with contextlib.suppress(OSError):
                self._out.close()
            self._out = None
        if self._temp is not None:
            with contextlib.suppress(OSError):
                self._temp.unlink()


class Kept:
    """Rows a check kept for this batch, read back a chunk at a time; ``blank_rows`` once they have all been read."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream
        self.size = max(1, os.fstat(stream.fileno()).st_size)
        self.blank_rows = 0

    def chunks(self) -> Generator[list[ParsedRow], None, None]:
        for line in self._stream:
            chunk = json.loads(line)
            if isinstance(chunk, dict):  # the last line
                self.blank_rows = int(chunk["blank_rows"])
                return
            yield [decode(values) for values in chunk]
        raise Unkeepable("the kept rows end before their last line")

    def fraction(self) -> float:
        """How far through the kept rows reading is, 0-1."""
        return min(1.0, self._stream.tell() / self.size)


@contextlib.contextmanager
def kept_rows(folder: Path, batch: ImportBatch) -> Iterator[Kept | None]:
    """The rows the batch's check kept, if they were parsed from this file as mapped now by this code and are all
    there; else None. If anything fails while they are read, they are deleted, so the next commit parses the file
    rather than meet the same failure."""
    path = kept_path(folder, batch)
    try:
        stream = path.open("rb")
    except OSError:
        yield None
        return
    with stream:
        try:
            usable = _complete(stream) and _read_json(stream.readline()) == _key(batch)
        except OSError:
            usable = False
        try:
            yield Kept(stream) if usable else None
        except BaseException:
            discard(folder, batch)
            raise


def _complete(stream: IO[bytes]) -> bool:
    """Whether the kept rows end with their last line (rewound to the start after looking)."""
    size = os.fstat(stream.fileno()).st_size
    stream.seek(max(0, size - 4096))
    last = stream.read().rstrip(b"\n").rsplit(b"\n", 1)[-1]
    stream.seek(0)
    found = _read_json(last)
    return isinstance(found, dict) and isinstance(found.get("blank_rows"), int)


def _read_json(line: bytes) -> Any:
    try:
        return json.loads(line)
    except ValueError:
        return None


def discard(folder: Path, batch: ImportBatch) -> None:
    """Delete the batch's kept rows, if any."""
    with contextlib.suppress(OSError):
        kept_path(folder, batch).unlink()
