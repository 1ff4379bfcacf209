"""The spend report: every figure is the sum of the payments behind it; shares of the measured base; the method note."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from fractions import Fraction

import pytest
from sqlalchemy.orm import Session

from app.domain.providers import LegalForm
from app.domain.spend.classification import Exclusion, PlaceBasis, Resolution, SpendPlace
from app.domain.spend.lifecycle import SpendBatchStatus
from app.domain.spend.periods import Period
from app.domain.spend.shares import FilterError, PaymentFilters, SmeStatus
from app.models import Council, DeprivationRelease, SpendBatch, SpendMapping, SpendSupplier
from app.services.spend.report import (
    Figure,
    ReportError,
    choose_dimension,
    compare_reports,
    comparison_offers,
    months_with_payments,
    payments_behind,
    period_choices,
    resolve_dimension,
    spend_report,
)
from tests import factories
from tests.factories import CouncilSetup
from tests.spend_factories import payment, spend_batch, spend_supplier

Q1 = Period.quarter(2026, 1)  # April to June 2026
APRIL, MAY, JUNE = date(2026, 4, 10), date(2026, 5, 10), date(2026, 6, 10)


@dataclass
class Scene:
    council: Council
    batch: SpendBatch
    based: SpendSupplier
    branched: SpendSupplier
    officer: SpendSupplier
    wider: SpendSupplier
    outside: SpendSupplier
    unknown: SpendSupplier
    suggested: SpendSupplier
    hmrc: SpendSupplier
    school: SpendSupplier


def build_scene(session: Session, knowsley: CouncilSetup) -> Scene:
    """A quarter of Knowsley's spend: £100,000 measured, £15,000 left out, credits, and noise that must not count."""
    council = knowsley.council
    batch = spend_batch(session, council, file_name="knowsley-q1.csv", period_start=APRIL, period_end=JUNE)
    c = council
    based = spend_supplier(
        session, c, "Page Moss Gardens CIC", place=SpendPlace.LOCAL, basis=PlaceBasis.REGISTERED_OFFICE,
        legal_form=LegalForm.CIC, sme=True, imd_decile=1,
    )  # fmt: skip
    branched = spend_supplier(
        session, c, "Big Builders Ltd", place=SpendPlace.LOCAL, basis=PlaceBasis.BRANCHED,
        legal_form=LegalForm.PRIVATE_COMPANY, sme=False, imd_decile=4,
    )  # fmt: skip
    officer = spend_supplier(
        session, c, "Huyton Food Bank", place=SpendPlace.LOCAL, basis=PlaceBasis.OFFICER,
        legal_form=LegalForm.CHARITY, imd_decile=2,
    )  # fmt: skip
    wider = spend_supplier(
        session, c, "Liverpool Co-op", place=SpendPlace.WIDER, legal_form=LegalForm.COOPERATIVE, sme=True
    )
    outside = spend_supplier(
        session, c, "National Facilities plc", place=SpendPlace.OUTSIDE, legal_form=LegalForm.PRIVATE_COMPANY,
        sme=False,
    )  # fmt: skip
    unknown = spend_supplier(session, c, "J Smith Plumbing")
    suggested = spend_supplier(session, c, "Acme Cleaning", resolution=Resolution.SUGGESTED)
    hmrc = spend_supplier(session, c, "HMRC", place=SpendPlace.NOT_A_SUPPLIER, exclusion=Exclusion.TAX)
    school = spend_supplier(session, c, "St Mary's School", place=SpendPlace.NOT_A_SUPPLIER)

    def pay(supplier: SpendSupplier, pence: int, on: date, area: str | None = "Parks", **kw: str) -> None:
        payment(session, batch, supplier, pence, on, service_area=area, department="Place", **kw)

    pay(based, 20_000_00, APRIL)
    pay(based, 6_000_00, MAY, "Highways")
    pay(based, -1_000_00, JUNE)  # a credit: nets off
    pay(branched, 15_000_00, APRIL, "Highways")
    pay(officer, 4_000_00, MAY, None)
    pay(wider, 10_000_00, APRIL)
    pay(outside, 30_000_00, MAY, "Highways")
    pay(outside, 5_000_00, JUNE)
    pay(unknown, 8_000_00, JUNE, "Highways")
    pay(suggested, 3_000_00, APRIL)
    pay(hmrc, 12_000_00, APRIL, "Finance")
    pay(school, 3_000_00, MAY, "Finance")

    # None of this counts: another period, an undone batch, a failed batch, another council.
    pay(outside, 99_000_00, date(2026, 3, 31))
    pay(outside, 99_000_00, date(2026, 7, 1))
    for status in (SpendBatchStatus.UNDONE, SpendBatchStatus.FAILED, SpendBatchStatus.IMPORTING):
        other = spend_batch(session, council, status=status)
        payment(session, other, based, 99_000_00, MAY, service_area="Parks")
    elsewhere = Council(name="Liverpool City Council", district=knowsley.neighbour)
    session.add(elsewhere)
    session.flush()
    their_supplier = spend_supplier(session, elsewhere, "Page Moss Gardens CIC", place=SpendPlace.LOCAL)
    payment(session, spend_batch(session, elsewhere), their_supplier, 99_000_00, MAY)
    return Scene(council, batch, based, branched, officer, wider, outside, unknown, suggested, hmrc, school)


