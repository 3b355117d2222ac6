"""Payload isolation: no template can change the payload another part of the email, or another
render, sees. The renders go through the real engine and its worker process."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest

from postback_studio.core.model import OutputFormat, Template, TemplateKind
from postback_studio.core.render.engine import RenderEngine


@pytest.fixture(scope="module")
def engine() -> Iterator[RenderEngine]:
    with RenderEngine(max_workers=1) as render_engine:
        yield render_engine


def payload() -> dict[str, Any]:
    return {
        "orderReferenceId": "ACME-1",
        "order": {"id": 1, "status": "shipped", "items": [{"sku": "A", "tags": ["x"]}, {"sku": "B"}]},
        "fulfillments": [[{"code": "T1"}]],
    }


MUTATIONS = [
    pytest.param('{% set _ = order.update({"status": "canceled"}) %}', id="dict.update"),
    pytest.param('{% set _ = order.setdefault("extra", 1) %}', id="dict.setdefault"),
    pytest.param('{% set _ = order.pop("status") %}', id="dict.pop"),
    pytest.param("{% set _ = order.popitem() %}", id="dict.popitem"),
    pytest.param("{% set _ = order.clear() %}", id="dict.clear"),
    pytest.param('{% set _ = order["items"].append({"sku": "Z"}) %}', id="list.append-by-key"),
    pytest.param("{% set _ = order.items.pop() %}", id="list.pop"),
    pytest.param("{% set _ = order.items.reverse() %}", id="list.reverse"),
    pytest.param('{% set _ = order.items.sort(attribute="sku") %}', id="list.sort"),
    pytest.param("{% set _ = order.items.insert(0, 1) %}", id="list.insert"),
    pytest.param("{% set _ = order.items.extend([1]) %}", id="list.extend"),
    pytest.param("{% set _ = order.items.remove(order.items[0]) %}", id="list.remove"),
    pytest.param("{% set _ = order.items.clear() %}", id="list.clear"),
    pytest.param("{% set _ = order.items[0].tags.append('y') %}", id="nested-list"),
    pytest.param("{% set _ = fulfillments[0][0].update({'code': 'T9'}) %}", id="list-of-lists"),
    pytest.param("{% set o = order %}{% set _ = o.update({'status': 'x'}) %}", id="through-an-alias"),
    pytest.param("{% for i in order.items %}{% set _ = i.update({'sku': 'Q'}) %}{% endfor %}", id="loop-var"),
    pytest.param(
        "{% set ns = namespace(o=order) %}{% set _ = ns.o.update({'status': 'x'}) %}", id="namespace"
    ),
    pytest.param("{% set l = [order] %}{% set _ = l[0].update({'status': 'x'}) %}", id="held-in-a-new-list"),
]
READS = "{{ order.status }}|{{ order.items|map(attribute='sku')|join(',') }}|{{ order.items[0].tags }}"
EXPECTED = "shipped|A,B|['x']"


@pytest.mark.parametrize("mutation", MUTATIONS)
def test_every_email_part_sees_the_payload_as_it_arrived(engine: RenderEngine, mutation: str) -> None:
    template = Template(
        "mail",
        kind=TemplateKind.EMAIL,
        format=OutputFormat.HTML,
        subject=mutation + "Order {{ orderReferenceId }}",
        body=f"<p>{READS}</p>",
        text_body=READS,
    )
    rendering = engine.render_template(template, payload())
    subject = rendering.parts["subject"]
    assert subject.output is None
    [refusal] = [d for d in subject.diagnostics if d.code == "security"]
    assert "payload is read-only" in refusal.message
    assert rendering.parts["html"].output == f"<p>{EXPECTED}</p>"
    assert rendering.parts["text"].output == EXPECTED


@pytest.mark.parametrize("mutation", MUTATIONS)
def test_a_mutation_is_refused_and_the_next_render_is_unaffected(engine: RenderEngine, mutation: str) -> None:
    shared = payload()
    before = copy.deepcopy(shared)
    first = engine.render(mutation + READS, shared, fmt=OutputFormat.TEXT)
    assert first.output is None and "payload is read-only" in first.errors[0].message
    second = engine.render(READS, shared, fmt=OutputFormat.TEXT)
    assert second.output == EXPECTED
    assert shared == before


def test_values_the_template_builds_itself_stay_mutable(engine: RenderEngine) -> None:
    refused = engine.render("{% set _ = order.items.append(1) %}", payload(), fmt=OutputFormat.TEXT)
    assert refused.output is None
    source = (
        "{% set skus = [] %}{% for i in order.items %}{% set _ = skus.append(i.sku) %}{% endfor %}"
        "{% set copy = order.items|list %}{% set _ = copy.pop() %}"
        "{% set d = dict(a=1) %}{% set _ = d.update({'b': 2}) %}"
        "{{ skus|join(',') }} {{ copy|length }} {{ order.items|length }} {{ d|dictsort }}"
    )
    result = engine.render(source, payload(), fmt=OutputFormat.TEXT)
    assert result.output == "A,B 1 2 [('a', 1), ('b', 2)]", result.diagnostics
