"""The question order, the numbers a search for your organisation matches, and how many premises of a kind."""

from __future__ import annotations

import pytest

from app.domain.providers import LegalForm, ProviderStatus, SiteKind
from app.domain.registration import (
    EDITABLE_STATUSES,
    QUESTION_ORDER,
    SENDABLE_STATUSES,
    NumberAnswers,
    Question,
    RegistrationSnapshot,
    ReviewDecision,
    TaskStatus,
    candidate_org_ids,
    check_numbers,
    decision_refusal,
    join_refusal,
    next_question,
    premises_removal_refusal,
    previous_question,
    site_kind_refusal,
    task_list,
)


@pytest.mark.parametrize(
    ("question", "legal_form", "previous", "following"),
    [
        (Question.NAME, None, None, Question.LEGAL_FORM),
        (Question.LEGAL_FORM, LegalForm.CIC, Question.NAME, Question.REGISTRATION_NUMBERS),
        (Question.LEGAL_FORM, LegalForm.SOLE_TRADER, Question.NAME, Question.PREMISES),
        (Question.REGISTRATION_NUMBERS, LegalForm.COOPERATIVE, Question.LEGAL_FORM, Question.PREMISES),
        (Question.PREMISES, LegalForm.CIC, Question.REGISTRATION_NUMBERS, Question.AREAS_SERVED),
        (Question.PREMISES, LegalForm.SOLE_TRADER, Question.LEGAL_FORM, Question.AREAS_SERVED),
        (Question.PREMISES, None, Question.LEGAL_FORM, Question.AREAS_SERVED),
        (Question.AREAS_SERVED, LegalForm.CIC, Question.PREMISES, Question.SERVICES),
        (Question.SERVICES, LegalForm.CIC, Question.AREAS_SERVED, Question.OWNERSHIP),
        (Question.OWNERSHIP, LegalForm.CIC, Question.SERVICES, Question.SIZE_AND_FAIR_WORK),
        (Question.SIZE_AND_FAIR_WORK, LegalForm.CIC, Question.OWNERSHIP, Question.CONTACT_DETAILS),
        (Question.CONTACT_DETAILS, LegalForm.CIC, Question.SIZE_AND_FAIR_WORK, Question.CHECK_YOUR_ANSWERS),
        (Question.CHECK_YOUR_ANSWERS, LegalForm.CIC, Question.CONTACT_DETAILS, None),
    ],
)
def test_back_and_forward_follow_one_order(
    question: Question, legal_form: LegalForm | None, previous: Question | None, following: Question | None
) -> None:
    assert previous_question(question, legal_form) == previous
    assert next_question(question, legal_form) == following


@pytest.mark.parametrize("legal_form", list(LegalForm))
def test_back_undoes_forward_for_every_legal_form(legal_form: LegalForm) -> None:
    walked = [Question.NAME]
    while (following := next_question(walked[-1], legal_form)) is not None:
        assert previous_question(following, legal_form) == walked[-1]
        walked.append(following)
    assert walked[-1] == QUESTION_ORDER[-1]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("01234567", {"GB-COH-01234567"}),
        ("1234567", {"GB-COH-01234567", "GB-CHC-1234567"}),  # a charity number, or a company number lost its zero
        (" gb-coh-01234567 ", {"GB-COH-01234567"}),
        ("GB-NIC-100001", {"GB-NIC-100001"}),
        ("NIC100001", {"GB-NIC-100001"}),
        ("sc012345", {"GB-COH-SC012345", "GB-SC-SC012345"}),
        ("525R", {"GB-MPR-525R"}),
        ("Page Moss", set()),
        ("__", set()),
        ("%", set()),
        ("", set()),
    ],
)
def test_a_typed_registration_number_becomes_the_org_ids_it_could_be(typed: str, expected: set[str]) -> None:
    assert candidate_org_ids(typed) == expected


def test_one_registered_office_any_number_of_trading_sites() -> None:
    assert site_kind_refusal(SiteKind.REGISTERED_OFFICE, []) is None
    assert site_kind_refusal(SiteKind.TRADING_SITE, [SiteKind.TRADING_SITE, SiteKind.REGISTERED_OFFICE]) is None
    assert site_kind_refusal(SiteKind.REGISTERED_OFFICE, [SiteKind.REGISTERED_OFFICE]) == (
        "Your organisation already has a registered office. Select trading site, or remove the registered office first"
    )


def _snapshot(premises: int, unfinished: int) -> RegistrationSnapshot:
    return RegistrationSnapshot(
        has_name=True,
        legal_form=LegalForm.SOLE_TRADER,
        identifier_schemes=frozenset(),
        premises=premises,
        services=0,
        has_description=False,
        ownership_answers=0,
        has_contact_email=False,
        unfinished_premises=unfinished,
    )


@pytest.mark.parametrize(
    ("premises", "unfinished", "status"),
    [
        (0, 0, TaskStatus.NOT_STARTED),
        (0, 1, TaskStatus.IN_PROGRESS),  # a postcode looked up but no address given is not premises yet
        (1, 1, TaskStatus.COMPLETED),
    ],
)
def test_only_finished_premises_complete_where_you_work(premises: int, unfinished: int, status: TaskStatus) -> None:
    where = next(t for t in task_list(_snapshot(premises, unfinished)) if t.key == "premises")
    assert where.status == status


ONLY_PREMISES = "You cannot remove your only premises. Add where your organisation is based now, then remove these"


