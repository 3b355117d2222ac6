"""The mapping as a value: what a table shows, and correcting a row to regenerate the template."""

from __future__ import annotations

import dataclasses
import json

import pytest

from postback_studio.core.model import OutputFormat
from postback_studio.core.render import RenderEngine
from postback_studio.core.samples import load_sample
from postback_studio.core.scaffold import Candidate, MatchKind, PayloadPath, generate, scaffold

EXAMPLE = """{
  "event": "Order Shipped",
  "order_no": "ACME-100235",
  "method": "UPS Surepost",
  "parcels": [
    {"sku": "PHOTOBOOK-A4", "tracking": "1Z999AA10123456791"},
    {"sku": "CARD-5R", "tracking": "1Z999AA10123456791"},
    {"sku": "CARD-5R", "tracking": "781234567890"},
    {"sku": "CAL-WALL-A3", "tracking": "781234567890"},
    {"sku": "CAL-WALL-A3", "tracking": "781234567906"}
  ]
}"""


def test_rows_say_where_each_value_is_where_it_comes_from_and_how() -> None:
    result = scaffold(EXAMPLE, OutputFormat.JSON, load_sample("shipped.multi-item"))
    rows = {row.example_path: row for row in result.mapping.rows}
    assert list(rows) == ["event", "order_no", "method", "parcels[].sku", "parcels[].tracking"]
    event, order_no, tracking = rows["event"], rows["order_no"], rows["parcels[].tracking"]
    assert (event.kind, event.source, event.value, event.line, event.column) == (
        MatchKind.CONSTANT,
        None,
        '"Order Shipped"',
        2,
        12,
    )
    assert order_no.source is not None and order_no.source.describe() == "orderReferenceId (exact)"
    assert (order_no.line, order_no.column) == (3, 15)
    assert tracking.source is not None and str(tracking.source.path) == "items[].fulfillments[].trackingCode"
    (loop,) = result.mapping.loops
    assert (loop.example_path, str(loop.source), loop.elements, loop.iterations) == (
        "parcels",
        "items[].fulfillments[]",
        5,
        5,
    )
    assert [str(a) for a in loop.alternatives][:2] == ["items[]", "package.items[]"]
    assert result.mapping.constants == (event,)


def test_choosing_an_alternative_regenerates_the_template(engine: RenderEngine) -> None:
    payload = load_sample("shipped.multi-item")
    result = scaffold(EXAMPLE, OutputFormat.JSON, payload)
    row = result.mapping.row("method")
    assert row.source is not None and str(row.source.path) == "shipment.shipmentMethodName"
    other = next(c for c in row.alternatives if str(c.path) == "shipment.method.name")
    corrected = result.mapping.choose("method", other)
    assert corrected.row("method").source == other
    assert row.source in corrected.row("method").alternatives
    template = generate(result.example, corrected)
    assert '"method": {{ shipment.method.name|tojson }}' in template
    changed = json.loads(json.dumps(payload))
    changed["shipment"]["method"]["name"] = "Something else"
    output = json.loads(engine.render(template, changed, fmt=OutputFormat.JSON).output or "")
    assert output["method"] == "Something else"


def test_choosing_none_keeps_the_example_value_and_a_foreign_choice_is_refused() -> None:
    result = scaffold(EXAMPLE, OutputFormat.JSON, load_sample("shipped.multi-item"))
    literal = result.mapping.choose("order_no", None)
    assert literal.row("order_no").kind is MatchKind.CONSTANT
    assert '"order_no": "ACME-100235",' in generate(result.example, literal)
    foreign = Candidate(PayloadPath(("orderId",)), MatchKind.EXACT)
    with pytest.raises(ValueError, match="not an alternative"):
        result.mapping.choose("order_no", foreign)
    with pytest.raises(KeyError):
        result.mapping.choose("no_such_field", None)
    with pytest.raises(KeyError):
        result.mapping.loop("no_such_array")


def test_the_mapping_is_frozen_plain_data() -> None:
    result = scaffold(EXAMPLE, OutputFormat.JSON, load_sample("shipped.multi-item"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.mapping.rows[0].kind = MatchKind.EXACT  # type: ignore[misc]
    assert generate(result.example, result.mapping) == result.template
