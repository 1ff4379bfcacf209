"""Officers adding, changing and retiring spend bands: history kept, unusable sets refused, every change audited."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.domain.bands import BandValues
from app.domain.policy import LocalityRule, Reservation, VatBasis
from app.domain.roles import Role
from app.models import AuditEvent, SpendBand, User
from app.services import band_config, policy
from app.services.band_config import BandConfigError
from tests import factories
from tests.factories import CouncilSetup

TODAY = date(2026, 6, 1)
ON = date(2026, 9, 1)  # the date changes apply from
DAY_BEFORE = date(2026, 8, 31)
THRESHOLD_SENTENCE = (
    "(£207,720 including VAT from 1 January 2026), where location may not be used to exclude suppliers."
)


@pytest.fixture
def officer(session: Session, knowsley: CouncilSetup) -> User:
    user = factories.user(session, Role.OFFICER, council=knowsley.council)
    # As in the seed data: a local-only band has its recorded reason.
    for row in session.scalars(select(SpendBand).where(SpendBand.locality_rule == LocalityRule.LOCAL_ONLY)):
        row.rationale = "The council keeps this spend in Knowsley"
    session.commit()
    return user


def _row(session: Session, code: str, on: date = TODAY) -> SpendBand:
    """The Knowsley row for ``code`` in force on ``on``."""
    return session.scalars(
        select(SpendBand).where(
            SpendBand.code == code,
            SpendBand.effective_from <= on,
            (SpendBand.effective_to.is_(None)) | (SpendBand.effective_to > on),
        )
    ).one()


def _in_force(session: Session, knowsley: CouncilSetup, on: date) -> list[tuple[str, int, int | None, int]]:
    return [
        (b.band.code, b.lower, b.upper, b.band.min_quotes) for b in policy.bands_in_force(session, knowsley.council, on)
    ]


def _count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def _events(session: Session) -> list[AuditEvent]:
    return list(
        session.scalars(select(AuditEvent).where(AuditEvent.entity_type == "spend_band").order_by(AuditEvent.id))
    )


BEFORE = [
    ("A", 0, 500_000, 1),
    ("B", 500_000, 18_100_001, 3),
    ("C", 18_100_001, 20_772_000, 3),
    ("D", 20_772_000, None, 1),
]


# Changing a band -----------------------------------------------------------------------------------------------------


def test_a_change_ends_the_row_and_adds_one_so_the_past_is_unchanged(
    session: Session, knowsley: CouncilSetup, officer: User
) -> None:
    a = _row(session, "A")
    values = replace(BandValues.of(a), min_quotes=2, route="2 written quotes")

    new = band_config.change_band(session, officer, a, values, ON, TODAY)
    session.commit()

    assert (a.effective_from, a.effective_to) == (date(2025, 2, 24), ON)
    assert (new.effective_from, new.effective_to, new.min_quotes, new.route) == (ON, None, 2, "2 written quotes")
    assert _in_force(session, knowsley, DAY_BEFORE) == BEFORE
    assert _in_force(session, knowsley, ON) == [("A", 0, 500_000, 2), *BEFORE[1:]]
    assert _count(session, SpendBand) == 5


def test_a_change_writes_an_audit_event_with_before_and_after_in_the_same_transaction(
    session: Session, knowsley: CouncilSetup, officer: User
) -> None:
    a = _row(session, "A")
    old_id = a.id
    new = band_config.change_band(session, officer, a, replace(BandValues.of(a), min_quotes=2), ON, TODAY)

    [event] = _events(session)
    assert (event.action, event.entity_id, event.actor_id) == ("spend_band.changed", str(new.id), officer.id)
    assert event.changes["before"]["min_quotes"] == 1
    assert event.changes["before"]["effective_to"] is None
    assert event.changes["after"]["min_quotes"] == 2
    assert event.changes["after"]["effective_from"] == "2026-09-01"
    assert (event.changes["replaces"], event.changes["effective_from"]) == (old_id, "2026-09-01")

    # Nothing was committed: rolling back takes the change and its audit event together.
    session.rollback()
    assert _events(session) == []
    assert _count(session, SpendBand) == 4
    assert session.get(SpendBand, old_id).effective_to is None  # type: ignore[union-attr]


def test_moving_a_limit_moves_the_band_next_to_it_when_asked(
    session: Session, knowsley: CouncilSetup, officer: User
) -> None:
    a = _row(session, "A")
    values = replace(BandValues.of(a), upper_pence=1_000_000)

    band_config.change_band(session, officer, a, values, ON, TODAY, adjust_adjoining=True)
    session.commit()

    assert _in_force(session, knowsley, ON) == [("A", 0, 1_000_000, 1), ("B", 1_000_000, 18_100_001, 3), *BEFORE[2:]]
    assert _in_force(session, knowsley, DAY_BEFORE) == BEFORE
    actions = [(e.action, e.changes.get("moved_with")) for e in _events(session)]
    assert [action for action, _ in actions] == ["spend_band.changed", "spend_band.changed"]
    moved = _events(session)[0]
    assert (moved.changes["before"]["lower_pence"], moved.changes["after"]["lower_pence"]) == (500_000, 1_000_000)


def test_pre_existing_problems_do_not_block_a_change(session: Session, knowsley: CouncilSetup, officer: User) -> None:
    """Before 2026 no threshold is held, so C and D cannot be resolved; a change in 2025 adds no new problem."""
    a = _row(session, "A")
    assert policy.bands_in_force(session, knowsley.council, date(2025, 6, 1))  # the set is there, with problems

    band_config.change_band(session, officer, a, replace(BandValues.of(a), route="1 quote"), date(2025, 6, 1), TODAY)

    assert _row(session, "A", date(2025, 6, 1)).route == "1 quote"


# Adding a band -------------------------------------------------------------------------------------------------------


def test_adding_the_missing_band_completes_the_set(session: Session, knowsley: CouncilSetup, officer: User) -> None:
    d = _row(session, "D")
    values = BandValues.of(d)
    session.delete(d)
    session.commit()

    new = band_config.add_band(session, officer, knowsley.council, values, TODAY, effective_from=ON)
    session.commit()

    assert (new.code, new.effective_from, new.lower_is_statutory_threshold, new.upper_pence) == ("D", ON, True, None)
    assert _in_force(session, knowsley, ON) == BEFORE
    [event] = _events(session)
    assert (event.action, event.changes["before"], event.changes["after"]["code"]) == ("spend_band.added", None, "D")


def test_a_new_band_takes_its_range_from_the_band_it_lands_in(
    session: Session, knowsley: CouncilSetup, officer: User
) -> None:
    b = _row(session, "B")
    values = replace(BandValues.of(b), code="B2", label="Medium value", lower_pence=2_500_000)

    band_config.add_band(session, officer, knowsley.council, values, TODAY, effective_from=ON, adjust_adjoining=True)
    session.commit()

    assert [(code, low, high) for code, low, high, _ in _in_force(session, knowsley, ON)] == [
        ("A", 0, 500_000),
        ("B", 500_000, 2_500_000),
        ("B2", 2_500_000, 18_100_001),
        ("C", 18_100_001, 20_772_000),
        ("D", 20_772_000, None),
    ]
    assert _in_force(session, knowsley, DAY_BEFORE) == BEFORE
    assert [e.action for e in _events(session)] == ["spend_band.changed", "spend_band.added"]


def test_adding_today_is_the_default(session: Session, knowsley: CouncilSetup, officer: User) -> None:
    b = _row(session, "B")
    values = replace(BandValues.of(b), code="B2", label="Medium value", lower_pence=2_500_000)

    new = band_config.add_band(session, officer, knowsley.council, values, TODAY, adjust_adjoining=True)

    assert new.effective_from == TODAY


# Retiring a band -----------------------------------------------------------------------------------------------------


def test_retiring_a_band_extends_the_band_below_when_asked(
    session: Session, knowsley: CouncilSetup, officer: User
) -> None:
    b = _row(session, "B")

    band_config.retire_band(session, officer, b, ON, today=TODAY, adjust_adjoining=True)
    session.commit()

    assert b.effective_to == ON
    assert [(code, low, high) for code, low, high, _ in _in_force(session, knowsley, ON)] == [
        ("A", 0, 18_100_001),
        ("C", 18_100_001, 20_772_000),
        ("D", 20_772_000, None),
    ]
    assert _in_force(session, knowsley, DAY_BEFORE) == BEFORE
    events = _events(session)
    assert [e.action for e in events] == ["spend_band.changed", "spend_band.retired"]
    assert events[1].changes["before"]["effective_to"] is None
    assert events[1].changes["after"]["effective_to"] == "2026-09-01"


def test_retiring_the_lowest_band_extends_the_band_above(
    session: Session, knowsley: CouncilSetup, officer: User
) -> None:
    band_config.retire_band(session, officer, _row(session, "A"), ON, today=TODAY, adjust_adjoining=True)

    assert _in_force(session, knowsley, ON)[0] == ("B", 0, 18_100_001, 3)


# Refusals ------------------------------------------------------------------------------------------------------------


def _refused(session: Session, knowsley: CouncilSetup, call, message: str, field: str | None) -> None:  # type: ignore[no-untyped-def]
    """The call raises ``message`` for ``field`` and writes nothing: no row, no audit event, the bands as they were."""
    rows, events = _count(session, SpendBand), _count(session, AuditEvent)
    with pytest.raises(BandConfigError) as caught:
        call()
    assert str(caught.value) == message
    assert caught.value.field == field
    assert (_count(session, SpendBand), _count(session, AuditEvent)) == (rows, events)
    assert _in_force(session, knowsley, TODAY) == BEFORE


def test_an_overlap_is_refused(session: Session, knowsley: CouncilSetup, officer: User) -> None:
    values = replace(BandValues.of(_row(session, "A")), code="T", label="Tiny value", lower_pence=100_000)
    _refused(
        session,
        knowsley,
        lambda: band_config.add_band(session, officer, knowsley.council, values, TODAY, effective_from=ON),
        "The bands would not work from 1 September 2026. Low value and Tiny value overlap.",
        "lower_kind",
    )


def test_a_gap_is_refused(session: Session, knowsley: CouncilSetup, officer: User) -> None:
    a = _row(session, "A")
    _refused(
        session,
        knowsley,
        lambda: band_config.change_band(session, officer, a, replace(BandValues.of(a), upper_pence=400_000), ON, TODAY),
        "The bands would not work from 1 September 2026. Nothing covers values from £4,000 to £4,999.99, "
        "between Low value and Intermediate value.",
        "lower_kind",
    )


def test_retiring_a_band_that_leaves_a_gap_is_refused(session: Session, knowsley: CouncilSetup, officer: User) -> None:
    b = _row(session, "B")
    _refused(
        session,
        knowsley,
        lambda: band_config.retire_band(session, officer, b, ON, today=TODAY),
        "The bands would not work from 1 September 2026. Nothing covers values from £5,000 to £181,000, "
        "between Low value and High value.",
        None,
    )


@pytest.mark.parametrize(
    ("code", "label"),
    [("C", "High value"), ("D", "Above the statutory threshold")],
)
def test_local_only_at_or_above_the_threshold_is_refused(
    code: str, label: str, session: Session, knowsley: CouncilSetup, officer: User
) -> None:
    row = _row(session, code)
    values = replace(BandValues.of(row), locality_rule=LocalityRule.LOCAL_ONLY, rationale="Keep it local")
    _refused(
        session,
        knowsley,
        lambda: band_config.change_band(session, officer, row, values, ON, TODAY),
        f"The bands would not work from 1 September 2026. {label} cannot be local only: it covers values at or "
        f"above the statutory threshold {THRESHOLD_SENTENCE}",
        "locality_rule",
    )


NO_REGULATED = (
    "No band starts at the statutory threshold (£207,720 including VAT), so contracts at or above it would not be "
    "given the regulated procedure."
)


@pytest.mark.parametrize("adjust", [True, False])
def test_retiring_the_band_from_the_threshold_is_refused(
    adjust: bool, session: Session, knowsley: CouncilSetup, officer: User
) -> None:
    """Issue 11 #2: retiring D (C then taking its values, or not) would leave the regulated procedure nowhere."""
    d = _row(session, "D")
    problem = NO_REGULATED if adjust else "Nothing covers values of £207,720 and above. " + NO_REGULATED
    _refused(
        session,
        knowsley,
        lambda: band_config.retire_band(session, officer, d, ON, today=TODAY, adjust_adjoining=adjust),
        f"The bands would not work from 1 September 2026. {problem}",
        None,
    )


