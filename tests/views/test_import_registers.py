"""The import's check page when a public register says a row's organisation is dissolved (issue 15, item 4)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from flask.testing import FlaskClient

from app.domain.registers import Register
from app.extensions import db
from app.services.registers import load_register
from tests.registers_data import company_row, write_companies
from tests.views.test_import_views import _batch, _checked_auto, _squash, _text

FILE = (
    b"Registered Name,Legal Form,Registered Number,Registered Postcode\n"
    b"Huyton Print Ltd,Private limited company,01234567,L28 1AA\n"
    b"Roby Growers Ltd,Private limited company,07777777,L36 9GD\n"
)


def test_a_row_the_register_says_is_dissolved_is_counted_explained_and_listed(
    client: FlaskClient, officer_token: str, tmp_path: Path
) -> None:
    dissolved = company_row("01234567", "HUYTON PRINT LIMITED", CompanyStatus="Dissolved", DissolutionDate="03/03/2024")
    path = write_companies(tmp_path / "BasicCompanyData.csv", [dissolved])
    load_register(db.session, Register.COMPANIES_HOUSE, [path], date(2026, 12, 4), published_on=date(2026, 12, 1))
    db.session.commit()
    batch_id = _checked_auto(client, officer_token, FILE)
    counts = _batch(batch_id).counts
    assert (counts["rows"], counts["created"], counts["rejected"]) == (2, 1, 1)
    assert (counts["dissolved"], counts["register_dissolved"]) == (0, 1)
    words = _squash(_text(client.get(f"/officer/imports/{batch_id}")))
    assert "New + update + unchanged + possible match + rejected = 2 rows in the file." in words
    # The rejected row's reason is the register's word, not the file's (the file says nothing of it).
    assert "1 row to reject: 1 a public register says it is dissolved, removed or struck off" in words
    assert "the file says it is dissolved" not in words
    assert (
        "1 row a public register says is dissolved, removed or struck off, which the file does not say: left out "
        "( show it )" in words
    )
    listed = _squash(_text(client.get(f"/officer/imports/{batch_id}?show=ended")))
    assert (
        "Companies House's register of 1 December 2026 says it was dissolved on 3 March 2024, so it was not imported"
        in listed
    )
    assert "07777777 is not on Companies House's register of 1 December 2026: check the number" in words
