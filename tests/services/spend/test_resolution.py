"""Suppliers grouped as a file is read, resolved once to the register (number, exact name, near name) and
remembered; the officer's actions, each audited and reclassifying the supplier; the attribution queue by spend.

Runs on the reference data (Knowsley Council as seeded, the postcode sample) so an officer's postcode is checked
against a real directory.
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.domain.policy import LocalAreaDefinition
from app.domain.providers import LegalForm, Placement, ProviderSource, ProviderStatus, SiteKind
from app.domain.roles import Role
from app.domain.spend.classification import Exclusion, PlaceBasis, Resolution, SpendPlace
from app.models import Area, AuditEvent, Council, Provider, ProviderIdentifier, Site, SpendSupplier
from app.services.audit import Actor
from app.services.councils import council_by_code
from app.services.seed import SeedReport
from app.services.spend.suppliers import (
    NEAR_NAME_SCORE,
    REDACTED_BUSINESS_HOW,
    REDACTED_HOW,
    SupplierBook,
    SupplierRefused,
    attribution_queue,
    attribution_summary,
    confirm_suggestion,
    exclude_supplier,
    get_supplier,
    link_candidates,
    link_supplier,
    place_supplier,
    provider_for_link,
    reject_suggestion,
    reopen_supplier,
    resolve_suppliers,
)
from tests import factories
from tests.spend_factories import payment, spend_batch

NOW = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)
LATER = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
KNOWSLEY = "E08000011"


@dataclass(frozen=True)
class Line:
    """What the book reads of a payment line."""

    supplier_name: str
    supplier_reference: str | None = None
    vat_number: str | None = None
    company_number: str | None = None
    charity_number: str | None = None


@pytest.fixture
def council(reference: SeedReport, session: Session) -> Council:
    found = council_by_code(session, KNOWSLEY)
    assert found is not None
    return found


@pytest.fixture
def actor(session: Session, council: Council) -> Actor:
    return Actor.of(factories.user(session, Role.OFFICER, council=council))


def organisation(
    session: Session,
    name: str,
    *,
    trading_name: str | None = None,
    status: ProviderStatus = ProviderStatus.VERIFIED,
    legal_form: LegalForm = LegalForm.CIC,
    postcode: str | None = "L36 9GD",
    identifiers: tuple[tuple[str, str], ...] = (),
) -> Provider:
    provider = Provider(
        name=name,
        trading_name=trading_name,
        legal_form=legal_form,
        status=status,
        source=ProviderSource.SELF_REGISTERED,
    )
    if postcode:
        provider.sites.append(
            Site(
                kind=SiteKind.REGISTERED_OFFICE, postcode=postcode, district_code=KNOWSLEY, placement=Placement.POSTCODE
            )
        )
    for scheme, value in identifiers:
        provider.identifiers.append(ProviderIdentifier(scheme=scheme, value=value, org_id=f"{scheme}-{value}"))
    session.add(provider)
    session.flush()
    return provider


def booked(session: Session, council: Council, *lines: Line) -> list[SpendSupplier]:
    book = SupplierBook(session, council, NOW)
    ids = [book.supplier_id(line) for line in lines]
    return [session.get_one(SpendSupplier, supplier_id) for supplier_id in ids]


def resolved(session: Session, council: Council, *names: str) -> list[SpendSupplier]:
    suppliers = booked(session, council, *(Line(name) for name in names))
    resolve_suppliers(session, council, [s.id for s in suppliers], NOW)
    return suppliers


# --- The book -----------------------------------------------------------------------------------------------------


def test_the_book_groups_lines_by_key_and_remembers_them(session: Session, council: Council) -> None:
    book = SupplierBook(session, council)
    first = book.supplier_id(Line("ACME LTD"))
    assert book.supplier_id(Line("Acme Limited")) == first
    by_id = book.supplier_id(Line("VLC (Stairlifts) Limited", "3536", "GB812311285"))
    assert book.supplier_id(Line("VLC Stairlifts", "3536", None)) == by_id
    by_vat = book.supplier_id(Line("Acme Group", "Redacted", "gb 812 3112 86"))
    assert book.new_ids == {first, by_id, by_vat}
    acme, vlc, vat = (session.get_one(SpendSupplier, i) for i in (first, by_id, by_vat))
    assert (acme.key, acme.name, acme.resolution) == ("name:acme", "ACME LTD", Resolution.UNRESOLVED)
    assert (vlc.key, vlc.supplier_reference, vlc.vat_number) == ("id:3536", "3536", "GB812311285")
    assert (vat.key, vat.supplier_reference, vat.vat_number) == ("vat:GB812311286", None, "GB812311286")

    # The next file's book finds them; nothing is new.
    later = SupplierBook(session, council)
    assert later.supplier_id(Line("Acme Ltd.")) == first
    assert later.new_ids == set()


def test_the_book_writes_a_chunk_of_new_suppliers_at_once_in_order(session: Session, council: Council) -> None:
    book = SupplierBook(session, council)
    lines = [Line(f"Supplier {n}", company_number="1234") for n in range(30)] + [Line("Supplier 3")]
    ids = book.supplier_ids(lines)
    assert len(set(ids)) == 30 and ids[3] == ids[30]
    assert [session.get_one(SpendSupplier, i).name for i in ids[:3]] == ["Supplier 0", "Supplier 1", "Supplier 2"]
    assert session.get_one(SpendSupplier, ids[0]).company_number == "00001234"


def test_a_new_supplier_takes_the_resolution_of_one_attributed_by_the_same_name(
    session: Session, council: Council, actor: Actor
) -> None:
    provider = organisation(session, "Acme Gardens CIC")
    old, hmrc = booked(session, council, Line("Acme Gardens", "100"), Line("HM Revenue & Customs", "200"))
    link_supplier(session, old, provider, actor, NOW)
    exclude_supplier(session, hmrc, Exclusion.TAX, "Income tax", actor, NOW)
    # The finance system gave them new ids: same names, so the same resolutions.
    renamed, taxed = booked(session, council, Line("ACME GARDENS LTD", "900"), Line("H M Revenue and Customs", "901"))
    assert (renamed.resolution, renamed.provider_id) == (Resolution.LINKED, provider.id)
    assert renamed.resolved_how == "as Acme Gardens (the same name)"
    assert (taxed.resolution, taxed.exclusion, taxed.note) == (Resolution.EXCLUDED, Exclusion.TAX, "Income tax")

    # In a chunk, among new suppliers resolved no way at all, in order.
    ids = SupplierBook(session, council).supplier_ids(
        [Line("New One", "1"), Line("Acme Gardens", "902"), Line("New Two", "2"), Line("HMRC", "903")]
    )
    chunk = [session.get_one(SpendSupplier, i) for i in ids]
    assert [(s.name, s.resolution, s.provider_id) for s in chunk] == [
        ("New One", Resolution.UNRESOLVED, None),
        ("Acme Gardens", Resolution.LINKED, provider.id),
        ("New Two", Resolution.UNRESOLVED, None),
        ("HMRC", Resolution.UNRESOLVED, None),
    ]


def test_a_charity_number_on_the_register_matches_as_the_book_reads_it(session: Session, council: Council) -> None:
    provider = organisation(session, "Knowsley Carers", identifiers=(("GB-CHC", "1234567"),))
    (found,) = booked(session, council, Line("Carers Centre", charity_number="1234567"))
    assert (found.resolution, found.provider_id, found.resolved_how) == (
        Resolution.MATCHED,
        provider.id,
        "charity number 1234567",
    )


# --- Automatic resolution -----------------------------------------------------------------------------------------


def test_a_redacted_payee_is_left_out_as_redacted(session: Session, council: Council) -> None:
    (found,) = resolved(session, council, "REDACTED - Personal Data")
    assert (found.resolution, found.exclusion, found.resolved_how) == (
        Resolution.EXCLUDED,
        Exclusion.INDIVIDUAL,
        REDACTED_HOW,
    )
    assert found.resolved_at == NOW and found.resolved_by_id is None


def test_a_redacted_payee_with_a_vat_number_is_left_out_as_a_business_whose_name_was_withheld(
    session: Session, council: Council, actor: Actor
) -> None:
    """Trafford's 2024-25 file pays 131 VAT numbers as "Redacted": businesses, one supplier each, and never one
    taking another's resolution because both are called "Redacted"."""
    first, second, person = booked(
        session,
        council,
        Line("Redacted", "Redacted", "GB815876986"),
        Line("Redacted", "Redacted", "GB438958536"),
        Line("Redacted", "Redacted", "NA"),
    )
    resolve_suppliers(session, council, None, NOW)
    assert len({first.id, second.id, person.id}) == 3
    assert [(s.resolution, s.exclusion) for s in (first, second, person)] == [
        (Resolution.EXCLUDED, Exclusion.WITHHELD),
        (Resolution.EXCLUDED, Exclusion.WITHHELD),
        (Resolution.EXCLUDED, Exclusion.INDIVIDUAL),
    ]
    assert first.resolved_how == REDACTED_BUSINESS_HOW.format(vat="GB815876986")
    assert first.resolved_how == "redacted in the file: a business with VAT number GB815876986, its name withheld"
    assert second.resolved_how == REDACTED_BUSINESS_HOW.format(vat="GB438958536")
    assert person.resolved_how == REDACTED_HOW
    # An officer reopens one and places it; the next redacted payee is resolved as itself, not as that one was.
    reopen_supplier(session, first, actor, NOW)
    place_supplier(session, first, "L36 9GD", PlaceBasis.TRADING_SITE, actor, NOW)
    (third,) = booked(session, council, Line("Redacted", "Redacted", "GB888003801"))
    assert (third.resolution, third.resolved_at) == (Resolution.UNRESOLVED, None)
    resolve_suppliers(session, council, [third.id], NOW)
    assert (third.resolution, third.postcode) == (Resolution.EXCLUDED, None)
    assert third.resolved_how == REDACTED_BUSINESS_HOW.format(vat="GB888003801")


