"""Officers' spend band pages: who may see them, every validation message, refusals, and changes kept on record."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.domain.policy import LocalityRule
from app.extensions import db
from app.models import AuditEvent, Council, SpendBand
from app.models.base import utcnow
from tests import factories
from tests.views.conftest import ADMIN, ANON, COMMISSIONER, OFFICER, PROVIDER

ENDPOINTS = {
    "officers.spend_bands": "/officer/spend-bands",
    "officers.add_spend_band": "/officer/spend-bands/new",
    "officers.change_spend_band": "/officer/spend-bands/{band_id}/change",
    "officers.retire_spend_band": "/officer/spend-bands/{band_id}/retire",
}
POSTS = [e for e in ENDPOINTS if e != "officers.spend_bands"]


def _today() -> date:
    return utcnow().date()


def _on(day: date) -> str:
    return f"{day:%-d %B %Y}"


def _date(name: str, day: date | None) -> dict[str, str]:
    if day is None:
        return {}
    return {f"{name}-day": str(day.day), f"{name}-month": str(day.month), f"{name}-year": str(day.year)}


def _row(code: str) -> SpendBand:
    """The row for ``code`` in force today, as the requests committed it."""
    db.session.expire_all()
    today = _today()
    return db.session.scalars(
        select(SpendBand).where(
            SpendBand.code == code,
            SpendBand.effective_from <= today,
            SpendBand.effective_to.is_(None) | (SpendBand.effective_to > today),
        )
    ).one()


def _count(model: type) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def _band_events() -> int:
    return db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.entity_type == "spend_band")) or 0


@pytest.fixture
def knowsley(knowsley: factories.CouncilSetup) -> factories.CouncilSetup:
    """Knowsley as seeded: its local-only band has its recorded reason."""
    for row in db.session.scalars(select(SpendBand).where(SpendBand.locality_rule == LocalityRule.LOCAL_ONLY)):
        row.rationale = "The council keeps this spend in Knowsley"
    db.session.commit()
    return knowsley


def _split_b(day: date | None) -> dict[str, str]:
    """A new band from £25,000 up to £181,000 that takes its range from Intermediate value."""
    return {
        "label": "Medium value",
        "code": "B2",
        "lower_kind": "amount",
        "lower_amount": "25,000",
        "upper_kind": "amount",
        "upper_amount": "181,000",
        "vat_basis": "excluded",
        "min_quotes": "3",
        "route": "3 quotes",
        "advertised": "no",
        "locality_rule": "local_only",
        "reservation": "none",
        "rationale": "The council keeps this spend in Knowsley",
        "adjust_adjoining": "y",
        **_date("effective_from", day),
    }


def _as_is(code: str, day: date | None, **changes: str) -> dict[str, str]:
    """The change form for ``code`` as the page fills it in, with ``changes``."""
    row = _row(code)
    data = {
        "label": row.label,
        "code": row.code,
        "lower_kind": "threshold" if row.lower_is_statutory_threshold else "amount",
        "lower_amount": "" if row.lower_is_statutory_threshold else str(row.lower_pence / 100),
        "upper_kind": "threshold"
        if row.upper_is_statutory_threshold
        else ("none" if row.upper_pence is None else "amount"),
        # The page asks for the highest value in the band: a penny below the exclusive bound the rules keep.
        "upper_amount": "" if row.upper_pence is None else f"{(row.upper_pence - 1) / 100:.2f}",
        "vat_basis": row.vat_basis.value,
        "min_quotes": str(row.min_quotes),
        "route": row.route,
        "advertised": "yes" if row.advertised else "no",
        "locality_rule": row.locality_rule.value,
        "reservation": row.reservation.value,
        "rationale": row.rationale or "",
        **_date("effective_from", day),
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


# Who may use the pages -----------------------------------------------------------------------------------------------


def test_the_table_covers_every_band_endpoint(app) -> None:  # type: ignore[no-untyped-def]
    endpoints = {r.endpoint for r in app.url_map.iter_rules() if "spend_band" in r.endpoint}
    assert endpoints == set(ENDPOINTS)


@pytest.mark.parametrize("role", [ANON, PROVIDER, COMMISSIONER, OFFICER, ADMIN])
@pytest.mark.parametrize("endpoint", sorted(ENDPOINTS))
def test_who_may_see_the_pages(endpoint: str, role: str, client: FlaskClient, sign_in_as) -> None:  # type: ignore[no-untyped-def]
    sign_in_as(role)
    response = client.get(ENDPOINTS[endpoint].format(band_id=_row("A").id))
    if role == ANON:
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/sign-in?next=")
    elif role in (PROVIDER, COMMISSIONER):
        assert response.status_code == 403
        assert "Traceback" not in response.get_data(as_text=True)
    else:
        assert response.status_code == 200


@pytest.mark.parametrize("role", [ANON, PROVIDER, COMMISSIONER])
@pytest.mark.parametrize("endpoint", POSTS)
def test_others_cannot_change_the_bands(endpoint: str, role: str, client: FlaskClient, sign_in_as) -> None:  # type: ignore[no-untyped-def]
    token = sign_in_as(role)
    tomorrow = _today() + timedelta(days=1)
    data = {**_split_b(tomorrow), **_date("effective_to", tomorrow), "csrf_token": token}
    response = client.post(ENDPOINTS[endpoint].format(band_id=_row("B").id), data=data)
    assert response.status_code == (302 if role == ANON else 403)
    assert (_count(SpendBand), _band_events()) == (4, 0)


@pytest.mark.parametrize("endpoint", POSTS)
def test_posts_without_a_csrf_token_are_refused(endpoint: str, client: FlaskClient, officer_token: str) -> None:
    tomorrow = _today() + timedelta(days=1)
    data = {**_split_b(tomorrow), **_date("effective_to", tomorrow)}
    response = client.post(ENDPOINTS[endpoint].format(band_id=_row("B").id), data=data)
    assert response.status_code == 400
    assert "Sorry, there is a problem with this form" in response.get_data(as_text=True)
    assert _count(SpendBand) == 4


@pytest.mark.parametrize("action", ["change", "retire"])
def test_bands_that_do_not_exist_or_belong_to_another_council_are_not_found(
    action: str, client: FlaskClient, officer_token: str
) -> None:
    other = factories.area(db.session, "E08000013", "St Helens", factories.AreaKind.DISTRICT)
    council = Council(name="St Helens Council", district=other)
    theirs = SpendBand(
        council=council,
        code="A",
        label="Theirs",
        lower_pence=0,
        upper_pence=None,
        vat_basis=_row("A").vat_basis,
        route="1 quote",
        locality_rule=LocalityRule.OPEN,
        effective_from=date(2025, 1, 1),
    )
    db.session.add(theirs)
    db.session.commit()
    for band_id in (theirs.id, 999_999):
        assert client.get(f"/officer/spend-bands/{band_id}/{action}").status_code == 404
        assert (
            client.post(f"/officer/spend-bands/{band_id}/{action}", data={"csrf_token": officer_token}).status_code
            == 404
        )


# The bands page ------------------------------------------------------------------------------------------------------


def test_the_page_shows_todays_bands_with_their_rules_and_the_warning(client: FlaskClient, officer_token: str) -> None:
    page = client.get("/officer/spend-bands").get_data(as_text=True)

    assert '<h1 class="govuk-heading-l">Spend bands</h1>' in page
    for text in (
        "Low value",
        "Under £5,000 (excluding VAT)",
        "£5,000 to £181,000",
        "Regulated procedure under the Procurement Act 2023",
        "Reserved to providers based in the council&#39;s local area",
        "Location plays no part",
        "No reservation",
        "Contracts at or above the threshold get the regulated procedure, open to every supplier.",
        "No band has been changed or retired yet.",
    ):
        assert text in page, text
    assert "govuk-warning-text" in page
    assert "These spend bands cannot all be used" not in page
    assert f'href="/officer/spend-bands/{_row("A").id}/change"' in page
    assert 'href="/officer/spend-bands/new"' in page


def test_the_threshold_band_offers_no_retire_link(client: FlaskClient, officer_token: str) -> None:
    """Trial finding 17: the band from the statutory threshold cannot be retired, so no link says it can."""
    page = client.get("/officer/spend-bands").get_data(as_text=True)
    assert f'href="/officer/spend-bands/{_row("D").id}/retire"' not in page
    assert f'href="/officer/spend-bands/{_row("D").id}/change"' in page
    assert f'href="/officer/spend-bands/{_row("C").id}/retire"' in page


def test_each_band_says_how_the_search_reads_a_value_entered_each_way(client: FlaskClient, officer_token: str) -> None:
    """Trial finding 2: beside the band as set, the limits the search uses, from the commissioners' bands table."""
    page = " ".join(client.get("/officer/spend-bands").get_data(as_text=True).split())
    assert (
        "Excluding VAT: £5,000 to £173,099.99; including VAT: £6,000 to £207,719.99; "
        "VAT does not apply: £5,000 to £181,000." in page
    )
    assert "Excluding VAT: none;" in page  # high value: VAT takes every such value to the threshold
    assert "From the statutory threshold of £207,720 (including VAT)" in page