def test_moving_the_band_from_the_threshold_to_an_amount_is_refused(
    session: Session, knowsley: CouncilSetup, officer: User
) -> None:
    """D from £250,000 with C moved up to meet it: no gap, no overlap, but the regulated procedure is off the
    threshold, so a £220,000 contract would be given C's three quotes."""
    d = _row(session, "D")
    values = replace(BandValues.of(d), lower_is_threshold=False, lower_pence=25_000_000, vat_basis=VatBasis.EXCLUDED)
    _refused(
        session,
        knowsley,
        lambda: band_config.change_band(session, officer, d, values, ON, TODAY, adjust_adjoining=True),
        f"The bands would not work from 1 September 2026. {NO_REGULATED}",
        "lower_kind",
    )


def test_giving_the_band_from_the_threshold_an_upper_limit_is_refused(
    session: Session, knowsley: CouncilSetup, officer: User
) -> None:
    d = _row(session, "D")
    values = replace(BandValues.of(d), upper_pence=100_000_000)
    with pytest.raises(BandConfigError) as caught:
        band_config.change_band(session, officer, d, values, ON, TODAY)
    assert "so it must have no upper limit" in str(caught.value)
    assert caught.value.field == "lower_kind"


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"locality_rule": LocalityRule.LOCAL_FIRST}, "locality_rule", "so it must be open"),
        ({"reservation": Reservation.SME, "rationale": "Small firms"}, "reservation", "so it cannot be reserved"),
    ],
)
def test_the_band_from_the_threshold_stays_open_and_unreserved(
    changes: dict[str, object], field: str, words: str, session: Session, knowsley: CouncilSetup, officer: User
) -> None:
    d = _row(session, "D")
    values = replace(BandValues.of(d), **changes)  # type: ignore[arg-type]
    with pytest.raises(BandConfigError) as caught:
        band_config.change_band(session, officer, d, values, ON, TODAY)
    assert words in str(caught.value)
    assert caught.value.field == field


