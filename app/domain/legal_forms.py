"""Legal forms and registers in the words files use for them, and the register each legal form is held on.

One home for the legal-form words (Companies House, the Charity Commission, the FCA, Co-operatives UK and finance
systems), the registrar words, and the legal-form-to-register table that registration asks by and imports infer
from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.domain.names import normalise_words
from app.domain.providers import LegalForm

#: Not an org-id prefix: a charity is held on one of three registers, told apart by the number.
CHARITY_REGISTER = "charity"

#: The register each legal form must give a number for, by org-id prefix (None: no register holds it).
REQUIRED_REGISTER: dict[LegalForm, str | None] = {
    LegalForm.CIC: "GB-COH",
    LegalForm.CLG: "GB-COH",
    LegalForm.PRIVATE_COMPANY: "GB-COH",
    LegalForm.COOPERATIVE: "GB-MPR",
    LegalForm.COMMUNITY_BENEFIT: "GB-MPR",
    LegalForm.CHARITY: CHARITY_REGISTER,
    LegalForm.SOLE_TRADER: None,
    LegalForm.UNINCORPORATED: None,
    LegalForm.OTHER: None,
    LegalForm.UNKNOWN: None,
}


@dataclass(frozen=True)
class LegalFormReading:
    """What legal-form words mean: the form (None when blank) and a note for the officer when unsure."""

    form: LegalForm | None
    note: str | None = None


_COMPANY_NOTE = "'Company' does not say whether it is limited by shares or by guarantee, so it is recorded as not known"

#: Legal-form wordings, as :func:`normalise_words` leaves them. Companies House's ``CompanyCategory`` labels (its
#: bulk product and search), the Charity Commission's and FCA's words, Co-operatives UK's, and what finance systems
#: write. Words that do not say which of our forms an organisation has are left out: they read as "not known".
LEGAL_FORM_WORDS: dict[str, LegalForm] = {
    # Co-operative and community benefit societies (FCA Mutuals Public Register; Companies House "Registered
    # Society"). A "society" is read as a co-operative, as Co-operatives UK uses the word.
    "society": LegalForm.COOPERATIVE,
    "registered society": LegalForm.COOPERATIVE,
    "cooperative": LegalForm.COOPERATIVE,
    "cooperative society": LegalForm.COOPERATIVE,
    "cooperative limited": LegalForm.COOPERATIVE,
    "coop": LegalForm.COOPERATIVE,
    "coop society": LegalForm.COOPERATIVE,
    "workers cooperative": LegalForm.COOPERATIVE,
    "worker cooperative": LegalForm.COOPERATIVE,
    "industrial and provident society": LegalForm.COOPERATIVE,
    "ips": LegalForm.COOPERATIVE,
    "bona fide cooperative society": LegalForm.COOPERATIVE,
    "credit union": LegalForm.COOPERATIVE,
    "community benefit society": LegalForm.COMMUNITY_BENEFIT,
    "community benefit society bencom": LegalForm.COMMUNITY_BENEFIT,
    "bencom": LegalForm.COMMUNITY_BENEFIT,
    "cbs": LegalForm.COMMUNITY_BENEFIT,
    # Community interest companies.
    "cic": LegalForm.CIC,
    "community interest company": LegalForm.CIC,
    "community interest company cic": LegalForm.CIC,
    "cic limited by guarantee": LegalForm.CIC,
    "cic limited by shares": LegalForm.CIC,
    "community interest company limited by guarantee": LegalForm.CIC,
    "community interest company limited by shares": LegalForm.CIC,
    "community interest public limited company": LegalForm.CIC,
    # Companies limited by guarantee (Companies House writes these two ways, with and without the exemption).
    "company limited by guarantee": LegalForm.CLG,
    "private company limited by guarantee": LegalForm.CLG,
    "limited by guarantee": LegalForm.CLG,
    "ltd by guarantee": LegalForm.CLG,
    "clg": LegalForm.CLG,
    "pri ltd by guar nsc": LegalForm.CLG,
    "pri ltd by guar nsc private limited by guarantee no share capital": LegalForm.CLG,
    "pri lbg nsc": LegalForm.CLG,
    "pri lbg nsc private limited by guarantee no share capital use of limited exemption": LegalForm.CLG,
    "priv ltd sect 30": LegalForm.CLG,
    "priv ltd sect 30 private limited company section 30 of the companies act": LegalForm.CLG,
    "charitable company": LegalForm.CHARITY,
    # Companies limited by shares, and LLPs.
    "ltd": LegalForm.PRIVATE_COMPANY,
    "limited": LegalForm.PRIVATE_COMPANY,
    "limited company": LegalForm.PRIVATE_COMPANY,
    "ltd company": LegalForm.PRIVATE_COMPANY,
    "private company": LegalForm.PRIVATE_COMPANY,
    "private limited": LegalForm.PRIVATE_COMPANY,
    "private limited company": LegalForm.PRIVATE_COMPANY,
    "private ltd company": LegalForm.PRIVATE_COMPANY,
    "company limited by shares": LegalForm.PRIVATE_COMPANY,
    "private company limited by shares": LegalForm.PRIVATE_COMPANY,
    "public limited company": LegalForm.PRIVATE_COMPANY,
    "plc": LegalForm.PRIVATE_COMPANY,
    "llp": LegalForm.PRIVATE_COMPANY,
    "limited liability partnership": LegalForm.PRIVATE_COMPANY,
    # Charities and charitable incorporated organisations.
    "charity": LegalForm.CHARITY,
    "registered charity": LegalForm.CHARITY,
    "charitable trust": LegalForm.CHARITY,
    "charitable incorporated organisation": LegalForm.CHARITY,
    "charitable incorporated organisation association": LegalForm.CHARITY,
    "charitable incorporated organisation foundation": LegalForm.CHARITY,
    "cio": LegalForm.CHARITY,
    "scio": LegalForm.CHARITY,
    "scottish charitable incorporated organisation": LegalForm.CHARITY,
    # Not registered anywhere.
    "sole trader": LegalForm.SOLE_TRADER,
    "sole proprietor": LegalForm.SOLE_TRADER,
    "self employed": LegalForm.SOLE_TRADER,
    "selfemployed": LegalForm.SOLE_TRADER,
    "individual": LegalForm.SOLE_TRADER,
    "partnership": LegalForm.SOLE_TRADER,
    "sole trader or partnership": LegalForm.SOLE_TRADER,
    "unincorporated": LegalForm.UNINCORPORATED,
    "unincorporated association": LegalForm.UNINCORPORATED,
    "community group": LegalForm.UNINCORPORATED,
    "voluntary group": LegalForm.UNINCORPORATED,
    "club": LegalForm.UNINCORPORATED,
    # Registered forms the register has no form of its own for.
    "other": LegalForm.OTHER,
    "private unlimited company": LegalForm.OTHER,
    "private unlimited": LegalForm.OTHER,
    "private unlimited company without share capital": LegalForm.OTHER,
    "limited partnership": LegalForm.OTHER,
    "scottish partnership": LegalForm.OTHER,
    "old public company": LegalForm.OTHER,
    "royal charter company": LegalForm.OTHER,
    "investment company with variable capital": LegalForm.OTHER,
    "further education and sixth form college corps": LegalForm.OTHER,
    "european public limited liability company se": LegalForm.OTHER,
    "united kingdom societas": LegalForm.OTHER,
    "united kingdom economic interest grouping": LegalForm.OTHER,
    "overseas entity": LegalForm.OTHER,
    "other company type": LegalForm.OTHER,
    "protected cell company": LegalForm.OTHER,
    "assurance company": LegalForm.OTHER,
}


def legal_form_from_words(text: str) -> LegalFormReading:
    """Map the words a file uses for a legal form to ours; unknown words are 'not known', never guessed."""
    if not text.strip():
        return LegalFormReading(None)
    words = normalise_words(text)
    form = LEGAL_FORM_WORDS.get(words)
    if words == "company":
        return LegalFormReading(LegalForm.UNKNOWN, _COMPANY_NOTE)
    if form is None:
        shown = " ".join(text.split())
        return LegalFormReading(
            LegalForm.UNKNOWN, f"'{shown}' is not a legal form we recognise, so it is recorded as not known"
        )
    return LegalFormReading(form)


REGISTRAR_WORDS: dict[str, str | None] = {
    "fca": "GB-MPR",
    "financial conduct authority": "GB-MPR",
    "fsa": "GB-MPR",
    "mutuals public register": "GB-MPR",
    "fca mutuals public register": "GB-MPR",
    "companies house": "GB-COH",
    "oscr": "GB-SC",
    "scottish charity regulator": "GB-SC",
    "charity commission": "GB-CHC",
    "charity commission for england and wales": "GB-CHC",
    "ccew": "GB-CHC",
    "ccni": "GB-NIC",
    "charity commission for northern ireland": "GB-NIC",
    # Registers we know but that have no org-id scheme here.
    "detini": None,
}
#: Words that say the register is not known: treated as blank.
NO_REGISTRAR_WORDS = frozenset(
    {"unknown", "not known", "unknown legal form", "legal form is not defined", "none", "n a", "na"}
)


def inferred_scheme(form: LegalForm | None, number: str) -> str | None:
    """The org-id scheme a legal form implies (:data:`REQUIRED_REGISTER`), e.g. CIC -> GB-COH; a charity's
    regulator by the number's shape: SC... is Scottish, NIC... Northern Irish, else England and Wales."""
    if form is None:
        return None
    register = REQUIRED_REGISTER.get(form)
    if register != CHARITY_REGISTER:
        return register
    squashed = re.sub(r"\s", "", number).upper()
    if squashed.startswith("SC"):
        return "GB-SC"
    if squashed.startswith("NIC"):
        return "GB-NIC"
    return "GB-CHC"


def registrar_scheme(text: str) -> str | None:
    """The org-id scheme of the register a file names ('FCA', 'Companies House', 'OSCR'), or None when the words
    are blank, say it is not known, name a register with no scheme here (DETINI), or are not recognised."""
    return REGISTRAR_WORDS.get(normalise_words(text))


def form_from_words(text: str) -> LegalForm:
    """Our legal form for a file's words, 'not known' when blank or not recognised (for loaders that keep no note)."""
    return legal_form_from_words(text).form or LegalForm.UNKNOWN