@pytest.fixture
def scene(session: Session, knowsley: CouncilSetup) -> Scene:
    return build_scene(session, knowsley)


def test_every_figure_is_exactly_the_sum_of_the_payments_behind_it(session: Session, scene: Scene) -> None:
    report = spend_report(session, scene.council, Q1)
    figures = report.figures()
    assert len(figures) > 40
    for figure in figures:
        behind = payments_behind(session, scene.council, Q1, figure.filters, per_page=500)
        assert (behind.total_pence, behind.total) == (figure.pence, figure.payments), figure.key
        assert sum(row.payment.amount_pence for row in behind.rows) == figure.pence, figure.key


@pytest.mark.parametrize("dimension", ["auto", "department", "service_area", "expense_type", "proclass"])
def test_category_figures_trace_to_their_payments_in_every_dimension(
    session: Session, scene: Scene, dimension: str
) -> None:
    report = spend_report(session, scene.council, Q1, dimension=dimension)
    assert sum(row.spend.pence for row in report.categories) == report.measured.pence
    for row in report.categories:
        for figure in (row.spend, row.local):
            behind = payments_behind(session, scene.council, Q1, figure.filters, per_page=500)
            assert (behind.total_pence, behind.total) == (figure.pence, figure.payments)


def test_by_the_registers_services_once_an_officer_has_matched_the_categories(session: Session, scene: Scene) -> None:
    from app.models import ServiceCategory
    from app.services.audit import Actor
    from app.services.spend.leakage import leakage_opportunities, map_category

    grounds = ServiceCategory(slug="grounds-maintenance", name="Grounds maintenance")
    roads = ServiceCategory(slug="roads-and-highways", name="Roads and highways")
    session.add_all([grounds, roads])
    session.flush()
    actor, now = Actor.system("test"), datetime(2026, 7, 1, tzinfo=UTC)
    map_category(session, scene.council, "service_area", "Parks", grounds, actor, now)
    map_category(session, scene.council, "service_area", "Highways", roads, actor, now)
    # A second match of the same category counts its payments once, under the first service by name.
    map_category(session, scene.council, "service_area", "Highways", grounds, actor, now)
    session.flush()

    report = spend_report(session, scene.council, Q1, dimension="service")
    by_name = {row.label: row.spend.pence for row in report.categories}
    assert sum(by_name.values()) == report.measured.pence
    first_for_highways = min(grounds.name, roads.name)
    parks = 20_000_00 - 1_000_00 + 10_000_00 + 5_000_00 + 3_000_00  # Parks payments of measured suppliers
    highways = 6_000_00 + 15_000_00 + 30_000_00 + 8_000_00
    assert by_name[grounds.name] == parks + (highways if first_for_highways == grounds.name else 0)
    assert by_name[None] == 4_000_00  # no service area: not matched to a service
    for row in report.categories:
        behind = payments_behind(session, scene.council, Q1, row.spend.filters, per_page=500)
        assert (behind.total_pence, behind.total) == (row.spend.pence, row.spend.payments)
    # Leakage by the register's services: each service is its own match.
    found = {o.label: o for o in leakage_opportunities(session, scene.council, Q1, dimension="service")}
    assert [s.name for s in found[grounds.name].services] == [grounds.name]


def test_headline_figures_and_shares_of_the_measured_base(session: Session, scene: Scene) -> None:
    report = spend_report(session, scene.council, Q1)
    assert (report.total.pence, report.total.payments) == (115_000_00, 12)
    assert (report.measured.pence, report.measured.payments) == (100_000_00, 10)
    assert (report.not_a_supplier.pence, report.not_a_supplier.share) == (15_000_00, Fraction(15, 115))
    assert report.measured.share == Fraction(100, 115)
    places = {f.key: (f.pence, f.share) for f in report.places}
    assert places == {
        "local_registered_office": (25_000_00, Fraction(25, 100)),
        "local_branched": (15_000_00, Fraction(15, 100)),
        "local_officer": (4_000_00, Fraction(4, 100)),
        "wider": (10_000_00, Fraction(10, 100)),
        "outside": (35_000_00, Fraction(35, 100)),
        "not_known": (11_000_00, Fraction(11, 100)),
    }
    # The place rows share out the measured base exactly.
    assert sum(f.pence for f in report.places) == report.measured.pence
    assert sum(f.share for f in report.places if f.share is not None) == 1
    assert (report.local.pence, report.local.share) == (44_000_00, Fraction(44, 100))
    assert report.local.percent == "44.0%"


