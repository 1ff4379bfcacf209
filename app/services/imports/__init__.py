"""Bulk import of providers from an officer's CSV file: store, map, check, commit, undo.

The flow, one batch at a time, a module for each part:

1. :mod:`.storage`: :func:`store_upload` writes the upload to the upload folder (streamed, hashed, size-limited,
   renamed into place only when complete); every later step reads it back checked against its hash and format.
2. :mod:`.mapping`: :func:`begin` reads the file's format and maps its columns automatically;
   :func:`confirm_mapping` records the officer's column choices (and saves them by name for reuse).
3. :mod:`.steps`: :func:`check` is the dry run: every row planned (:mod:`.planning`, with :mod:`.service_words`)
   and given an outcome (new, update, unchanged, possible match or rejected), its problems stored as
   :class:`ImportIssue` rows. Nothing on the register changes. :func:`decide` records the officer's "same
   organisation" or "keep separate" for each possible match. :func:`commit` runs the same plan again against the
   register as it is now and writes it (:mod:`.changes`): providers created and updated, their sites placed with the
   offline postcode directory, an :class:`ImportChange` per provider holding a :mod:`.snapshots` digest (so the
   batch can be undone) and the counts. Undecided possible matches are rejected with that reason.
4. :mod:`.undoing`: :func:`undo` removes what the batch created and restores what it updated, leaving (and
   listing) any provider someone has changed since.
5. :mod:`.results`: the issues, problems and rejected rows read back for the pages and downloads.

Which step may run from which status is the domain's rulebook (:mod:`app.domain.imports.lifecycle`); a step that
may not run raises :class:`StepRefused`. Services take their collaborators and the time (``now``) and never commit:
the caller (a view, the CLI or a job) owns the transaction, so a failure anywhere leaves the register as it was.

Updating a provider the register already holds: for an organisation nobody has claimed, the file's non-blank
values replace the register's; for a claimed one (its own people keep it current) the file only fills blanks.
Blank cells never erase anything, and services are only ever added.

Import each name from the module that holds it.
"""
