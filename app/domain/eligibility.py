"""Who a band's rules let a commissioner ask, why, and in what order.

Locality decides eligibility only where the band reserves to local providers; a reservation to SMEs
or VCSEs decides it where the band has one. Generative signals (ownership, asset lock, fair work,
checks done) only rank and explain: they never exclude.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from app.domain.locality import Locality
from app.domain.ownership import country_of
from app.domain.policy import LocalityRule, Reservation
from app.domain.providers import SOCIAL_ECONOMY_FORMS, EvidenceState, FactKind, LegalForm

#: SME: fewer than 250 staff and turnover of at most £44m (DOMAIN section 4; balance sheet not asked).
SME_MAX_STAFF = 249
SME_MAX_TURNOVER_PENCE = 44_000_000 * 100

#: Legal forms that keep profits and assets working for a purpose, with their weight and wording.
LEGAL_FORM_SIGNALS: dict[LegalForm, tuple[int, str]] = {
    LegalForm.CIC: (3, "Community interest company: assets locked to its community purpose"),
    LegalForm.COOPERATIVE: (3, "Co-operative society: owned and run by its members"),
    LegalForm.COMMUNITY_BENEFIT: (3, "Community benefit society: run for the benefit of the community"),
    LegalForm.CHARITY: (3, "Charity: its income goes to its charitable purposes"),
    LegalForm.CLG: (2, "Company limited by guarantee: not run for shareholders"),
    LegalForm.UNINCORPORATED: (1, "Community group"),
}
#: Facts answered "yes" that count in a provider's favour, with their weight and wording.
FACT_SIGNALS: dict[FactKind, tuple[int, str]] = {
    FactKind.ASSET_LOCK: (2, "Asset lock"),
    FactKind.MEMBER_OWNED: (1, "Owned by its members"),
    FactKind.EMPLOYEE_OWNED: (2, "Employee-owned"),
    FactKind.COMMUNITY_OWNED: (2, "Community-owned"),
    FactKind.REAL_LIVING_WAGE: (2, "Real Living Wage employer"),
    FactKind.SOCIAL_ENTERPRISE_MARK: (1, "Holds the Social Enterprise Mark"),
    FactKind.SUPPORTED_EMPLOYMENT: (1, "Supported employment provider"),
}
#: An ultimate parent in an offshore financial centre counts against a provider (DOMAIN.md: offshore ownership is
#: an extractive signal): it is listed lower, and says why; it never excludes.
OFFSHORE_PARENT_WEIGHT = -2
#: Being checked by the council counts a little too.
VERIFIED_NUMBER_WEIGHT = 1
LOCALITY_ORDER = {Locality.LOCAL: 0, Locality.WIDER: 1, Locality.OUTSIDE: 2, Locality.UNKNOWN: 3}

EVIDENCE_WORDS = {
    EvidenceState.SELF_DECLARED: "self-declared",
    EvidenceState.COUNCIL_IMPORT: "from the council's import",
    EvidenceState.REGISTER_MATCHED: "from a public register",
    EvidenceState.OFFICER_VERIFIED: "checked by the council",
}


@dataclass(frozen=True)
class Signal:
    weight: int
    text: str


def is_sme(staff_count: int | None, turnover_pence: int | None) -> bool | None:
    """True or False when the facts say; None when they are not known."""
    if staff_count is not None and staff_count > SME_MAX_STAFF:
        return False
    if turnover_pence is not None and turnover_pence > SME_MAX_TURNOVER_PENCE:
        return False
    if staff_count is None or turnover_pence is None:
        return None
    return True


def is_vcse(legal_form: LegalForm) -> bool:
    return legal_form in SOCIAL_ECONOMY_FORMS


def generative_signals(
    legal_form: LegalForm, facts: Mapping[FactKind, tuple[str | None, EvidenceState]], checked_numbers: int
) -> list[Signal]:
    """What counts in the provider's favour (and an offshore parent, against it), each in words with how we know it."""
    signals = []
    if legal_form in LEGAL_FORM_SIGNALS:
        weight, words = LEGAL_FORM_SIGNALS[legal_form]
        signals.append(Signal(weight, words))
    for kind, (weight, words) in FACT_SIGNALS.items():
        value, evidence = facts.get(kind, (None, EvidenceState.UNKNOWN))
        if value == "yes":
            signals.append(Signal(weight, f"{words} ({EVIDENCE_WORDS.get(evidence, 'self-declared')})"))
    country, evidence = facts.get(FactKind.PARENT_COUNTRY, (None, EvidenceState.UNKNOWN))
    parent = country_of(country) if country else None
    if parent is not None and parent.offshore:
        signals.append(
            Signal(
                OFFSHORE_PARENT_WEIGHT,
                f"Its ultimate parent is registered in {parent.name}, an offshore financial centre "
                f"({EVIDENCE_WORDS.get(evidence, 'self-declared')}): listed lower, not excluded",
            )
        )
    if checked_numbers:
        signals.append(Signal(VERIFIED_NUMBER_WEIGHT, "Registration number checked by the council"))
    return signals


@dataclass(frozen=True)
class Eligibility:
    eligible: bool
    reason: str


def eligibility(
    locality: Locality,
    rule: LocalityRule,
    reservation: Reservation,
    legal_form: LegalForm,
    sme: bool | None,
    local_area_name: str,
    wider_area_name: str | None,
) -> Eligibility:
    """Whether the band lets the commissioner ask this provider, and the reason in words."""
    if rule == LocalityRule.LOCAL_ONLY and locality != Locality.LOCAL:
        where = {
            Locality.WIDER: f"in the {wider_area_name} area but not in {local_area_name}",
            Locality.OUTSIDE: f"not based in {local_area_name}",
            Locality.UNKNOWN: "its premises could not be placed",
        }[locality]
        return Eligibility(
            False, f"Not eligible: {where}, and this band is reserved to providers based in {local_area_name}"
        )
    if reservation == Reservation.SME and sme is not True:
        why = "is not a small or medium-sized enterprise" if sme is False else "has not told us its size and turnover"
        return Eligibility(False, f"Not eligible: it {why}, and this band is reserved to SMEs")
    if reservation == Reservation.VCSE and not is_vcse(legal_form):
        return Eligibility(
            False,
            "Not eligible: it is not a voluntary, community or social enterprise, and this band is reserved to them",
        )
    if rule == LocalityRule.LOCAL_ONLY:
        return Eligibility(True, f"Eligible: based in {local_area_name}, as this band requires")
    if rule == LocalityRule.LOCAL_FIRST:
        if locality == Locality.LOCAL:
            return Eligibility(True, f"Eligible, and listed first: based in {local_area_name}")
        return Eligibility(
            True, f"Eligible: this band is open to all, with providers based in {local_area_name} listed first"
        )
    return Eligibility(True, "Eligible: location plays no part in this band")


def signal_score(signals: list[Signal]) -> int:
    """The ranking weight of a provider's generative signals."""
    return sum(s.weight for s in signals)
