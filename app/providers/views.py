"""Views for people who run an organisation: registering it, keeping it current, inviting colleagues."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms.fields import SelectChoice

from app.domain.policy import AreaKind, format_pence
from app.domain.postcodes import try_normalise_postcode
from app.domain.providers import FactKind, IdentifierError, LegalForm, ProviderStatus, SiteKind, org_id
from app.domain.registers import REGISTER_OF_SCHEME
from app.domain.registration import (
    CHARITY_SCHEMES,
    EDITABLE_STATUSES,
    SENDABLE_STATUSES,
    NumberAnswers,
    Question,
    check_numbers,
    next_question,
    numbers_asked_for,
    previous_question,
    ready_to_submit,
    task_list,
)
from app.domain.text import plain_int
from app.extensions import db
from app.geo.factory import build_placer
from app.geo.placement import PlacementResult, SitePlacer
from app.jobs.mail import deliver_outbox
from app.models import Area, Provider, ServiceCategory, Site
from app.models.base import utcnow
from app.providers import bp
from app.providers.forms import (
    AreasServedForm,
    ContactForm,
    InviteForm,
    JoinRequestForm,
    LegalFormForm,
    OrganisationNameForm,
    OwnershipForm,
    PremisesAddressForm,
    PremisesPostcodeForm,
    RegisterDetailsForm,
    RegistrationNumbersForm,
    RemovePremisesForm,
    ServicesForm,
    SizeForm,
    SubmitRegistrationForm,
)
from app.services import membership, registration
from app.services.locality import area_names_for
from app.services.register_lookup import NumberLookup, look_up_numbers
from app.services.registration import NOT_KNOWN, DuplicateIdentifier, RegistrationError
from app.services.verification import members_of, reviews_of
from app.web.companies_house import companies_house_api
from app.web.council import home_council, provider_place
from app.web.sessions import signed_in_user
from app.web.urls import absolute_url

OWNERSHIP_FACTS = {
    "asset_lock": FactKind.ASSET_LOCK,
    "dividend_cap": FactKind.DIVIDEND_CAP,
    "member_owned": FactKind.MEMBER_OWNED,
    "employee_owned": FactKind.EMPLOYEE_OWNED,
    "community_owned": FactKind.COMMUNITY_OWNED,
    "ultimate_parent": FactKind.ULTIMATE_PARENT,
    "parent_country": FactKind.PARENT_COUNTRY,
}
SIZE_FACTS = {
    "staff_count": FactKind.STAFF_COUNT,
    "turnover": FactKind.TURNOVER,
    "local_staff_share": FactKind.LOCAL_STAFF_SHARE,
    "real_living_wage": FactKind.REAL_LIVING_WAGE,
    "social_enterprise_mark": FactKind.SOCIAL_ENTERPRISE_MARK,
}
# Pages that need no confirmed email address, so a new account can still find its way.
OPEN_BEFORE_CONFIRMING = {"providers.index", "providers.confirm_your_email"}
# The page that asks each question (the order itself is the domain's QUESTION_ORDER).
QUESTION_PAGES = {
    Question.NAME: "providers.organisation_name",
    Question.LEGAL_FORM: "providers.legal_form",
    Question.REGISTRATION_NUMBERS: "providers.registration_numbers",
    Question.PREMISES: "providers.premises",
    Question.AREAS_SERVED: "providers.areas_served",
    Question.SERVICES: "providers.services",
    Question.OWNERSHIP: "providers.ownership",
    Question.SIZE_AND_FAIR_WORK: "providers.size_and_fair_work",
    Question.CONTACT_DETAILS: "providers.contact_details",
    Question.CHECK_YOUR_ANSWERS: "providers.check_your_answers",
}


@bp.before_request
def _require_confirmed_email() -> Response | None:
    unconfirmed = current_user.is_authenticated and current_user.email_confirmed_at is None
    if unconfirmed and request.endpoint not in OPEN_BEFORE_CONFIRMING:
        return redirect(url_for("providers.confirm_your_email"))
    return None


def _provider() -> Provider:
    """The signed-in user's organisation; a user with none starts by naming it."""
    provider = signed_in_user().provider
    if provider is None:
        abort(404)
    if provider.status not in EDITABLE_STATUSES:
        abort(403)
    return provider


