"""Autocomplete on half-typed templates: triggers, scopes, types and sample values."""

from __future__ import annotations

import pytest

from postback_studio.core.completion import (
    EACH,
    CompletionKind,
    complete,
    expression_for_path,
    scope_at,
)
from tests.fixtures import shipped_payload

LOOPS = "{% for item in items %}\n  {% for fulfillment in item.fulfillments %}\n    {{ fulfillment."


def labels(text: str, explicit: bool = False, cursor: int | None = None) -> list[str]:
    result = complete(text, len(text) if cursor is None else cursor, shipped_payload(), explicit=explicit)
    return [c.label for c in result.items]


def test_after_opening_braces_offers_top_level_fields_and_lookups() -> None:
    result = complete("{{ ", 3, shipped_payload())
    by_label = {c.label: c for c in result.items}
    assert {"orderId", "orderReferenceId", "fulfillmentStatus", "items"} <= set(by_label)
    assert by_label["orderReferenceId"].type_name == "string"
    assert by_label["orderReferenceId"].sample == '"ACME-100234"'
    assert by_label["items"].type_name == "array[2]"
    lookups = by_label["lookups"]
    assert lookups.kind is CompletionKind.FUNCTION
    assert "GelatoConnect" in lookups.sample and 'strict=False, default=""' in lookups.sample
    assert lookups.insert_text.startswith('lookups({"')
    assert lookups.cursor_offset == len('lookups({"')


def test_partial_word_filters_and_sets_replace_range() -> None:
    result = complete("{{ order", 8, shipped_payload())
    assert result.prefix == "order" and result.replace_start == 3
    assert [c.label for c in result.items] == ["orderId", "orderReferenceId"]


def test_loop_variable_members_come_from_first_element() -> None:
    result = complete(LOOPS, len(LOOPS), shipped_payload())
    by_label = {c.label: c for c in result.items}
    assert {"trackingCode", "trackingUrl", "shipmentMethodName", "shipmentMethodUid"} <= set(by_label)
    assert by_label["trackingCode"].sample == '"1Z999AA10123456784"'


def test_nested_loop_scope_ends_at_endfor() -> None:
    text = "{% for item in items %}{% endfor %}{{ item."
    assert labels(text) == []
    assert "item" not in labels("{% for item in items %}{% endfor %}{{ ")


def test_loop_names_are_offered_first_with_their_type() -> None:
    result = complete(LOOPS[: -len("fulfillment.")], len(LOOPS) - len("fulfillment."), shipped_payload())
    first = result.items[:3]
    assert [c.label for c in first] == ["fulfillment", "item", "loop"]
    assert first[0].type_name.startswith("object")


def test_set_alias_is_followed() -> None:
    text = "{% set f = items[0].fulfillments[0] %}{{ f.track"
    assert labels(text) == ["trackingCode", "trackingUrl"]


def test_lookups_alias_is_known_without_a_path() -> None:
    text = '{% set carrier = lookups({"shipmentMethodUid": "x"}) %}{{ car'
    assert labels(text) == ["carrier"]


def test_if_and_for_in_triggers() -> None:
    assert "fulfillmentStatus" in labels("{% if ")
    assert "items" in labels("{% for x in ")
    assert labels("{% for ") == []
    assert "endfor" in labels("{% end")


def test_filters_after_pipe() -> None:
    result = complete("{{ orderId|up", 13, shipped_payload())
    assert result.items[0].label == "upper"
    assert result.items[0].kind is CompletionKind.FILTER


def test_loop_attributes() -> None:
    assert "last" in labels("{% for i in items %}{% if not loop.")


def test_nothing_outside_tags_or_in_comments_or_after_operand() -> None:
    assert labels('{"a": ord') == []
    assert labels("{# {{ ") == []
    assert labels("{{ orderId }} x") == []
    assert labels("{{ orderId ") == []


def test_typing_never_raises_on_broken_text() -> None:
    text = '{% for item in items %}{{ "unterminated {% if x %}{{ item.fulfillments[0].'
    for cursor in range(len(text) + 1):
        complete(text, cursor, shipped_payload(), explicit=True)
    assert "trackingUrl" in labels(text)


def test_scope_at_reports_paths() -> None:
    scope = scope_at(LOOPS, len(LOOPS))
    assert scope["fulfillment"].path == ("items", EACH, "fulfillments", EACH)
    assert scope["item"].path == ("items", EACH)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (("items", 0, "fulfillments", 0, "trackingCode"), "fulfillment.trackingCode"),
        (("items", 1, "itemReferenceId"), "item.itemReferenceId"),
        (("orderId",), "orderId"),
    ],
)
def test_expression_for_path_inside_loops(path: tuple[str | int, ...], expected: str) -> None:
    assert expression_for_path(path, LOOPS, len(LOOPS)) == expected


def test_expression_for_path_outside_loops_is_absolute() -> None:
    text = "{% for item in items %}{% endfor %}"
    assert expression_for_path(("items", 0, "fulfillments", 0, "trackingCode"), text, len(text)) == (
        "items[0].fulfillments[0].trackingCode"
    )


def test_expression_for_path_quotes_odd_keys_and_dict_methods() -> None:
    assert expression_for_path(("order", "items", 0, "a-b"), "", 0) == 'order["items"][0]["a-b"]'


def test_expression_for_path_uses_set_alias() -> None:
    text = "{% set f = items[0].fulfillments[0] %}"
    assert (
        expression_for_path(("items", 0, "fulfillments", 0, "trackingUrl"), text, len(text))
        == "f.trackingUrl"
    )


def test_whitespace_control_tags_and_inside_tag() -> None:
    from postback_studio.core.completion import inside_tag

    assert "items" in labels("{%- for x in ")
    assert "fulfillmentStatus" in labels("{{- ")
    assert inside_tag("{% if ", 6) and inside_tag("{{ a }}", 3)
    assert not inside_tag("{{ a }} ", 8) and not inside_tag("{# {{ ", 6)