def test_adding_a_band_that_covers_values_above_the_threshold_is_refused(
    session: Session, knowsley: CouncilSetup, officer: User
) -> None:
    """A new band from £1,000,000 taking the top of D's range would move those contracts off the regulated procedure."""
    values = replace(
        BandValues.of(_row(session, "C")),
        code="E",
        label="Very high value",
        lower_pence=100_000_000,
        upper_is_threshold=False,
        upper_pence=None,
    )
    with pytest.raises(BandConfigError) as caught:
        band_config.add_band(
            session, officer, knowsley.council, values, TODAY, effective_from=ON, adjust_adjoining=True
        )
    assert "so it must have no upper limit" in str(caught.value)


def test_problems_on_later_dates_are_refused(session: Session, knowsley: CouncilSetup, officer: User) -> None:
    """A change is checked on every later date the bands change, not just its own."""
    later = date(2027, 4, 1)
    a = _row(session, "A")
    band_config.change_band(session, officer, a, replace(BandValues.of(a), min_quotes=2), later, TODAY)
    b = _row(session, "B")
    values = replace(BandValues.of(b), lower_pence=400_000)
    # From ON, A's current version moves down to meet B; from April 2027 A's next version still ends at £5,000.
    _refused(
        session,
        knowsley,
        lambda: band_config.change_band(session, officer, b, values, ON, TODAY, adjust_adjoining=True),
        "The bands would not work from 1 April 2027. Low value and Intermediate value overlap.",
        "lower_kind",
    )


