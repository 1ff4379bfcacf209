"""The loaded public registers as an import consults them: a chunk's numbers and names looked up a chunk at a time
(a few queries a chunk, never one a row), and the registers' records kept for the providers an import writes.

What the records mean for a row is the domain's (:mod:`app.domain.imports.register_facts`). Lookups use the
registers' own tables and matcher (:mod:`app.services.registers`): names by their key, exact first
(``entries_by_name_key``), then near names read as ``match_names`` reads them, asked for many names in one statement.
With no register loaded the planner makes no lookup at all (:meth:`RegisterLookup.of` is None).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from rapidfuzz import fuzz, process
from sqlalchemy import Select, String, TextClause, bindparam, literal_column, select, text, union_all
from sqlalchemy.orm import Session

from app.domain.imports.fields import ColumnMapping
from app.domain.imports.register_facts import (
    not_on_register,
    number_matched,
    one_at_postcode,
    possible_registrations,
    read_with_register,
)
from app.domain.providers import LegalForm
from app.domain.registers import (
    REGISTER_OF_SCHEME,
    KnownDetails,
    Liveness,
    Register,
    RegisterEntry,
    check_findings,
)
from app.domain.spend.suppliers import near_name_score, normalise_supplier_name, supplier_name_variants
from app.models import ProviderRegisterRecord, RegisterRelease
from app.services.imports.changes import scheme_of
from app.services.imports.plans import RowPlan
from app.services.registers import (
    KEY_BATCH,
    NEAR_CANDIDATES,
    NEAR_KEPT,
    NEAR_KEY_SCORE,
    NEAR_NAME_SCORE,
    NEAR_PREFIX,
    REGISTER_TABLES,
    active_releases,
    entries_by_name_key,
    entries_by_number,
    keep_entry,
    name_keys_of,
    one_organisation,
)

#: Names whose near names one statement reads (two ranges each: SQLite allows 500 parts to a compound SELECT).
NEAR_NAMES_PER_QUERY = 200


@dataclass(frozen=True)
class _Found:
    """A registered organisation a row's name may be, and how alike (100: the same name as the matcher reads it)."""

    entry: RegisterEntry
    score: float


