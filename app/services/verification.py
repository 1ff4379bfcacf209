"""Officers checking providers: the queue, the decision, and checking one fact at a time."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, false, func, insert, or_, select, update
from sqlalchemy.orm import Session, selectinload

from app.domain.paging import Paged, clamp_page
from app.domain.providers import EvidenceState, LegalForm, Placement, ProviderSource, ProviderStatus
from app.domain.refusals import Refusal
from app.domain.registration import JoinRequestStatus, ReviewDecision, decision_refusal
from app.domain.review_queue import (
    BULK_ACTION_LIMIT,
    BULK_RULES,
    QUEUE_PER_PAGE,
    BulkAction,
    QueueSort,
    QueueStatus,
    WaitingCounts,
    status_filter,
    why_bulk_action_does_not_apply,
)
from app.domain.roles import Role
from app.models import (
    Area,
    AuditEvent,
    ImportBatch,
    ImportChange,
    JoinRequest,
    Provider,
    ProviderFact,
    ProviderIdentifier,
    ProviderReview,
    Site,
    User,
)
from app.services import audit, fulltext
from app.services.audit import Actor
from app.services.locality import area_names_for
from app.services.mail import queue_email


class ReviewError(Refusal):
    """A decision that cannot be made; ``field`` says where to show the message."""


# The review queue ----------------------------------------------------------------------------------------------

# Ids per statement when changing organisations in bulk: well under SQLite's and PostgreSQL's parameter limits.
_CHUNK = 500


@dataclass(frozen=True)
class QueueFilters:
    """What the officer asked the queue to show, and in which order."""

    status: QueueStatus = QueueStatus.WAITING
    batch_id: int | None = None
    district_code: str | None = None
    legal_form: LegalForm | None = None
    not_placed: bool = False
    sort: QueueSort = QueueSort.OLDEST

    def query_args(self) -> dict[str, str]:
        """The filters as query-string arguments, leaving out defaults (for links that keep them)."""
        args = {
            "status": self.status.value if self.status != QueueStatus.WAITING else None,
            "batch": str(self.batch_id) if self.batch_id is not None else None,
            "district": self.district_code,
            "legal_form": self.legal_form.value if self.legal_form else None,
            "not_placed": "yes" if self.not_placed else None,
            "sort": self.sort.value if self.sort != QueueSort.OLDEST else None,
        }
        return {k: v for k, v in args.items() if v}

    @property
    def narrowed(self) -> bool:
        """Whether anything but the default status and order is asked for."""
        return bool(set(self.query_args()) - {"sort"})


@dataclass(frozen=True)
class QueuePage(Paged):
    providers: list[Provider]
    total: int
    page: int
    per_page: int
    # GSS code to name, for the districts and wards of this page's premises.
    area_names: dict[str, str] = field(default_factory=dict)


def _queue_conditions(filters: QueueFilters) -> list[ColumnElement[bool]]:
    """SQL conditions for the filters; each is served by an index (see migration 0010_reviews)."""
    wanted = []
    for status, awaiting, source in status_filter(filters.status):
        parts = [Provider.status == status]
        if awaiting is not None:
            parts.append(Provider.awaiting_review.is_(awaiting))
        if source is not None:
            parts.append(Provider.source == source)
        wanted.append(and_(*parts))
    conditions: list[ColumnElement[bool]] = [or_(*wanted)]
    if filters.batch_id is not None:
        # Everything the import created or updated, not only the organisations it created.
        conditions.append(
            exists().where(ImportChange.batch_id == filters.batch_id, ImportChange.provider_id == Provider.id)
        )
    if filters.district_code:
        conditions.append(exists().where(Site.provider_id == Provider.id, Site.district_code == filters.district_code))
    if filters.legal_form:
        conditions.append(Provider.legal_form == filters.legal_form)
    if filters.not_placed:
        conditions.append(exists().where(Site.provider_id == Provider.id, Site.placement == Placement.NOT_PLACED))
    return conditions


def _first_district_name() -> Any:
    """The name of the first district (A to Z) an organisation has premises in, for sorting by district."""
    return (
        select(func.min(Area.name))
        .join(Site, Site.district_code == Area.code)
        .where(Site.provider_id == Provider.id)
        .correlate(Provider)
        .scalar_subquery()
    )


def _queue_order(sort: QueueSort) -> list[Any]:
    # Nulls last on every engine (PostgreSQL's default for ascending order, and what its index holds).
    oldest = [Provider.submitted_at.asc().nulls_last(), Provider.id]
    if sort == QueueSort.NAME:
        return [func.lower(Provider.name), Provider.id]
    if sort == QueueSort.DISTRICT:
        # Organisations with no placed premises come last.
        district = _first_district_name()
        return [district.is_(None), district, func.lower(Provider.name), Provider.id]
    return oldest


def review_queue_page(
    session: Session, filters: QueueFilters | None = None, page: int = 1, per_page: int = QUEUE_PER_PAGE
) -> QueuePage:
    """One page of the organisations waiting for an officer, filtered and sorted in SQL."""
    filters = filters or QueueFilters()
    conditions = _queue_conditions(filters)
    total = session.scalar(select(func.count(Provider.id)).where(*conditions)) or 0
    page = clamp_page(page, total, per_page)
    providers = list(
        session.scalars(
            select(Provider)
            .where(*conditions)
            .options(selectinload(Provider.sites))
            .order_by(*_queue_order(filters.sort))
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
    )
    return QueuePage(providers, total, page, per_page, area_names_for(session, providers))


def waiting_counts(session: Session) -> WaitingCounts:
    """How many organisations the queue's 'everything waiting' shows, new and with changes: the home page's figure."""

    def count(status: QueueStatus) -> int:
        return session.scalar(select(func.count(Provider.id)).where(*_queue_conditions(QueueFilters(status)))) or 0

    return WaitingCounts(new=count(QueueStatus.NEW), changes=count(QueueStatus.CHANGES))


def selectable_ids(providers: Sequence[Provider]) -> set[int]:
    """The organisations on a page that some bulk action applies to (the ones with a tick box)."""
    return {
        p.id
        for p in providers
        if any(
            why_bulk_action_does_not_apply(a, p.status, p.source, p.awaiting_review, p.dissolved_on is not None) is None
            for a in BulkAction
        )
    }


def queue_districts(session: Session) -> list[Area]:
    """Districts any organisation has premises in, for the queue's filter."""
    codes = select(Site.district_code).where(Site.district_code.is_not(None)).distinct()
    return list(session.scalars(select(Area).where(Area.code.in_(codes)).order_by(Area.name)))


