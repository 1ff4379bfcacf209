"""Spend policy vocabulary: contract types, VAT bases, locality rules and money."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from app.domain.labelled import LabelledEnum


class ContractType(LabelledEnum):
    GOODS_AND_SERVICES = "goods_and_services", "Goods and services"
    WORKS = "works", "Works"
    LIGHT_TOUCH = (
        "light_touch",
        "Light-touch services",
        "For example social care, health and education services",
    )


class VatBasis(LabelledEnum):
    INCLUDED = "included", "Including VAT"
    EXCLUDED = "excluded", "Excluding VAT"


class LocalityRule(LabelledEnum):
    LOCAL_ONLY = "local_only", "Local only", "Reserved to providers based in the council's local area"
    LOCAL_FIRST = "local_first", "Local first", "Every provider is eligible; local providers are listed first"
    OPEN = "open", "Open", "Location plays no part"


class Reservation(LabelledEnum):
    NONE = "none", "No reservation"
    SME = "sme", "Small and medium-sized enterprises"
    VCSE = "vcse", "Voluntary, community and social enterprises"


class LocalAreaDefinition(LabelledEnum):
    OWN_AREA = "own_area", "The council's own area"
    WITH_BORDERING = "own_area_plus_bordering", "The council's area and the authorities that border it"
    JOINT_AREA = "joint_area", "A joint area with partner authorities"


class AreaKind(LabelledEnum):
    COUNTRY = "country", "Country"
    REGION = "region", "Region"
    COMBINED_AUTHORITY = "combined_authority", "Combined authority"
    DISTRICT = "district", "Local authority district"
    WARD = "ward", "Ward"


class MoneyError(ValueError):
    """Text that is not an amount of money."""


_AMOUNT = re.compile(r"^\d+(?:\.\d+)?$", re.ASCII)
#: Nothing the council buys is worth a trillion pounds; larger numbers are typing slips.
MAX_POUNDS = Decimal(1_000_000_000_000)


def parse_pounds(text: str) -> int:
    """Parse '£5,000', '5000.50' or '5k' into whole pence; raise MoneyError with a GOV.UK message."""
    cleaned = text.strip().replace(",", "").replace("£", "").replace(" ", "").lower()
    multiplier = Decimal(1)
    if cleaned.endswith("k"):
        cleaned, multiplier = cleaned[:-1], Decimal(1000)
    elif cleaned.endswith("m"):
        cleaned, multiplier = cleaned[:-1], Decimal(1_000_000)
    if cleaned.startswith("-") and _AMOUNT.match(cleaned[1:]):
        raise MoneyError("Enter an amount of £0 or more")
    if not _AMOUNT.match(cleaned):  # digits only: no exponents, NaN or infinity
        raise MoneyError("Enter an amount in pounds, like £5,000")
    amount = Decimal(cleaned) * multiplier
    if amount >= MAX_POUNDS:
        raise MoneyError("Enter an amount less than £1,000,000,000,000")
    pence = int((amount * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    if pence >= MAX_POUNDS * 100:  # after rounding, so £999,999,999,999.995 is refused too
        raise MoneyError("Enter an amount less than £1,000,000,000,000")
    return pence


def format_pence(pence: int, *, always_show_pence: bool = False) -> str:
    """Format pence as pounds the GOV.UK way: '£5,000' or '£4,999.99'."""
    pounds, rem = divmod(abs(pence), 100)
    sign = "-" if pence < 0 else ""
    if rem or always_show_pence:
        return f"{sign}£{pounds:,}.{rem:02d}"
    return f"{sign}£{pounds:,}"


@dataclass(frozen=True)
class Threshold:
    """A statutory threshold as the rules see it: type, start date, amount in pence, VAT basis."""

    contract_type: ContractType
    effective_from: date
    amount_pence: int
    vat_basis: VatBasis


#: The Procurement Act 2023 governs procurements started from this date; the 2015 Regulations before it.
PROCUREMENT_ACT_FROM = date(2025, 2, 24)


def regulated_procedure(on: date) -> str:
    """The procedure the law requires at or above the statutory threshold for a procurement starting ``on``."""
    if on >= PROCUREMENT_ACT_FROM:
        return "Regulated procedure under the Procurement Act 2023"
    return "Regulated procedure under the Public Contracts Regulations 2015"


def threshold_in_force(thresholds: Iterable[Threshold], contract_type: ContractType, on: date) -> Threshold | None:
    """The threshold for ``contract_type`` in force on ``on`` (the procurement's start date), if any."""
    candidates = [t for t in thresholds if t.contract_type == contract_type and t.effective_from <= on]
    return max(candidates, key=lambda t: t.effective_from, default=None)


def describe_range(lower_pence: int, upper_pence: int | None) -> str:
    """'£5,000 to £180,999.99', 'under £5,000' or '£207,720 and above' (upper bounds are exclusive)."""
    if upper_pence is None:
        return f"{format_pence(lower_pence)} and above"
    if lower_pence == 0:
        return f"under {format_pence(upper_pence)}"
    return f"{format_pence(lower_pence)} to {format_pence(upper_pence - 1)}"
