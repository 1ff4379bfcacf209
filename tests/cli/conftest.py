"""Fixtures for the command-line tests, which drive `flask ...` commands through Flask's CLI runner.

The geo commands run over the same reference data and postcode sample as the geography tests: the
``reference`` fixture of tests/conftest.py.
"""