def test_the_page_shows_what_is_wrong_with_the_bands(client: FlaskClient, officer_token: str) -> None:
    db.session.delete(_row("D"))
    db.session.commit()

    page = client.get("/officer/spend-bands").get_data(as_text=True)

    assert "These spend bands cannot all be used" in page
    assert "Today: Nothing covers values of £207,720 and above." in page


def test_the_officers_home_links_to_the_bands(client: FlaskClient, officer_token: str) -> None:
    assert 'href="/officer/spend-bands"' in client.get("/officer/").get_data(as_text=True)


def test_the_change_page_starts_from_the_band_as_it_is(client: FlaskClient, officer_token: str) -> None:
    page = client.get(f"/officer/spend-bands/{_row('B').id}/change").get_data(as_text=True)

    assert "From what date does the change apply?" in page
    assert 'value="Intermediate value"' in page
    assert 'value="181,000"' in page  # what the council's rules say, not the penny above it
    assert re.search(r'value="local_only"\s+checked', page)
    assert 'name="effective_from-day"' in page


# Changing, adding and retiring ---------------------------------------------------------------------------------------


def test_a_change_from_today_redirects_with_a_message_and_the_old_version_is_on_record(
    client: FlaskClient, officer_token: str
) -> None:
    today = _today()
    a = _row("A")
    response = client.post(
        f"/officer/spend-bands/{a.id}/change", data={**_as_is("A", today, min_quotes="2"), "csrf_token": officer_token}
    )

    assert response.status_code == 302
    assert response.headers["Location"] == "/officer/spend-bands"
    page = client.get("/officer/spend-bands").get_data(as_text=True)
    assert f"Low value is changed from {_on(today)}" in page
    history = page.split("Earlier versions")[1]
    assert "Low value" in history
    assert _on(date(2025, 2, 24)) in history
    assert _on(today - timedelta(days=1)) in history
    assert _row("A").min_quotes == 2
    assert db.session.scalars(select(AuditEvent.action).where(AuditEvent.entity_type == "spend_band")).all() == [
        "spend_band.changed"
    ]