def test_a_company_number_on_the_register_matches(session: Session, council: Council) -> None:
    provider = organisation(session, "Quite Different Name Ltd", identifiers=(("GB-COH", "01234567"),))
    archived = organisation(session, "Old Co", status=ProviderStatus.ARCHIVED, identifiers=(("GB-COH", "07654321"),))
    suppliers = booked(
        session, council, Line("Trading Name", company_number="1234567"), Line("Old Co", company_number="7654321")
    )
    report = resolve_suppliers(session, council, [s.id for s in suppliers], NOW)
    matched, old = suppliers
    assert (matched.resolution, matched.provider_id, matched.resolved_how) == (
        Resolution.MATCHED,
        provider.id,
        "company number 01234567",
    )
    assert old.resolution == Resolution.UNRESOLVED and archived.id not in (old.provider_id, old.candidate_provider_id)
    assert (report.considered, report.matched_by_number, report.unresolved) == (2, 1, 1)
    assert report.changed_ids == {matched.id}


def test_an_exact_name_or_trading_name_matches(session: Session, council: Council) -> None:
    gardens = organisation(session, "Roby Community Gardens C.I.C.")
    plumbing = organisation(session, "J Bloggs Ltd", trading_name="Bloggs Plumbing")
    care = organisation(session, "Care Shop Ltd")
    one, two, three, four = resolved(
        session,
        council,
        "ROBY COMMUNITY GARDENS CIC",
        "Joe Bloggs T/A Bloggs Plumbing",
        "Bunzl UK Ltd T/A Care Shop",
        "Bunzl UK",
    )
    assert (one.resolution, one.provider_id, one.resolved_how) == (Resolution.MATCHED, gardens.id, "exact name")
    assert (two.resolution, two.provider_id) == (Resolution.MATCHED, plumbing.id)
    assert (three.resolution, three.provider_id) == (Resolution.MATCHED, care.id)
    assert four.resolution == Resolution.UNRESOLVED


