"""The spend report: where a council's money went in a period, by place, basis, kind of supplier, category and month.

Every figure is a sum of payments computed in SQL (GROUP BY over payments joined to their suppliers, whose
classification every payment takes), and carries the :class:`PaymentFilters` with which :func:`payments_behind`
finds exactly the payments it sums: officers and commissioners can open any number and see what makes it up.

Shares are of the *measured base*: the period's spend less payments to payees that are not suppliers for the measure
(another public body, tax, individuals, internal transfers), so a council's pension contributions do not make its
local share look small. Credits (negative amounts) net off everywhere. Only payments of counting batches (imported,
not undone) count.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from fractions import Fraction
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    Integer,
    Select,
    String,
    Subquery,
    and_,
    case,
    extract,
    false,
    func,
    literal,
    null,
    or_,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.orm import Session

from app.domain.paging import Paged, clamp_page, offset_of
from app.domain.policy import LocalAreaDefinition, format_pence
from app.domain.providers import SOCIAL_ECONOMY_FORMS, LegalForm
from app.domain.spend.classification import ATTRIBUTED, Exclusion, PlaceBasis, Resolution, SpendPlace
from app.domain.spend.lifecycle import COUNTING_STATUSES
from app.domain.spend.periods import (
    EARLIEST_YEAR,
    LATEST_YEAR,
    Period,
    PeriodChoices,
    periods_with_data,
    previous_of,
    span_label,
    year_before_of,
    years_shown,
)
from app.domain.spend.shares import (
    AUTO_ORDER,
    DIMENSIONS,
    FILE_DIMENSIONS,
    NO_CATEGORY,
    PLACE_ROWS,
    SERVICE_DIMENSION,
    PaymentFilters,
    SmeStatus,
    percent,
    percent_text,
    points,
    points_text,
    share,
    share_text,
)
from app.domain.wording import govuk_date, in_sentence
from app.models import (
    Council,
    DeprivationRelease,
    Payment,
    Provider,
    ServiceCategory,
    SpendBatch,
    SpendCategoryService,
    SpendMapping,
    SpendSupplier,
)
from app.services.locality import local_area_for

#: How many suppliers the report names, largest first.
TOP_SUPPLIERS = 20
#: The dimension 'auto' chooses is the first (in AUTO_ORDER) that at least this share of payments fill in.
AUTO_FILLED = Fraction(1, 2)


class ReportError(ValueError):
    """A report asked for in a way that cannot be answered (an unknown dimension)."""


# --- Figures ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """A sum of payments: how much, how many payments, its share, and the filters that find those payments.

    ``share_of`` says what the share is of: 'measured' (the measured base), 'total' (all the period's spend),
    'category' or 'month' (the measured spend of its category or month), 'known' (of the spend whose answer is
    known); ``share`` is None where there is nothing to measure against.
    """

    key: str
    label: str
    pence: int
    payments: int
    share: Fraction | None
    filters: PaymentFilters
    share_of: str = "measured"
    hint: str = ""
    #: What the share is of, in pence, where that can be a net credit (a category's or a month's measured spend).
    base_pence: int | None = None

    @property
    def money(self) -> str:
        return format_pence(self.pence)

    @property
    def net_credit(self) -> bool:
        """Whether refunds outweigh payments here: the figure is negative, and no share of anything."""
        return self.pence < 0

    @property
    def percent(self) -> str:
        """The share in words: 'Net credit' for a negative figure, and no share of a whole that is a net credit
        (see app.domain.spend.shares.share_text), rather than '-0.4%' or 'Not measured'."""
        return share_text(self.share, self.pence, self.base_pence)

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "pence": self.pence,
            "payments": self.payments,
            "share": _share_number(self.share),
            "share_of": self.share_of,
            "filters": self.filters.query(),
        }


def _share_number(value: Fraction | None) -> float | None:
    """A share for JSON: a number from 0 to 1 to six places (so 12.3456% survives), or null."""
    rounded = percent(value, 4)
    return None if rounded is None else float(rounded / 100)


@dataclass(frozen=True)
class CategoryRow:
    """One category of the chosen column: its measured spend (share of the measured base) and its local part."""

    label: str | None
    spend: Figure
    local: Figure

    @property
    def name(self) -> str:
        return self.label if self.label is not None else NO_CATEGORY

    @property
    def local_share(self) -> Fraction | None:
        return self.local.share


@dataclass(frozen=True)
class MonthRow:
    """One month: all its payments, its measured spend, and the local part of that."""

    year: int
    month: int
    total: Figure
    measured: Figure
    local: Figure

    @property
    def label(self) -> str:
        return f"{date(self.year, self.month, 1):%B %Y}"

    @property
    def short_label(self) -> str:
        return f"{date(self.year, self.month, 1):%b %Y}"


@dataclass(frozen=True)
class SupplierRow:
    """One of the largest suppliers, with how it is classified and resolved."""

    supplier_id: int
    name: str
    place: SpendPlace
    basis: PlaceBasis | None
    legal_form: LegalForm | None
    social_economy: bool
    resolution: Resolution
    provider_id: int | None
    spend: Figure


@dataclass(frozen=True)
class SourceFile:
    """A file some of the period's payments come from."""

    batch_id: int
    file_name: str
    publisher: str
    imported_at: datetime | None
    period_start: date | None
    period_end: date | None
    payments: int
    pence: int
    amount_basis: str | None


@dataclass(frozen=True)
class ExcludedRow:
    """Payees left out of the measure for one reason."""

    exclusion: Exclusion | None
    spend: Figure
    suppliers: int

    @property
    def reason(self) -> str:
        return self.exclusion.label if self.exclusion else "No reason recorded"


@dataclass(frozen=True)
class OutsideYears:
    """A file's payments dated outside the years a report can show (a date typed as 07/04/1999 or 2101): no period
    holds them, so they are in no figure, and the method note says so."""

    batch_id: int
    file_name: str
    payments: int
    pence: int
    first: date
    last: date


@dataclass(frozen=True)
class MethodNote:
    """What a reader needs to trust (or question) the figures: the basis, what is left out and why, how current
    the register data is, what is not attributed, the deprivation release and the files."""

    local_area_name: str
    local_area_definition: str
    wider_area_name: str | None
    exclusions: list[ExcludedRow]
    excluded: Figure
    not_attributed: Figure
    not_attributed_suppliers: int
    register_updated_at: datetime | None
    register_verified_at: datetime | None
    classified_at: datetime | None
    deprivation_release: str | None
    files: list[SourceFile]
    #: The files whose publisher is not the council (uploaded with "Who published it?" naming another body).
    other_publishers: list[SourceFile]
    outside_years: list[OutsideYears]
    lines: list[str]

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@dataclass(frozen=True)
class SpendReport:
    """A council's spend in a period, every figure traceable to its payments (see the module's docstring)."""

    council_id: int
    council_name: str
    period: Period
    #: The column categories come from ('proclass', 'service_area', 'department', 'expense_type'), and whether
    #: 'auto' chose it.
    dimension: str
    dimension_chosen: bool
    total: Figure
    measured: Figure
    not_a_supplier: Figure
    #: PLACE_ROWS with payments (local split by basis, wider, outside, not known); shares of the measured base.
    places: list[Figure]
    local: Figure
    social_economy: Figure
    social_economy_forms: list[Figure]
    sme: Figure
    not_sme: Figure
    sme_unknown: Figure
    #: SMEs' share of the spend whose supplier's size is known.
    sme_share_of_known: Fraction | None
    deprived_10: Figure
    deprived_20: Figure
    decile_known: Figure
    attributed: Figure
    not_attributed: Figure
    categories: list[CategoryRow]
    months: list[MonthRow]
    top_suppliers: list[SupplierRow]
    method: MethodNote
    #: The first and last days the period's payments were made on (None with no payments).
    first_paid_on: date | None = None
    last_paid_on: date | None = None

    @property
    def dimension_label(self) -> str:
        return DIMENSIONS[self.dimension]

    @property
    def publishers(self) -> list[str]:
        """Who published the files the period's payments come from, each once, in the files' order."""
        return list(dict.fromkeys(f.publisher for f in self.method.files))

    @property
    def from_other_publishers(self) -> bool:
        """Whether any of the period's payments come from a file another body published."""
        return bool(self.method.other_publishers)

    @property
    def months_without_payments(self) -> list[MonthRow]:
        """The period's months between its first and last payment that hold none (a file missing, usually)."""
        if self.first_paid_on is None or self.last_paid_on is None:
            return []
        first = (self.first_paid_on.year, self.first_paid_on.month)
        last = (self.last_paid_on.year, self.last_paid_on.month)
        return [row for row in self.months if first < (row.year, row.month) < last and not row.total.payments]

    @property
    def partly_covered(self) -> bool:
        """Whether the payments imported leave whole months of the period without any: at either end (a year
        whose payments stop in May) or between (a month's file not imported). Days are not counted: a month's
        payments seldom start on the 1st."""
        if self.first_paid_on is None or self.last_paid_on is None:
            return False
        start, end = self.period.start, self.period.end
        return (
            (self.first_paid_on.year, self.first_paid_on.month) > (start.year, start.month)
            or (self.last_paid_on.year, self.last_paid_on.month) < (end.year, end.month)
            or bool(self.months_without_payments)
        )

    @property
    def coverage(self) -> str | None:
        """'The payments imported cover 1 April to 29 May 2026.' when they leave whole months of the period
        without payments (and which months between have none); None when they cover it."""
        if not self.partly_covered or self.first_paid_on is None or self.last_paid_on is None:
            return None
        sentence = f"The payments imported cover {span_label(self.first_paid_on, self.last_paid_on)}"
        gaps = self.months_without_payments
        if gaps:
            sentence += ", with none in " + _and([row.label for row in gaps], "or")
        return sentence + "."

    @property
    def summary(self) -> str:
        """The report's first sentence: who paid how much in how many payments; when any file was published by
        another body than the council, the publishers are named rather than the council said to have paid it."""
        if self.empty:
            return f"No payments from {self.council_name} {self.period.in_sentence} have been imported."
        payments = counted(self.total.payments, "payment")
        when = self.period.in_sentence
        if not self.from_other_publishers:
            return f"{self.council_name} paid {self.total.money} in {payments} {when}."
        files = "files" if len(self.method.files) != 1 else "a file"
        return f"{self.total.money} was paid in {payments} {when}, from {files} published by {_and(self.publishers)}."

    @property
    def sme_known_sentence(self) -> str:
        """The SMEs' share of the spend whose supplier's size is known, or that no supplier's size is known."""
        if self.sme_share_of_known is None:
            return (
                "No supplier's size is known for the measured spend "
                f"{self.period.in_sentence}, so the SMEs' share of it cannot be measured."
            )
        return f"Of the spend whose supplier's size is known, {percent_text(self.sme_share_of_known)} went to SMEs."

    @property
    def empty(self) -> bool:
        return self.total.payments == 0

    def figures(self) -> list[Figure]:
        """Every figure in the report (for tests that trace each to its payments, and for exports)."""
        found = [
            self.total,
            self.measured,
            self.not_a_supplier,
            *self.places,
            self.local,
            self.social_economy,
            *self.social_economy_forms,
            self.sme,
            self.not_sme,
            self.sme_unknown,
            self.deprived_10,
            self.deprived_20,
            self.decile_known,
            self.attributed,
            self.not_attributed,
            self.method.excluded,
            self.method.not_attributed,
        ]
        found += [row.spend for row in self.method.exclusions]
        for category in self.categories:
            found += [category.spend, category.local]
        for month in self.months:
            found += [month.total, month.measured, month.local]
        found += [row.spend for row in self.top_suppliers]
        return found

    def headline(self) -> list[str]:
        """The report's first sentences, for the command line and a summary."""
        if self.empty:
            return [self.summary]
        lines = [self.summary]
        if self.coverage:
            lines.append(self.coverage)
        lines += [
            f"Measured spend (leaving out payees that are not suppliers): {self.measured.money}.",
            f"Local ({self.method.local_area_name}): {self.local.percent} ({self.local.money}).",
        ]
        lines += [f"  {row.label}: {row.percent} ({row.money})" for row in self.places]
        lines.append(f"Social economy: {self.social_economy.percent} ({self.social_economy.money}).")
        if self.sme_share_of_known is None:
            known = "no supplier's size is known"
        else:
            known = f"{percent_text(self.sme_share_of_known)} of the spend whose supplier's size is known; size not "
            known += f"known for {self.sme_unknown.percent}"
        lines.append(f"SMEs: {self.sme.percent} of measured spend ({known}).")
        lines.append(
            f"Suppliers in the 10% most deprived areas: {self.deprived_10.percent}; in the 20% most deprived: "
            f"{self.deprived_20.percent}."
        )
        lines.append(f"Attributed: {self.attributed.percent} of {self.total.money}.")
        return lines

    def as_dict(self) -> dict[str, Any]:
        """The report for JSON: pence amounts, shares from 0 to 1, and each figure's filters."""
        method = self.method
        return {
            "council": self.council_name,
            "period": {
                "kind": self.period.kind.value,
                "value": self.period.value,
                "label": self.period.label,
                "start": self.period.start.isoformat(),
                "end": self.period.end.isoformat(),
            },
            "dimension": self.dimension,
            "summary": self.summary,
            "coverage": self.coverage,
            "first_paid_on": self.first_paid_on.isoformat() if self.first_paid_on else None,
            "last_paid_on": self.last_paid_on.isoformat() if self.last_paid_on else None,
            "publishers": self.publishers,
            "total": self.total.as_dict(),
            "measured": self.measured.as_dict(),
            "not_a_supplier": self.not_a_supplier.as_dict(),
            "places": [f.as_dict() for f in self.places],
            "local": self.local.as_dict(),
            "social_economy": self.social_economy.as_dict(),
            "social_economy_forms": [f.as_dict() for f in self.social_economy_forms],
            "sme": self.sme.as_dict(),
            "not_sme": self.not_sme.as_dict(),
            "sme_unknown": self.sme_unknown.as_dict(),
            "sme_share_of_known": _share_number(self.sme_share_of_known),
            "deprived_10": self.deprived_10.as_dict(),
            "deprived_20": self.deprived_20.as_dict(),
            "decile_known": self.decile_known.as_dict(),
            "attributed": self.attributed.as_dict(),
            "not_attributed": self.not_attributed.as_dict(),
            "categories": [
                {"label": row.label, "spend": row.spend.as_dict(), "local": row.local.as_dict()}
                for row in self.categories
            ],
            "months": [
                {
                    "month": f"{row.year:04d}-{row.month:02d}",
                    "total": row.total.as_dict(),
                    "measured": row.measured.as_dict(),
                    "local": row.local.as_dict(),
                }
                for row in self.months
            ],
            "top_suppliers": [
                {
                    "supplier_id": row.supplier_id,
                    "name": row.name,
                    "place": row.place.value,
                    "basis": row.basis.value if row.basis else None,
                    "legal_form": row.legal_form.value if row.legal_form else None,
                    "social_economy": row.social_economy,
                    "resolution": row.resolution.value,
                    "spend": row.spend.as_dict(),
                }
                for row in self.top_suppliers
            ],
            "method": {
                "local_area": method.local_area_name,
                "local_area_definition": method.local_area_definition,
                "wider_area": method.wider_area_name,
                "excluded": method.excluded.as_dict(),
                "exclusions": [
                    {
                        "reason": row.exclusion.value if row.exclusion else None,
                        "suppliers": row.suppliers,
                        **row.spend.as_dict(),
                    }
                    for row in method.exclusions
                ],
                "not_attributed": method.not_attributed.as_dict(),
                "not_attributed_suppliers": method.not_attributed_suppliers,
                "register_updated_at": _iso(method.register_updated_at),
                "register_verified_at": _iso(method.register_verified_at),
                "classified_at": _iso(method.classified_at),
                "deprivation_release": method.deprivation_release,
                "files": [
                    {
                        "batch": f.batch_id,
                        "file_name": f.file_name,
                        "publisher": f.publisher,
                        "imported_at": _iso(f.imported_at),
                        "payments": f.payments,
                        "pence": f.pence,
                        "amount_basis": f.amount_basis,
                    }
                    for f in method.files
                ],
                "other_publishers": [f.batch_id for f in method.other_publishers],
                "outside_years": [
                    {
                        "batch": f.batch_id,
                        "file_name": f.file_name,
                        "payments": f.payments,
                        "pence": f.pence,
                        "first": f.first.isoformat(),
                        "last": f.last.isoformat(),
                    }
                    for f in method.outside_years
                ],
                "note": method.lines,
            },
        }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


# --- Which payments count, and the filters in SQL -------------------------------------------------------------------


def _file_category(dimension: str) -> ColumnElement[Any]:
    """A payment's category in one of the files' own columns."""
    if dimension == "proclass":
        return func.coalesce(Payment.proclass_label, Payment.proclass_code)
    if dimension == "service_area":
        return Payment.service_area.expression
    if dimension == "department":
        return Payment.department.expression
    if dimension == "expense_type":
        return Payment.expense_type.expression
    raise ReportError(f"There is no category column called {dimension}")


def category_column(dimension: str) -> ColumnElement[Any]:
    """The payment column (or expression) a dimension groups by: ProClass by its label, else its code; for the
    register's services, the service an officer matched the payment's category to, in whichever of the files'
    columns the match was made (a category matched to several services counts under the first by name, once)."""
    if dimension != SERVICE_DIMENSION:
        return _file_category(dimension)
    matched = or_(
        *(
            and_(SpendCategoryService.dimension == name, SpendCategoryService.label == _file_category(name))
            for name in FILE_DIMENSIONS
        )
    )
    return (
        select(func.min(ServiceCategory.name))
        .select_from(SpendCategoryService)
        .join(ServiceCategory, ServiceCategory.id == SpendCategoryService.service_category_id)
        .where(SpendCategoryService.council_id == Payment.council_id, matched)
        .correlate(Payment)
        .scalar_subquery()
    )


def categorised_payments(conditions: Sequence[ColumnElement[bool]], dimension: str) -> Subquery:
    """The payments ``conditions`` choose, each with its category in ``dimension``, to be grouped. Grouping by the
    register's services groups by a looked-up value (PostgreSQL refuses to group by a subquery that reads the
    payment's own columns), so each payment's service is found first and grouped after."""
    return (
        select(
            Payment.supplier_id.label("supplier_id"),
            Payment.batch_id.label("batch_id"),
            Payment.paid_on.label("paid_on"),
            Payment.amount_pence.label("amount_pence"),
            category_column(dimension).label("category"),
        )
        .where(*conditions)
        .subquery("payment_lines")
    )


def counting_batch_ids(session: Session, council: Council) -> list[int]:
    """The council's batches whose payments count (imported, not undone, not failed or half-imported)."""
    return list(
        session.scalars(
            select(SpendBatch.id).where(SpendBatch.council_id == council.id, SpendBatch.status.in_(COUNTING_STATUSES))
        )
    )


def counting_conditions(council: Council, period: Period, batch_ids: Sequence[int]) -> list[ColumnElement[bool]]:
    """The conditions every figure shares: this council, this period, counting batches."""
    return [
        Payment.council_id == council.id,
        Payment.paid_on >= period.start,
        Payment.paid_on <= period.end,
        Payment.batch_id.in_(batch_ids) if batch_ids else false(),
    ]


def filter_conditions(filters: PaymentFilters) -> list[ColumnElement[bool]]:
    """The filters as SQL conditions over payments joined to spend_suppliers."""
    found: list[ColumnElement[bool]] = []
    if filters.places:
        found.append(SpendSupplier.place.in_(filters.places))
    if filters.basis is not None:
        found.append(SpendSupplier.place_basis == filters.basis)
    if filters.no_basis:
        found.append(SpendSupplier.place_basis.is_(None))
    if filters.measured:
        found.append(SpendSupplier.place != SpendPlace.NOT_A_SUPPLIER)
    if filters.exclusion is not None:
        found.append(SpendSupplier.exclusion == filters.exclusion)
    if filters.category is not None:
        dimension, label = filters.category
        column = category_column(dimension)
        found.append(column.is_(None) if label is None else column == label)
    if filters.supplier_id is not None:
        found.append(Payment.supplier_id == filters.supplier_id)
    if filters.month is not None:
        month = Period.month(*filters.month)
        found.append(and_(Payment.paid_on >= month.start, Payment.paid_on <= month.end))
    if filters.social_economy is not None:
        found.append(SpendSupplier.social_economy.is_(filters.social_economy))
    if filters.legal_form is not None:
        found.append(SpendSupplier.legal_form == filters.legal_form)
    if filters.sme is not None:
        found.append(
            {
                SmeStatus.YES: SpendSupplier.sme.is_(True),
                SmeStatus.NO: SpendSupplier.sme.is_(False),
                SmeStatus.UNKNOWN: SpendSupplier.sme.is_(None),
            }[filters.sme]
        )
    if filters.deprived is not None:
        found.append(and_(SpendSupplier.imd_decile >= 1, SpendSupplier.imd_decile <= filters.deprived))
    if filters.decile_known is not None:
        known = SpendSupplier.imd_decile.is_not(None)
        found.append(known if filters.decile_known else SpendSupplier.imd_decile.is_(None))
    if filters.attributed is not None:
        attributed = SpendSupplier.resolution.in_(ATTRIBUTED)
        found.append(attributed if filters.attributed else SpendSupplier.resolution.not_in(ATTRIBUTED))
    return found


# --- The classification groups the headline figures are summed from ----------------------------------------------


@dataclass(frozen=True)
class _Group:
    """Payments whose suppliers share a classification: one row of the report's main GROUP BY."""

    place: SpendPlace
    basis: PlaceBasis | None
    social_economy: bool
    legal_form: LegalForm | None
    sme: bool | None
    decile: int | None
    attributed: bool
    exclusion: Exclusion | None
    pence: int
    payments: int
    suppliers: int


def _group_matches(group: _Group, filters: PaymentFilters) -> bool:
    """Whether a classification group's payments pass ``filters`` (those a group can answer: not category, month or
    supplier). The same rules as :func:`filter_conditions`, so a figure summed here is what payments_behind finds."""
    if filters.category is not None or filters.month is not None or filters.supplier_id is not None:
        raise ReportError("A classification group cannot answer category, month or supplier filters")
    if filters.places and group.place not in filters.places:
        return False
    if filters.basis is not None and group.basis != filters.basis:
        return False
    if filters.no_basis and group.basis is not None:
        return False
    if filters.measured and group.place == SpendPlace.NOT_A_SUPPLIER:
        return False
    if filters.exclusion is not None and group.exclusion != filters.exclusion:
        return False
    if filters.social_economy is not None and group.social_economy != filters.social_economy:
        return False
    if filters.legal_form is not None and group.legal_form != filters.legal_form:
        return False
    if filters.sme is not None and group.sme is not _SME_VALUE[filters.sme]:
        return False
    if filters.deprived is not None and not (group.decile is not None and 1 <= group.decile <= filters.deprived):
        return False
    if filters.decile_known is not None and (group.decile is not None) != filters.decile_known:
        return False
    return filters.attributed is None or group.attributed == filters.attributed


_SME_VALUE: dict[SmeStatus, bool | None] = {SmeStatus.YES: True, SmeStatus.NO: False, SmeStatus.UNKNOWN: None}


@dataclass
class _Groups:
    groups: list[_Group]
    total_payments: int

    def sum(self, filters: PaymentFilters) -> tuple[int, int, int]:
        """(pence, payments, suppliers) of the groups that pass ``filters``."""
        pence = payments = suppliers = 0
        for group in self.groups:
            if _group_matches(group, filters):
                pence += group.pence
                payments += group.payments
                suppliers += group.suppliers
        return pence, payments, suppliers


@dataclass(frozen=True)
class _SupplierSum:
    """What one supplier was paid in the period, with its classification."""

    supplier: SpendSupplierClass
    pence: int
    payments: int


@dataclass(frozen=True)
class SpendSupplierClass:
    """A supplier's classification as the report reads it (without loading the whole row)."""

    id: int
    name: str
    place: SpendPlace
    basis: PlaceBasis | None
    social_economy: bool
    legal_form: LegalForm | None
    sme: bool | None
    imd_decile: int | None
    resolution: Resolution
    exclusion: Exclusion | None
    provider_id: int | None


@dataclass
class _Scan:
    """What one pass over the period's payments gives: each supplier's sums with its classification, the
    classification groups, each month's and each category's (all, measured, local) sums and each file's sums."""

    suppliers: list[_SupplierSum]
    groups: _Groups
    months: dict[tuple[int, int], list[int]]
    categories: dict[str | None, list[int]]
    by_batch: dict[int, tuple[int, int]]
    #: The first and last days with payments (None with none).
    first_day: date | None = None
    last_day: date | None = None


#: The classification columns the report reads from each supplier.
_CLASSIFICATION = (
    SpendSupplier.name,
    SpendSupplier.place,
    SpendSupplier.place_basis,
    SpendSupplier.social_economy,
    SpendSupplier.legal_form,
    SpendSupplier.sme,
    SpendSupplier.imd_decile,
    SpendSupplier.resolution,
    SpendSupplier.exclusion,
    SpendSupplier.provider_id,
)


def _scan(session: Session, conditions: Sequence[ColumnElement[bool]], dimension: str) -> _Scan:
    """One pass over the period's payments, grouped in SQL by supplier, file, day and category (a common table
    expression, so payments are read once); from that, three groupings joined to the suppliers' classification: by
    supplier; by file and day; by category; each with its measured and local parts.

    Summing before joining means the join touches some thousands of supplier-days, not every payment; grouping by
    day rather than month spares SQLite working out a month from each payment's date (strftime costs more than the
    grouping), and a file has at most 366 days, folded into months here.
    """
    lines = categorised_payments(conditions, dimension)
    day = (
        select(
            lines.c.supplier_id,
            lines.c.batch_id,
            lines.c.paid_on,
            lines.c.category,
            func.sum(lines.c.amount_pence).label("pence"),
            func.count().label("payments"),
        )
        .group_by(lines.c.supplier_id, lines.c.batch_id, lines.c.paid_on, lines.c.category)
        .cte("supplier_days")
    )
    measured = SpendSupplier.place != SpendPlace.NOT_A_SUPPLIER
    is_local = SpendSupplier.place == SpendPlace.LOCAL
    parts = (
        func.sum(day.c.pence),
        func.sum(day.c.payments),
        func.sum(case((measured, day.c.pence), else_=0)),
        func.sum(case((measured, day.c.payments), else_=0)),
        func.sum(case((is_local, day.c.pence), else_=0)),
        func.sum(case((is_local, day.c.payments), else_=0)),
    )
    by_supplier = (
        select(
            literal("supplier").label("kind"),
            SpendSupplier.id,
            type_coerce(null(), Integer).label("batch_id"),
            type_coerce(null(), Date).label("paid_on"),
            type_coerce(null(), String).label("category"),
            *parts,
            *_CLASSIFICATION,
        )
        .join(SpendSupplier, SpendSupplier.id == day.c.supplier_id)
        # By the supplier's key alone: its other columns depend on it (PostgreSQL allows them in the select list for
        # that reason), and a narrow key keeps the sort small.
        .group_by(SpendSupplier.id)
    )
    by_day = (
        select(
            literal("day"), null(), day.c.batch_id, day.c.paid_on, null(), *parts, *[null() for _ in _CLASSIFICATION]
        )
        .join(SpendSupplier, SpendSupplier.id == day.c.supplier_id)
        .group_by(day.c.batch_id, day.c.paid_on)
    )
    by_category = (
        select(literal("category"), null(), null(), null(), day.c.category, *parts, *[null() for _ in _CLASSIFICATION])
        .join(SpendSupplier, SpendSupplier.id == day.c.supplier_id)
        .group_by(day.c.category)
    )
    sums: list[_SupplierSum] = []
    keyed: dict[tuple[Any, ...], list[int]] = {}
    months: dict[tuple[int, int], list[int]] = {}
    categories: dict[str | None, list[int]] = {}
    by_batch: dict[int, tuple[int, int]] = {}
    days: list[date] = []
    total_payments = 0
    row: Any
    for row in session.execute(union_all(by_supplier, by_day, by_category)):
        kind, supplier_id, batch_id, paid_on, category = row[:5]
        numbers = [int(value or 0) for value in row[5:11]]
        pence, payments = numbers[0], numbers[1]
        if kind == "day":
            days.append(paid_on)
            into = months.setdefault((paid_on.year, paid_on.month), [0] * 6)
            for index, number in enumerate(numbers):
                into[index] += number
            was = by_batch.get(int(batch_id), (0, 0))
            by_batch[int(batch_id)] = (was[0] + pence, was[1] + payments)
            continue
        if kind == "category":
            categories[category] = numbers
            continue
        name, place, basis, social, form, sme, decile, resolution, exclusion, provider_id = row[11:]
        found = SpendSupplierClass(
            int(supplier_id), name, place, basis, bool(social), form, sme, decile, resolution, exclusion, provider_id
        )
        sums.append(_SupplierSum(found, pence, payments))
        # Deciles 3 to 10 answer every filter alike: one group for them keeps the groups few.
        bucket = decile if decile is None or decile <= 2 else 3
        key = (place, basis, bool(social), form, sme, bucket, resolution in ATTRIBUTED, exclusion)
        totals = keyed.setdefault(key, [0, 0, 0])
        totals[0] += pence
        totals[1] += payments
        totals[2] += 1
        total_payments += payments
    groups = [
        _Group(
            place=key[0],
            basis=key[1],
            social_economy=key[2],
            legal_form=key[3],
            sme=key[4],
            decile=key[5],
            attributed=key[6],
            exclusion=key[7],
            pence=pence,
            payments=payments,
            suppliers=suppliers,
        )
        for key, (pence, payments, suppliers) in keyed.items()
    ]
    return _Scan(
        sums,
        _Groups(groups, total_payments),
        months,
        categories,
        by_batch,
        min(days, default=None),
        max(days, default=None),
    )


def _mapped_dimension(session: Session, period: Period, batch_ids: Sequence[int]) -> str | None:
    """'auto' from the files themselves: the first column (ProClass, service area, department, expense type) that
    files holding at least half the period's payments have (their confirmed column mappings say so). None when a
    file's mapping is not recorded, so the payments are counted instead."""
    if not batch_ids:
        return None
    weights: dict[str, int] = dict.fromkeys(AUTO_ORDER, 0)
    total = 0
    for mapping, counts, start, end in session.execute(
        select(SpendBatch.mapping, SpendBatch.counts, SpendBatch.period_start, SpendBatch.period_end).where(
            SpendBatch.id.in_(batch_ids)
        )
    ):
        if start is not None and end is not None and (end < period.start or start > period.end):
            continue
        if not mapping:
            return None
        weight = int((counts or {}).get("payments") or 1)
        total += weight
        fields = set(mapping)
        for dimension in AUTO_ORDER:
            if fields & _DIMENSION_FIELDS[dimension]:
                weights[dimension] += weight
    if not total:
        return None
    return next((d for d in AUTO_ORDER if Fraction(weights[d], total) >= AUTO_FILLED), None)


#: The spend file fields (app.domain.spend.columns.SpendField values) each dimension is read from.
_DIMENSION_FIELDS: dict[str, set[str]] = {
    "proclass": {"proclass_label", "proclass_code"},
    "service_area": {"service_area"},
    "department": {"department"},
    "expense_type": {"expense_type"},
}


def resolve_dimension(
    session: Session, council: Council, period: Period, dimension: str, batch_ids: Sequence[int] | None = None
) -> str:
    """The category column a report of ``period`` uses: ``dimension`` itself, or for 'auto' the first of ProClass,
    service area, department and expense type that most of the period's payments have (the files' confirmed
    columns say, else the payments are counted)."""
    if dimension != "auto":
        if dimension not in DIMENSIONS:
            raise ReportError(f"There is no category column called {dimension}")
        return dimension
    if batch_ids is None:
        batch_ids = counting_batch_ids(session, council)
    mapped = _mapped_dimension(session, period, batch_ids)
    if mapped is not None:
        return mapped
    return choose_dimension(*_filled(session, counting_conditions(council, period, batch_ids)))


def _filled(session: Session, conditions: Sequence[ColumnElement[bool]]) -> tuple[dict[str, int], int]:
    """How many of the period's payments fill in each category column, and how many there are (for 'auto')."""
    row = session.execute(
        select(func.count(), *[func.count(category_column(dimension)) for dimension in AUTO_ORDER]).where(*conditions)
    ).one()
    return {dimension: int(count or 0) for dimension, count in zip(AUTO_ORDER, row[1:], strict=True)}, int(row[0])


def choose_dimension(filled: Mapping[str, int], payments: int) -> str:
    """'auto': the first column (ProClass, service area, department, expense type) that most payments fill in,
    else the one filled in most (ProClass when none is)."""
    for dimension in AUTO_ORDER:
        if payments and Fraction(filled.get(dimension, 0), payments) >= AUTO_FILLED:
            return dimension
    best = max(AUTO_ORDER, key=lambda d: (filled.get(d, 0), -AUTO_ORDER.index(d)))
    return best


# --- The report -----------------------------------------------------------------------------------------------------


def spend_report(session: Session, council: Council, period: Period, *, dimension: str = "auto") -> SpendReport:
    """The council's spend report for ``period``, categories from ``dimension`` ('auto' chooses; see
    :func:`choose_dimension`)."""
    if dimension != "auto" and dimension not in DIMENSIONS:
        raise ReportError(f"There is no category column called {dimension}")
    batch_ids = counting_batch_ids(session, council)
    conditions = counting_conditions(council, period, batch_ids)
    chosen = dimension == "auto"
    dimension = resolve_dimension(session, council, period, dimension, batch_ids)
    scan = _scan(session, conditions, dimension)
    groups = scan.groups

    total_pence, total_payments, _ = groups.sum(PaymentFilters())
    measured_filters = PaymentFilters(measured=True)
    base, measured_payments, _ = groups.sum(measured_filters)

    def figure(key: str, label: str, filters: PaymentFilters, *, of: str = "measured", hint: str = "") -> Figure:
        pence, payments, _ = groups.sum(filters)
        against = base if of == "measured" else total_pence
        return Figure(key, label, pence, payments, share(pence, against), filters, of, hint, against)

    total = Figure("total", "All payments", total_pence, total_payments, None, PaymentFilters(), "total")
    measured = Figure(
        "measured",
        "Measured spend",
        base,
        measured_payments,
        share(base, total_pence),
        measured_filters,
        "total",
        "All payments less those to payees that are not suppliers for this measure",
    )
    not_a_supplier = figure(
        "not_a_supplier",
        SpendPlace.NOT_A_SUPPLIER.label,
        PaymentFilters(places=(SpendPlace.NOT_A_SUPPLIER,)),
        of="total",
        hint="Left out of the measured spend: see the method note",
    )
    places = []
    for row in PLACE_ROWS:
        filters = PaymentFilters(
            places=(row.place,), basis=row.basis, no_basis=row.place == SpendPlace.LOCAL and row.basis is None
        )
        found = figure(row.key, row.label, filters, hint=row.hint)
        # The fixed rows always show; a local basis nobody used, or 'basis not recorded', only when it has spend.
        if found.payments or row.place != SpendPlace.LOCAL or row.basis == PlaceBasis.REGISTERED_OFFICE:
            places.append(found)
    local = figure("local", SpendPlace.LOCAL.label, PaymentFilters(places=(SpendPlace.LOCAL,)))
    social = figure(
        "social_economy",
        "Social economy",
        PaymentFilters(measured=True, social_economy=True),
        hint="Charities, CICs, co-operatives, community benefit societies, companies limited by guarantee and "
        "community groups",
    )
    forms = [
        figure(
            f"social_economy_{form.value}",
            form.label,
            PaymentFilters(measured=True, social_economy=True, legal_form=form),
        )
        for form in LegalForm
        if form in SOCIAL_ECONOMY_FORMS
    ]
    sme = figure("sme", "SMEs", PaymentFilters(measured=True, sme=SmeStatus.YES))
    not_sme = figure("not_sme", "Not SMEs", PaymentFilters(measured=True, sme=SmeStatus.NO))
    sme_unknown = figure("sme_unknown", "Size not known", PaymentFilters(measured=True, sme=SmeStatus.UNKNOWN))
    deprived_10 = figure(
        "deprived_10", "Suppliers in the 10% most deprived areas", PaymentFilters(measured=True, deprived=1)
    )
    deprived_20 = figure(
        "deprived_20", "Suppliers in the 20% most deprived areas", PaymentFilters(measured=True, deprived=2)
    )
    decile_known = figure(
        "decile_known", "Deprivation of the supplier's area known", PaymentFilters(measured=True, decile_known=True)
    )
    attributed = figure("attributed", "Attributed", PaymentFilters(attributed=True), of="total")
    not_attributed = figure(
        "not_attributed",
        "Not attributed yet",
        PaymentFilters(attributed=False),
        of="total",
        hint="Suppliers not yet matched to the register, placed by an officer or left out of the measure",
    )
    _, _, not_attributed_suppliers = groups.sum(PaymentFilters(attributed=False))
    exclusions = []
    for reason in Exclusion:
        filters = PaymentFilters(places=(SpendPlace.NOT_A_SUPPLIER,), exclusion=reason)
        pence, payments, suppliers = groups.sum(filters)
        if payments:
            row_figure = Figure(
                f"excluded_{reason.value}", reason.label, pence, payments, share(pence, total_pence), filters, "total"
            )
            exclusions.append(ExcludedRow(reason, row_figure, suppliers))

    categories = _categories(scan.categories, dimension, base)
    months = _months(scan.months, period)
    by_batch = scan.by_batch
    top = _top_suppliers(scan.suppliers, base)
    method = _method_note(
        session,
        council,
        period,
        by_batch,
        local=local,
        places=places,
        measured=measured,
        total=total,
        excluded=not_a_supplier,
        exclusions=exclusions,
        not_attributed=not_attributed,
        not_attributed_suppliers=not_attributed_suppliers,
        sme_unknown=sme_unknown,
        decile_known=decile_known,
        outside_years=outside_years(session, council, batch_ids),
    )
    known = sme.pence + not_sme.pence
    return SpendReport(
        council_id=council.id,
        council_name=council.name,
        period=period,
        dimension=dimension,
        dimension_chosen=chosen,
        total=total,
        measured=measured,
        not_a_supplier=not_a_supplier,
        places=places,
        local=local,
        social_economy=social,
        social_economy_forms=forms,
        sme=sme,
        not_sme=not_sme,
        sme_unknown=sme_unknown,
        sme_share_of_known=share(sme.pence, known),
        deprived_10=deprived_10,
        deprived_20=deprived_20,
        decile_known=decile_known,
        attributed=attributed,
        not_attributed=not_attributed,
        categories=categories,
        months=months,
        top_suppliers=top,
        method=method,
        first_paid_on=scan.first_day,
        last_paid_on=scan.last_day,
    )


def _categories(sums: Mapping[str | None, list[int]], dimension: str, base: int) -> list[CategoryRow]:
    """Measured spend by category of ``dimension``, each with its local part, largest first (categories whose
    payments all went to payees left out of the measure are left out)."""
    rows: list[CategoryRow] = []
    for label, (_, _, pence, payments, local_pence, local_payments) in sums.items():
        if not payments:
            continue
        spend_filters = PaymentFilters(measured=True, category=(dimension, label))
        local_filters = PaymentFilters(places=(SpendPlace.LOCAL,), category=(dimension, label))
        name = label if label is not None else NO_CATEGORY
        rows.append(
            CategoryRow(
                label,
                Figure(
                    f"category:{name}",
                    name,
                    pence,
                    int(payments or 0),
                    share(pence, base),
                    spend_filters,
                    base_pence=base,
                ),
                Figure(
                    f"category_local:{name}",
                    f"{name}: local",
                    local_pence,
                    int(local_payments or 0),
                    share(local_pence, pence),
                    local_filters,
                    "category",
                    base_pence=pence,
                ),
            )
        )
    rows.sort(key=lambda row: (-row.spend.pence, row.label is None, row.name.lower()))
    return rows


def _months(sums: Mapping[tuple[int, int], list[int]], period: Period) -> list[MonthRow]:
    """Every month of the period (those without payments too, so a trend shows the gap): all spend, measured
    spend and the local part of it."""
    rows = []
    for key in period.months:
        total_pence, total_payments, measured_pence, measured_payments, local_pence, local_payments = sums.get(
            key, [0, 0, 0, 0, 0, 0]
        )
        name = f"{date(key[0], key[1], 1):%B %Y}"
        stamp = f"{key[0]:04d}-{key[1]:02d}"
        rows.append(
            MonthRow(
                key[0],
                key[1],
                Figure(f"month:{stamp}", name, total_pence, total_payments, None, PaymentFilters(month=key), "total"),
                Figure(
                    f"month_measured:{stamp}",
                    f"{name}: measured",
                    measured_pence,
                    measured_payments,
                    share(measured_pence, total_pence),
                    PaymentFilters(month=key, measured=True),
                    "total",
                    base_pence=total_pence,
                ),
                Figure(
                    f"month_local:{stamp}",
                    f"{name}: local",
                    local_pence,
                    local_payments,
                    share(local_pence, measured_pence),
                    PaymentFilters(month=key, places=(SpendPlace.LOCAL,)),
                    "month",
                    base_pence=measured_pence,
                ),
            )
        )
    return rows


def _top_suppliers(sums: Sequence[_SupplierSum], base: int) -> list[SupplierRow]:
    """The suppliers paid most in the measured spend (payees left out of the measure are not suppliers)."""
    measured = [row for row in sums if row.supplier.place != SpendPlace.NOT_A_SUPPLIER]
    measured.sort(key=lambda row: (-row.pence, row.supplier.id))
    return [
        SupplierRow(
            supplier_id=row.supplier.id,
            name=row.supplier.name,
            place=row.supplier.place,
            basis=row.supplier.basis,
            legal_form=row.supplier.legal_form,
            social_economy=row.supplier.social_economy,
            resolution=row.supplier.resolution,
            provider_id=row.supplier.provider_id,
            spend=Figure(
                f"supplier:{row.supplier.id}",
                row.supplier.name,
                row.pence,
                row.payments,
                share(row.pence, base),
                PaymentFilters(supplier_id=row.supplier.id),
            ),
        )
        for row in measured[:TOP_SUPPLIERS]
    ]


# --- The method note ------------------------------------------------------------------------------------------------


def local_area_names(session: Session, council: Council) -> tuple[str, str | None]:
    """The council's local area and wider area in words ('Knowsley', 'Liverpool City Region').

    The classification already placed every supplier; only the words are needed here, so the boundaries (which
    bordering authorities would need) are not loaded.
    """
    if council.local_area_definition == LocalAreaDefinition.WITH_BORDERING:
        name = f"{council.district.name} and the authorities that border it"
    else:
        name = local_area_for(session, council, None).name
    return name, council.wider_area.name if council.wider_area else None


def _source_files(session: Session, council: Council, by_batch: Mapping[int, tuple[int, int]]) -> list[SourceFile]:
    """The files the period's payments come from, with what each holds of the period."""
    if not by_batch:
        return []
    batches = list(
        session.scalars(
            select(SpendBatch).where(SpendBatch.id.in_(by_batch)).order_by(SpendBatch.period_start, SpendBatch.id)
        )
    )
    publishers = {b.publisher for b in batches}
    basis_query = select(SpendMapping.publisher, SpendMapping.amount_basis).where(
        SpendMapping.council_id == council.id, SpendMapping.publisher.in_(publishers)
    )
    bases: dict[str, str | None] = dict(session.execute(basis_query).all())
    return [
        SourceFile(
            batch_id=b.id,
            file_name=b.file_name,
            publisher=b.publisher,
            imported_at=b.imported_at,
            period_start=b.period_start,
            period_end=b.period_end,
            payments=by_batch[b.id][1],
            pence=by_batch[b.id][0],
            amount_basis=bases.get(b.publisher),
        )
        for b in batches
    ]


def _basis_sentence(local: Figure, places: Sequence[Figure]) -> str:
    """How local spend splits by the basis it rests on."""
    parts = []
    for row in places:
        if row.key.startswith("local_") and row.pence:
            words = {
                "local_registered_office": "a registered office in the area",
                "local_branched": "a branch in the area (a trading site, its registered office elsewhere)",
                "local_trading_site": "a trading site with no registered office known",
                "local_officer": "a postcode given by an officer",
                "local_no_basis": "no recorded basis",
            }[row.key]
            parts.append(f"{percent_text(share(row.pence, local.pence))} on {words} ({row.money})")
    if not parts:
        return "No spend is counted as local in this period."
    return "Of local spend, " + _and(parts) + "."


def _and(parts: Sequence[str], conjunction: str = "and") -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + f" {conjunction} " + parts[-1]


def counted(number: int, one: str, many: str | None = None) -> str:
    """'1 payment', '2,000 payments' (``many`` when the plural is not ``one`` + 's')."""
    return f"{number:,} {one if number == 1 else (many or one + 's')}"


def _method_note(
    session: Session,
    council: Council,
    period: Period,
    by_batch: Mapping[int, tuple[int, int]],
    *,
    local: Figure,
    places: Sequence[Figure],
    measured: Figure,
    total: Figure,
    excluded: Figure,
    exclusions: list[ExcludedRow],
    not_attributed: Figure,
    not_attributed_suppliers: int,
    sme_unknown: Figure,
    decile_known: Figure,
    outside_years: list[OutsideYears],
) -> MethodNote:
    area, wider = local_area_names(session, council)
    linked = select(SpendSupplier.provider_id).where(
        SpendSupplier.council_id == council.id, SpendSupplier.provider_id.is_not(None)
    )
    updated_at, verified_at = session.execute(
        select(func.max(Provider.updated_at), func.max(Provider.verified_at)).where(Provider.id.in_(linked))
    ).one()
    classified_at = session.scalar(
        select(func.max(SpendSupplier.classified_at)).where(SpendSupplier.council_id == council.id)
    )
    release = session.scalar(select(DeprivationRelease.name).where(DeprivationRelease.active.is_(True)).limit(1))
    files = _source_files(session, council, by_batch)
    others = [f for f in files if not same_publisher(f.publisher, council.name)]

    lines = [
        f"Local means {area} ({in_sentence(council.local_area_definition.label)})"
        + (f"; the wider area is {wider}." if wider else "; the council has no wider area."),
        "A supplier counts as local when its registered office or a trading site is in the local area, as the "
        "register records its premises, or when an officer gave a postcode there. " + _basis_sentence(local, places),
        f"Shares are of the measured spend: {measured.money} of {total.money} paid {period.in_sentence}. "
        + (
            f"{excluded.money} ({excluded.percent} of all payments) went to payees that are not suppliers for this "
            "measure and is left out, because it is not spend the council could place with local suppliers: "
            + _and(
                [
                    f"{in_sentence(r.reason)} {r.spend.money} ({r.suppliers:,} payee{'s' if r.suppliers != 1 else ''})"
                    for r in exclusions
                ]
            )
            + "."
            if excluded.payments
            else "No payee has been left out of the measure."
        ),
        "Credits (negative amounts) are netted off against payments in every figure.",
    ]
    unexplained = excluded.pence - sum(r.spend.pence for r in exclusions)
    if excluded.payments and unexplained:
        lines.append(f"{format_pence(unexplained)} was left out with no reason recorded.")
    if not_attributed.payments:
        lines.append(
            f"{not_attributed.money} ({not_attributed.percent} of all payments, {not_attributed.payments:,} "
            f"payment{'s' if not_attributed.payments != 1 else ''} "
            f"to {not_attributed_suppliers:,} supplier{'s' if not_attributed_suppliers != 1 else ''}) is not "
            "attributed yet: its place is counted as not known, which lowers every share. Attributing the largest "
            "suppliers raises the spend measured."
        )
    else:
        lines.append("Every supplier paid in this period is attributed.")
    if updated_at or verified_at:
        register = "Register data: organisations linked to these suppliers were last changed on " + (
            govuk_date(updated_at) if updated_at else "an unknown date"
        )
        if verified_at:
            register += f" and last verified on {govuk_date(verified_at)}"
        lines.append(register + ".")
    else:
        lines.append("No supplier paid by the council is linked to an organisation on the register yet.")
    if classified_at:
        lines.append(f"Suppliers were last classified on {govuk_date(classified_at)}.")
    lines.append(
        f"Size (SME) comes from the register where it holds the organisation's staff and turnover; the size of "
        f"suppliers taking {sme_unknown.percent} of measured spend ({sme_unknown.money}) is not known."
    )
    if release:
        lines.append(
            f"Deprivation: {release}, by the postcode of the supplier's site that decides its place (decile 1 is the "
            f"10% most deprived areas in England). It is known for suppliers taking {decile_known.percent} of "
            "measured spend."
        )
    else:
        lines.append("Deprivation: no deprivation data is loaded, so the deprived-area shares cannot be measured.")
    if files:
        described = []
        for f in files:
            basis = f", amounts {f.amount_basis} of VAT" if f.amount_basis in ("net", "gross") else ""
            when = f", imported {govuk_date(f.imported_at)}" if f.imported_at else ""
            described.append(
                f"{f.file_name} ({f.publisher}{when}{basis}: {counted(f.payments, 'payment')} in this period)"
            )
        published = "as the council published them" if not others else "as their publishers published them"
        lines.append(f"The figures come from {counted(len(files), 'file')} {published}: " + "; ".join(described) + ".")
        if others:
            lines.append(_publishers_sentence(council, others))
    else:
        lines.append(f"No imported file holds payments {period.in_sentence}.")
    if outside_years:
        lines.append(outside_years_sentence(outside_years))
    return MethodNote(
        local_area_name=area,
        local_area_definition=council.local_area_definition.label,
        wider_area_name=wider,
        exclusions=exclusions,
        excluded=excluded,
        not_attributed=not_attributed,
        not_attributed_suppliers=not_attributed_suppliers,
        register_updated_at=updated_at,
        register_verified_at=verified_at,
        classified_at=classified_at,
        deprivation_release=release,
        files=files,
        other_publishers=others,
        outside_years=outside_years,
        lines=lines,
    )


def same_publisher(publisher: str, council_name: str) -> bool:
    """Whether a file's publisher is the council itself (letter case and runs of spaces aside)."""
    return " ".join(publisher.split()).casefold() == " ".join(council_name.split()).casefold()


def _publishers_sentence(council: Council, others: Sequence[SourceFile]) -> str:
    """Which files another body published: their payments count here as the council's own."""
    files = [
        f"{f.file_name} ({f.publisher}: {counted(f.payments, 'payment')}, {format_pence(f.pence)})" for f in others
    ]
    pence = sum(f.pence for f in others)
    payments = sum(f.payments for f in others)
    one_file, one_payment = len(others) == 1, payments == 1
    return (
        f"Not every file was published by {council.name}: {_and(files)} {'was' if one_file else 'were'} published "
        f"by another body. {'Its' if one_file else 'Their'} {counted(payments, 'payment')} ({format_pence(pence)}) "
        f"{'is' if one_payment else 'are'} counted in every figure as {council.name}'s spend; if "
        f"{'it is' if one_payment else 'they are'} not, an officer can undo {'the file' if one_file else 'the files'}."
    )


def outside_years_sentence(found: Sequence[OutsideYears]) -> str:
    """The payments no period can show, because their dates fall outside the years a report covers."""
    payments = sum(f.payments for f in found)
    pence = sum(f.pence for f in found)
    files = [
        f"{f.file_name} ({counted(f.payments, 'payment')} dated "
        + (govuk_date(f.first) if f.first == f.last else f"{govuk_date(f.first)} to {govuk_date(f.last)}")
        + ")"
        for f in found
    ]
    return (
        f"{counted(payments, 'payment')} ({format_pence(pence)}) {'is' if payments == 1 else 'are'} dated outside "
        f"the years a report covers ({years_shown()}), so no period offered here includes "
        f"{'it' if payments == 1 else 'them'}: {_and(files)}. Such a date is usually a typing slip in the file; an "
        f"officer can undo the file and import it again with the date put right."
    )


def outside_years(session: Session, council: Council, batch_ids: Sequence[int] | None = None) -> list[OutsideYears]:
    """The counting payments dated outside the years a report can show, by file (usually none)."""
    if batch_ids is None:
        batch_ids = counting_batch_ids(session, council)
    if not batch_ids:
        return []
    query = (
        select(
            SpendBatch.id,
            SpendBatch.file_name,
            func.count(),
            func.coalesce(func.sum(Payment.amount_pence), 0),
            func.min(Payment.paid_on),
            func.max(Payment.paid_on),
        )
        .join(SpendBatch, SpendBatch.id == Payment.batch_id)
        .where(
            Payment.council_id == council.id,
            Payment.batch_id.in_(batch_ids),
            or_(Payment.paid_on < date(EARLIEST_YEAR, 1, 1), Payment.paid_on > date(LATEST_YEAR, 12, 31)),
        )
        .group_by(SpendBatch.id, SpendBatch.file_name)
        .order_by(SpendBatch.id)
    )
    return [
        OutsideYears(int(batch_id), file_name, int(count), int(pence), first, last)
        for batch_id, file_name, count, pence, first, last in session.execute(query)
    ]


# --- The payments behind a figure -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PaymentRow:
    """A payment with its supplier (and the classification it takes) and the file it came from."""

    payment: Payment
    supplier: SpendSupplier
    file_name: str


@dataclass(frozen=True)
class PaymentsPage(Paged):
    """A page of the payments behind a figure, and the sum of all of them (which is the figure)."""

    rows: list[PaymentRow]
    total: int
    page: int
    per_page: int
    total_pence: int
    filters: PaymentFilters
    period: Period


#: How the payments behind a figure may be ordered.
PAYMENT_ORDERS = ("date", "amount")


def payments_query(
    council: Council, period: Period, filters: PaymentFilters, batch_ids: Sequence[int]
) -> Select[Payment, SpendSupplier, str]:
    """The payments (with supplier and file name) that ``filters`` finds in the period's counting batches."""
    return (
        select(Payment, SpendSupplier, SpendBatch.file_name)
        .join(SpendSupplier, SpendSupplier.id == Payment.supplier_id)
        .join(SpendBatch, SpendBatch.id == Payment.batch_id)
        .where(*counting_conditions(council, period, batch_ids), *filter_conditions(filters))
    )


def payments_behind(
    session: Session,
    council: Council,
    period: Period,
    filters: PaymentFilters | None = None,
    *,
    place: SpendPlace | Iterable[SpendPlace] | None = None,
    basis: PlaceBasis | None = None,
    category: tuple[str, str | None] | None = None,
    supplier_id: int | None = None,
    month: tuple[int, int] | None = None,
    social_economy: bool | None = None,
    deprived: int | None = None,
    page: int = 1,
    per_page: int = 50,
    order: str = "date",
) -> PaymentsPage:
    """The payments a figure sums, a page at a time, with their sum: give the figure's ``filters`` (or the same
    filters one by one). ``order`` is 'date' (oldest first, then by file and row) or 'amount' (largest first)."""
    chosen = filters or PaymentFilters()
    changes: dict[str, object] = {}
    if place is not None:
        changes["places"] = (place,) if isinstance(place, SpendPlace) else tuple(place)
    for name, value in (
        ("basis", basis),
        ("category", category),
        ("supplier_id", supplier_id),
        ("month", month),
        ("social_economy", social_economy),
        ("deprived", deprived),
    ):
        if value is not None:
            changes[name] = value
    if changes:
        chosen = chosen.with_(**changes)
    if order not in PAYMENT_ORDERS:
        raise ReportError("Order the payments by date or by amount")
    batch_ids = counting_batch_ids(session, council)
    conditions = [*counting_conditions(council, period, batch_ids), *filter_conditions(chosen)]
    count, pence = session.execute(
        select(func.count(), func.coalesce(func.sum(Payment.amount_pence), 0))
        .select_from(Payment)
        .join(SpendSupplier, SpendSupplier.id == Payment.supplier_id)
        .where(*conditions)
    ).one()
    total = int(count)
    page = clamp_page(page, total, per_page)
    ordering = (
        [Payment.paid_on, Payment.batch_id, Payment.row_number, Payment.id]
        if order == "date"
        else [Payment.amount_pence.desc(), Payment.paid_on, Payment.id]
    )
    query = payments_query(council, period, chosen, batch_ids).order_by(*ordering)
    rows = [
        PaymentRow(payment, supplier, file_name)
        for payment, supplier, file_name in session.execute(query.offset(offset_of(page, per_page)).limit(per_page))
    ]
    return PaymentsPage(rows, total, page, per_page, int(pence), chosen, period)


# --- Periods with data, and two periods side by side ----------------------------------------------------------------


def months_with_payments(session: Session, council: Council) -> dict[tuple[int, int], int]:
    """(year, month) -> how many counting payments the council has in it."""
    batch_ids = counting_batch_ids(session, council)
    if not batch_ids:
        return {}
    year = extract("year", Payment.paid_on)
    month = extract("month", Payment.paid_on)
    query = (
        select(year, month, func.count())
        .where(Payment.council_id == council.id, Payment.batch_id.in_(batch_ids))
        .group_by(year, month)
    )
    return {(int(y), int(m)): int(n) for y, m, n in session.execute(query)}


def period_choices(session: Session, council: Council) -> PeriodChoices:
    """The months, quarters and financial years that hold the council's payments, newest first (payments dated
    outside the years a period can be chosen in are set apart, never raised: see periods_with_data)."""
    return periods_with_data(months_with_payments(session, council))


def has_payments(session: Session, council: Council, period: Period) -> bool:
    """Whether any counting payment of the council falls in ``period``."""
    batch_ids = counting_batch_ids(session, council)
    if not batch_ids:
        return False
    found = session.scalar(select(Payment.id).where(*counting_conditions(council, period, batch_ids)).limit(1))
    return found is not None


def comparison_offers(session: Session, council: Council, period: Period, choices: PeriodChoices) -> list[Period]:
    """The periods a report of ``period`` offers to compare it with, each holding payments (a comparison with a
    period that has none could only say 'Not comparable'): the period before, else the latest other period of the
    same kind with payments (an earlier one first); then the same period a year before when it differs."""

    def holds(candidate: Period | None) -> bool:
        if candidate is None or candidate == period:
            return False
        listed = choices.holds(candidate)
        return listed if listed is not None else has_payments(session, council, candidate)

    offers: list[Period] = []
    previous = previous_of(period)
    first = previous if holds(previous) else choices.other_with_data(period)
    if first is not None and first != period:
        offers.append(first)
    year_before = year_before_of(period)
    if year_before is not None and year_before not in offers and holds(year_before):
        offers.append(year_before)
    return offers


@dataclass(frozen=True)
class ComparedShare:
    """One share in two periods, and the change in points."""

    key: str
    label: str
    before: Fraction | None
    after: Fraction | None
    before_pence: int
    after_pence: int
    share_of: str = "measured"
    before_filters: PaymentFilters | None = None
    after_filters: PaymentFilters | None = None
    #: What each share is of, in pence, where that can be a net credit (a category's measured spend).
    before_base: int | None = None
    after_base: int | None = None

    @property
    def before_text(self) -> str:
        """The earlier share in words ('Net credit' rather than a negative share: see shares.share_text)."""
        return share_text(self.before, self.before_pence, self.before_base)

    @property
    def after_text(self) -> str:
        return share_text(self.after, self.after_pence, self.after_base)

    @property
    def change(self) -> Fraction | None:
        return points(self.before, self.after)

    @property
    def change_text(self) -> str:
        return points_text(self.change)

    def as_dict(self) -> dict[str, Any]:
        change = self.change
        return {
            "key": self.key,
            "label": self.label,
            "before": _share_number(self.before),
            "after": _share_number(self.after),
            "before_pence": self.before_pence,
            "after_pence": self.after_pence,
            "change_points": None if change is None else float(round(change, 4)),
        }


@dataclass(frozen=True)
class Comparison:
    """Two reports side by side: each share with its change in points, and each category's local share."""

    before: SpendReport
    after: SpendReport
    shares: list[ComparedShare]
    categories: list[ComparedShare]

    @property
    def measured_shares(self) -> list[ComparedShare]:
        """The shares of each period's measured spend (or of a part of it the label names): one table."""
        return [row for row in self.shares if row.share_of != "total"]

    @property
    def total_shares(self) -> list[ComparedShare]:
        """The shares of all each period's payments (the measured spend itself, the attributed): another table."""
        return [row for row in self.shares if row.share_of == "total"]

    def method_lines(self) -> list[tuple[str | None, list[str]]]:
        """The method notes of both periods: the lines they share once (heading None), then each period's own
        lines under its label."""
        was, now = self.before.method.lines, self.after.method.lines
        shared = [line for line in now if line in was]
        groups: list[tuple[str | None, list[str]]] = []
        if shared:
            groups.append((None, shared))
        for report, lines in ((self.before, was), (self.after, now)):
            own = [line for line in lines if line not in shared]
            if own:
                groups.append((report.period.label, own))
        return groups

    def as_dict(self) -> dict[str, Any]:
        return {
            "before": self.before.period.label,
            "after": self.after.period.label,
            "shares": [row.as_dict() for row in self.shares],
            "categories": [row.as_dict() for row in self.categories],
        }


def _compared(before: Figure | None, after: Figure | None, label: str | None = None) -> ComparedShare:
    either = after or before
    assert either is not None
    return ComparedShare(
        either.key,
        label or either.label,
        before.share if before else None,
        after.share if after else None,
        before.pence if before else 0,
        after.pence if after else 0,
        either.share_of,
        before.filters if before else None,
        after.filters if after else None,
        before.base_pence if before else None,
        after.base_pence if after else None,
    )


def _share_figures(report: SpendReport) -> list[Figure]:
    return [
        report.measured,
        report.local,
        *report.places,
        report.social_economy,
        *report.social_economy_forms,
        report.sme,
        report.not_sme,
        report.sme_unknown,
        report.deprived_10,
        report.deprived_20,
        report.attributed,
    ]


def compare_reports(before: SpendReport, after: SpendReport) -> Comparison:
    """``before`` and ``after`` side by side (normally an earlier period first): every share, with the change in
    percentage points; a share either period does not have (a basis used in one only) counts as 0% there."""
    befores = {f.key: f for f in _share_figures(before)}
    afters = {f.key: f for f in _share_figures(after)}
    keys = list(afters) + [key for key in befores if key not in afters]
    shares = []
    for key in keys:
        was, now = befores.get(key), afters.get(key)
        row = _compared(was, now)
        # A row missing on one side had no spend there: 0% of a measured base, not 'not comparable'.
        if was is None and before.measured.pence > 0:
            row = replace(row, before=Fraction(0), before_pence=0)
        if now is None and after.measured.pence > 0:
            row = replace(row, after=Fraction(0), after_pence=0)
        shares.append(row)
        if key == "not_sme":
            shares.append(
                ComparedShare(
                    "sme_share_of_known",
                    "SMEs, of the spend whose supplier's size is known",
                    before.sme_share_of_known,
                    after.sme_share_of_known,
                    before.sme.pence,
                    after.sme.pence,
                    "known",
                )
            )
    categories = []
    if before.dimension == after.dimension:
        was_rows = {row.label: row for row in before.categories}
        now_rows = {row.label: row for row in after.categories}
        for label in list(now_rows) + [label for label in was_rows if label not in now_rows]:
            was_row, now_row = was_rows.get(label), now_rows.get(label)
            name = now_row.name if now_row else was_row.name if was_row else NO_CATEGORY
            categories.append(_compared(was_row.local if was_row else None, now_row.local if now_row else None, name))
    return Comparison(before, after, shares, categories)
