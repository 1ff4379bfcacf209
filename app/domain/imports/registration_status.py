"""Registration status in a file's words: live, at risk, or dissolved and removed (and when), and what an import
does with rows that say an organisation has ended."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from app.domain.labelled import LabelledEnum
from app.domain.names import normalise_words
from app.domain.wording import govuk_date


class DissolvedRows(LabelledEnum):
    """What an import does with rows the file says are dissolved, removed or struck off (the officer chooses)."""

    REJECT = "reject", "Leave them out", "Rejected with the reason, and listed: nothing is added to the register"
    ARCHIVE = "archive", "Keep them as archived", "Added to the register as archived: never published or searched"


#: Status words (as :func:`normalise_words` leaves them) that say an organisation no longer exists on its register.
ENDED_STATUS_WORDS = frozenset(
    {
        "dead",
        "dissolved",
        "removed",
        "struck off",
        "closed",
        "converted closed",
        "deregistered",
        "cancelled",
        "canceled",
        "ceased",
        "ceased to exist",
        "ceased trading",
        "removed from register",
        "removed from the register",
        "no longer registered",
        "wound up",
        "defunct",
    }
)
#: Words that say it is on its register.
LIVE_STATUS_WORDS = frozenset({"live", "active", "registered", "open", "current", "trading", "existing"})
#: Words that say it is on its register but may not be for long: imported, with a warning.
AT_RISK_STATUS_WORDS = frozenset(
    {
        "liquidation",
        "in liquidation",
        "administration",
        "in administration",
        "administration order",
        "administrative receiver",
        "receivership",
        "receiver action",
        "receiver manager",
        "live but receiver manager on at least one charge",
        "voluntary arrangement",
        "insolvency proceedings",
        "active proposal to strike off",
        "proposal to strike off",
        "dormant",
    }
)
_YES_WORDS = frozenset({"yes", "y", "true", "dissolved", "removed"})
#: Dissolution cells (as :func:`normalise_words` leaves them) that say it has not been dissolved: "no" and the
#: placeholders spreadsheets and registers fill an empty date with ("N/A", "-", "None", "0000-00-00" and the like).
_NOT_DISSOLVED_WORDS = frozenset(
    {"no", "n", "false", "0", "n a", "na", "none", "null", "nil", "not dissolved", "not applicable"}
)
_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}


def date_from_words(text: str) -> date | None:
    """A date as spreadsheets and registers write it: 3/5/2012 (day first), 2012-05-03, 3 May 2012; else None."""
    value = text.strip()
    if not value:
        return None
    try:
        if match := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ][\d:.]+Z?)?", value):
            return date(int(match[1]), int(match[2]), int(match[3]))
        if match := re.fullmatch(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})(?: [\d:]+)?", value):
            return date(int(match[3]), int(match[2]), int(match[1]))
        if match := re.fullmatch(r"(\d{1,2})(?:st|nd|rd|th)? ([A-Za-z]+),? (\d{4})", " ".join(value.split())):
            month = _MONTHS.get(match[2].casefold())
            return date(int(match[3]), month, int(match[1])) if month else None
    except ValueError:
        return None
    return None


@dataclass(frozen=True)
class StatusReading:
    """What a row's status and dissolution cells say: whether the organisation has ended, when, and any note."""

    ended: bool = False
    on: date | None = None
    because: str | None = None  # the file's own words, for the officer: "Registered Status: Dead, dissolved 3/5/2012"
    note: str | None = None  # a warning for the officer (at risk, words not recognised, a date not readable)
    note_column: str | None = None  # "status" or "dissolved_on": which cell the note is about
    # Who says it has ended, to begin a sentence: None for the file, else a public register and its date
    # ("Companies House's register of 1 December 2026": app.domain.imports.register_facts).
    source: str | None = None

    @property
    def said(self) -> str:
        """Who says it has ended and why, to begin a sentence."""
        if self.source is not None:
            return f"{self.source} says {self.because}" if self.because else f"{self.source} says it has ended"
        return f"The file says it has ended ({self.because})" if self.because else "The file says it has ended"


#: A dissolution cell of only dashes, dots, slashes and zeros is a placeholder: "-", "—", "0000-00-00", "00/00/0000".
_NO_DATE = re.compile(r"[\s0\-\u2010-\u2015\u2212./:]*")


def _not_dissolved(dissolved_text: str) -> bool:
    """Whether a dissolution cell is blank, "no" or a placeholder like "N/A", "None", "-" or "0000-00-00"."""
    return normalise_words(dissolved_text) in _NOT_DISSOLVED_WORDS or bool(_NO_DATE.fullmatch(dissolved_text))


def read_status(status: str, dissolved: str) -> StatusReading:
    """Read a status cell and a dissolution-date cell.

    Ended: the status says dissolved, removed, struck off (and the like), or a dissolution date (or "yes") is given,
    whatever the status says. A placeholder ("N/A", "-", "None", "0000-00-00") is no date. Other text we cannot read
    as a date is taken as dissolved, and noted, unless the status says live: then the status is believed, and noted.
    Liquidation, administration and a proposal to strike off are not ended, but noted. Status words not recognised
    are noted and read as live.
    """
    status_text = " ".join(status.split())
    dissolved_text = " ".join(dissolved.split())
    words = normalise_words(status_text)
    dissolved_words = normalise_words(dissolved_text)
    on = date_from_words(dissolved_text)
    said_dissolved = on is not None or dissolved_words in _YES_WORDS
    unreadable_date = not said_dissolved and not _not_dissolved(dissolved_text)
    if unreadable_date and words in LIVE_STATUS_WORDS:
        return StatusReading(
            note=f"'{dissolved_text}' is not a date we can read, like 3/5/2012, and the status is '{status_text}': "
            "the organisation is imported as live, but check it is still trading",
            note_column="dissolved_on",
        )
    ended = words in ENDED_STATUS_WORDS or said_dissolved or unreadable_date
    parts = [f"status '{status_text}'"] if status_text else []
    if on is not None:
        parts.append(f"dissolved on {govuk_date(on)}")
    elif said_dissolved or unreadable_date:
        parts.append(f"dissolved '{dissolved_text}'")
    because = ", ".join(parts) or None
    if unreadable_date:
        return StatusReading(
            True,
            None,
            because,
            f"'{dissolved_text}' is not a date we can read, like 3/5/2012: the organisation is taken as dissolved",
            "dissolved_on",
        )
    if ended:
        return StatusReading(True, on, because)
    if not words or words in LIVE_STATUS_WORDS:
        return StatusReading()
    if words in AT_RISK_STATUS_WORDS:
        return StatusReading(
            note=f"The file says '{status_text}': the organisation is imported, but check it is still trading",
            note_column="status",
        )
    return StatusReading(
        note=f"'{status_text}' is not a status we recognise, so the organisation is taken as live: check it",
        note_column="status",
    )


def dissolved_message(reading: StatusReading, policy: DissolvedRows) -> str:
    """What happens to a row the file (or its register) says has ended, in words for the officer."""
    said = reading.said
    if policy == DissolvedRows.ARCHIVE:
        return f"{said}, so it is kept on the register as archived and never published"
    return f"{said}, so it was not imported"


def flagged_message(reading: StatusReading, provider_name: str) -> str:
    """A row that has ended matches an organisation on the register: it is flagged, not changed."""
    said = reading.said
    return f"{said}. {provider_name} on the register was not changed: it is flagged for an officer to check"