def imported_batches(session: Session, limit: int = 100) -> list[ImportBatch]:
    """Imports that wrote to the register, newest first, for the queue's filter."""
    return list(
        session.scalars(
            select(ImportBatch)
            .where(ImportBatch.committed_at.is_not(None), ImportBatch.undone_at.is_(None))
            .order_by(ImportBatch.id.desc())
            .limit(limit)
        )
    )


@dataclass(frozen=True)
class BulkPlan:
    """What a bulk action would do: how many it changes, how many it leaves and why."""

    action: BulkAction
    chosen: int
    applies: int
    # Why an organisation is left as it is -> how many.
    left: dict[str, int]
    # A few of the organisations it changes, for the officer to recognise.
    examples: list[str]

    @property
    def left_total(self) -> int:
        return sum(self.left.values())


def _chosen(filters: QueueFilters | None, provider_ids: Sequence[int] | None) -> list[ColumnElement[bool]]:
    """The organisations the officer picked: ticked on the page, or every one matching the filters."""
    if provider_ids is not None:
        return [Provider.id.in_(sorted(set(provider_ids)))] if provider_ids else [false()]
    return _queue_conditions(filters or QueueFilters())


# (status, source, awaiting review, dissolved, how many): the states the chosen organisations are in.
_State = tuple[ProviderStatus, ProviderSource, bool, bool, int]


def _states(session: Session, chosen: list[ColumnElement[bool]]) -> list[_State]:
    dissolved = Provider.dissolved_on.is_not(None)
    return [
        (status, source, bool(awaiting), bool(is_dissolved), count)
        for status, source, awaiting, is_dissolved, count in session.execute(
            select(Provider.status, Provider.source, Provider.awaiting_review, dissolved, func.count())
            .where(*chosen)
            .group_by(Provider.status, Provider.source, Provider.awaiting_review, dissolved)
        ).all()
    ]


