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
from collections.abc import Sequence

from rapidfuzz import fuzz
from rapidfuzz.distance import OSA

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


# --- Near names: the same organisation written a little differently -------------------------------------------------

#: Two names this alike (0-100, :func:`near_name_score`) are offered to the officer as a possible match.
NEAR_NAME_SCORE = 90.0

# Words that say nothing about which organisation it is, left out when names are compared ("Association of
# Directors of Public Health (UK)" and "Association of Directors Public Health"; "TA" is "trading as").
_FILLER_WORDS = frozenset({"of", "and", "for", "the", "uk", "ta"})
# Legal words, wherever they are ("Saddleworth Plant Hire Ltd (SPH Ltd)").
_LEGAL_WORDS = _LEGAL_SUFFIXES
# A legal suffix as files cut it short at the end of a name ("Capita Property & Infrastructure Lt", "Arco
# Professional Safety Services L", "Ingram Image Limit", "Lodge Tyre Co.Ltd"), or "Co" for Company at the end.
_CUT_SUFFIXES = frozenset({"lt", "li", "lim", "limi", "limit", "limite", "coltd", "co"})
# Abbreviations finance systems write, and other spellings of one word, read whole for comparing.
_ABBREVIATIONS = {
    "cooperative": "coop",
    "cooperatives": "coop",
    "coops": "coop",
    "assoc": "association",
    "assn": "association",
    "svs": "services",
    "svc": "services",
    "svcs": "services",
    "servs": "services",
    "inst": "institute",
    "intl": "international",
    "mgmt": "management",
    "mgt": "management",
    "dept": "department",
    "govt": "government",
    "natl": "national",
    "gtr": "greater",
    "mcr": "manchester",
    "ctr": "centre",
    "center": "centre",
    "bros": "brothers",
    "info": "information",
}
# Words a name may have that the other lacks and still be the same organisation ("Wellacre Technology Academy" and
# "Wellacre Technology Academy Trust", "Autism Initiatives" and "Autism Initiatives Group").
_WEAK_WORDS = frozenset({"group", "trust", "holdings"})
# A short word must be the same word: "NAS Services" is not "NUS Services", nor "HM" "HOM".
_TYPO_MIN_LENGTH = 5
_LONG_WORD = 11
# A word cut short at the end of a name is read as the word it starts ("Creative Communi"), when the name has this
# many words: "Buddi" alone is not "Buddies".
_PREFIX_MIN_LENGTH = 3
_CUT_NAME_WORDS = 3


@functools.lru_cache(maxsize=65_536)
def comparison_words(normalised: str) -> tuple[str, ...]:
    """The words of a normalised name as near names are compared: filler words ('of', 'and', 'the', 'UK', 'TA') and
    legal words left out (with a legal suffix cut short at the end: 'Lt', 'L', 'Limit'), spaced initials joined
    ('L W T' -> 'lwt'), every spelling of a co-operative one word ('Co-op', 'Co Op', 'Co-operative') and common
    abbreviations read whole ('Assoc', 'Svs', 'Gtr'). Never empty for a name with a word in it."""
    joined: list[str] = []
    after_letter = False  # whether the last word read was a letter on its own (an initial, spaced)
    for word in normalised.split():
        word = _ABBREVIATIONS.get(word, word)
        letter = len(word) == 1 and word.isalpha()
        if word == "op" and joined and joined[-1] == "co":  # "Co Op"
            joined[-1] = "coop"
        elif letter and after_letter:  # "L W T" -> "lwt"; a letter on its own stays as it is
            joined[-1] += word
        else:
            joined.append(word)
        after_letter = letter
    kept = [word for word in joined if word not in _FILLER_WORDS and word not in _LEGAL_WORDS] or joined
    while len(kept) > 1 and kept[-1] in _CUT_SUFFIXES:
        kept = kept[:-1]
    if len(kept) > 2 and kept[-1] == "l":  # "... Services L": "Ltd" cut to its first letter
        kept = kept[:-1]
    return tuple(kept)