class RegisterLookup:
    """The active releases of the public registers, consulted for an import's rows a chunk at a time."""

    def __init__(self, session: Session, releases: Mapping[Register, RegisterRelease]) -> None:
        self.session = session
        self.releases = dict(releases)
        self.postgresql = session.get_bind().dialect.name == "postgresql"

    @classmethod
    def of(cls, session: Session) -> RegisterLookup | None:
        """The lookup over the registers loaded now, or None when none is (the import then consults none)."""
        releases = active_releases(session)
        return cls(session, releases) if releases else None

    def read_chunk(self, plans: Sequence[RowPlan], mapping: ColumnMapping) -> None:
        """Give each plan what the registers say of it (before it is placed and matched): a number's record, with
        what it fills in and warns of; a row with no number, its number when its exact name and postcode are one
        live organisation's, or the candidates for the officer."""
        wanted: dict[str, Register] = {}
        for plan in plans:
            org_id = plan.row.org_id
            if org_id:
                register = REGISTER_OF_SCHEME.get(scheme_of(org_id))
                if register is not None and register in self.releases:
                    wanted[org_id] = register
        found = self.entries(wanted)
        unnumbered: list[RowPlan] = []
        for plan in plans:
            row = plan.row
            if row.org_id in wanted:
                entry = found.get(row.org_id)
                if entry is None:
                    register = wanted[row.org_id]
                    published_on = self.releases[register].published_on
                    plan.extra_problems.append(not_on_register(row, register, published_on, mapping))
                    continue
                reading = read_with_register(row, entry, mapping)
                plan.row, plan.register_entry = reading.row, entry
                plan.placed_by_register = reading.placed_by_register
            elif row.org_id is None and not row.registration_number and row.name and not row.ended:
                # A number the file gives that is not kept (a wrong format) is never replaced by a guess.
                unnumbered.append(plan)
        if unnumbered:
            self._match_names(unnumbered, mapping)

    def entries(self, wanted: Mapping[str, Register]) -> dict[str, RegisterEntry]:
        """Each org-id's record on its register's active release (those the release has), a query per register
        and few hundred numbers."""
        numbers: dict[Register, list[str]] = {}
        for org_id, register in wanted.items():
            numbers.setdefault(register, []).append(org_id.removeprefix(f"{scheme_of(org_id)}-"))
        found: dict[str, RegisterEntry] = {}
        for register, values in numbers.items():
            for entry in entries_by_number(self.session, self.releases[register], sorted(set(values))):
                found.setdefault(entry.org_id, entry)
        return found

    def _match_names(self, plans: Sequence[RowPlan], mapping: ColumnMapping) -> None:
        keys = {plan.row.row_number: name_keys_of(plan.row.name or "") for plan in plans}
        exact = entries_by_name_key(self.session, self.releases, {key for found in keys.values() for key in found})
        without: list[RowPlan] = []
        candidates: dict[int, list[_Found]] = {}
        for plan in plans:
            row = plan.row
            same = next((exact[key] for key in keys[row.row_number] if exact.get(key)), [])
            if not same:
                without.append(plan)
                continue
            one = one_organisation([e for e in same if e.liveness == Liveness.LIVE])
            chosen = one_at_postcode(one, row.postcode)
            if chosen is not None:
                reading = number_matched(row, chosen, mapping)
                plan.row, plan.register_entry, plan.number_from_register = reading.row, chosen, True
                plan.placed_by_register = reading.placed_by_register
                continue
            candidates[row.row_number] = [_Found(e, 100.0) for e in same]
        near = self._near([(plan.row.name or "", keys[plan.row.row_number]) for plan in without])
        for plan, found in zip(without, near, strict=True):
            candidates[plan.row.row_number] = found
        for plan in plans:
            listed = candidates.get(plan.row.row_number)
            if listed:
                ranked = _ranked(listed, plan.row.postcode)
                problem = possible_registrations(plan.row, [(f.entry, f.score) for f in ranked], mapping)
                if problem is not None:
                    plan.extra_problems.append(problem)

    def _near(self, names: Sequence[tuple[str, list[str]]]) -> list[list[_Found]]:
        """For each (name, its keys), the near names on the registers, as
        :func:`app.services.registers.match_names` finds them (the names whose keys begin as its keys do and sit
        nearest them, narrowed by rapidfuzz to the few compared whole), many names to a statement."""
        results: list[dict[str, _Found]] = [{} for _ in names]
        if not names:
            return []
        normalised = [[normalise_supplier_name(name), *supplier_name_variants(name)[1:]] for name, _ in names]
        probes = [(index, key) for index, (_, keys) in enumerate(names) for key in keys if len(key) >= NEAR_PREFIX]
        for register, release in self.releases.items():
            table = REGISTER_TABLES[register]
            nearby: dict[int, list[Any]] = {}
            if self.postgresql and probes:
                # One statement for the chunk: the keys as arrays, each read by a lateral pair of index ranges.
                prefixes = [key[:NEAR_PREFIX] for _, key in probes]
                arrays = {
                    "keys": [key for _, key in probes],
                    "prefixes": prefixes,
                    "ends": [prefix + "\uffff" for prefix in prefixes],
                    "release": release.id,
                    "half": NEAR_CANDIDATES // 2,
                }
                for probe, number, name, name_key in self.session.execute(_AROUND_POSTGRESQL[register], arrays):
                    nearby.setdefault(probe, []).append((number, name, name_key))
            for start in range(0, len(probes) if not self.postgresql else 0, NEAR_NAMES_PER_QUERY):
                part = probes[start : start + NEAR_NAMES_PER_QUERY]
                # Every statement but a chunk's last has the same shape, so it is built into SQL once.
                statement = _around(table, len(part))
                values: dict[str, Any] = {"release": release.id}
                for offset, (_, key) in enumerate(part):
                    values |= {f"key{offset}": key, f"prefix{offset}": key[:NEAR_PREFIX]}
                    values[f"end{offset}"] = key[:NEAR_PREFIX] + "\uffff"
                for probe, number, name, name_key in self.session.execute(statement, values):
                    nearby.setdefault(start + probe, []).append((number, name, name_key))
            scored: list[tuple[int, str, float]] = []
            for probe, rows in nearby.items():
                index, key = probes[probe]
                alike = process.extract(
                    key, [r[2] for r in rows], scorer=fuzz.ratio, score_cutoff=NEAR_KEY_SCORE, limit=NEAR_KEPT
                )
                for _key, _alike, at in alike:
                    theirs = normalise_supplier_name(rows[at][1])
                    score = max(near_name_score(ours, theirs) for ours in normalised[index])
                    if score >= NEAR_NAME_SCORE:
                        scored.append((index, rows[at][0], score))
            if not scored:
                continue
            entries = {
                e.number: e
                for e in entries_by_number(self.session, self.releases[register], sorted({n for _, n, _ in scored}))
            }
            for index, number, score in scored:
                entry = entries.get(number)
                if entry is None:
                    continue
                best = results[index].get(entry.org_id)
                if best is None or score > best.score:
                    results[index][entry.org_id] = _Found(entry, score)
        return [list(found.values()) for found in results]


