"""Payees as councils' files name them: one name for one supplier, the key payments are grouped by, and the payees
that are not suppliers for the measure.

A council's finance system writes the same supplier many ways: "ACME LTD" one month, "Acme Limited" the next, a
utility with its account number and the meter's address run on ("Water Plus - 4035576019 - 2 Foxhill Bank"), a
sole trader with the trading name after "t/a". :func:`normalise_supplier_name` reads all of them as one name, so
payments group under one supplier and one resolution covers them all. It builds on
:func:`app.domain.names.normalise_words` (case, punctuation, '&'), the same reading the supplier import matches
organisations with, and adds only what payment files need: legal suffixes, a leading or trailing "The", "t/a" and
account references.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from app.domain.names import normalise_words
from app.domain.spend.classification import Exclusion

#: Longest key the spend_suppliers table keeps (its ``key`` column).
KEY_MAX_LENGTH = 320
#: Longest supplier reference and VAT number the table keeps.
REFERENCE_MAX_LENGTH = 100

# "t/a", "T/A", "t.a.", "trading as": what follows is the name the business trades under.
_TRADING_AS = re.compile(r"(?:^|[\s,(\-])(?:t\s*/\s*a|t\.\s*a\.|trading\s+as)(?=$|[\s.:,)\-])", re.IGNORECASE)
# A dash with a space on at least one side separates a name from what a finance system ran onto it; a dash inside a
# word ("E-On", "Kids Planet-Hale") does not.
_SEPARATOR = re.compile(r"\s+[-\u2013\u2014]\s*|\s*[-\u2013\u2014]\s+")
# A token that reads as an account, meter or customer reference: 5 digits or more ("4035576019", "L054813",
# "-4032312559"), or a code of 7 letters and digits or more with 3 digits in it ("A-54DE8BBA"). Years, street numbers
# and names with a digit or two ("LH2uk", "JP4LIFE", "M41") are not.
_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9/\-]*|-[0-9][A-Za-z0-9/\-]*")
_REFERENCE_DIGITS = 5
_DIGIT = re.compile(r"\d")
_CODE_DIGITS = 3
_CODE_LENGTH = 7

# Words that say what kind of body it is at the end of a name; the same supplier is paid with and without them.
_LEGAL_SUFFIXES = frozenset({"ltd", "plc", "llp", "lp", "cic", "cio", "inc"})
# Spellings of one word, as finance systems abbreviate (and misspell) them.
_SAME_WORD = {"limited": "ltd", "limted": "ltd", "ltd": "ltd", "company": "co", "companies": "cos"}
_SAME_PHRASE = (
    (re.compile(r"\bpublic ltd co\b"), "plc"),
    (re.compile(r"\bcommunity interest co\b"), "cic"),
    (re.compile(r"\blimited liability partnership\b"), "llp"),
)

#: What files put in a reference or VAT column when there is none: no reference.
NO_REFERENCE = frozenset(
    {"", "0", "00", "na", "n/a", "n.a.", "n a", "none", "nil", "null", "redacted", "tbc", "unknown", "-", "--", "?"}
)


def _fold(text: str) -> str:
    """Accents off ("Café" -> "Cafe"), so a name typed with them and without is the same name."""
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _is_reference(token: str) -> bool:
    digits = sum(char.isdigit() for char in token)
    if digits >= _REFERENCE_DIGITS:
        return True
    letters_and_digits = sum(char.isalnum() for char in token)
    return digits >= _CODE_DIGITS and letters_and_digits >= _CODE_LENGTH and letters_and_digits > digits


def trading_parts(name: str) -> tuple[str, str | None]:
    """(the name the supplier trades under, the proprietor's name before "t/a", or None when there is no "t/a").

    "J Bloggs t/a Bloggs Plumbing" -> ("Bloggs Plumbing", "J Bloggs"). When nothing follows "t/a" (a file cut the
    name short: "Bestway Panacea Healthcare Ltd T/A") the part before it is all there is.
    """
    match = _TRADING_AS.search(name)
    if match is None:
        return name.strip(), None
    before = name[: match.start()].strip(" ,-(")
    after = name[match.end() :].strip(" .:,-)")
    if not normalise_words(after):
        return before, None
    return after, (before or None)


def without_account_reference(name: str) -> str:
    """The supplier's name with an account or meter reference, and what follows it, taken off.

    "Water Plus - 4035576019 - 2 Foxhill Bank" -> "Water Plus"; "Total Energies - Acc Town Hall - 3009581025" ->
    "Total Energies"; "SSE 8700906741 Christmas Lighting" -> "SSE". A name that starts with a number ("7270356
    Canada Inc") keeps it, and a dash with no reference after it ("Wardell - Armstrong") is part of the name.
    """
    if _DIGIT.search(name) is None:
        return name.strip()  # most names: no reference to look for
    parts = _SEPARATOR.split(name.strip())
    if len(parts) > 1 and any(_is_reference(token) for part in parts[1:] for token in _TOKEN.findall(part)):
        name = parts[0]
    tokens = list(_TOKEN.finditer(name))
    for token in tokens[1:]:
        if _is_reference(token.group()):
            return name[: token.start()].strip(" ,-")
    return name.strip()


def _canonical_words(text: str) -> list[str]:
    words = normalise_words(_fold(text)).split()
    words = [_SAME_WORD.get(word, word) for word in words]
    joined = " ".join(words)
    for pattern, replacement in _SAME_PHRASE:
        joined = pattern.sub(replacement, joined)
    return joined.split()


def _tidy(words: list[str]) -> list[str]:
    """A leading "the", a trailing "(The)" and trailing legal suffixes off, keeping at least one word."""
    kept = list(words)
    if len(kept) > 1 and kept[0] == "the":
        kept = kept[1:]
    if len(kept) > 1 and kept[-1] == "the":
        kept = kept[:-1]
    while len(kept) > 1 and kept[-1] in _LEGAL_SUFFIXES:
        kept = kept[:-1]
    return kept


def _normalise_part(text: str) -> str:
    words = _tidy(_canonical_words(without_account_reference(text)))
    return " ".join(words)


@functools.lru_cache(maxsize=65_536)
def normalise_supplier_name(name: str) -> str:
    """The name payments to one supplier are grouped and matched by.

    Case, accents and punctuation are ignored; '&' is 'and'; Limited is Ltd and Company is Co, and a trailing
    Ltd, PLC, LLP or CIC is left off ("ACME LTD", "Acme Limited", "Acme Ltd." -> "acme"); a leading "The" and a
    trailing "(The)" go ("The Foo Trust", "Foo Trust (The)" -> "foo trust"); an account reference and what follows
    it go ("Water Plus - 4035576019 - 2 Foxhill Bank" -> "water plus").

    "J Bloggs t/a Bloggs Plumbing" is grouped under "bloggs plumbing", the trading name, because that is the
    business being paid: the same business comes as "Bloggs Plumbing" alone in other months and other councils'
    files, the register holds it by that name (its trading name), and the part before "t/a" is usually a person's
    own name, which says nothing about the business and which a person may trade under several businesses with.
    The proprietor's part is still tried when the supplier is matched to the register
    (:func:`supplier_name_variants`).

    Never empty for a name with a letter or digit in it; a name of punctuation alone gives "".
    """
    trading, _proprietor = trading_parts(name)
    return _normalise_part(trading) or _normalise_part(name)


def supplier_name_variants(name: str) -> list[str]:
    """The normalised names a supplier may be on the register under: the trading name first, then the proprietor's
    part before "t/a" ("Bunzl UK Ltd T/A Care Shop" -> ["care shop", "bunzl uk"]). No empty names, no repeats."""
    _trading, proprietor = trading_parts(name)
    found = [normalise_supplier_name(name)]
    if proprietor:
        found.append(_normalise_part(proprietor))
    return [variant for variant in dict.fromkeys(found) if variant]


def compact_name(normalised: str) -> str:
    """A normalised name with its spaces taken out, which names the same supplier whether its initials or words are
    spaced or not ("A G S Heating & Plumbing Ltd" and "AGS HEATING & PLUMBING LTD", "TotalEnergies" and "Total
    Energies"): how payments are grouped by name and how a name is matched exactly."""
    return normalised.replace(" ", "")


def sorted_tokens(normalised: str) -> str:
    """The words of a normalised name in alphabetical order: comparing these with a plain ratio is rapidfuzz's
    token_sort_ratio, with the sorting done once per name instead of once per comparison."""
    return " ".join(sorted(normalised.split()))


def clean_reference(text: str | None) -> str | None:
    """A supplier id as the file gives it, trimmed and with inner spaces collapsed; None for a placeholder
    ("Redacted", "NA", "N/A", "0", blank)."""
    if text is None:
        return None
    cleaned = " ".join(text.split())
    if cleaned.casefold() in NO_REFERENCE or not any(char.isalnum() for char in cleaned):
        return None
    return cleaned[:REFERENCE_MAX_LENGTH]


_UK_VAT = re.compile(r"(?:GB|XI)?(\d{9}|\d{12})")
_UK_GOVERNMENT_VAT = re.compile(r"(?:GB|XI)?((?:GD|HA)\d{3})")
_OTHER_VAT = re.compile(r"[A-Z]{2}[0-9A-Z]{8,12}")


def clean_vat_number(text: str | None) -> str | None:
    """A VAT registration number in one form ('GB' and its digits), or None when the cell holds none.

    "GB 812 3112 85", "812311285" and "gb812311285" -> "GB812311285"; a Northern Ireland number keeps "XI"; another
    country's number is kept as written (upper case, no spaces); "NA", "Redacted", "0", zeros, and text that is
    not a VAT number give None.
    """
    if text is None or text.strip().casefold() in NO_REFERENCE:
        return None
    squashed = re.sub(r"[\s.\-]", "", text).upper()
    prefix = "XI" if squashed.startswith("XI") else "GB"
    for pattern in (_UK_VAT, _UK_GOVERNMENT_VAT):
        match = pattern.fullmatch(squashed)
        if match:
            digits = match.group(1)
            if digits.strip("0") == "":
                return None
            return prefix + digits
    if _OTHER_VAT.fullmatch(squashed) and any(char.isdigit() for char in squashed):
        return squashed
    return None


def supplier_key(reference: str | None, vat: str | None, name: str) -> str:
    """What payments to one supplier share: 'id:<the file's supplier id>', else 'vat:<VAT number>', else
    'name:<normalised name, spaces out>' (:func:`compact_name`). A reference or VAT number of "Redacted", "NA",
    "N/A" or "0" is no reference."""
    cleaned_reference = clean_reference(reference)
    if cleaned_reference:
        return f"id:{cleaned_reference}"[:KEY_MAX_LENGTH]
    cleaned_vat = clean_vat_number(vat)
    if cleaned_vat:
        return f"vat:{cleaned_vat}"
    normalised = compact_name(normalise_supplier_name(name)) or "".join(name.casefold().split())
    return f"name:{normalised}"[:KEY_MAX_LENGTH]


# --- Payees that are not suppliers for the measure ------------------------------------------------------------------

# Words a redacted payee's name is made of; one of the first set must be there ("Redacted", "Redacted - personal
# data", "Name withheld").
_REDACTION_WORDS = frozenset({"redacted", "redaction", "withheld"})
_REDACTION_FILLER = frozenset(
    {
        "personal",
        "data",
        "information",
        "info",
        "details",
        "name",
        "names",
        "payee",
        "supplier",
        "individual",
        "private",
        "sensitive",
        "confidential",
        "gdpr",
        "dpa",
        "protection",
        "for",
        "reasons",
        "of",
        "under",
        "act",
        "and",
        "to",
        "protect",
        "identity",
    }
)


def is_redacted(name: str) -> bool:
    """Whether the payee's name is withheld by the council ("Redacted", "REDACTED - Personal Data", "Name
    withheld"): an unmistakable payee the measure cannot place, left out automatically (and recorded as such)."""
    words = set(normalise_words(name).split())
    return bool(words & _REDACTION_WORDS) and words <= _REDACTION_WORDS | _REDACTION_FILLER


_COMPANY_WORDS = re.compile(r"\b(ltd|limited|plc|llp|cic|co|company|t a|trading as)\b")

# Tax, duty, pensions and levies: statutory payments, not purchases.
_TAX = re.compile(
    r"\b(hmrc|h ?m ?revenue|revenue and customs|inland revenue|pensions? fund|teachers pensions|local government "
    r"pension|superann\w*|apprenticeship levy|national insurance|vat payment|vat return)\b"
)
# Other public bodies (some cut short, as files cut names at 35 characters: "Greater Manchester Combined Authori").
_PUBLIC_BODY = re.compile(
    r"\b("
    r"(borough|county|city|district|parish|town|metropolitan|unitary|community|combined) council"
    r"|council$|metropolitan borough|mbc|bc$|combined authori\w*|county borough"
    r"|nhs|health nh|national health service|clinical commissioning|integrated care board|foundation trust"
    r"|health authority"
    r"|police|constabulary|fire and rescue|fire authority|fire service"
    r"|department for|department of|ministry of|cabinet office|home office|hm treasury|hm land registry|land registry"
    r"|hm courts|hmcts|courts and tribunals|magistrates|coroner|dvla|ofsted|environment agency|planning inspectorate"
    r"|disclosure and barring|information commissioner|electoral commission|ombudsman|homes england"
    r"|transport for|tfgm|highways england|national highways|probation service|uk health security"
    r"|public health england"
    r")\b"
)
# Public bodies that are companies in law.
_PUBLIC_COMPANY = re.compile(r"\b(national highways|highways england|network rail|ordnance survey)\b")
_SCHOOL = re.compile(r"\b(school|academy|academy trust|university)\b")
# Money moving inside the council.
_INTERNAL = re.compile(
    r"\b(internal transfer|internal recharge|recharge|petty cash|imprest|suspense|journal|payroll|salaries|salary)\b"
)
_TITLES = frozenset({"mr", "mrs", "miss", "ms", "mx"})


def suggested_exclusion(name: str) -> Exclusion | None:
    """Why the payee may not be a supplier for the measure, as a suggestion for the officer's queue (None: none).

    Redacted payees, HMRC and pension funds, councils, the NHS, police and fire, government departments and
    schools, internal transfers, and a person named with a title ("Mr & Mrs W L Farnworth"). Only
    :func:`is_redacted` payees are left out without an officer: the rest are often right and sometimes not (a
    "School" that is a company, "Sefton Council for Voluntary Service"), so an officer confirms them.
    """
    if is_redacted(name):
        return Exclusion.INDIVIDUAL
    words = normalise_words(_fold(name))
    if not words:
        return None
    if _TAX.search(words):
        return Exclusion.TAX
    company = bool(_COMPANY_WORDS.search(words)) and not _PUBLIC_COMPANY.search(words)
    if _INTERNAL.search(words) and not company:
        return Exclusion.INTERNAL
    if "voluntary" not in words and _PUBLIC_BODY.search(words) and not company:
        return Exclusion.PUBLIC_BODY
    if _SCHOOL.search(words) and not company:
        return Exclusion.PUBLIC_BODY
    first, *rest = words.split()
    if first in _TITLES and not company and len(rest) <= 5:
        return Exclusion.INDIVIDUAL
    return None
