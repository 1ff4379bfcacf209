"""What every template gets: the council's name and contacts, the navigation, the nonce, and the filters that word
values the same way on every page (each rule lives in app/domain/wording.py)."""

from __future__ import annotations

from typing import Any

from flask import Flask, request
from flask_login import current_user

from app.domain import paging, wording
from app.domain.policy import format_pence
from app.domain.providers import address_text
from app.web.council import users_council
from app.web.headers import csp_nonce
from app.web.navigation import navigation_for


def init_app(app: Flask) -> None:
    """Register the layout's context processor and the template filters."""

    @app.context_processor
    def _layout_context() -> dict[str, Any]:
        council = users_council()
        role = current_user.role if current_user.is_authenticated else None
        return {
            "council_name": council.name if council else app.config["COUNCIL_NAME"],
            "feedback_email": app.config["FEEDBACK_EMAIL"],
            "accessibility_email": app.config["ACCESSIBILITY_EMAIL"],
            "privacy_email": app.config["PRIVACY_EMAIL"],
            "nav_items": navigation_for(role, request.endpoint),
            "csp_nonce": csp_nonce,
        }

    # How values read on every page: one home for each rule, in app/domain/wording.py.
    app.add_template_filter(format_pence, "pounds")
    app.add_template_filter(wording.govuk_date, "govuk_date")
    app.add_template_filter(wording.govuk_datetime, "govuk_datetime")
    app.add_template_filter(lambda fact: wording.fact_text(fact.kind, fact.value), "fact_value")
    app.add_template_filter(wording.geocoder_name, "geocoder_name")
    app.add_template_filter(wording.identifier_label, "identifier_label")
    app.add_template_filter(wording.split_org_id, "split_org_id")
    app.add_template_filter(wording.yes_no, "yes_no")
    app.add_template_filter(lambda site: address_text(site.address, site.town, site.postcode), "address_text")
    app.add_template_filter(wording.sentence_case, "sentence_case")
    app.add_template_filter(wording.in_sentence, "in_sentence")
    # Which page links a pager offers, and a count that may have stopped at its cap (app/domain/paging.py).
    app.add_template_global(paging.pager_items, "pager_items")
    app.add_template_global(paging.count_words, "count_words")
