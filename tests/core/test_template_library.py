"""The Templates page's rules: skeletons, names, filters, sample choices, check selection, renders."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace

import pytest

from postback_studio.core.model import LIFECYCLE, Event, OutputFormat, Template, TemplateKind
from postback_studio.core.records import SamplePayload
from postback_studio.core.render.engine import RenderEngine
from postback_studio.core.samples import load_sample, sample_names
from postback_studio.core.template_library import (
    NEW_TEMPLATE_CHOICES,
    CheckRequest,
    PreviewRequest,
    check_sample_names,
    check_selectors,
    free_name,
    matches_filter,
    render_preview,
    run_check,
    sample_choices,
    skeleton,
)


@pytest.fixture(scope="module")
def engine() -> Iterator[RenderEngine]:
    with RenderEngine(time_limit=2.0) as render_engine:
        yield render_engine


@pytest.mark.parametrize(("label", "kind", "fmt"), NEW_TEMPLATE_CHOICES)
def test_every_skeleton_renders_valid_output_for_every_event(
    engine: RenderEngine, label: str, kind: TemplateKind, fmt: OutputFormat
) -> None:
    template = skeleton("new", kind, fmt)
    for event in Event:
        rendering = engine.render_template(template, load_sample(event.value))
        assert rendering.valid, (label, event, rendering.diagnostics)
        assert not rendering.diagnostics


def test_free_name_numbers_taken_names() -> None:
    assert free_name("a", []) == "a"
    assert free_name("a", ["a", "a 2"]) == "a 3"


def test_filter_matches_every_word_anywhere() -> None:
    template = Template(name="order-shipped", format=OutputFormat.XML)
    assert matches_filter(template, "Demo customer", "shipped xml")
    assert matches_filter(template, "Demo customer", "DEMO draft")
    assert not matches_filter(template, "Demo customer", "shipped json")
    assert matches_filter(template, "", "")


def test_sample_choices_list_built_ins_then_the_users_own_per_event() -> None:
    mine = SamplePayload("big order", Event.SHIPPED, "{}", id=7)
    choices = sample_choices([mine])
    keys = [c.key for c in choices]
    shipped = [c for c in choices if c.event is Event.SHIPPED]
    assert [c.key for c in shipped] == ["shipped", "shipped.multi-item", "user:7"]
    assert shipped[1].label == "Order shipped (multi-item)"
    assert shipped[2].label == "Order shipped: big order (yours)" and not shipped[2].builtin
    # The name each has in the checks, which a lint's proof uses to find its edge case again.
    assert [c.check_name for c in shipped] == ["shipped", "shipped.multi-item", "shipped (yours: big order)"]
    assert list(check_sample_names(["shipped"], [mine]))[-1] == shipped[2].check_name
    assert len(keys) == 17 and keys[0] == "received"


def test_check_covers_the_events_in_the_name_then_the_triggers_then_all() -> None:
    assert check_selectors(Template(name="order-shipped-article"), [Event.FAILED]) == ["shipped"]
    assert check_selectors(Template(name="my webhook"), [Event.FAILED, Event.FAILED]) == ["failed"]
    assert check_selectors(Template(name="my webhook"), []) == [e.value for e in Event]
    mine = [
        SamplePayload("big", Event.SHIPPED, '{"items": []}', 1),
        SamplePayload("x", Event.FAILED, "{}", 2),
    ]
    assert check_sample_names(["shipped"], mine) == {
        "shipped": None,
        "shipped.multi-item": None,
        "shipped (yours: big)": {"items": []},
    }


def test_preview_render_lexes_the_output_off_the_gui_thread(engine: RenderEngine) -> None:
    template = Template(name="t", body='{"id": "{{ orderId }}"}')
    render = render_preview(engine, PreviewRequest(template, {"orderId": "A1"}))
    assert render.rendering.parts["body"].output == '{"id": "A1"}'
    assert render.spans["body"] and render.spans["body"][0]


def test_a_preview_render_carries_the_lints_and_their_proofs_name_the_sample(engine: RenderEngine) -> None:
    """The Problems list shows lints with every render; a proof names the sample as the checks do."""
    template = Template(name="t", body='{"id": "{{ orderId }}", "qty": {{ items|length }}}')
    payload = {"orderId": "A1", "items": []}
    render = render_preview(engine, PreviewRequest(template, payload, sample="shipped (yours: mine)"))
    (lint,) = render.lints
    assert (lint.code, lint.line, lint.column) == ("json-string-interpolation", 1, 8)
    assert lint.proof is not None and lint.proof.sample == "shipped (yours: mine)"
    corrected = replace(template, body='{"id": {{ orderId|tojson }}}')
    clean = render_preview(engine, PreviewRequest(corrected, payload))
    assert clean.lints == ()


def test_run_check_finds_the_article_multi_item_failure(engine: RenderEngine) -> None:
    from postback_studio.core.paths import resources_dir

    body = (resources_dir() / "templates" / "order-shipped-article.json.j2").read_text(encoding="utf-8")
    template = Template(name="order-shipped-article", body=body)
    samples = check_sample_names(check_selectors(template, []), [])
    outcome = run_check(engine, CheckRequest(template, samples))
    assert [row.sample for row in outcome.rows] == ["shipped", "shipped.multi-item"]
    assert [row.sample for row in outcome.failed] == ["shipped.multi-item"]
    assert json.loads(outcome.rows[0].rendering.parts["body"].output or "")


LIFECYCLE_ORDER = [
    "received", "produced", "shipped", "in_transit", "delivered", "failed", "canceled", "returned",
]


def test_events_are_listed_in_lifecycle_order_everywhere() -> None:
    """Issue 13: the sample picker listed failed, canceled, returned between received and produced."""
    events = list(dict.fromkeys(c.event.value for c in sample_choices([])))
    assert events == LIFECYCLE_ORDER
    assert [e.value for e in Event] == LIFECYCLE_ORDER, "the enum is the one source of the order"
    assert list(dict.fromkeys(name.split(".")[0] for name in sample_names())) == LIFECYCLE_ORDER
    assert [e.value for e in LIFECYCLE] == LIFECYCLE_ORDER[:5]
