"""The user's corrections: values picked by hand, loops changed, and picks re-applied after a new scaffold."""

from __future__ import annotations

import json

import pytest

from postback_studio.core.doctor import check_edge_cases
from postback_studio.core.model import OutputFormat
from postback_studio.core.render import RenderEngine
from postback_studio.core.samples import load_sample
from postback_studio.core.scaffold import (
    Candidate,
    Corrections,
    MatchKind,
    PayloadPath,
    Transform,
    check_scaffold,
    choose,
    generate,
    loop_source_options,
    path_options,
    scaffold,
    scaffold_corrected,
)
from tests.core.scaffold.corpus import ROOT, load_case

JSON, XML = OutputFormat.JSON, OutputFormat.XML
PARCELS = load_case(ROOT / "flattened-parcels")
CONSTANTS = load_case(ROOT / "constants")
RECEIVED = load_case(ROOT / "received-lines")
XML_LINES = load_case(ROOT / "xml-nested-repetition")


def option(options: tuple[Candidate, ...], path: str) -> Candidate:
    return next(o for o in options if str(o.path) == path)


def paths(candidates: tuple[Candidate, ...]) -> set[str]:
    return {str(c.path) for c in candidates}


def test_a_constant_can_take_its_value_from_a_path_chosen_by_hand(engine: RenderEngine) -> None:
    result = scaffold(CONSTANTS.example, JSON, CONSTANTS.payload)
    assert result.mapping.row("type").source is None
    offered = path_options(result.mapping, CONSTANTS.payload, "type", JSON)
    event_type = option(offered, "eventType")
    assert event_type.kind is MatchKind.BY_HAND
    corrected = choose(result.mapping, "type", event_type)
    assert corrected.row("type").kind is MatchKind.BY_HAND
    template = generate(result.example, corrected)
    assert '"type": {{ eventType|tojson }},' in template
    output = json.loads(engine.render(template, CONSTANTS.payload, fmt=JSON).output or "")
    assert output["type"] == CONSTANTS.payload["eventType"]


def test_a_number_picked_by_hand_for_text_in_the_example_is_written_as_text(engine: RenderEngine) -> None:
    result = scaffold(CONSTANTS.example, JSON, CONSTANTS.payload)
    quantity = option(path_options(result.mapping, CONSTANTS.payload, "type", JSON), "shipment.packagesCount")
    assert quantity.transform is Transform.STRING
    template = generate(result.example, choose(result.mapping, "type", quantity))
    output = json.loads(engine.render(template, CONSTANTS.payload, fmt=JSON).output or "")
    assert output["type"] == str(CONSTANTS.payload["shipment"]["packagesCount"])


def test_a_mapped_value_can_be_kept_as_the_example_writes_it() -> None:
    result = scaffold(PARCELS.example, JSON, PARCELS.payload)
    corrected = choose(result.mapping, "shipmentFor", None)
    assert corrected.row("shipmentFor").kind is MatchKind.CONSTANT
    assert '"shipmentFor": "ACME-100235",' in generate(result.example, corrected)


def test_hand_picked_paths_are_those_the_loops_around_the_value_can_read() -> None:
    result = scaffold(PARCELS.example, JSON, PARCELS.payload)
    inside = paths(path_options(result.mapping, PARCELS.payload, "parcels[].carrier", JSON))
    assert {"items[].fulfillments[].fulfillmentCountry", "items[].productName", "orderId"} <= inside
    # Arrays the loop does not walk, and what the row already offers, are not offered again.
    assert not {p for p in inside if "files" in p or p.startswith("package.items")}
    assert "items[].fulfillments[].carrierName" not in inside
    outside = paths(path_options(result.mapping, PARCELS.payload, "shipmentFor", JSON))
    assert "orderId" in outside and not {p for p in outside if "[]" in p}


def test_xml_rows_read_through_their_nested_loops() -> None:
    result = scaffold(XML_LINES.example, XML, XML_LINES.payload)
    tracking = next(r for r in result.mapping.rows if r.example_path.endswith("ship:Tracking"))
    offered = paths(path_options(result.mapping, XML_LINES.payload, tracking.example_path, XML))
    assert "items[].fulfillments[].carrierName" in offered and "items[].sku" in offered
    assert (
        option(
            path_options(result.mapping, XML_LINES.payload, tracking.example_path, XML),
            "items[].fulfillments[].packageId",
        ).transform
        is Transform.NONE
    )