def test_a_future_change_is_listed_as_coming(client: FlaskClient, officer_token: str) -> None:
    later = _today() + timedelta(days=30)
    a = _row("A")
    client.post(
        f"/officer/spend-bands/{a.id}/change", data={**_as_is("A", later, min_quotes="2"), "csrf_token": officer_token}
    )

    page = client.get("/officer/spend-bands").get_data(as_text=True)

    assert "Coming changes" in page
    assert _on(later) in page.split("Coming changes")[1]
    assert _row("A").min_quotes == 1


def test_adding_a_band_that_takes_its_range_from_another(client: FlaskClient, officer_token: str) -> None:
    tomorrow = _today() + timedelta(days=1)
    response = client.post("/officer/spend-bands/new", data={**_split_b(tomorrow), "csrf_token": officer_token})

    assert response.status_code == 302
    assert f"Medium value is added from {_on(tomorrow)}" in client.get("/officer/spend-bands").get_data(as_text=True)
    assert _count(SpendBand) == 6  # the new band, and Intermediate value's next version ending at £25,000


def test_retiring_a_band(client: FlaskClient, officer_token: str) -> None:
    tomorrow = _today() + timedelta(days=1)
    b = _row("B")
    response = client.post(
        f"/officer/spend-bands/{b.id}/retire",
        data={**_date("effective_to", tomorrow), "adjust_adjoining": "y", "csrf_token": officer_token},
    )

    assert response.status_code == 302
    page = client.get("/officer/spend-bands").get_data(as_text=True)
    assert f"Intermediate value stops applying from {_on(tomorrow)}" in page
    assert _row("B").effective_to == tomorrow


