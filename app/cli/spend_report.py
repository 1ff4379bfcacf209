"""``flask spend report``: where a council's money went in a period, from the command line, through the same report
service as the spend pages (IMPORT's ``spend`` group adds this command)."""

from __future__ import annotations

import json
import textwrap

import click
from flask.cli import with_appcontext
from sqlalchemy import func, select

from app.domain.spend.periods import Period, PeriodError
from app.domain.spend.shares import DIMENSIONS
from app.extensions import db
from app.models import Council
from app.models.geography import Area
from app.services.councils import council_by_code

#: How many categories the text report lists (the JSON has them all).
CATEGORIES_SHOWN = 10


def _council(code: str | None) -> Council:
    """The council with this district code, or the only council there is."""
    if code:
        council = council_by_code(db.session, code.strip().upper())
        if council is None:
            raise click.ClickException(f"No council with district code {code}")
        return council
    councils = list(
        db.session.execute(select(Council, Area.code).join(Area, Council.district_id == Area.id).limit(11)).all()
    )
    if len(councils) == 1:
        only: Council = councils[0][0]
        return only
    if not councils:
        raise click.ClickException("There is no council yet: run 'flask seed' first")
    count = db.session.scalar(select(func.count()).select_from(Council)) or 0
    listed = ", ".join(f"{code} ({council.name})" for council, code in councils[:10])
    raise click.ClickException(f"There are {count} councils: say which with --council, one of {listed}")


def _period(council: Council, start: str | None, end: str | None) -> Period:
    from app.services.spend.report import period_choices

    if start is None and end is None:
        latest = period_choices(db.session, council).default()
        if latest is None:
            raise click.ClickException(
                f"No payments from {council.name} have been imported yet: import a file with 'flask spend import'"
            )
        return latest
    try:
        return Period.from_dates(start, end)
    except PeriodError as error:
        option = {"from": "--from", "to": "--to"}.get(error.field or "", "--from and --to")
        raise click.ClickException(f"{error} ({option})") from error


@click.command("report")
@click.option("--council", "council_code", default=None, help="GSS code of the council (default: the only one).")
@click.option("--from", "start", default=None, help="First day, like 2026-04-01 (default: the latest financial year).")
@click.option("--to", "end", default=None, help="Last day, like 2027-03-31.")
@click.option(
    "--dimension",
    type=click.Choice(["auto", *DIMENSIONS]),
    default="auto",
    show_default=True,
    help="The column categories come from ('auto': ProClass, else service area, else department).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON object (pence and shares 0-1).")
@with_appcontext
def report_command(council_code: str | None, start: str | None, end: str | None, dimension: str, as_json: bool) -> None:
    """Report where a council's money went: local (by address basis), wider area, outside and not known, the
    social economy, SMEs and the most deprived areas, as shares of the measured spend, with the method note.

    Dates between --from and --to that make a month, a quarter or a financial year (April to March) are reported as
    one; with neither, the latest financial year with payments.
    """
    from app.services.spend.report import spend_report

    council = _council(council_code)
    period = _period(council, start, end)
    report = spend_report(db.session, council, period, dimension=dimension)
    db.session.rollback()  # a report changes nothing
    if as_json:
        click.echo(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
        return
    click.echo(f"Spend report: {report.council_name}, {period.label}")
    for line in report.headline():
        click.echo(line)
    if report.categories:
        click.echo(f"Largest by {report.dimension_label.lower()} (local share):")
        for row in report.categories[:CATEGORIES_SHOWN]:
            click.echo(f"  {row.name}: {row.spend.money} ({row.local.percent} local)")
        if len(report.categories) > CATEGORIES_SHOWN:
            click.echo(f"  and {len(report.categories) - CATEGORIES_SHOWN:,} more (--json lists them all)")
    click.echo("Method note:")
    for line in report.method.lines:
        click.echo(textwrap.fill(line, width=100, initial_indent="  ", subsequent_indent="    "))
