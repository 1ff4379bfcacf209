"""The numbers a provider gives at registration, looked up on the public registers: the loaded releases first, then,
for a company number the loaded release lacks (or with no release loaded), Companies House's online service when
the council has a key for it. Charity and society numbers stay offline: their registers have no such service here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from app.domain.companies_house_api import not_on_release
from app.domain.registers import REGISTER_OF_SCHEME, Register, RegisterEntry, company_number
from app.services.companies_house_api import CompaniesHouseApi, look_up_company
from app.services.registers import active_releases, entries_for_numbers


@dataclass(frozen=True)
class NumberLookup:
    """One number on its register: the organisation, or why there is none, in words for the provider."""

    org_id: str
    entry: RegisterEntry | None
    note: str | None = None


def look_up_numbers(
    session: Session, org_ids: Iterable[str], *, online: CompaniesHouseApi | None, now: datetime
) -> dict[str, NumberLookup]:
    """Each org-id's organisation on its register, by org-id. An org-id whose register is not loaded (and, for a
    company number, with no online service) is left out: there is nothing to say about it. Online answers are
    kept in the session (the caller commits them, so a reload does not ask again)."""
    wanted = list(dict.fromkeys(org_ids))
    offline = entries_for_numbers(session, wanted)
    releases = active_releases(session)
    found: dict[str, NumberLookup] = {}
    for org_id in wanted:
        scheme, _, number = org_id.rpartition("-")
        register = REGISTER_OF_SCHEME.get(scheme)
        entry = offline.get(org_id)
        if register is None:
            continue
        if entry is not None:
            found[org_id] = NumberLookup(org_id, entry)
        elif register == Register.COMPANIES_HOUSE and online is not None and (company := company_number(number)):
            answer = look_up_company(session, online, company, now)
            found[org_id] = NumberLookup(org_id, answer.entry, answer.note())
        elif org_id in offline:
            found[org_id] = NumberLookup(
                org_id, None, not_on_release(register, number, releases[register].published_on)
            )
    return found
