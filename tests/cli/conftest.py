"""Fixtures for the command-line tests, which drive `flask ...` commands through Flask's CLI runner."""

from __future__ import annotations

# The geo commands run over the same reference data and postcode sample as the geography tests.
from tests.geo.conftest import reference  # noqa: F401  (a fixture, found by pytest by name)
