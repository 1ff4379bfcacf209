"""Shares of spend, changes in points, money in short, and the filters that find the payments behind a figure.

Every figure in a spend report is a sum of payments, so every figure carries the :class:`PaymentFilters` that find
exactly those payments again: a reader can always open the payments behind a number. Shares are of the *measured
base*: all the period's payments less those to payees left out of the measure (another public body, tax, an
individual, an internal transfer), as CLES practice has it. Credits (negative amounts) net off in every sum.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from app.domain.labelled import LabelledEnum
from app.domain.providers import LegalForm
from app.domain.refusals import Refusal
from app.domain.spend.classification import Exclusion, PlaceBasis, SpendPlace
from app.domain.spend.periods import can_show, years_shown
from app.domain.wording import in_sentence

# --- Shares and points ----------------------------------------------------------------------------------------------


def share(part: int, base: int) -> Fraction | None:
    """``part`` as an exact fraction of ``base``; None when there is no positive base to measure against."""
    if base <= 0:
        return None
    return Fraction(part, base)


def _rounded(value: Fraction, places: int) -> Decimal:
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(
        Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP
    )


def percent(value: Fraction | None, places: int = 1) -> Decimal | None:
    """A share as a percentage, rounded half up: Fraction(1, 8) -> Decimal('12.5')."""
    if value is None:
        return None
    return _rounded(value * 100, places)


#: What a share of nothing says (a period with no measured spend, or credits outweighing payments).
NOT_MEASURED = "Not measured"


def percent_text(value: Fraction | None) -> str:
    """'12.5%', 'under 0.1%' for a sliver that would round to nothing, 'Not measured' with no base."""
    if value is None:
        return NOT_MEASURED
    if 0 < value < Fraction(1, 2000):
        return "under 0.1%"
    if -Fraction(1, 2000) < value < 0:
        return "under -0.1%"
    rounded = percent(value)
    return f"{rounded}%"


#: What a negative figure's share says: a net credit (refunds outweighing payments) is no share of anything.
NET_CREDIT = "Net credit"
#: What the share of a part says when the whole it would be a share of is a net credit.
OF_NET_CREDIT = "No share: the whole is a net credit"


def share_text(value: Fraction | None, pence: int, base_pence: int | None = None) -> str:
    """A figure's share in words, honest about credits: 'Net credit' when the figure itself is negative (refunds
    outweigh payments, so '-0.4% of the spend' would mean nothing), 'No share: the whole is a net credit' when what
    it would be a share of is negative, else :func:`percent_text`."""
    if pence < 0:
        return NET_CREDIT
    if value is None and base_pence is not None and base_pence < 0:
        return OF_NET_CREDIT
    return percent_text(value)


def points(before: Fraction | None, after: Fraction | None) -> Fraction | None:
    """The change from one share to another in percentage points; None when either is not measured."""
    if before is None or after is None:
        return None
    return (after - before) * 100


def points_text(change: Fraction | None) -> str:
    """'up 2.1 points', 'down 0.4 points', 'no change', or 'Not comparable'."""
    if change is None:
        return "Not comparable"
    rounded = _rounded(abs(change), 1)
    if rounded == 0:
        return "no change"
    noun = "point" if rounded == 1 else "points"
    return f"{'up' if change > 0 else 'down'} {rounded} {noun}"


def short_money(pence: int) -> str:
    """Money in a headline: '£1.2m', '£450k', '£12.5bn', '£850' (rounded half up; '-' before a net credit)."""
    sign = "-" if pence < 0 else ""
    pounds = Decimal(abs(pence)) / 100
    units = ((Decimal(1_000), "k"), (Decimal(1_000_000), "m"), (Decimal(1_000_000_000), "bn"))
    chosen = None
    for index, (size, suffix) in enumerate(units):
        amount = (pounds / size).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        # £999,990 rounds to 1,000.0k: it reads as £1m, in the next unit up.
        if amount >= 1 and (amount < 1000 or index == len(units) - 1):
            chosen = (amount, suffix)
    if chosen is None:
        whole = pounds.quantize(Decimal(1), rounding=ROUND_HALF_UP)
        if whole < 1000:
            return f"{sign}£{whole:f}"
        chosen = (Decimal(1), "k")  # £999.50 to £999.99 round to £1,000
    amount, suffix = chosen
    return f"{sign}£{f'{amount:f}'.removesuffix('.0')}{suffix}"


# --- The rows of the place breakdown --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlaceRow:
    """One line of 'where the money went': a place, and for local spend the basis it rests on."""

    key: str
    place: SpendPlace
    basis: PlaceBasis | None
    label: str
    hint: str


#: Local spend split by the basis it rests on (DOMAIN 6: the share depends on the address basis), then the rest.
PLACE_ROWS: tuple[PlaceRow, ...] = (
    PlaceRow(
        "local_registered_office",
        SpendPlace.LOCAL,
        PlaceBasis.REGISTERED_OFFICE,
        "Local: based in the area",
        "Its registered office is in the local area",
    ),
    PlaceRow(
        "local_branched",
        SpendPlace.LOCAL,
        PlaceBasis.BRANCHED,
        "Local: a branch in the area",
        "A trading site in the local area, its registered office elsewhere",
    ),
    PlaceRow(
        "local_trading_site",
        SpendPlace.LOCAL,
        PlaceBasis.TRADING_SITE,
        "Local: a trading site in the area",
        "A trading site in the local area (on the register, or as an officer gave it); no registered office is known",
    ),
    PlaceRow(
        "local_officer",
        SpendPlace.LOCAL,
        PlaceBasis.OFFICER,
        "Local: postcode given by an officer",
        "An officer gave a postcode in the local area when attributing it",
    ),
    PlaceRow(
        "local_no_basis",
        SpendPlace.LOCAL,
        None,
        "Local: basis not recorded",
        "Local, but the basis was not recorded",
    ),
    PlaceRow("wider", SpendPlace.WIDER, None, SpendPlace.WIDER.label, SpendPlace.WIDER.hint),
    PlaceRow("outside", SpendPlace.OUTSIDE, None, SpendPlace.OUTSIDE.label, SpendPlace.OUTSIDE.hint),
    PlaceRow("not_known", SpendPlace.NOT_KNOWN, None, SpendPlace.NOT_KNOWN.label, SpendPlace.NOT_KNOWN.hint),
)

#: Places that are not the local area: the spend a leakage view looks at.
NOT_LOCAL_PLACES = (SpendPlace.WIDER, SpendPlace.OUTSIDE)


# --- Which payments a figure sums -----------------------------------------------------------------------------------

#: The columns of a payment a report can be broken down by, and the words for each.
#: The files' own category columns: what an officer matches to the register's services.
FILE_DIMENSIONS: dict[str, str] = {
    "proclass": "ProClass category",
    "service_area": "Service area",
    "department": "Department",
    "expense_type": "Expense type",
}
#: Grouping by the register's service categories: each payment under the service an officer matched its category to.
SERVICE_DIMENSION = "service"
DIMENSIONS: dict[str, str] = {**FILE_DIMENSIONS, SERVICE_DIMENSION: "Register service (as an officer matched it)"}
#: The order 'auto' tries them in: the most specific first.
AUTO_ORDER = ("proclass", "service_area", "department", "expense_type")
#: What a payment with no category in the chosen column is grouped under.
NO_CATEGORY = "Not given"


class SmeStatus(LabelledEnum):
    YES = "yes", "SME"
    NO = "no", "Not an SME"
    UNKNOWN = "unknown", "Size not known"


class FilterError(Refusal):
    """A link's filters that cannot be read (a hand-edited address, usually)."""


