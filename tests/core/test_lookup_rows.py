"""Duplicate keys in lookup rows are found with their row numbers."""

from __future__ import annotations

from postback_studio.core.lookup_rows import duplicate_keys, duplicate_warning


def test_duplicates_are_reported_with_row_numbers_and_the_winner() -> None:
    rows = [("dhl", "DHL"), ("ups", "UPS"), ("", "x"), ("dhl", "DHL Express"), ("", "y"), ("dhl", "D")]
    assert duplicate_keys(rows) == {"dhl": [1, 4, 6]}
    assert duplicate_warning(rows) == "Key 'dhl' appears on rows 1, 4 and 6: row 6 wins."


def test_unique_keys_give_no_warning() -> None:
    assert duplicate_warning([("a", "1"), ("b", "2")]) == ""