def _applicable(action: BulkAction, states: list[_State]) -> ColumnElement[bool]:
    """SQL for the states the domain's rule accepts (so the rule has one home, and the work stays in SQL)."""
    accepted = [
        and_(
            Provider.status == status,
            Provider.source == source,
            Provider.awaiting_review.is_(awaiting),
            Provider.dissolved_on.is_not(None) if dissolved else Provider.dissolved_on.is_(None),
        )
        for status, source, awaiting, dissolved, _ in states
        if why_bulk_action_does_not_apply(action, status, source, awaiting, dissolved) is None
    ]
    return or_(*accepted) if accepted else false()


def plan_bulk_action(
    session: Session,
    action: BulkAction,
    *,
    filters: QueueFilters | None = None,
    provider_ids: Sequence[int] | None = None,
    examples: int = 5,
) -> BulkPlan:
    """Count what ``action`` would change among the chosen organisations, for the confirmation page."""
    chosen = _chosen(filters, provider_ids)
    states = _states(session, chosen)
    left: Counter[str] = Counter()
    for status, source, awaiting, dissolved, count in states:
        reason = why_bulk_action_does_not_apply(action, status, source, awaiting, dissolved)
        if reason is not None:
            left[reason] += count
    total = sum(count for *_, count in states)
    names = session.scalars(
        select(Provider.name)
        .where(*chosen, _applicable(action, states))
        .order_by(func.lower(Provider.name), Provider.id)
        .limit(examples)
    ).all()
    return BulkPlan(action, total, total - sum(left.values()), dict(left), list(names))


@dataclass(frozen=True)
class BulkResult:
    action: BulkAction
    changed: int
    left: int


def apply_bulk_action(
    session: Session,
    officer: User,
    action: BulkAction,
    now: datetime,
    service_url: str,
    *,
    filters: QueueFilters | None = None,
    provider_ids: Sequence[int] | None = None,
) -> BulkResult:
    """Publish, or take back into the queue, many imported organisations at once.

    Each organisation gets its own audit event (and, when published, its own review record) in this
    transaction; anyone who acts for one is emailed as if it had been decided on its own page.
    """
    chosen = _chosen(filters, provider_ids)
    states = _states(session, chosen)
    total = sum(count for *_, count in states)
    applicable = _applicable(action, states)
    ids = list(session.scalars(select(Provider.id).where(*chosen, applicable).order_by(Provider.id)))
    if not ids:
        raise ReviewError(nothing_to_change_message(action), "action")
    if len(ids) > BULK_ACTION_LIMIT:
        raise ReviewError(
            f"You can change up to {BULK_ACTION_LIMIT:,} organisations at once. Filter the queue to fewer."
        )
    rule = BULK_RULES[action]
    actor = audit.Actor.of(officer)
    verb = "provider.verified" if action == BulkAction.PUBLISH else "provider.queued_for_checks"
    changes: dict[str, Any] = {"from": rule.from_status.value, "to": rule.to_status.value, "bulk": True}
    if filters is not None and filters.batch_id is not None and provider_ids is None:
        changes["import_batch"] = filters.batch_id
    values: dict[str, Any] = {"status": rule.to_status, "status_changed_at": now, "updated_at": now}
    values["verified_at"] = now if action == BulkAction.PUBLISH else None
    changed = 0
    for start in range(0, len(ids), _CHUNK):
        # The rule is checked again in the statement, and only the organisations it changed are recorded: one
        # decided on its own page, or sent changes, since the ids were read is left alone, with no review, audit
        # event or email (on PostgreSQL the UPDATE re-reads a row another transaction changed before matching it).
        chunk = sorted(
            session.scalars(
                update(Provider)
                .where(Provider.id.in_(ids[start : start + _CHUNK]), applicable)
                .values(**values)
                .returning(Provider.id)
                .execution_options(synchronize_session="fetch")
            )
        )
        if not chunk:
            continue
        changed += len(chunk)
        if action == BulkAction.PUBLISH:
            session.execute(
                insert(ProviderReview),
                [
                    {
                        "provider_id": pid,
                        "officer_id": officer.id,
                        "decision": ReviewDecision.VERIFIED,
                        "created_at": now,
                    }
                    for pid in chunk
                ],
            )
        session.execute(
            insert(AuditEvent),
            [
                {
                    "occurred_at": now,
                    "actor_id": actor.user_id,
                    "actor_label": actor.label,
                    "action": verb,
                    "entity_type": "provider",
                    "entity_id": str(pid),
                    "changes": changes,
                }
                for pid in chunk
            ],
        )
        _tell_members_in_bulk(session, action, chunk, service_url)
    return BulkResult(action, changed, total - changed)


