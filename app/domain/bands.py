"""Which spend band a contract falls in, what its rules are in words, and which bands and band sets are lawful.

Money is whole pence. A band's numeric bounds are in the band's VAT basis; a bound that is "the
statutory threshold" is compared in the threshold's own basis (VAT included since 2022). Lower
bounds are inclusive and upper bounds exclusive, so £4,999.99 is in "under £5,000" and £5,000 is not.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from itertools import pairwise
from typing import Protocol

from app.domain.labelled import LabelledEnum
from app.domain.policy import (
    ContractType,
    LocalityRule,
    Reservation,
    Threshold,
    VatBasis,
    describe_range,
    format_pence,
    regulated_procedure,
    threshold_in_force,
)
from app.domain.refusals import Refusal

VAT_STANDARD_RATE = Decimal("0.20")
#: From this value (including VAT) a council's contract is notifiable (Procurement Act 2023).
NOTIFIABLE_FROM_PENCE = 3_000_000
#: Statutory thresholds are recorded from this date; earlier procurements are outside the rules we hold.
EARLIEST_START = date(2018, 1, 1)
#: Nothing a council buys costs ten billion pounds: more is a typing slip.
MAX_VALUE_PENCE = 10_000_000_000 * 100

#: What a value at or above the statutory threshold is called when the council has no band of its own for it.
REGULATED_LABEL = "Above the statutory threshold"

SINGLE_QUOTE_CAUTION = (
    "Whether location may decide a single-quote award is an open legal question. The reservation to local "
    "providers below the threshold (SI 2026/94) is written for competitions; record why you chose this provider."
)


def vat_words(basis: VatBasis) -> str:
    """'including VAT' or 'excluding VAT', for the middle of a sentence."""
    return basis.label[0].lower() + basis.label[1:]


class VatTreatment(LabelledEnum):
    EXCLUDED = "excluded", "The value does not include VAT", "We add VAT at 20% where a rule needs it"
    INCLUDED = "included", "The value includes VAT at 20%"
    NOT_APPLICABLE = "not_applicable", "VAT does not apply", "For example an exempt service"


def entered_words(vat: VatTreatment) -> str:
    """How an amount was entered, for brackets: 'excluding VAT', 'including VAT' or 'VAT does not apply'."""
    if vat == VatTreatment.NOT_APPLICABLE:
        return "VAT does not apply"
    return "including VAT" if vat == VatTreatment.INCLUDED else "excluding VAT"


class BandError(Refusal):
    """An estimate or a band set the rules cannot accept; ``field`` names where to show it."""


@dataclass(frozen=True)
class Band:
    """A council's spend band as the rules see it."""

    code: str
    label: str
    lower_pence: int
    upper_pence: int | None
    vat_basis: VatBasis
    min_quotes: int
    route: str
    locality_rule: LocalityRule
    effective_from: date
    effective_to: date | None = None
    lower_is_threshold: bool = False
    upper_is_threshold: bool = False
    advertised: bool = False
    reservation: Reservation = Reservation.NONE

    def in_force(self, on: date) -> bool:
        return self.effective_from <= on and (self.effective_to is None or on < self.effective_to)

    @property
    def how_to_buy(self) -> str:
        """'1 quote, not advertised', '3 quotes or tender, advertised', 'Regulated procedure under ..., advertised'.

        The band from the statutory threshold is the regulated procedure: a number of quotes means nothing there,
        and the law has it advertised whatever the band's own answer says.
        """
        route = self.route.strip()
        if self.lower_is_threshold:
            return f"{route[:1].upper()}{route[1:]}, advertised"
        quotes = f"{self.min_quotes} quote" + ("s" if self.min_quotes != 1 else "")
        if not route:
            route = quotes
        elif not re.search(rf"\b{self.min_quotes}\b", route):
            route = f"{route} (at least {quotes})"
        return f"{route[:1].upper()}{route[1:]}, {'advertised' if self.advertised else 'not advertised'}"


@dataclass(frozen=True)
class Estimate:
    """What the commissioner told us about the contract."""

    contract_type: ContractType
    start_date: date
    vat: VatTreatment
    total_pence: int | None = None
    annual_pence: int | None = None
    years: Decimal | None = None
    options_pence: int = 0


@dataclass(frozen=True)
class Value:
    """The estimated whole-life value, with and without VAT."""

    excluding_vat: int
    including_vat: int

    def in_basis(self, basis: VatBasis) -> int:
        return self.including_vat if basis == VatBasis.INCLUDED else self.excluding_vat