@pytest.mark.parametrize(
    ("status", "left", "refusal"),
    [
        (ProviderStatus.DRAFT, 0, None),  # nothing public yet: the draft cannot be sent without premises anyway
        (ProviderStatus.SUBMITTED, 0, ONLY_PREMISES),
        (ProviderStatus.VERIFIED, 0, ONLY_PREMISES),  # a published entry would say nothing of where it is
        (ProviderStatus.CHANGES_REQUESTED, 0, ONLY_PREMISES),
        (ProviderStatus.VERIFIED, 1, None),
        (ProviderStatus.SUBMITTED, 2, None),
    ],
)
def test_an_entry_sent_to_the_council_keeps_at_least_one_premises(
    status: ProviderStatus, left: int, refusal: str | None
) -> None:
    assert premises_removal_refusal(status, premises_left=left) == refusal


NO_CHARITY = {"GB-CHC": "", "GB-SC": "", "GB-NIC": ""}


@pytest.mark.parametrize(
    ("legal_form", "answers", "numbers", "problems"),
    [
        (LegalForm.CIC, NumberAnswers(companies_house="01234567"), {"GB-COH": "01234567"}, {}),
        (LegalForm.CIC, NumberAnswers(), {"GB-COH": ""}, {"GB-COH": "Enter your Companies House number"}),
        (
            LegalForm.CIC,
            NumberAnswers(companies_house="  "),
            {"GB-COH": "  "},
            {"GB-COH": "Enter your Companies House number"},
        ),
        # A CIC is not asked for a society number, so one typed anyway is not stored.
        (LegalForm.CIC, NumberAnswers(companies_house="01234567", mutuals="525R"), {"GB-COH": "01234567"}, {}),
        (
            LegalForm.COOPERATIVE,
            NumberAnswers(),
            {"GB-MPR": ""},
            {"GB-MPR": "Enter your FCA Mutuals Public Register number"},
        ),
        # A company limited by guarantee may also be a charity, but need not be.
        (LegalForm.CLG, NumberAnswers(companies_house="01234567"), {"GB-COH": "01234567", **NO_CHARITY}, {}),
        (
            LegalForm.CHARITY,
            NumberAnswers(charity_regulator="GB-SC", charity_number="SC012345"),
            {**NO_CHARITY, "GB-SC": "SC012345", "GB-COH": ""},
            {},
        ),
        (
            LegalForm.CHARITY,
            NumberAnswers(charity_number="1234567"),
            {**NO_CHARITY, "GB-COH": ""},
            {"charity_regulator": "Select which charity regulator it is registered with"},
        ),
        (
            LegalForm.CHARITY,
            NumberAnswers(companies_house="01234567"),
            {**NO_CHARITY, "GB-COH": "01234567"},
            {"charity": "Enter your charity number"},
        ),
        # An unincorporated association is asked whether it is a charity, and need not be.
        (LegalForm.UNINCORPORATED, NumberAnswers(), NO_CHARITY, {}),
        (LegalForm.SOLE_TRADER, NumberAnswers(companies_house="01234567"), {}, {}),
    ],
)
def test_the_numbers_a_legal_form_needs_come_from_what_was_typed(
    legal_form: LegalForm, answers: NumberAnswers, numbers: dict[str, str], problems: dict[str, str]
) -> None:
    checked = check_numbers(legal_form, answers)
    assert checked.numbers == numbers
    assert checked.problems == problems


NOTHING_TO_DECIDE = "This organisation is {}: there is nothing to decide"
NO_CHANGES = "This organisation is already verified and has no changes to check"
S, V = ProviderStatus.SUBMITTED, ProviderStatus.VERIFIED


@pytest.mark.parametrize(
    ("status", "awaiting_review", "decision", "refusal"),
    [
        (S, False, ReviewDecision.VERIFIED, None),
        (S, False, ReviewDecision.CHANGES_REQUESTED, None),
        (S, False, ReviewDecision.REJECTED, None),
        (V, True, ReviewDecision.VERIFIED, None),  # accepting a published entry's changes
        (V, False, ReviewDecision.VERIFIED, NO_CHANGES),
        (V, False, ReviewDecision.CHANGES_REQUESTED, None),  # something wrong in a published entry
        (V, False, ReviewDecision.REJECTED, None),
        *[
            (status, False, decision, NOTHING_TO_DECIDE.format(status.label.lower()))
            for status in (
                ProviderStatus.DRAFT,
                ProviderStatus.CHANGES_REQUESTED,
                ProviderStatus.REJECTED,
                ProviderStatus.ARCHIVED,
            )
            for decision in ReviewDecision
        ],
    ],
)
def test_who_an_officer_may_decide_on(
    status: ProviderStatus, awaiting_review: bool, decision: ReviewDecision, refusal: str | None
) -> None:
    assert decision_refusal(decision, status, awaiting_review) == refusal


NOT_PUBLISHED = "This organisation is not published yet. Search for its whole registration number to ask to join it"


@pytest.mark.parametrize("status", list(ProviderStatus))
def test_an_unpublished_organisation_may_be_asked_to_join_only_by_its_number(status: ProviderStatus) -> None:
    assert join_refusal(status, by_number=True) is None
    by_name = None if status == ProviderStatus.VERIFIED else NOT_PUBLISHED
    assert join_refusal(status, by_number=False) == by_name


@pytest.mark.parametrize(
    ("status", "editable", "sendable"),
    [
        (ProviderStatus.DRAFT, True, True),
        (ProviderStatus.CHANGES_REQUESTED, True, True),
        (ProviderStatus.SUBMITTED, True, False),  # still changed while it waits, but sent once
        (ProviderStatus.VERIFIED, True, False),  # changes are checked again, not sent again
        (ProviderStatus.REJECTED, False, False),
        (ProviderStatus.ARCHIVED, False, False),
    ],
)
def test_which_entries_their_people_may_change_and_send(status: ProviderStatus, editable: bool, sendable: bool) -> None:
    assert (status in EDITABLE_STATUSES, status in SENDABLE_STATUSES) == (editable, sendable)
