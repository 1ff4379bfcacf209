"""How a supplier, and so each payment to it, is classified: where it is, on what basis, whether it counts.

The words here are the report's and the method note's: a share depends on the address basis (DOMAIN.md 6), so
every place carries the basis it rests on.
"""

from __future__ import annotations

from app.domain.labelled import LabelledEnum


class SpendPlace(LabelledEnum):
    LOCAL = "local", "Local", "Based, or with a trading site, in the council's local area"
    WIDER = "wider", "Wider area", "In the council's wider area, not its local area"
    OUTSIDE = "outside", "Outside", "Neither in the local nor the wider area"
    NOT_KNOWN = "not_known", "Not known", "Not attributed to a place yet"
    NOT_A_SUPPLIER = "not_a_supplier", "Not a supplier", "Left out of the measure: see the reason"


class PlaceBasis(LabelledEnum):
    """What the address a supplier is placed by is: the same four whether the register's premises give it or an
    officer's postcode does (an officer says which kind of address it is), so the hints say what, not where from;
    :meth:`described` says both."""

    REGISTERED_OFFICE = "registered_office", "Registered office", "Its registered office is there"
    BRANCHED = "branched", "Branch", "A trading site there, its registered office elsewhere"
    TRADING_SITE = "trading_site", "Trading site", "A trading site there, with no registered office elsewhere"
    OFFICER = "officer", "Entered by an officer", "A postcode an officer gave, without saying what kind of address"

    def described(self, by_officer: bool) -> str:
        """The basis in words, saying where the address came from: an officer's postcode (a supplier an officer
        placed: resolution PLACED, whatever basis they chose) or the register's premises (a matched or linked
        organisation). "A trading site on the register" is never said of a postcode an officer typed."""
        if by_officer:
            return _BY_OFFICER[self]
        return _ON_THE_REGISTER[self]


_BY_OFFICER = {
    PlaceBasis.REGISTERED_OFFICE: "An officer entered this postcode as its registered office",
    PlaceBasis.BRANCHED: "An officer entered this postcode as a branch: a trading site, its registered office "
    "elsewhere",
    PlaceBasis.TRADING_SITE: "An officer entered this postcode as where it trades, with no registered office elsewhere",
    PlaceBasis.OFFICER: "An officer entered this postcode, without saying what kind of address it is",
}
_ON_THE_REGISTER = {
    PlaceBasis.REGISTERED_OFFICE: "Its registered office on the register is there",
    PlaceBasis.BRANCHED: "A trading site on the register is there, its registered office elsewhere",
    PlaceBasis.TRADING_SITE: "A trading site on the register is there; the register gives no registered office",
    PlaceBasis.OFFICER: "An officer entered this postcode, without saying what kind of address it is",
}


class Exclusion(LabelledEnum):
    """Why a payee is not a supplier for this measure (the CLES practice: leave these out of the base)."""

    PUBLIC_BODY = "public_body", "Another public body", "A council, the NHS, a school, police or fire authority"
    TAX = "tax", "Tax or duty", "HMRC, pension funds, levies and other statutory payments"
    INDIVIDUAL = "individual", "An individual", "A person paid: their name is personal data, often redacted in the file"
    # A payee whose name the council withheld but whose VAT number it published is a business, not a person: left
    # out because it cannot be placed, not because it is not a supplier.
    WITHHELD = (
        "withheld",
        "A business whose name was withheld",
        "Redacted in the file with its VAT number given: a business that cannot be placed without its name",
    )
    INTERNAL = "internal", "An internal transfer", "Money moving inside the council"


class Resolution(LabelledEnum):
    """How a supplier in the files was resolved (or not yet) to somewhere the measure can place."""

    UNRESOLVED = "unresolved", "Not attributed", "No organisation on the register matched"
    SUGGESTED = "suggested", "Possible match", "A near name on the register, for an officer to confirm"
    MATCHED = "matched", "Matched", "Matched to an organisation on the register by number or exact name"
    LINKED = "linked", "Linked by an officer", "An officer linked it to an organisation on the register"
    PLACED = "placed", "Placed by an officer", "An officer gave its postcode and basis"
    # Not on this register, but a public register (Companies House, the Charity Commission, the FCA) has it by its
    # number or exact name: placed by the registered office it gives, that basis and date in resolved_how.
    REGISTERED = (
        "registered",
        "On a public register",
        "Not on this register: placed by its registered office on a public register",
    )
    EXCLUDED = "excluded", "Not a supplier", "Left out of the measure"


#: Resolutions that give the supplier a place (or an exclusion): it is attributed.
ATTRIBUTED = frozenset(
    {Resolution.MATCHED, Resolution.LINKED, Resolution.PLACED, Resolution.REGISTERED, Resolution.EXCLUDED}
)
