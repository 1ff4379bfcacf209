"""The officers' review queue pages at a council's size: pages of 50, filters and sorts kept in every link, and
publishing (or taking back) a whole import or a selection, after a confirmation page that says how many."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.domain.providers import LegalForm, Placement, ProviderSource, ProviderStatus, SiteKind
from app.extensions import db
from app.models import AuditEvent, ImportBatch, ImportChange, Provider, Site
from app.models.base import utcnow
from app.officers.forms import BULK_ACTION_NEEDED, BULK_SCOPE_NEEDED, BULK_SELECTION_NEEDED
from tests import factories


def _import(
    count: int,
    *,
    status: ProviderStatus = ProviderStatus.SUBMITTED,
    file_name: str = "cuk.csv",
    prefix: str = "Imported",
    district_code: str | None = "E08000011",
) -> tuple[int, list[int]]:
    """An import batch that created ``count`` organisations (the first is the oldest); its id and theirs."""
    batch = ImportBatch(source_name="Co-operatives UK", file_name=file_name, sha256="0" * 64, committed_at=utcnow())
    db.session.add(batch)
    db.session.flush()
    now = utcnow()
    providers = [
        Provider(
            name=f"{prefix} {n:04d}",
            legal_form=LegalForm.COOPERATIVE,
            status=status,
            source=ProviderSource.IMPORTED,
            import_batch_id=batch.id,
            source_reference=str(n),
            submitted_at=now - timedelta(days=1_000 - n),
            verified_at=now if status == ProviderStatus.VERIFIED else None,
            sites=[
                Site(
                    kind=SiteKind.REGISTERED_OFFICE,
                    postcode="L36 9GD",
                    district_code=district_code,
                    placement=Placement.POSTCODE if district_code else Placement.NOT_PLACED,
                )
            ],
        )
        for n in range(count)
    ]
    db.session.add_all(providers)
    db.session.flush()
    db.session.add_all(
        ImportChange(batch_id=batch.id, provider_id=p.id, row_number=i, action="created", after_digest="x")
        for i, p in enumerate(providers, start=2)
    )
    db.session.commit()
    return batch.id, [p.id for p in providers]


def _statuses() -> dict[ProviderStatus, int]:
    db.session.expire_all()
    return dict(db.session.execute(select(Provider.status, func.count()).group_by(Provider.status)).all())  # type: ignore[arg-type]


def _audited(action: str) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action)) or 0


def test_a_large_queue_is_shown_50_at_a_time_with_a_count_and_pages_that_keep_the_filters(
    client: FlaskClient, officer_token: str
) -> None:
    batch_id, _ = _import(120)

    first = client.get(f"/officer/reviews?batch={batch_id}&sort=name").get_data(as_text=True)
    last = client.get(f"/officer/reviews?batch={batch_id}&sort=name&page=3").get_data(as_text=True)

    assert "Showing 1 to 50 of 120 organisations" in first
    assert first.count('name="provider_id"') == 50
    assert "Imported 0000" in first and "Imported 0050" not in first
    assert "govuk-pagination" in first
    assert f'href="/officer/reviews?page=2&amp;batch={batch_id}&amp;sort=name#organisations"' in first
    assert "Showing 101 to 120 of 120 organisations" in last
    assert "(page 3 of 3)" in last
    assert f'<option value="{batch_id}" selected>cuk.csv, imported' in last


def test_the_queue_filters_and_sorts_from_the_query_string(client: FlaskClient, officer_token: str) -> None:
    _import(2, prefix="Placed")
    _import(1, prefix="Unplaced", district_code=None, file_name="other.csv")
    factories.provider(db.session, "Liverpool CIC", status=ProviderStatus.SUBMITTED, district_code="E08000012")
    db.session.commit()

    unplaced = client.get("/officer/reviews?not_placed=yes").get_data(as_text=True)
    liverpool = client.get("/officer/reviews?district=E08000012").get_data(as_text=True)
    cics = client.get("/officer/reviews?legal_form=cic").get_data(as_text=True)
    by_district = client.get("/officer/reviews?sort=district").get_data(as_text=True)

    assert "Unplaced 0000" in unplaced and "Placed 0000" not in unplaced and "Not placed" in unplaced
    assert "Liverpool CIC" in liverpool and "Placed 0000" not in liverpool
    assert "Liverpool CIC" in cics and "Placed 0000" not in cics
    assert by_district.index("Placed 0000") < by_district.index("Liverpool CIC") < by_district.index("Unplaced 0000")


@pytest.mark.parametrize(
    "query",
    [
        "batch=abc",
        "batch=999999",
        "status=zzz",
        "district=XX",
        "legal_form=nope",
        "sort=up",
        "page=-3",
        "page=x",
        # str.isdigit() says yes to a superscript two, which int() cannot read
        "page=%C2%B2",
        "batch=%C2%B2",
        "page=" + "9" * 5000,
        "batch=" + "9" * 5000,
    ],
)
def test_unknown_filter_values_are_ignored(client: FlaskClient, officer_token: str, query: str) -> None:
    _import(3)
    response = client.get(f"/officer/reviews?{query}")
    assert response.status_code == 200
    assert "Showing 1 to 3 of 3 organisations" in response.get_data(as_text=True)


def test_publishing_a_whole_import_asks_how_many_then_publishes_each_with_its_audit_event(
    client: FlaskClient, officer_token: str
) -> None:
    batch_id, ids = _import(120)
    _import(3, file_name="other.csv", prefix="Other")
    self_registered = factories.provider(db.session, "Self Registered CIC", status=ProviderStatus.SUBMITTED)
    db.session.commit()
    form = {"action": "publish", "scope": "all", "batch": str(batch_id), "csrf_token": officer_token}

    confirm = client.post("/officer/reviews/bulk-action", data=form)
    page = confirm.get_data(as_text=True)

    assert confirm.status_code == 200
    assert "Publish 120 organisations as verified?" in page
    assert "Imported 0000" in page and "and 115 more" in page
    assert _statuses()[ProviderStatus.SUBMITTED] == 124  # nothing changed yet
    assert 'action="/officer/reviews/bulk-action/confirm"' in page
    assert f'name="batch" value="{batch_id}"' in page

    done = client.post("/officer/reviews/bulk-action/confirm", data=form)

    assert done.status_code == 302
    assert done.headers["Location"] == f"/officer/reviews?batch={batch_id}"
    banner = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "120 organisations are verified and published" in banner
    assert _statuses() == {ProviderStatus.VERIFIED: 120, ProviderStatus.SUBMITTED: 4}
    assert _audited("provider.verified") == 120
    assert db.session.get(Provider, self_registered.id).status == ProviderStatus.SUBMITTED  # type: ignore[union-attr]
    assert {db.session.get(Provider, i).status for i in ids} == {ProviderStatus.VERIFIED}  # type: ignore[union-attr]
    public = client.get("/directory").get_data(as_text=True)
    assert "120 providers" in public


def test_publishing_a_selection_changes_only_the_ticked_organisations(client: FlaskClient, officer_token: str) -> None:
    _, ids = _import(5)
    form = {
        "action": "publish",
        "scope": "selected",
        "provider_id": [str(ids[1]), str(ids[3])],
        "csrf_token": officer_token,
    }

    page = client.post("/officer/reviews/bulk-action", data=form).get_data(as_text=True)
    assert "Publish 2 organisations as verified?" in page
    assert "Imported 0001" in page and "Imported 0003" in page and "Imported 0002" not in page
    assert page.count('name="provider_id"') == 2

    client.post("/officer/reviews/bulk-action/confirm", data=form)

    db.session.expire_all()
    assert [db.session.get(Provider, i).status for i in ids] == [  # type: ignore[union-attr]
        ProviderStatus.SUBMITTED,
        ProviderStatus.VERIFIED,
        ProviderStatus.SUBMITTED,
        ProviderStatus.VERIFIED,
        ProviderStatus.SUBMITTED,
    ]
    assert _audited("provider.verified") == 2


def test_taking_a_published_import_back_into_the_queue(client: FlaskClient, officer_token: str) -> None:
    batch_id, _ = _import(4, status=ProviderStatus.VERIFIED)
    listed = client.get(f"/officer/reviews?status=published-import&batch={batch_id}").get_data(as_text=True)
    assert "Showing 1 to 4 of 4 organisations" in listed and listed.count('name="provider_id"') == 4
    form = {
        "action": "queue",
        "scope": "all",
        "status": "published-import",
        "batch": str(batch_id),
        "csrf_token": officer_token,
    }

    page = client.post("/officer/reviews/bulk-action", data=form).get_data(as_text=True)
    assert "Take 4 organisations off the register and add them to the queue for checks?" in page
    done = client.post("/officer/reviews/bulk-action/confirm", data=form, follow_redirects=True)

    assert "4 organisations are off the register and in the queue for checks" in done.get_data(as_text=True)
    assert _statuses() == {ProviderStatus.SUBMITTED: 4}
    assert _audited("provider.queued_for_checks") == 4


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"scope": "all"}, BULK_ACTION_NEEDED),
        ({"action": "publish"}, BULK_SCOPE_NEEDED),
        ({"action": "publish", "scope": "selected"}, BULK_SELECTION_NEEDED),
        ({"action": "sell", "scope": "all"}, "Select what to do with the organisations"),
        # Nothing in the queue's default view is published, so nothing can be taken back.
        ({"action": "queue", "scope": "all"}, "None of the organisations you chose can be taken off the register"),
    ],
)
@pytest.mark.parametrize("endpoint", ["/officer/reviews/bulk-action", "/officer/reviews/bulk-action/confirm"])
def test_an_incomplete_bulk_action_shows_the_queue_with_the_error_and_changes_nothing(
    client: FlaskClient, officer_token: str, form: dict[str, str], message: str, endpoint: str
) -> None:
    batch_id, _ = _import(3)

    response = client.post(endpoint, data={**form, "batch": str(batch_id), "csrf_token": officer_token})
    page = response.get_data(as_text=True)

    assert response.status_code == 400
    assert "There is a problem" in page and "<title>Error: " in page
    assert message.replace("'", "&#39;") in page
    assert re.search(r'href="#(action|scope)"', page)
    assert f'<option value="{batch_id}" selected>' in page  # the filters survive the error
    assert _statuses() == {ProviderStatus.SUBMITTED: 3}
    assert _audited("provider.verified") == 0


def test_the_officers_home_links_each_import_to_its_organisations_in_the_queue(
    client: FlaskClient, officer_token: str
) -> None:
    queued, _ = _import(2)
    published, _ = _import(2, status=ProviderStatus.VERIFIED, file_name="published.csv")
    for batch_id, verified in ((queued, False), (published, True)):
        batch = db.session.get(ImportBatch, batch_id)
        assert batch is not None
        batch.publish_verified = verified
    db.session.commit()

    page = client.get("/officer/").get_data(as_text=True)

    assert f'href="/officer/reviews?batch={queued}#organisations">Check the organisations it added' in page
    assert (
        f'href="/officer/reviews?batch={published}&amp;status=published-import#organisations">See what it published'
        in page
    )
    listed = client.get(f"/officer/reviews?batch={published}&status=published-import").get_data(as_text=True)
    assert "Showing 1 to 2 of 2 organisations" in listed


def test_the_choice_of_every_matching_organisation_reads_well_for_one(client: FlaskClient, officer_token: str) -> None:
    _import(1)
    page = client.get("/officer/reviews").get_data(as_text=True)
    assert "All 1 organisations" not in page
    assert "The 1 organisation matching the filters." in page
    _import(2, file_name="more.csv", prefix="More")
    assert "All 3 organisations matching the filters, on every page." in client.get("/officer/reviews").get_data(
        as_text=True
    )
