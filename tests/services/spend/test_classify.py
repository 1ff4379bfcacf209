"""Each supplier classified from how it was resolved: a place by the council's own local area on a recorded basis,
its legal form, the social economy, SME where the register knows it, and the deprivation decile of the deciding
site; and each supplier's totals from the batches that count.

Runs on the reference data (Knowsley Council: own area, wider area the Liverpool City Region; the postcode sample)
with the deprivation sample of test_deprivation (real lines: L36 9GD decile 4, L10 0AQ decile 1, L1 0AA decile 1,
L34 1AA decile 2, L31 4ET decile 5).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.domain.policy import LocalAreaDefinition
from app.domain.providers import FactKind, LegalForm, Placement, ProviderSource, ProviderStatus, SiteKind
from app.domain.spend.classification import Exclusion, PlaceBasis, Resolution, SpendPlace
from app.domain.spend.lifecycle import SpendBatchStatus
from app.models import Council, Provider, ProviderFact, Site, SpendSupplier
from app.services.councils import council_by_code
from app.services.seed import SeedReport
from app.services.spend.classify import classify_suppliers, refresh_supplier_totals
from app.services.spend.deprivation import load_deprivation
from tests.services.spend.test_deprivation import write_sample
from tests.spend_factories import payment, spend_batch

NOW = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)
KNOWSLEY, LIVERPOOL, WEST_LANCASHIRE, WESTMINSTER = "E08000011", "E08000012", "E07000127", "E09000033"
RO, TRADING = SiteKind.REGISTERED_OFFICE, SiteKind.TRADING_SITE


@pytest.fixture
def council(reference: SeedReport, session: Session, tmp_path: Path) -> Council:
    """Knowsley Council as seeded, with the deprivation sample loaded."""
    imd, lookup = write_sample(tmp_path)
    load_deprivation(session, imd, lookup, NOW)
    found = council_by_code(session, KNOWSLEY)
    assert found is not None
    return found


def organisation(
    session: Session,
    name: str,
    sites: list[tuple[SiteKind, str | None, str | None]],
    *,
    legal_form: LegalForm = LegalForm.CIC,
    facts: dict[FactKind, str] | None = None,
) -> Provider:
    """A verified organisation with premises (kind, postcode, district code) placed as given."""
    provider = Provider(
        name=name, legal_form=legal_form, status=ProviderStatus.VERIFIED, source=ProviderSource.SELF_REGISTERED
    )
    for kind, postcode, district in sites:
        provider.sites.append(
            Site(
                kind=kind,
                postcode=postcode,
                district_code=district,
                placement=Placement.POSTCODE if district else Placement.NOT_PLACED,
            )
        )
    for kind, value in (facts or {}).items():
        provider.facts.append(ProviderFact(kind=kind, value=value))
    session.add(provider)
    session.flush()
    return provider


def supplier(
    session: Session,
    council: Council,
    name: str,
    resolution: Resolution = Resolution.UNRESOLVED,
    *,
    provider: Provider | None = None,
    postcode: str | None = None,
    basis: PlaceBasis | None = None,
    exclusion: Exclusion | None = None,
) -> SpendSupplier:
    found = SpendSupplier(
        council_id=council.id,
        key=f"name:{name.lower()}",
        name=name,
        resolution=resolution,
        provider_id=provider.id if provider else None,
        postcode=postcode,
        place_basis=basis,
        exclusion=exclusion,
    )
    session.add(found)
    session.flush()
    return found


def classified(session: Session, council: Council, *suppliers: SpendSupplier) -> None:
    assert classify_suppliers(session, council, [s.id for s in suppliers], NOW) == len(suppliers)


def place_of(found: SpendSupplier) -> tuple[object, ...]:
    return (
        found.place,
        found.place_basis,
        found.district_code,
        found.place_postcode,
        found.lsoa_code,
        found.imd_decile,
    )


def test_a_registered_office_in_the_area_is_local_on_that_basis(session: Session, council: Council) -> None:
    provider = organisation(session, "Roby Gardens CIC", [(RO, "L36 9GD", KNOWSLEY)])
    found = supplier(session, council, "Roby Gardens CIC", Resolution.MATCHED, provider=provider)
    classified(session, council, found)
    assert place_of(found) == (SpendPlace.LOCAL, PlaceBasis.REGISTERED_OFFICE, KNOWSLEY, "L36 9GD", "E01006474", 4)
    assert (found.legal_form, found.social_economy, found.sme) == (LegalForm.CIC, True, None)
    assert found.classified_at == NOW


def test_a_trading_site_in_the_area_with_the_office_elsewhere_is_branched(session: Session, council: Council) -> None:
    """The deprivation decile is the local site's, not the registered office's."""
    provider = organisation(
        session, "Lancs Builders Ltd", [(RO, "L31 4ET", WEST_LANCASHIRE), (TRADING, "L10 0AQ", KNOWSLEY)]
    )
    found = supplier(session, council, "Lancs Builders", Resolution.LINKED, provider=provider)
    classified(session, council, found)
    assert place_of(found) == (SpendPlace.LOCAL, PlaceBasis.BRANCHED, KNOWSLEY, "L10 0AQ", "E01006506", 1)


def test_trading_sites_alone_are_the_trading_site_basis(session: Session, council: Council) -> None:
    provider = organisation(session, "Market Stall", [(TRADING, "L10 0AQ", KNOWSLEY)])
    found = supplier(session, council, "Market Stall", Resolution.MATCHED, provider=provider)
    classified(session, council, found)
    assert (found.place, found.place_basis) == (SpendPlace.LOCAL, PlaceBasis.TRADING_SITE)


def test_the_registered_office_decides_when_it_is_as_local_as_a_trading_site(
    session: Session, council: Council
) -> None:
    provider = organisation(session, "Both", [(TRADING, "L10 0AQ", KNOWSLEY), (RO, "L36 9GD", KNOWSLEY)])
    found = supplier(session, council, "Both", Resolution.MATCHED, provider=provider)
    classified(session, council, found)
    assert place_of(found) == (SpendPlace.LOCAL, PlaceBasis.REGISTERED_OFFICE, KNOWSLEY, "L36 9GD", "E01006474", 4)


def test_the_wider_area_and_outside(session: Session, council: Council) -> None:
    liverpool = organisation(session, "City Co", [(RO, "L1 0AA", LIVERPOOL)], legal_form=LegalForm.PRIVATE_COMPANY)
    london = organisation(session, "London plc", [(RO, "SW1A 1AA", WESTMINSTER), (TRADING, "L31 4ET", WEST_LANCASHIRE)])
    wider = supplier(session, council, "City Co", Resolution.MATCHED, provider=liverpool)
    outside = supplier(session, council, "London plc", Resolution.MATCHED, provider=london)
    classified(session, council, wider, outside)
    assert place_of(wider) == (SpendPlace.WIDER, PlaceBasis.REGISTERED_OFFICE, LIVERPOOL, "L1 0AA", "E01006515", 1)
    assert (wider.legal_form, wider.social_economy) == (LegalForm.PRIVATE_COMPANY, False)
    # Outside both: the registered office decides, and no deprivation release covers Westminster.
    assert place_of(outside) == (SpendPlace.OUTSIDE, PlaceBasis.REGISTERED_OFFICE, WESTMINSTER, "SW1A 1AA", None, None)


def test_bordering_authorities_count_when_the_council_says_so(session: Session, council: Council) -> None:
    council.local_area_definition = LocalAreaDefinition.WITH_BORDERING
    liverpool = organisation(session, "City Co", [(RO, "L1 0AA", LIVERPOOL)])
    found = supplier(session, council, "City Co", Resolution.MATCHED, provider=liverpool)
    classified(session, council, found)
    assert (found.place, found.place_basis) == (SpendPlace.LOCAL, PlaceBasis.REGISTERED_OFFICE)


def test_an_organisation_with_no_placed_premises_is_not_known(session: Session, council: Council) -> None:
    provider = organisation(session, "Nowhere Ltd", [(RO, "ZZ9 9ZZ", None)], legal_form=LegalForm.COOPERATIVE, facts={})
    found = supplier(session, council, "Nowhere", Resolution.MATCHED, provider=provider)
    classified(session, council, found)
    assert place_of(found) == (SpendPlace.NOT_KNOWN, None, None, None, None, None)
    assert (found.legal_form, found.social_economy) == (LegalForm.COOPERATIVE, True)


@pytest.mark.parametrize(
    ("facts", "sme"),
    [
        ({FactKind.STAFF_COUNT: "12", FactKind.TURNOVER: "50000000"}, True),
        ({FactKind.STAFF_COUNT: "300"}, False),
        ({FactKind.TURNOVER: "5000000000"}, False),
        ({FactKind.STAFF_COUNT: "12"}, None),
        ({}, None),
    ],
)
def test_sme_is_the_registers_size_facts(
    session: Session, council: Council, facts: dict[FactKind, str], sme: bool | None
) -> None:
    provider = organisation(session, "Sized", [(RO, "L36 9GD", KNOWSLEY)], facts=facts)
    found = supplier(session, council, "Sized", Resolution.MATCHED, provider=provider)
    classified(session, council, found)
    assert found.sme is sme


def test_an_officers_postcode_is_placed_by_the_directory_on_their_basis(session: Session, council: Council) -> None:
    officer = supplier(session, council, "Placed", Resolution.PLACED, postcode="L34 1AA", basis=PlaceBasis.OFFICER)
    branch = supplier(session, council, "Branch", Resolution.PLACED, postcode="L1 0AA", basis=PlaceBasis.BRANCHED)
    unknown = supplier(session, council, "Gone", Resolution.PLACED, postcode="ZZ9 9ZZ")
    classified(session, council, officer, branch, unknown)
    assert place_of(officer) == (SpendPlace.LOCAL, PlaceBasis.OFFICER, KNOWSLEY, "L34 1AA", "E01006464", 2)
    assert place_of(branch) == (SpendPlace.WIDER, PlaceBasis.BRANCHED, LIVERPOOL, "L1 0AA", "E01006515", 1)
    # A postcode the directory no longer has: not known, on the officer's basis still.
    assert place_of(unknown) == (SpendPlace.NOT_KNOWN, PlaceBasis.OFFICER, None, "ZZ9 9ZZ", None, None)
    assert (officer.legal_form, officer.social_economy, officer.sme) == (None, False, None)


def _described(found: SpendSupplier) -> str:
    """How the supplier page says the basis (an officer's postcode is said to be one, whatever basis they chose)."""
    assert found.place_basis is not None
    return found.place_basis.described(found.resolution == Resolution.PLACED)


@pytest.mark.parametrize("basis", list(PlaceBasis))
def test_an_officers_postcode_is_said_to_be_an_officers_on_any_basis(
    session: Session, council: Council, basis: PlaceBasis
) -> None:
    """An officer placed a supplier 'Where it trades': it is a trading site an officer entered, not one 'given on the
    register' (the reviewer's finding 6)."""
    placed = supplier(session, council, "Placed", Resolution.PLACED, postcode="L34 1AA", basis=basis)
    classified(session, council, placed)
    assert placed.place_basis == basis
    assert _described(placed).startswith("An officer entered this postcode")
    assert "the register" not in _described(placed)
    # The basis's own words say what the address is, not where it came from.
    assert "the register" not in basis.hint


def test_the_registers_premises_are_said_to_be_the_registers(session: Session, council: Council) -> None:
    provider = organisation(session, "Roby Gardens CIC", [(TRADING, "L36 9GD", KNOWSLEY)])
    matched = supplier(session, council, "Roby Gardens", Resolution.MATCHED, provider=provider)
    classified(session, council, matched)
    assert matched.place_basis == PlaceBasis.TRADING_SITE
    assert _described(matched) == "A trading site on the register is there; the register gives no registered office"


def test_excluded_and_unresolved_suppliers_lose_any_old_classification(session: Session, council: Council) -> None:
    provider = organisation(session, "Roby Gardens CIC", [(RO, "L36 9GD", KNOWSLEY)])
    left_out = supplier(session, council, "HMRC", Resolution.EXCLUDED, exclusion=Exclusion.TAX)
    waiting = supplier(session, council, "Roby Gardens", Resolution.SUGGESTED, provider=None)
    waiting.candidate_provider_id = provider.id
    for found in (left_out, waiting):
        found.place, found.place_basis, found.imd_decile = SpendPlace.LOCAL, PlaceBasis.REGISTERED_OFFICE, 4
        found.legal_form, found.social_economy = LegalForm.CIC, True
    session.flush()
    classified(session, council, left_out, waiting)
    assert place_of(left_out) == (SpendPlace.NOT_A_SUPPLIER, None, None, None, None, None)
    assert place_of(waiting) == (SpendPlace.NOT_KNOWN, None, None, None, None, None)
    assert (waiting.legal_form, waiting.social_economy) == (None, False)


def test_only_the_suppliers_asked_for_are_classified_or_all_of_the_councils(session: Session, council: Council) -> None:
    provider = organisation(session, "Roby Gardens CIC", [(RO, "L36 9GD", KNOWSLEY)])
    first = supplier(session, council, "One", Resolution.MATCHED, provider=provider)
    second = supplier(session, council, "Two", Resolution.MATCHED, provider=provider)
    classified(session, council, first)
    assert (first.place, second.place, second.classified_at) == (SpendPlace.LOCAL, SpendPlace.NOT_KNOWN, None)
    assert classify_suppliers(session, council, None, NOW) == 2
    assert second.place == SpendPlace.LOCAL
    assert classify_suppliers(session, council, [], NOW) == 0


@contextmanager
def selects(session: Session) -> Iterator[list[str]]:
    statements: list[str] = []
    engine = session.get_bind()

    def listen(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", listen)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", listen)


def test_classifying_many_suppliers_reads_in_a_few_queries(session: Session, council: Council) -> None:
    """Not a query per supplier: the premises, legal forms and facts of every linked organisation at once."""
    many = []
    for number in range(120):
        provider = organisation(
            session,
            f"Org {number}",
            [(RO, "L31 4ET", WEST_LANCASHIRE), (TRADING, "L36 9GD", KNOWSLEY)],
            facts={FactKind.STAFF_COUNT: "5", FactKind.TURNOVER: "100"},
        )
        many.append(supplier(session, council, f"Org {number}", Resolution.MATCHED, provider=provider))
    many.append(supplier(session, council, "Placed", Resolution.PLACED, postcode="L34 1AA"))
    with selects(session) as statements:
        classified(session, council, *many)
    assert len(statements) <= 12, statements
    assert {(s.place, s.place_basis, s.imd_decile, s.sme) for s in many[:-1]} == {
        (SpendPlace.LOCAL, PlaceBasis.BRANCHED, 4, True)
    }


def test_totals_count_the_batches_that_count(session: Session, council: Council) -> None:
    paid = supplier(session, council, "Paid")
    other = supplier(session, council, "Other")
    unpaid = supplier(session, council, "Unpaid")
    unpaid.total_pence, unpaid.payment_count = 999, 9
    imported = spend_batch(session, council)
    undone = spend_batch(session, council, status=SpendBatchStatus.UNDONE)
    for amount in (125_000, 30_050, -5_000):
        payment(session, imported, paid, amount, date(2026, 4, 3))
    payment(session, imported, other, 700, date(2026, 4, 3))
    payment(session, undone, paid, 1_000_000, date(2026, 4, 3))
    for found in (paid, other):
        found.total_pence, found.payment_count = 0, 0
    session.flush()
    refresh_supplier_totals(session, council, [paid.id, unpaid.id])
    assert (paid.total_pence, paid.payment_count) == (150_050, 3)
    assert (unpaid.total_pence, unpaid.payment_count) == (0, 0)
    assert (other.total_pence, other.payment_count) == (0, 0)  # not asked for
    refresh_supplier_totals(session, council)
    assert (other.total_pence, other.payment_count) == (700, 1)