def test_a_credit_nets_off(session: Session, scene: Scene) -> None:
    report = spend_report(session, scene.council, Q1)
    based = next(f for f in report.places if f.key == "local_registered_office")
    assert (based.pence, based.payments) == (25_000_00, 3)  # £20,000 + £6,000 - £1,000


def test_social_economy_by_legal_form_sme_and_deprivation(session: Session, scene: Scene) -> None:
    report = spend_report(session, scene.council, Q1)
    assert report.social_economy.pence == 25_000_00 + 4_000_00 + 10_000_00
    forms = {f.label: f.pence for f in report.social_economy_forms if f.pence}
    assert forms == {
        LegalForm.CIC.label: 25_000_00,
        LegalForm.CHARITY.label: 4_000_00,
        LegalForm.COOPERATIVE.label: 10_000_00,
    }
    assert (report.sme.pence, report.not_sme.pence, report.sme_unknown.pence) == (35_000_00, 50_000_00, 15_000_00)
    assert report.sme_share_of_known == Fraction(35, 85)
    assert report.sme_unknown.share == Fraction(15, 100)
    assert report.deprived_10.pence == 25_000_00
    assert report.deprived_20.pence == 29_000_00
    assert report.decile_known.pence == 44_000_00


def test_attribution(session: Session, scene: Scene) -> None:
    report = spend_report(session, scene.council, Q1)
    # The unresolved and the merely suggested are not attributed; excluded payees are.
    assert (report.not_attributed.pence, report.not_attributed.payments) == (11_000_00, 2)
    assert report.attributed.pence == 104_000_00
    assert report.attributed.share == Fraction(104, 115) and report.attributed.share_of == "total"
    assert report.method.not_attributed_suppliers == 2


def test_categories_with_their_local_share_and_auto_dimension(session: Session, scene: Scene) -> None:
    report = spend_report(session, scene.council, Q1)
    # No ProClass; service area is given on most payments, so 'auto' takes it.
    assert (report.dimension, report.dimension_chosen, report.dimension_label) == ("service_area", True, "Service area")
    rows = {row.name: (row.spend.pence, row.local.pence, row.local_share) for row in report.categories}
    assert rows == {
        "Highways": (59_000_00, 21_000_00, Fraction(21, 59)),
        "Parks": (37_000_00, 19_000_00, Fraction(19, 37)),
        "Not given": (4_000_00, 4_000_00, Fraction(1)),
    }
    assert [row.name for row in report.categories] == ["Highways", "Parks", "Not given"]
    by_department = spend_report(session, scene.council, Q1, dimension="department")
    assert [(row.name, row.spend.pence) for row in by_department.categories] == [("Place", 100_000_00)]
    with pytest.raises(ReportError):
        spend_report(session, scene.council, Q1, dimension="colour")


@pytest.mark.parametrize(
    ("filled", "payments", "chosen"),
    [
        ({"proclass": 60, "service_area": 100}, 100, "proclass"),
        ({"proclass": 40, "service_area": 100}, 100, "service_area"),
        ({"proclass": 10, "department": 30, "expense_type": 20}, 100, "department"),
        ({}, 0, "proclass"),
        ({"expense_type": 80}, 100, "expense_type"),
    ],
)
def test_auto_chooses_the_most_specific_column_most_payments_fill(
    filled: dict[str, int], payments: int, chosen: str
) -> None:
    assert choose_dimension(filled, payments) == chosen


def test_every_month_of_the_period_with_its_local_share(session: Session, scene: Scene) -> None:
    report = spend_report(session, scene.council, Q1)
    assert [(m.label, m.total.pence, m.measured.pence, m.local.pence) for m in report.months] == [
        ("April 2026", 60_000_00, 48_000_00, 35_000_00),
        ("May 2026", 43_000_00, 40_000_00, 10_000_00),
        ("June 2026", 12_000_00, 12_000_00, -1_000_00),
    ]
    assert report.months[0].local.share == Fraction(35, 48)
    year = spend_report(session, scene.council, Period.financial_year(2026))
    assert len(year.months) == 12 and year.months[-1].total.payments == 0


def test_top_suppliers_are_measured_suppliers_largest_first(session: Session, scene: Scene) -> None:
    report = spend_report(session, scene.council, Q1)
    assert [(row.name, row.spend.pence) for row in report.top_suppliers] == [
        ("National Facilities plc", 35_000_00),
        ("Page Moss Gardens CIC", 25_000_00),
        ("Big Builders Ltd", 15_000_00),
        ("Liverpool Co-op", 10_000_00),
        ("J Smith Plumbing", 8_000_00),
        ("Huyton Food Bank", 4_000_00),
        ("Acme Cleaning", 3_000_00),
    ]
    first = report.top_suppliers[0]
    assert (first.place, first.spend.share) == (SpendPlace.OUTSIDE, Fraction(35, 100))