def test_a_replaced_version_cannot_be_changed_again(client: FlaskClient, officer_token: str) -> None:
    a = _row("A")
    client.post(
        f"/officer/spend-bands/{a.id}/change",
        data={**_as_is("A", _today(), min_quotes="2"), "csrf_token": officer_token},
    )

    response = client.get(f"/officer/spend-bands/{a.id}/change")

    assert response.status_code == 302
    assert "already been replaced or retired" in client.get(response.headers["Location"]).get_data(as_text=True)


# Every message -------------------------------------------------------------------------------------------------------

THIS_YEAR = utcnow().date().year
NEXT_YEAR = THIS_YEAR + 1


def _dated(day: str, month: str, year: str, name: str = "effective_from") -> dict[str, str]:
    return {f"{name}-day": day, f"{name}-month": month, f"{name}-year": year}


# (form changes, question id the summary links to, message)
ADD_CASES: list[tuple[dict[str, str | None], str, str]] = [
    ({"label": ""}, "label", "Enter the name of the band"),
    ({"label": "x" * 201}, "label", "The name must be 200 characters or fewer"),
    ({"code": " "}, "code", "Enter a short code for the band, like A"),
    ({"code": "x" * 21}, "code", "The code must be 20 characters or fewer"),
    ({"lower_kind": None}, "lower_kind", "Select where the band starts"),
    ({"lower_amount": ""}, "lower_amount", "Enter the lower limit in pounds, like £5,000"),
    ({"lower_amount": "five thousand"}, "lower_amount", "Enter the lower limit in pounds, like £5,000"),
    ({"lower_amount": "-5"}, "lower_amount", "The lower limit must be £0 or more"),
    ({"upper_kind": None}, "upper_kind", "Select where the band ends"),
    ({"upper_amount": ""}, "upper_amount", "Enter the upper limit in pounds, like £25,000"),
    ({"upper_amount": "lots"}, "upper_amount", "Enter the upper limit in pounds, like £25,000"),
    ({"upper_amount": "0"}, "upper_amount", "The upper limit must be more than £0"),
    ({"upper_amount": "20,000"}, "upper_amount", "The upper limit must be more than the lower limit"),
    (
        {"lower_kind": "threshold", "upper_kind": "threshold"},
        "upper_kind",
        "A band cannot both start and end at the statutory threshold",
    ),
    ({"vat_basis": None}, "vat_basis", "Select whether the limits include VAT"),
    ({"min_quotes": ""}, "min_quotes", "Enter the minimum number of quotes, like 3"),
    ({"min_quotes": "three"}, "min_quotes", "The minimum number of quotes must be a whole number, like 3"),
    ({"min_quotes": "\u00b2"}, "min_quotes", "The minimum number of quotes must be a whole number, like 3"),
    ({"min_quotes": "9" * 25}, "min_quotes", "The minimum number of quotes must be between 1 and 10"),
    ({"min_quotes": "0"}, "min_quotes", "The minimum number of quotes must be between 1 and 10"),
    ({"min_quotes": "11"}, "min_quotes", "The minimum number of quotes must be between 1 and 10"),
    ({"route": ""}, "route", "Enter how contracts in this band are awarded"),
    ({"route": "x" * 501}, "route", "How contracts are awarded must be 500 characters or fewer"),
    ({"advertised": None}, "advertised", "Select yes if contracts in this band are advertised"),
    ({"locality_rule": None}, "locality_rule", "Select the locality rule"),
    ({"reservation": None}, "reservation", "Select whether the band is reserved to a type of organisation"),
    ({"rationale": ""}, "rationale", "Enter why the band is reserved to local providers"),
    (
        {"rationale": "", "locality_rule": "open", "reservation": "vcse"},
        "rationale",
        "Enter why the band is reserved to voluntary, community and social enterprises",
    ),
    ({"rationale": "x" * 5001}, "rationale", "The reason must be 5,000 characters or fewer"),
    (_dated("", "", ""), "effective_from-day", "Enter the date the band applies from"),
    (_dated("1", "", str(NEXT_YEAR)), "effective_from-month", "The date the band applies from must include a month"),
    (
        _dated("", "", str(NEXT_YEAR)),
        "effective_from-day",
        "The date the band applies from must include a day and month",
    ),
    (_dated("1", "4", ""), "effective_from-year", "The date the band applies from must include a year"),
    (_dated("31", "2", str(NEXT_YEAR)), "effective_from-day", "The date the band applies from must be a real date"),
    (_dated("1st", "4", str(NEXT_YEAR)), "effective_from-day", "The date the band applies from must be a real date"),
    (_dated("\u00b2", "4", str(NEXT_YEAR)), "effective_from-day", "The date the band applies from must be a real date"),
    (
        _dated("1", "4" * 25, str(NEXT_YEAR)),
        "effective_from-month",
        "The date the band applies from must be a real date",
    ),
    (_dated("1", "13", str(NEXT_YEAR)), "effective_from-month", "The date the band applies from must be a real date"),
    (_dated("1", "4", "27"), "effective_from-year", "Year must include 4 numbers"),
    (
        _dated("31", "12", "2017"),
        "effective_from-day",
        "The date the band applies from must be the same as or after 1 January 2018",
    ),
    (
        _dated("1", "1", str(THIS_YEAR + 11)),
        "effective_from-day",
        f"The date the band applies from must be before 1 January {THIS_YEAR + 11}",
    ),
    # Refused by the service: the new band would overlap the band it lands in.
    (
        {"adjust_adjoining": None, **_dated("1", "4", str(NEXT_YEAR))},
        "lower_kind",
        f"The bands would not work from 1 April {NEXT_YEAR}. Intermediate value and Medium value overlap.",
    ),
    (
        {"code": "a", **_dated("1", "4", str(NEXT_YEAR))},
        "code",
        f"Low value already has the code A from 1 April {NEXT_YEAR}. Enter a different code",
    ),
]


