"""The small real-data samples tests load in place of seed_data's whole files (tests/fixtures/make_postcode_sample.py
writes them): the postcode directory's sample with its wards, and deprivation for the same postcodes."""

from pathlib import Path

FIXTURES = Path(__file__).resolve().parent / "fixtures"
POSTCODE_SAMPLE = (FIXTURES / "postcodes_sample.csv.gz", FIXTURES / "postcodes_sample_wards.csv.gz")
DEPRIVATION_SAMPLE = (FIXTURES / "deprivation_sample_imd.csv.gz", FIXTURES / "deprivation_sample_lookup.csv.gz")