def _page(template: str, form: Any, **context: Any) -> tuple[str, int]:
    status = 400 if request.method == "POST" else 200
    return render_template(template, form=form, **context), status


def _changing() -> bool:
    """Whether the page was reached from 'check your answers' to change an answer."""
    return request.args.get("from") == "check"


def _from() -> dict[str, str]:
    """The query argument that keeps 'changing an answer' on the next page's URL."""
    return {"from": "check"} if _changing() else {}


def _legal_form(provider: Provider | None) -> LegalForm | None:
    return None if provider is None or provider.legal_form == LegalForm.UNKNOWN else provider.legal_form


def _question_url(question: Question, provider: Provider | None) -> str:
    if question == Question.PREMISES and provider is not None and not provider.sites:
        return url_for("providers.add_premises")
    return url_for(QUESTION_PAGES[question])


def _next_url(question: Question, provider: Provider | None) -> str:
    """Where "Save and continue" goes: the next question, or back to 'check your answers' when changing one."""
    if _changing():
        return url_for("providers.check_your_answers")
    following = next_question(question, _legal_form(provider))
    return _question_url(following, provider) if following else url_for("providers.index")


def _back_url(question: Question, provider: Provider | None) -> str:
    """Where "Back" goes: the previous question, or 'check your answers' when changing an answer from there."""
    if _changing():
        return url_for("providers.check_your_answers")
    previous = previous_question(question, _legal_form(provider))
    return _question_url(previous, provider) if previous else url_for("providers.index")


def _saved(message: str = "Your answers have been saved") -> None:
    db.session.commit()
    flash(message, "success")


def _question_page(question: Question, form: Any, provider: Provider | None, **context: Any) -> tuple[str, int]:
    """A question's page: the template named after the page's endpoint, and "Back" to the question before it."""
    template = QUESTION_PAGES[question].replace(".", "/", 1) + ".html"
    return _page(template, form, provider=provider, back_url=_back_url(question, provider), **context)


def _save_and_continue(question: Question, provider: Provider | None) -> Response:
    """Commit the answers and go on to the next question (or back to 'check your answers')."""
    _saved()
    return redirect(_next_url(question, provider))


@bp.route("/")
def index() -> str:
    """The organisation's status, what to do next, and every section with its state."""
    user = signed_in_user()
    provider = user.provider
    if user.email_confirmed_at is None:
        return render_template("providers/confirm_your_email.html")
    if provider is None:
        return render_template("providers/start.html")
    snapshot = registration.snapshot(provider)
    reviews = reviews_of(db.session, provider)
    return render_template(
        "providers/index.html",
        provider=provider,
        **provider_place(provider, public=False),
        tasks=task_list(snapshot),
        ready=ready_to_submit(snapshot),
        editable=provider.status in EDITABLE_STATUSES,
        sendable=provider.status in SENDABLE_STATUSES,
        last_review=reviews[0] if reviews else None,
    )


@bp.route("/confirm-your-email")
def confirm_your_email() -> str:
    """Ask the new account to confirm its email address first."""
    return render_template("providers/confirm_your_email.html")


@bp.route("/organisation/name", methods=["GET", "POST"])
def organisation_name() -> Response | tuple[str, int]:
    """The first question: the organisation's name (this creates the draft)."""
    user = signed_in_user()
    provider = user.provider
    form = OrganisationNameForm(obj=provider)
    if form.validate_on_submit():
        try:
            if provider is None:
                registration.start_registration(db.session, user, form.name.data or "", form.trading_name.data)
            else:
                registration.update_names(db.session, user, _provider(), form.name.data or "", form.trading_name.data)
        except RegistrationError as exc:
            db.session.rollback()
            form.name.errors = [*form.name.errors, str(exc)]
        else:
            return _save_and_continue(Question.NAME, signed_in_user().provider)
    return _question_page(Question.NAME, form, provider)


