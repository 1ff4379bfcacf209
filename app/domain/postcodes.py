"""UK postcodes: normalising and validating what people type."""

from __future__ import annotations

import re
from dataclasses import dataclass

# The shapes UK postcodes take (BS 7666), plus the non-geographic GIR 0AA.
_OUTWARD = r"(?:[A-Z]{1,2}[0-9][0-9A-Z]?)"
_INWARD = r"(?:[0-9][A-Z]{2})"
_FULL = re.compile(rf"^(?P<outward>{_OUTWARD})(?P<inward>{_INWARD})$")
_OUTWARD_ONLY = re.compile(rf"^{_OUTWARD}$")
_SPECIAL = {"GIR0AA": ("GIR", "0AA")}

#: Crown dependencies: real postcodes, but no local authority district in England, Wales, Scotland or NI.
CROWN_DEPENDENCY_AREAS = ("GY", "JE", "IM")

ENTER_POSTCODE = "Enter a postcode"
ENTER_FULL_POSTCODE = "Enter a full UK postcode, like L36 9GD"


class PostcodeError(ValueError):
    """Text that is not a full UK postcode; the message is fit to show."""


@dataclass(frozen=True)
class Postcode:
    outward: str
    inward: str

    def __str__(self) -> str:
        return f"{self.outward} {self.inward}"

    @property
    def area(self) -> str:
        """The letters at the start, e.g. 'L' for L36 9GD."""
        return re.match(r"[A-Z]+", self.outward).group(0)  # type: ignore[union-attr]

    @property
    def is_crown_dependency(self) -> bool:
        return self.area in CROWN_DEPENDENCY_AREAS


def _squash(text: str) -> str:
    return re.sub(r"[\s\u00a0\-]", "", text).upper()


def parse_postcode(text: str | None) -> Postcode:
    """Parse a full postcode in any case and spacing, or raise PostcodeError."""
    if text is None or not text.strip():
        raise PostcodeError(ENTER_POSTCODE)
    squashed = _squash(text)
    if squashed in _SPECIAL:
        return Postcode(*_SPECIAL[squashed])
    # Letter O typed for zero in the inward code's digit is a common slip: fix only that position.
    if len(squashed) >= 5 and squashed[-3] == "O":
        squashed = squashed[:-3] + "0" + squashed[-2:]
    match = _FULL.match(squashed)
    if not match:
        raise PostcodeError(ENTER_FULL_POSTCODE)
    return Postcode(match["outward"], match["inward"])


def normalise_postcode(text: str | None) -> str:
    """'l369gd' -> 'L36 9GD'; raise PostcodeError when it is not a full postcode."""
    return str(parse_postcode(text))


def try_normalise_postcode(text: str | None) -> str | None:
    """The normalised postcode, or None when ``text`` is not a full postcode."""
    try:
        return normalise_postcode(text)
    except PostcodeError:
        return None


def is_outward_code(text: str) -> bool:
    """True for a postcode district such as 'L36'."""
    return bool(_OUTWARD_ONLY.match(_squash(text)))