def test_a_duplicate_code_is_refused(session: Session, knowsley: CouncilSetup, officer: User) -> None:
    b = _row(session, "B")
    values = replace(BandValues.of(b), code="a", label="Medium value", lower_pence=2_500_000)
    _refused(
        session,
        knowsley,
        lambda: band_config.add_band(
            session, officer, knowsley.council, values, TODAY, effective_from=ON, adjust_adjoining=True
        ),
        "Low value already has the code A from 1 September 2026. Enter a different code",
        "code",
    )


@pytest.mark.parametrize(
    ("on", "message"),
    [
        (date(2017, 12, 31), "The date the change applies from must be the same as or after 1 January 2018"),
        (date(2037, 1, 1), "The date the change applies from must be before 1 January 2037"),
        (
            date(2025, 2, 24),
            "The date the change applies from must be after 24 February 2025, when this version of the band started",
        ),
        (
            date(2024, 1, 1),
            "The date the change applies from must be after 24 February 2025, when this version of the band started",
        ),
    ],
)
def test_change_dates_are_checked(
    on: date, message: str, session: Session, knowsley: CouncilSetup, officer: User
) -> None:
    a = _row(session, "A")
    _refused(
        session,
        knowsley,
        lambda: band_config.change_band(session, officer, a, BandValues.of(a), on, TODAY),
        message,
        "effective_from",
    )


