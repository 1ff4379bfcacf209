"""The commissioner's home page bands table (issue 11 #4): each band's values as the commissioner enters them, and
where VAT takes a contract over the statutory threshold."""

from __future__ import annotations

import re
from html import unescape

import pytest
from flask.testing import FlaskClient

from app.extensions import db


def _text(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def _rows(page: str) -> dict[str, str]:
    table = page[page.index('id="bands-caption"') : page.index("</table>")]
    rows = re.findall(r'<th scope="row"[^>]*>(.*?)</th>(.*?)</tr>', table, re.S)
    return {_text(label): _text(cells) for label, cells in rows}


def test_the_bands_table_shows_where_vat_takes_a_contract_over_the_threshold(commissioner_client: FlaskClient) -> None:
    """Intermediate value is £5,000 to £181,000 by the council's measure, but from £173,100 excluding VAT a search
    answers 'above the statutory threshold': the table must not say £181,000 excluding VAT."""
    response = commissioner_client.get("/commissioner/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    rows = _rows(page)

    assert list(rows) == ["Low value", "Intermediate value", "High value", "Above the statutory threshold"]
    assert rows["Intermediate value"].startswith(
        "Excluding VAT: £5,000 to £173,099.99 Including VAT: £6,000 to £207,719.99 "
        "Where VAT does not apply: £5,000 to £181,000 3 quotes, not advertised"
    )
    assert "£181,000 (excluding VAT)" not in _text(page)
    assert rows["High value"].startswith(
        "Excluding VAT: none (VAT takes these values to the statutory threshold) Including VAT: none (these values "
        "are at or above the statutory threshold) Where VAT does not apply: £181,000.01 to £207,719.99"
    )
    assert rows["Above the statutory threshold"].startswith(
        "Excluding VAT: £173,100 and above Including VAT: £207,720 and above Where VAT does not apply: £207,720 and "
        "above Regulated procedure under the Procurement Act 2023, advertised"
    )
    # "1 quote, advertised" was the wrong wording for the regulated procedure; "3 quotes (3 quotes)" said it twice.
    assert "(3 quotes)" not in page
    assert (
        "From £173,100 excluding VAT, VAT at 20% takes the contract to the £207,720 threshold, so it follows the "
        "regulated procedure whichever band its value excluding VAT is in."
    ) in _text(page)


def test_the_table_agrees_with_the_search(commissioner_client: FlaskClient) -> None:
    """£173,100 excluding VAT, the first figure the table puts above the threshold, is what the search says too."""
    from app.models import ServiceCategory

    db.session.add(ServiceCategory(slug="cleaning", name="Cleaning"))
    db.session.commit()
    found = commissioner_client.get(
        "/commissioner/search?contract_type=goods_and_services&vat=excluded&category=cleaning&value=173100"
    )
    text = _text(found.get_data(as_text=True))
    assert (
        "Above the statutory threshold, £173,100 and above (excluding VAT): regulated "
        "procedure under the Procurement Act 2023, advertised." in text
    )
    assert "£207,720 including VAT is at or above the statutory threshold" in text


@pytest.mark.parametrize(
    ("query", "sentence", "estimate"),
    [
        (
            "vat=excluded&value=100000",
            "Intermediate value, £5,000 to £173,099.99 (excluding VAT): 3 quotes.",
            "Your estimate: £100,000 excluding VAT (£120,000 including VAT)",
        ),
        (
            "vat=not_applicable&value=181000",
            "Intermediate value, £5,000 to £181,000 (VAT does not apply): 3 quotes.",
            "Your estimate: £181,000 (VAT does not apply)",
        ),
    ],
)
def test_the_search_says_the_band_as_the_table_does(
    commissioner_client: FlaskClient, query: str, sentence: str, estimate: str
) -> None:
    """Trial findings 2 and 3: the band's limits on the basis the value was entered, and one amount without VAT."""
    from app.models import ServiceCategory

    db.session.add(ServiceCategory(slug="cleaning", name="Cleaning"))
    db.session.commit()
    text = _text(
        commissioner_client.get(
            f"/commissioner/search?contract_type=goods_and_services&category=cleaning&{query}"
        ).get_data(as_text=True)
    )
    assert sentence in text
    assert estimate in text
