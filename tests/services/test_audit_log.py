"""Events the services really write, read back in words (issue 11 #25): named records, plain values, no codes."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.roles import Role
from app.models import AuditEvent, SpendBand
from app.services import audit_log, band_config
from app.services.band_config import BandValues
from tests import factories
from tests.factories import CouncilSetup

TODAY = date(2026, 6, 1)
ON = date(2026, 9, 1)


def test_a_real_band_change_reads_in_words(session: Session, knowsley: CouncilSetup) -> None:
    officer = factories.user(session, Role.OFFICER, email="officer@knowsley.example", council=knowsley.council)
    band = session.scalars(select(SpendBand).where(SpendBand.code == "B")).one()
    values = replace(BandValues.of(band), upper_pence=10_000_000, min_quotes=2, rationale="Community wealth building")
    band_config.change_band(session, officer, band, values, ON, TODAY, adjust_adjoining=True)
    session.flush()

    events = list(session.scalars(select(AuditEvent).where(AuditEvent.action.startswith("spend_band."))))
    entries = {entry.subject.name: entry for entry in audit_log.describe(session, events)}
    changed = entries["Intermediate value"]
    assert changed.summary == "Spend band changed"
    assert (changed.subject.link_type, changed.subject.noun) == ("spend_band", "spend band")
    text = changed.wording.details_text
    assert text.startswith("Range: £5,000 to £181,000 → £5,000 to £99,999.99")
    assert "Range: £5,000 to £181,000 → £5,000 to £99,999.99" in text
    assert "Minimum quotes: 3 → 2" in text
    assert "Takes effect on: 1 September 2026" in text
    for code in ("upper_pence", "18100001", "2026-09-01", "min_quotes", "True", "False", "None"):
        assert code not in text, code
    # The band next door moved with it, and says so in words too.
    moved = entries["High value"]
    assert moved.wording.details_text.startswith(
        "Range: £181,000.01 up to the statutory threshold → £100,000 up to the statutory threshold"
    )
    assert "Moved to stay next to: Intermediate value" in moved.wording.details_text


def test_events_about_removed_records_still_read(session: Session, knowsley: CouncilSetup) -> None:
    session.add_all(
        [
            AuditEvent(
                actor_label="import",
                action="provider.imported",
                entity_type="provider",
                entity_id="424242",
                changes={"name": "Gone Away CIC", "source_reference": "R1", "import_batch_id": 77},
            ),
            AuditEvent(actor_label="someone", action="audit_log.exported", entity_type="audit_log", changes={}),
        ]
    )
    session.flush()
    entries = audit_log.describe(session, list(session.scalars(select(AuditEvent).order_by(AuditEvent.id))))
    gone, exported = entries[-2:]
    assert gone.subject.name == "Gone Away CIC (no longer on the register)"
    assert gone.subject.link_type is None  # no page to link to
    assert "Reference in the source: R1" in gone.wording.details_text
    assert (exported.summary, exported.subject.name) == ("Audit log downloaded", "Audit log")


@pytest.mark.parametrize(
    ("since", "until", "shown"),
    [
        (date(2026, 11, 1), date(2026, 11, 1), ["first second", "last second"]),
        (date(2026, 11, 1), None, ["first second", "last second", "next day"]),
        (None, date(2026, 11, 1), ["day before", "first second", "last second"]),
        (date(2026, 11, 2), date(2026, 11, 2), ["next day"]),
    ],
)
def test_a_date_filter_takes_whole_days_in_utc(
    session: Session, since: date | None, until: date | None, shown: list[str]
) -> None:
    moments = {
        "day before": datetime(2026, 10, 31, 23, 59, 59, tzinfo=UTC),
        "first second": datetime(2026, 11, 1, 0, 0, 0, tzinfo=UTC),
        "last second": datetime(2026, 11, 1, 23, 59, 59, tzinfo=UTC),
        "next day": datetime(2026, 11, 2, 0, 0, 0, tzinfo=UTC),
    }
    session.add_all(
        AuditEvent(actor_label=label, action="x.y", entity_type="z", occurred_at=moment)
        for label, moment in moments.items()
    )
    session.flush()
    events, total = audit_log.events(session, audit_log.AuditFilter(since=since, until=until))
    assert sorted(event.actor_label for event in events) == sorted(shown) and total == len(shown)


def test_spending_events_name_and_link_the_file_and_the_supplier(session: Session, knowsley: CouncilSetup) -> None:
    from app.domain.spend.classification import Exclusion
    from app.services.audit import Actor
    from app.services.spend.suppliers import exclude_supplier
    from tests.spend_factories import spend_batch, spend_supplier

    officer = factories.user(session, Role.OFFICER, email="officer@knowsley.example", council=knowsley.council)
    batch = spend_batch(session, knowsley.council, file_name="April-24.csv")
    supplier = spend_supplier(session, knowsley.council, "HM Revenue & Customs")
    from app.services.audit import record

    record(session, Actor.of(officer), "spend.upload", "spend_batch", batch.id, {"file_name": batch.file_name})
    exclude_supplier(session, supplier, Exclusion.TAX, "", Actor.of(officer), datetime(2026, 6, 1, tzinfo=UTC))
    session.flush()

    events = list(session.scalars(select(AuditEvent).where(AuditEvent.entity_type.startswith("spend_"))))
    entries = {entry.summary: entry for entry in audit_log.describe(session, events)}
    uploaded = entries["Spending file uploaded"]
    assert (uploaded.subject.name, uploaded.subject.noun) == ("April-24.csv", "spending file")
    assert (uploaded.subject.link_type, uploaded.subject.link_id) == ("spend_batch", batch.id)
    left_out = entries["Supplier left out of the spend measure"]
    assert (left_out.subject.name, left_out.subject.noun) == ("HM Revenue & Customs", "supplier paid")
    assert (left_out.subject.link_type, left_out.subject.link_id) == ("spend_supplier", supplier.id)
