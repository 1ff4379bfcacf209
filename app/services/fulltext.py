"""Full-text search over providers: SQLite FTS5 or PostgreSQL's text search, behind one pair of functions."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, column, func, literal_column, select, table, text
from sqlalchemy.orm import Session, selectinload

from app.domain.eligibility import generative_signals, signal_score
from app.domain.providers import EvidenceState, LegalForm
from app.models import Provider, ProviderSearchDocument, ServiceCategory

_WORD = re.compile(r"[\w']+", re.UNICODE)


def document_for(provider: Provider) -> str:
    """Everything a commissioner might type to find this provider."""
    return document_text(
        provider.name,
        provider.trading_name,
        provider.legal_form,
        provider.description,
        provider.services,
        [site.town for site in provider.sites if site.address_public],
    )


def document_text(
    name: str,
    trading_name: str | None,
    legal_form: LegalForm,
    description: str | None,
    services: Iterable[ServiceCategory],
    public_towns: Iterable[str | None],
) -> str:
    """:func:`document_for` from plain values (for providers written in bulk)."""
    services = list(services)
    # The first line is the provider's names, which the index also keeps on their own (models/search.py).
    names = " ".join(" ".join(n.split()) for n in (name, trading_name) if n)
    parts = [names, legal_form.label, description or ""]
    parts += [service.name for service in services]
    parts += [service.description for service in services if service.description]
    parts += [town or "" for town in public_towns]
    return "\n".join(p for p in parts if p)


def _refreshed(session: Session, provider: Provider, document: ProviderSearchDocument | None) -> ProviderSearchDocument:
    """Set the provider's signal score and its search document (``document``, or a new one) from its answers,
    changing only what differs; returns the document."""
    facts = {f.kind: (f.value, f.evidence) for f in provider.facts}
    checked = sum(1 for i in provider.identifiers if i.evidence == EvidenceState.OFFICER_VERIFIED)
    score = signal_score(generative_signals(provider.legal_form, facts, checked))
    if provider.signal_score != score:
        provider.signal_score = score
    body = document_for(provider)
    if document is None:
        document = ProviderSearchDocument(provider_id=provider.id, document=body)
        session.add(document)
    elif document.document != body:
        document.document = body
    return document


def refresh(session: Session, provider: Provider) -> None:
    """Keep the provider's search document and signal score in step with its answers (call after changing them)."""
    session.flush()
    _refreshed(session, provider, session.get(ProviderSearchDocument, provider.id))


def refresh_many(session: Session, providers: list[Provider]) -> None:
    """:func:`refresh` for many providers at once (an import's chunk): one query for their documents."""
    if not providers:
        return
    session.flush()
    documents = {
        d.provider_id: d
        for d in session.scalars(
            select(ProviderSearchDocument).where(
                ProviderSearchDocument.provider_id.in_(sorted({p.id for p in providers}))
            )
        )
    }
    for provider in providers:
        # Kept in the map: the same provider twice in one chunk updates the document made the first time.
        documents[provider.id] = _refreshed(session, provider, documents.get(provider.id))


def rebuild(session: Session) -> int:
    """Rebuild every provider's document and signal score (after an upgrade, or to repair the index)."""
    count = 0
    providers = session.scalars(
        select(Provider).options(
            selectinload(Provider.services),
            selectinload(Provider.sites),
            selectinload(Provider.facts),
            selectinload(Provider.identifiers),
        )
    )
    for provider in providers:
        refresh(session, provider)
        count += 1
    session.flush()
    return count


def terms(query: str) -> list[str]:
    """The words of a query, without the search engine's operators (so no input can be a syntax error)."""
    return [w.lower() for w in _WORD.findall(query)][:12]


# A match this size or smaller is read into a list of ids and ordered whole; a larger one is walked in the order's
# own index, which the engine stops after a page (scoring or sorting tens of thousands of matches is what made a
# common word slow).
FEW_MATCHES = 2_000