def test_a_band_not_yet_in_force_can_be_replaced_from_its_first_day(
    session: Session, knowsley: CouncilSetup, officer: User
) -> None:
    a = _row(session, "A")
    future = band_config.change_band(session, officer, a, replace(BandValues.of(a), min_quotes=2), ON, TODAY)

    again = band_config.change_band(session, officer, future, replace(BandValues.of(a), min_quotes=3), ON, TODAY)

    assert (future.effective_from, future.effective_to) == (ON, ON)  # on record, never applied
    assert _in_force(session, knowsley, ON)[0] == ("A", 0, 500_000, 3)
    assert again.effective_from == ON


def test_a_replaced_or_retired_row_cannot_be_changed(session: Session, knowsley: CouncilSetup, officer: User) -> None:
    a = _row(session, "A")
    band_config.change_band(session, officer, a, replace(BandValues.of(a), min_quotes=2), ON, TODAY)

    with pytest.raises(BandConfigError, match="already been replaced or retired"):
        band_config.change_band(session, officer, a, BandValues.of(a), date(2026, 10, 1), TODAY)
    with pytest.raises(BandConfigError, match="already been replaced or retired"):
        band_config.retire_band(session, officer, a, date(2026, 10, 1), today=TODAY)


def test_retire_dates_are_checked(session: Session, knowsley: CouncilSetup, officer: User) -> None:
    with pytest.raises(BandConfigError) as caught:
        band_config.retire_band(session, officer, _row(session, "A"), date(2017, 1, 1), today=TODAY)
    assert (str(caught.value), caught.value.field) == (
        "The date the band stops applying must be the same as or after 1 January 2018",
        "effective_to",
    )


# The values of one band: the rules themselves are tested in tests/domain/test_bands.py -------------------------


def test_the_service_refuses_bad_values_too(session: Session, knowsley: CouncilSetup, officer: User) -> None:
    a = _row(session, "A")
    _refused(
        session,
        knowsley,
        lambda: band_config.change_band(session, officer, a, replace(BandValues.of(a), rationale=None), ON, TODAY),
        "Enter why the band is reserved to local providers",
        "rationale",
    )


# What the bands page shows -------------------------------------------------------------------------------------------


def test_the_register_shows_todays_bands_warnings_and_history(
    session: Session, knowsley: CouncilSetup, officer: User
) -> None:
    a = _row(session, "A")
    band_config.change_band(session, officer, a, replace(BandValues.of(a), min_quotes=2), date(2026, 3, 1), TODAY)
    b = _row(session, "B")
    band_config.change_band(session, officer, b, replace(BandValues.of(b), min_quotes=4), ON, TODAY)
    session.commit()

    register = band_config.band_register(session, knowsley.council, TODAY)

    assert [(v.row.code, v.row.min_quotes) for v in register.in_force] == [("A", 2), ("B", 3), ("C", 3), ("D", 1)]
    assert [v.resolved.range_text for v in register.in_force][:2] == ["under £5,000", "£5,000 to £181,000"]
    assert register.problems == []
    assert len(register.warnings) == 1
    assert register.warnings[0].endswith(
        "Contracts at or above the threshold get the regulated procedure, open to every supplier."
    )
    assert [(v.row.code, v.row.min_quotes, v.last_day) for v in register.past] == [("A", 1, date(2026, 2, 28))]
    assert [(v.row.code, v.row.min_quotes, v.row.effective_from) for v in register.upcoming] == [("B", 4, ON)]
    assert register.upcoming_problems == []


def test_the_register_lists_problems(session: Session, knowsley: CouncilSetup, officer: User) -> None:
    session.delete(_row(session, "D"))
    session.commit()

    register = band_config.band_register(session, knowsley.council, TODAY)

    assert register.problems == [
        "Nothing covers values of £207,720 and above.",
        "No band starts at the statutory threshold (£207,720 including VAT), so contracts at or above it would not "
        "be given the regulated procedure.",
    ]


def test_another_councils_band_is_not_found(session: Session, knowsley: CouncilSetup) -> None:
    other = factories.area(session, "E08000013", "St Helens", factories.AreaKind.DISTRICT)
    from app.models import Council

    council = Council(name="St Helens Council", district=other)
    session.add(council)
    session.flush()
    a = _row(session, "A")

    assert band_config.current_row(session, knowsley.council, a.id) is a
    assert band_config.current_row(session, council, a.id) is None
    assert band_config.current_row(session, council, 999_999) is None
