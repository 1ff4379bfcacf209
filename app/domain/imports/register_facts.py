"""What a loaded public register says about a row of a supplier file, and what it fills in.

A row's number that a loaded register holds is that register's organisation: the register is believed over the file
for whether it still exists (dissolved, removed or struck off), and fills in what the file leaves out (the legal
form, the registered office to place it by), each with its basis ("Companies House's register of 1 December 2026").
What the file says otherwise stays as the file says it, with a warning where the register differs (the name, the
legal form). A row with no number takes one only when exactly one live organisation on the registers has its exact
name and is registered at its postcode; anything less is a list of candidates for the officer. Nothing is guessed
silently.

Pure: the registers' records (:class:`app.domain.registers.RegisterEntry`) are found by
:mod:`app.services.imports.register_facts`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

from app.domain.imports.fields import ColumnMapping
from app.domain.imports.registration_status import StatusReading
from app.domain.imports.rows import ParsedRow, RowProblem
from app.domain.providers import IDENTIFIER_SCHEMES, LegalForm
from app.domain.registers import (
    SCHEME_OF,
    Liveness,
    Register,
    RegisterEntry,
    legal_form_from_registers,
    register_as_of,
)
from app.domain.wording import govuk_date, in_sentence

#: Candidates named in a row's warning when its name is not matched for certain (the best first).
MAX_REGISTER_CANDIDATES = 3


def _as_of(entry: RegisterEntry, *, start: bool = True) -> str:
    return register_as_of(entry.register, entry.published_on, start=start)


def _number_words(register: Register) -> str:
    """ "Companies House number", "Charity Commission number", "FCA Mutuals Public Register number"."""
    return f"{IDENTIFIER_SCHEMES[SCHEME_OF[register]].register} number"


def _kind(entry: RegisterEntry) -> str:
    """The register's own words for what the organisation is, in brackets: " ('Community Interest Company')"."""
    return f" ('{entry.kind}')" if entry.kind else ""


def register_legal_form(entry: RegisterEntry) -> LegalForm | None:
    """The legal form a register gives an organisation whose row has none: Companies House's category or the FCA's
    society type (:func:`app.domain.registers.legal_form_from_registers`), or a charity for the Charity Commission's
    (whatever else it is, it is a charity there); None when the register does not say (a "Registered Society" at
    Companies House is a co-operative or a community benefit society: the FCA's register says which)."""
    if entry.register == Register.CHARITIES:
        return LegalForm.CHARITY
    return legal_form_from_registers([entry], LegalForm.UNKNOWN)


def ended_on_register(entry: RegisterEntry) -> StatusReading | None:
    """The reading of a row whose register says the organisation is gone (dissolved, removed, struck off), worded
    with the register and its date; None while it is on its register."""
    if entry.liveness != Liveness.GONE:
        return None
    status = (entry.status or "no longer registered").lower()
    on = f" on {govuk_date(entry.ended_on)}" if entry.ended_on else ""
    return StatusReading(ended=True, on=entry.ended_on, because=f"it was {status}{on}", source=_as_of(entry))


def placed_by_register_note(entry: RegisterEntry) -> str:
    """The basis of a site placed by a register's registered office, as the site keeps it."""
    return f"Placed by its registered office on {_as_of(entry, start=False)}"


@dataclass(frozen=True)
class RegisterReading:
    """A row as a register's record leaves it: what it fills in, with the problems saying so (in the row's)."""

    row: ParsedRow
    #: The postcode is the register's registered office's (the file gave none that can be used).
    placed_by_register: bool = False


