"""The officers' review queue at a council's size: one page at a time, filtered and sorted in SQL, and bulk actions
on imported organisations with an audit event per organisation."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta

import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.orm import Session

from app.domain.providers import LegalForm, Placement, ProviderSource, ProviderStatus, SiteKind
from app.domain.registration import ReviewDecision
from app.domain.review_queue import BulkAction, QueueSort, QueueStatus
from app.domain.roles import Role
from app.models import AuditEvent, ImportBatch, ImportChange, OutboxEmail, Provider, ProviderReview, Site, User
from app.models.base import utcnow
from app.services import public_directory, verification
from app.services.verification import QueueFilters
from tests import factories
from tests.factories import CouncilSetup

KNOWSLEY, LIVERPOOL = "E08000011", "E08000012"
SERVICE_URL = "http://localhost/provider/"


SAVEPOINTS = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")


@contextmanager
def count_statements(session: Session) -> Iterator[list[str]]:
    """Every SQL statement the block sends, but for the savepoints the test's transaction is kept in."""
    statements: list[str] = []
    engine = session.get_bind()

    def listen(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if not statement.startswith(SAVEPOINTS):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", listen)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", listen)


def _batch(session: Session, name: str = "cuk.csv") -> ImportBatch:
    batch = ImportBatch(source_name="Co-operatives UK", file_name=name, sha256="0" * 64, committed_at=utcnow())
    session.add(batch)
    session.flush()
    return batch


def _imported(
    session: Session,
    batch: ImportBatch | None,
    count: int,
    *,
    status: ProviderStatus = ProviderStatus.SUBMITTED,
    prefix: str = "Imported",
    district_code: str | None = KNOWSLEY,
    legal_form: LegalForm = LegalForm.COOPERATIVE,
    start: int = 0,
) -> list[Provider]:
    """``count`` providers an import created, sent for checking a day apart (the first is the oldest)."""
    now = utcnow()
    providers = []
    for n in range(start, start + count):
        provider = Provider(
            name=f"{prefix} {n:05d}",
            legal_form=legal_form,
            status=status,
            source=ProviderSource.IMPORTED,
            import_batch_id=batch.id if batch else None,
            source_reference=str(n),
            submitted_at=now - timedelta(days=10_000 - n),
        )
        provider.sites.append(
            Site(
                kind=SiteKind.REGISTERED_OFFICE,
                postcode="L36 9GD",
                district_code=district_code,
                placement=Placement.POSTCODE if district_code else Placement.NOT_PLACED,
            )
        )
        providers.append(provider)
    session.add_all(providers)
    session.flush()
    if batch is not None:
        session.add_all(
            ImportChange(batch_id=batch.id, provider_id=p.id, row_number=i, action="created", after_digest="x")
            for i, p in enumerate(providers, start=2)
        )
        session.flush()
    return providers


def _officer(session: Session, knowsley: CouncilSetup) -> User:
    return factories.user(session, Role.OFFICER, council=knowsley.council)


def _names(page: verification.QueuePage) -> list[str]:
    return [p.name for p in page.providers]


def test_a_page_of_a_large_queue_is_one_query_not_one_per_organisation(
    session: Session, knowsley: CouncilSetup
) -> None:
    _imported(session, _batch(session), 2_000)
    session.commit()
    session.expire_all()

    with count_statements(session) as statements:
        page = verification.review_queue_page(session, QueueFilters(), page=3)
        for provider in page.providers:  # what the page reads of each row
            _ = [(s.district_code, s.placement) for s in provider.sites]

    assert page.total == 2_000
    assert (page.first, page.last, page.pages) == (101, 150, 40)
    assert _names(page)[0] == "Imported 00100"  # oldest first
    assert page.area_names[KNOWSLEY] == "Knowsley"
    # A count, the page, its premises and the names of their areas: never one query per organisation.
    assert len(statements) <= 4, statements