def _post_and_check(client: FlaskClient, url: str, data: dict[str, str | None], field_id: str, message: str) -> None:
    response = client.post(url, data={k: v for k, v in data.items() if v is not None})
    page = response.get_data(as_text=True)
    assert response.status_code == 400, page[:500]
    assert "<title>Error: " in page
    assert "There is a problem" in page
    summary = page.split('data-module="govuk-error-summary"')[1].split("</ul>")[0]
    assert f'href="#{field_id}"' in summary, summary
    assert message.replace("'", "&#39;") in summary
    assert (_count(SpendBand), _band_events()) == (4, 0)


@pytest.mark.parametrize(("changes", "field_id", "message"), ADD_CASES, ids=[m for _, _, m in ADD_CASES])
def test_add_form_messages(
    changes: dict[str, str | None], field_id: str, message: str, client: FlaskClient, officer_token: str
) -> None:
    data: dict[str, str | None] = {**_split_b(_today() + timedelta(days=1)), "csrf_token": officer_token, **changes}
    _post_and_check(client, "/officer/spend-bands/new", data, field_id, message)


CHANGE_CASES: list[tuple[str, dict[str, str | None], str, str]] = [
    ("A", _dated("", "", ""), "effective_from-day", "Enter the date the change applies from"),
    (
        "A",
        _dated("1", "", ""),
        "effective_from-month",
        "The date the change applies from must include a month and year",
    ),
    (
        "A",
        _dated("24", "2", "2025"),
        "effective_from-day",
        "The date the change applies from must be after 24 February 2025, when this version of the band started",
    ),
    (
        "A",
        {"upper_amount": "4,000", **_dated("1", "4", str(NEXT_YEAR))},
        "lower_kind",
        f"The bands would not work from 1 April {NEXT_YEAR}. Nothing covers values from £4,000.01 to £4,999.99, "
        "between Low value and Intermediate value.",
    ),
    (
        "C",
        {"locality_rule": "local_only", "rationale": "Keep it local", **_dated("1", "4", str(NEXT_YEAR))},
        "locality_rule",
        f"The bands would not work from 1 April {NEXT_YEAR}. High value cannot be local only: it covers values at "
        "or above the statutory threshold (£207,720 including VAT from 1 January 2026), where location may not be "
        "used to exclude suppliers.",
    ),
]


