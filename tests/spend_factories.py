"""Builders for spend test data: a council's batch (a file as if imported), its suppliers as classified, payments.

They write the rows directly, with no file and no import, so a report, a page or a leakage view can be tested on
spend whose classification the test chooses. Each adds to the session and flushes; the test decides when to commit.

    batch = spend_batch(session, knowsley.council, file_name="spend-2026-04.csv")
    local = spend_supplier(session, knowsley.council, "Page Moss Gardens CIC", place=SpendPlace.LOCAL,
                           basis=PlaceBasis.REGISTERED_OFFICE, legal_form=LegalForm.CIC, imd_decile=1)
    payment(session, batch, local, 1_250_00, date(2026, 4, 3), service_area="Parks")
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from app.domain.providers import SOCIAL_ECONOMY_FORMS, LegalForm
from app.domain.spend.classification import Exclusion, PlaceBasis, Resolution, SpendPlace
from app.domain.spend.lifecycle import SpendBatchStatus
from app.models import Council, Payment, Provider, SpendBatch, SpendSupplier

#: When the factory's batches were imported and its suppliers classified.
IMPORTED_AT = datetime(2026, 5, 2, 9, 30, tzinfo=UTC)
_counter = itertools.count(1)


def spend_batch(
    session: Session,
    council: Council,
    *,
    file_name: str | None = None,
    publisher: str | None = None,
    status: SpendBatchStatus = SpendBatchStatus.IMPORTED,
    period_start: date | None = None,
    period_end: date | None = None,
    file_total_pence: int | None = None,
    imported_at: datetime | None = IMPORTED_AT,
) -> SpendBatch:
    """A batch as if its file had been uploaded and imported (status IMPORTED unless said)."""
    number = next(_counter)
    batch = SpendBatch(
        council_id=council.id,
        publisher=publisher or council.name,
        file_name=file_name or f"spend-{number}.csv",
        sha256=f"{number:064x}",
        file_size=1000,
        status=status,
        file_format={"kind": "csv", "encoding": "utf-8"},
        mapping={},
        counts={},
        period_start=period_start,
        period_end=period_end,
        file_total_pence=file_total_pence,
        imported_at=imported_at if status == SpendBatchStatus.IMPORTED else None,
    )
    session.add(batch)
    session.flush()
    return batch


def _resolution_for(place: SpendPlace, basis: PlaceBasis | None, provider: Provider | None) -> Resolution:
    if place == SpendPlace.NOT_A_SUPPLIER:
        return Resolution.EXCLUDED
    if basis == PlaceBasis.OFFICER:
        return Resolution.PLACED
    if provider is not None or place != SpendPlace.NOT_KNOWN:
        return Resolution.MATCHED
    return Resolution.UNRESOLVED


def spend_supplier(
    session: Session,
    council: Council,
    name: str | None = None,
    *,
    place: SpendPlace = SpendPlace.NOT_KNOWN,
    basis: PlaceBasis | None = None,
    legal_form: LegalForm | None = None,
    social_economy: bool | None = None,
    sme: bool | None = None,
    imd_decile: int | None = None,
    lsoa_code: str | None = None,
    district_code: str | None = None,
    place_postcode: str | None = None,
    provider: Provider | None = None,
    resolution: Resolution | None = None,
    exclusion: Exclusion | None = None,
    key: str | None = None,
    classified_at: datetime | None = IMPORTED_AT,
) -> SpendSupplier:
    """A payee of the council, already classified as the test says.

    The resolution follows from the place unless given: excluded for NOT_A_SUPPLIER (exclusion PUBLIC_BODY unless
    said), placed for an officer's basis, matched for any other known place or a linked provider, else unresolved.
    ``social_economy`` follows from the legal form unless given.
    """
    name = name or f"Test Supplier {next(_counter)}"
    if place == SpendPlace.LOCAL and basis is None:
        basis = PlaceBasis.REGISTERED_OFFICE
    if place == SpendPlace.NOT_A_SUPPLIER and exclusion is None:
        exclusion = Exclusion.PUBLIC_BODY
    supplier = SpendSupplier(
        council_id=council.id,
        key=key or f"name:{name.lower()} {next(_counter)}",
        name=name,
        resolution=resolution or _resolution_for(place, basis, provider),
        resolved_how="test",
        provider_id=provider.id if provider is not None else None,
        exclusion=exclusion,
        place=place,
        place_basis=basis,
        district_code=district_code,
        place_postcode=place_postcode,
        legal_form=legal_form,
        social_economy=social_economy if social_economy is not None else legal_form in SOCIAL_ECONOMY_FORMS,
        sme=sme,
        lsoa_code=lsoa_code,
        imd_decile=imd_decile,
        classified_at=classified_at,
        total_pence=0,
        payment_count=0,
    )
    session.add(supplier)
    session.flush()
    return supplier


def payment(
    session: Session,
    batch: SpendBatch,
    supplier: SpendSupplier,
    amount_pence: int,
    paid_on: date,
    *,
    row_number: int | None = None,
    department: str | None = None,
    service_area: str | None = None,
    expense_type: str | None = None,
    proclass_code: str | None = None,
    proclass_label: str | None = None,
    description: str | None = None,
    transaction_number: str | None = None,
    supplier_name: str | None = None,
) -> Payment:
    """One payment line of ``batch`` to ``supplier`` (the supplier's totals follow when the batch counts)."""
    found = Payment(
        council_id=batch.council_id,
        batch_id=batch.id,
        row_number=row_number if row_number is not None else next(_counter),
        supplier_id=supplier.id,
        paid_on=paid_on,
        amount_pence=amount_pence,
        supplier_name=supplier_name or supplier.name,
        transaction_number=transaction_number,
        department=department,
        service_area=service_area,
        expense_type=expense_type,
        proclass_code=proclass_code,
        proclass_label=proclass_label,
        description=description,
    )
    session.add(found)
    if batch.status == SpendBatchStatus.IMPORTED:
        supplier.total_pence += amount_pence
        supplier.payment_count += 1
    session.flush()
    return found


def payments(session: Session, batch: SpendBatch, rows: Iterable[Mapping[str, Any]]) -> int:
    """Many payments of ``batch`` at once (a bulk insert): each row gives supplier_id, amount_pence and paid_on, and
    any other Payment column. Supplier totals are not updated. Returns how many were written."""
    start = next(_counter) * 1_000_000
    written = [
        {
            "council_id": batch.council_id,
            "batch_id": batch.id,
            "row_number": start + index,
            "supplier_name": "",
            **row,
        }
        for index, row in enumerate(rows)
    ]
    if written:
        session.execute(insert(Payment), written)
    return len(written)
