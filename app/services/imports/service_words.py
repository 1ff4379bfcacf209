"""The services a file names, read as the register's service categories."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.names import normalise_words
from app.models import ServiceCategory

#: Distinct services cells remembered while reading a file.
_READ_CACHE = 10_000


class ServiceWords:
    """Turns a services cell into the register's service categories: by name or slug, or a Co-ops UK sector."""

    def __init__(self, categories: Iterable[ServiceCategory], sectors: Mapping[str, list[str]] | None = None) -> None:
        self._by_words: dict[str, list[int]] = {}
        self._read: dict[str, tuple[list[int], list[str]]] = {}
        self.categories = {c.id: c for c in categories}
        by_slug = {c.slug: c.id for c in self.categories.values()}
        for category in self.categories.values():
            self._by_words[normalise_words(category.name)] = [category.id]
            self._by_words[normalise_words(category.slug.replace("-", " "))] = [category.id]
        for sector, slugs in (sectors or {}).items():
            ids = [by_slug[s] for s in slugs if s in by_slug]
            if ids:
                self._by_words.setdefault(normalise_words(sector), ids)

    @classmethod
    def load(cls, session: Session, sectors_file: Path | None = None) -> ServiceWords:
        """The register's categories, and the Co-ops UK sectors each stands for (when the file is there)."""
        sectors: dict[str, list[str]] = {}
        if sectors_file is not None and sectors_file.exists():
            with sectors_file.open(encoding="utf-8", newline="") as handle:
                for row in csv.DictReader(handle):
                    sectors[row["sector"].strip()] = [s.strip() for s in row["category_slugs"].split(";") if s.strip()]
        return cls(session.scalars(select(ServiceCategory)), sectors)

    def read(self, text: str | None) -> tuple[list[int], list[str]]:
        """(category ids, words not recognised). The whole cell is tried first, then its ';' or '|' parts."""
        if not text:
            return [], []
        # A file names the same few services row after row: each cell is read once (new lists every time).
        known = self._read.get(text)
        if known is None:
            if len(self._read) >= _READ_CACHE:
                self._read.clear()
            known = self._read[text] = self._read_words(text)
        return list(known[0]), list(known[1])

    def _read_words(self, text: str) -> tuple[list[int], list[str]]:
        whole = self._by_words.get(normalise_words(text))
        if whole is not None:
            return list(whole), []
        ids: list[int] = []
        unknown: list[str] = []
        for part in text.replace("|", ";").split(";"):
            words = part.strip()
            if not words:
                continue
            found = self._by_words.get(normalise_words(words))
            if found is None:
                unknown.append(words)
            else:
                ids += [i for i in found if i not in ids]
        return ids, unknown
