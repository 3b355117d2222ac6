"""Find and replace rules: case, regex, wrap-around, backwards, references."""

from __future__ import annotations

import pytest

from postback_studio.core.textsearch import Query, QueryError, find, find_all, replace_all, replacement_for

TEXT = "Item item ITEM items"


def test_case_insensitive_by_default_and_match_case() -> None:
    assert len(find_all(TEXT, Query("item"))) == 4
    assert find_all(TEXT, Query("item", match_case=True)) == [(5, 9), (15, 19)]


def test_find_wraps_both_ways() -> None:
    query = Query("item", match_case=True)
    assert find(TEXT, query, 10) == (15, 19)
    assert find(TEXT, query, 16) == (5, 9)
    assert find(TEXT, query, 5, backwards=True) == (15, 19)
    assert find(TEXT, query, 15, backwards=True) == (5, 9)
    assert find(TEXT, Query("nothing"), 0) is None


def test_plain_text_is_not_a_regex() -> None:
    assert find_all("a.b axb", Query("a.b")) == [(0, 3)]
    assert find_all("a.b axb", Query("a.b", regex=True)) == [(0, 3), (4, 7)]


def test_invalid_regex_is_reported() -> None:
    with pytest.raises(QueryError, match="invalid regular expression"):
        find_all("x", Query("(", regex=True))


def test_replace_all_and_references() -> None:
    assert replace_all(TEXT, Query("item"), "x") == ("x x x xs", 4)
    assert replace_all("a\\1", Query("a"), "\\1") == ("\\1\\1", 1)
    query = Query(r"(\w+)@", regex=True)
    assert replace_all("ab@ cd@", query, r"<\1>") == ("<ab> <cd>", 2)
    assert replacement_for("ab@ cd@", query, (4, 7), r"<\1>") == "<cd>"
