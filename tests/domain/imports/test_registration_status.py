"""Registration status in a file's words: live, at risk or ended, and when. A dissolution cell that holds a
placeholder, or a date we cannot read beside a live status, never ends a live organisation (review finding r1-1)."""

from __future__ import annotations

from datetime import date

import pytest

from app.domain.imports.registration_status import DissolvedRows, dissolved_message, read_status


@pytest.mark.parametrize("status", ["Live", "Active", "Registered", ""])
@pytest.mark.parametrize(
    "dissolved",
    [
        "N/A",
        "n/a",
        "NA",
        "None",
        "null",
        "NULL",
        "nil",
        "-",
        "\u2013",
        "\u2014",
        "--",
        "Not dissolved",
        "not applicable",
        "0000-00-00",
        "00/00/0000",
        "0000-00-00 00:00:00",
        "0",
        "No",
        "  ",
    ],
)
def test_a_placeholder_in_the_dissolution_column_is_not_dissolved(status: str, dissolved: str) -> None:
    reading = read_status(status, dissolved)
    assert (reading.ended, reading.on, reading.note) == (False, None, None)


@pytest.mark.parametrize("status", ["Live", "Active", "Registered", "Open", "Current"])
def test_a_live_status_with_a_date_we_cannot_read_stays_live_with_a_warning(status: str) -> None:
    reading = read_status(status, "last spring")
    assert (reading.ended, reading.on, reading.note_column) == (False, None, "dissolved_on")
    assert reading.note == (
        f"'last spring' is not a date we can read, like 3/5/2012, and the status is '{status}': "
        "the organisation is imported as live, but check it is still trading"
    )


@pytest.mark.parametrize(
    ("status", "dissolved", "ended", "on", "note_column"),
    [
        ("", "last spring", True, None, "dissolved_on"),  # nothing says live: taken as dissolved, and said
        ("Liquidation", "soon", True, None, "dissolved_on"),
        ("Sleeping", "31/02/2012", True, None, "dissolved_on"),
        ("Dead", "N/A", True, None, None),  # the status alone says it has ended
        ("Live", "3/5/2012", True, date(2012, 5, 3), None),  # a readable date of dissolution still wins
        ("Live", "Yes", True, None, None),
        ("", "不明", True, None, "dissolved_on"),  # words we cannot read at all are not taken as a placeholder
    ],
)
def test_what_still_ends_an_organisation(
    status: str, dissolved: str, ended: bool, on: date | None, note_column: str | None
) -> None:
    reading = read_status(status, dissolved)
    assert (reading.ended, reading.on, reading.note_column) == (ended, on, note_column)


def test_a_placeholder_is_not_quoted_as_the_reason_it_ended() -> None:
    assert read_status("Dead", "N/A").because == "status 'Dead'"
    assert read_status("", "last spring").because == "dissolved 'last spring'"


@pytest.mark.parametrize(
    ("status", "dissolved", "ended", "on", "noted"),
    [
        ("Live", "", False, None, False),
        ("Active", "", False, None, False),
        ("Registered", "", False, None, False),
        ("", "", False, None, False),
        ("Dead", "11/8/1999", True, date(1999, 8, 11), False),
        ("Dead", "", True, None, False),
        ("Dissolved", "2012-05-03", True, date(2012, 5, 3), False),
        ("Removed", "", True, None, False),
        ("Struck off", "", True, None, False),
        ("Converted/Closed", "", True, None, False),
        ("", "3 May 2012", True, date(2012, 5, 3), False),
        ("Live", "03/05/2012", True, date(2012, 5, 3), False),  # a date of dissolution wins: never published
        ("", "Yes", True, None, False),
        ("", "No", False, None, False),
        ("", "last spring", True, None, True),  # not a date, but something is there: taken as ended, and said
        ("Liquidation", "", False, None, True),
        ("Active - Proposal to Strike off", "", False, None, True),
        ("Sleeping", "", False, None, True),
    ],
)
def test_reading_status_and_dissolution(status, dissolved, ended, on, noted):
    reading = read_status(status, dissolved)
    assert (reading.ended, reading.on, reading.note is not None) == (ended, on, noted)


def test_what_happens_to_a_dissolved_row_is_said_in_words():
    reading = read_status("Dead", "11/8/1999")
    assert dissolved_message(reading, DissolvedRows.REJECT) == (
        "The file says it has ended (status 'Dead', dissolved on 11 August 1999), so it was not imported"
    )
    assert dissolved_message(reading, DissolvedRows.ARCHIVE).endswith(
        "so it is kept on the register as archived and never published"
    )