@pytest.mark.parametrize(("code", "changes", "field_id", "message"), CHANGE_CASES, ids=[m for *_, m in CHANGE_CASES])
def test_change_form_messages(
    code: str, changes: dict[str, str | None], field_id: str, message: str, client: FlaskClient, officer_token: str
) -> None:
    data: dict[str, str | None] = {**_as_is(code, None), "csrf_token": officer_token, **changes}
    _post_and_check(client, f"/officer/spend-bands/{_row(code).id}/change", data, field_id, message)


RETIRE_CASES: list[tuple[dict[str, str | None], str, str]] = [
    (_dated("", "", "", "effective_to"), "effective_to-day", "Enter the date the band stops applying"),
    (
        _dated("1", "4", "", "effective_to"),
        "effective_to-year",
        "The date the band stops applying must include a year",
    ),
    (
        _dated("1", "4", str(NEXT_YEAR), "effective_to"),
        "effective_to-day",
        f"The bands would not work from 1 April {NEXT_YEAR}. Nothing covers values from £5,000 to £181,000, "
        "between Low value and High value.",
    ),
]


@pytest.mark.parametrize(("changes", "field_id", "message"), RETIRE_CASES, ids=[m for *_, m in RETIRE_CASES])
def test_retire_form_messages(
    changes: dict[str, str | None], field_id: str, message: str, client: FlaskClient, officer_token: str
) -> None:
    _post_and_check(
        client,
        f"/officer/spend-bands/{_row('B').id}/retire",
        {"csrf_token": officer_token, **changes},
        field_id,
        message,
    )


# Issue 11 #2 and #26 -------------------------------------------------------------------------------------------------


def test_typing_the_highest_value_gives_the_band_the_officer_means(client: FlaskClient, officer_token: str) -> None:
    """The page pre-fills £181,000 (not 181,000.01); typing 100000 makes the band £5,000 to £100,000."""
    b = _row("B")
    tomorrow = _today() + timedelta(days=1)
    data = {**_as_is("B", tomorrow, upper_amount="100000"), "adjust_adjoining": "y", "csrf_token": officer_token}
    response = client.post(f"/officer/spend-bands/{b.id}/change", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]

    db.session.expire_all()
    new_b = db.session.scalars(
        select(SpendBand).where(SpendBand.code == "B", SpendBand.effective_from == tomorrow)
    ).one()
    assert new_b.upper_pence == 10_000_001  # the rules keep the bound a penny above the highest value
    page = client.get("/officer/spend-bands").get_data(as_text=True)
    coming = page.split("Coming changes")[1]
    assert "£5,000 to £100,000" in coming
    assert "£99,999.99" not in page
    assert "£100,000.01 (excluding VAT) up to the statutory threshold" in coming
    assert 'value="100,000"' in client.get(f"/officer/spend-bands/{new_b.id}/change").get_data(as_text=True)