@bp.route("/organisation/legal-form", methods=["GET", "POST"])
def legal_form() -> Response | tuple[str, int]:
    """What type of organisation it is."""
    provider = _provider()
    form = LegalFormForm(
        data={"legal_form": None if provider.legal_form == LegalForm.UNKNOWN else provider.legal_form.value}
    )
    if form.validate_on_submit():
        registration.set_legal_form(db.session, signed_in_user(), provider, LegalForm(form.legal_form.data))
        _saved()
        if numbers_asked_for(provider.legal_form):  # a changed legal form may need its numbers, even when changing
            return redirect(url_for("providers.registration_numbers", **_from()))
        return redirect(_next_url(Question.LEGAL_FORM, provider))
    return _question_page(Question.LEGAL_FORM, form, provider, forms=[f for f in LegalForm if f != LegalForm.UNKNOWN])


@bp.route("/organisation/registration-numbers", methods=["GET", "POST"])
def registration_numbers() -> Response | tuple[str, int]:
    """The registration numbers this legal form has (asked for by legal form, checked by format)."""
    provider = _provider()
    asked = numbers_asked_for(provider.legal_form)
    if not asked:
        return redirect(url_for("providers.index"))
    held = {i.scheme: i.value for i in provider.identifiers}
    charity_scheme = next((s for s in CHARITY_SCHEMES if s in held), None)
    form = RegistrationNumbersForm(
        data={
            "companies_house_number": held.get("GB-COH", ""),
            "mutuals_number": held.get("GB-MPR", ""),
            "charity_regulator": charity_scheme,
            "charity_number": held.get(charity_scheme, "") if charity_scheme else "",
        }
    )
    existing: membership.NumberMatch | None = None
    if form.validate_on_submit():
        checked = check_numbers(
            provider.legal_form,
            NumberAnswers(
                companies_house=form.companies_house_number.data or "",
                mutuals=form.mutuals_number.data or "",
                charity_regulator=form.charity_regulator.data,
                charity_number=form.charity_number.data or "",
            ),
        )
        for question, message in checked.problems.items():
            _field_for(form, question).errors = [message]
        on_registers = {} if checked.problems else _register_lookups(checked.numbers)
        for org_id, found in on_registers.items():
            refusal = found.entry.refusal() if found.entry is not None else None
            if refusal is not None:
                _field_for(form, org_id[: org_id.rfind("-")]).errors = [refusal]
        if not checked.problems and not form.errors:
            try:
                registration.set_identifiers(db.session, signed_in_user(), provider, checked.numbers)
            except DuplicateIdentifier as exc:
                db.session.rollback()
                existing = membership.held_number(db.session, exc.org_id)
                _field_for(form, exc.field).errors = [str(exc)]
            except RegistrationError as exc:
                db.session.rollback()
                _field_for(form, exc.field).errors = [str(exc)]
            else:
                if on_registers:  # a loaded register has something to say about the numbers: show it to confirm
                    db.session.commit()
                    return redirect(url_for("providers.register_details", **_from()))
                return _save_and_continue(Question.REGISTRATION_NUMBERS, provider)
    return _question_page(Question.REGISTRATION_NUMBERS, form, provider, asked=asked, existing=existing)


def _register_lookups(numbers: dict[str, str]) -> dict[str, NumberLookup]:
    """The registers' records for the numbers typed ({scheme: number}), by org-id: the loaded releases, and
    Companies House's online service for a company number they lack when the council has a key."""
    org_ids = []
    for scheme, typed in numbers.items():
        if typed.strip() and scheme in REGISTER_OF_SCHEME:
            try:
                org_ids.append(org_id(scheme, typed))
            except IdentifierError:
                continue
    return _looked_up(org_ids)


def _looked_up(org_ids: list[str]) -> dict[str, NumberLookup]:
    found = look_up_numbers(db.session, org_ids, online=companies_house_api(), now=utcnow())
    # Online answers are kept whatever the form does next (an error, a rollback), so asking again is from the cache.
    db.session.commit()
    return found


