"""Hypothesis settings for the property tests: deterministic, so CI sees the same examples every run.

Every example is derived from the test's own source (``derandomize``), nothing is saved between runs
(``database=None``), and a failure prints the blob that reproduces it (``print_blob``). The database
tests ask for fewer examples in their own ``settings``; everything else they inherit from here.
"""

from __future__ import annotations

from hypothesis import settings

settings.register_profile(
    "properties",
    derandomize=True,
    database=None,
    print_blob=True,
    deadline=None,
    max_examples=200,
)
settings.load_profile("properties")
