"""New from Example without a display: inputs, the background scaffold, what is saved, the diff."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from postback_studio.core.model import Event, OutputFormat, TemplateKind, TemplateStatus
from postback_studio.core.new_from_example import (
    Difference,
    LineKind,
    ProblemSource,
    ScaffoldRequest,
    Tone,
    detect_format,
    diff_with_example,
    draft_scaffold,
    example_payload_sample,
    example_sample_choices,
    guess_event,
    scaffolded_template,
    suggested_name,
)
from postback_studio.core.records import SamplePayload
from postback_studio.core.render import RenderEngine
from postback_studio.core.samples import load_sample
from postback_studio.core.scaffold import Corrections
from tests.core.scaffold.corpus import ROOT

JSON, XML = OutputFormat.JSON, OutputFormat.XML
PARCELS = (ROOT / "flattened-parcels" / "example.json").read_text(encoding="utf-8")
XML_EXAMPLE = (ROOT / "xml-attributes" / "example.xml").read_text(encoding="utf-8")
MULTI = json.dumps(load_sample("shipped.multi-item"))


@pytest.fixture(scope="module")
def engine() -> Iterator[RenderEngine]:
    with RenderEngine(time_limit=2.0) as render_engine:
        yield render_engine


def request(example: str = PARCELS, fmt: OutputFormat | None = JSON, payload: str = MULTI) -> ScaffoldRequest:
    return ScaffoldRequest(example, fmt, payload, "shipped.multi-item")


@pytest.mark.parametrize(
    ("text", "filename", "expected"),
    [
        ('{"a": 1}', None, JSON),
        ("\ufeff\n  [1]", None, JSON),
        ('<?xml version="1.0"?><a/>', None, XML),
        ("<!-- c --><a/>", None, XML),
        ("<a/>", "receiver.json", JSON),
        ('{"a": 1}', "receiver.XML", XML),
        ("shipment=1", None, None),
        ("", "notes.txt", None),
    ],
)
def test_the_format_comes_from_the_file_name_else_the_first_character(
    text: str, filename: str | None, expected: OutputFormat | None
) -> None:
    assert detect_format(text, filename) is expected


def test_samples_are_offered_by_event_in_the_orders_life_with_the_users_own_after_the_built_ins() -> None:
    mine = SamplePayload("my shipped", Event.SHIPPED, "{}", id=4)
    choices = example_sample_choices([mine])
    events = list(dict.fromkeys(choice.event for choice in choices))
    assert events == [
        Event.RECEIVED,
        Event.PRODUCED,
        Event.SHIPPED,
        Event.IN_TRANSIT,
        Event.DELIVERED,
        Event.FAILED,
        Event.CANCELED,
        Event.RETURNED,
    ]
    shipped = [c.key for c in choices if c.event is Event.SHIPPED]
    assert shipped == ["shipped", "shipped.multi-item", "user:4"]


def test_a_good_request_gives_the_corrected_template_and_its_check(engine: RenderEngine) -> None:
    draft = draft_scaffold(engine, request())
    assert draft.problem is None and draft.scaffold is not None
    assert "{%- for fulfillment in item.fulfillments %}" in draft.template
    assert draft.check is not None and draft.check.clean
    verdict = draft.verdict()
    assert (verdict.tone, verdict.text) == (Tone.OK, "Identical to the example on shipped.multi-item.")
    other = draft.scaffold.result.mapping.row("shipmentFor").alternatives[0]
    corrected = draft_scaffold(
        engine,
        ScaffoldRequest(PARCELS, JSON, MULTI, "x", Corrections().with_row("shipmentFor", other)),
    )
    assert f"{{{{ {other.path}|tojson }}}}" in corrected.template


def test_without_an_engine_the_template_is_not_checked() -> None:
    draft = draft_scaffold(None, request())
    assert draft.check is None and draft.template and draft.verdict().tone is Tone.MUTED


@pytest.mark.parametrize(
    ("example", "fmt", "payload", "expected"),
    [
        ('{\n  "a": 1,\n  "b" 2\n}', JSON, MULTI, (ProblemSource.EXAMPLE, 3, 7, "not valid JSON")),
        ("<order>\n  <a>1</b>\n</order>", XML, MULTI, (ProblemSource.EXAMPLE, 2, 11, "not well-formed XML")),
        ("order: 1", None, MULTI, (ProblemSource.EXAMPLE, 1, 1, "choose the format")),
        (PARCELS, JSON, '{\n  "orderId": 1,\n}', (ProblemSource.PAYLOAD, 3, 1, "not valid JSON")),
        (PARCELS, JSON, "[1, 2]", (ProblemSource.PAYLOAD, 1, 1, "must be a JSON object")),
    ],
)
def test_bad_input_is_a_problem_with_its_place_not_an_exception(
    example: str, fmt: OutputFormat | None, payload: str, expected: tuple[ProblemSource, int, int, str]
) -> None:
    source, line, column, words = expected
    draft = draft_scaffold(None, request(example, fmt, payload))
    problem = draft.problem
    assert problem is not None and draft.scaffold is None and draft.template == ""
    assert (problem.source, problem.line, problem.column, problem.empty) == (source, line, column, False)
    assert words in problem.message
    where = "Example" if source is ProblemSource.EXAMPLE else "Payload"
    assert problem.describe().startswith(f"{where}, line {line}, column {column}: ")


@pytest.mark.parametrize(("example", "payload"), [("  \n", MULTI), (PARCELS, "")])
def test_missing_input_is_a_hint(example: str, payload: str) -> None:
    draft = draft_scaffold(None, request(example, JSON, payload))
    assert draft.problem is not None and draft.problem.empty


def test_create_template_saves_a_draft_webhook_of_the_examples_format() -> None:
    draft = draft_scaffold(None, request(XML_EXAMPLE, XML))
    template = scaffolded_template("acme-shipped", 7, draft)
    assert (template.name, template.kind, template.format, template.status, template.customer_id) == (
        "acme-shipped",
        TemplateKind.WEBHOOK,
        XML,
        TemplateStatus.DRAFT,
        7,
    )
    assert template.body == draft.template and template.id is None
    with pytest.raises(ValueError, match="no template"):
        scaffolded_template("x", None, draft_scaffold(None, request("{", JSON)))


def test_names_for_the_template_and_the_pasted_payload_are_free() -> None:
    assert (
        suggested_name("/tmp/acme-receiver.json", Event.SHIPPED, JSON, ["acme-receiver"]) == "acme-receiver 2"
    )
    assert suggested_name(None, Event.SHIPPED, XML, []) == "shipped-xml-from-example"
    sample = example_payload_sample("acme", Event.SHIPPED, "{}", ["acme (example's payload)"])
    assert (sample.name, sample.event, sample.payload) == ("acme (example's payload) 2", Event.SHIPPED, "{}")
    assert guess_event({"eventType": "in_transit"}) is Event.IN_TRANSIT
    assert guess_event({"eventType": "teleported"}) is None and guess_event([]) is None


def test_an_identical_output_is_all_same_lines() -> None:
    diff = diff_with_example(PARCELS, PARCELS.strip(), JSON, "shipped.multi-item")
    assert diff.comparison.identical and diff.changed == 0
    assert {line.kind for line in diff.lines} == {LineKind.SAME}
    assert diff.verdict.tone is Tone.OK


def test_escaped_characters_are_explained_and_marked_harmless() -> None:
    example = '{\n  "name": "Café & Co",\n  "qty": 2.50\n}'
    output = '{\n  "name": "Caf\\u00e9 \\u0026 Co",\n  "qty": 2.5\n}'
    diff = diff_with_example(example, output, JSON, "shipped")
    assert diff.comparison.equivalent and not diff.comparison.identical
    assert diff.reasons == (Difference.ESCAPES, Difference.NUMBERS)
    changed = [line for line in diff.lines if line.kind is not LineKind.SAME]
    assert [(line.kind, line.harmless) for line in changed] == [
        (LineKind.EXAMPLE, True),
        (LineKind.OUTPUT, True),
        (LineKind.EXAMPLE, True),
        (LineKind.OUTPUT, True),
    ]
    assert diff.verdict.tone is Tone.OK
    assert diff.verdict.text == (
        "The same JSON as the example on shipped; the text differs only in how characters are escaped "
        "(|tojson writes é as \\u00e9 and & as \\u0026) and how numbers are written (2.50 as 2.5), "
        "which any JSON parser reads the same."
    )


def test_xml_escapes_are_explained() -> None:
    diff = diff_with_example("<a>it's</a>", "<a>it&#39;s</a>", XML, "shipped")
    assert diff.reasons == (Difference.ESCAPES,) and "|e writes ' as &#39;" in diff.verdict.text


def test_a_real_difference_is_a_warning_naming_where() -> None:
    example = '{\n  "sku": "A",\n  "qty": 2\n}'
    output = '{\n  "sku": "B",\n  "qty": 2\n}'
    diff = diff_with_example(example, output, JSON, "shipped")
    assert diff.verdict.tone is Tone.WARNING
    assert (
        diff.verdict.text == 'Differs from the example on shipped: sku: the example has "A", the output "B"'
    )
    assert [
        (line.kind, line.text, line.harmless) for line in diff.lines if line.kind is not LineKind.SAME
    ] == [
        (LineKind.EXAMPLE, '  "sku": "A",', False),
        (LineKind.OUTPUT, '  "sku": "B",', False),
    ]


def test_the_drafts_verdict_says_why_an_equivalent_output_reads_differently(engine: RenderEngine) -> None:
    example = (ROOT / "failed-event" / "example.json").read_text(encoding="utf-8")
    payload = json.dumps(load_sample("failed.multi-item"))
    draft = draft_scaffold(engine, ScaffoldRequest(example, JSON, payload, "Order failed (multi-item)"))
    assert draft.diff is not None and draft.diff.reasons == (Difference.ESCAPES,)
    verdict = draft.verdict()
    assert verdict.tone is Tone.OK
    assert verdict.text.startswith("The same JSON as the example on Order failed (multi-item); the text")
    assert "how characters are escaped (|tojson writes ' as \\u0027)" in verdict.text
