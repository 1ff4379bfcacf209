"""Reading a council's spend policy from the database into the domain's rules."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.bands import Band, BandChoice, BandTable, Estimate, ResolvedBand, band_table, choose_band, resolve
from app.domain.policy import ContractType, Threshold
from app.models import Council, SpendBand, StatutoryThreshold


def band_rule(row: SpendBand) -> Band:
    return Band(
        code=row.code,
        label=row.label,
        lower_pence=row.lower_pence,
        upper_pence=row.upper_pence,
        vat_basis=row.vat_basis,
        min_quotes=row.min_quotes,
        route=row.route,
        locality_rule=row.locality_rule,
        effective_from=row.effective_from,
        effective_to=row.effective_to,
        lower_is_threshold=row.lower_is_statutory_threshold,
        upper_is_threshold=row.upper_is_statutory_threshold,
        advertised=row.advertised,
        reservation=row.reservation,
    )


def thresholds(session: Session) -> list[Threshold]:
    return [
        Threshold(t.contract_type, t.effective_from, t.amount_pence, t.vat_basis)
        for t in session.scalars(select(StatutoryThreshold))
    ]


def council_bands(session: Session, council: Council) -> list[Band]:
    """Every band the council has had, in force or not."""
    rows = session.scalars(select(SpendBand).where(SpendBand.council_id == council.id).order_by(SpendBand.id))
    return [band_rule(row) for row in rows]


def bands_in_force(
    session: Session, council: Council, on: date, contract_type: ContractType = ContractType.GOODS_AND_SERVICES
) -> list[ResolvedBand]:
    """The council's bands in force on ``on``, lowest first, with threshold-relative bounds resolved."""
    return resolve(council_bands(session, council), thresholds(session), contract_type, on)


def choose(session: Session, council: Council, estimate: Estimate, today: date) -> BandChoice:
    """The band this estimate falls in (raises BandError with a message for the commissioner)."""
    return choose_band(council_bands(session, council), thresholds(session), estimate, today)


def bands_as_entered(
    session: Session, council: Council, on: date, contract_type: ContractType = ContractType.GOODS_AND_SERVICES
) -> BandTable:
    """The council's bands in force on ``on`` with the values that land in each, excluding and including VAT."""
    return band_table(council_bands(session, council), thresholds(session), contract_type, on)
