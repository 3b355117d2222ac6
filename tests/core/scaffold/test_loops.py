"""Arrays become loops: over the payload array their values come from, nested loops flattened right."""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from postback_studio.core.model import OutputFormat
from postback_studio.core.render import RenderEngine
from postback_studio.core.scaffold import PayloadPath, scaffold
from postback_studio.core.scaffold.loops import align

JSON, XML = OutputFormat.JSON, OutputFormat.XML


def order(parcels_per_item: list[int]) -> dict[str, Any]:
    """An order whose items have the given numbers of parcels, every value distinct."""
    return {
        "orderReferenceId": "R-" + "-".join(map(str, parcels_per_item)),
        "items": [
            {
                "sku": f"SKU-{i}",
                "fulfillments": [{"trackingCode": f"TRACK-{i}-{j}"} for j in range(count)],
            }
            for i, count in enumerate(parcels_per_item)
        ],
    }


#: Item and parcel counts, empty ones included, that a loop over nested arrays must all survive.
SHAPES = [[], [0], [1], [0, 0], [2, 0], [0, 2], [1, 0, 2], [0, 3, 0, 1], [2, 2]]


def flat_parcels(payload: dict[str, Any]) -> list[dict[str, str]]:
    return [
        {"sku": item["sku"], "tracking": f["trackingCode"]}
        for item in payload["items"]
        for f in item["fulfillments"]
    ]


@pytest.mark.parametrize("indent", [2, 4, "\t", None])
def test_parcels_flattened_across_items_have_commas_right_for_any_counts(
    engine: RenderEngine, indent: int | str | None
) -> None:
    source = order([1, 2])
    example = json.dumps({"ref": source["orderReferenceId"], "parcels": flat_parcels(source)}, indent=indent)
    result = scaffold(example, JSON, source)
    loop = result.mapping.loop("parcels")
    assert str(loop.source) == "items[].fulfillments[]" and loop.variables == ("item", "fulfillment")
    assert loop.flag
    for shape in SHAPES:
        payload = order(shape)
        rendered = engine.render(result.template, payload, fmt=JSON)
        assert rendered.valid, (shape, rendered.output)
        assert json.loads(rendered.output or "")["parcels"] == flat_parcels(payload)


def test_the_same_in_xml_where_elements_need_no_separators(engine: RenderEngine) -> None:
    source = order([1, 2])
    parcels = "".join(
        f'\n  <parcel sku="{p["sku"]}"><code>{p["tracking"]}</code></parcel>' for p in flat_parcels(source)
    )
    example = f'<?xml version="1.0"?>\n<parcels ref="{source["orderReferenceId"]}">{parcels}\n</parcels>\n'
    result = scaffold(example, XML, source)
    assert str(result.mapping.loop("/parcels/parcel").source) == "items[].fulfillments[]"
    for shape in SHAPES:
        payload = order(shape)
        rendered = engine.render(result.template, payload, fmt=XML)
        assert rendered.valid, (shape, rendered.output)
        root = etree.fromstring((rendered.output or "").encode())
        found = [{"sku": p.get("sku"), "tracking": p.findtext("code")} for p in root]
        assert found == flat_parcels(payload)


def test_nested_example_arrays_become_nested_loops(engine: RenderEngine) -> None:
    source = order([1, 2])
    lines = [
        {"sku": item["sku"], "parcels": [f["trackingCode"] for f in item["fulfillments"]]}
        for item in source["items"]
    ]
    result = scaffold(json.dumps({"lines": lines}, indent=2), JSON, source)
    inner = result.mapping.loop("lines[].parcels")
    assert str(inner.source) == "items[].fulfillments[]" and inner.variables == ("fulfillment",)
    assert "{%- for fulfillment in item.fulfillments %}" in result.template
    for shape in SHAPES:
        payload = order(shape)
        rendered = json.loads(engine.render(result.template, payload, fmt=JSON).output or "")
        assert rendered["lines"] == [
            {"sku": item["sku"], "parcels": [f["trackingCode"] for f in item["fulfillments"]]}
            for item in payload["items"]
        ]