def _organisations(count: int) -> str:
    return "1 organisation" if count == 1 else f"{count:,} organisations"


def nothing_to_change_message(action: BulkAction) -> str:
    """Why a bulk action was refused: nothing the officer chose is in a state it applies to."""
    if action == BulkAction.PUBLISH:
        return (
            "None of the organisations you chose can be published together. Only organisations the council "
            "imported that are waiting for checks can be"
        )
    return (
        "None of the organisations you chose can be taken off the register together. Only published "
        "organisations the council imported, with no changes to check, can be"
    )


def bulk_result_message(result: BulkResult) -> str:
    """The banner after a bulk action: how many changed and how many were left as they were."""
    changed = _organisations(result.changed)
    if result.action == BulkAction.PUBLISH:
        done = f"{changed} {'is' if result.changed == 1 else 'are'} verified and published"
    else:
        done = f"{changed} {'is' if result.changed == 1 else 'are'} off the register and in the queue for checks"
    if result.left:
        left = _organisations(result.left)
        done += (
            f". {left} {'was' if result.left == 1 else 'were'} left as {'it was' if result.left == 1 else 'they were'}"
        )
    return done


def _tell_members_in_bulk(session: Session, action: BulkAction, provider_ids: list[int], service_url: str) -> None:
    """Email the people who act for these organisations (imported ones rarely have any): one query per chunk."""
    rows = session.execute(
        select(User.email, Provider.name)
        .join(Provider, Provider.id == User.provider_id)
        .where(User.provider_id.in_(provider_ids), User.role == Role.PROVIDER)
        .order_by(Provider.id, User.email)
    ).all()
    for email, name in rows:
        if action == BulkAction.PUBLISH:
            subject, body = _published_email(name)
        else:
            subject = f"The council is checking {name} again"
            body = (
                f"The council is checking {name}'s entry again. It is not shown in the register until the "
                "check is done; we will email you when it is."
            )
        queue_email(session, email, subject, f"{body}\n\nSee your entry: {service_url}\n")


def pending_join_requests(session: Session) -> list[JoinRequest]:
    return list(
        session.scalars(
            select(JoinRequest).where(JoinRequest.status == JoinRequestStatus.PENDING).order_by(JoinRequest.created_at)
        )
    )


def reviews_of(session: Session, provider: Provider) -> list[ProviderReview]:
    return list(
        session.scalars(
            select(ProviderReview).where(ProviderReview.provider_id == provider.id).order_by(ProviderReview.id.desc())
        )
    )


def members_of(session: Session, provider: Provider) -> list[User]:
    return list(
        session.scalars(
            select(User).where(User.provider_id == provider.id, User.role == Role.PROVIDER).order_by(User.email)
        )
    )


def may_decide(provider: Provider, decision: ReviewDecision) -> bool:
    """Whether an officer may make this decision on the entry now (the rule: domain/registration.decision_refusal)."""
    return decision_refusal(decision, provider.status, provider.awaiting_review) is None


def _tell_members(session: Session, provider: Provider, subject: str, body: str) -> None:
    for member in members_of(session, provider):
        queue_email(session, member.email, subject, body)


def _decide(
    session: Session,
    officer: User,
    provider: Provider,
    decision: ReviewDecision,
    status: ProviderStatus,
    message: str | None,
    now: datetime,
) -> ProviderReview:
    refusal = decision_refusal(decision, provider.status, provider.awaiting_review)
    if refusal:
        raise ReviewError(refusal)
    before = provider.status
    provider.status = status
    provider.status_changed_at = now
    provider.awaiting_review = False
    if status == ProviderStatus.VERIFIED:
        provider.verified_at = now
    review = ProviderReview(provider_id=provider.id, officer_id=officer.id, decision=decision, message=message)
    session.add(review)
    audit.record(
        session,
        Actor.of(officer),
        f"provider.{decision.value}",
        "provider",
        provider.id,
        {"from": before.value, "to": status.value, "message": message},
    )
    return review