def test_the_method_note_says_basis_exclusions_register_date_attribution_deprivation_and_files(
    session: Session, scene: Scene
) -> None:
    provider = factories.provider(session, "Page Moss Gardens CIC")
    provider.verified_at = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    scene.based.provider_id = provider.id
    session.add(
        DeprivationRelease(name="English Indices of Deprivation 2019 (LSOA 2011)", postcode_lookup="ONS", active=True)
    )
    session.add(
        SpendMapping(council_id=scene.council.id, publisher=scene.batch.publisher, columns={}, amount_basis="net")
    )
    session.flush()
    note = spend_report(session, scene.council, Q1).method
    text = note.text
    assert note.local_area_name == "Knowsley" and note.wider_area_name == "Liverpool City Region"
    assert "Local means Knowsley (the council's own area); the wider area is Liverpool City Region." in text
    assert (
        "Of local spend, 56.8% on a registered office in the area (£25,000), 34.1% on a branch in the area (a "
        "trading site, its registered office elsewhere) (£15,000) and 9.1% on a postcode given by an officer (£4,000)."
    ) in text
    assert "Shares are of the measured spend: £100,000 of £115,000 paid in Q1 2026-27 (April to June 2026)." in text
    assert "£15,000 (13.0% of all payments) went to payees that are not suppliers" in text
    assert "another public body £3,000 (1 payee) and tax or duty £12,000 (1 payee)" in text
    assert [(row.exclusion, row.spend.pence, row.suppliers) for row in note.exclusions] == [
        (Exclusion.PUBLIC_BODY, 3_000_00, 1),
        (Exclusion.TAX, 12_000_00, 1),
    ]
    assert "Credits (negative amounts) are netted off" in text
    assert "£11,000 (9.6% of all payments, 2 payments to 2 suppliers) is not attributed yet" in text
    assert f"last changed on {provider.updated_at.day} " in text and "last verified on 2 March 2026" in text
    assert note.register_verified_at is not None and note.register_verified_at.date() == date(2026, 3, 2)
    assert "Suppliers were last classified on 2 May 2026." in text
    assert "Deprivation: English Indices of Deprivation 2019 (LSOA 2011)" in text
    assert note.deprivation_release == "English Indices of Deprivation 2019 (LSOA 2011)"
    assert "size of suppliers taking 15.0% of measured spend (£15,000) is not known" in text
    assert (
        "The figures come from 1 file as the council published them: knowsley-q1.csv (Knowsley Council, imported "
        "2 May 2026, amounts net of VAT: 12 payments in this period)." in text
    )
    assert [(f.file_name, f.payments, f.pence) for f in note.files] == [("knowsley-q1.csv", 12, 115_000_00)]


def test_the_method_note_when_nothing_is_linked_or_loaded(session: Session, knowsley: CouncilSetup) -> None:
    batch = spend_batch(session, knowsley.council, file_name="one.csv")
    supplier = spend_supplier(session, knowsley.council, "Someone")
    payment(session, batch, supplier, 1_000_00, APRIL)
    text = spend_report(session, knowsley.council, Q1).method.text
    assert "No payee has been left out of the measure." in text
    assert "No supplier paid by the council is linked to an organisation on the register yet." in text
    assert "no deprivation data is loaded" in text
    assert "No spend is counted as local in this period." in text


def test_an_empty_period(session: Session, scene: Scene) -> None:
    report = spend_report(session, scene.council, Period.month(2025, 1))
    assert report.empty and report.total.pence == 0
    assert report.local.share is None and report.local.percent == "Not measured"
    assert report.categories == [] and report.top_suppliers == []
    assert report.headline() == ["No payments from Knowsley Council in January 2025 have been imported."]
    assert "No imported file holds payments in January 2025." in report.method.text


def test_a_council_with_no_counting_batches(session: Session, knowsley: CouncilSetup) -> None:
    spend_batch(session, knowsley.council, status=SpendBatchStatus.MAPPING)
    report = spend_report(session, knowsley.council, Q1)
    assert report.empty and period_choices(session, knowsley.council).empty


