"""The problems that activation warns about: a template against every sample of its event."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from postback_studio.core.activation import sample_problems
from postback_studio.core.model import Event, OutputFormat, Template, TemplateKind
from postback_studio.core.paths import resources_dir
from postback_studio.core.render.engine import RenderEngine
from postback_studio.core.trigger_setup import starter_template


@pytest.fixture(scope="module")
def engine() -> Iterator[RenderEngine]:
    with RenderEngine(max_workers=1) as render_engine:
        yield render_engine


def template(name: str) -> Template:
    return Template(name, body=(resources_dir() / "templates" / name).read_text(encoding="utf-8"))


def test_the_articles_example_fails_only_the_multi_item_sample(engine: RenderEngine) -> None:
    problems = sample_problems(engine, template("order-shipped-article.json.j2"), Event.SHIPPED)
    assert len(problems) == 1
    assert problems[0].startswith("shipped.multi-item: Invalid JSON: output line ")


def test_the_corrected_template_has_no_problems(engine: RenderEngine) -> None:
    assert sample_problems(engine, template("order-shipped.json.j2"), Event.SHIPPED) == []


def test_a_strict_lookup_miss_is_a_problem(engine: RenderEngine) -> None:
    strict = Template("strict", body='{"c": "{{ lookups({"carrier": carrierUid}, strict=True) }}"}')
    assert sample_problems(engine, strict, Event.SHIPPED, {"carrier": {"dhl": "DHL"}})
    assert not sample_problems(engine, Template("plain", body='{"id": "{{ orderId }}"}'), Event.SHIPPED)


@pytest.mark.parametrize(("kind", "fmt"), [(TemplateKind.WEBHOOK, OutputFormat.JSON),
                                           (TemplateKind.WEBHOOK, OutputFormat.XML),
                                           (TemplateKind.EMAIL, OutputFormat.HTML)])
def test_starter_templates_pass_every_sample(engine: RenderEngine, kind: TemplateKind,
                                             fmt: OutputFormat) -> None:
    for event in Event:
        assert sample_problems(engine, starter_template(kind, fmt), event) == [], event
