"""The public pages."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from flask import abort, current_app, get_template_attribute, render_template, request
from flask_login import current_user
from markupsafe import Markup

from app.domain.providers import LegalForm, may_see_contact_details
from app.extensions import db
from app.public import bp
from app.services import provider_page, public_directory
from app.services.locality import provider_locality
from app.web.caching import kept_for_register_version
from app.web.council import home_council, home_local_area


@bp.route("/")
def index() -> str:
    """Explain the register to providers and commissioners."""
    return render_template("public/index.html", council=home_council())


@dataclass(frozen=True)
class FilterOption:
    """One choice in a filter list: the value a request sends, and the words it shows."""

    value: str
    text: str


def _filter_select(macro: str, options: tuple[FilterOption, ...], selected: str | None) -> Markup:
    """A filter list's markup (templates/public/_directory_filters.html), kept for each list and choice: rendering a
    list of every district is most of what the directory page costs to render, and the lists seldom change. Kept
    by their content, so a changed list is never shown from an old copy (nor, while templates reload, an old one)."""
    if current_app.debug:
        return _render_filter_select(macro, options, selected)
    return _kept_filter_select(macro, options, selected)


def _render_filter_select(macro: str, options: tuple[FilterOption, ...], selected: str | None) -> Markup:
    markup: Markup = get_template_attribute("public/_directory_filters.html", macro)(options, selected)
    return markup


_kept_filter_select = lru_cache(maxsize=1_024)(_render_filter_select)


@bp.route("/directory")
def directory_index() -> str:
    """Verified providers: searched by name or service, filtered by district, legal form and service, paginated."""
    districts = kept_for_register_version(
        "directory districts",
        lambda: tuple(
            FilterOption(a.code, a.name) for a in public_directory.districts_with_verified_providers(db.session)
        ),
    )
    services = kept_for_register_version(
        "directory services",
        lambda: tuple(
            FilterOption(s.slug, s.name) for s in public_directory.services_of_verified_providers(db.session)
        ),
    )
    district = request.args.get("district") or None
    if district and district not in {d.value for d in districts}:
        district = None  # an unknown code filters nothing rather than failing
    service = request.args.get("service") or None
    if service and service not in {s.value for s in services}:
        service = None
    try:
        legal_form = LegalForm(request.args["legal_form"]) if request.args.get("legal_form") else None
    except ValueError:
        legal_form = None
    page = request.args.get("page", 1, type=int) or 1
    result = public_directory.list_verified_providers(
        db.session,
        district_code=district,
        legal_form=legal_form,
        service=service,
        query=request.args.get("q", ""),
        page=page,
        per_page=current_app.config["PER_PAGE"],
    )
    forms = tuple(FilterOption(form.value, form.label) for form in LegalForm)
    return render_template(
        "public/directory.html",
        result=result,
        filter_selects={
            "district": _filter_select("district_select", districts, district),
            "legal_form": _filter_select("legal_form_select", forms, legal_form.value if legal_form else None),
            "service": _filter_select("service_select", services, service),
        },
    )


@bp.route("/directory/<int:provider_id>")
def provider(provider_id: int) -> str:
    """One verified provider's public page."""
    page = provider_page.public_provider_page(db.session, provider_id)
    if page is None:
        abort(404)
    found = page.provider
    signed_in = current_user.is_authenticated
    show_contact = may_see_contact_details(
        current_user.role if signed_in else None, current_user.provider_id if signed_in else None, found.id
    )
    # What provider_place gives (app/web/council.py), from the names the page has already looked up.
    area = home_local_area()
    locality = provider_locality(db.session, found, area, public=True, names=page.area_names) if area else None
    return render_template(
        "public/provider.html",
        provider=found,
        show_contact=show_contact,
        area_names=page.area_names,
        area=area,
        locality=locality,
    )


@bp.route("/accessibility")
def accessibility() -> str:
    """The accessibility statement."""
    return render_template("public/accessibility.html")


@bp.route("/privacy")
def privacy() -> str:
    """The privacy notice."""
    return render_template("public/privacy.html")


@bp.route("/cookies")
def cookies() -> str:
    """The cookies we set."""
    return render_template("public/cookies.html")


@bp.route("/data-sources")
def data_sources() -> str:
    """The open data the register uses and its licences."""
    return render_template("public/data_sources.html")
