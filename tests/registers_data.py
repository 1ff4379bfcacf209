"""Register files for tests, in the published formats: BasicCompanyData rows under its real header, written as CSV
or as the product's multi-part zip."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

from app.domain.registers import BASIC_COMPANY_DATA_HEADER

#: The shared register samples, read in place (tests that need them skip where they are not).
SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "data" / "registers"
COMPANIES_SAMPLE = SAMPLES / "companies_house" / "basic_company_data_sample_openownership.csv"
CHARITIES_SAMPLE = SAMPLES / "charities" / "charities_operating_in_trafford.csv"
MUTUALS_LINKS = SAMPLES / "links" / "mutual-companies.csv"


HEADER = list(BASIC_COMPANY_DATA_HEADER)


def company_row(number: str, name: str, **fields: str) -> list[str]:
    """A row under HEADER: the number and name, an active private company at HG1 1ND unless ``fields`` (by header
    name without its spaces, e.g. CompanyStatus="Dissolved") say otherwise."""
    values = {
        "CompanyName": name,
        "CompanyNumber": number,
        "RegAddress.AddressLine1": "9 PRINCES SQUARE",
        "RegAddress.PostTown": "HARROGATE",
        "RegAddress.Country": "ENGLAND",
        "RegAddress.PostCode": "HG1 1ND",
        "CompanyCategory": "Private Limited Company",
        "CompanyStatus": "Active",
        "CountryOfOrigin": "United Kingdom",
        "IncorporationDate": "11/09/2012",
        "SICCode.SicText_1": "88990 - Other social work activities not elsewhere classified",
        **fields,
    }
    return [values.get(column.strip(), "") for column in HEADER]


def companies_csv(rows: list[list[str]], header: list[str] | None = None) -> str:
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writerow(header or HEADER)
    writer.writerows(rows)
    return out.getvalue()


def write_companies(path: Path, rows: list[list[str]], *, parts: int = 0) -> Path:
    """The rows as a CSV at ``path``, or (``parts`` > 0) as the product's zip of that many CSV parts."""
    if not parts:
        path.write_text(companies_csv(rows), encoding="utf-8")
        return path
    size = -(-len(rows) // parts)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for part in range(parts):
            chunk = rows[part * size : (part + 1) * size]
            archive.writestr(f"BasicCompanyData-2026-12-01-part{part + 1}_{parts}.csv", companies_csv(chunk))
    return path


#: A company profile as Companies House's online service answers GET /company/{number} (the fields it reads, and
#: two it does not keep).
ONLINE_PROFILE = {
    "company_name": "PAGE MOSS COMMUNITY NAVIGATORS C.I.C.",
    "company_number": "14567890",
    "company_status": "active",
    "type": "ltd",
    "subtype": "community-interest-company",
    "date_of_creation": "2022-12-21",
    "registered_office_address": {
        "address_line_1": "Page Moss Parade",
        "locality": "Liverpool",
        "postal_code": "L36 9GD",
    },
    "sic_codes": ["88990"],
    "etag": "not kept",
    "links": {"officers": "/company/14567890/officers"},
}