@bp.route("/organisation/register-details", methods=["GET", "POST"])
def register_details() -> Response | tuple[str, int]:
    """What the public registers say about the numbers given, for the organisation to confirm."""
    provider = _provider()
    found = _looked_up([i.org_id for i in provider.identifiers])
    entries = [f.entry for f in found.values() if f.entry is not None]
    missing = [f.note for f in found.values() if f.entry is None and f.note]
    form = RegisterDetailsForm()
    if not entries:  # nothing to confirm: the page says what the registers lack, and goes on
        del form.confirmed
    if form.validate_on_submit():
        if entries and form.data.get("confirmed") == "no":
            flash("Check the registration number: the register's details for it are not your organisation's", "info")
            return redirect(url_for("providers.registration_numbers", **_from()))
        if entries:
            try:
                registration.confirm_register_details(db.session, signed_in_user(), provider, entries, utcnow())
            except RegistrationError as exc:
                db.session.rollback()
                flash(str(exc), "info")
                return redirect(url_for("providers.registration_numbers", **_from()))
        return _save_and_continue(Question.REGISTRATION_NUMBERS, provider)
    return _page(
        "providers/register_details.html",
        form,
        provider=provider,
        entries=entries,
        missing=missing,
        back_url=url_for("providers.registration_numbers", **_from()),
    )


def _field_for(form: RegistrationNumbersForm, question: str | None) -> Any:
    """The field that asks for a register's number (a charity regulator's, unless named), or the regulator."""
    return {
        "GB-COH": form.companies_house_number,
        "GB-MPR": form.mutuals_number,
        "charity_regulator": form.charity_regulator,
    }.get(question or "", form.charity_number)


@bp.route("/premises")
def premises() -> str:
    """The organisation's premises, each with the council area it is in."""
    provider = _provider()
    names = area_names_for(db.session, [provider])
    return render_template(
        "providers/premises.html",
        provider=provider,
        area_names=names,
        back_url=_back_url(Question.PREMISES, provider),
        next_url=_next_url(Question.PREMISES, provider),
    )


def _premises_back_url(provider: Provider) -> str:
    """Back from adding premises: the list when there are some, else the question before premises."""
    if _changing():
        return url_for("providers.check_your_answers")
    return url_for("providers.premises") if provider.sites else _back_url(Question.PREMISES, provider)


def _kind_arg(value: str | None) -> SiteKind | None:
    return next((k for k in SiteKind if k.value == value), None)


@bp.route("/premises/add", methods=["GET", "POST"])
def add_premises() -> Response | tuple[str, int]:
    """Which kind of premises, and its postcode. Nothing is saved until the address is given."""
    provider = _provider()
    # Coming back from the address page ("Back", "Use a different postcode") keeps what was chosen.
    kind = _kind_arg(request.args.get("kind"))
    form = PremisesPostcodeForm(
        data={"kind": kind.value if kind else None, "postcode": (request.args.get("postcode") or "")[:20]}
    )
    if form.validate_on_submit():
        chosen = SiteKind(form.kind.data)
        try:
            registration.check_site_kind(provider, chosen)
        except RegistrationError as exc:
            form.kind.errors = [str(exc)]
        else:
            return redirect(
                url_for("providers.new_premises_address", kind=chosen.value, postcode=form.postcode.data, **_from())
            )
    return _page("providers/add_premises.html", form, provider=provider, back_url=_premises_back_url(provider))


def _address_answers(form: PremisesAddressForm) -> dict[str, Any]:
    """The address page's answers as the registration service takes them, for new premises and changed ones alike."""
    lines = (form.address_line_1.data or "", form.address_line_2.data or "")
    return {
        "address": "\n".join(p.strip() for p in lines if p.strip()),
        "town": form.town.data,
        "address_public": not form.hidden.data,
    }


def _premises_done_url() -> str:
    """Where saved premises (or "Back" from changing an address) lead: the premises list, or 'check your answers'."""
    return url_for("providers.check_your_answers") if _changing() else url_for("providers.premises")


def _premises_address_page(
    form: PremisesAddressForm, provider: Provider, kind: SiteKind, placed: PlacementResult, **links: str | None
) -> tuple[str, int]:
    """The address page, for new premises or ones already added: where they were placed, and the address asked."""
    return _page(
        "providers/premises_address.html",
        form,
        provider=provider,
        kind=kind,
        placed=placed,
        area_names=area_names_for(db.session, [placed]),
        **links,
    )


