"""Views for council staff who buy services."""

from __future__ import annotations

from flask import abort, render_template, request
from flask_login import current_user

from app.commissioners import bp, shortlist
from app.commissioners.searching import render_search, search_form, search_form_markup, search_from
from app.domain.policy import ContractType
from app.domain.records import selected_text
from app.extensions import db
from app.models.base import utcnow
from app.services import overview
from app.services.policy import bands_as_entered, bands_in_force
from app.web.caching import kept_for_register_version


@bp.context_processor
def _shortlist_words() -> dict[str, object]:
    return {"selected_text": selected_text}


@bp.route("/")
def index() -> str:
    """The council's spend bands in force today and how many verified providers are local."""
    council = current_user.council
    today = utcnow().date()
    bands = bands_as_entered(db.session, council, today) if council else None
    light_touch = bands_in_force(db.session, council, today, ContractType.LIGHT_TOUCH) if council else []
    counts = (
        kept_for_register_version(
            f"local provider counts of council {council.id}",
            lambda: overview.local_provider_counts(db.session, council),
        )
        if council
        else None
    )
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
    if "value" not in request.args:
        form = search_form(request.args)
        return render_template(
            "commissioners/search.html",
            form=form,
            result=None,
            search_form_markup=search_form_markup(form, request.args),
        )
    run = search_from(request.args, council, shortlist.chosen(council))
    return render_search(run, 200 if run.result is not None else 400)
