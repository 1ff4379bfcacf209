"""What an import did or would do, in words: its outcome, what a problem means for its row, its progress, its
undo, and why rows were rejected."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from app.domain.imports.lifecycle import FINAL_OUTCOMES
from app.domain.imports.rows import ENDED, FLAGGED, FORMULA, NOT_PLACED, REGISTER_ENDED
from app.domain.labelled import LabelledEnum


def _counted(number: int, one: str, many: str | None = None) -> str:
    return f"{number:,} {one if number == 1 else (many or one + 's')}"


def describe_outcome(counts: Mapping[str, int], done: bool = True) -> str:
    """What an import did (``done``), or what its check says it would do, in one sentence that names every outcome
    it had: never just '0 created'.

    'Nothing on the register changed: all 105 organisations in the file are on it already, as the file has them.'
    """
    n = {key: int(counts.get(key, 0)) for key in ("rows", "possible_match", *(o.value for o in FINAL_OUTCOMES))}
    verbs = ("added", "updated", "kept as archived", "flagged for checking as dissolved", "rejected")
    if not done:
        verbs = ("to add", "to update", "to keep as archived", "to flag for checking as dissolved", "to reject")
    changed = [
        (n["created"], _counted(n["created"], "new organisation") + f" {verbs[0]}"),
        (n["updated"], _counted(n["updated"], "organisation") + f" {verbs[1]}"),
        (n["archived"], _counted(n["archived"], "dissolved organisation") + f" {verbs[2]}"),
        (n["flagged"], _counted(n["flagged"], "organisation") + f" {verbs[3]}"),
    ]
    said = [words for number, words in changed if number]
    rest = [
        (n["unchanged"], _counted(n["unchanged"], "row") + " already on the register as the file has them"),
        (n["possible_match"], _counted(n["possible_match"], "possible match", "possible matches") + " to decide"),
        (n["rejected"], _counted(n["rejected"], "row") + f" {verbs[4]}"),
    ]
    others = [words for number, words in rest if number]
    nothing = "Nothing on the register changed" if done else "Importing it would change nothing on the register"
    if not n["rows"]:
        return "The file has no rows to import, so nothing on the register changed."
    if not said and not n["possible_match"]:
        if n["unchanged"] == n["rows"]:
            return (
                f"{nothing}: all {_counted(n['rows'], 'organisation')} in the file are on it already, as the file "
                "has them."
                if n["rows"] != 1
                else f"{nothing}: the organisation in the file is on it already, as the file has it."
            )
        return f"{nothing}: " + _join(others) + "."
    sentence = _join(said + others)
    return sentence[0].upper() + sentence[1:] + "."


def _join(parts: list[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def problem_outcome(rejects: bool, code: str | None, row_rejected: bool) -> str:
    """What a problem means for its row, in words for the problems list and download (one wording for both)."""
    if rejects:
        return "Not imported"
    if row_rejected:
        return "Not imported (the row has another problem)"
    return {
        FLAGGED: "Not imported: the organisation on the register is flagged for checking",
        ENDED: "Imported as archived, never published",
        REGISTER_ENDED: "Imported as archived, never published",
        FORMULA: "Imported, as text",
        NOT_PLACED: "Imported, flagged 'not placed'",
    }.get(code or "", "Imported without this value")


def _duration_words(seconds: float) -> str:
    seconds = max(1, round(seconds))
    if seconds < 60:
        return _counted(seconds, "second")
    minutes = round(seconds / 60)
    if minutes < 60:
        return _counted(minutes, "minute")
    hours, minutes = divmod(minutes, 60)
    return _counted(hours, "hour") + (f" {_counted(minutes, 'minute')}" if minutes else "")


def describe_progress(
    step: str, rows: int, fraction: float, total_rows: int | None = None, seconds: float | None = None
) -> str:
    """A running step's progress in words, beside the progress bar: done, of how many, and about how long is left.

    ``step`` is 'check' or 'commit'; ``fraction`` is the share of the file read (0-1); ``total_rows`` the rows in the
    file when known (after a check); ``seconds`` how long the step has run.
    """
    verb = "imported" if step == "commit" else "checked"
    percent = round(max(0.0, min(fraction, 1.0)) * 100)
    if total_rows:
        done = f"{rows:,} of {_counted(total_rows, 'row')} {verb} ({percent}%)"
    else:
        done = f"{_counted(rows, 'row')} {verb} ({percent}% of the file)"
    if seconds and rows and 0.02 <= fraction < 1:
        left = seconds * (1 - fraction) / fraction
        done += f", about {_duration_words(left)} left"
    return done


# --- Undo -----------------------------------------------------------------------------------------------------------

#: Why undo left an organisation as it is, said of many at once (the report keeps each one's reason for one).
_LEFT_FOR_MANY = {
    "it has been published since the import": "they have been published since the import",
    "it has been taken off the register for checks since the import": (
        "they have been taken off the register for checks since the import"
    ),
    "it has been changed since the import": "they have been changed since the import",
    "people have signed in as it": "people have signed in as them",
    "it is on a commissioning record": "they are on commissioning records",
    "someone asked to join it": "someone asked to join them",
    "someone was invited to it": "someone was invited to them",
    "an officer reviewed it": "an officer reviewed them",
}


def status_changed_reason(status: LabelledEnum) -> str:
    """Why undo leaves an organisation whose only change since the import is its status."""
    if status.value == "verified":
        return "it has been published since the import"
    if status.value == "submitted":
        return "it has been taken off the register for checks since the import"
    return f"it has been {status.label.lower()} since the import"


def describe_undo(report: Mapping[str, object]) -> str:
    """What undoing an import did, naming how many it left and why: 'Then undone: 6,604 removed and 15 restored;
    89 left because they have been published since the import.'"""
    removed, restored, gone = (int(str(report.get(key) or 0)) for key in ("removed", "restored", "gone"))
    left = report.get("left") or []
    done = [f"{removed:,} removed", f"{restored:,} restored"] + ([f"{gone:,} already gone"] if gone else [])
    reasons: dict[str, int] = {}
    for item in left if isinstance(left, list) else []:
        reason = str(item.get("reason") or "it has been changed since the import")
        reasons[reason] = reasons.get(reason, 0) + 1
    why = [
        f"{n:,} left because {reason if n == 1 else _LEFT_FOR_MANY.get(reason, reason.replace(' it ', ' them '))}"
        for reason, n in sorted(reasons.items(), key=lambda pair: -pair[1])
    ]
    return "Then undone: " + _join(done) + ("; " + "; ".join(why) if why else "") + "."


