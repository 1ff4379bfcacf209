"""Reading an import's results back: its issues and possible matches, the problems and rejected-rows downloads,
and the legal-form wordings of its file."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from app.domain.imports.lifecycle import ImportStatus
from app.domain.imports.outcomes import problem_outcome, rejected_reasons
from app.domain.imports.rows import ENDED_CODES
from app.domain.legal_forms import legal_form_from_words
from app.domain.providers import LegalForm
from app.models import ImportBatch, ImportIssue, Provider
from app.services.imports.mapping import mapping_of
from app.services.imports.storage import format_of, open_stored, read_stored


def issues(
    session: Session,
    batch: ImportBatch,
    kinds: Iterable[str],
    *,
    offset: int = 0,
    limit: int | None = None,
    code: str | None = None,
) -> list[ImportIssue]:
    """The batch's issues of these kinds (and of one code, when given), by row."""
    query = (
        select(ImportIssue)
        .where(ImportIssue.batch_id == batch.id, ImportIssue.kind.in_(list(kinds)))
        .order_by(ImportIssue.row_number, ImportIssue.id)
        .offset(offset)
    )
    if code is not None:
        query = query.where(ImportIssue.code.in_(ENDED_CODES.get(code, (code,))))
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))


def count_issues(session: Session, batch: ImportBatch, kind: str | Iterable[str], code: str | None = None) -> int:
    """How many issues of these kinds (and of one code, when given) the batch has."""
    kinds = [kind] if isinstance(kind, str) else list(kind)
    query = (
        select(func.count())
        .select_from(ImportIssue)
        .where(ImportIssue.batch_id == batch.id, ImportIssue.kind.in_(kinds))
    )
    if code is not None:
        query = query.where(ImportIssue.code.in_(ENDED_CODES.get(code, (code,))))
    return int(session.scalar(query) or 0)


def undecided_rows(session: Session, batch: ImportBatch) -> int:
    """Rows with possible matches and no 'same', where some candidate is not yet decided."""
    rows: dict[int, list[str | None]] = {}
    for row_number, decision in session.execute(
        select(ImportIssue.row_number, ImportIssue.decision).where(
            ImportIssue.batch_id == batch.id, ImportIssue.kind == "possible_match"
        )
    ):
        rows.setdefault(row_number, []).append(decision)
    return sum(1 for decisions in rows.values() if "same" not in decisions and None in decisions)


def candidates_named(session: Session, issues_: Iterable[ImportIssue]) -> dict[int, Provider]:
    """The providers these possible matches name, by id, with their sites."""
    ids = {i.candidate_id for i in issues_ if i.candidate_id}
    if not ids:
        return {}
    providers = session.scalars(
        select(Provider).where(Provider.id.in_(sorted(ids))).options(selectinload(Provider.sites))
    )
    return {p.id: p for p in providers}


def earlier_imports_of(session: Session, batch: ImportBatch) -> list[ImportBatch]:
    """Other batches of the same file (by SHA-256) that were imported and not undone."""
    return list(
        session.scalars(
            select(ImportBatch)
            .where(
                ImportBatch.sha256 == batch.sha256,
                ImportBatch.id != batch.id,
                ImportBatch.status == ImportStatus.IMPORTED,
            )
            .order_by(ImportBatch.id)
        )
    )


def _problem_text(problems: Iterable[ImportIssue]) -> str:
    return "; ".join(f"{p.column}: {p.message}" if p.column else p.message for p in problems)


def problems_table(session: Session, batch: ImportBatch) -> Iterator[list[str]]:
    """Every problem, one per line: row, column, what is wrong, and whether the row was imported."""
    yield ["row", "organisation", "column", "problem", "outcome"]
    query = (
        select(ImportIssue)
        .where(ImportIssue.batch_id == batch.id, ImportIssue.kind.in_(["error", "warning"]))
        .order_by(ImportIssue.row_number, ImportIssue.id)
        .execution_options(yield_per=1000)
    )
    rejected = set(
        session.scalars(
            select(ImportIssue.row_number).where(ImportIssue.batch_id == batch.id, ImportIssue.kind == "error")
        )
    )
    for issue in session.scalars(query):
        outcome = problem_outcome(issue.kind == "error", issue.code, issue.row_number in rejected)
        yield [str(issue.row_number), issue.name or "", issue.column or "", issue.message, outcome]


def rejected_rows(session: Session, batch: ImportBatch, folder: Path) -> Iterator[list[str]]:
    """The rejected rows as the file had them (every original column) plus a 'problem' column, to fix and re-import."""
    problems: dict[int, list[ImportIssue]] = {}
    for issue in session.scalars(
        select(ImportIssue)
        .where(ImportIssue.batch_id == batch.id, ImportIssue.kind == "error")
        .order_by(ImportIssue.row_number, ImportIssue.id)
    ):
        problems.setdefault(issue.row_number, []).append(issue)
    sheet_format = format_of(batch)
    yield [*sheet_format.headers, "problem"]
    if not problems:
        return
    with open_stored(batch, folder) as stream:
        for row in read_stored(stream, batch):
            found = problems.get(row.row_number)
            if found:
                width = len(sheet_format.headers)
                cells = list(row.cells[:width]) + [""] * (width - len(row.cells))
                # Cells past the header's width (a row that spilled over) follow the problem, so nothing is lost.
                yield [*cells, _problem_text(found), *row.cells[width:]]


#: How a blank legal-form cell is shown in the table of wordings.
BLANK_LEGAL_FORM = "Nothing (left blank)"


@dataclass(frozen=True)
class WordsReading:
    """One legal-form wording in a file, what the register reads it as, and on how many rows."""

    words: str
    form: LegalForm | None
    rows: int
    note: str | None


def legal_form_words(batch: ImportBatch, folder: Path, limit: int = 200) -> list[WordsReading]:
    """Each distinct legal-form wording in the file, what the register reads it as, and on how many rows.

    Shown beside the column choices, so an officer sees what 'Society' or 'Ltd' will become before the check, and
    which words are not recognised (recorded as 'not known', never guessed).
    """
    mapping = mapping_of(batch)
    if mapping.header_for("legal_form") is None:
        return []
    counts: dict[str, int] = {}
    blank = 0
    with open_stored(batch, folder) as stream:
        for row in read_stored(stream, batch):
            words = " ".join(mapping.value("legal_form", row.cells).split())
            if words:
                counts[words] = counts.get(words, 0) + 1
            elif any(cell.strip() for cell in row.cells):  # a blank row is skipped, so not counted here either
                blank += 1
    readings = []
    for words, rows in sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:limit]:
        reading = legal_form_from_words(words)
        readings.append(WordsReading(words, reading.form, rows, reading.note))
    if blank:  # listed too, so the rows here add up to the rows in the file
        readings.append(WordsReading(BLANK_LEGAL_FORM, None, blank, None))
    return readings


def rejected_breakdown(session: Session, batch: ImportBatch) -> list[tuple[str, int]]:
    """Why the batch's rejected rows are rejected, each row once, in words with how many: they add up to the
    rows rejected."""
    errors = session.execute(
        select(ImportIssue.row_number, ImportIssue.code, ImportIssue.column, ImportIssue.message)
        .where(ImportIssue.batch_id == batch.id, ImportIssue.kind == "error")
        .order_by(ImportIssue.id)
    )
    return rejected_reasons((row, code, column, message) for row, code, column, message in errors)
