"""Dissolved rows, whatever the file mixes (issue 11, finding 3): the counts add up with archived and flagged
outcomes, a row the file says has ended never becomes a published organisation, and a provider on the register is
never changed by one (only flagged)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.imports.lifecycle import counts_add_up
from app.domain.imports.registration_status import DissolvedRows, read_status
from app.domain.providers import ProviderStatus
from app.geo.postcode_directory import load_release
from app.jobs import imports as jobs
from app.models import Provider
from app.models.base import utcnow
from app.services.imports import mapping, planning, steps, storage
from tests import factories
from tests.services.test_imports_service import (
    ACTOR,
    MAX_BYTES,
    add_categories,
    existing,
    small_directory_fixture,  # noqa: F401 (a fixture)
)

HEADER = ["Name", "Registered Number", "Registrar", "Postcode", "Registered Status", "Dissolved Date"]
ON_THE_REGISTER = [("Roby Growers Co-operative", "L36 9GD", "GB-MPR-31129")]
NAMES = st.sampled_from(["Roby Growers Co-operative", "Page Moss Bakers", "Huyton Hub", "Kirkby Credit Union"])
NUMBERS = st.sampled_from([("", ""), ("31129", "FCA"), ("2456R", "FCA"), ("04517960", "Companies House")])
POSTCODES = st.sampled_from(["L36 9GD", "L28 1AA", ""])
STATUSES = st.sampled_from(
    [("", ""), ("Live", ""), ("Dead", "3/5/2012"), ("Dead", ""), ("Struck off", ""), ("", "2019-01-31"),
     ("Liquidation", ""), ("Sleeping", ""), ("", "soon"), ("Live", "N/A"), ("Active", "-"), ("Live", "soon")]
)  # fmt: skip


@st.composite
def files(draw: st.DrawFn) -> list[list[str]]:
    rows = []
    for _ in range(draw(st.integers(1, 10))):
        number, registrar = draw(NUMBERS)
        status, dissolved = draw(STATUSES)
        rows.append([draw(NAMES), number, registrar, draw(POSTCODES), status, dissolved])
    return rows


def csv_bytes(rows: list[list[str]]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows([HEADER, *rows])
    return out.getvalue().encode()


@pytest.fixture
def tools(session: Session, knowsley: factories.CouncilSetup, small_directory: tuple[Path, Path], app: Flask):  # type: ignore[no-untyped-def]
    postcodes, wards = small_directory
    load_release(session, postcodes, wards_from=wards)
    add_categories(session)
    session.commit()
    for name, postcode, org_id in ON_THE_REGISTER:
        existing(session, name, postcode, org_id=org_id, status=ProviderStatus.VERIFIED)
    return planning.collaborators(session, Path(app.config["UPLOAD_FOLDER"]), jobs.SECTORS_FILE)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(files(), st.sampled_from(list(DissolvedRows)), st.booleans())
def test_dissolved_rows_never_publish_and_the_counts_add_up(
    session: Session, tools: planning.Collaborators, rows: list[list[str]], policy: DissolvedRows, verified: bool
) -> None:
    ended_rows = sum(1 for row in rows if read_status(row[4], row[5]).ended)
    on_register = {p.id: (p.name, p.status, len(p.sites)) for p in session.scalars(select(Provider))}
    try:
        stored = storage.store_upload(io.BytesIO(csv_bytes(rows)), tools.folder, MAX_BYTES)
        batch = mapping.begin(session, ACTOR, stored, "coops.csv", tools.folder)
        batch.dissolved_rows = policy
        batch.publish_verified = verified
        checked = steps.check(session, batch, tools, now=utcnow())
        assert checked.add_up and checked.rows == len(rows) and checked.dissolved == ended_rows, checked
        committed = steps.commit(session, ACTOR, batch, tools, now=utcnow())
        session.flush()
        assert counts_add_up(committed.as_dict()) and committed.rows == len(rows), committed
        assert committed.flagged <= len(on_register)
        assert committed.archived + committed.flagged <= ended_rows
        if policy == DissolvedRows.REJECT:
            assert committed.archived == 0
        new = [p for p in session.scalars(select(Provider)) if p.id not in on_register]
        assert len(new) == committed.created + committed.archived
        assert sum(1 for p in new if p.status == ProviderStatus.ARCHIVED) == committed.archived
        assert all(p.verified_at is None for p in new if p.status == ProviderStatus.ARCHIVED)
        # A provider on the register is never changed by a dissolved row: at most flagged for an officer.
        for provider_id, (name, status, sites) in on_register.items():
            provider = session.get(Provider, provider_id)
            assert provider is not None and provider.status == status
            if committed.flagged:
                assert provider.awaiting_review and (provider.name, len(provider.sites)) == (name, sites)
    finally:
        session.rollback()