def describe_value(excluding_vat: int, including_vat: int, vat: VatTreatment) -> str:
    """'£100,000 excluding VAT (£120,000 including VAT)', or '£181,000 (VAT does not apply)': where VAT does not
    apply there is one amount, not the same one twice under two VAT words."""
    if vat == VatTreatment.NOT_APPLICABLE:
        return f"{format_pence(excluding_vat)} (VAT does not apply)"
    return f"{format_pence(excluding_vat)} excluding VAT ({format_pence(including_vat)} including VAT)"


def whole_life_value(estimate: Estimate) -> Value:
    """Annual value times years (or the total), plus options and extensions, with and without VAT."""
    for amount, name in ((estimate.total_pence, "value"), (estimate.annual_pence, "value")):
        if amount is not None and amount < 0:
            raise BandError("Enter an estimated value of more than £0", name)
    if estimate.options_pence < 0:
        raise BandError("Enter the value of options and extensions as £0 or more", "options")
    if estimate.total_pence is not None:
        base = Decimal(estimate.total_pence)
    elif estimate.annual_pence is not None and estimate.years is not None:
        if estimate.years <= 0:
            raise BandError("Enter how many years the contract lasts, like 2 or 1.5", "years")
        base = Decimal(estimate.annual_pence) * estimate.years
    else:
        raise BandError("Enter the estimated value of the contract", "value")
    base += Decimal(estimate.options_pence)
    pence = int(base.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    if pence <= 0:
        raise BandError("Enter an estimated value of more than £0", "value")
    if pence > MAX_VALUE_PENCE:
        raise BandError("Enter an estimated value of £10 billion or less", "value")
    return value_of(pence, estimate.vat)


def value_of(pence: int, vat: VatTreatment) -> Value:
    """An amount as the commissioner enters it, with VAT at the standard rate added or taken off (half up)."""
    if vat == VatTreatment.NOT_APPLICABLE:
        return Value(pence, pence)
    if vat == VatTreatment.INCLUDED:
        excluding = int((Decimal(pence) / (1 + VAT_STANDARD_RATE)).quantize(Decimal(1), rounding=ROUND_HALF_UP))
        return Value(excluding, pence)
    including = int((Decimal(pence) * (1 + VAT_STANDARD_RATE)).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return Value(pence, including)


@dataclass(frozen=True)
class ResolvedBand:
    band: Band
    threshold: Threshold | None

    @property
    def lower(self) -> int:
        if self.band.lower_is_threshold:
            return self.threshold.amount_pence if self.threshold else 0
        return self.band.lower_pence

    @property
    def upper(self) -> int | None:
        if self.band.upper_is_threshold:
            return self.threshold.amount_pence if self.threshold else None
        return self.band.upper_pence

    def _bound_basis(self, is_threshold: bool) -> VatBasis:
        if is_threshold and self.threshold is not None:
            return self.threshold.vat_basis
        return self.band.vat_basis

    def contains(self, value: Value) -> bool:
        low = value.in_basis(self._bound_basis(self.band.lower_is_threshold))
        if low < self.lower:
            return False
        upper = self.upper
        if upper is None:
            return True
        return value.in_basis(self._bound_basis(self.band.upper_is_threshold)) < upper

    @property
    def threshold_missing(self) -> bool:
        """The band is bounded by the statutory threshold, but none is recorded for the date."""
        return (self.band.lower_is_threshold or self.band.upper_is_threshold) and self.threshold is None

    @property
    def range_text(self) -> str:
        """The band's limits as the officer set them, in the band's own VAT basis: 'under £5,000', '£5,000 to
        £181,000', '£181,000.01 (excluding VAT) up to the statutory threshold of £207,720 (including VAT)'."""
        if self.threshold_missing:
            return "bounded by the statutory threshold, which is not recorded for this date"
        lower, upper = self.lower, self.upper

        basis = vat_words(self.threshold.vat_basis) if self.threshold else ""
        if upper is None:
            if self.band.lower_is_threshold:
                return f"from the statutory threshold of {format_pence(lower)} ({basis})"
            return f"{format_pence(lower)} and above"
        if self.band.upper_is_threshold:
            top = f"the statutory threshold of {format_pence(upper)} ({basis})"
            if lower == 0:
                return f"below {top}"
            return f"{format_pence(lower)} ({vat_words(self.band.vat_basis)}) up to {top}"
        if lower == 0:
            return f"under {format_pence(upper)}"
        return f"{format_pence(lower)} to {format_pence(upper - 1)}"


def bands_on(bands: Iterable[Band], on: date) -> list[Band]:
    return [b for b in bands if b.in_force(on)]


def resolve(
    bands: Iterable[Band], thresholds: Sequence[Threshold], contract_type: ContractType, on: date
) -> list[ResolvedBand]:
    threshold = threshold_in_force(thresholds, contract_type, on)
    resolved = [ResolvedBand(b, threshold) for b in bands_on(bands, on)]
    return sorted(resolved, key=lambda r: (r.lower, r.upper is None, r.upper or 0))


@dataclass(frozen=True)
class BandChoice:
    """The band a contract falls in and everything the commissioner must be told about it."""

    resolved: ResolvedBand
    value: Value
    threshold: Threshold | None
    above_threshold: bool
    notifiable: bool
    locality_rule: LocalityRule
    cautions: tuple[str, ...] = field(default_factory=tuple)
    #: How the commissioner entered the value, and the amounts entered that way that land in this band
    #: ([lower, upper), from band_table's rule), so the band reads as the bands table reads it.
    vat: VatTreatment = VatTreatment.EXCLUDED
    entered_range: tuple[int, int | None] | None = None

    @property
    def band(self) -> Band:
        return self.resolved.band

    @property
    def range_text(self) -> str:
        """The band's limits on the basis the value was entered: '£5,000 to £173,099.99 (excluding VAT)'."""
        if self.entered_range is None:
            return self.resolved.range_text
        return f"{describe_range(*self.entered_range)} ({entered_words(self.vat)})"

    @property
    def value_text(self) -> str:
        """The estimate: '£100,000 excluding VAT (£120,000 including VAT)' or '£181,000 (VAT does not apply)'."""
        return describe_value(self.value.excluding_vat, self.value.including_vat, self.vat)

    def summary(self, local_area_name: str) -> str:
        """'Low value, under £5,000: 1 quote. Your council reserves this band to providers based in Knowsley.'"""
        quotes = f"{self.band.min_quotes} quote" + ("s" if self.band.min_quotes != 1 else "")
        route = self.band.route if self.band.route and not re.fullmatch(r"\d+ quotes?", self.band.route) else quotes
        route = route[0].lower() + route[1:] if route[1:2].islower() else route
        text = f"{self.band.label}, {self.range_text}: {route}"
        text += ", advertised." if self.band.advertised else "."
        if self.locality_rule == LocalityRule.LOCAL_ONLY:
            text += f" Your council reserves this band to providers based in {local_area_name}."
        elif self.locality_rule == LocalityRule.LOCAL_FIRST:
            text += f" Every provider is eligible; providers based in {local_area_name} are listed first."
        else:
            text += " Location plays no part in who is eligible."
        if self.band.reservation != Reservation.NONE:
            text += f" It is reserved to {self.band.reservation.label.lower()}."
        return text


def check_start_date(start: date, today: date) -> None:
    if start < EARLIEST_START:
        raise BandError("Enter a start date on or after 1 January 2018", "start_date")
    if start.year > today.year + 10:
        raise BandError(f"Enter a start date before {today.year + 11}", "start_date")


def regulated_band(threshold: Threshold, on: date, council_band: Band | None = None) -> Band:
    """The band every value at or above the statutory threshold gets, whatever the council's bands say.

    The council's own band from the threshold lends its name and words; it is always open, unreserved and
    advertised, because the Procurement Act allows neither location nor (for these reservations) type of
    organisation to narrow a regulated procedure. With no such band, the law's own words are used.
    """
    if council_band is not None and council_band.lower_is_threshold:
        return replace(council_band, locality_rule=LocalityRule.OPEN, reservation=Reservation.NONE, advertised=True)
    return Band(
        code="",
        label=REGULATED_LABEL,
        lower_pence=0,
        upper_pence=None,
        vat_basis=threshold.vat_basis,
        min_quotes=1,
        route=regulated_procedure(on),
        locality_rule=LocalityRule.OPEN,
        effective_from=threshold.effective_from,
        lower_is_threshold=True,
        advertised=True,
    )


def at_or_above_threshold(value: Value, threshold: Threshold | None) -> bool:
    """Whether the value, counted as the threshold counts it (VAT included since 2022), reaches the threshold."""
    return threshold is not None and value.in_basis(threshold.vat_basis) >= threshold.amount_pence


def _band_for(
    resolved: Sequence[ResolvedBand], threshold: Threshold | None, value: Value, on: date
) -> ResolvedBand | None:
    """The band a value gets: the regulated procedure at or above the threshold, else the council's band holding it."""
    if threshold is not None and at_or_above_threshold(value, threshold):
        own = next((r.band for r in resolved if r.band.lower_is_threshold), None)
        return ResolvedBand(regulated_band(threshold, on, own), threshold)
    return next((r for r in resolved if not r.band.lower_is_threshold and r.contains(value)), None)


def regulated_reason(value: Value, threshold: Threshold, contract_type: ContractType, on: date) -> str:
    """Why the regulated procedure applies, in a sentence for the commissioner."""
    basis = vat_words(threshold.vat_basis)
    return (
        f"{format_pence(value.in_basis(threshold.vat_basis))} {basis} is at or above the statutory threshold for "
        f"{contract_type.label[0].lower()}{contract_type.label[1:]} ({format_pence(threshold.amount_pence)} {basis} "
        f"from {threshold.effective_from:%-d %B %Y}), so the {regulated_procedure(on)[0].lower()}"
        f"{regulated_procedure(on)[1:]} applies, whatever the council's own bands say. Location may not be used to "
        "exclude or favour suppliers."
    )


def choose_band(bands: Iterable[Band], thresholds: Sequence[Threshold], estimate: Estimate, today: date) -> BandChoice:
    """The council's band for this estimate on its start date, with guardrails applied."""
    check_start_date(estimate.start_date, today)
    value = whole_life_value(estimate)
    on = estimate.start_date
    resolved = resolve(bands, thresholds, estimate.contract_type, on)
    threshold = threshold_in_force(thresholds, estimate.contract_type, on)
    above = at_or_above_threshold(value, threshold)
    if not resolved and not above:
        raise BandError(
            "Your council has no spend bands in force on that start date. Ask the register team.", "start_date"
        )
    chosen = _band_for(resolved, threshold, value, on)
    if chosen is None:
        raise BandError(
            f"None of your council's spend bands covers {format_pence(value.excluding_vat)} "
            "(excluding VAT). Ask the register team to check the bands.",
            "value",
        )
    cautions: list[str] = []
    if above and threshold is not None:
        cautions.append(regulated_reason(value, threshold, estimate.contract_type, on))
        # What the council's own bands would have said, where that differs: usually VAT carrying a value from a
        # local-only band over the threshold, or bands that have lost their band from the threshold.
        own = next((r.band for r in resolved if not r.band.lower_is_threshold and r.contains(value)), None)
        if own is not None:
            measure = "Excluding VAT" if value.excluding_vat < threshold.amount_pence else "By your council's bands"
            local = ", which is local only," if own.locality_rule == LocalityRule.LOCAL_ONLY else ""
            cautions.append(
                f"{measure} this would be {own.label[0].lower()}{own.label[1:]}{local} but it is at or above the "
                "statutory threshold, where that band's rules do not apply."
            )
    rule = chosen.band.locality_rule
    if rule == LocalityRule.LOCAL_ONLY and chosen.band.min_quotes == 1:
        cautions.append(SINGLE_QUOTE_CAUTION)
    notifiable = value.including_vat >= NOTIFIABLE_FROM_PENCE
    if notifiable:
        cautions.append(
            "From £30,000 including VAT this contract is notifiable: publish a contract details notice, and the "
            "supplier needs a Central Digital Platform identifier."
        )
    if estimate.contract_type == ContractType.LIGHT_TOUCH and threshold is not None:
        cautions.append(
            "Light-touch services have their own statutory threshold: "
            f"{format_pence(threshold.amount_pence)} {vat_words(threshold.vat_basis)}."
        )
    entered = _entered_ranges(resolved, threshold, estimate.vat, on).get(chosen.band.code)
    return BandChoice(chosen, value, threshold, above, notifiable, rule, tuple(cautions), estimate.vat, entered)


@dataclass(frozen=True)
class BandSetProblem:
    """Something that makes a band set unusable, in a sentence, and which question of a band it is about."""

    text: str
    question: str = "bounds"  # "bounds", "locality_rule" or "reservation"


def band_set_issues(bands: Sequence[Band], thresholds: Sequence[Threshold], on: date) -> list[BandSetProblem]:
    """What makes the bands in force on ``on`` unusable: overlaps, gaps, the regulated procedure moved off the
    statutory threshold, and local only or a reservation at or above the threshold.

    Checked for goods and services, whose threshold is the lowest; each problem is a sentence for the officer.
    """
    problems: list[BandSetProblem] = []
    resolved = resolve(bands, thresholds, ContractType.GOODS_AND_SERVICES, on)
    if not resolved:
        return [BandSetProblem(f"No spend bands are in force on {on:%-d %B %Y}.")]
    if resolved[0].lower != 0:
        problems.append(BandSetProblem(f"Nothing covers values under {format_pence(resolved[0].lower)}."))
    for before, after in pairwise(resolved):
        if before.upper is None:
            text = f"{before.band.label} has no upper limit, so it overlaps {after.band.label}."
        elif after.lower < before.upper:
            text = f"{before.band.label} and {after.band.label} overlap."
        elif after.lower > before.upper:
            text = (
                f"Nothing covers values from {format_pence(before.upper)} to {format_pence(after.lower - 1)}, "
                f"between {before.band.label} and {after.band.label}."
            )
        else:
            continue
        problems.append(BandSetProblem(text))
    if resolved[-1].upper is not None:
        problems.append(BandSetProblem(f"Nothing covers values of {format_pence(resolved[-1].upper)} and above."))
    problems.extend(_regulated_problems(resolved))
    problems.extend(BandSetProblem(p, "locality_rule") for p in (local_only_problem(item) for item in resolved) if p)
    return problems


def band_set_problems(bands: Sequence[Band], thresholds: Sequence[Threshold], on: date) -> list[str]:
    """The problems of band_set_issues, as sentences."""
    return [problem.text for problem in band_set_issues(bands, thresholds, on)]


def _regulated_problems(resolved: Sequence[ResolvedBand]) -> list[BandSetProblem]:
    """The regulated procedure stays on the statutory threshold: one band starts there, runs with no upper limit,
    and is open to every supplier (local only is refused by local_only_problem)."""
    threshold = resolved[0].threshold
    if threshold is None:
        return []
    where = f"the statutory threshold ({format_pence(threshold.amount_pence)} {vat_words(threshold.vat_basis)})"
    from_threshold = [r for r in resolved if r.band.lower_is_threshold]
    if not from_threshold:
        return [
            BandSetProblem(
                f"No band starts at {where}, so contracts at or above it would not be given the regulated procedure."
            )
        ]
    problems = []
    for item in from_threshold:
        band = item.band
        if item.upper is not None:
            problems.append(
                BandSetProblem(
                    f"{band.label} starts at {where}, so it must have no upper limit: every contract at or above "
                    "the threshold follows the regulated procedure."
                )
            )
        if band.locality_rule == LocalityRule.LOCAL_FIRST:
            problems.append(
                BandSetProblem(
                    f"{band.label} starts at {where}, so it must be open: the regulated procedure may not favour "
                    "suppliers by location.",
                    "locality_rule",
                )
            )
        if band.reservation != Reservation.NONE:
            problems.append(
                BandSetProblem(
                    f"{band.label} starts at {where}, so it cannot be reserved to "
                    f"{band.reservation.label[0].lower()}{band.reservation.label[1:]}: reservations of that kind "
                    "are only for contracts below the threshold.",
                    "reservation",
                )
            )
    return problems


def band_set_warnings(bands: Sequence[Band], thresholds: Sequence[Threshold], on: date) -> list[str]:
    """Lawful but worth knowing: a local-only band whose top, with VAT added, reaches the threshold."""
    warnings = []
    for item in resolve(bands, thresholds, ContractType.GOODS_AND_SERVICES, on):
        threshold, upper = item.threshold, item.upper
        if item.band.locality_rule != LocalityRule.LOCAL_ONLY or threshold is None or upper is None:
            continue
        if item.band.upper_is_threshold or local_only_problem(item):
            continue
        if _as_threshold_basis(upper - 1, item.band.vat_basis, threshold) >= threshold.amount_pence:
            warnings.append(
                f"{item.band.label} is local only up to {format_pence(upper - 1)} {vat_words(item.band.vat_basis)}, "
                f"but with VAT its top reaches the statutory threshold ({format_pence(threshold.amount_pence)} "
                f"{vat_words(threshold.vat_basis)}). Contracts at or above the threshold get the regulated procedure, "
                "open to every supplier."
            )
    return warnings


def local_only_problem(item: ResolvedBand) -> str | None:
    """'Local only' is refused for a band that starts at or above the statutory threshold (VAT counted as
    the threshold counts it), or whose own upper figure goes past it. Where only VAT carries the top of
    a band over the threshold, band_set_warnings says so and the search treats those contracts as open.
    """
    if item.band.locality_rule != LocalityRule.LOCAL_ONLY or item.threshold is None:
        return None
    threshold = item.threshold
    upper = item.upper
    reaches = (
        upper is None
        or item.band.lower_is_threshold
        or _as_threshold_basis(item.lower, item.band.vat_basis, threshold) >= threshold.amount_pence
        or (not item.band.upper_is_threshold and upper - 1 > threshold.amount_pence)
    )
    if not reaches:
        return None
    return (
        f"{item.band.label} cannot be local only: it covers values at or above the statutory threshold "
        f"({format_pence(threshold.amount_pence)} {vat_words(threshold.vat_basis)} from "
        f"{threshold.effective_from:%-d %B %Y}), where location may not be used to exclude suppliers."
    )


def _as_threshold_basis(pence: int, basis: VatBasis, threshold: Threshold) -> int:
    if basis == threshold.vat_basis:
        return pence
    factor = 1 + VAT_STANDARD_RATE
    converted = Decimal(pence) * factor if threshold.vat_basis == VatBasis.INCLUDED else Decimal(pence) / factor
    return int(converted.quantize(Decimal(1), rounding=ROUND_HALF_UP))


# What a band may be: one home for the rules the seed loader and the officers' band pages both apply ---------------

#: Effective dates before this are outside the statutory thresholds we hold.
EARLIEST_EFFECTIVE = EARLIEST_START
MIN_QUOTES, MAX_QUOTES = 1, 10
LABEL_MAX, CODE_MAX, ROUTE_MAX, RATIONALE_MAX = 200, 20, 500, 5000

LABEL_NEEDED = "Enter the name of the band"
LABEL_TOO_LONG = f"The name must be {LABEL_MAX} characters or fewer"
CODE_NEEDED = "Enter a short code for the band, like A"
CODE_TOO_LONG = f"The code must be {CODE_MAX} characters or fewer"
LOWER_NEGATIVE = "The lower limit must be £0 or more"
BOTH_THRESHOLD = "A band cannot both start and end at the statutory threshold"
UPPER_NOT_ABOVE_LOWER = "The upper limit must be more than the lower limit"
QUOTES_OUT_OF_RANGE = f"The minimum number of quotes must be between {MIN_QUOTES} and {MAX_QUOTES}"
ROUTE_NEEDED = "Enter how contracts in this band are awarded"
ROUTE_TOO_LONG = f"How contracts are awarded must be {ROUTE_MAX} characters or fewer"
RATIONALE_TOO_LONG = f"The reason must be {RATIONALE_MAX:,} characters or fewer"
LOCAL_RATIONALE_NEEDED = "Enter why the band is reserved to local providers"


def reservation_rationale_needed(reservation: Reservation) -> str:
    """'Enter why the band is reserved to small and medium-sized enterprises'."""
    return f"Enter why the band is reserved to {reservation.label[0].lower()}{reservation.label[1:]}"


class StoredBand(Protocol):
    """A band as it is stored (app.models.SpendBand), read by BandValues.of without the domain importing models."""

    @property
    def label(self) -> str: ...
    @property
    def code(self) -> str: ...
    @property
    def lower_pence(self) -> int: ...
    @property
    def upper_pence(self) -> int | None: ...
    @property
    def vat_basis(self) -> VatBasis: ...
    @property
    def min_quotes(self) -> int: ...
    @property
    def route(self) -> str: ...
    @property
    def advertised(self) -> bool: ...
    @property
    def locality_rule(self) -> LocalityRule: ...
    @property
    def reservation(self) -> Reservation: ...
    @property
    def rationale(self) -> str | None: ...
    @property
    def lower_is_statutory_threshold(self) -> bool: ...
    @property
    def upper_is_statutory_threshold(self) -> bool: ...


@dataclass(frozen=True)
class BandValues:
    """What an officer (or a seed file) says a band is. A bound at the statutory threshold ignores its pence; no
    upper is None."""

    label: str
    code: str
    lower_pence: int
    upper_pence: int | None
    vat_basis: VatBasis
    min_quotes: int
    route: str
    advertised: bool
    locality_rule: LocalityRule
    reservation: Reservation = Reservation.NONE
    rationale: str | None = None
    lower_is_threshold: bool = False
    upper_is_threshold: bool = False

    @classmethod
    def of(cls, row: StoredBand) -> BandValues:
        """The values of a stored band."""
        return cls(
            label=row.label,
            code=row.code,
            lower_pence=row.lower_pence,
            upper_pence=row.upper_pence,
            vat_basis=row.vat_basis,
            min_quotes=row.min_quotes,
            route=row.route,
            advertised=row.advertised,
            locality_rule=row.locality_rule,
            reservation=row.reservation,
            rationale=row.rationale,
            lower_is_threshold=row.lower_is_statutory_threshold,
            upper_is_threshold=row.upper_is_statutory_threshold,
        )

    def band(self, effective_from: date, effective_to: date | None = None) -> Band:
        """The band these values make from ``effective_from``, as the rules read it."""
        return Band(
            code=self.code.strip(),
            label=self.label.strip(),
            lower_pence=0 if self.lower_is_threshold else self.lower_pence,
            upper_pence=None if self.upper_is_threshold else self.upper_pence,
            vat_basis=self.vat_basis,
            min_quotes=self.min_quotes,
            route=self.route.strip(),
            locality_rule=self.locality_rule,
            effective_from=effective_from,
            effective_to=effective_to,
            lower_is_threshold=self.lower_is_threshold,
            upper_is_threshold=self.upper_is_threshold,
            advertised=self.advertised,
            reservation=self.reservation,
        )


def band_value_problems(values: BandValues) -> list[tuple[str, str]]:
    """Everything wrong with one band's values on their own, as (question, message) pairs.

    Whether the band fits with the council's other bands, and "local only" at the statutory threshold, are
    questions of the whole set: band_set_issues answers them.
    """
    problems: list[tuple[str, str]] = []
    label, code, route = values.label.strip(), values.code.strip(), values.route.strip()
    if not label:
        problems.append(("label", LABEL_NEEDED))
    elif len(label) > LABEL_MAX:
        problems.append(("label", LABEL_TOO_LONG))
    if not code:
        problems.append(("code", CODE_NEEDED))
    elif len(code) > CODE_MAX:
        problems.append(("code", CODE_TOO_LONG))
    if not values.lower_is_threshold and values.lower_pence < 0:
        problems.append(("lower_amount", LOWER_NEGATIVE))
    if values.lower_is_threshold and values.upper_is_threshold:
        problems.append(("upper_kind", BOTH_THRESHOLD))
    elif (
        not values.lower_is_threshold
        and not values.upper_is_threshold
        and values.upper_pence is not None
        and values.upper_pence <= values.lower_pence
    ):
        problems.append(("upper_amount", UPPER_NOT_ABOVE_LOWER))
    if not MIN_QUOTES <= values.min_quotes <= MAX_QUOTES:
        problems.append(("min_quotes", QUOTES_OUT_OF_RANGE))
    if not route:
        problems.append(("route", ROUTE_NEEDED))
    elif len(route) > ROUTE_MAX:
        problems.append(("route", ROUTE_TOO_LONG))
    rationale = (values.rationale or "").strip()
    if len(rationale) > RATIONALE_MAX:
        problems.append(("rationale", RATIONALE_TOO_LONG))
    elif not rationale:
        # SI 2026/94: a reservation must be stated in the notice with a recorded rationale.
        if values.locality_rule == LocalityRule.LOCAL_ONLY:
            problems.append(("rationale", LOCAL_RATIONALE_NEEDED))
        elif values.reservation != Reservation.NONE:
            problems.append(("rationale", reservation_rationale_needed(values.reservation)))
    return problems


def band_date_problem(on: date, what: str, today: date | None = None) -> str | None:
    """'The date the change applies from must be the same as or after 1 January 2018', or None."""
    if on < EARLIEST_EFFECTIVE:
        return f"{what} must be the same as or after {EARLIEST_EFFECTIVE:%-d %B %Y}"
    if today is not None and on.year > today.year + 10:
        return f"{what} must be before 1 January {today.year + 11}"
    return None


def change_dates(bands: Iterable[Band], thresholds: Iterable[Threshold]) -> set[date]:
    """Every date on which a band starts or ends or a statutory threshold changes.

    Between two of these dates the bands in force and the threshold stay the same, so a band set checked on each of
    them (and on the first day of interest) is checked on every day.
    """
    dates: set[date] = set()
    for band in bands:
        dates.add(band.effective_from)
        if band.effective_to is not None:
            dates.add(band.effective_to)
    return dates | {threshold.effective_from for threshold in thresholds}


def band_set_issues_by_date(
    bands: Sequence[Band], thresholds: Sequence[Threshold], dates: Iterable[date]
) -> list[tuple[date, list[BandSetProblem]]]:
    """band_set_issues on each of ``dates`` that has any, earliest first."""
    found = ((on, band_set_issues(bands, thresholds, on)) for on in sorted(set(dates)))
    return [(on, issues) for on, issues in found if issues]


# The bands as a commissioner reads them -----------------------------------------------------------------------


@dataclass(frozen=True)
class BandLimits:
    """One band's values as a commissioner enters them: excluding VAT, including VAT, and where VAT does not apply.

    Each is a range in words, or None where no contract entered that way lands in the band (usually because
    VAT takes it to the statutory threshold first).
    """

    band: Band
    excluding_vat: str | None
    including_vat: str | None
    no_vat: str | None
    #: The same in pence, [lower, upper) as entered with each VAT answer; None where nothing lands in the band.
    ranges: Mapping[VatTreatment, tuple[int, int | None] | None] = field(default_factory=dict)

    @property
    def how_to_buy(self) -> str:
        return self.band.how_to_buy

    @property
    def entered_text(self) -> str:
        """The three ways of entering a value, for the officer beside the band as set: 'Excluding VAT: £5,000 to
        £173,099.99; including VAT: £6,000 to £207,719.99; VAT does not apply: £5,000 to £181,000'."""
        parts = [
            f"{entered_words(vat)}: {in_sentence_start(text) if text else 'none'}"
            for vat, text in (
                (VatTreatment.EXCLUDED, self.excluding_vat),
                (VatTreatment.INCLUDED, self.including_vat),
                (VatTreatment.NOT_APPLICABLE, self.no_vat),
            )
        ]
        text = "; ".join(parts)
        return text[:1].upper() + text[1:]


def in_sentence_start(text: str) -> str:
    """'Under £5,000' -> 'under £5,000': a range from the table inside a sentence (it starts with a word or '£')."""
    return text[:1].lower() + text[1:]


@dataclass(frozen=True)
class BandTable:
    """The bands in force on a date for one contract type, and where VAT carries a value over the threshold."""

    rows: list[BandLimits]
    threshold: Threshold | None
    vat_note: str | None

    def row_for(self, code: str) -> BandLimits | None:
        """The row of the band with ``code`` (the regulated row keeps the code of the council's band it replaces)."""
        return next((row for row in self.rows if row.band.code == code), None)


def _first_entered(bound: int, basis: VatBasis, vat: VatTreatment) -> int:
    """The smallest amount a commissioner can enter (with ``vat``) whose value in ``basis`` reaches ``bound``."""
    if bound <= 0:
        return 0
    rate = 1 + VAT_STANDARD_RATE
    if vat == VatTreatment.EXCLUDED and basis == VatBasis.INCLUDED:
        guess = int(Decimal(bound) / rate)
    elif vat == VatTreatment.INCLUDED and basis == VatBasis.EXCLUDED:
        guess = int(Decimal(bound) * rate)
    else:
        guess = bound

    def reaches(pence: int) -> bool:
        return value_of(pence, vat).in_basis(basis) >= bound

    # The guess is within a penny or two; walk to the exact edge with the rounding the search uses.
    while guess > 0 and reaches(guess - 1):
        guess -= 1
    while not reaches(guess):
        guess += 1
    return guess


def _entered_ranges(
    resolved: Sequence[ResolvedBand], threshold: Threshold | None, vat: VatTreatment, on: date
) -> dict[str, tuple[int, int | None]]:
    """For each band (by code), the amounts entered with ``vat`` that the search puts in it: [lower, upper)."""
    edges: set[int] = {0}
    for item in resolved:
        edges.add(_first_entered(item.lower, item._bound_basis(item.band.lower_is_threshold), vat))
        if item.upper is not None:
            edges.add(_first_entered(item.upper, item._bound_basis(item.band.upper_is_threshold), vat))
    if threshold is not None:
        edges.add(_first_entered(threshold.amount_pence, threshold.vat_basis, vat))
    points = sorted(edges)
    ranges: dict[str, tuple[int, int | None]] = {}
    for start, end in zip(points, [*points[1:], None], strict=True):
        chosen = _band_for(resolved, threshold, value_of(start, vat), on)
        if chosen is None:
            continue
        code = chosen.band.code
        low, _ = ranges.get(code, (start, end))
        ranges[code] = (min(low, start), end)
    return ranges


def band_table(
    bands: Iterable[Band], thresholds: Sequence[Threshold], contract_type: ContractType, on: date
) -> BandTable:
    """The bands in force on ``on`` with the values that land in each, as the search decides them.

    At or above the statutory threshold every value gets the regulated procedure: the row for it is the council's
    band from the threshold, or the law's own when the council has none.
    """
    resolved = resolve(bands, thresholds, contract_type, on)
    threshold = threshold_in_force(thresholds, contract_type, on)
    shown = [r.band for r in resolved]
    if threshold is not None:
        own = next((b for b in shown if b.lower_is_threshold), None)
        regulated = regulated_band(threshold, on, own)
        shown = [regulated if b is own else b for b in shown] if own else [*shown, regulated]
    by_vat = {vat: _entered_ranges(resolved, threshold, vat, on) for vat in VatTreatment}

    def words(vat: VatTreatment, band: Band) -> str | None:
        found = by_vat[vat].get(band.code)
        if found is None:
            return None
        text = describe_range(*found)
        return text[:1].upper() + text[1:]

    rows = [
        BandLimits(
            band,
            words(VatTreatment.EXCLUDED, band),
            words(VatTreatment.INCLUDED, band),
            words(VatTreatment.NOT_APPLICABLE, band),
            {vat: by_vat[vat].get(band.code) for vat in VatTreatment},
        )
        for band in shown
    ]
    note = None
    if threshold is not None and threshold.vat_basis == VatBasis.INCLUDED:
        crossing = _first_entered(threshold.amount_pence, threshold.vat_basis, VatTreatment.EXCLUDED)
        note = (
            f"From {format_pence(crossing)} excluding VAT, VAT at {VAT_STANDARD_RATE:.0%} takes the contract to the "
            f"{format_pence(threshold.amount_pence)} threshold, so it follows the regulated procedure whichever band "
            "its value excluding VAT is in."
        )
    return BandTable(rows, threshold, note)
