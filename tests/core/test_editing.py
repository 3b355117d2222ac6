"""Editor rules without a widget: bracket matching, auto-indent, Jinja comment toggling."""

from __future__ import annotations

import pytest

from postback_studio.core.editing import (
    BracketMatch,
    InsertionContext,
    changed_lines,
    field_insertion,
    indentation_after,
    insertion_context,
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
    old = "\n".join(f"line {n}" for n in range(10))
    new = old.replace("line 2", "line two").replace("line 7", "")
    assert changed_lines(old, new) == [(2, "line two"), (7, "")]
    assert changed_lines(old, old) == []
    assert changed_lines(old, old + "\nmore") is None  # a line more: not line by line
    assert changed_lines("a\nb", "x\ny") is None  # more than half of the lines
    assert changed_lines("a\nb\nc", "a\nb\u2028\nc") is None  # a line break only an editor sees
    assert changed_lines("a\nb\nc", "a\nb\r\nc") is None


# -- what a payload field becomes at the cursor (issue 13: `"ref": Poster A3` was inserted) ------------


def _insert_at_bar(template: str, fmt: str, expression: str = "item.productName") -> str:
    """``field_insertion`` at the ``|`` of ``template``, spliced in, so the assertion reads as text."""
    offset = template.index("|")
    text = template.replace("|", "", 1)
    return text[:offset] + field_insertion(expression, text, offset, fmt) + text[offset:]


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ('{\n  "ref": |\n}', '{\n  "ref": {{ item.productName|tojson }}\n}'),
        ('{\n  "ref": "|"\n}', '{\n  "ref": "{{ item.productName }}"\n}'),
        ('{"a": "x \\" y |"}', '{"a": "x \\" y {{ item.productName }}"}'),
        ('{"a": "x \\\\", "b": |}', '{"a": "x \\\\", "b": {{ item.productName|tojson }}}'),
        ('{"a": "{{ x }}", "b": |}', '{"a": "{{ x }}", "b": {{ item.productName|tojson }}}'),
        ('{"a": {{ "q\\"" }}, "b": "|"}', '{"a": {{ "q\\"" }}, "b": "{{ item.productName }}"}'),
        ('{"a": "one\n  "b": |', '{"a": "one\n  "b": {{ item.productName|tojson }}'),
        ('[{% for item in items %}|{% endfor %}]',
         '[{% for item in items %}{{ item.productName|tojson }}{% endfor %}]'),
    ],
    ids=["value", "string", "escaped-quote", "escaped-backslash", "tag-before", "quote-in-tag",
         "line-alone", "between-tags"],
)
def test_json_inserts_tojson_as_a_value_and_plain_inside_a_string(template: str, expected: str) -> None:
    assert _insert_at_bar(template, "json") == expected


def test_inside_an_open_tag_the_bare_expression_goes_in() -> None:
    assert _insert_at_bar('{"a": {{ | }}}', "json") == '{"a": {{ item.productName }}}'
    assert _insert_at_bar("{% if | %}", "xml") == "{% if item.productName %}"


@pytest.mark.parametrize("fmt", ["xml", "html"])
def test_markup_text_and_attributes_are_escaped(fmt: str) -> None:
    assert _insert_at_bar("<ref>|</ref>", fmt) == "<ref>{{ item.productName|e }}</ref>"
    assert _insert_at_bar('<a title="|">', fmt) == '<a title="{{ item.productName|e }}">'


def test_plain_text_and_comments_get_the_plain_expression() -> None:
    assert _insert_at_bar("Hello |", "text") == "Hello {{ item.productName }}"
    assert _insert_at_bar('{# note "|', "json") == '{# note "{{ item.productName }}'


def test_the_context_is_named() -> None:
    assert insertion_context('{"a": ', 6, "json") is InsertionContext.JSON_VALUE
    assert insertion_context('{"a": "', 7, "json") is InsertionContext.JSON_STRING
    assert insertion_context("<a>", 3, "xml") is InsertionContext.MARKUP
    assert insertion_context("{{ ", 3, "text") is InsertionContext.EXPRESSION