def test_the_part_before_trading_as_is_tried_after_the_trading_name(session: Session, council: Council) -> None:
    bunzl = organisation(session, "Bunzl UK Limited")
    (found,) = resolved(session, council, "Bunzl UK Ltd T/A Care Shop")
    assert (found.resolution, found.provider_id, found.resolved_how) == (
        Resolution.MATCHED,
        bunzl.id,
        "exact name (the part before 't/a')",
    )


def test_a_name_several_organisations_share_is_suggested_with_the_verified_one(
    session: Session, council: Council
) -> None:
    organisation(session, "Kirkby Cafe", status=ProviderStatus.SUBMITTED)
    verified = organisation(session, "Kirkby Cafe Ltd")
    (found,) = resolved(session, council, "Kirkby Cafe")
    assert (found.resolution, found.candidate_provider_id, found.candidate_score) == (
        Resolution.SUGGESTED,
        verified.id,
        100.0,
    )
    assert found.provider_id is None
    assert found.resolved_how == "the same name as 2 organisations on the register"


def test_a_near_name_is_suggested_with_its_score(session: Session, council: Council) -> None:
    provider = organisation(session, "Knowsley Community Gardens CIC")
    organisation(session, "Gardens Knowsley Community Trust")
    near, far = resolved(session, council, "Knowsley Comunity Gardens", "Prescot Tyres")
    assert (near.resolution, near.candidate_provider_id, near.provider_id) == (
        Resolution.SUGGESTED,
        provider.id,
        None,
    )
    assert near.candidate_score is not None and 90 <= near.candidate_score < 100
    assert near.resolved_how == f"a near name ({near.candidate_score:.0f}% alike)"
    assert (far.resolution, far.candidate_provider_id) == (Resolution.UNRESOLVED, None)