def test_a_page_past_the_end_shows_the_last_page(session: Session, knowsley: CouncilSetup) -> None:
    _imported(session, None, 60)
    session.commit()
    page = verification.review_queue_page(session, QueueFilters(), page=99)
    assert (page.page, page.first, page.last) == (2, 51, 60)


def test_the_queue_filters_by_status_batch_district_legal_form_and_not_placed(
    session: Session, knowsley: CouncilSetup
) -> None:
    first, second = _batch(session, "first.csv"), _batch(session, "second.csv")
    _imported(session, first, 3, prefix="First")
    _imported(session, second, 2, prefix="Second", district_code=LIVERPOOL, legal_form=LegalForm.CIC, start=10)
    _imported(session, second, 1, prefix="Unplaced", district_code=None, start=20)
    _imported(session, second, 2, prefix="Published", status=ProviderStatus.VERIFIED, start=30)
    changed = factories.provider(session, "Changed CIC")
    changed.awaiting_review = True
    factories.provider(session, "Settled CIC")
    factories.provider(session, "Draft CIC", status=ProviderStatus.DRAFT)
    session.commit()

    def names(**kw: object) -> list[str]:
        filters = QueueFilters(**{"sort": QueueSort.NAME, **kw})  # type: ignore[arg-type]
        return _names(verification.review_queue_page(session, filters))

    waiting = [*(f"First {n:05d}" for n in range(3)), "Second 00010", "Second 00011", "Unplaced 00020"]
    assert names() == ["Changed CIC", *waiting]
    assert names(status=QueueStatus.NEW) == waiting
    assert names(status=QueueStatus.CHANGES) == ["Changed CIC"]
    assert names(status=QueueStatus.PUBLISHED_IMPORT) == ["Published 00030", "Published 00031"]
    assert names(batch_id=second.id) == ["Second 00010", "Second 00011", "Unplaced 00020"]
    assert names(batch_id=second.id, status=QueueStatus.PUBLISHED_IMPORT) == ["Published 00030", "Published 00031"]
    assert names(district_code=LIVERPOOL) == ["Second 00010", "Second 00011"]
    assert names(legal_form=LegalForm.CIC) == ["Changed CIC", "Second 00010", "Second 00011"]
    assert names(not_placed=True) == ["Unplaced 00020"]
    assert names(batch_id=first.id, district_code=LIVERPOOL) == []


def test_the_queue_sorts_oldest_first_by_name_or_by_district(session: Session, knowsley: CouncilSetup) -> None:
    batch = _batch(session)
    liverpool = _imported(session, batch, 1, prefix="Aardvark", district_code=LIVERPOOL)[0]
    knowsley_one = _imported(session, batch, 1, prefix="Zebra", start=5)[0]
    unplaced = _imported(session, batch, 1, prefix="Middle", district_code=None, start=9)[0]
    session.commit()

    def order(sort: QueueSort) -> list[int]:
        return [p.id for p in verification.review_queue_page(session, QueueFilters(sort=sort)).providers]

    assert order(QueueSort.OLDEST) == [liverpool.id, knowsley_one.id, unplaced.id]
    assert order(QueueSort.NAME) == [liverpool.id, unplaced.id, knowsley_one.id]
    # Knowsley before Liverpool; no district last.
    assert order(QueueSort.DISTRICT) == [knowsley_one.id, liverpool.id, unplaced.id]


def test_the_oldest_first_page_is_served_by_an_index(session: Session, knowsley: CouncilSetup) -> None:
    if session.get_bind().dialect.name != "sqlite":
        pytest.skip("reads SQLite's query plan")
    filters = QueueFilters(status=QueueStatus.NEW)
    query = (
        select(Provider.id)
        .where(*verification._queue_conditions(filters))
        .order_by(*verification._queue_order(filters.sort))
        .limit(50)
    )
    compiled = query.compile(session.get_bind(), compile_kwargs={"literal_binds": True})
    plan = " ".join(str(row[-1]) for row in session.execute(text(f"EXPLAIN QUERY PLAN {compiled}")))
    assert "ix_providers_status_submitted_at" in plan
    assert "TEMP B-TREE" not in plan  # no sort of the whole queue


