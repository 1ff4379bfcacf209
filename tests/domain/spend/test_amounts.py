"""Amounts as councils' spend files write them, read to whole pence; anything else refused with the cell quoted."""

from __future__ import annotations

import pytest

from app.domain.spend.amounts import AmountError, parse_amount


@pytest.mark.parametrize(
    ("cell", "pence"),
    [
        # Hyndburn 2023-25 (quoted in the file so the comma survives; the csv reader takes the quotes off).
        ("2,730.00", 273_000),
        ('"2,730.00"', 273_000),
        ("1,302.28", 130_228),  # hyndburn_2017_2025/...September-2023.csv, Vps (Uk) Limited
        ("349,138.00", 34_913_800),  # February-2025-csv.csv, Hyndburn Leisure
        # Hyndburn 2017-22: no separators, sometimes no pence or one decimal.
        ("325.00", 32_500),
        ("337", 33_700),  # 1705.csv, THOMSON REUTERS
        ("292.5", 29_250),  # May-2022-csv.csv, DVLA
        # Hyndburn September 2024: a ledger's trailing minus, for the government's business-rates take-back.
        ("161,412.00-", -16_141_200),  # "(DD) Department of Levelling Up, Housing & Comm..."
        ("1,043.00-", -104_300),
        ("106,396.00-", -10_639_600),
        # Trafford and North West Open Data: plain numbers, credits with a leading minus.
        ("3082.50", 308_250),
        ("-195.75", -19_575),  # Trafford 2024-25, UPS Building & Maintenance Limited, cash discount taken
        ("500.00", 50_000),  # Bolton 2019, Best Asian Media Ltd
        # A £ sign, as itself and as DOS byte 0x9C read as Windows-1252 "œ" (Hyndburn 1704.csv writes
        # "œ2644.75 PER MONTH PER VEHICLE" in a description, from the same export that heads the amounts
        # "Net Amount(œ)").
        ("£1,680.00", 168_000),
        ("œ1,680.00", 168_000),
        ("œ2644.75", 264_475),
        ("Â£12.00", 1_200),  # a UTF-8 £ read as Windows-1252
        ("£ 12.00", 1_200),
        ("12.00 £", 1_200),
        ("GBP 12.00", 1_200),
        ("gbp12", 1_200),
        ("12.00 GBP", 1_200),
        # Credits written every way.
        ("(250.00)", -25_000),
        ("(£250.00)", -25_000),
        ("£(250.00)", -25_000),
        ("-250", -25_000),
        ("£-12.00", -1_200),
        ("-£12.00", -1_200),
        ("\u2212 12.00", -1_200),  # a typographic minus
        ("+12.00", 1_200),
        # Spaces as thousands separators and padding.
        (" 1 234.50 ", 123_450),
        ("1\u00a0234.50", 123_450),
        ("250", 25_000),
        ("0.00", 0),
        (".5", 50),
        ("5.", 500),
        ("12.500", 1_250),  # a third decimal that is a zero loses nothing
    ],
)
def test_amounts_read(cell, pence):
    assert parse_amount(cell) == pence


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("", "The amount is blank"),
        ("   ", "The amount is blank"),
        ('""', "The amount is blank"),
        ("N/A", "The amount 'N/A' is not a number"),
        ("twelve pounds", "The amount 'twelve pounds' is not a number"),
        ("12.345", "The amount '12.345' has more than two decimal places: part of a penny"),
        ("1,680.00 2,000.00", "The amount '1,680.00 2,000.00' holds more than one number"),
        ("12 / 13", "The amount '12 / 13' holds more than one number"),
        ("12,5", "The amount '12,5' is not a number of pounds and pence (a comma in the wrong place)"),
        ("1,23.00", "The amount '1,23.00' is not a number of pounds and pence (a comma in the wrong place)"),
        ("--12", "The amount '--12' has more than one minus sign or bracket"),
        ("(12.00)-", "The amount '(12.00)-' has more than one minus sign or bracket"),
        ("1.2E+04", "The amount '1.2E+04' is not a number of pounds and pence"),
        (".", "The amount '.' is not a number"),
        ("£", "The amount '£' is not a number"),
        ("05/10/20241,680.00", "The amount '05/10/20241,680.00' holds more than one number"),
    ],
)
def test_amounts_refused_quote_the_cell(cell, message):
    with pytest.raises(AmountError) as raised:
        parse_amount(cell)
    assert str(raised.value) == message


def test_a_long_cell_is_quoted_cut_short():
    with pytest.raises(AmountError) as raised:
        parse_amount("not an amount " * 20)
    message = str(raised.value)
    assert message.startswith("The amount 'not an amount not an amount")
    assert "…'" in message
    assert len(message) < 120


def test_an_amount_error_is_a_value_error():
    assert issubclass(AmountError, ValueError)