# Real pairs (see tests/domain/spend/test_suppliers.py for where each is from): a payee, and the organisation on the
# register it is.
NEAR_PAIRS = [
    ("Womble Bond Dickenson (UK) LLP", "Womble Bond Dickinson (UK) LLP"),
    ("Gorse Hill Studios Creative Communi", "Gorse Hill Studios Creative Community"),
    ("Firswood & District Community Assoc", "Firswood and District Community Association"),
    ("Isle of Skye Renewables Co-op", "Isle of Skye Renewables Co-operative Limited"),
    ("Monton Church (Unitarian)", "Monton Unitarian Church"),
    ("The Hathershaw College", "Hatherhaw College"),
]


@pytest.mark.parametrize(("paid", "registered"), NEAR_PAIRS)
def test_real_near_names_are_suggested(session: Session, council: Council, paid: str, registered: str) -> None:
    provider = organisation(session, registered)
    organisation(session, "Formby Royal British Legion Club")
    (found,) = resolved(session, council, paid)
    assert (found.resolution, found.candidate_provider_id) == (Resolution.SUGGESTED, provider.id)
    assert found.candidate_score is not None and found.candidate_score >= NEAR_NAME_SCORE
    assert [p.id for p, _score in link_candidates(session, paid)] == [provider.id]


# The possible matches a reviewer was shown on the demo, and the organisations they were shown for.
REVIEWED = [
    ("GMCA", "Manchester Pilots Limited (CH62)"),
    ("Lancashire County Council (DD)", "Lancashire County Cricket Club"),
    ("Future Directions CIC", "Future Artists Live Creative Co-op"),
    ("Amey LG Ltd", "Formby Royal British Legion Club"),
]


def test_names_sharing_a_word_or_two_are_neither_suggested_nor_listed(session: Session, council: Council) -> None:
    """GMCA was offered "Manchester Pilots Limited (CH62)" at 86%, Lancashire County Council "Lancashire County Cricket
    Club" at 86%, Future Directions CIC "Future Artists Live Creative Co-op" at 86% and Amey LG Ltd "Formby Royal
    British Legion Club" at 61%: none is suggested now, nor listed on the supplier's page."""
    providers = [organisation(session, registered) for _paid, registered in REVIEWED]
    suppliers = resolved(session, council, *(paid for paid, _registered in REVIEWED))
    assert [(s.resolution, s.candidate_provider_id) for s in suppliers] == [(Resolution.UNRESOLVED, None)] * 4
    for supplier in suppliers:
        assert link_candidates(session, supplier.name) == []
    # What an officer searches for is still found by its words.
    assert [p.id for p, _score in link_candidates(session, "Formby Legion")] == [providers[3].id]
    assert [p.id for p, _score in link_candidates(session, "lancashire cricket")] == [providers[1].id]


def test_a_public_body_is_offered_no_near_name(session: Session, council: Council) -> None:
    """A payee whose name says it is a council, the NHS or HMRC is offered no organisation as a possible match,
    however near its name (Trafford's file cuts "Greater Manchester Combined Authority" at 35 characters)."""
    authority = organisation(session, "Greater Manchester Combined Authority")
    organisation(session, "Lancashire County Cricket Club")
    council_payee, cut = resolved(session, council, "Lancashire County Council", "Greater Manchester Combined Authori")
    assert [(s.resolution, s.candidate_provider_id) for s in (council_payee, cut)] == [
        (Resolution.UNRESOLVED, None)
    ] * 2
    # The page lists only an organisation with every word of its name, never a near one.
    assert link_candidates(session, "Lancashire County Council") == []
    assert [p.id for p, _score in link_candidates(session, "Greater Manchester Combined Authori")] == [authority.id]
    # A name exactly the organisation's is matched as any exact name is.
    (exact,) = resolved(session, council, "Greater Manchester Combined Authority")
    assert (exact.resolution, exact.provider_id) == (Resolution.MATCHED, authority.id)