def _around_postgresql(table_name: str) -> TextClause:
    """:func:`_around` for PostgreSQL: every probe of a chunk in one statement, the keys bound as three arrays and
    each read by a lateral pair of index ranges (a union of 400 parts cost PostgreSQL more to plan than to run)."""
    within = "release_id = :release AND name_key >= p.prefix AND name_key < p.stop"
    # The table's name is the model's; every value is bound.
    columns = f"SELECT number, name, name_key FROM {table_name} WHERE {within}"  # noqa: S608
    above = f"({columns} AND name_key >= p.key ORDER BY name_key LIMIT :half)"
    below = f"({columns} AND name_key < p.key ORDER BY name_key DESC LIMIT :half)"
    keys = "unnest(CAST(:keys AS text[]), CAST(:prefixes AS text[]), CAST(:ends AS text[]))"
    probes = f"{keys} WITH ORDINALITY AS p(key, prefix, stop, i)"
    found = "CAST(p.i AS integer) - 1 AS probe, near.number, near.name, near.name_key"
    return text(f"SELECT {found} FROM {probes} CROSS JOIN LATERAL ({above} UNION ALL {below}) AS near")  # noqa: S608


_AROUND_POSTGRESQL = {register: _around_postgresql(table.__tablename__) for register, table in REGISTER_TABLES.items()}


@lru_cache(maxsize=16)
def _around(table: Any, probes: int) -> Select[Any]:
    """One statement reading, for each of ``probes`` names' keys (bound as key0, prefix0, end0, ...), the names
    either side of where the key would be among the keys that begin as it does (half of NEAR_CANDIDATES each
    side), tagged with the probe's position. Built once for each size (building 400 parts is a tenth of a second)."""
    half = NEAR_CANDIDATES // 2
    parts = []
    for offset in range(probes):
        key = bindparam(f"key{offset}", type_=String)
        columns = select(literal_column(str(offset)).label("probe"), table.number, table.name, table.name_key).where(
            table.release_id == bindparam("release"),
            table.name_key >= bindparam(f"prefix{offset}", type_=String),
            table.name_key < bindparam(f"end{offset}", type_=String),
        )
        above = columns.where(table.name_key >= key).order_by(table.name_key).limit(half)
        below = columns.where(table.name_key < key).order_by(table.name_key.desc()).limit(half)
        parts += [select(above.subquery()), select(below.subquery())]
    return union_all(*parts)  # type: ignore[return-value]


def _ranked(found: Sequence[_Found], postcode: str | None) -> list[_Found]:
    """Best first, as the matcher ranks candidates: the nearest name, then live before not, then at the row's
    postcode, then by name."""
    return sorted(
        found,
        key=lambda f: (
            -f.score,
            f.entry.liveness != Liveness.LIVE,
            postcode is None or f.entry.postcode != postcode,
            f.entry.name,
        ),
    )


@dataclass(frozen=True)
class KeptRecord:
    """A register's record to keep for a provider an import wrote, with what the provider now says (to compare)."""

    provider_id: int
    entry: RegisterEntry
    provider_name: str
    provider_legal_form: LegalForm


def keep_register_records(session: Session, kept: Sequence[KeptRecord], now: datetime) -> None:
    """Keep each register's record for its provider (one record per provider and register, replaced), with what
    comparing it with the provider finds (:func:`app.domain.registers.check_findings`), as
    :func:`app.services.registers.record_register_details` keeps one with no confirming user, for many providers
    in a few queries: the providers' records are read together and written in one flush."""
    if not kept:
        return
    ids = sorted({k.provider_id for k in kept})
    records: dict[tuple[int, str], ProviderRegisterRecord] = {}
    for start in range(0, len(ids), KEY_BATCH):
        part = ids[start : start + KEY_BATCH]
        for found in session.scalars(
            select(ProviderRegisterRecord).where(ProviderRegisterRecord.provider_id.in_(part))
        ):
            records[(found.provider_id, found.register)] = found
    for item in kept:
        entry = item.entry
        record = records.get((item.provider_id, entry.register.value))
        known = KnownDetails(
            name=record.name if record is not None else None,
            legal_form=record.legal_form if record is not None else None,
            postcode=record.postcode if record is not None else None,
            provider_name=item.provider_name,
            provider_legal_form=item.provider_legal_form,
        )
        findings = check_findings(entry, known, register=entry.register, as_of=entry.published_on)
        if record is None:
            record = ProviderRegisterRecord(provider_id=item.provider_id, register=entry.register.value)
            session.add(record)
            records[(item.provider_id, entry.register.value)] = record
        keep_entry(record, entry, now, findings)
    session.flush()