def test_the_band_from_the_threshold_reads_as_the_regulated_procedure(client: FlaskClient, officer_token: str) -> None:
    page = client.get("/officer/spend-bands").get_data(as_text=True)
    row = page.split("Above the statutory threshold <span")[1].split("</tr>")[0]
    assert "Regulated procedure under the Procurement Act 2023, advertised" in row
    assert "quote" not in row


def test_the_vat_question_is_only_needed_when_a_limit_is_an_amount(client: FlaskClient, officer_token: str) -> None:
    """D starts at the threshold and has no upper limit: without a VAT answer the change is made."""
    d = _row("D")
    tomorrow = _today() + timedelta(days=1)
    data = {**_as_is("D", tomorrow, route="Open procedure under the Procurement Act 2023"), "csrf_token": officer_token}
    del data["vat_basis"]
    response = client.post(f"/officer/spend-bands/{d.id}/change", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]


def test_the_vat_question_is_needed_when_a_limit_is_an_amount(client: FlaskClient, officer_token: str) -> None:
    a = _row("A")
    data = {**_as_is("A", _today() + timedelta(days=1), min_quotes="2"), "csrf_token": officer_token}
    del data["vat_basis"]
    _post_and_check(
        client, f"/officer/spend-bands/{a.id}/change", data, "vat_basis", "Select whether the limits include VAT"
    )


def test_the_vat_question_is_marked_for_hiding_and_reveals_carry_no_aria_expanded(
    client: FlaskClient, officer_token: str
) -> None:
    """GOV.UK Frontend's radios script adds aria-expanded to radios that reveal an answer (ARIA does not allow it);
    the band pages reveal answers with their own script, which uses aria-controls only."""
    page = client.get(f"/officer/spend-bands/{_row('B').id}/change").get_data(as_text=True)
    assert "data-aria-controls" not in page
    assert 'data-module="govuk-radios"' not in page  # so its script never adds aria-expanded to these radios
    assert 'data-app-reveal="conditional-lower_kind"' in page
    assert 'data-app-reveal="conditional-upper_kind"' in page
    assert "data-app-vat-question" in page
    assert "app/band-questions.js" in page


def test_the_error_summary_lists_messages_in_page_order(client: FlaskClient, officer_token: str) -> None:
    """The date comes first on the page, so its message comes first in the summary."""
    data: dict[str, str | None] = {**_split_b(None), "label": "", "code": "", "csrf_token": officer_token}
    response = client.post("/officer/spend-bands/new", data={k: v for k, v in data.items() if v is not None})
    assert response.status_code == 400
    summary = response.get_data(as_text=True).split('data-module="govuk-error-summary"')[1].split("</ul>")[0]
    links = re.findall(r'href="#([^"]+)"', summary)
    assert links == ["effective_from-day", "label", "code"]


def test_retiring_the_band_from_the_threshold_is_refused_with_a_message(
    client: FlaskClient, officer_token: str
) -> None:
    """Issue 11 #2: retiring D, even with C taking its values, would leave £5,000,000 with three quotes."""
    tomorrow = _today() + timedelta(days=1)
    _post_and_check(
        client,
        f"/officer/spend-bands/{_row('D').id}/retire",
        {**_date("effective_to", tomorrow), "adjust_adjoining": "y", "csrf_token": officer_token},
        "effective_to-day",
        f"The bands would not work from {_on(tomorrow)}. No band starts at the statutory threshold (£207,720 "
        "including VAT), so contracts at or above it would not be given the regulated procedure.",
    )


def test_moving_the_band_from_the_threshold_to_an_amount_is_refused_beside_the_question(
    client: FlaskClient, officer_token: str
) -> None:
    tomorrow = _today() + timedelta(days=1)
    data = {
        **_as_is("D", tomorrow, lower_kind="amount", lower_amount="250,000", vat_basis="excluded"),
        "adjust_adjoining": "y",
        "csrf_token": officer_token,
    }
    _post_and_check(
        client,
        f"/officer/spend-bands/{_row('D').id}/change",
        data,
        "lower_kind",
        "No band starts at the statutory threshold",
    )