def test_a_one_element_array_is_still_a_loop_when_its_values_come_from_an_array(engine: RenderEngine) -> None:
    source = order([1])
    result = scaffold('{"skus": ["SKU-0"], "lines": [{"sku": "SKU-0"}]}', JSON, source)
    assert str(result.mapping.loop("skus").source) == "items[]"
    assert str(result.mapping.loop("lines").source) == "items[]"
    rendered = json.loads(engine.render(result.template, order([0, 0, 0]), fmt=JSON).output or "")
    assert rendered == {"skus": ["SKU-0", "SKU-1", "SKU-2"], "lines": [{"sku": f"SKU-{i}"} for i in range(3)]}


def test_a_one_element_array_of_order_wide_values_stays_as_written() -> None:
    payload = {"shippingAddress": {"city": "Berlin", "postCode": "10435"}, "items": [{"city": "Berlin"}]}
    result = scaffold('{"addresses": [{"city": "Berlin", "zip": "10435"}]}', JSON, payload)
    loop = result.mapping.loop("addresses")
    assert loop.source is None and loop.alternatives == ()
    assert str(result.mapping.row("addresses[0].city").source.path) == "shippingAddress.city"  # type: ignore[union-attr]


def test_xml_repeated_and_single_elements(engine: RenderEngine) -> None:
    source = {
        "ref": "R-1",
        "shippingAddress": {"city": "Berlin"},
        "items": [
            {"sku": "A", "fulfillments": [{"trackingCode": "TRACK-A"}]},
            {"sku": "B", "fulfillments": []},
        ],
    }
    example = (
        "<order>\n  <ref>R-1</ref>\n  <city>Berlin</city>\n"
        '  <item sku="A"/>\n  <item sku="B"/>\n'
        "  <parcels>\n    <parcel>\n      <code>TRACK-A</code>\n    </parcel>\n  </parcels>\n</order>"
    )
    result = scaffold(example, XML, source)
    assert str(result.mapping.loop("/order/item").source) == "items[]"
    assert str(result.mapping.loop("/order/parcels/parcel").source) == "items[].fulfillments[]"
    loops = {loop.example_path for loop in result.mapping.loops}
    assert loops == {"/order/item", "/order/parcels/parcel"}  # ref, city and parcels are plain fields
    rendered = engine.render(result.template, {**source, "items": source["items"] * 2}, fmt=XML)
    root = etree.fromstring((rendered.output or "").encode())
    assert [i.get("sku") for i in root.iter("item")] == ["A", "B", "A", "B"]
    assert [c.text for c in root.iter("code")] == ["TRACK-A", "TRACK-A"]


@pytest.mark.parametrize(
    "example",
    [
        '<a><b n="1"/><b n="2"/></a>',
        '<a>\n<b n="1"/> <b n="2"/>\n</a>',
        '<a>\n    <b n="1"/>\n    <b n="2"/></a>',
    ],
)
def test_xml_loops_keep_any_whitespace_between_elements(engine: RenderEngine, example: str) -> None:
    payload = {"items": [{"n": "1"}, {"n": "2"}]}
    result = scaffold(example, XML, payload)
    assert engine.render(result.template, payload, fmt=XML).output == example
    none = engine.render(result.template, {"items": []}, fmt=XML)
    assert none.valid and etree.fromstring((none.output or "").encode()).findall("b") == []


def test_loop_variables_do_not_hide_payload_names(engine: RenderEngine) -> None:
    payload = {"package": {"id": "P-9"}, "packages": [{"code": "C-1"}, {"code": "C-2"}]}
    result = scaffold(
        '{"pkg": "P-9", "codes": [{"code": "C-1", "pkg": "P-9"}, {"code": "C-2", "pkg": "P-9"}]}',
        JSON,
        payload,
    )
    assert result.mapping.loop("codes").variables == ("package_2",)
    rendered = json.loads(engine.render(result.template, payload, fmt=JSON).output or "")
    assert rendered["codes"][1] == {"code": "C-2", "pkg": "P-9"}


