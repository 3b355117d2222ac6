"""key,value CSV as GelatoConnect's bulk upload writes it."""

from __future__ import annotations

import pytest

from postback_studio.core.lookup_csv import LookupCsvError, dump_lookup_csv, parse_lookup_csv


def test_header_bom_crlf_and_blank_lines_are_tolerated() -> None:
    data = "\ufeffKey,Value\r\na,1\r\n\r\nb,2\r\n".encode()
    assert parse_lookup_csv(data) == (("a", "1"), ("b", "2"))
    assert parse_lookup_csv("a,1\nb,2") == (("a", "1"), ("b", "2"))


def test_later_duplicate_wins_in_first_position() -> None:
    assert parse_lookup_csv("a,1\nb,2\na,3\n") == (("a", "3"), ("b", "2"))


def test_all_bad_rows_are_reported_with_line_numbers() -> None:
    with pytest.raises(LookupCsvError) as info:
        parse_lookup_csv(b"ok,1\n ,2\nonly-one\n", "c.csv")
    assert info.value.problems == [
        "c.csv:2: the key is empty",
        "c.csv:3: expected 2 columns (key,value), found 1",
    ]
    with pytest.raises(LookupCsvError, match=r"c.csv:2: not UTF-8"):
        parse_lookup_csv(b"a,1\n\xff,2\n", "c.csv")


def test_dump_round_trips_quotes_and_commas() -> None:
    rows = (("a,b", 'say "hi"'), ("x", ""))
    assert parse_lookup_csv(dump_lookup_csv(rows)) == rows
