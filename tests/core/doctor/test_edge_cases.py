"""The edge-case check: what breaks, where, and never a false alarm on a correct template."""

from __future__ import annotations

from typing import Any

import pytest

from postback_studio.core.doctor import (
    Change,
    ChangeKind,
    Variant,
    check_edge_cases,
    check_template_edge_cases,
)
from postback_studio.core.doctor.edge_cases import (
    EMAIL_NOT_SENDABLE,
    INVALID_JSON,
    INVALID_XML,
    SCHEMA_VIOLATION,
    TEMPLATE_ERROR,
    EdgeCaseReport,
)
from postback_studio.core.lookup_files import read_lookups_file
from postback_studio.core.model import OutputFormat
from postback_studio.core.paths import resources_dir
from postback_studio.core.render import RenderEngine, Where
from postback_studio.core.samples import load_sample, samples_for_event
from postback_studio.core.template_files import read_template_file
from tests.core.doctor.corpus import BUGGY, CORRECT

TEMPLATES = resources_dir() / "templates"
CARRIERS = read_lookups_file(resources_dir() / "lookups" / "shipmentMethodUid.csv")


def samples(*events: str) -> dict[str, Any]:
    return {name: load_sample(name) for event in events for name in samples_for_event(event)}


def where(report: EdgeCaseReport) -> list[tuple[int, int, str]]:
    return [
        (f.location.line, f.location.column, f.category) if f.location else (0, 0, f.category)
        for f in report.findings
    ]


def test_the_article_template_gets_the_right_findings(engine: RenderEngine) -> None:
    source = (TEMPLATES / "order-shipped-article.json.j2").read_text()
    report = check_edge_cases(engine, source, samples("shipped"), OutputFormat.JSON)
    assert where(report) == [
        (3, 16, INVALID_JSON),  # "{{ orderId }}"
        (4, 25, INVALID_JSON),
        (5, 18, INVALID_JSON),
        (6, 15, INVALID_JSON),
        (8, 16, INVALID_JSON),  # the loop over items: no comma between items
        (9, 23, INVALID_JSON),  # the loop over fulfillments: no comma between them
        (10, 21, INVALID_JSON),
        (11, 20, INVALID_JSON),
        (12, 16, INVALID_JSON),
    ]
    quoted = report.findings[0]
    assert [e.variant.change.value for e in quoted.examples if e.variant.change] == [
        'a"b',
        "a\\",
        "a\nb",
        "a\tb",
    ]
    assert quoted.examples[0].diagnostic.location is not None
    assert quoted.examples[0].diagnostic.location.where is Where.OUTPUT
    loops = report.findings[5]
    assert [e.variant.describe() for e in loops.examples] == [
        "shipped: items[0].fulfillments → [3 elements]",
        "shipped.multi-item (the sample as it is)",
    ]
    assert report.findings[4].first.variant.describe() == "shipped: items → [3 elements]"
    assert not report.passed


def test_the_corrected_shipped_templates_get_no_finding(engine: RenderEngine) -> None:
    for name, events in (
        ("order-shipped.json.j2", ("shipped", "delivered", "in_transit")),
        ("order-shipped-xml.xml.j2", ("shipped", "delivered")),
        ("order-failed.json.j2", ("failed",)),
    ):
        template = read_template_file(TEMPLATES / name).template
        for lookups in (None, CARRIERS):
            report = check_template_edge_cases(engine, template, samples(*events), lookups=lookups)
            assert report.passed, (name, [f.summary() for f in report.findings])
            assert report.variant_count > 200


def test_the_shipped_email_template_breaks_only_on_a_subject_with_a_line_break(engine: RenderEngine) -> None:
    template = read_template_file(TEMPLATES / "order-shipped-email.email.j2").template
    report = check_template_edge_cases(engine, template, samples("shipped"))
    (finding,) = report.findings
    assert finding.category == EMAIL_NOT_SENDABLE
    assert finding.location is not None and finding.location.part == "subject"
    assert {e.variant.change.describe() for e in finding.examples if e.variant.change} == {
        "orderReferenceId → 'a\\nb'"
    }


