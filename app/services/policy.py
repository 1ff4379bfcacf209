"""Reading a council's spend policy: statutory thresholds and the bands in force on a date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.domain.policy import ContractType, Threshold, describe_range, threshold_in_force
from app.models import Council, SpendBand, StatutoryThreshold


@dataclass(frozen=True)
class ResolvedBand:
    """A band with 'the statutory threshold' turned into pounds for a date and contract type."""

    band: SpendBand
    lower_pence: int
    upper_pence: int | None
    threshold: Threshold | None

    @property
    def threshold_missing(self) -> bool:
        """The band is bounded by the statutory threshold, but none is recorded for the date."""
        refers = self.band.upper_is_statutory_threshold or self.band.lower_is_statutory_threshold
        return refers and self.threshold is None

    @property
    def range_text(self) -> str:
        if self.threshold_missing:
            return "bounded by the statutory threshold, which is not recorded for this date"
        return describe_range(self.lower_pence, self.upper_pence)


def thresholds(session: Session) -> list[Threshold]:
    return [
        Threshold(t.contract_type, t.effective_from, t.amount_pence, t.vat_basis)
        for t in session.scalars(select(StatutoryThreshold))
    ]


def bands_in_force(
    session: Session,
    council: Council,
    on: date,
    contract_type: ContractType = ContractType.GOODS_AND_SERVICES,
) -> list[ResolvedBand]:
    """The council's bands in force on ``on``, lowest first, with threshold-relative bounds resolved."""
    threshold = threshold_in_force(thresholds(session), contract_type, on)
    bands = session.scalars(
        select(SpendBand)
        .where(
            SpendBand.council_id == council.id,
            SpendBand.effective_from <= on,
            or_(SpendBand.effective_to.is_(None), SpendBand.effective_to > on),
        )
        .order_by(SpendBand.lower_is_statutory_threshold, SpendBand.lower_pence)
    ).all()
    resolved = []
    for band in bands:
        lower = threshold.amount_pence if band.lower_is_statutory_threshold and threshold else band.lower_pence
        upper = threshold.amount_pence if band.upper_is_statutory_threshold and threshold else band.upper_pence
        resolved.append(ResolvedBand(band, lower, upper, threshold))
    return resolved
