"""`flask registers ...`: load the public registers' bulk files, look a number up, match names against them.

The command line contract (scripts depend on it): ``load`` exits 0 when the release loaded; ``lookup NUMBER
[--json]`` prints the active record for a company, charity or society number; ``match NAME... [--file FILE]
[--postcode PC] [--json]`` prints, with ``--json``, a list with each name's ``name`` and ``candidates`` (best first,
each with ``number``, ``name`` and ``score``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from app.cli.common import CLI_ACTOR
from app.cli.progress import progress_bar
from app.domain.ownership import PSC_LABEL, PSC_REGISTER
from app.domain.registers import Register, RegisterFileError
from app.extensions import db
from app.models import RegisterRelease
from app.models.base import utcnow
from app.services import audit
from app.services.councils import council_by_code
from app.services.locality import council_area
from app.services.ownership import load_psc, purge_superseded_psc
from app.services.register_checks import NothingToCheckAgainst, check_providers
from app.services.registers import RegisterEntry, load_register, lookup, match_names, purge_superseded

registers = AppGroup("registers", help="The public registers: Companies House, charities and mutuals, offline.")


@contextmanager
def _loading(words: str) -> Iterator[Callable[[int, float], None]]:
    """A load's progress bar, and its RegisterFileError said as the command's error (the transaction rolled back)."""
    with progress_bar(words, unit="organisations") as bar:

        def progress(rows: int, share: float) -> None:
            bar.update(rows, fraction=share)

        try:
            yield progress
        except RegisterFileError as error:
            db.session.rollback()
            raise click.ClickException(str(error)) from error


def _switch_to(release: RegisterRelease, register: str, replaced: list[str], purge: Callable[[], int]) -> None:
    """Record the new release and commit, when readers switch to it all at once; then purge the ones it replaced."""
    audit.record(
        db.session,
        CLI_ACTOR,
        "register_release.activated",
        "register_release",
        release.id,
        {"register": register, "name": release.name, "rows": release.row_count, "replaced": replaced},
    )
    db.session.commit()
    purge()
    db.session.commit()


def _organisations(count: int) -> str:
    return f"{count:,} organisation{'' if count == 1 else 's'}"


def _echo_counts(heading: str, counted: object, each: str) -> None:
    """One line of a load's summary: a count per kept kind of thing ("By status: Active 25; Dissolved 1"), if any."""
    if isinstance(counted, dict) and counted:
        click.echo(f"  {heading}: " + "; ".join(each.format(what, count) for what, count in counted.items()))


@registers.command("load")
@click.argument("register", type=click.Choice([*(r.value for r in Register), PSC_REGISTER]))
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False))
@click.option("--name", help="What to call this release, e.g. 'BasicCompanyData December 2026'.")
@click.option(
    "--published-on",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="The date the register's data is as of (default: the date in the file's name, or the extract's, or today).",
)
def load_command(register: str, paths: tuple[Path, ...], name: str | None, published_on: object) -> None:
    """Load a register's bulk files (Companies House's BasicCompanyData zip or CSVs, the Charity Commission's
    extract tables, the FCA mutuals register, or Companies House's PSC snapshot as "psc") as a new release and
    switch to it."""
    as_of = published_on.date() if hasattr(published_on, "date") else None  # type: ignore[union-attr]
    if register == PSC_REGISTER:
        _load_psc(list(paths), name, as_of)
        return
    chosen = Register(register)
    with _loading(f"Loading {chosen.label}") as progress:
        result = load_register(
            db.session, chosen, list(paths), date.today(), name=name, published_on=as_of, progress=progress
        )
    release = result.release
    if not result.created:
        click.echo(f"{release.name} is already the active release of {chosen.label}: nothing changed.")
        return
    _switch_to(release, chosen.value, result.replaced, lambda: purge_superseded(db.session, chosen))
    counts = release.counts
    click.echo(
        f"Loaded {_organisations(release.row_count)} from {chosen.label} as of {release.published_on:%-d %B %Y} "
        f"in {release.seconds_to_load or 0:.1f}s."
    )
    _echo_counts("By status", counts.get("statuses"), "{} {:,}")
    _echo_counts(
        "Company categories this register does not know (their legal form is shown as not known)",
        counts.get("unknown_categories"),
        "{} ({:,})",
    )
    _echo_counts("Left out", counts.get("left_out"), "{}: {:,}")
    if result.replaced:
        click.echo(f"  Replaced {', '.join(result.replaced)}.")