def test_a_dissolved_organisation_is_never_published_in_bulk(session: Session, knowsley: CouncilSetup) -> None:
    batch = _batch(session)
    live, dissolved = _imported(session, batch, 2)
    dissolved.dissolved_on = date(2019, 5, 1)
    officer = _officer(session, knowsley)
    session.commit()
    filters = QueueFilters(batch_id=batch.id)

    plan = verification.plan_bulk_action(session, BulkAction.PUBLISH, filters=filters)
    assert (plan.applies, plan.left) == (1, {"its register says it is dissolved: it is never published": 1})
    assert verification.selectable_ids([live, dissolved]) == {live.id}
    verification.apply_bulk_action(session, officer, BulkAction.PUBLISH, utcnow(), SERVICE_URL, filters=filters)
    session.commit()

    session.expire_all()
    assert session.get(Provider, live.id).status == ProviderStatus.VERIFIED  # type: ignore[union-attr]
    assert session.get(Provider, dissolved.id).status == ProviderStatus.SUBMITTED  # type: ignore[union-attr]


def test_publishing_a_whole_import_writes_an_audit_event_and_a_review_per_organisation(
    session: Session, knowsley: CouncilSetup
) -> None:
    batch = _batch(session)
    imported = _imported(session, batch, 2_000)
    other_batch = _imported(session, _batch(session, "other.csv"), 3, prefix="Other", start=5_000)
    self_registered = factories.provider(session, "Self Registered CIC", status=ProviderStatus.SUBMITTED)
    session.add(
        ImportChange(
            batch_id=batch.id, provider_id=self_registered.id, row_number=1, action="updated", after_digest="x"
        )
    )
    officer = _officer(session, knowsley)
    session.commit()
    filters = QueueFilters(batch_id=batch.id)

    plan = verification.plan_bulk_action(session, BulkAction.PUBLISH, filters=filters)
    assert (plan.chosen, plan.applies, plan.left_total) == (2_001, 2_000, 1)
    assert list(plan.left.values()) == [1] and "registered by the organisation itself" in next(iter(plan.left))
    assert plan.examples == ["Imported 00000", "Imported 00001", "Imported 00002", "Imported 00003", "Imported 00004"]

    now = utcnow()
    with count_statements(session) as statements:
        result = verification.apply_bulk_action(session, officer, BulkAction.PUBLISH, now, SERVICE_URL, filters=filters)
    session.commit()

    assert (result.changed, result.left) == (2_000, 1)
    # A few statements per 500 organisations, never one per organisation.
    assert len(statements) < 40, len(statements)
    session.expire_all()
    statuses = dict(
        session.execute(select(Provider.status, func.count()).group_by(Provider.status)).all()  # type: ignore[arg-type]
    )
    assert statuses == {ProviderStatus.VERIFIED: 2_000, ProviderStatus.SUBMITTED: 4}
    assert session.get(Provider, imported[0].id).verified_at is not None  # type: ignore[union-attr]
    assert session.get(Provider, self_registered.id).status == ProviderStatus.SUBMITTED  # type: ignore[union-attr]
    assert all(session.get(Provider, p.id).status == ProviderStatus.SUBMITTED for p in other_batch)  # type: ignore[union-attr]
    events = session.scalars(select(AuditEvent).where(AuditEvent.action == "provider.verified")).all()
    assert sorted(int(e.entity_id or 0) for e in events) == sorted(p.id for p in imported)
    assert {e.actor_id for e in events} == {officer.id}
    assert events[0].changes == {"from": "submitted", "to": "verified", "bulk": True, "import_batch": batch.id}
    reviews = session.scalars(select(ProviderReview)).all()
    assert len(reviews) == 2_000 and {r.decision for r in reviews} == {ReviewDecision.VERIFIED}
    # Published means in the public directory.
    assert public_directory.list_verified_providers(session).total == 2_000