def test_payments_behind_a_figure(session: Session, scene: Scene) -> None:
    page = payments_behind(session, scene.council, Q1, per_page=5)
    assert (page.total, page.pages, page.total_pence) == (12, 3, 115_000_00)
    assert [row.payment.paid_on for row in page.rows] == sorted(row.payment.paid_on for row in page.rows)
    last = payments_behind(session, scene.council, Q1, per_page=5, page=99)
    assert (last.page, len(last.rows), last.first, last.last) == (3, 2, 11, 12)
    biggest = payments_behind(session, scene.council, Q1, order="amount", per_page=1)
    assert biggest.rows[0].payment.amount_pence == 30_000_00
    assert biggest.rows[0].supplier.name == "National Facilities plc"
    assert biggest.rows[0].file_name == "knowsley-q1.csv"

    local_parks = payments_behind(
        session, scene.council, Q1, place=SpendPlace.LOCAL, category=("service_area", "Parks")
    )
    assert (local_parks.total, local_parks.total_pence) == (2, 19_000_00)
    assert local_parks.filters == PaymentFilters(places=(SpendPlace.LOCAL,), category=("service_area", "Parks"))
    not_given = payments_behind(session, scene.council, Q1, category=("service_area", None))
    assert [row.supplier.name for row in not_given.rows] == ["Huyton Food Bank"]
    may = payments_behind(session, scene.council, Q1, month=(2026, 5), basis=PlaceBasis.OFFICER)
    assert may.total_pence == 4_000_00
    one = payments_behind(session, scene.council, Q1, supplier_id=scene.based.id, deprived=1, social_economy=True)
    assert one.total_pence == 25_000_00
    two_places = payments_behind(session, scene.council, Q1, place=[SpendPlace.WIDER, SpendPlace.OUTSIDE])
    assert two_places.total_pence == 45_000_00
    sme_unknown = payments_behind(session, scene.council, Q1, PaymentFilters(measured=True, sme=SmeStatus.UNKNOWN))
    assert sme_unknown.total_pence == 15_000_00
    with pytest.raises(ReportError):
        payments_behind(session, scene.council, Q1, order="name")


def test_months_with_payments_and_period_choices(session: Session, scene: Scene) -> None:
    months = months_with_payments(session, scene.council)
    assert months == {(2026, 3): 1, (2026, 4): 5, (2026, 5): 4, (2026, 6): 3, (2026, 7): 1}
    choices = period_choices(session, scene.council)
    assert choices.default() == Period.financial_year(2026)
    assert [p.value for p in choices.years] == ["2026-27", "2025-26"]


def test_two_periods_side_by_side_with_the_change_in_points(session: Session, scene: Scene) -> None:
    # February: £50,000 measured, all of it local and based.
    earlier = spend_batch(session, scene.council, file_name="knowsley-q4.csv")
    payment(session, earlier, scene.based, 50_000_00, date(2026, 2, 1), service_area="Parks")
    before = spend_report(session, scene.council, Period.month(2026, 2))
    after = spend_report(session, scene.council, Q1)
    comparison = compare_reports(before, after)
    rows = {row.key: row for row in comparison.shares}
    assert rows["local"].before == 1 and rows["local"].after == Fraction(44, 100)
    assert rows["local"].change == -56 and rows["local"].change_text == "down 56.0 points"
    # A basis February did not use is 0% there, not 'not comparable'.
    assert rows["local_branched"].before == 0 and rows["local_branched"].change_text == "up 15.0 points"
    assert rows["sme_share_of_known"].before == 1 and rows["sme_share_of_known"].after == Fraction(35, 85)
    parks = next(row for row in comparison.categories if row.label == "Parks")
    assert (parks.before, parks.after) == (1, Fraction(19, 37))
    highways = next(row for row in comparison.categories if row.label == "Highways")
    assert highways.before is None and highways.change_text == "Not comparable"
    as_dict = comparison.as_dict()
    assert as_dict["before"] == "February 2026"
    assert next(r for r in as_dict["shares"] if r["key"] == "local")["change_points"] == -56.0


def test_as_dict_has_pence_and_shares_from_0_to_1(session: Session, scene: Scene) -> None:
    data = spend_report(session, scene.council, Q1).as_dict()
    assert data["period"] == {
        "kind": "quarter",
        "value": "2026-27-Q1",
        "label": "Q1 2026-27 (April to June 2026)",
        "start": "2026-04-01",
        "end": "2026-06-30",
    }
    assert data["total"]["pence"] == 115_000_00 and data["local"]["share"] == 0.44
    assert data["local"]["filters"] == {"place": "local"}
    assert data["sme_share_of_known"] == round(35 / 85, 6)
    assert data["method"]["note"][0].startswith("Local means Knowsley")
    assert data["categories"][0]["label"] == "Highways"


def test_headline_lines(session: Session, scene: Scene) -> None:
    lines = spend_report(session, scene.council, Q1).headline()
    assert lines[0] == "Knowsley Council paid £115,000 in 12 payments in Q1 2026-27 (April to June 2026)."
    assert "Local (Knowsley): 44.0% (£44,000)." in lines
    assert "  Local: a branch in the area: 15.0% (£15,000)" in lines


def test_a_supplier_excluded_mid_way_moves_every_payment(session: Session, scene: Scene) -> None:
    """Payments take their supplier's classification: reclassify it and the figures follow, still traceable."""
    scene.outside.place = SpendPlace.NOT_A_SUPPLIER
    scene.outside.exclusion = Exclusion.PUBLIC_BODY
    session.flush()
    report = spend_report(session, scene.council, Q1)
    assert report.measured.pence == 65_000_00 and report.local.share == Fraction(44, 65)
    for figure in report.figures():
        assert payments_behind(session, scene.council, Q1, figure.filters).total_pence == figure.pence