def test_the_word_order_does_not_matter_to_a_near_name(session: Session, council: Council) -> None:
    provider = organisation(session, "Gardens of Knowsley Community")
    (found,) = resolved(session, council, "Knowsley Community Gardens of")
    assert (found.resolution, found.candidate_provider_id) == (Resolution.SUGGESTED, provider.id)


@pytest.mark.parametrize("status", [ProviderStatus.ARCHIVED, ProviderStatus.REJECTED])
def test_archived_and_rejected_organisations_are_never_matched(
    session: Session, council: Council, status: ProviderStatus
) -> None:
    organisation(session, "Gone Away Ltd", status=status)
    (found,) = resolved(session, council, "Gone Away Ltd")
    assert found.resolution == Resolution.UNRESOLVED


def test_resolved_and_officer_decided_suppliers_are_left_alone(
    session: Session, council: Council, actor: Actor
) -> None:
    provider = organisation(session, "Roby Gardens CIC")
    other = organisation(session, "Prescot Gardens")
    suggested, linked = booked(session, council, Line("Roby Gardens"), Line("Prescot Gardens CIC"))
    resolve_suppliers(session, council, None, NOW)
    assert suggested.resolution == Resolution.MATCHED  # exact: "roby gardens"
    reopen_supplier(session, suggested, actor, NOW)
    link_supplier(session, linked, provider, actor, NOW)
    report = resolve_suppliers(session, council, None, LATER)
    assert report.considered == 0
    assert (suggested.resolution, suggested.provider_id) == (Resolution.UNRESOLVED, None)
    assert (linked.resolution, linked.provider_id) == (Resolution.LINKED, provider.id)
    assert other.id not in (suggested.candidate_provider_id, linked.provider_id)


def test_resolving_with_no_suppliers_or_no_register(session: Session, council: Council) -> None:
    assert resolve_suppliers(session, council, [], NOW).considered == 0
    (found,) = booked(session, council, Line("Anyone Ltd"))
    report = resolve_suppliers(session, council, [found.id], NOW)
    assert (report.considered, report.unresolved) == (1, 1)


def _name(rng: random.Random, words: list[str]) -> str:
    return " ".join(rng.choice(words) for _ in range(rng.randint(2, 4)))


def test_resolving_thousands_against_thousands_is_right_for_each(session: Session, council: Council) -> None:
    """2,000 suppliers against 2,000 organisations: exact names match, misspelt ones are suggested with the right
    organisation, the rest stay unresolved (the benchmark in the report times 10,000 against 10,000)."""
    rng = random.Random(13)
    words = ["".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(4, 9))) for _ in range(800)]
    names = list(dict.fromkeys(_name(rng, words) for _ in range(2_400)))[:2_000]
    session.execute(
        Provider.__table__.insert(),
        [
            {
                "name": f"{name} Ltd",
                "legal_form": LegalForm.PRIVATE_COMPANY,
                "status": ProviderStatus.VERIFIED,
                "source": ProviderSource.IMPORTED,
                "created_at": NOW,
                "updated_at": NOW,
            }
            for name in names
        ],
    )
    ids = dict(session.execute(select(Provider.name, Provider.id).where(Provider.name.like("% Ltd"))).all())
    exact, misspelt, unknown = names[:600], names[600:1_200], [f"zz{n} qq{n} unknown" for n in range(800)]
    lines = [Line(name.upper()) for name in exact]
    lines += [Line(name[:-1] + ("x" if name[-1] != "x" else "y") + name[-1]) for name in misspelt]
    lines += [Line(name) for name in unknown]
    book = SupplierBook(session, council)
    supplier_ids = book.supplier_ids(lines)
    report = resolve_suppliers(session, council, supplier_ids, NOW)
    assert (report.considered, report.matched_by_name) == (2_000, 600)
    suppliers = {s.id: s for s in session.scalars(select(SpendSupplier).where(SpendSupplier.id.in_(supplier_ids)))}
    for name, supplier_id in zip(exact, supplier_ids[:600], strict=True):
        assert suppliers[supplier_id].provider_id == ids[f"{name} Ltd"]
    wrong = [
        name
        for name, supplier_id in zip(misspelt, supplier_ids[600:1_200], strict=True)
        if suppliers[supplier_id].candidate_provider_id != ids[f"{name} Ltd"]
    ]
    # A misspelt short name may fall under the score a suggestion needs; none is suggested as the wrong one.
    assert all(suppliers[supplier_ids[600 + misspelt.index(name)]].candidate_provider_id is None for name in wrong)
    assert report.suggested >= 500
    assert all(suppliers[i].resolution == Resolution.UNRESOLVED for i in supplier_ids[1_200:])


