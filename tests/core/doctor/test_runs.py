"""The doctor's runs as the GUI starts them: progress, stopping, and the same report either way."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from postback_studio.core.doctor import CancelledError, Progress, check_template_edge_cases
from postback_studio.core.doctor.progress import CHUNK, Watch
from postback_studio.core.doctor.runs import (
    ComparisonRequest,
    EdgeCaseRequest,
    run_comparison,
    run_edge_cases,
    sample_payloads,
)
from postback_studio.core.model import OutputFormat, Template
from postback_studio.core.paths import resources_dir
from postback_studio.core.render import RenderEngine
from postback_studio.core.samples import load_sample

TEMPLATES = resources_dir() / "templates"
ARTICLE = Template(
    "order-shipped-article",
    format=OutputFormat.JSON,
    body=(TEMPLATES / "order-shipped-article.json.j2").read_text(),
)
SHIPPED = Template(
    "order-shipped", format=OutputFormat.JSON, body=(TEMPLATES / "order-shipped.json.j2").read_text()
)
#: What the Templates page sends: built-in samples by name (None), a user's own payload as it is.
MINE = {**load_sample("shipped"), "orderId": "mine-1"}
SAMPLES: dict[str, Any] = {"shipped": None, "shipped.multi-item": None, "shipped (yours: mine)": MINE}


def test_built_in_samples_are_loaded_by_name_and_the_users_own_kept() -> None:
    payloads = sample_payloads(SAMPLES)
    assert list(payloads) == list(SAMPLES)
    assert payloads["shipped"] == load_sample("shipped")
    assert payloads["shipped (yours: mine)"] is MINE


def test_a_watched_check_reports_progress_and_finds_what_an_unwatched_one_does(engine: RenderEngine) -> None:
    seen: list[Progress] = []
    watched = run_edge_cases(engine, EdgeCaseRequest(ARTICLE, SAMPLES), progress=seen.append)
    plain = check_template_edge_cases(engine, ARTICLE, sample_payloads(SAMPLES))
    assert watched.findings == plain.findings and watched.variant_count == plain.variant_count
    rendering = [p for p in seen if p.stage == "Rendering variants"]
    assert rendering[0].done == 0 and rendering[-1].done == rendering[-1].total == plain.variant_count
    assert rendering[1].done == CHUNK  # the first chunk; the next are sized by how long it took
    assert [p.done for p in rendering] == sorted(p.done for p in rendering)
    assert seen[-1].stage == "Locating what broke"
    assert rendering[1].text() == f"Rendering variants: {CHUNK} of {plain.variant_count:,}"


def test_a_check_stops_when_asked_between_chunks(engine: RenderEngine) -> None:
    seen: list[Progress] = []

    def cancelled() -> bool:
        return any(p.done >= CHUNK for p in seen)

    with pytest.raises(CancelledError):
        run_edge_cases(engine, EdgeCaseRequest(ARTICLE, SAMPLES), progress=seen.append, cancelled=cancelled)
    assert max(p.done for p in seen) == CHUNK  # stopped after the first chunk, not at the end


def test_a_comparison_reports_progress_stops_when_asked_and_sums_itself_up(engine: RenderEngine) -> None:
    edited = replace(SHIPPED, body=SHIPPED.body.replace('"event": "Order Shipped"', '"event": "Shipped"'))
    request = ComparisonRequest(SHIPPED, edited, "Saved", "Your edits", SAMPLES)
    seen: list[Progress] = []
    outcome = run_comparison(engine, request, progress=seen.append)
    assert seen[-1].done == seen[-1].total == outcome.comparison.variant_count + len(SAMPLES)
    assert outcome.changed_samples() == list(SAMPLES)
    assert outcome.summary() == (
        "The output changes for 3 of 3 samples (shipped, shipped.multi-item, shipped (yours: mine))."
    )
    with pytest.raises(CancelledError):
        run_comparison(engine, request, cancelled=lambda: True)


def test_a_comparison_summary_names_the_variants_that_change_alone(engine: RenderEngine) -> None:
    unquoted = replace(
        SHIPPED, body=SHIPPED.body.replace('"orderId": {{ orderId|tojson }}', '"orderId": "{{ orderId }}"')
    )
    samples = {"shipped": None}
    alone = run_comparison(engine, ComparisonRequest(SHIPPED, unquoted, "v1", "v2", samples))
    assert alone.changed_samples() == []
    count = len(alone.comparison.variants)
    assert count > 1
    assert alone.summary() == (
        f"Every sample's output stays the same (1 sample); {count} edge-case variants change on their own."
    )
    same = run_comparison(engine, ComparisonRequest(SHIPPED, SHIPPED, "v1", "v2", samples, variants=False))
    assert same.summary() == "No output changes (1 sample)."
    assert same.comparison.variant_count == 0


@pytest.mark.parametrize(
    ("seconds_each", "sizes"),
    [
        (0.001, [64, 300, 300, 300, 300, 36]),  # 0.3 s a chunk: 300 payloads
        (0.1, [64] * 20 + [20]),  # never fewer than CHUNK
        (0.00001, [64, 1024, 212]),  # no chunk beyond MAX_CHUNK
    ],
)
def test_chunks_are_sized_to_take_about_the_same_time(seconds_each: float, sizes: list[int]) -> None:
    """Small payloads go in large chunks (few round trips), large ones in small chunks (quick Cancel)."""
    now = [0.0]
    seen: list[int] = []

    def render(batch: list[int]) -> list[int]:
        seen.append(len(batch))
        now[0] += seconds_each * len(batch)
        return batch

    watch = Watch(progress=lambda _p: None, clock=lambda: now[0])
    assert watch.render("stage", list(range(1300)), lambda item: item, render) == list(range(1300))
    assert seen == sizes
    assert Watch().render("stage", [1, 2, 3], lambda item: item, render) == [1, 2, 3]
    assert seen[-1] == 3  # unwatched: one batch


def test_a_chunk_never_spans_two_samples_and_each_starts_small() -> None:
    """The variants of a 200-item order take far longer each than those of the sample before it."""
    now = [0.0]
    seen: list[tuple[str, int]] = []
    cost = {"small": 0.00001, "large": 0.01}

    def render(batch: list[tuple[str, int]]) -> list[tuple[str, int]]:
        seen.append((batch[0][0], len(batch)))
        assert len({sample for sample, _ in batch}) == 1
        now[0] += sum(cost[sample] for sample, _ in batch)
        return batch

    items = [("small", n) for n in range(500)] + [("large", n) for n in range(200)]
    watch = Watch(progress=lambda _p: None, clock=lambda: now[0])
    assert watch.render("stage", items, lambda item: item, render, group=lambda item: item[0]) == items
    assert seen == [("small", 64), ("small", 436), ("large", 64), ("large", 64), ("large", 64), ("large", 8)]