def test_figure_as_dict() -> None:
    figure = Figure("local", "Local", 123_45, 2, Fraction(1, 3), PaymentFilters(places=(SpendPlace.LOCAL,)))
    assert figure.as_dict() == {
        "key": "local",
        "label": "Local",
        "pence": 12345,
        "payments": 2,
        "share": 0.333333,
        "share_of": "measured",
        "filters": {"place": "local"},
    }
    assert (figure.money, figure.percent) == ("£123.45", "33.3%")


def test_auto_follows_the_files_confirmed_columns_when_they_say(session: Session, knowsley: CouncilSetup) -> None:
    """A file whose confirmed mapping has a ProClass column gives ProClass, even where few lines fill it in; a file
    outside the period does not count; a file with no recorded mapping means the payments are counted instead."""
    council = knowsley.council
    with_proclass = spend_batch(session, council, period_start=APRIL, period_end=JUNE)
    with_proclass.mapping = {"supplier_name": 0, "amount": 1, "date": 2, "service_area": 3, "proclass_label": 4}
    with_proclass.counts = {"payments": 3}
    old = spend_batch(session, council, period_start=date(2025, 4, 1), period_end=date(2025, 6, 30))
    old.mapping = {"supplier_name": 0, "amount": 1, "date": 2, "department": 3}
    supplier = spend_supplier(session, council, "Acme", place=SpendPlace.OUTSIDE)
    for n in range(3):
        payment(
            session,
            with_proclass,
            supplier,
            100_00,
            APRIL,
            service_area="Parks",
            proclass_label="Grounds" if n else None,
        )
    report = spend_report(session, council, Q1)
    assert report.dimension == "proclass"
    assert {row.name: row.spend.payments for row in report.categories} == {"Grounds": 2, "Not given": 1}
    assert resolve_dimension(session, council, Q1, "department") == "department"
    with pytest.raises(ReportError):
        resolve_dimension(session, council, Q1, "colour")
    unmapped = spend_batch(session, council)  # no mapping recorded, no dates: it may hold the period's payments
    payment(session, unmapped, supplier, 100_00, MAY, service_area="Parks")
    assert resolve_dimension(session, council, Q1, "auto") == "proclass"  # 2 of 4 lines: half
    payment(session, unmapped, supplier, 100_00, MAY, service_area="Parks")
    assert resolve_dimension(session, council, Q1, "auto") == "service_area"  # 2 of 5 have ProClass, 5 a service area


# --- What the report says about the payments behind it: their dates, their publishers -------------------------------


def test_a_payment_dated_outside_the_years_a_report_covers_never_breaks_it(session: Session, scene: Scene) -> None:
    """A row dated 07/04/1999 that got in (small files let far-out dates through) is set apart and said, never
    raised: the chooser, the report and its method note all still work."""
    odd = spend_batch(session, scene.council, file_name="small.xlsx")
    payment(session, odd, scene.outside, 250_00, date(1999, 4, 7))
    payment(session, odd, scene.outside, 100_00, date(2101, 1, 2))
    choices = period_choices(session, scene.council)
    assert choices.outside == ((2101, 1), (1999, 4)) and choices.outside_payments == 2
    assert choices.default() == Period.financial_year(2026)
    assert months_with_payments(session, scene.council)[(1999, 4)] == 1
    report = spend_report(session, scene.council, Q1)
    assert [(f.file_name, f.payments, f.pence, f.first, f.last) for f in report.method.outside_years] == [
        ("small.xlsx", 2, 350_00, date(1999, 4, 7), date(2101, 1, 2))
    ]
    assert (
        "2 payments (£350) are dated outside the years a report covers (2000 to 2099), so no period offered here "
        "includes them: small.xlsx (2 payments dated 7 April 1999 to 2 January 2101)."
    ) in report.method.text
    assert report.total.pence == 115_000_00  # the quarter's figures are untouched
    assert report.as_dict()["method"]["outside_years"] == [
        {
            "batch": odd.id,
            "file_name": "small.xlsx",
            "payments": 2,
            "pence": 350_00,
            "first": "1999-04-07",
            "last": "2101-01-02",
        }
    ]
    # A filter can never ask for such a month either.
    with pytest.raises(FilterError, match="Enter a month in a year from 2000 to 2099"):
        PaymentFilters(month=(1999, 4))


def test_no_word_about_dates_outside_the_years_when_there_are_none(session: Session, scene: Scene) -> None:
    report = spend_report(session, scene.council, Q1)
    assert report.method.outside_years == [] and "dated outside" not in report.method.text


