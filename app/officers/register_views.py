"""The public registers for officers: the releases loaded, and the check of every provider against them, started
as a job with a progress bar (``flask registers check`` runs the same check from the command line)."""

from __future__ import annotations

from flask import flash, jsonify, redirect, render_template, url_for
from werkzeug.wrappers import Response

from app.domain.ownership import PSC_LABEL
from app.domain.registers import Register, register_name
from app.extensions import db
from app.jobs import register_checks as check_jobs
from app.models import RegisterCheckRun
from app.officers import bp
from app.officers.forms import StartRegisterCheckForm
from app.services.audit import Actor
from app.services.ownership import active_psc_release
from app.services.registers import active_releases
from app.web.sessions import signed_in_user


def _render(form: StartRegisterCheckForm, status: int = 200) -> tuple[str, int]:
    run = check_jobs.latest_run(db.session)
    if run is not None:
        check_jobs.notice_lost_job(run)
    releases = active_releases(db.session)
    return (
        render_template(
            "officers/registers.html",
            form=form,
            releases=[
                *((register_name(register), releases.get(register)) for register in Register),
                # Its organisations are the companies and bodies that control companies (people are not kept).
                (PSC_LABEL[0].upper() + PSC_LABEL[1:], active_psc_release(db.session)),
            ],
            run=run,
            progress=check_jobs.progress_of(run) if run is not None else None,
        ),
        status,
    )


@bp.route("/registers")
def registers() -> tuple[str, int]:
    """The registers loaded and the latest check."""
    return _render(StartRegisterCheckForm(formdata=None))


@bp.route("/registers/check", methods=["POST"])
def start_register_check() -> Response | tuple[str, int]:
    """Start the check of every provider against the loaded registers."""
    form = StartRegisterCheckForm()
    if not form.validate_on_submit():
        return _render(form, 400)
    if not active_releases(db.session) and active_psc_release(db.session) is None:
        flash("No public register is loaded yet, so there is nothing to check against", "info")
        return redirect(url_for("officers.registers"))
    try:
        check_jobs.submit(Actor.of(signed_in_user()))
    except check_jobs.CheckRefused as refused:
        flash(str(refused), "info")
    return redirect(url_for("officers.registers"))


@bp.route("/registers/checks/<int:run_id>/progress.json")
def register_check_progress(run_id: int) -> Response:
    """How far a check is, for the registers page to poll (the shape app/import-progress.js reads)."""
    run = db.get_or_404(RegisterCheckRun, run_id)
    stopped = check_jobs.job_is_lost(run)
    return jsonify(
        {
            "status": run.status,
            "running": run.status == check_jobs.RUNNING and not stopped,
            "stopped": stopped,
            **check_jobs.progress_of(run),
        }
    )
