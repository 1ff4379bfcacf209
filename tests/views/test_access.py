"""Every endpoint by every role: the designed status codes, and no route left out of the table."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.domain.roles import Role
from tests import factories
from tests.views.conftest import ADMIN, ANON, COMMISSIONER, OFFICER, PROVIDER, ROLES

PROVIDER_ONLY = {ANON: 302, PROVIDER: 200, "default": 403}
OFFICERS_ONLY = {ANON: 302, PROVIDER: 403, COMMISSIONER: 403, "default": 200}
SPENDING = {ANON: 302, PROVIDER: 403, "default": 200}

# endpoint -> (GET path, {role: expected status}); a role left out expects the "default" status.
MATRIX: dict[str, tuple[str, dict[str, int]]] = {
    "public.index": ("/", {"default": 200}),
    # The test database has no postcode directory and no migration stamp, so the health check says 503.
    "health.healthz": ("/healthz", {"default": 503}),
    "api.eligible_providers": ("/api/v1/eligible-providers?council=E08000011&value=4000", {"default": 200}),
    "api.openapi": ("/api/v1/openapi.json", {"default": 200}),
    "api.not_found": ("/api/v1/no-such-path", {"default": 404}),
    "public.directory_index": ("/directory", {"default": 200}),
    "public.provider": ("/directory/{provider_id}", {"default": 200}),
    "public.accessibility": ("/accessibility", {"default": 200}),
    "public.privacy": ("/privacy", {"default": 200}),
    "public.cookies": ("/cookies", {"default": 200}),
    "public.data_sources": ("/data-sources", {"default": 200}),
    "auth.sign_in": ("/sign-in", {ANON: 200, "default": 302}),
    "auth.forgot_password": ("/forgot-password", {"default": 200}),
    "auth.check_your_email": ("/forgot-password/check-your-email", {"default": 200}),
    "auth.reset_password": ("/reset-password/not-a-token", {"default": 400}),
    "auth.sign_out": ("/sign-out", {"default": 405}),
    "auth.sign_out_everywhere": ("/sign-out-everywhere", {"default": 405}),
    "auth.create_account": ("/create-account", {ANON: 200, "default": 302}),
    "auth.account_check_your_email": ("/create-account/check-your-email", {"default": 200}),
    "auth.confirm_email": ("/confirm-email/not-a-token", {"default": 400}),
    "auth.resend_confirmation": ("/resend-confirmation", {"default": 405}),
    "auth.accept_invitation": ("/accept-invitation/not-a-token", {"default": 400}),
    "providers.index": ("/provider/", PROVIDER_ONLY),
    "providers.confirm_your_email": ("/provider/confirm-your-email", PROVIDER_ONLY),
    "providers.organisation_name": ("/provider/organisation/name", PROVIDER_ONLY),
    "providers.legal_form": ("/provider/organisation/legal-form", PROVIDER_ONLY),
    "providers.registration_numbers": ("/provider/organisation/registration-numbers", PROVIDER_ONLY),
    "providers.register_details": ("/provider/organisation/register-details", PROVIDER_ONLY),
    "officers.registers": ("/officer/registers", OFFICERS_ONLY),
    "officers.start_register_check": ("/officer/registers/check", {"default": 405}),
    "officers.register_check_progress": (
        "/officer/registers/checks/999999/progress.json",
        {**OFFICERS_ONLY, "default": 404},
    ),
    "providers.premises": ("/provider/premises", PROVIDER_ONLY),
    "providers.add_premises": ("/provider/premises/add", PROVIDER_ONLY),
    "providers.premises_address": ("/provider/premises/{site_id}/address", PROVIDER_ONLY),
    "providers.new_premises_address": (
        "/provider/premises/new/address?kind=trading_site&postcode=L36+9GD",
        PROVIDER_ONLY,
    ),
    "providers.remove_premises": ("/provider/premises/{site_id}/remove", PROVIDER_ONLY),
    "providers.areas_served": ("/provider/areas-served", PROVIDER_ONLY),
    "providers.services": ("/provider/services", PROVIDER_ONLY),
    "providers.ownership": ("/provider/ownership", PROVIDER_ONLY),
    "providers.size_and_fair_work": ("/provider/size-and-fair-work", PROVIDER_ONLY),
    "providers.contact_details": ("/provider/contact-details", PROVIDER_ONLY),
    "providers.check_your_answers": ("/provider/check-your-answers", PROVIDER_ONLY),
    "providers.submit": ("/provider/submit", {"default": 405}),
    # The matrix provider is verified, so there is no submission to confirm.
    "providers.submitted": ("/provider/submitted", {ANON: 302, PROVIDER: 404, "default": 403}),
    "providers.colleagues": ("/provider/colleagues", PROVIDER_ONLY),
    "providers.find_to_join": ("/provider/join?q=matrix", PROVIDER_ONLY),
    "providers.ask_to_join": ("/provider/join/{provider_id}", PROVIDER_ONLY),
    # No organisation holds this number: providers get 404, everyone else is turned away first.
    "providers.ask_to_join_by_number": ("/provider/join/number/GB-COH-99999999", {**PROVIDER_ONLY, PROVIDER: 404}),
    "commissioners.index": ("/commissioner/", {ANON: 302, PROVIDER: 403, "default": 200}),
    "commissioners.search": ("/commissioner/search?value=4000", {ANON: 302, PROVIDER: 403, "default": 200}),
    "commissioners.create_record": ("/commissioner/records/new", {"default": 405}),
    "commissioners.change_shortlist": ("/commissioner/shortlist", {"default": 405}),
    "commissioners.records": ("/commissioner/records", {ANON: 302, PROVIDER: 403, "default": 200}),
    # No record exists in the matrix: council staff get 404, everyone else is turned away first.
    "commissioners.record": ("/commissioner/records/1", {ANON: 302, PROVIDER: 403, "default": 404}),
    "commissioners.record_notes": ("/commissioner/records/1/notes", {"default": 405}),
    "commissioners.close_record": ("/commissioner/records/1/close", {"default": 405}),
    "commissioners.export_record": ("/commissioner/records/1/export.csv", {ANON: 302, PROVIDER: 403, "default": 404}),
    "officers.index": ("/officer/", OFFICERS_ONLY),
    "officers.reviews": ("/officer/reviews", OFFICERS_ONLY),
    "officers.spend_bands": ("/officer/spend-bands", OFFICERS_ONLY),
    "officers.add_spend_band": ("/officer/spend-bands/new", OFFICERS_ONLY),
    # No band has this id: officers get 404, everyone else is turned away first.
    "officers.change_spend_band": ("/officer/spend-bands/999999/change", {**OFFICERS_ONLY, "default": 404}),
    "officers.retire_spend_band": ("/officer/spend-bands/999999/retire", {**OFFICERS_ONLY, "default": 404}),
    "officers.review_provider": ("/officer/providers/{provider_id}/review", OFFICERS_ONLY),
    "officers.mark_identifier_checked": (
        "/officer/providers/{provider_id}/identifiers/1/mark-checked",
        {"default": 405},
    ),
    "officers.mark_fact_checked": ("/officer/providers/{provider_id}/facts/1/mark-checked", {"default": 405}),
    "officers.verify_provider": ("/officer/providers/{provider_id}/verify", {"default": 405}),
    "officers.request_changes": ("/officer/providers/{provider_id}/request-changes", {"default": 405}),
    "officers.reject_provider": ("/officer/providers/{provider_id}/reject", {"default": 405}),
    "officers.approve_join_request": ("/officer/join-requests/1/approve", {"default": 405}),
    "officers.decline_join_request": ("/officer/join-requests/1/decline", {"default": 405}),
    "officers.bulk_action": ("/officer/reviews/bulk-action", {"default": 405}),
    "officers.confirm_bulk_action": ("/officer/reviews/bulk-action/confirm", {"default": 405}),
    "officers.imports_list": ("/officer/imports", OFFICERS_ONLY),
    "officers.audit_events": ("/officer/audit", OFFICERS_ONLY),
    "officers.audit_export": ("/officer/audit.csv", OFFICERS_ONLY),
    "officers.import_new": ("/officer/imports/new", OFFICERS_ONLY),
    # No import has this id: officers get 404, everyone else is turned away first.
    "officers.import_batch": ("/officer/imports/999999", {**OFFICERS_ONLY, "default": 404}),
    "officers.import_columns": ("/officer/imports/999999/columns", {**OFFICERS_ONLY, "default": 404}),
    "officers.import_progress": ("/officer/imports/999999/progress.json", {**OFFICERS_ONLY, "default": 404}),
    "officers.import_undo": ("/officer/imports/999999/undo", {**OFFICERS_ONLY, "default": 404}),
    "officers.import_problems": ("/officer/imports/999999/problems.csv", {**OFFICERS_ONLY, "default": 404}),
    "officers.import_rejected": ("/officer/imports/999999/rejected.csv", {**OFFICERS_ONLY, "default": 404}),
    "officers.import_matches": ("/officer/imports/999999/matches", {"default": 405}),
    "officers.import_commit": ("/officer/imports/999999/commit", {"default": 405}),
    "officers.import_retry": ("/officer/imports/999999/retry", {"default": 405}),
    # Spending: officers' files, attribution and categories; the report for commissioners and officers.
    "officers.spend_files": ("/officer/spend", OFFICERS_ONLY),
    "officers.spend_suppliers": ("/officer/spend/suppliers", OFFICERS_ONLY),
    "officers.spend_categories": ("/officer/spend/categories", OFFICERS_ONLY),
    # Nothing waiting for a sheet to be chosen: back to the list of files.
    "officers.spend_sheet": ("/officer/spend/sheet", {**OFFICERS_ONLY, "default": 302}),
    "officers.spend_file": ("/officer/spend/999999", {**OFFICERS_ONLY, "default": 404}),
    "officers.spend_columns": ("/officer/spend/999999/columns", {**OFFICERS_ONLY, "default": 404}),
    "officers.spend_progress": ("/officer/spend/999999/progress.json", {**OFFICERS_ONLY, "default": 404}),
    "officers.spend_undo": ("/officer/spend/999999/undo", {**OFFICERS_ONLY, "default": 404}),
    "officers.spend_rejected": ("/officer/spend/999999/rejected.csv", {**OFFICERS_ONLY, "default": 404}),
    "officers.spend_supplier": ("/officer/spend/suppliers/999999", {**OFFICERS_ONLY, "default": 404}),
    "officers.spend_import": ("/officer/spend/999999/import", {"default": 405}),
    "officers.spend_drop": ("/officer/spend/999999/drop", {"default": 405}),
    "officers.spend_supplier_confirm": ("/officer/spend/suppliers/999999/confirm", {"default": 405}),
    "officers.spend_supplier_reject": ("/officer/spend/suppliers/999999/reject", {"default": 405}),
    "officers.spend_supplier_link": ("/officer/spend/suppliers/999999/link", {"default": 405}),
    "officers.spend_supplier_place": ("/officer/spend/suppliers/999999/place", {"default": 405}),
    "officers.spend_supplier_exclude": ("/officer/spend/suppliers/999999/exclude", {"default": 405}),
    "officers.spend_supplier_reopen": ("/officer/spend/suppliers/999999/reopen", {"default": 405}),
    "officers.spend_category_map": ("/officer/spend/categories/match", {"default": 405}),
    "officers.spend_category_unmap": ("/officer/spend/categories/unmatch", {"default": 405}),
    "spend.report": ("/spend", SPENDING),
    "spend.compare": ("/spend/compare", SPENDING),
    "spend.payments": ("/spend/payments", SPENDING),
    "spend.leakage": ("/spend/leakage", SPENDING),
    "spend.report_csv": ("/spend/report.csv", SPENDING),
    "spend.payments_csv": ("/spend/payments.csv", SPENDING),
}


def test_every_endpoint_is_in_the_matrix(app: Flask) -> None:
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint != "static"}
    assert endpoints == set(MATRIX), "add new endpoints to the access matrix with their designed statuses"


@pytest.fixture
def signed_in_as(client: FlaskClient, auth, knowsley):  # type: ignore[no-untyped-def]
    def sign_in(role: str) -> dict[str, int]:
        from app.extensions import db

        provider = factories.provider(db.session, "Matrix Co-operative")
        if role != ANON:
            council = knowsley.council if role != PROVIDER else None
            user = factories.user(
                db.session,
                Role(role),
                council=council,
                provider=provider if role == PROVIDER else None,
            )
            db.session.commit()
            assert auth.sign_in(user.email).status_code == 302
        else:
            db.session.commit()
        return {"provider_id": provider.id, "site_id": provider.sites[0].id}

    return sign_in


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", sorted(MATRIX))
def test_access(endpoint: str, role: str, client: FlaskClient, signed_in_as) -> None:  # type: ignore[no-untyped-def]
    ids = signed_in_as(role)
    path, expected = MATRIX[endpoint]
    response = client.get(path.format(**ids), buffered=True)  # buffered: streamed CSV downloads complete here
    want = expected.get(role, expected["default"])
    assert response.status_code == want, f"{role} GET {path}"
    if want == 302 and endpoint not in ("auth.sign_in", "auth.create_account"):
        # Everyone turned away goes to sign in; an officer with no workbook waiting goes back to the spend files.
        where = "/officer/spend" if endpoint == "officers.spend_sheet" and role != ANON else "/sign-in?next="
        assert response.headers["Location"].startswith(where)
    if want in (403, 404, 405, 400):
        # the GOV.UK error pages, never a stack trace
        assert "Traceback" not in response.get_data(as_text=True)
        if endpoint.startswith("api."):  # the JSON API answers errors in JSON
            assert response.get_json()["error"]["message"]
        else:
            assert "govuk-heading-l" in response.get_data(as_text=True)


# A commissioning record belongs to the commissioner who made it: colleagues at the council read it, only its maker
# or an officer changes or closes it. Who is asking -> (GET the record, POST notes, POST close) statuses.
RECORD_OWNER = "commissioner who made it"
RECORD_COLLEAGUE = "commissioner colleague"
RECORD_MATRIX: dict[str, tuple[int, int, int]] = {
    ANON: (302, 302, 302),
    PROVIDER: (403, 403, 403),
    RECORD_OWNER: (200, 302, 302),
    RECORD_COLLEAGUE: (200, 403, 403),
    OFFICER: (200, 302, 302),
    ADMIN: (200, 302, 302),
}


@pytest.mark.parametrize("who", sorted(RECORD_MATRIX))
def test_record_changes(who: str, client: FlaskClient, auth, knowsley) -> None:  # type: ignore[no-untyped-def]
    from app.domain.records import RecordStatus
    from app.extensions import db
    from app.models import CommissioningRecord

    owner = factories.user(db.session, Role.COMMISSIONER, council=knowsley.council)
    band = {"label": "Low value", "value_excluding_vat_pence": 450_000, "value_including_vat_pence": 540_000}
    record = CommissioningRecord(
        council_id=knowsley.council.id, created_by_id=owner.id, title="Matrix record", band=band, inputs={}
    )
    record.outcome = "Awarded"
    db.session.add(record)
    provider = factories.provider(db.session, "Matrix Co-operative")
    user = {
        RECORD_OWNER: owner,
        RECORD_COLLEAGUE: factories.user(db.session, Role.COMMISSIONER, council=knowsley.council),
        OFFICER: factories.user(db.session, Role.OFFICER, council=knowsley.council),
        ADMIN: factories.user(db.session, Role.ADMIN, council=knowsley.council),
        PROVIDER: factories.user(db.session, Role.PROVIDER, provider=provider),
    }.get(who)
    db.session.commit()
    token = auth.csrf_token("/sign-in")
    if user is not None:
        assert auth.sign_in(user.email).status_code == 302
        token = auth.csrf_token(f"/commissioner/records/{record.id}" if who != PROVIDER else "/provider/")
    path = f"/commissioner/records/{record.id}"
    posted = {"csrf_token": token, "outcome": "Awarded", "why_these": f"Changed by {who}"}
    got = (
        client.get(path).status_code,
        client.post(f"{path}/notes", data=posted).status_code,
        client.post(f"{path}/close", data=posted).status_code,
    )
    assert got == RECORD_MATRIX[who], who
    db.session.expire_all()
    kept = db.session.get(CommissioningRecord, record.id)
    assert kept is not None
    changed = who in (RECORD_OWNER, OFFICER, ADMIN)
    assert (kept.why_these == f"Changed by {who}") is changed
    assert (kept.status == RecordStatus.CLOSED) is changed