def _site_or_404(provider: Provider, site_id: int) -> Site:
    site = registration.site_of(provider, site_id)
    if site is None:
        abort(404)
    return site


@bp.route("/premises/new/address", methods=["GET", "POST"])
def new_premises_address() -> Response | tuple[str, int]:
    """Show the area the postcode is in and ask for the address; the premises are added only when it is given."""
    provider = _provider()
    kind = _kind_arg(request.args.get("kind"))
    postcode = try_normalise_postcode(request.args.get("postcode") or "")
    if kind is None or postcode is None:  # a hand-made URL: ask the question properly
        return redirect(url_for("providers.add_premises", **_from()))
    placer = build_placer(db.session, current_app.config)
    form = PremisesAddressForm()
    if form.validate_on_submit():
        try:
            registration.add_site(
                db.session,
                signed_in_user(),
                provider,
                kind,
                postcode,
                **_address_answers(form),
                placer=placer,
                now=utcnow(),
            )
        except RegistrationError as exc:  # a registered office was added meanwhile, in another tab
            db.session.rollback()
            # The address page again, keeping what was typed, with a way to save it as a trading site instead.
            form.form_errors.append(str(exc))
            return _new_premises_address_page(form, provider, kind, postcode, placer)
        _saved("The premises have been saved")
        return redirect(_premises_done_url())
    return _new_premises_address_page(form, provider, kind, postcode, placer)


def _new_premises_address_page(
    form: PremisesAddressForm, provider: Provider, kind: SiteKind, postcode: str, placer: SitePlacer
) -> tuple[str, int]:
    trading_site_url = (
        url_for("providers.new_premises_address", kind=SiteKind.TRADING_SITE.value, postcode=postcode, **_from())
        if kind == SiteKind.REGISTERED_OFFICE
        else None
    )
    return _premises_address_page(
        form,
        provider,
        kind,
        placer.place(postcode),
        trading_site_url=trading_site_url,
        back_url=url_for("providers.add_premises", kind=kind.value, postcode=postcode, **_from()),
        different_postcode_url=url_for("providers.add_premises", kind=kind.value, **_from()),
    )


@bp.route("/premises/<int:site_id>/address", methods=["GET", "POST"])
def premises_address(site_id: int) -> Response | tuple[str, int]:
    """Change the address of premises already added."""
    provider = _provider()
    site = _site_or_404(provider, site_id)
    lines = (site.address or "").split("\n")
    form = PremisesAddressForm(
        data={
            "address_line_1": lines[0] if lines else "",
            "address_line_2": lines[1] if len(lines) > 1 else "",
            "town": site.town or "",
            "hidden": not site.address_public,
        }
    )
    if form.validate_on_submit():
        registration.update_site_address(
            db.session,
            signed_in_user(),
            provider,
            site,
            **_address_answers(form),
            placer=build_placer(db.session, current_app.config),
            now=utcnow(),
        )
        _saved("The premises have been saved")
        return redirect(_premises_done_url())
    return _premises_address_page(
        form,
        provider,
        site.kind,
        registration.placement_of(site),
        back_url=_premises_done_url(),
        different_postcode_url=None,
    )


@bp.route("/premises/<int:site_id>/remove", methods=["GET", "POST"])
def remove_premises(site_id: int) -> Response | tuple[str, int]:
    """Ask "Are you sure?" before removing premises."""
    provider = _provider()
    site = _site_or_404(provider, site_id)
    form = RemovePremisesForm()
    refusal = registration.site_removal_refusal(provider, site)
    if refusal:  # the page says why and how to move instead of asking
        return _page(
            "providers/remove_premises.html",
            form,
            provider=provider,
            site=site,
            refusal=refusal,
            back_url=url_for("providers.premises"),
        )
    if form.validate_on_submit():
        if form.confirm.data == "yes":
            what = f"{site.kind.label.lower()} at {site.postcode}"
            registration.remove_site(db.session, signed_in_user(), provider, site)
            _saved(f"The {what} has been removed")
        return redirect(url_for("providers.premises"))
    return _page(
        "providers/remove_premises.html", form, provider=provider, site=site, back_url=url_for("providers.premises")
    )


