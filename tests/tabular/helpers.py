"""Streams and header rules for the reading layer's tests: the layer knows no importer's columns, so each test
says which headings it knows."""

from __future__ import annotations

import io
import re

from app.tabular import HeaderRule

#: A small importer's columns, by heading (case, spaces and punctuation ignored).
COLUMNS = {"name": "name", "postcode": "postcode", "email": "email", "services": "services", "address": "address"}


def column_for(heading: str) -> str | None:
    return COLUMNS.get(re.sub(r"[^0-9a-z]", "", heading.casefold()))


RULE = HeaderRule(column_for, alone=frozenset({"name"}), examples=("Name", "Postcode"))


class OneWay(io.RawIOBase):
    """A stream that cannot seek, like an upload read straight from the request; counts the bytes it gave."""

    def __init__(self, data: bytes) -> None:
        super().__init__()
        self._data = io.BytesIO(data)
        self.given = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        chunk = self._data.read(len(buffer))
        buffer[: len(chunk)] = chunk
        self.given += len(chunk)
        return len(chunk)


def one_way(data: bytes) -> io.BufferedReader:
    return io.BufferedReader(OneWay(data))
