"""Registering an organisation: the task list, which numbers each legal form needs, and review decisions."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from app.domain.labelled import LabelledEnum
from app.domain.legal_forms import REQUIRED_REGISTER
from app.domain.providers import (
    IDENTIFIER_SCHEMES,
    IdentifierError,
    LegalForm,
    ProviderStatus,
    SiteKind,
    normalise_identifier,
    org_id,
)


class JoinRequestStatus(LabelledEnum):
    PENDING = "pending", "Waiting for a decision"
    APPROVED = "approved", "Approved"
    DECLINED = "declined", "Declined"


class ReviewDecision(LabelledEnum):
    VERIFIED = "verified", "Verified"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"
    REJECTED = "rejected", "Rejected"


#: The statuses an officer decides on: an entry waiting for checks, or a published one (its changes, or taking it back).
DECIDABLE_STATUSES = frozenset({ProviderStatus.SUBMITTED, ProviderStatus.VERIFIED})


def decision_refusal(decision: ReviewDecision, status: ProviderStatus, awaiting_review: bool) -> str | None:
    """Why an officer may not make this decision on an entry now, or None if they may.

    A published entry may be sent back or rejected at any time, but verified again only when it has changes to check.
    """
    if status not in DECIDABLE_STATUSES:
        return f"This organisation is {status.label.lower()}: there is nothing to decide"
    if decision == ReviewDecision.VERIFIED and status == ProviderStatus.VERIFIED and not awaiting_review:
        return "This organisation is already verified and has no changes to check"
    return None


class TaskStatus(LabelledEnum):
    NOT_STARTED = "not_started", "Not yet started"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"
    OPTIONAL = "optional", "Optional"


#: The charity regulators a charity may be registered with, by org-id prefix, named as the question names them.
CHARITY_REGULATORS: dict[str, str] = {
    "GB-CHC": "Charity Commission for England and Wales",
    "GB-SC": "Scottish Charity Regulator (OSCR)",
    "GB-NIC": "Charity Commission for Northern Ireland",
}
CHARITY_SCHEMES: tuple[str, ...] = tuple(CHARITY_REGULATORS)


def numbers_asked_for(legal_form: LegalForm) -> tuple[str, ...]:
    """The registration numbers the 'registration numbers' page asks for, required one first."""
    required = REQUIRED_REGISTER.get(legal_form)
    if required == "GB-COH":
        return ("GB-COH", "charity") if legal_form == LegalForm.CLG else ("GB-COH",)
    if required == "GB-MPR":
        return ("GB-MPR",)
    if required == "charity":
        return ("charity", "GB-COH")  # a charitable company has both
    if legal_form == LegalForm.UNINCORPORATED:
        return ("charity",)
    return ()


#: What to say when the number a legal form needs is left empty, by the register it needs.
MISSING_NUMBER: dict[str, str] = {
    "GB-COH": "Enter your Companies House number",
    "GB-MPR": "Enter your FCA Mutuals Public Register number",
    "charity": "Enter your charity number",
}


@dataclass(frozen=True)
class NumberAnswers:
    """What was typed on the registration numbers page."""

    companies_house: str = ""
    mutuals: str = ""
    charity_regulator: str | None = None
    charity_number: str = ""


@dataclass(frozen=True)
class CheckedNumbers:
    """The numbers to store by scheme (blank removes one), and what to put right first, by question.

    A problem's key is a register ("GB-COH", "GB-MPR", "charity") or "charity_regulator".
    """

    numbers: dict[str, str]
    problems: dict[str, str]


def check_numbers(legal_form: LegalForm, answers: NumberAnswers) -> CheckedNumbers:
    """The numbers a legal form is asked for, from what was typed; the required one must be given.

    A charity number is stored under the regulator chosen, and every other regulator's number is removed, so a
    charity that moves regulator keeps one number.
    """
    asked = numbers_asked_for(legal_form)
    numbers: dict[str, str] = {}
    problems: dict[str, str] = {}
    if "GB-COH" in asked:
        numbers["GB-COH"] = answers.companies_house
    if "GB-MPR" in asked:
        numbers["GB-MPR"] = answers.mutuals
    if "charity" in asked:
        regulator = answers.charity_regulator
        for scheme in CHARITY_SCHEMES:
            numbers[scheme] = answers.charity_number if scheme == regulator else ""
        if answers.charity_number.strip() and not regulator:
            problems["charity_regulator"] = "Select which charity regulator it is registered with"
    typed = {"GB-COH": answers.companies_house, "GB-MPR": answers.mutuals, "charity": answers.charity_number}
    required = REQUIRED_REGISTER.get(legal_form)
    if required in MISSING_NUMBER and not typed[required].strip():
        problems[required] = MISSING_NUMBER[required]
    return CheckedNumbers(numbers, problems)


class Question(StrEnum):
    """The question pages of "Register your organisation", in the order they are asked."""

    NAME = "name"
    LEGAL_FORM = "legal_form"
    REGISTRATION_NUMBERS = "registration_numbers"
    PREMISES = "premises"
    AREAS_SERVED = "areas_served"
    SERVICES = "services"
    OWNERSHIP = "ownership"
    SIZE_AND_FAIR_WORK = "size_and_fair_work"
    CONTACT_DETAILS = "contact_details"
    CHECK_YOUR_ANSWERS = "check_your_answers"


#: The one place the order of the questions is set: "Save and continue" goes down it, "Back" goes up it.
QUESTION_ORDER: tuple[Question, ...] = tuple(Question)


def asked(question: Question, legal_form: LegalForm | None) -> bool:
    """Whether this organisation is asked the question (only some legal forms have registration numbers)."""
    if question == Question.REGISTRATION_NUMBERS:
        return bool(numbers_asked_for(legal_form or LegalForm.UNKNOWN))
    return True


def next_question(question: Question, legal_form: LegalForm | None) -> Question | None:
    """The question after this one for this legal form; None after the last."""
    later = QUESTION_ORDER[QUESTION_ORDER.index(question) + 1 :]
    return next((q for q in later if asked(q, legal_form)), None)


def previous_question(question: Question, legal_form: LegalForm | None) -> Question | None:
    """The question before this one for this legal form; None before the first (the task list)."""
    earlier = QUESTION_ORDER[: QUESTION_ORDER.index(question)]
    return next((q for q in reversed(earlier) if asked(q, legal_form)), None)


#: The statuses in which an organisation's own people may change its answers: not once rejected or archived.
EDITABLE_STATUSES = frozenset(
    {ProviderStatus.DRAFT, ProviderStatus.CHANGES_REQUESTED, ProviderStatus.SUBMITTED, ProviderStatus.VERIFIED}
)
#: The statuses from which the answers may be sent to the council for checking.
SENDABLE_STATUSES = frozenset({ProviderStatus.DRAFT, ProviderStatus.CHANGES_REQUESTED})

#: Organisations anyone looking for theirs may find by name: those the public directory shows.
FINDABLE_BY_NAME: frozenset[ProviderStatus] = frozenset({ProviderStatus.VERIFIED})


def join_refusal(status: ProviderStatus, *, by_number: bool) -> str | None:
    """Why someone may not ask to join an organisation reached this way, or None if they may.

    A published organisation may be asked by name; any other only by someone who typed its whole registration
    number: an id in a URL reveals nothing the council has not published, yet someone who knows the number can ask.
    """
    if status in FINDABLE_BY_NAME or by_number:
        return None
    return "This organisation is not published yet. Search for its whole registration number to ask to join it"


_ORG_ID = re.compile(r"^(GB-[A-Z]{2,3})-?(.+)$")


def candidate_org_ids(text: str) -> frozenset[str]:
    """Every org-id a typed registration number could be, normalised as each register writes it.

    "1234567" may be a Charity Commission number or a Companies House number that lost its leading
    zero; "GB-COH-01234567" is itself. Text that fits no register gives nothing.
    """
    cleaned = re.sub(r"[\s.]", "", text).upper()
    prefixed = _ORG_ID.match(cleaned)
    if prefixed and prefixed.group(1) in IDENTIFIER_SCHEMES:
        schemes: Iterable[str] = (prefixed.group(1),)
        cleaned = prefixed.group(2)
    else:
        schemes = IDENTIFIER_SCHEMES
    found = set()
    for scheme in schemes:
        try:
            normalise_identifier(scheme, cleaned)
            found.add(org_id(scheme, cleaned))
        except IdentifierError:
            continue
    return frozenset(found)


#: How many premises of a kind an organisation may have (None: any number).
MOST_OF_KIND: dict[SiteKind, int | None] = {SiteKind.REGISTERED_OFFICE: 1, SiteKind.TRADING_SITE: None}


def site_kind_refusal(kind: SiteKind, other_kinds: Iterable[SiteKind]) -> str | None:
    """Why premises of this kind cannot be added beside the others, or None if they can."""
    most = MOST_OF_KIND.get(kind)
    if most is not None and sum(1 for k in other_kinds if k == kind) >= most:
        return (
            f"Your organisation already has a {kind.label.lower()}. "
            f"Select {SiteKind.TRADING_SITE.label.lower()}, or remove the {kind.label.lower()} first"
        )
    return None


def premises_removal_refusal(status: ProviderStatus, *, premises_left: int) -> str | None:
    """Why premises cannot be removed, or None if they can.

    An entry sent to the council (waiting for checks or published) keeps at least one premises: without any, a
    published entry would stay up saying nothing of where the organisation is, and could not be found as local.
    So a move is "add the new premises, then remove the old". A draft is not public, and cannot be sent without them.
    """
    if status != ProviderStatus.DRAFT and premises_left == 0:
        return "You cannot remove your only premises. Add where your organisation is based now, then remove these"
    return None


@dataclass(frozen=True)
class RegistrationSnapshot:
    """What the task list needs to know about a draft, without the database."""

    has_name: bool
    legal_form: LegalForm | None
    identifier_schemes: frozenset[str]
    #: Premises whose address has been given; only these count.
    premises: int
    services: int
    has_description: bool
    ownership_answers: int
    has_contact_email: bool
    #: Premises found by postcode whose address was never given (kept from before every site needed one).
    unfinished_premises: int = 0


@dataclass(frozen=True)
class Task:
    key: str
    label: str
    status: TaskStatus


def required_number_given(snapshot: RegistrationSnapshot) -> bool:
    required = REQUIRED_REGISTER.get(snapshot.legal_form) if snapshot.legal_form else None
    if required is None:
        return True
    if required == "charity":
        return bool(snapshot.identifier_schemes & set(CHARITY_SCHEMES))
    return required in snapshot.identifier_schemes


def task_list(snapshot: RegistrationSnapshot) -> list[Task]:
    """The sections of 'Register your organisation', each with its status."""

    def status(done: bool, started: bool) -> TaskStatus:
        if done:
            return TaskStatus.COMPLETED
        return TaskStatus.IN_PROGRESS if started else TaskStatus.NOT_STARTED

    about_done = snapshot.has_name and snapshot.legal_form is not None and required_number_given(snapshot)
    return [
        Task("about", "About your organisation", status(about_done, snapshot.has_name)),
        Task("premises", "Where you work", status(snapshot.premises > 0, snapshot.unfinished_premises > 0)),
        Task(
            "services",
            "What you do",
            status(
                snapshot.services > 0 and snapshot.has_description, snapshot.services > 0 or snapshot.has_description
            ),
        ),
        Task(
            "ownership",
            "How you are owned and run",
            TaskStatus.COMPLETED if snapshot.ownership_answers else TaskStatus.OPTIONAL,
        ),
        Task("contact", "Contact details", status(snapshot.has_contact_email, False)),
    ]


def ready_to_submit(snapshot: RegistrationSnapshot) -> bool:
    return all(t.status in (TaskStatus.COMPLETED, TaskStatus.OPTIONAL) for t in task_list(snapshot))