@bp.route("/areas-served", methods=["GET", "POST"])
def areas_served() -> Response | tuple[str, int]:
    """The council areas the organisation works in (separate from where its premises are)."""
    provider = _provider()
    council = home_council()
    region_id = council.district.parent_id if council else None
    districts = (
        list(
            db.session.scalars(
                select(Area).where(Area.kind == AreaKind.DISTRICT, Area.parent_id == region_id).order_by(Area.name)
            )
        )
        if region_id
        else []
    )
    form = AreasServedForm(data={"areas": [a.code for a in provider.areas_served]})
    form.areas.choices = [SelectChoice(a.code, a.name) for a in districts]
    if form.validate_on_submit():
        chosen = [a for a in districts if a.code in set(form.areas.data or [])]
        registration.set_areas_served(db.session, signed_in_user(), provider, chosen)
        return _save_and_continue(Question.AREAS_SERVED, provider)
    return _question_page(Question.AREAS_SERVED, form, provider)


@bp.route("/services", methods=["GET", "POST"])
def services() -> Response | tuple[str, int]:
    """What the organisation does: plain-language services (mapped to CPV codes) and a description."""
    provider = _provider()
    categories = list(db.session.scalars(select(ServiceCategory).order_by(ServiceCategory.name)))
    form = ServicesForm(
        data={"services": [c.slug for c in provider.services], "description": provider.description or ""}
    )
    form.services.choices = [SelectChoice(c.slug, c.name) for c in categories]
    if form.validate_on_submit():
        chosen = [c for c in categories if c.slug in set(form.services.data or [])]
        registration.set_services(db.session, signed_in_user(), provider, chosen, form.description.data or "")
        return _save_and_continue(Question.SERVICES, provider)
    return _question_page(Question.SERVICES, form, provider, categories=categories)


def _fact_data(provider: Provider, fields: dict[str, FactKind]) -> dict[str, str]:
    facts = {f.kind: f for f in provider.facts}
    data = {}
    for name, kind in fields.items():
        fact = facts.get(kind)
        if fact is not None:
            value = NOT_KNOWN if fact.value is None else fact.value
            if kind == FactKind.TURNOVER and (pence := plain_int(fact.value)) is not None:
                value = format_pence(pence)
            data[name] = value
    return data


def _facts_page(
    question: Question, form_class: type[OwnershipForm] | type[SizeForm], fields: dict[str, FactKind]
) -> Response | tuple[str, int]:
    """A page of self-declared facts: each question optional, 'not known' an answer, a blank one removed."""
    provider = _provider()
    form = form_class(data=_fact_data(provider, fields))
    if form.validate_on_submit():
        answers = {kind: getattr(form, name).data or None for name, kind in fields.items()}
        registration.set_facts(db.session, signed_in_user(), provider, answers, utcnow().date())
        return _save_and_continue(question, provider)
    return _question_page(question, form, provider)


@bp.route("/ownership", methods=["GET", "POST"])
def ownership() -> Response | tuple[str, int]:
    """How the organisation is owned. Every question is optional; 'not known' is an answer."""
    return _facts_page(Question.OWNERSHIP, OwnershipForm, OWNERSHIP_FACTS)


@bp.route("/size-and-fair-work", methods=["GET", "POST"])
def size_and_fair_work() -> Response | tuple[str, int]:
    """Size, and fair work: staff, turnover, local staff, Real Living Wage, Social Enterprise Mark."""
    return _facts_page(Question.SIZE_AND_FAIR_WORK, SizeForm, SIZE_FACTS)


@bp.route("/contact-details", methods=["GET", "POST"])
def contact_details() -> Response | tuple[str, int]:
    """How council staff get in touch."""
    provider = _provider()
    form = ContactForm(obj=provider)
    if form.validate_on_submit():
        registration.set_contact(
            db.session,
            signed_in_user(),
            provider,
            contact_name=form.contact_name.data,
            contact_email=form.contact_email.data or "",
            contact_phone=form.contact_phone.data,
            website=form.website.data,
        )
        return _save_and_continue(Question.CONTACT_DETAILS, provider)
    return _question_page(Question.CONTACT_DETAILS, form, provider)