def _yes_no(value: str, name: str) -> bool:
    lowered = value.strip().lower()
    if lowered in {"yes", "true", "1"}:
        return True
    if lowered in {"no", "false", "0"}:
        return False
    raise FilterError(f"{name} must be yes or no", name)


@dataclass(frozen=True)
class PaymentFilters:
    """Which of a period's payments a figure sums: every field left at its default means 'any'.

    ``measured`` leaves out payments to payees that are not suppliers for the measure, as every share's base does.
    ``category`` is (dimension, label); a label of None means payments with no category in that column.
    ``deprived`` is 1 (the 10% most deprived areas) or 2 (the 20%): the supplier's IMD decile is at most that.
    """

    places: tuple[SpendPlace, ...] = ()
    basis: PlaceBasis | None = None
    #: Local payments whose basis was not recorded (for the 'basis not recorded' row).
    no_basis: bool = False
    measured: bool = False
    #: Payees left out of the measure for this reason.
    exclusion: Exclusion | None = None
    category: tuple[str, str | None] | None = None
    supplier_id: int | None = None
    month: tuple[int, int] | None = None
    social_economy: bool | None = None
    legal_form: LegalForm | None = None
    sme: SmeStatus | None = None
    deprived: int | None = None
    #: With a known IMD decile (for the 'decile known' figure).
    decile_known: bool | None = None
    attributed: bool | None = None

    def __post_init__(self) -> None:
        if self.category is not None and self.category[0] not in DIMENSIONS:
            raise FilterError(f"There is no category column called {self.category[0]}", "dimension")
        if self.deprived is not None and self.deprived not in (1, 2):
            raise FilterError("The most deprived areas are the 10% (1) or the 20% (2)", "deprived")
        if self.month is not None and not 1 <= self.month[1] <= 12:
            raise FilterError("Enter a month like 2026-04", "month")
        if self.month is not None and not can_show(self.month[0]):
            raise FilterError(f"Enter a month in a year from {years_shown()}", "month")

    def with_(self, **changes: object) -> PaymentFilters:
        """A copy with some filters changed."""
        return replace(self, **changes)  # type: ignore[arg-type]

    @property
    def any(self) -> bool:
        """Whether any filter is set (the payments page says 'all payments' when none is)."""
        return self != PaymentFilters()

    def query(self) -> dict[str, str]:
        """The filters as a link's query arguments (what :meth:`from_query` reads back); defaults are left out."""
        args: dict[str, str] = {}
        if self.places:
            args["place"] = ",".join(place.value for place in self.places)
        if self.basis is not None:
            args["basis"] = self.basis.value
        if self.no_basis:
            args["basis"] = "none"
        if self.measured:
            args["measured"] = "yes"
        if self.exclusion is not None:
            args["exclusion"] = self.exclusion.value
        if self.category is not None:
            args["dimension"] = self.category[0]
            args["category"] = self.category[1] if self.category[1] is not None else ""
        if self.supplier_id is not None:
            args["supplier"] = str(self.supplier_id)
        if self.month is not None:
            args["month"] = f"{self.month[0]:04d}-{self.month[1]:02d}"
        if self.social_economy is not None:
            args["social_economy"] = "yes" if self.social_economy else "no"
        if self.legal_form is not None:
            args["legal_form"] = self.legal_form.value
        if self.sme is not None:
            args["sme"] = self.sme.value
        if self.deprived is not None:
            args["deprived"] = str(self.deprived)
        if self.decile_known is not None:
            args["decile_known"] = "yes" if self.decile_known else "no"
        if self.attributed is not None:
            args["attributed"] = "yes" if self.attributed else "no"
        return args

    @classmethod
    def from_query(cls, args: Mapping[str, str]) -> PaymentFilters:
        """Filters from a link's query arguments; refuses a value that cannot be read (FilterError)."""
        values: dict[str, object] = {}
        if place_text := args.get("place", "").strip():
            try:
                values["places"] = tuple(SpendPlace(part.strip()) for part in place_text.split(",") if part.strip())
            except ValueError:
                raise FilterError(
                    "Choose a place: local, wider, outside, not_known or not_a_supplier", "place"
                ) from None
        if basis_text := args.get("basis", "").strip():
            if basis_text == "none":
                values["no_basis"] = True
            else:
                try:
                    values["basis"] = PlaceBasis(basis_text)
                except ValueError:
                    raise FilterError("There is no address basis called that", "basis") from None
        if "measured" in args:
            values["measured"] = _yes_no(args["measured"], "measured")
        if exclusion_text := args.get("exclusion", "").strip():
            try:
                values["exclusion"] = Exclusion(exclusion_text)
            except ValueError:
                raise FilterError("There is no reason for leaving a payee out called that", "exclusion") from None
        if "dimension" in args or "category" in args:
            dimension = args.get("dimension", "").strip()
            if dimension not in DIMENSIONS:
                raise FilterError("Choose a category column: " + ", ".join(DIMENSIONS), "dimension")
            label = args.get("category", "")
            values["category"] = (dimension, label if label != "" else None)
        if supplier_text := args.get("supplier", "").strip():
            if not (supplier_text.isascii() and supplier_text.isdigit()) or len(supplier_text) > 18:
                raise FilterError("The supplier must be a number", "supplier")
            values["supplier_id"] = int(supplier_text)
        if month_text := args.get("month", "").strip():
            found = re.fullmatch(r"(\d{4})-(\d{1,2})", month_text)
            if not found:
                raise FilterError("Enter a month like 2026-04", "month")
            values["month"] = (int(found.group(1)), int(found.group(2)))
        if "social_economy" in args:
            values["social_economy"] = _yes_no(args["social_economy"], "social_economy")
        if form_text := args.get("legal_form", "").strip():
            try:
                values["legal_form"] = LegalForm(form_text)
            except ValueError:
                raise FilterError("There is no legal form called that", "legal_form") from None
        if sme_text := args.get("sme", "").strip():
            try:
                values["sme"] = SmeStatus(sme_text)
            except ValueError:
                raise FilterError("sme must be yes, no or unknown", "sme") from None
        if deprived_text := args.get("deprived", "").strip():
            if deprived_text not in {"1", "2"}:
                raise FilterError("The most deprived areas are the 10% (1) or the 20% (2)", "deprived")
            values["deprived"] = int(deprived_text)
        if "decile_known" in args:
            values["decile_known"] = _yes_no(args["decile_known"], "decile_known")
        if "attributed" in args:
            values["attributed"] = _yes_no(args["attributed"], "attributed")
        return cls(**values)  # type: ignore[arg-type]

    def describe(self, supplier_name: str | None = None) -> str:
        """The filters in words, for the heading of the payments behind a figure: 'Local: a branch in the area;
        department “Highways”; paid in April 2026'. 'All payments' when none is set."""
        parts: list[str] = []
        row = next((r for r in PLACE_ROWS if self._is_row(r)), None)
        if row is not None:
            parts.append(row.label)
        elif self.places:
            parts.append(" or ".join(place.label for place in self.places))
        if row is None and self.basis is not None:
            parts.append(f"address basis: {in_sentence(self.basis.label)}")
        if row is None and self.no_basis:
            parts.append("address basis not recorded")
        if self.exclusion is not None:
            parts.append(f"left out of the measure: {in_sentence(self.exclusion.label)}")
        if self.supplier_id is not None:
            parts.append(f"paid to {supplier_name}" if supplier_name else f"paid to supplier number {self.supplier_id}")
        if self.category is not None:
            dimension, label = self.category
            column = in_sentence(DIMENSIONS[dimension])
            parts.append(f"{column} “{label}”" if label is not None else f"no {column} given")
        if self.month is not None:
            parts.append(f"paid in {date(self.month[0], self.month[1], 1):%B %Y}")
        if self.legal_form is not None:
            parts.append(in_sentence(self.legal_form.label))
        if self.social_economy is not None:
            parts.append("the social economy" if self.social_economy else "not the social economy")
        if self.sme is not None:
            parts.append(
                {SmeStatus.YES: "SMEs", SmeStatus.NO: "not SMEs", SmeStatus.UNKNOWN: "size not known"}[self.sme]
            )
        if self.deprived is not None:
            parts.append(f"in the {self.deprived * 10}% most deprived areas")
        if self.decile_known is not None:
            parts.append("deprivation of its area known" if self.decile_known else "deprivation of its area not known")
        if self.attributed is not None:
            parts.append("attributed" if self.attributed else "not attributed yet")
        if self.measured:
            parts.append("suppliers in the measure")
        if not parts:
            return "All payments"
        text = "; ".join(parts)
        return text[:1].upper() + text[1:]

    def _is_row(self, row: PlaceRow) -> bool:
        """Whether the place filters are exactly one local row of the place breakdown."""
        if row.place != SpendPlace.LOCAL or self.places != (SpendPlace.LOCAL,):
            return False
        return (row.basis is not None and row.basis == self.basis) or (row.basis is None and self.no_basis)


FILTER_FIELDS = tuple(f.name for f in fields(PaymentFilters))
