"""`flask search reindex`: the full-text search index."""

from __future__ import annotations

import click

from app.extensions import db
from app.services import fulltext


@click.group("search")
def search_group() -> None:
    """The full-text search index."""


@search_group.command("reindex")
def reindex_command() -> None:
    """Rebuild every provider's search document (after an upgrade, or to repair the index)."""
    count = fulltext.rebuild(db.session)
    db.session.commit()
    click.echo(f"Indexed {count:,} providers.")