# --- Why rows were rejected -----------------------------------------------------------------------------------------


def rejected_reasons(errors: Iterable[tuple[int, str | None, str | None, str]]) -> list[tuple[str, int]]:
    """Every rejected row, counted once by its first reason, in words, most common first, so the parts add up to
    the rows rejected. ``errors`` are (row, code, column, message) of the rejecting problems, in the order found."""
    first: dict[int, tuple[str | None, str | None, str]] = {}
    for row, code, column, message in errors:
        first.setdefault(row, (code, column, message))
    counts: dict[str, list[int]] = {}
    for code, column, message in first.values():
        if code == ENDED:
            key = "dissolved"
        elif code == REGISTER_ENDED:
            key = "register_dissolved"
        elif message.startswith("Same organisation as row"):
            key = "repeat"
        else:
            key = f"column:{column}" if column else "other"
        counts.setdefault(key, [0])[0] += 1
    words = []
    for key, (n,) in sorted(counts.items(), key=lambda item: -item[1][0]):
        if key == "dissolved":
            text = "the file says " + ("it is" if n == 1 else "they are") + " dissolved, removed or struck off"
        elif key == "register_dissolved":
            text = "a public register says " + ("it is" if n == 1 else "they are") + " dissolved, removed or struck off"
        elif key == "repeat":
            text = "repeats an earlier row" if n == 1 else "repeat an earlier row"
        elif key.startswith("column:"):
            text = ("has a problem" if n == 1 else "have a problem") + f' in the "{key.removeprefix("column:")}" column'
        else:
            text = "has another problem" if n == 1 else "have other problems"
        words.append((text, n))
    return words