def read_with_register(row: ParsedRow, entry: RegisterEntry, mapping: ColumnMapping) -> RegisterReading:
    """The row with what the register for its number says: the organisation ended when the register says it is gone
    (and the file does not already say so); its legal form and registered office filled in when the file gives
    none; warnings where the register's name or legal form is not the file's, and where it is ending."""
    number_column = mapping.header_for("registration_number")
    source = _as_of(entry)
    problems = list(row.problems)
    changes: dict[str, object] = {}

    def warn(field_name: str | None, message: str) -> None:
        column = mapping.header_for(field_name) if field_name else None
        problems.append(RowProblem(row.row_number, column or number_column, message))

    if not row.ended:
        ended = ended_on_register(entry)
        if ended is not None:
            changes["status"] = ended
        elif entry.liveness == Liveness.ENDING and not row.status.note:
            warn(None, f"{source} lists it as {entry.status.lower()}: it is imported, but check it is still trading")

    names = [n for n in (row.name, row.trading_name) if n]
    if names and all(entry.name_differs(n) for n in names):
        warn(
            "name",
            f"{source} names {entry.number} {entry.name}, not {row.name}: check the number is this organisation's",
        )

    form = register_legal_form(entry)
    if row.legal_form in (None, LegalForm.UNKNOWN):
        if form is not None:
            changes["legal_form"] = form
            legal_column = mapping.header_for("legal_form")
            # The file's own note on its words ("recorded as not known") is no longer what happens.
            problems = [p for p in problems if not (legal_column and p.column == legal_column and not p.rejects)]
            said = f"The file's '{row.legal_form_words}' does not say which" if row.legal_form_words else "No"
            warn(
                "legal_form",
                f"{said} legal form, so it was recorded as {in_sentence(form.label)} from "
                f"{_as_of(entry, start=False)}{_kind(entry)}",
            )
    elif row.legal_form is not None and entry.legal_form_differs(row.legal_form):
        warn(
            "legal_form",
            f"{source} gives its legal form as {in_sentence(entry.legal_form.label)}{_kind(entry)}, not "
            f"{in_sentence(row.legal_form.label)}: check it",
        )

    placed = False
    if not row.postcode and entry.postcode:
        placed = True
        changes["postcode"] = entry.postcode
        if not row.address and not row.town and entry.address:
            changes["address"] = "\n".join(part for part in entry.address.split(", ") if part)
        postcode_column = mapping.header_for("postcode")
        where = f"its registered office on {_as_of(entry, start=False)} ({entry.postcode})"
        for index, problem in enumerate(problems):
            if postcode_column and problem.column == postcode_column and not problem.rejects:
                # "... is not a full UK postcode, so ... will not be placed": it will, by the register.
                shown = problem.message.split(" is not a full UK postcode", 1)[0]
                message = f"{shown} is not a full UK postcode, so the organisation is placed by {where}"
                problems[index] = replace(problem, message=message)
                break
        else:
            warn("postcode", f"There is no postcode, so the organisation is placed by {where}")
    return RegisterReading(replace(row, **changes, problems=tuple(problems)), placed)  # type: ignore[arg-type]


def not_on_register(row: ParsedRow, register: Register, published_on: date, mapping: ColumnMapping) -> RowProblem:
    """A warning for a number the loaded register does not have (the row is imported as the file says)."""
    as_of = register_as_of(register, published_on, start=False)
    return RowProblem(
        row.row_number,
        mapping.header_for("registration_number"),
        f"{row.registration_number} is not on {as_of}: check the number",
    )


def one_at_postcode(organisation: RegisterEntry | None, postcode: str | None) -> RegisterEntry | None:
    """The register's organisation a row with no number is, found by name: ``organisation`` is the one live
    organisation the registers have with the row's exact name (None for none or several); it is the row's only when
    registered at the row's postcode. A name alone is never enough."""
    if organisation is None or organisation.liveness != Liveness.LIVE or not postcode:
        return None
    return organisation if organisation.postcode == postcode else None


def number_matched(row: ParsedRow, entry: RegisterEntry, mapping: ColumnMapping) -> RegisterReading:
    """A row with no number matched to ``entry`` by its exact name and postcode: the register's number is added
    (and what else the register fills in), with a warning saying so."""
    column = mapping.header_for("registration_number") or mapping.header_for("name")
    problem = RowProblem(
        row.row_number,
        column,
        f"No number in the file: matched to {entry.name} on {_as_of(entry, start=False)} by its exact name and "
        f"registered office postcode, so its {_number_words(entry.register)} {entry.number} was added",
    )
    with_number = replace(row, org_id=entry.org_id, registration_number=entry.number, problems=(*row.problems, problem))
    return read_with_register(with_number, entry, mapping)


def possible_registrations(
    row: ParsedRow, candidates: Sequence[tuple[RegisterEntry, float]], mapping: ColumnMapping
) -> RowProblem | None:
    """A warning naming the organisations on the registers a row with no number may be (the best first), when it
    was not matched for certain; None when there are none."""
    if not candidates:
        return None
    named = []
    for entry, score in candidates[:MAX_REGISTER_CANDIDATES]:
        how = "same name" if score >= 100 else f"{score:.0f}% alike"
        if entry.liveness == Liveness.GONE:
            how += f", {(entry.status or 'no longer registered').lower()}"
        if entry.postcode and entry.postcode != row.postcode:
            how += f", registered office {entry.postcode}"
        named.append(f"{_number_words(entry.register)} {entry.number} {entry.name} ({how})")
    return RowProblem(
        row.row_number,
        mapping.header_for("name"),
        "No number in the file, and it may be one of these on the public registers: "
        + "; ".join(named)
        + ". No number was added: if it is one of them, add its number to the file",
    )
