"""Checking a template against every sample of its events."""

from __future__ import annotations

from postback_studio.core.check import check_template, events_in_name, samples_to_check
from postback_studio.core.model import Event, OutputFormat, Template
from postback_studio.core.paths import resources_dir
from postback_studio.core.render import RenderEngine


def test_events_in_name() -> None:
    assert events_in_name("order-shipped-article") == [Event.SHIPPED]
    assert events_in_name("order_in-transit") == [Event.IN_TRANSIT]
    assert events_in_name("my-template") == []


def test_samples_to_check_expands_events_and_keeps_variants() -> None:
    assert samples_to_check(["shipped", "failed.multi-item", "shipped.multi-item"]) == [
        "shipped",
        "shipped.multi-item",
        "failed.multi-item",
    ]


def test_article_template_fails_only_the_multi_item_sample() -> None:
    body = (resources_dir() / "templates" / "order-shipped-article.json.j2").read_text()
    template = Template("order-shipped-article", format=OutputFormat.JSON, body=body)
    with RenderEngine() as engine:
        rows = check_template(engine, template, samples_to_check(["shipped"]))
    assert [(r.sample, r.passed) for r in rows] == [("shipped", True), ("shipped.multi-item", False)]
    problem = rows[1].first_problem
    assert problem is not None and problem.code == "json-syntax"
    assert rows[0].first_problem is None