@pytest.mark.parametrize("name", sorted(CORRECT))
def test_correct_templates_get_no_false_alarm(engine: RenderEngine, name: str) -> None:
    fmt, source = CORRECT[name]
    for event in ("shipped", "received", "delivered", "in_transit"):
        report = check_edge_cases(engine, source, samples(event), fmt, lookups=CARRIERS)
        assert report.passed, (event, [f.summary() for f in report.findings])


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("raw-values", [(1, INVALID_JSON), (1, INVALID_JSON)]),
        ("xml-unescaped", [(2, INVALID_XML), (3, INVALID_XML), (4, INVALID_XML)]),
        ("empty-index", [(1, TEMPLATE_ERROR), (2, TEMPLATE_ERROR)]),
        ("inner-separator-only", [(2, INVALID_JSON), (3, INVALID_JSON)]),
        ("no-separator", [(2, INVALID_JSON)]),
        ("string-interpolation", [(1, INVALID_JSON), (1, INVALID_JSON), (1, INVALID_JSON)]),
    ],
)
def test_buggy_templates_are_caught_where_they_break(
    engine: RenderEngine, name: str, expected: list[tuple[int, str]]
) -> None:
    fmt, source, _ = BUGGY[name]
    report = check_edge_cases(engine, source, samples("shipped"), fmt)
    assert [(line, category) for line, _, category in where(report)] == expected


def test_a_null_number_written_raw_is_found_at_its_expression(engine: RenderEngine) -> None:
    fmt, source, _ = BUGGY["raw-values"]
    report = check_edge_cases(engine, source, {"shipped": load_sample("shipped")}, fmt)
    quantity, price = report.findings
    assert quantity.location is not None and quantity.location.column == source.index("item.quantity") + 1
    assert price.location is not None and price.location.column == source.index("item.price") + 1
    assert quantity.variants == (Variant("shipped", Change(("items", 0, "quantity"), ChangeKind.NULL)),)


def test_ten_fields_written_the_same_wrong_way_are_one_finding(engine: RenderEngine) -> None:
    source = (
        '{"metadata": {\n{%- for key, value in order.metadata.items() %}\n'
        '  {{ key|tojson }}: "{{ value }}"{% if not loop.last %},{% endif %}\n{%- endfor %}\n}}'
    )
    payload = {"order": {"metadata": {f"field{n}": f"value {n}" for n in range(10)}}}
    report = check_edge_cases(engine, source, {"mine": payload}, OutputFormat.JSON)
    (finding,) = report.findings
    assert finding.location is not None and finding.location.line == 3
    assert {e.variant.change.path[-1] for e in finding.examples if e.variant.change} == {
        f"field{n}" for n in range(10)
    }
    assert len(finding.examples) == 40


def test_the_report_is_deterministic(engine: RenderEngine) -> None:
    source = (TEMPLATES / "order-shipped-article.json.j2").read_text()
    first = check_edge_cases(engine, source, samples("shipped"), OutputFormat.JSON)
    second = check_edge_cases(engine, source, samples("shipped"), OutputFormat.JSON)
    assert first == second


def test_a_variant_renders_again_on_demand(engine: RenderEngine) -> None:
    source = (TEMPLATES / "order-shipped-article.json.j2").read_text()
    report = check_edge_cases(engine, source, samples("shipped"), OutputFormat.JSON)
    example = report.findings[0].first
    (result,) = report.render_variant(engine, example.variant).parts.values()
    assert result.output is not None and '"orderId": "a"b"' in result.output
    assert report.finding_for(example.variant) == report.findings[0]
    assert report.finding_for(Variant("shipped")) is None


def test_schema_violations_break_the_template(engine: RenderEngine) -> None:
    schema = '{"type": "object", "properties": {"qty": {"type": "integer"}}, "required": ["qty"]}'
    source = '{"qty": {{ items[0].quantity|tojson }}}'
    report = check_edge_cases(
        engine, source, {"shipped": load_sample("shipped")}, OutputFormat.JSON, schema=schema
    )
    categories = {f.category for f in report.findings}
    assert SCHEMA_VIOLATION in categories
    schema_finding = next(f for f in report.findings if f.category == SCHEMA_VIOLATION)
    assert schema_finding.first.variant.change == Change(("items", 0, "quantity"), ChangeKind.NULL)


def test_a_strict_lookup_that_misses_is_not_a_break(engine: RenderEngine) -> None:
    source = (
        '{"carrier": {{ lookups({"shipmentMethodUid": shipment.shipmentMethodUid}, strict=True)|tojson }}}'
    )
    report = check_edge_cases(
        engine, source, {"shipped": load_sample("shipped")}, OutputFormat.JSON, lookups=CARRIERS
    )
    assert report.passed, [f.summary() for f in report.findings]


def test_unread_values_are_not_varied(engine: RenderEngine) -> None:
    report = check_edge_cases(
        engine, '{"id": {{ orderId|tojson }}}', {"shipped": load_sample("shipped")}, OutputFormat.JSON
    )
    assert report.passed
    assert report.variant_count == 12  # the eleven hostile strings and null, for orderId only
