"""Rows of a small supplier file, for the row and duplicate tests."""

from __future__ import annotations

from app.domain.imports.fields import ColumnMapping

HEADERS = ("Name", "Legal form", "Registration number", "Registrar", "Postcode", "Email", "Website")
MAPPING = ColumnMapping.auto(HEADERS)


def row(**values: str) -> tuple[str, ...]:
    keys = ("name", "legal_form", "number", "registrar", "postcode", "email", "website")
    defaults = {"name": "Good Org"}
    return tuple(values.get(k, defaults.get(k, "")) for k in keys)