def test_publishing_a_selection_changes_only_the_ticked_organisations_and_emails_their_members(
    session: Session, knowsley: CouncilSetup
) -> None:
    providers = _imported(session, _batch(session), 5)
    factories.user(session, Role.PROVIDER, email="member@coop.example", provider=providers[1])
    self_registered = factories.provider(session, "Self Registered CIC", status=ProviderStatus.SUBMITTED)
    officer = _officer(session, knowsley)
    session.commit()
    ticked = [providers[1].id, providers[3].id, self_registered.id]

    result = verification.apply_bulk_action(
        session, officer, BulkAction.PUBLISH, utcnow(), SERVICE_URL, provider_ids=ticked
    )
    session.commit()

    assert (result.changed, result.left) == (2, 1)
    session.expire_all()
    assert [p.status for p in (session.get(Provider, p.id) for p in providers)] == [  # type: ignore[union-attr]
        ProviderStatus.SUBMITTED,
        ProviderStatus.VERIFIED,
        ProviderStatus.SUBMITTED,
        ProviderStatus.VERIFIED,
        ProviderStatus.SUBMITTED,
    ]
    mail = session.scalars(select(OutboxEmail)).all()
    assert [(m.to_address, m.subject) for m in mail] == [
        ("member@coop.example", "Imported 00001 is verified on the Local Supplier Register")
    ]
    assert SERVICE_URL in mail[0].body


def test_taking_published_imports_back_into_the_queue_hides_them(session: Session, knowsley: CouncilSetup) -> None:
    batch = _batch(session)
    published = _imported(session, batch, 3, status=ProviderStatus.VERIFIED)
    changed = _imported(session, batch, 1, status=ProviderStatus.VERIFIED, prefix="Changed", start=10)[0]
    changed.awaiting_review = True
    officer = _officer(session, knowsley)
    session.commit()
    filters = QueueFilters(status=QueueStatus.PUBLISHED_IMPORT, batch_id=batch.id)

    plan = verification.plan_bulk_action(session, BulkAction.QUEUE, filters=filters)
    assert (plan.chosen, plan.applies) == (3, 3)  # the one with changes is not in this list
    verification.apply_bulk_action(session, officer, BulkAction.QUEUE, utcnow(), SERVICE_URL, filters=filters)
    session.commit()

    session.expire_all()
    assert {session.get(Provider, p.id).status for p in published} == {ProviderStatus.SUBMITTED}  # type: ignore[union-attr]
    assert session.get(Provider, changed.id).status == ProviderStatus.VERIFIED  # type: ignore[union-attr]
    assert public_directory.list_verified_providers(session).total == 1
    actions = session.scalars(select(AuditEvent.action).where(AuditEvent.entity_type == "provider")).all()
    assert actions == ["provider.queued_for_checks"] * 3
    assert verification.review_queue_page(session, QueueFilters(status=QueueStatus.NEW)).total == 3


def test_a_bulk_action_that_applies_to_nothing_is_refused_and_changes_nothing(
    session: Session, knowsley: CouncilSetup
) -> None:
    self_registered = factories.provider(session, "Self Registered CIC", status=ProviderStatus.SUBMITTED)
    officer = _officer(session, knowsley)
    session.commit()

    with pytest.raises(verification.ReviewError, match="None of the organisations you chose"):
        verification.apply_bulk_action(
            session, officer, BulkAction.PUBLISH, utcnow(), SERVICE_URL, provider_ids=[self_registered.id]
        )
    with pytest.raises(verification.ReviewError):
        verification.apply_bulk_action(session, officer, BulkAction.PUBLISH, utcnow(), SERVICE_URL, provider_ids=[])
    assert session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.entity_type == "provider")) == 0