@bp.route("/check-your-answers")
def check_your_answers() -> str:
    """Every answer with a change link, then send for checking."""
    provider = _provider()
    names = area_names_for(db.session, [provider])
    snapshot = registration.snapshot(provider)
    return render_template(
        "providers/check_your_answers.html",
        provider=provider,
        area_names=names,
        tasks=task_list(snapshot),
        ready=ready_to_submit(snapshot),
        sendable=provider.status in SENDABLE_STATUSES,
        form=SubmitRegistrationForm(),
    )


@bp.route("/submit", methods=["POST"])
def submit() -> Response | tuple[str, int]:
    """Send the answers to the council's register team."""
    provider = _provider()
    form = SubmitRegistrationForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        registration.submit(db.session, signed_in_user(), provider, utcnow())
    except RegistrationError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("providers.check_your_answers"))
    db.session.commit()
    return redirect(url_for("providers.submitted"))


@bp.route("/submitted")
def submitted() -> str:
    """Confirmation that the answers were sent."""
    provider = signed_in_user().provider
    if provider is None or provider.status != ProviderStatus.SUBMITTED:
        abort(404)
    return render_template("providers/submitted.html", provider=provider)


@bp.route("/colleagues", methods=["GET", "POST"])
def colleagues() -> Response | tuple[str, int]:
    """Who acts for the organisation, and inviting a colleague by email."""
    provider = _provider()
    form = InviteForm()
    if form.validate_on_submit():
        try:
            membership.invite(
                db.session,
                signed_in_user(),
                provider,
                form.email.data or "",
                utcnow(),
                lambda token: absolute_url("auth.accept_invitation", token=token),
            )
        except membership.MembershipError as exc:
            db.session.rollback()
            form.email.errors = [str(exc)]
        else:
            db.session.commit()
            deliver_outbox()
            flash(f"We have sent an invitation to {form.email.data}", "success")
            return redirect(url_for("providers.colleagues"))
    return _page("providers/colleagues.html", form, provider=provider, members=members_of(db.session, provider))


@bp.route("/join")
def find_to_join() -> str:
    """Find an organisation already on the register, to ask to join or claim it: by name, or by its number."""
    query = (request.args.get("q") or "").strip()[:100]
    found = membership.find_organisations_to_join(db.session, query) if query else None
    return render_template(
        "providers/find_to_join.html",
        query=query,
        found=found,
        too_short=len(query) < membership.NAME_SEARCH_MIN_LENGTH,
    )


def _join_page(target: Provider, match: membership.NumberMatch | None) -> Response | tuple[str, int]:
    form = JoinRequestForm()
    shown = target.name if match is None else f"the organisation with {match.register} number {match.number}"
    if form.validate_on_submit():
        try:
            membership.request_to_join(
                db.session, signed_in_user(), target, form.message.data or "", by_number=match.org_id if match else None
            )
        except membership.MembershipError as exc:
            db.session.rollback()
            form.message.errors = [str(exc)]
        else:
            db.session.commit()
            flash(f"Your request to join {shown} has been sent to the register team", "success")
            return redirect(url_for("providers.index"))
    return _page(
        "providers/ask_to_join.html",
        form,
        provider=target if match is None else None,
        match=match,
        shown=shown,
        back_url=url_for("providers.find_to_join"),
    )


@bp.route("/join/<int:provider_id>", methods=["GET", "POST"])
def ask_to_join(provider_id: int) -> Response | tuple[str, int]:
    """Ask the register team to let you act for a published organisation (to claim it, or join its members)."""
    provider = membership.published_to_join(db.session, provider_id)
    if provider is None:
        abort(404)
    return _join_page(provider, None)


@bp.route("/join/number/<org_id>", methods=["GET", "POST"])
def ask_to_join_by_number(org_id: str) -> Response | tuple[str, int]:
    """Ask to join the organisation holding a registration number, saying nothing else about an unpublished one."""
    match = membership.held_number(db.session, org_id)
    if match is None:
        abort(404)
    if match.provider is not None:
        return redirect(url_for("providers.ask_to_join", provider_id=match.provider.id))
    return _join_page(match.holder, match)
