"""Views for council staff who buy services."""

from __future__ import annotations

from flask import abort, current_app, render_template, request
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields import SelectChoice

from app.commissioners import bp
from app.commissioners.forms import SearchForm, legal_form_choices
from app.domain.bands import BandError
from app.domain.policy import ContractType, LocalAreaDefinition
from app.domain.providers import LegalForm
from app.extensions import db
from app.geo.factory import boundary_index
from app.models import Council, ServiceCategory
from app.models.base import utcnow
from app.services import overview
from app.services.locality import local_area_for
from app.services.policy import bands_in_force
from app.services.search import Criteria
from app.services.search import search as run_search


@bp.route("/")
def index() -> str:
    """The council's spend bands in force today and how many verified providers are local."""
    council = current_user.council
    today = utcnow().date()
    bands = bands_in_force(db.session, council, today) if council else []
    light_touch = bands_in_force(db.session, council, today, ContractType.LIGHT_TOUCH) if council else []
    counts = overview.local_provider_counts(db.session, council) if council else None
    return render_template(
        "commissioners/index.html",
        council=council,
        bands=bands,
        light_touch_threshold=light_touch[0].threshold if light_touch else None,
        counts=counts,
        today=today,
    )


@bp.route("/search")
def search() -> tuple[str, int] | str:
    """Who may I buy this from, locally, for £X, and why? The band, its rules, and providers best-first."""
    council = current_user.council
    if council is None:
        abort(404)
    categories = list(db.session.scalars(select(ServiceCategory).order_by(ServiceCategory.name)))
    form = SearchForm(request.args)
    form.category.choices = [SelectChoice("", "Any service"), *[SelectChoice(c.slug, c.name) for c in categories]]
    form.legal_form.choices = legal_form_choices()
    if "value" not in request.args:
        return render_template("commissioners/search.html", form=form, result=None)
    if not form.validate():
        return render_template("commissioners/search.html", form=form, result=None), 400
    today = utcnow().date()
    area = local_area_for(db.session, council, boundary_index(db.session) if _needs_boundaries(council) else None)
    within = float(form.within_km.data) if form.within_km.data and form.within_km.data.strip() else None
    criteria = Criteria(
        estimate=form.estimate(today),
        category=form.category.data or None,
        keywords=form.q.data or None,
        legal_forms=frozenset(LegalForm(v) for v in form.legal_form.data or []),
        social_economy_only=bool(form.social_economy.data),
        sme_only=bool(form.sme.data),
        verified_only=not form.include_unverified.data,
        within_km=within,
        show_excluded=bool(form.show_excluded.data),
    )
    try:
        result = run_search(
            db.session,
            council,
            area,
            criteria,
            today,
            page=request.args.get("page", 1, type=int) or 1,
            per_page=current_app.config["PER_PAGE"],
            boundaries=boundary_index(db.session) if within is not None else None,
        )
    except BandError as exc:
        field = {"start_date": form.start_date, "options": form.options, "years": form.years}.get(
            exc.field or "", form.value
        )
        field.errors = [*field.errors, str(exc)]
        return render_template("commissioners/search.html", form=form, result=None), 400
    query = request.args.to_dict(flat=False)
    query.pop("page", None)
    return render_template("commissioners/search.html", form=form, result=result, query=query)


def _needs_boundaries(council: Council) -> bool:
    return council.local_area_definition == LocalAreaDefinition.WITH_BORDERING
