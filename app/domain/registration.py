"""Registering an organisation: the task list, which numbers each legal form needs, and review decisions."""

from __future__ import annotations

from dataclasses import dataclass

from app.domain.labelled import LabelledEnum
from app.domain.providers import LegalForm


class JoinRequestStatus(LabelledEnum):
    PENDING = "pending", "Waiting for a decision"
    APPROVED = "approved", "Approved"
    DECLINED = "declined", "Declined"


class ReviewDecision(LabelledEnum):
    VERIFIED = "verified", "Verified"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"
    REJECTED = "rejected", "Rejected"


class TaskStatus(LabelledEnum):
    NOT_STARTED = "not_started", "Not yet started"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"
    OPTIONAL = "optional", "Optional"


#: The register each legal form must give a number for (None: no register holds it).
REQUIRED_REGISTER: dict[LegalForm, str | None] = {
    LegalForm.CIC: "GB-COH",
    LegalForm.CLG: "GB-COH",
    LegalForm.PRIVATE_COMPANY: "GB-COH",
    LegalForm.COOPERATIVE: "GB-MPR",
    LegalForm.COMMUNITY_BENEFIT: "GB-MPR",
    LegalForm.CHARITY: "charity",  # one of the three charity regulators
    LegalForm.SOLE_TRADER: None,
    LegalForm.UNINCORPORATED: None,
    LegalForm.OTHER: None,
    LegalForm.UNKNOWN: None,
}
CHARITY_SCHEMES = ("GB-CHC", "GB-SC", "GB-NIC")


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


@dataclass(frozen=True)
class RegistrationSnapshot:
    """What the task list needs to know about a draft, without the database."""

    has_name: bool
    legal_form: LegalForm | None
    identifier_schemes: frozenset[str]
    premises: int
    services: int
    has_description: bool
    ownership_answers: int
    has_contact_email: bool


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
        Task("premises", "Where you work", status(snapshot.premises > 0, False)),
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
