"""Spend analysis services: importing, suppliers, classification, deprivation, the report, leakage, exports."""
