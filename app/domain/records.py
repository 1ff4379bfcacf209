"""Commissioning records: a shortlist saved with the search that produced it and the commissioner's notes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from app.domain.bands import VatTreatment, describe_value
from app.domain.labelled import LabelledEnum
from app.domain.policy import format_pence
from app.domain.roles import OFFICER_ROLES, Role


class RecordStatus(LabelledEnum):
    OPEN = "open", "Open", "The notes can still be changed"
    CLOSED = "closed", "Closed", "The record is final and cannot be changed"


#: Roles that may change or close any of their council's records, not only their own.
RECORD_STEWARDS = OFFICER_ROLES


def may_change_record(role: Role | str, user_id: int, owner_id: int | None) -> bool:
    """A record belongs to the commissioner who made it: they, or a register officer, may change or close it.

    Colleagues at the council may read it (and build on it), but a decision record someone else can rewrite
    is not a record of their decision. A record whose maker has left (no owner) is kept by the officers.
    """
    role = Role(role)
    if role in RECORD_STEWARDS:
        return True
    return role == Role.COMMISSIONER and owner_id is not None and owner_id == user_id


# The shortlist in the making: provider ids chosen across result pages, kept until the record is saved -----------

#: Enough for any quotation or invitation list; keeps the selection small wherever it is stored.
SHORTLIST_MAX = 50


class ShortlistFull(ValueError):
    """Adding one more would take the shortlist past :data:`SHORTLIST_MAX`."""

    def __init__(self) -> None:
        super().__init__(f"You can shortlist up to {SHORTLIST_MAX} providers. Remove one before you add another")


def add_to_shortlist(chosen: Sequence[int], provider_id: int) -> tuple[int, ...]:
    """The shortlist with ``provider_id`` added at the end (once); raises ShortlistFull past the limit."""
    if provider_id in chosen:
        return tuple(chosen)
    if len(chosen) >= SHORTLIST_MAX:
        raise ShortlistFull
    return (*chosen, provider_id)


def remove_from_shortlist(chosen: Sequence[int], provider_id: int) -> tuple[int, ...]:
    return tuple(i for i in chosen if i != provider_id)


def selected_text(count: int) -> str:
    """'No providers selected', '1 provider selected', '3 providers selected'."""
    if count == 0:
        return "No providers selected"
    return f"{count:,} provider{'' if count == 1 else 's'} selected"


# What was bought, in words: the record page and its CSV say it the same way --------------------------------------

VAT_BASIS_TEXT = {
    VatTreatment.EXCLUDED: "Excluding VAT",
    VatTreatment.INCLUDED: "Including VAT",
    VatTreatment.NOT_APPLICABLE: "VAT does not apply",
}


def vat_basis_text(criteria: Mapping[str, Any]) -> str:
    """How the commissioner gave the value: 'Excluding VAT', 'Including VAT' or 'VAT does not apply'."""
    try:
        return VAT_BASIS_TEXT[VatTreatment(str(criteria.get("vat")))]
    except ValueError:
        return ""


def value_as_entered(criteria: Mapping[str, Any]) -> str:
    """The estimate as the commissioner gave it: '£4,500', or '£40,000 a year for 2 years, plus £5,000 of
    options', with the VAT basis they gave ('excluding VAT')."""
    annual, years, total = criteria.get("annual_pence"), criteria.get("years"), criteria.get("total_pence")
    if isinstance(annual, int) and years:
        count = Decimal(str(years)).normalize()
        text = f"{format_pence(annual)} a year for {count:f} year{'' if count == 1 else 's'}"
    elif isinstance(total, int):
        text = format_pence(total)
    else:
        return ""
    options = criteria.get("options_pence")
    if isinstance(options, int) and options > 0:
        text += f", plus {format_pence(options)} of options and extensions"
    basis = vat_basis_text(criteria)
    if not basis:
        return text
    # "Excluding VAT" reads "excluding VAT" in brackets; "VAT does not apply" keeps its capitals.
    return f"{text} ({basis if basis[:2].isupper() else basis[0].lower() + basis[1:]})"


def estimated_value(band: Mapping[str, Any], criteria: Mapping[str, Any]) -> str:
    """The whole-life estimate as the search said it: '£100,000 excluding VAT (£120,000 including VAT)', or
    '£1,000,000 (VAT does not apply)'."""
    excluding, including = band.get("value_excluding_vat_pence"), band.get("value_including_vat_pence")
    if not isinstance(excluding, int) or not isinstance(including, int):
        return ""
    try:
        vat = VatTreatment(str(criteria.get("vat")))
    except ValueError:
        vat = VatTreatment.EXCLUDED
    return describe_value(excluding, including, vat)


def filters_text(criteria: Mapping[str, Any]) -> list[str]:
    """The filters that narrowed the search, in words; an empty list when there were none."""
    filters: list[str] = []
    if criteria.get("legal_form_labels"):
        filters.append("Legal form: " + ", ".join(criteria["legal_form_labels"]))
    if criteria.get("social_economy_only"):
        filters.append("Social economy only")
    if criteria.get("sme_only"):
        filters.append("Small and medium-sized enterprises only")
    if criteria.get("within_km"):
        km = criteria["within_km"]
        filters.append(f"Within {int(km) if float(km).is_integer() else km} km of the council's area")
    if criteria.get("verified_only") is False:
        filters.append("Included organisations the council had not checked")
    return filters
