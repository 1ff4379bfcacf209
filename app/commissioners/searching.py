"""Running the commissioner's search from request parameters: one path for the search page and the shortlist."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from flask import current_app, get_template_attribute, render_template
from markupsafe import Markup
from sqlalchemy import select
from werkzeug.datastructures import MultiDict
from wtforms.fields import SelectChoice

from app.commissioners.forms import SearchForm, legal_form_choices
from app.commissioners.record_forms import ShortlistForm
from app.domain.bands import BandError
from app.domain.locality import LocalArea
from app.domain.providers import LegalForm
from app.extensions import db
from app.geo.factory import boundary_index
from app.models import Council, ServiceCategory
from app.models.base import utcnow
from app.services.search import Criteria, SearchResult, Selected
from app.services.search import search as run_search
from app.services.search import selected as selected_providers
from app.web.caching import kept_for_register_version
from app.web.council import council_local_area


def search_form_choices() -> list[SelectChoice]:
    """The service categories to choose from, 'Any service' first (kept until the register changes)."""

    def categories() -> tuple[tuple[str, str], ...]:
        rows = db.session.execute(select(ServiceCategory.slug, ServiceCategory.name).order_by(ServiceCategory.name))
        return tuple((slug, name) for slug, name in rows)

    return [
        SelectChoice("", "Any service"),
        *[SelectChoice(slug, name) for slug, name in kept_for_register_version("search categories", categories)],
    ]


#: Search forms kept, rendered for their parameters.
_FORMS_KEPT = 256


def search_form_markup(form: SearchForm, params: MultiDict[str, str]) -> Markup:
    """The search form's markup (templates/commissioners/_search_form.html). A form without errors is kept in the
    process for the same parameters (the page number aside), the same day and the same version of the register
    (its service categories): paging through results, or adding to a shortlist, renders the form once. A form with
    errors is rendered afresh."""

    def render() -> Markup:
        markup: Markup = get_template_attribute("commissioners/_search_form.html", "search_form")(form, params)
        return markup

    if any(field.errors for field in form):
        return render()
    asked = tuple(sorted((name, value) for name, value in params.items(multi=True) if name != "page"))
    return kept_for_register_version("search form", render, key=(utcnow().date(), asked), most=_FORMS_KEPT)


def search_form(params: MultiDict[str, str]) -> SearchForm:
    """The search form over ``params``, with the service categories and legal forms to choose from."""
    form = SearchForm(params)
    form.category.choices = search_form_choices()
    form.legal_form.choices = legal_form_choices()
    return form


@dataclass
class SearchRun:
    """A search built from request parameters: the form (with any errors), and the result when it ran."""

    form: SearchForm
    params: MultiDict[str, str]
    criteria: Criteria | None = None
    result: SearchResult | None = None
    query: dict[str, list[str]] = field(default_factory=dict)
    # The shortlist in the making, checked against this search's band (when the search ran).
    selected: Selected | None = None
    council: Council | None = None
    area: LocalArea | None = None

    def check(self, provider_ids: Sequence[int]) -> Selected:
        """``provider_ids`` under this search's band and rules: who may be shortlisted, who may not."""
        if self.criteria is None or self.council is None or self.area is None:
            return Selected([], [])
        # Distances are shown (and kept in the record) when the commissioner asked for them.
        boundaries = boundary_index(db.session) if self.criteria.within_km is not None else None
        return selected_providers(
            db.session, self.council, self.area, self.criteria, utcnow().date(), provider_ids, boundaries=boundaries
        )


def search_from(params: MultiDict[str, str], council: Council, chosen: Sequence[int] = ()) -> SearchRun:
    """Validate the search parameters and run the search, and check the ``chosen`` providers against it.
    The search page and the shortlist both call this, so a shortlist is checked against a search the
    server ran, never against what the browser says."""
    form = search_form(params)
    query = {key: values for key, values in params.to_dict(flat=False).items() if key != "page"}
    run = SearchRun(form, params, query=query)
    if not form.validate():
        return run
    today = utcnow().date()
    area = council_local_area(council)
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
        run.result = run_search(
            db.session,
            council,
            area,
            criteria,
            today,
            page=params.get("page", 1, type=int) or 1,
            per_page=current_app.config["PER_PAGE"],
            boundaries=boundary_index(db.session) if within is not None else None,
        )
    except BandError as exc:
        where = {"start_date": form.start_date, "options": form.options, "years": form.years}.get(
            exc.field or "", form.value
        )
        where.errors = [*where.errors, str(exc)]
        return run
    run.criteria, run.council, run.area = criteria, council, area
    run.selected = run.check(chosen)
    return run


def render_search(
    run: SearchRun, status: int, shortlist: ShortlistForm | None = None, selection_error: str | None = None
) -> tuple[str, int]:
    """The search page for a run: its form, its results when it ran, and the shortlist in the making (with the
    shortlist's own error, when choosing from it failed)."""
    page = render_template(
        "commissioners/search.html",
        search_form_markup=search_form_markup(run.form, run.params),
        form=run.form,
        result=run.result,
        query=run.query,
        selected=run.selected,
        shortlist_form=shortlist or ShortlistForm(formdata=None),
        search_params=run.params,
        selection_error=selection_error,
    )
    return page, status