# --- The officer's actions ----------------------------------------------------------------------------------------


def _events(session: Session, supplier: SpendSupplier) -> list[AuditEvent]:
    return list(
        session.scalars(
            select(AuditEvent)
            .where(AuditEvent.entity_type == "spend_supplier", AuditEvent.entity_id == str(supplier.id))
            .order_by(AuditEvent.id)
        )
    )


def test_linking_a_supplier_places_it_and_is_audited(session: Session, council: Council, actor: Actor) -> None:
    provider = organisation(session, "Roby Gardens CIC")
    (found,) = booked(session, council, Line("R Gardens"))
    link_supplier(session, found, provider, actor, NOW)
    assert (found.resolution, found.provider_id, found.resolved_by_id, found.resolved_at) == (
        Resolution.LINKED,
        provider.id,
        actor.user_id,
        NOW,
    )
    assert (found.place, found.place_basis, found.classified_at) == (
        SpendPlace.LOCAL,
        PlaceBasis.REGISTERED_OFFICE,
        NOW,
    )
    (event,) = _events(session, found)
    assert event.action == "spend_supplier.linked" and event.actor_id == actor.user_id
    assert event.changes["from"]["resolution"] == "unresolved"
    assert event.changes["to"] == {
        "resolution": "linked",
        "provider_id": provider.id,
        "candidate_provider_id": None,
        "postcode": None,
        "exclusion": None,
    }


def test_confirming_and_rejecting_suggestions(session: Session, council: Council, actor: Actor) -> None:
    provider = organisation(session, "Knowsley Community Gardens CIC")
    confirmed, rejected = resolved(session, council, "Knowsley Comunity Gardens", "Knowsley Comunity Gardns")
    assert confirmed.resolution == rejected.resolution == Resolution.SUGGESTED
    confirm_suggestion(session, confirmed, actor, NOW)
    assert (confirmed.resolution, confirmed.provider_id, confirmed.candidate_provider_id) == (
        Resolution.LINKED,
        provider.id,
        None,
    )
    assert confirmed.resolved_how is not None and confirmed.resolved_how.endswith("confirmed by an officer")
    assert confirmed.place == SpendPlace.LOCAL
    reject_suggestion(session, rejected, actor, NOW)
    assert (rejected.resolution, rejected.candidate_provider_id, rejected.candidate_score) == (
        Resolution.UNRESOLVED,
        None,
        None,
    )
    assert rejected.resolved_how == "Knowsley Community Gardens CIC rejected by an officer"
    assert rejected.place == SpendPlace.NOT_KNOWN
    # Never suggested again.
    resolve_suppliers(session, council, None, LATER)
    assert rejected.resolution == Resolution.UNRESOLVED
    assert [e.action for e in _events(session, confirmed)] == ["spend_supplier.suggestion_confirmed"]
    assert [e.action for e in _events(session, rejected)] == ["spend_supplier.suggestion_rejected"]
    with pytest.raises(SupplierRefused, match="has no possible match to confirm"):
        confirm_suggestion(session, rejected, actor, NOW)
    with pytest.raises(SupplierRefused, match="has no possible match to reject"):
        reject_suggestion(session, confirmed, actor, NOW)


def test_placing_a_supplier_by_postcode(session: Session, council: Council, actor: Actor) -> None:
    (found,) = booked(session, council, Line("Kirkby Joinery"))
    place_supplier(session, found, "l34 1aa", PlaceBasis.BRANCHED, actor, NOW)
    assert (found.resolution, found.postcode, found.resolved_how) == (
        Resolution.PLACED,
        "L34 1AA",
        "placed at L34 1AA by an officer",
    )
    assert (found.place, found.place_basis, found.district_code, found.place_postcode) == (
        SpendPlace.LOCAL,
        PlaceBasis.BRANCHED,
        KNOWSLEY,
        "L34 1AA",
    )
    place_supplier(session, found, "L1 8JQ", "officer", actor, NOW)
    assert (found.place, found.place_basis, found.district_code) == (
        SpendPlace.WIDER,
        PlaceBasis.OFFICER,
        "E08000012",
    )
    assert [e.action for e in _events(session, found)] == ["spend_supplier.placed", "spend_supplier.placed"]


