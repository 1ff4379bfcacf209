"""Spend analysis: a council's published payment files imported, their suppliers resolved and classified, and the
report (the Preston method: how much of the council's spend stays local, with the social economy, with SMEs).

The flow, a module for each part:

1. :mod:`.files` opens a stored spend file (CSV, a zip holding one CSV, a gzipped CSV or an XLSX sheet) with the
   spend header rule; :mod:`.importing` takes the upload (the same file twice is refused), maps its columns (the
   publisher's saved mapping, else a guess for the officer to confirm), imports it (every data row a payment or a
   rejection with its reason; payments already imported from another file flagged, not doubled) and undoes it.
   Large files run as a job (:mod:`app.jobs.spend`).
2. :mod:`.suppliers` groups payments by supplier and resolves each supplier once for the council;
   :mod:`.classify` gives each supplier (so each payment to it) a place, a basis, a legal form and a deprivation
   decile; :mod:`.deprivation` loads the deprivation index.
3. :mod:`.report`, :mod:`.leakage` and :mod:`.exports` measure and show it.

Services take the session and the time (``now``) and never commit: the caller (a view, a command or a job) owns the
transaction. Import each name from the module that holds it.
"""
