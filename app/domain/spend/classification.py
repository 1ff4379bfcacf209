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
    REGISTERED_OFFICE = "registered_office", "Registered office", "Its registered office is there"
    BRANCHED = "branched", "Branch", "A trading site there, its registered office elsewhere"
    TRADING_SITE = "trading_site", "Trading site", "A trading site given on the register (no registered office)"
    OFFICER = "officer", "Entered by an officer", "A postcode an officer gave when attributing it"


class Exclusion(LabelledEnum):
    """Why a payee is not a supplier for this measure (the CLES practice: leave these out of the base)."""

    PUBLIC_BODY = "public_body", "Another public body", "A council, the NHS, a school, police or fire authority"
    TAX = "tax", "Tax or duty", "HMRC, pension funds, levies and other statutory payments"
    INDIVIDUAL = "individual", "An individual or a redacted payee", "A person's name, or withheld by the council"
    INTERNAL = "internal", "An internal transfer", "Money moving inside the council"


class Resolution(LabelledEnum):
    """How a supplier in the files was resolved (or not yet) to somewhere the measure can place."""

    UNRESOLVED = "unresolved", "Not attributed", "No organisation on the register matched"
    SUGGESTED = "suggested", "Possible match", "A near name on the register, for an officer to confirm"
    MATCHED = "matched", "Matched", "Matched to an organisation on the register by number or exact name"
    LINKED = "linked", "Linked by an officer", "An officer linked it to an organisation on the register"
    PLACED = "placed", "Placed by an officer", "An officer gave its postcode and basis"
    EXCLUDED = "excluded", "Not a supplier", "An officer left it out of the measure"


#: Resolutions that give the supplier a place (or an exclusion): it is attributed.
ATTRIBUTED = frozenset({Resolution.MATCHED, Resolution.LINKED, Resolution.PLACED, Resolution.EXCLUDED})