def _load_psc(paths: list[Path], name: str | None, as_of: date | None) -> None:
    """``load psc``: the PSC snapshot is no register of organisations (app.domain.ownership.PSC_REGISTER says why),
    so it has its own loader; the release, progress and summary are the same as the others'."""
    with _loading("Loading the PSC register") as progress:
        result = load_psc(db.session, paths, date.today(), name=name, published_on=as_of, progress=progress)
    release = result.release
    if not result.created:
        click.echo(f"{release.name} is already the active release of {PSC_LABEL}: nothing changed.")
        return
    _switch_to(release, PSC_REGISTER, result.replaced, lambda: purge_superseded_psc(db.session))
    counts = release.counts
    companies = counts.get("companies") if isinstance(counts.get("companies"), int) else 0
    click.echo(
        f"Loaded {_organisations(release.row_count)} with significant control, from the records of "
        f"{companies:,} compan{'y' if companies == 1 else 'ies'} in {PSC_LABEL} as of "
        f"{release.published_on:%-d %B %Y}, in {release.seconds_to_load or 0:.1f}s."
    )
    _echo_counts("Records", counts.get("records"), "{} {:,}")
    _echo_counts(
        "Kinds of record this loader does not know (counted, not kept)", counts.get("unknown_kinds"), "{} ({:,})"
    )
    if result.replaced:
        click.echo(f"  Replaced {', '.join(result.replaced)}.")


def _entry_lines(entry: RegisterEntry) -> list[str]:
    lines = [
        f"{entry.name} ({entry.org_id})",
        f"  Register:     {entry.basis}",
        f"  Status:       {entry.status or 'not given'}"
        + (f" since {entry.ended_on:%-d %B %Y}" if entry.ended_on else ""),
        f"  Kind:         {entry.kind or 'not given'} (legal form: {entry.legal_form.label})",
    ]
    if entry.address or entry.postcode:
        lines.append(f"  Address:      {', '.join(p for p in (entry.address, entry.postcode or '') if p)}")
    if entry.started_on:
        lines.append(f"  Registered:   {entry.started_on:%-d %B %Y}")
    for sic in entry.sic:
        lines.append(f"  SIC:          {sic}")
    if entry.company_number and entry.register != Register.COMPANIES_HOUSE:
        lines.append(f"  Company:      {entry.company_number} at Companies House")
    return lines


@registers.command("lookup")
@click.argument("number")
@click.option("--json", "as_json", is_flag=True, help="Print the records as JSON.")
def lookup_command(number: str, as_json: bool) -> None:
    """The active registers' record for a company, charity or society NUMBER (or an org-id); exits 1 when no loaded
    register has it."""
    entries = lookup(db.session, number)
    if as_json:
        click.echo(json.dumps([entry.as_dict() for entry in entries], indent=2))
    elif not entries:
        click.echo(f"No loaded register has {number.strip()}.", err=True)
    for entry in [] if as_json else entries:
        click.echo("\n".join(_entry_lines(entry)))
    if not entries:
        raise SystemExit(1)


@registers.command("match")
@click.argument("names", nargs=-1)
@click.option(
    "--file",
    "from_file",
    type=click.File("r", encoding="utf-8-sig"),
    help="Names to match, one a line ('-' for standard input).",
)
@click.option("--postcode", help="Rank organisations at this postcode first.")
@click.option("--limit", default=5, show_default=True, help="Candidates a name, at most.")
@click.option("--json", "as_json", is_flag=True, help="Print a list of {name, candidates} as JSON.")
def match_command(
    names: tuple[str, ...], from_file: click.utils.LazyFile | None, postcode: str | None, limit: int, as_json: bool
) -> None:
    """Match payee or supplier NAMES, as councils' files write them, against the loaded registers."""
    wanted = list(names)
    if from_file is not None:
        wanted += [line.strip() for line in from_file if line.strip()]
    if not wanted:
        raise click.UsageError("Give a name to match, or --file with names one a line.")
    matches = match_names(db.session, wanted, postcode=postcode, limit=max(limit, 1))
    if as_json:
        click.echo(json.dumps([m.as_dict() for m in matches], indent=2))
        return
    for match in matches:
        click.echo(match.name)
        if not match.candidates:
            click.echo("  no candidate on the loaded registers")
        for candidate in match.candidates:
            entry = candidate.entry
            click.echo(
                f"  {candidate.score:5.1f}  {entry.name} ({entry.org_id}, {entry.status or 'status not given'}"
                f"{', ' + entry.postcode if entry.postcode else ''}): {candidate.how}"
            )


@registers.command("check")
def check_command() -> None:
    """Compare every provider's numbers with the loaded registers and put what changed in the officers' queue
    (dissolved or removed, no longer on the register, a new registered name, office or legal form). Safe to run
    every night after the registers are loaded (see docs/deployment.md)."""
    council = council_by_code(db.session, current_app.config["COUNCIL_CODE"])
    area = council_area(db.session, council) if council is not None else None
    with progress_bar("Checking providers against the registers", unit="providers") as bar:

        def progress(done: int, total: int) -> None:
            bar.update(done, total)

        try:
            report = check_providers(db.session, area, CLI_ACTOR, utcnow(), progress)
        except NothingToCheckAgainst as error:
            raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(
        f"Checked {_count(report.numbers, 'number')} of {_count(report.providers, 'provider')} against "
        f"{'; '.join(report.registers)}."
    )
    if not report.flagged:
        click.echo("Nothing new for an officer to look at.")
        return
    click.echo(f"{_count(report.flagged_count, 'provider')} in the officers' queue with something new to look at:")
    for provider_id, name, findings in report.flagged:
        click.echo(f"  {name} (#{provider_id}): {'; '.join(findings)}")


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"
