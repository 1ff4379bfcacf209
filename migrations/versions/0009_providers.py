"""Premises whose address was never given are removed (issue 11, #18).

Until now "Find the area" saved premises at once, with only a postcode, and the address page filled
the address in; someone who left before giving it left empty premises behind that still counted.
Premises are now saved only with their address, so those left from before are removed here: a site
with no address that the question pages added (its "site.added" audit event says so; imported
premises, which may lack an address, are left alone). Each removal is recorded in the audit log
with the whole row, and the downgrade puts the rows back from there.

Revision ID: 0009_providers
Revises: 0008_import_facts
Create Date: 2026-12-03

"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0009_providers"
down_revision = "0008_import_facts"
branch_labels = None
depends_on = None

ACTOR = "migration 0009_providers"
REASON = "Found by postcode but the address was never given"

# The shapes this migration reads and writes, as they are at this revision (never the app's models).
sites = sa.table(
    "sites",
    sa.column("id", sa.Integer),
    sa.column("provider_id", sa.Integer),
    sa.column("kind", sa.String),
    sa.column("address", sa.Text),
    sa.column("town", sa.String),
    sa.column("postcode", sa.String),
    sa.column("latitude", sa.Float),
    sa.column("longitude", sa.Float),
    sa.column("placement", sa.String),
    sa.column("placed_by", sa.String),
    sa.column("placed_at", sa.DateTime(timezone=True)),
    sa.column("placement_note", sa.Text),
    sa.column("district_code", sa.String),
    sa.column("ward_code", sa.String),
    sa.column("address_public", sa.Boolean),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("updated_at", sa.DateTime(timezone=True)),
)
providers = sa.table("providers", sa.column("id", sa.Integer))
audit_events = sa.table(
    "audit_events",
    sa.column("id", sa.Integer),
    sa.column("occurred_at", sa.DateTime(timezone=True)),
    sa.column("actor_id", sa.Integer),
    sa.column("actor_label", sa.String),
    sa.column("action", sa.String),
    sa.column("entity_type", sa.String),
    sa.column("entity_id", sa.String),
    sa.column("changes", sa.JSON),
)
DATETIMES = ("placed_at", "created_at", "updated_at")


def _stored(row):
    """The site row as JSON: datetimes as ISO 8601 text."""
    values = dict(row._mapping)
    for name in DATETIMES:
        if values[name] is not None:
            moment = values[name] if values[name].tzinfo else values[name].replace(tzinfo=UTC)
            values[name] = moment.isoformat()
    return values


def _restored(values):
    row = dict(values)
    for name in DATETIMES:
        if row.get(name) is not None:
            row[name] = datetime.fromisoformat(row[name])
    return row


def upgrade():
    connection = op.get_bind()
    added_by_question_pages = sa.exists().where(
        audit_events.c.action == "site.added",
        audit_events.c.entity_type == "site",
        audit_events.c.entity_id == sa.cast(sites.c.id, sa.String(60)),
    )
    unfinished = connection.execute(
        sa.select(*sites.c).where(
            sa.or_(sites.c.address.is_(None), sa.func.trim(sites.c.address) == ""), added_by_question_pages
        )
    ).all()
    now = datetime.now(UTC)
    for row in unfinished:
        connection.execute(
            audit_events.insert().values(
                occurred_at=now,
                actor_id=None,
                actor_label=ACTOR,
                action="site.removed",
                entity_type="site",
                entity_id=str(row.id),
                changes={
                    "provider_id": row.provider_id,
                    "kind": row.kind,
                    "postcode": row.postcode,
                    "reason": REASON,
                    "site": _stored(row),
                },
            )
        )
        connection.execute(sites.delete().where(sites.c.id == row.id))


def downgrade():
    connection = op.get_bind()
    removed = connection.execute(
        sa.select(audit_events.c.id, audit_events.c.changes).where(
            audit_events.c.actor_label == ACTOR, audit_events.c.action == "site.removed"
        )
    ).all()
    for event in removed:
        site = _restored(event.changes["site"])
        provider_still_there = connection.execute(
            sa.select(providers.c.id).where(providers.c.id == site["provider_id"])
        ).first()
        taken = connection.execute(sa.select(sites.c.id).where(sites.c.id == site["id"])).first()
        if provider_still_there is not None and taken is None:
            connection.execute(sites.insert().values(**site))
        connection.execute(audit_events.delete().where(audit_events.c.id == event.id))