@dataclass(frozen=True)
class TextMatch:
    """Providers whose search document holds every word of a query, as conditions on ``Provider.id``.

    ``anywhere``: the words are somewhere in the document (the filter). ``in_names``: they are all in the provider's
    names (its name and trading name), which ranks it above the others. ``few``: the matching ids when there are at
    most :data:`FEW_MATCHES` of them, else None. ``driving``: for many matches, the matching ids as a query to
    count from (the engine stops at a count's cap without reading every match), else None."""

    anywhere: ColumnElement[bool]
    in_names: ColumnElement[bool]
    few: list[int] | None
    driving: Select[Any] | None = None

    @property
    def tiers(self) -> list[ColumnElement[bool]]:
        """The order's two segments: names that hold the words (which the document then holds too), then the rest."""
        return [self.in_names, and_(self.anywhere, ~self.in_names)]

    def counted(self, query: Select[Any]) -> Select[Any]:
        """``query`` (providers' ids) narrowed to the matches, shaped so that counting it reads matches only as far
        as the count goes."""
        if self.driving is None:
            return query.where(self.anywhere)
        match_id = self.driving.selected_columns[0]
        return self.driving.where(query.where(Provider.id == match_id).exists())


def _postgresql_queries(words: list[str]) -> tuple[Select[Any], Select[Any]]:
    tsquery = func.to_tsquery("english", " & ".join(f"{w}:*" for w in words))
    # Stored, indexed text vectors (see models/search.py).
    vector: ColumnElement[Any] = literal_column("provider_search_documents.search_vector")
    names: ColumnElement[Any] = literal_column("provider_search_documents.names_vector")
    document_id = ProviderSearchDocument.provider_id
    return (
        select(document_id).where(vector.op("@@")(tsquery)),
        select(document_id).where(names.op("@@")(tsquery)),
    )


def _sqlite_queries(words: list[str]) -> tuple[Select[Any], Select[Any]]:
    fts = table("provider_fts", column("rowid"))
    phrase = " ".join('"' + w.replace('"', "") + '"*' for w in words)

    def matching(expression: str, name: str) -> Select[Any]:
        return select(fts.c.rowid).where(text(f"provider_fts MATCH :{name}").bindparams(**{name: expression}))

    return matching(phrase, "fts_anywhere"), matching(f"names : ({phrase})", "fts_names")


def walked_id(session: Session) -> Any:
    """The provider's id as a condition names it when the engine should test the condition row by row while it walks
    an index in the order wanted, not start from the condition's rows: on SQLite "+providers.id" (the unary plus
    keeps the planner from reading the condition's list first); PostgreSQL's planner weighs both ways itself."""
    return literal_column("+providers.id") if session.get_bind().dialect.name == "sqlite" else Provider.id


def match(session: Session, query: str) -> TextMatch | None:
    """The providers matching every word of ``query`` (each word as a prefix); None when it has no words."""
    words = terms(query)
    if not words:
        return None
    if session.get_bind().dialect.name == "postgresql":
        # A GIN index cannot stop early at a few matches: the planner weighs the match against the filters itself.
        anywhere, in_names = _postgresql_queries(words)
        return TextMatch(Provider.id.in_(anywhere), Provider.id.in_(in_names), None)
    anywhere, in_names = _sqlite_queries(words)
    # "+id": SQLite then reads the matches as a set to test each row against while it walks the order's index,
    # rather than fetching every match by id and sorting them all.
    walked = walked_id(session)
    few: list[int] = list(session.scalars(anywhere.limit(FEW_MATCHES + 1)))
    if len(few) <= FEW_MATCHES:
        return TextMatch(Provider.id.in_(few), Provider.id.in_(in_names), few)
    # Many: counted from the full-text index outwards (each match asks whether it is a candidate), which stops at
    # the cap.
    return TextMatch(walked.in_(anywhere), walked.in_(in_names), None, anywhere)
