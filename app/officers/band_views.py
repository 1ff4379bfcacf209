"""Views for officers changing their council's spend bands; routes on the officers blueprint."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from flask import abort, flash, redirect, render_template, url_for
from werkzeug.wrappers import Response

from app.extensions import db
from app.models import Council, SpendBand
from app.models.base import utcnow
from app.officers import bp
from app.officers.band_forms import AddBandForm, BandForm, ChangeBandForm, RetireBandForm
from app.services import band_config
from app.services.band_config import BandConfigError
from app.web.council import users_council
from app.web.sessions import signed_in_user


def _today() -> date:
    return utcnow().date()


def _council_or_404() -> Council:
    """The officer's own council; officers always have one, but an admin's may only be the deployment's."""
    council = users_council()
    if council is None:
        abort(404)
    return council  # type: ignore[no-any-return]


def _band_or_404(council: Council, band_id: int) -> SpendBand:
    row = band_config.current_row(db.session, council, band_id)
    if row is None:
        abort(404)
    return row


def _back_to_bands() -> Response:
    return redirect(url_for("officers.spend_bands"))


def _ended(band: SpendBand) -> Response | None:
    """Back to the bands, saying why, when this version of the band has already ended: only the current one changes."""
    if band.effective_to is None:
        return None
    flash(band_config.NOT_CURRENT, "error")
    return _back_to_bands()


def _band_page(
    template: str,
    form: BandForm,
    council: Council,
    save: Callable[[], SpendBand],
    done: str,
    band: SpendBand | None = None,
) -> Response | tuple[str, int]:
    """The add and change pages: on a valid POST, ``save`` and go back to the bands saying the band is ``done`` from
    its date; a refusal shows at the question it names (else where the band starts), with status 400."""
    if form.validate_on_submit():
        try:
            row = save()
        except BandConfigError as exc:
            db.session.rollback()
            form.attach(exc.field, str(exc), "lower_kind")
        else:
            message = f"{row.label} is {done} from {row.effective_from:%-d %B %Y}"
            db.session.commit()
            flash(message, "success")
            return _back_to_bands()
    status = 400 if form.is_submitted() else 200
    return render_template(template, form=form, council=council, band=band), status


@bp.route("/spend-bands")
def spend_bands() -> str:
    """The council's bands in force today, what is wrong with them, and every past and coming version."""
    council = _council_or_404()
    return render_template(
        "officers/bands.html", council=council, register=band_config.band_register(db.session, council, _today())
    )


@bp.route("/spend-bands/new", methods=["GET", "POST"])
def add_spend_band() -> Response | tuple[str, int]:
    """Add a band to the council's set from a date."""
    council = _council_or_404()
    form = AddBandForm()
    return _band_page(
        "officers/bands_new.html",
        form,
        council,
        lambda: band_config.add_band(
            db.session,
            signed_in_user(),
            council,
            form.values(),
            _today(),
            effective_from=form.effective_from.data,
            adjust_adjoining=form.adjust_adjoining.data,
        ),
        "added",
    )


@bp.route("/spend-bands/<int:band_id>/change", methods=["GET", "POST"])
def change_spend_band(band_id: int) -> Response | tuple[str, int]:
    """Change a band from a date: the band as it was stays on record up to the day before."""
    council = _council_or_404()
    band = _band_or_404(council, band_id)
    if (ended := _ended(band)) is not None:
        return ended
    form = ChangeBandForm()
    if not form.is_submitted():
        form.fill_from(band)
    return _band_page(
        "officers/bands_change.html",
        form,
        council,
        lambda: band_config.change_band(
            db.session,
            signed_in_user(),
            band,
            form.values(),
            form.effective_from.data,
            _today(),
            adjust_adjoining=form.adjust_adjoining.data,
        ),
        "changed",
        band,
    )


@bp.route("/spend-bands/<int:band_id>/retire", methods=["GET", "POST"])
def retire_spend_band(band_id: int) -> Response | tuple[str, int]:
    """End a band from a date; it stays on record for the dates it applied."""
    council = _council_or_404()
    band = _band_or_404(council, band_id)
    if (ended := _ended(band)) is not None:
        return ended
    form = RetireBandForm()
    if form.validate_on_submit():
        try:
            band_config.retire_band(
                db.session,
                signed_in_user(),
                band,
                form.effective_to.data,
                today=_today(),
                adjust_adjoining=form.adjust_adjoining.data,
            )
        except BandConfigError as exc:
            db.session.rollback()
            errors = form.effective_to.errors
            form.effective_to.errors = [*errors, str(exc)]
        else:
            message = f"{band.label} stops applying from {form.effective_to.data:%-d %B %Y}"
            db.session.commit()
            flash(message, "success")
            return _back_to_bands()
    status = 400 if form.is_submitted() else 200
    return render_template("officers/bands_retire.html", form=form, council=council, band=band), status
