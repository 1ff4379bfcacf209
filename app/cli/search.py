"""`flask search reindex`: the full-text search index."""

from __future__ import annotations

import click

from app.cli.common import CLI_ACTOR
from app.extensions import db
from app.services import audit, fulltext


@click.group("search")
def search_group() -> None:
    """The full-text search index."""


@search_group.command("reindex")
def reindex_command() -> None:
    """Rebuild every provider's search document (after an upgrade, or to repair the index)."""
    count = fulltext.rebuild(db.session)
    # Recorded like any change: signal scores may move, and the public pages' ETags follow the newest public event.
    audit.record(db.session, CLI_ACTOR, "search.reindexed", "provider", None, {"providers": count})
    db.session.commit()
    click.echo(f"Indexed {count:,} providers.")