def test_a_changed_loop_rescaffolds_and_reapplies_the_choices_that_still_apply(engine: RenderEngine) -> None:
    result = scaffold(PARCELS.example, JSON, PARCELS.payload)
    shipment_for = result.mapping.row("shipmentFor")
    other = next(c for c in shipment_for.alternatives if str(c.path) == "order.referenceId")
    method = option(
        path_options(result.mapping, PARCELS.payload, "parcels[].carrier", JSON),
        "items[].fulfillments[].shipmentMethodName",
    )
    corrections = (
        Corrections()
        .with_row("shipmentFor", other)
        .with_row("parcels[].carrier", method)
        .with_row("parcels[].packageId", None)
    )
    kept = scaffold_corrected(PARCELS.example, JSON, PARCELS.payload, corrections)
    assert kept.dropped == () and kept.applied.rows == corrections.rows
    assert "{{ fulfillment.shipmentMethodName|tojson }}" in kept.result.template

    loop = result.mapping.loop("parcels")
    assert PayloadPath(("items", None)) in loop_source_options(loop)
    changed = scaffold_corrected(
        PARCELS.example, JSON, PARCELS.payload, corrections.with_loop("parcels", PayloadPath(("items", None)))
    )
    mapping = changed.result.mapping
    assert str(mapping.loop("parcels").source) == "items[]"
    assert mapping.row("shipmentFor").source == other
    assert mapping.row("parcels[].packageId").kind is MatchKind.CONSTANT
    (dropped,) = changed.dropped
    assert (dropped.example_path, dropped.choice) == (
        "parcels[].carrier",
        "items[].fulfillments[].shipmentMethodName",
    )
    assert "no longer applies" in dropped.describe()
    assert [path for path, _ in changed.applied.rows] == ["shipmentFor", "parcels[].packageId"]
    assert changed.result.template == generate(changed.result.example, mapping)
    check = check_scaffold(engine, changed.result.example, changed.result.template, PARCELS.payload)
    assert check.result.valid and not check.result.diagnostics


def test_an_inner_loop_choice_goes_when_its_outer_loop_is_kept_as_written() -> None:
    result = scaffold(RECEIVED.example, JSON, RECEIVED.payload)
    assert str(result.mapping.loop("order.lines[].files").source) == "items[].files[]"
    corrections = Corrections().with_loop("order.lines[].files", None).with_loop("order.lines", None)
    corrected = scaffold_corrected(RECEIVED.example, JSON, RECEIVED.payload, corrections)
    assert corrected.result.mapping.loop("order.lines").source is None
    assert [d.example_path for d in corrected.dropped] == ["order.lines[].files"]
    assert corrected.applied.loops == (("order.lines", None),)


def test_a_choice_for_a_value_the_example_no_longer_has_is_dropped() -> None:
    result = scaffold(RECEIVED.example, JSON, RECEIVED.payload)
    sku = result.mapping.row("order.lines[].sku")
    corrections = Corrections().with_row("order.lines[].sku", None).with_loop("order.lines", None)
    corrected = scaffold_corrected(RECEIVED.example, JSON, RECEIVED.payload, corrections)
    assert sku.example_path not in {r.example_path for r in corrected.result.mapping.rows}
    assert [d.example_path for d in corrected.dropped] == ["order.lines[].sku"]


def test_a_later_choice_for_the_same_row_replaces_the_earlier() -> None:
    first = Corrections().with_row("a", None).with_loop("x", None)
    second = first.with_row("a", None).with_loop("x", PayloadPath(("items", None)))
    assert len(second.rows) == 1 and second.loop_choices() == {"x": PayloadPath(("items", None))}


def test_a_hand_pick_the_row_does_not_offer_is_refused_unless_by_hand() -> None:
    result = scaffold(PARCELS.example, JSON, PARCELS.payload)
    foreign = option(path_options(result.mapping, PARCELS.payload, "shipmentFor", JSON), "orderId")
    with pytest.raises(ValueError, match="not an alternative"):
        result.mapping.choose("shipmentFor", foreign)
    assert choose(result.mapping, "shipmentFor", foreign).row("shipmentFor").source == foreign


def test_corrected_templates_still_pass_the_edge_case_check(engine: RenderEngine) -> None:
    """The doctor's check is the spec for corrected templates too: hand picks, constants, other loops."""
    result = scaffold(PARCELS.example, JSON, PARCELS.payload)
    corrections = (
        Corrections()
        .with_row(
            "shipmentFor",
            option(path_options(result.mapping, PARCELS.payload, "shipmentFor", JSON), "orderId"),
        )
        .with_row("parcels[].packageId", None)
        .with_row(
            "parcels[].carrier",
            option(
                path_options(result.mapping, PARCELS.payload, "parcels[].carrier", JSON), "items[].quantity"
            ),
        )
    )
    for loop in (None, PayloadPath(("items", None))):
        wanted = corrections if loop is None else corrections.with_loop("parcels", loop)
        template = scaffold_corrected(PARCELS.example, JSON, PARCELS.payload, wanted).result.template
        report = check_edge_cases(engine, template, {"shipped.multi-item": PARCELS.payload}, JSON)
        assert report.passed, [f.summary() for f in report.findings]


def test_corrections_on_an_unchanged_loop_are_the_mapping_choose_of_stage_one() -> None:
    payload = load_sample("shipped.multi-item")
    result = scaffold(PARCELS.example, JSON, payload)
    other = result.mapping.row("shipmentFor").alternatives[0]
    corrected = scaffold_corrected(
        PARCELS.example, JSON, payload, Corrections().with_row("shipmentFor", other)
    )
    assert corrected.result.template == generate(result.example, result.mapping.choose("shipmentFor", other))