def test_files_another_body_published_are_named_in_the_headline_and_the_method_note(
    session: Session, knowsley: CouncilSetup
) -> None:
    council = knowsley.council
    own = spend_batch(session, council, file_name="knowsley.csv", publisher="KNOWSLEY  council")
    theirs = spend_batch(session, council, file_name="hyndburn.csv", publisher="Hyndburn Borough Council")
    supplier = spend_supplier(session, council, "Acme", place=SpendPlace.OUTSIDE)
    payment(session, own, supplier, 1_000_00, APRIL)
    payment(session, theirs, supplier, 2_000_00, MAY)
    payment(session, theirs, supplier, 3_000_00, MAY)
    report = spend_report(session, council, Q1)
    assert report.publishers == ["KNOWSLEY  council", "Hyndburn Borough Council"]
    assert [f.file_name for f in report.method.other_publishers] == ["hyndburn.csv"]
    assert report.headline()[0] == (
        "£6,000 was paid in 3 payments in Q1 2026-27 (April to June 2026), from files published by KNOWSLEY  council "
        "and Hyndburn Borough Council."
    )
    assert (
        "Not every file was published by Knowsley Council: hyndburn.csv (Hyndburn Borough Council: 2 payments, "
        "£5,000) was published by another body. Its 2 payments (£5,000) are counted in every figure as Knowsley "
        "Council's spend; if they are not, an officer can undo the file."
    ) in report.method.text
    assert "The figures come from 2 files as their publishers published them:" in report.method.text
    # The council's own files only (its name in another case is still the council): no word of publishers.
    alone = spend_report(session, council, Period.month(2026, 4))
    assert not alone.from_other_publishers
    assert alone.summary == "Knowsley Council paid £1,000 in 1 payment in April 2026."
    assert "Not every file" not in alone.method.text


def test_one_payment_is_said_in_the_singular(session: Session, knowsley: CouncilSetup) -> None:
    batch = spend_batch(session, knowsley.council, file_name="one.csv")
    payment(session, batch, spend_supplier(session, knowsley.council, "Someone"), 10_000_00, APRIL)
    report = spend_report(session, knowsley.council, Period.month(2026, 4))
    assert report.headline()[0] == "Knowsley Council paid £10,000 in 1 payment in April 2026."
    text = report.method.text
    assert "one.csv (Knowsley Council, imported 2 May 2026: 1 payment in this period)" in text
    assert "1 payments" not in text and not any("1 payments" in line for line in report.headline())
    assert "(100.0% of all payments, 1 payment to 1 supplier)" in text


def test_a_period_the_payments_only_partly_cover_says_which_days_they_cover(
    session: Session, knowsley: CouncilSetup
) -> None:
    council = knowsley.council
    batch = spend_batch(session, council)
    supplier = spend_supplier(session, council, "Acme", place=SpendPlace.OUTSIDE)
    payment(session, batch, supplier, 1_000_00, date(2026, 4, 1))
    payment(session, batch, supplier, 1_000_00, date(2026, 5, 29))
    year = spend_report(session, council, Period.financial_year(2026))
    assert (year.first_paid_on, year.last_paid_on) == (date(2026, 4, 1), date(2026, 5, 29))
    assert year.partly_covered and year.coverage == "The payments imported cover 1 April to 29 May 2026."
    assert year.headline()[1] == "The payments imported cover 1 April to 29 May 2026."
    assert year.as_dict()["coverage"] == year.coverage
    assert (year.as_dict()["first_paid_on"], year.as_dict()["last_paid_on"]) == ("2026-04-01", "2026-05-29")
    # A month whose payments start on the 2nd is covered: a month's payments seldom start on the 1st.
    assert spend_report(session, council, Period.month(2026, 5)).coverage is None
    assert spend_report(session, council, Period(date(2026, 4, 1), date(2026, 5, 31))).coverage is None
    # A month missing between the first and last payment is named.
    payment(session, batch, supplier, 1_000_00, date(2026, 7, 3))
    quarter_and_a_bit = spend_report(session, council, Period(date(2026, 4, 1), date(2026, 7, 31)))
    assert quarter_and_a_bit.coverage == "The payments imported cover 1 April to 3 July 2026, with none in June 2026."
    assert spend_report(session, council, Period.month(2026, 6)).coverage is None  # empty: nothing to cover


def test_when_no_suppliers_size_is_known_the_report_says_so(session: Session, knowsley: CouncilSetup) -> None:
    batch = spend_batch(session, knowsley.council)
    payment(session, batch, spend_supplier(session, knowsley.council, "Someone"), 10_000_00, APRIL)
    report = spend_report(session, knowsley.council, Q1)
    assert report.sme_share_of_known is None
    assert report.sme_known_sentence == (
        "No supplier's size is known for the measured spend in Q1 2026-27 (April to June 2026), so the SMEs' share "
        "of it cannot be measured."
    )
    assert "SMEs: 0.0% of measured spend (no supplier's size is known)." in report.headline()
    assert not any("Not measured" in line for line in report.headline())