@pytest.mark.parametrize(
    ("postcode", "basis", "field", "message"),
    [
        ("", PlaceBasis.OFFICER, "postcode", "Enter a postcode"),
        ("L36", PlaceBasis.OFFICER, "postcode", "Enter a full UK postcode"),
        ("ZZ9 9ZZ", PlaceBasis.OFFICER, "postcode", "ZZ9 9ZZ is not in the postcode directory"),
        ("L34 1AA", None, "basis", "Choose what the postcode is"),
        ("L34 1AA", "somewhere", "basis", "Choose what the postcode is"),
    ],
)
def test_a_postcode_the_directory_does_not_have_is_refused(
    session: Session,
    council: Council,
    actor: Actor,
    postcode: str,
    basis: PlaceBasis | str | None,
    field: str,
    message: str,
) -> None:
    (found,) = booked(session, council, Line("Kirkby Joinery"))
    with pytest.raises(SupplierRefused, match=message) as refused:
        place_supplier(session, found, postcode, basis, actor, NOW)
    assert refused.value.field == field
    assert found.resolution == Resolution.UNRESOLVED and _events(session, found) == []


def test_excluding_and_reopening(session: Session, council: Council, actor: Actor) -> None:
    (found,) = booked(session, council, Line("Lancashire County Council"))
    exclude_supplier(session, found, "public_body", "  Our county council  ", actor, NOW)
    assert (found.resolution, found.exclusion, found.note, found.place) == (
        Resolution.EXCLUDED,
        Exclusion.PUBLIC_BODY,
        "Our county council",
        SpendPlace.NOT_A_SUPPLIER,
    )
    reopen_supplier(session, found, actor, LATER)
    assert (found.resolution, found.exclusion, found.note, found.place, found.resolved_how) == (
        Resolution.UNRESOLVED,
        None,
        None,
        SpendPlace.NOT_KNOWN,
        "reopened by an officer",
    )
    assert [e.action for e in _events(session, found)] == ["spend_supplier.excluded", "spend_supplier.reopened"]
    with pytest.raises(SupplierRefused, match="is not attributed yet"):
        reopen_supplier(session, found, actor, LATER)
    for exclusion in (None, "", "not a reason"):
        with pytest.raises(SupplierRefused) as refused:
            exclude_supplier(session, found, exclusion, None, actor, NOW)
        assert refused.value.field == "exclusion"


@pytest.mark.parametrize("given", [None, "", "abc", "99999999", "99999999999999999999999", "-1"])
def test_linking_to_an_organisation_not_on_the_register_is_refused(session: Session, given: str | None) -> None:
    with pytest.raises(SupplierRefused, match="Choose an organisation on the register") as refused:
        provider_for_link(session, given)
    assert refused.value.field == "provider"


def test_linking_to_an_archived_organisation_is_refused(session: Session, council: Council, actor: Actor) -> None:
    archived = organisation(session, "Old Gardens", status=ProviderStatus.ARCHIVED)
    (found,) = booked(session, council, Line("Old Gardens"))
    with pytest.raises(SupplierRefused, match="Old Gardens is archived on the register") as refused:
        link_supplier(session, found, archived, actor, NOW)
    assert refused.value.field == "provider"
    assert provider_for_link(session, str(organisation(session, "New Gardens").id)).name == "New Gardens"


def test_another_councils_supplier_is_not_found(session: Session, council: Council) -> None:
    liverpool = session.scalars(select(Area).where(Area.code == "E08000012")).one()
    other = Council(
        name="Liverpool City Council", district=liverpool, local_area_definition=LocalAreaDefinition.OWN_AREA
    )
    session.add(other)
    session.flush()
    (found,) = booked(session, council, Line("Acme"))
    (theirs,) = booked(session, other, Line("Acme"))
    assert theirs.id != found.id
    assert get_supplier(session, council, found.id) is found
    assert get_supplier(session, council, theirs.id) is None
    assert get_supplier(session, council, found.id + 1000) is None


