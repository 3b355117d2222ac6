"""How each example value is matched: the order of preference, ties, constants, indices."""

from __future__ import annotations

import json

from postback_studio.core.model import OutputFormat
from postback_studio.core.render import RenderEngine
from postback_studio.core.scaffold import MatchKind, ScaffoldResult, Transform, scaffold

JSON = OutputFormat.JSON


def run(example: object, payload: object) -> ScaffoldResult:
    return scaffold(json.dumps(example, indent=2), JSON, payload)


def test_exact_text_is_preferred_to_a_string_form_even_under_a_more_alike_key() -> None:
    result = run({"count": "3721"}, {"count": 3721, "label": "3721"})
    row = result.mapping.row("count")
    assert row.source is not None and str(row.source.path) == "label"
    assert row.kind is MatchKind.EXACT
    (other,) = row.alternatives
    assert (str(other.path), other.kind, other.transform) == (
        "count",
        MatchKind.STRING_FORM,
        Transform.STRING,
    )


def test_a_string_form_is_preferred_to_a_case_insensitive_match() -> None:
    result = run({"code": "TRUE"}, {"flag": True, "code": "true"})
    row = result.mapping.row("code")
    assert row.source is not None and str(row.source.path) == "code"
    assert row.kind is MatchKind.CASE_INSENSITIVE
    result = run({"code": "true"}, {"code": True, "text": "TRUE"})
    row = result.mapping.row("code")
    assert row.source is not None and row.kind is MatchKind.STRING_FORM


def test_string_forms_render_the_payload_value_as_the_example_writes_it(engine: RenderEngine) -> None:
    payload = {"quantity": 3, "price": 24.9, "gift": True, "express": False, "status": "shipped"}
    example = {"qty": "3", "price": "24.90", "gift": "True", "express": "false", "status": "SHIPPED"}
    result = run(example, payload)
    template = result.template
    assert '"qty": {{ quantity|string|tojson }}' in template
    assert '"price": {{ "%.2f"|format(price|float)|tojson }}' in template
    assert '"gift": {{ gift|string|tojson }}' in template
    assert '"express": {{ express|string|lower|tojson }}' in template
    assert '"status": {{ status|upper|tojson }}' in template
    other = {"quantity": 12, "price": 7.5, "gift": False, "express": True, "status": "in_transit"}
    output = json.loads(engine.render(template, other, fmt=JSON).output or "")
    assert output == {
        "qty": "12",
        "price": "7.50",
        "gift": "False",
        "express": "true",
        "status": "IN_TRANSIT",
    }


def test_text_in_the_payload_becomes_a_number_or_a_boolean_and_says_so() -> None:
    result = run({"zip": 11203, "rush": False}, {"postCode": "11203", "metadata": {"isRush": "False"}})
    zip_row, rush_row = result.mapping.row("zip"), result.mapping.row("rush")
    assert zip_row.source is not None and zip_row.source.transform is Transform.INT
    assert rush_row.source is not None and rush_row.source.transform is Transform.BOOL_FROM_TEXT
    assert any("renders as 0" in note for note in zip_row.notes)
    assert '"rush": {{ (metadata.isRush|string|trim|lower == "true")|tojson }}' in result.template


def test_a_tie_goes_to_the_most_alike_key_and_the_others_are_alternatives() -> None:
    payload = {"orderId": "X-1 ", "orderReferenceId": "ACME-1", "order": {"referenceId": "ACME-1"}}
    row = run({"order_no": "ACME-1"}, payload).mapping.row("order_no")
    assert row.source is not None and str(row.source.path) == "orderReferenceId"
    assert [str(c.path) for c in row.alternatives] == ["order.referenceId"]
    assert not row.notes


def test_an_exact_tie_goes_to_the_shallower_path_and_is_reported() -> None:
    row = run({"ref": "ACME-1"}, {"deep": {"ref": "ACME-1"}, "ref": "ACME-1"}).mapping.row("ref")
    assert row.source is not None and str(row.source.path) == "ref"
    assert row.notes == ("tie: the value is also at deep.ref",)


def test_values_found_nowhere_stay_literals_listed_as_constants() -> None:
    result = run(
        {"type": "shipment", "version": 2, "ref": "ACME-1"}, {"ref": "ACME-1", "items": [{"quantity": 2}]}
    )
    constants = {row.example_path: row for row in result.mapping.constants}
    assert set(constants) == {"type", "version"}
    assert constants["type"].kind is MatchKind.CONSTANT and not constants["type"].notes
    # 2 is an item's quantity, but "version" is nothing like "quantity": a chance match is not used.
    assert [str(c.path) for c in constants["version"].alternatives] == ["items[0].quantity"]
    assert constants["version"].notes
    assert '"type": "shipment",\n  "version": 2,' in result.template


def test_an_index_is_used_only_outside_arrays_and_guarded(engine: RenderEngine) -> None:
    item = {
        "sku": "A-1",
        "files": [{"url": "https://files.example/a-1.pdf"}],
        "fulfillments": [{"code": "1Z999AA1"}, {"code": "1Z999AA2"}],
    }
    example = {
        "firstSku": "A-1",
        "lines": [{"sku": "A-1", "tracking": "1Z999AA1", "file": "https://files.example/a-1.pdf"}],
    }
    result = run(example, {"items": [item]})
    first = result.mapping.row("firstSku")
    assert first.source is not None and str(first.source.path) == "items[0].sku"
    assert '{{ items[0].sku|tojson if items else "null" }}' in result.template
    # The loop walks the files (one per item, as in the example) or the parcels; the value from
    # the other array is reachable only through an index there, so it is not used.
    loop = str(result.mapping.loop("lines").source)
    assert loop == "items[].files[]"
    tracking = result.mapping.row("lines[].tracking")
    assert tracking.kind is MatchKind.UNMATCHED and tracking.source is None
    assert [str(c.path) for c in tracking.alternatives] == ["items[].fulfillments[0].code"]
    assert "through an index inside a loop" in tracking.notes[0]
    empty = engine.render(result.template, {"items": []}, fmt=JSON)
    assert empty.valid and json.loads(empty.output or "") == {"firstSku": None, "lines": []}


def test_null_and_booleans_need_a_like_named_key() -> None:
    payload = {"storeId": None, "note": None, "isGift": True, "express": True}
    result = run({"store_id": None, "comment": None, "gift": True}, payload)
    assert str(result.mapping.row("store_id").source.path) == "storeId"  # type: ignore[union-attr]
    assert result.mapping.row("comment").source is None
    assert str(result.mapping.row("gift").source.path) == "isGift"  # type: ignore[union-attr]


def test_xml_values_are_escaped_and_the_markup_is_kept(engine: RenderEngine) -> None:
    example = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<order b="2" a="x" ref="ACME-1"><name>Paul</name><empty/></order>\n'
    )
    result = scaffold(example, OutputFormat.XML, {"ref": "ACME-1", "first": "Paul"})
    assert result.template == (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<order b="2" a="x" ref="{{ ref|e }}"><name>{{ first|e }}</name><empty/></order>\n'
    )
    rendered = engine.render(result.template, {"ref": 'A"&<B', "first": "O'Neil & Co"}, fmt=OutputFormat.XML)
    assert rendered.valid
    assert 'ref="A&#34;&amp;&lt;B"' in (rendered.output or "")