def test_a_category_of_credits_says_net_credit_not_a_share(session: Session, scene: Scene) -> None:
    # Refunds outweigh payments in 'Refunds' (-£2,000); in 'Mixed' the local part is a credit.
    payment(session, scene.batch, scene.outside, -3_000_00, MAY, service_area="Refunds")
    payment(session, scene.batch, scene.based, 1_000_00, MAY, service_area="Refunds")
    payment(session, scene.batch, scene.outside, 5_000_00, MAY, service_area="Mixed")
    payment(session, scene.batch, scene.based, -500_00, MAY, service_area="Mixed")
    report = spend_report(session, scene.council, Q1)
    rows = {row.name: row for row in report.categories}
    refunds, mixed = rows["Refunds"], rows["Mixed"]
    assert (refunds.spend.pence, refunds.spend.net_credit) == (-2_000_00, True)
    assert refunds.spend.money == "-£2,000" and refunds.spend.percent == "Net credit"
    # Its local part is a payment, but of a whole that is a net credit: no share.
    assert (refunds.local.pence, refunds.local.percent) == (1_000_00, "No share: the whole is a net credit")
    assert mixed.spend.percent == "4.4%"  # £4,500 of £102,500
    assert (mixed.local.pence, mixed.local.percent) == (-500_00, "Net credit")
    # Nothing says 'under -0.1%' or leaves a credit 'Not measured'.
    for figure in report.figures():
        assert "under -" not in figure.percent
    # The figures still trace to their payments.
    for figure in (refunds.spend, refunds.local, mixed.local):
        assert payments_behind(session, scene.council, Q1, figure.filters).total_pence == figure.pence


def test_a_comparison_sets_shares_of_all_payments_apart_and_has_both_method_notes(
    session: Session, scene: Scene
) -> None:
    earlier = spend_batch(session, scene.council, file_name="knowsley-q4.csv")
    payment(session, earlier, scene.based, 50_000_00, date(2026, 2, 1), service_area="Parks")
    before = spend_report(session, scene.council, Period.month(2026, 2))
    after = spend_report(session, scene.council, Q1)
    comparison = compare_reports(before, after)
    assert {row.key for row in comparison.total_shares} == {"measured", "attributed"}
    assert all(row.share_of != "total" for row in comparison.measured_shares)
    assert "local" in {row.key for row in comparison.measured_shares}
    groups = comparison.method_lines()
    headings = [heading for heading, _ in groups]
    assert headings == [None, "February 2026", "Q1 2026-27 (April to June 2026)"]
    shared = groups[0][1]
    assert "Credits (negative amounts) are netted off against payments in every figure." in shared
    assert any("knowsley-q4.csv" in line for line in groups[1][1])
    assert any("knowsley-q1.csv" in line for line in groups[2][1])
    # Every line of both notes is said once.
    assert {line for _, lines in groups for line in lines} == set(before.method.lines) | set(after.method.lines)


def test_comparisons_are_offered_only_with_periods_that_hold_payments(session: Session, knowsley: CouncilSetup) -> None:
    council = knowsley.council
    batch = spend_batch(session, council)
    supplier = spend_supplier(session, council, "Acme", place=SpendPlace.OUTSIDE)
    for day in (date(2024, 6, 1), date(2024, 7, 1), date(2025, 4, 10), date(2025, 5, 10)):
        payment(session, batch, supplier, 1_000_00, day)
    choices = period_choices(session, council)

    def offers(period: Period) -> list[str]:
        return [p.label for p in comparison_offers(session, council, period, choices)]

    # The period before holds payments, and so does the same period a year before.
    assert offers(Period.month(2025, 5)) == ["April 2025"]  # May 2024 has none
    assert offers(Period.financial_year(2025)) == ["2024-25"]
    # Q4 2024-25 has none: the latest earlier quarter with payments instead; then Q1 2024-25, a year before.
    assert offers(Period.quarter(2025, 1)) == ["Q2 2024-25 (July to September 2024)", "Q1 2024-25 (April to June 2024)"]
    # The earliest year: only a later one holds payments.
    assert offers(Period.financial_year(2024)) == ["2025-26"]
    # A range: the same number of days before it, when they hold payments.
    assert offers(Period(date(2025, 5, 1), date(2025, 5, 31))) == ["31 March 2025 to 30 April 2025"]
    assert offers(Period(date(2025, 4, 10), date(2025, 5, 9))) == []
    assert offers(Period(date(2025, 5, 10), date(2025, 6, 8))) == [
        "10 April 2025 to 9 May 2025",
        "10 May 2024 to 8 June 2024",
    ]
    # A year with no payments of its own is offered the year before it, which has some.
    assert offers(Period.financial_year(2026)) == ["2025-26"]
    # Before the earliest year a period can be chosen in: no error, the other year with payments.
    assert offers(Period.financial_year(2000)) == ["2025-26"]
    # A council with one period of payments: nothing to offer.
    alone = Council(name="Sefton Council", district=knowsley.neighbour)
    session.add(alone)
    session.flush()
    payment(session, spend_batch(session, alone), spend_supplier(session, alone, "Acme"), 1_000_00, APRIL)
    assert comparison_offers(session, alone, Period.financial_year(2026), period_choices(session, alone)) == []
