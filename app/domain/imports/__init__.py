"""Bulk import of providers from a spreadsheet (CSV): the rulebook, the fields and column mapping, and row checks.

Pure: no Flask, no database. The service layer reads a file with :func:`reading.read_sheet` (the reading layer,
:mod:`app.tabular`, told what a supplier file's header looks like), builds a :class:`fields.ColumnMapping`
(automatically, then as the officer overrides it), and turns each row into a :class:`rows.ParsedRow` with
:func:`rows.parse_row`. The modules:

* :mod:`.lifecycle`: statuses, steps and which may start from which, the count keys and their sums;
* :mod:`.reading`: a supplier file read through :mod:`app.tabular`;
* :mod:`.fields`: the fields, the headings that name them, the column mapping;
* :mod:`.registration_status`: live, at risk, or dissolved, in a file's words;
* :mod:`.rows` and :mod:`.duplicates`: one row typed and checked, and repeats of an earlier row;
* :mod:`.outcomes`: what an import did, its progress and its undo, in words.

Legal-form and registrar words are in :mod:`app.domain.legal_forms`, name matching in :mod:`app.domain.names`.

Import each name from the module that holds it.
"""