def _stem(word: str) -> str:
    """A plural to its singular, roughly: 'nurseries' -> 'nursery', 'services' -> 'service', 'systems' -> 'system'."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def _same_word(a: str, b: str, *, a_last: bool, b_last: bool) -> bool:
    """Whether two words can be one word written differently: the same, a plural, a typo in a long word (same first
    letter: 'Contruction', 'Dickenson'), or the last word of a name cut short ('Creative Communi', 'Community
    Assoc'). A word with a digit in it must be the same ('11th' is not '14th')."""
    if a == b:
        return True
    if any(char.isdigit() for char in a + b):
        return False
    stem_a, stem_b = _stem(a), _stem(b)
    if stem_a == stem_b:
        return True
    if (a_last and len(a) >= _PREFIX_MIN_LENGTH and (b.startswith(a) or b.startswith(stem_a))) or (
        b_last and len(b) >= _PREFIX_MIN_LENGTH and (a.startswith(b) or a.startswith(stem_b))
    ):
        return True
    shorter = min(len(a), len(b))
    if shorter < _TYPO_MIN_LENGTH or a[0] != b[0]:
        return False
    allowed = 2 if shorter >= _LONG_WORD else 1
    return min(OSA.distance(a, b, score_cutoff=allowed), OSA.distance(stem_a, stem_b, score_cutoff=allowed)) <= allowed


def _initials(words: Sequence[str], skip: str) -> str:
    return "".join(word[0] for word in words if word != skip)


def _accounted_for(words: Sequence[str], others: Sequence[str]) -> bool:
    """Whether every word of one name is a word of the other (or weak, or the other's initials: 'LGA')."""
    # Only the last word of a name of several words may be one the file cut short.
    last = len(words) - 1 if len(words) >= _CUT_NAME_WORDS else -1
    other_last = len(others) - 1 if len(others) >= _CUT_NAME_WORDS else -1
    for index, word in enumerate(words):
        if any(
            other[0] == word[0] and _same_word(word, other, a_last=index == last, b_last=position == other_last)
            for position, other in enumerate(others)
        ):
            continue
        if word in _WEAK_WORDS:
            continue
        if len(word) >= 2 and word in (_initials(others, ""), _initials(words, word)):
            continue
        return False
    return True


def near_name_score(a: str, b: str) -> float:
    """0-100: how alike two normalised names are as whole names, or 0 when a word of one is not in the other.

    Whole names are compared (the ratio of their words sorted, as rapidfuzz's token_sort_ratio), not the best
    matching part: "Lancashire County Council" shares two words with "Lancashire County Cricket Club" but is not it.
    Every word of each name must be in the other, written the same or differently (a plural, a typo in a long
    word, a word the file cut short at the end), apart from a weak word ('Group', 'Trust') and initials ('Local
    Government Association (LGA)'); so "11th Sale Scout Group" is not "14th Sale Scout Group", nor "Bolton Carpets"
    "Bolton Cares", however alike the letters. A word cut short at the end is read whole for the score.
    """
    words_a, words_b = comparison_words(a), comparison_words(b)
    if not words_a or not words_b:
        return 0.0
    if not (_accounted_for(words_a, words_b) and _accounted_for(words_b, words_a)):
        return 0.0
    whole_a, whole_b = _complete_cut_word(words_a, words_b), _complete_cut_word(words_b, words_a)
    return float(fuzz.ratio(" ".join(sorted(whole_a)), " ".join(sorted(whole_b))))


def _complete_cut_word(words: Sequence[str], others: Sequence[str]) -> list[str]:
    """The name with its last word read whole when the file cut it short ("... Creative Communi" -> "community")."""
    last = words[-1]
    if len(words) < _CUT_NAME_WORDS or len(last) < _PREFIX_MIN_LENGTH or last in others:
        return list(words)
    whole = [other for other in others if other.startswith(last) and other != last]
    return [*words[:-1], min(whole, key=len)] if whole else list(words)


def whole_name_score(a: str, b: str) -> float:
    """0-100: how alike two normalised names are as whole names, their words compared sorted (rapidfuzz's
    token_sort_ratio on the words :func:`comparison_words` keeps), whatever words they share or not."""
    return float(fuzz.ratio(" ".join(sorted(comparison_words(a))), " ".join(sorted(comparison_words(b)))))


def names_search(query: str, name: str) -> bool:
    """Whether a name has every word of what an officer searched (normalised both): the same word, a plural, a typo
    in a long word, or the start of a word ('Amey' finds 'Amey LG Ltd', 'Knowsley Comm' finds 'Knowsley Community
    Gardens'), so a search never lists a name for one word it happens to share."""
    wanted, words = comparison_words(query), comparison_words(name)
    if not wanted or not words:
        return False
    present = set(words)
    return all(
        word in present
        or any(
            other[0] == word[0]
            and (
                (len(word) >= _PREFIX_MIN_LENGTH and other.startswith(word))
                or _same_word(word, other, a_last=False, b_last=False)
            )
            for other in words
        )
        for word in wanted
    )