@contextmanager
def committed_just_before_the_bulk_update(session: Session, change: Callable[[Session], None]) -> Iterator[None]:
    """Commit ``change`` in its own transaction after the bulk action has read which organisations it applies to
    and just before it updates them: what another officer's request, or a member's, can do meanwhile."""
    engine = session.get_bind()
    done: list[bool] = []

    def listen(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if not done and statement.lstrip().upper().startswith("UPDATE PROVIDERS"):
            done.append(True)
            with Session(engine) as other:
                change(other)
                other.commit()

    event.listen(engine, "before_cursor_execute", listen)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", listen)
    assert done, "the bulk action sent no UPDATE"


def test_an_organisation_decided_while_publishing_in_bulk_gets_no_review_audit_event_or_email(
    session: Session, knowsley: CouncilSetup
) -> None:
    providers = _imported(session, _batch(session), 3)
    rejected = providers[1]
    for provider in providers:
        factories.user(session, Role.PROVIDER, email=f"member{provider.id}@coop.example", provider=provider)
    officer, other_officer = _officer(session, knowsley), _officer(session, knowsley)
    session.commit()
    stale_ids = [p.id for p in providers]  # the ids on officer A's confirmation page

    def other_officer_rejects(other: Session) -> None:
        provider, colleague = other.get(Provider, rejected.id), other.get(User, other_officer.id)
        assert provider is not None and colleague is not None
        verification.reject(other, colleague, provider, "Not based in Knowsley", utcnow())

    with committed_just_before_the_bulk_update(session, other_officer_rejects):
        result = verification.apply_bulk_action(
            session, officer, BulkAction.PUBLISH, utcnow(), SERVICE_URL, provider_ids=stale_ids
        )
    session.commit()

    assert (result.changed, result.left) == (2, 1)
    assert verification.bulk_result_message(result) == (
        "2 organisations are verified and published. 1 organisation was left as it was"
    )
    session.expire_all()
    assert session.get(Provider, rejected.id).status == ProviderStatus.REJECTED  # type: ignore[union-attr]
    reviews = session.execute(select(ProviderReview.provider_id, ProviderReview.officer_id)).all()
    assert sorted(reviews) == sorted(
        [(providers[0].id, officer.id), (rejected.id, other_officer.id), (providers[2].id, officer.id)]
    )
    events = session.execute(
        select(AuditEvent.entity_id, AuditEvent.action).where(AuditEvent.entity_type == "provider")
    ).all()
    assert sorted(events) == sorted(
        [
            (str(providers[0].id), "provider.verified"),
            (str(rejected.id), "provider.rejected"),
            (str(providers[2].id), "provider.verified"),
        ]
    )
    mail = session.execute(select(OutboxEmail.to_address, OutboxEmail.subject)).all()
    assert sorted(mail) == sorted(
        [
            (f"member{providers[0].id}@coop.example", "Imported 00000 is verified on the Local Supplier Register"),
            (f"member{rejected.id}@coop.example", "Imported 00001 cannot be added to the Local Supplier Register"),
            (f"member{providers[2].id}@coop.example", "Imported 00002 is verified on the Local Supplier Register"),
        ]
    )


def test_an_organisation_with_changes_sent_while_taking_imports_back_in_bulk_is_left_published(
    session: Session, knowsley: CouncilSetup
) -> None:
    providers = _imported(session, _batch(session), 3, status=ProviderStatus.VERIFIED)
    changed = providers[1]
    officer = _officer(session, knowsley)
    session.commit()

    def member_sends_changes(other: Session) -> None:
        provider = other.get(Provider, changed.id)
        assert provider is not None
        provider.awaiting_review = True

    with committed_just_before_the_bulk_update(session, member_sends_changes):
        result = verification.apply_bulk_action(
            session, officer, BulkAction.QUEUE, utcnow(), SERVICE_URL, provider_ids=[p.id for p in providers]
        )
    session.commit()

    assert (result.changed, result.left) == (2, 1)
    session.expire_all()
    # Its changes are checked on its own page; it stays published meanwhile, as it would had they come first.
    assert session.get(Provider, changed.id).status == ProviderStatus.VERIFIED  # type: ignore[union-attr]
    events = session.scalars(select(AuditEvent.entity_id).where(AuditEvent.entity_type == "provider")).all()
    assert sorted(events) == sorted([str(providers[0].id), str(providers[2].id)])