def test_a_loop_can_be_chosen_by_hand_or_turned_off(engine: RenderEngine) -> None:
    source = order([1, 2])
    example = json.dumps({"lines": [{"sku": "SKU-0"}, {"sku": "SKU-1"}]})
    by_items = scaffold(example, JSON, source)
    assert str(by_items.mapping.loop("lines").source) == "items[]"
    fixed = scaffold(example, JSON, source, loops={"lines": None})
    assert fixed.mapping.loop("lines").source is None
    assert fixed.template.startswith('{"lines": [{"sku": {{ items[0].sku|tojson if items else "null" }}}')
    flattened = scaffold(
        example, JSON, source, loops={"lines": PayloadPath(("items", None, "fulfillments", None))}
    )
    rendered = json.loads(engine.render(flattened.template, source, fmt=JSON).output or "")
    assert rendered == {"lines": [{"sku": "SKU-0"}, {"sku": "SKU-1"}, {"sku": "SKU-1"}]}
    with pytest.raises(ValueError, match="no array at nope"):
        scaffold(example, JSON, source, loops={"nope": None})
    with pytest.raises(ValueError, match="cannot loop over"):
        scaffold(example, JSON, source, loops={"lines": PayloadPath(("shipment", None))})


def test_every_combination_of_small_counts_stays_valid(engine: RenderEngine) -> None:
    """Items 0..3, each with 0..2 parcels: 40 orders, every output valid and complete."""
    source = order([2, 1])
    example = json.dumps(
        {"parcels": flat_parcels(source), "skus": [i["sku"] for i in source["items"]]}, indent=2
    )
    template = scaffold(example, JSON, source).template
    for count in range(4):
        for shape in itertools.product(range(3), repeat=count):
            payload = order(list(shape))
            output = json.loads(engine.render(template, payload, fmt=JSON).output or "")
            assert output["parcels"] == flat_parcels(payload)
            assert output["skus"] == [i["sku"] for i in payload["items"]]


@given(
    st.lists(st.dictionaries(st.integers(0, 7), st.integers(1, 4), max_size=5), max_size=7),
)
def test_alignment_finds_the_heaviest_order_keeping_pairing(cells: list[dict[int, int]]) -> None:
    pairs = align(cells, 8)
    assert all(a[0] < b[0] and a[1] < b[1] for a, b in itertools.pairwise(pairs))
    assert all(cells[element][position] == weight for element, position, weight in pairs)
    best = [[0] * 9 for _ in range(len(cells) + 1)]
    for k in range(1, len(cells) + 1):
        for j in range(1, 9):
            diagonal = best[k - 1][j - 1] + cells[k - 1].get(j - 1, 0)
            best[k][j] = max(best[k - 1][j], best[k][j - 1], diagonal)
    assert sum(weight for _, _, weight in pairs) == best[len(cells)][8]


def test_a_loop_chosen_by_hand_is_written_even_when_it_explains_nothing(engine: RenderEngine) -> None:
    payload = {"items": [{"sku": "SKU-0"}], "tags": [{"name": "gift"}, {"name": "rush"}]}
    example = json.dumps({"lines": [{"sku": "SKU-0"}]})
    result = scaffold(example, JSON, payload, loops={"lines": PayloadPath(("tags", None))})
    loop = result.mapping.loop("lines")
    assert str(loop.source) == "tags[]" and loop.notes[-1].endswith("the loop was chosen by hand")
    rendered = json.loads(engine.render(result.template, payload, fmt=JSON).output or "")
    assert rendered == {"lines": [{"sku": "SKU-0"}, {"sku": "SKU-0"}]}