def _published_email(name: str) -> tuple[str, str]:
    """The subject and first paragraph of the email saying an organisation is published."""
    return (
        f"{name} is verified on the Local Supplier Register",
        f"The council has checked {name} and it is now published in the register, where council "
        "staff can find it when they buy services.",
    )


def verify(session: Session, officer: User, provider: Provider, now: datetime, service_url: str) -> ProviderReview:
    """Publish the entry (or accept the changes of a published one) and tell its members."""
    accepting_changes = provider.status == ProviderStatus.VERIFIED
    review = _decide(session, officer, provider, ReviewDecision.VERIFIED, ProviderStatus.VERIFIED, None, now)
    if accepting_changes:
        subject = f"The council has checked your changes to {provider.name}"
        body = f"The council has checked your latest changes to {provider.name}. Your entry stays published."
    else:
        subject, body = _published_email(provider.name)
    _tell_members(session, provider, subject, f"{body}\n\nSee your entry: {service_url}\n")
    return review


def request_changes(
    session: Session, officer: User, provider: Provider, message: str, now: datetime, service_url: str
) -> ProviderReview:
    """Send the entry back to its members with what to change."""
    if not message.strip():
        raise ReviewError("Enter what the organisation needs to change", "message")
    review = _decide(
        session,
        officer,
        provider,
        ReviewDecision.CHANGES_REQUESTED,
        ProviderStatus.CHANGES_REQUESTED,
        message.strip(),
        now,
    )
    _tell_members(
        session,
        provider,
        f"Changes needed before {provider.name} is published",
        f"The council has checked {provider.name} and needs you to change some details:\n\n{message.strip()}\n\n"
        f"Make the changes and send them again: {service_url}\n",
    )
    return review


def reject(session: Session, officer: User, provider: Provider, reason: str, now: datetime) -> ProviderReview:
    """Refuse the entry, with the reason the members are sent."""
    if not reason.strip():
        raise ReviewError("Enter why the organisation cannot be on the register", "reason")
    review = _decide(session, officer, provider, ReviewDecision.REJECTED, ProviderStatus.REJECTED, reason.strip(), now)
    _tell_members(
        session,
        provider,
        f"{provider.name} cannot be added to the Local Supplier Register",
        f"The council has checked {provider.name} and cannot add it to the register:\n\n{reason.strip()}\n\n"
        "If you think this is wrong, reply to the register team.\n",
    )
    return review


def verify_identifier(
    session: Session, officer: User, identifier: ProviderIdentifier, now: datetime, note: str | None = None
) -> None:
    """Record that an officer checked a registration number against its register."""
    if identifier.evidence == EvidenceState.OFFICER_VERIFIED:
        return
    before = identifier.evidence
    identifier.evidence = EvidenceState.OFFICER_VERIFIED
    identifier.checked_at = now
    identifier.checked_by_id = officer.id
    audit.record(
        session,
        Actor.of(officer),
        "identifier.verified",
        "provider",
        identifier.provider_id,
        {"org_id": identifier.org_id, "from": before.value, "note": note},
    )
    fulltext.refresh(session, identifier.provider)


def verify_fact(session: Session, officer: User, fact: ProviderFact, now: datetime, note: str | None = None) -> None:
    """Record that an officer checked one fact (e.g. the Real Living Wage accreditation)."""
    if fact.value is None:
        raise ReviewError("A fact that is not known cannot be checked")
    before = fact.evidence
    fact.evidence = EvidenceState.OFFICER_VERIFIED
    # The fact's own date stays: it is when the fact was true, not when it was checked (that is audited).
    fact.evidence_note = note or fact.evidence_note or f"Checked by the council on {now:%-d %B %Y}"
    fact.recorded_by_id = officer.id
    audit.record(
        session,
        Actor.of(officer),
        "fact.verified",
        "provider",
        fact.provider_id,
        {"kind": fact.kind.value, "value": fact.value, "from": before.value, "note": note},
    )
    fulltext.refresh(session, fact.provider)