def test_link_candidates_rank_the_register_by_name(session: Session) -> None:
    gardens = organisation(session, "Knowsley Community Gardens CIC")
    trading = organisation(session, "KCG Ltd", trading_name="Kirkby Community Gardens")
    larger = organisation(session, "Knowsley Community Gardens and Allotments")
    organisation(session, "Prescot Tyres")
    found = link_candidates(session, "Knowsley Community Gardens")
    # The name itself, then a name with every one of its words; never "Kirkby Community Gardens" for two words.
    assert [provider.id for provider, _score in found] == [gardens.id, larger.id]
    assert found[0][1] == 100.0 and found[1][1] < NEAR_NAME_SCORE
    assert [provider.id for provider, _score in link_candidates(session, "kirkby gardens")] == [trading.id]
    assert [p.id for p, _score in link_candidates(session, "Knowsley Comunity Gardns")] == [gardens.id, larger.id]
    assert link_candidates(session, "!!!") == []


# --- The queue ----------------------------------------------------------------------------------------------------


def test_the_queue_is_ordered_by_spend_and_says_how_much_is_attributed(
    session: Session, council: Council, actor: Actor
) -> None:
    provider = organisation(session, "Knowsley Community Gardens CIC")
    big, middle, small, hmrc, gone = booked(
        session,
        council,
        Line("Big Unknown Ltd"),
        Line("Knowsley Comunity Gardens"),
        Line("Small Unknown"),
        Line("HMRC"),
        Line("Undone Only"),
    )
    resolve_suppliers(session, council, None, NOW)
    batch = spend_batch(session, council)
    for found, amount in ((big, 500_000_00), (middle, 200_000_00), (small, 50_000_00), (hmrc, 250_000_00)):
        payment(session, batch, found, amount, date(2026, 4, 1))
    assert middle.resolution == Resolution.SUGGESTED

    to_do = attribution_queue(session, council)
    assert [s.name for s in to_do.suppliers] == [
        "Big Unknown Ltd",
        "HMRC",
        "Knowsley Comunity Gardens",
        "Small Unknown",
    ]
    assert (to_do.total, to_do.page, to_do.show) == (4, 1, "to_do")
    assert to_do.providers == {provider.id: provider}
    assert to_do.exclusion_suggestions == {hmrc.id: Exclusion.TAX}
    assert gone not in to_do.suppliers  # no payments that count

    summary = attribution_summary(session, council)
    assert summary["total_pence"] == 1_000_000_00 and summary["attributed_pence"] == 0
    assert summary["attributed_share"] == 0.0

    exclude_supplier(session, hmrc, Exclusion.TAX, None, actor, NOW)
    confirm_suggestion(session, middle, actor, NOW)
    summary = attribution_summary(session, council)
    assert {k: summary[k] for k in ("attributed_pence", "placed_pence", "excluded_pence", "to_do_pence")} == {
        "attributed_pence": 450_000_00,
        "placed_pence": 200_000_00,
        "excluded_pence": 250_000_00,
        "to_do_pence": 550_000_00,
    }
    assert summary["attributed_share"] == pytest.approx(0.45)
    assert summary["headline"] == "45.0% of £1m attributed"
    assert (summary["suppliers"], summary["suppliers_attributed"], summary["suppliers_to_do"]) == (4, 2, 2)

    assert [s.name for s in attribution_queue(session, council, show="excluded").suppliers] == ["HMRC"]
    assert [s.name for s in attribution_queue(session, council, show="attributed").suppliers] == [
        "Knowsley Comunity Gardens"
    ]
    assert attribution_queue(session, council, show="suggested").total == 0
    assert attribution_queue(session, council, show="all").total == 5
    assert attribution_queue(session, council, show="nonsense").show == "to_do"


def test_the_queue_pages(session: Session, council: Council) -> None:
    suppliers = booked(session, council, *(Line(f"Supplier {n:02}") for n in range(7)))
    batch = spend_batch(session, council)
    for rank, found in enumerate(suppliers):
        payment(session, batch, found, 1_000 * (rank + 1), date(2026, 4, 1))
    second = attribution_queue(session, council, page=2, per_page=3)
    assert [s.name for s in second.items] == ["Supplier 03", "Supplier 02", "Supplier 01"]
    assert (second.pages, second.first, second.last) == (3, 4, 6)
    assert attribution_queue(session, council, page=99, per_page=3).page == 3


def test_an_empty_queue(session: Session, council: Council) -> None:
    page = attribution_queue(session, council)
    assert (page.suppliers, page.total, page.page) == ([], 0, 1)
    summary = attribution_summary(session, council)
    assert (summary["attributed_share"], summary["headline"]) == (None, "No spend to attribute")
    assert session.scalar(select(func.count()).select_from(SpendSupplier)) == 0
