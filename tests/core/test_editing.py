"""Editor rules without a widget: bracket matching, auto-indent, Jinja comment toggling."""

from __future__ import annotations

import pytest

from postback_studio.core.editing import (
    BracketMatch,
    indentation_after,
    match_bracket,
    match_tag,
    toggle_jinja_comment,
)


def test_json_braces_match_both_ways() -> None:
    text = '{"a": [1, {"b": 2}]}'
    assert match_bracket(text, 0) == BracketMatch(0, 1, 19, 1)
    assert match_bracket(text, 20) == BracketMatch(0, 1, 19, 1)
    assert match_bracket(text, 6) == BracketMatch(6, 1, 18, 1)


def test_jinja_delimiters_match_as_pairs() -> None:
    text = "x {{ a }} {% if b %}"
    assert match_bracket(text, 2) == BracketMatch(2, 2, 7, 2)
    assert match_bracket(text, 9) == BracketMatch(2, 2, 7, 2)
    assert match_bracket(text, 10) == BracketMatch(10, 2, 18, 2)


def test_unbalanced_gives_none() -> None:
    assert match_bracket("{[", 0) is None
    assert match_bracket("{{ a", 0) is None
    assert match_bracket("abc", 1) is None


@pytest.mark.parametrize(
    ("line", "indent"),
    [
        ('  "a": 1,', "  "),
        ('  "items": [', "    "),
        ("{", "  "),
        ("  {% for item in items %}", "    "),
        ("  {% if x %}a{% endif %}", "  "),
        ("  {% else %}", "    "),
        ("  {{ x }}", "  "),
        ("", ""),
    ],
)
def test_indentation_after(line: str, indent: str) -> None:
    assert indentation_after(line) == indent


def test_comment_toggle_round_trip() -> None:
    lines = ['  "a": {{ a }},', "", "b"]
    commented = toggle_jinja_comment(lines)
    assert commented == ['  {# "a": {{ a }}, #}', "", "{# b #}"]
    assert toggle_jinja_comment(commented) == lines


def test_mixed_selection_is_commented() -> None:
    assert toggle_jinja_comment(["{# a #}", "b"]) == ["{# {# a #} #}", "{# b #}"]


def test_nested_json_closing_braces_are_not_a_jinja_tag() -> None:
    text = '{"a": {"b": 1}}'
    assert match_bracket(text, len(text)) == BracketMatch(0, 1, 14, 1)


def test_jinja_block_tags_pair_with_their_end() -> None:
    text = "{% for a in b %}{% if a %}x{% endif %}{% endfor %}{% set y = 1 %}"
    outer = match_tag(text, 3)
    assert outer == BracketMatch(0, 16, text.index("{% endfor"), len("{% endfor %}"))
    assert match_tag(text, text.index("{% endif") + 2) == BracketMatch(16, 10, 27, 11)
    assert match_tag(text, len(text) - 3) is None


def test_markup_tags_pair_with_nesting_and_self_closing() -> None:
    text = '<order id="1"><item/><item>x</item></order>'
    assert match_tag(text, 2) == BracketMatch(0, 14, text.index("</order>"), 8)
    inner = text.index("<item>")
    assert match_tag(text, inner + 1) == BracketMatch(inner, 6, text.index("</item>"), 7)
    assert match_tag(text, text.index("<item/>") + 1) is None


def test_changed_region_finds_the_smallest_replacement() -> None:
    from postback_studio.core.editing import changed_region

    assert changed_region("abcdef", "abXdef") == (2, 3, 3)
    assert changed_region("abc", "abc") == (3, 3, 3)
    assert changed_region("", "new") == (0, 0, 3)
    assert changed_region("aaa", "aaaa") == (3, 3, 4)
    assert changed_region("xy", "") == (0, 2, 0)
    old, new = "k" * 1000 + "A" + "z" * 777, "k" * 1000 + "BC" + "z" * 777
    assert changed_region(old, new) == (1000, 1001, 1002)


def test_changed_lines_lists_the_lines_that_differ_in_place() -> None:
    from postback_studio.core.editing import changed_lines

    old = "\n".join(f"line {n}" for n in range(10))
    new = old.replace("line 2", "line two").replace("line 7", "")
    assert changed_lines(old, new) == [(2, "line two"), (7, "")]
    assert changed_lines(old, old) == []
    assert changed_lines(old, old + "\nmore") is None  # a line more: not line by line
    assert changed_lines("a\nb", "x\ny") is None  # more than half of the lines
    assert changed_lines("a\nb\nc", "a\nb\u2028\nc") is None  # a line break only an editor sees
    assert changed_lines("a\nb\nc", "a\nb\r\nc") is None
