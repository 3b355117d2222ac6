"""What changes if I save this: two versions against every sample and variant."""

from __future__ import annotations

from dataclasses import replace

from postback_studio.core.diff import ChangeKind as RowKind
from postback_studio.core.doctor import Change, ChangeKind, Variant, compare_versions
from postback_studio.core.model import OutputFormat, Template, TemplateKind
from postback_studio.core.paths import resources_dir
from postback_studio.core.records import TemplateVersion
from postback_studio.core.render import RenderEngine
from postback_studio.core.samples import load_sample

SHIPPED = Template(
    "order-shipped",
    format=OutputFormat.JSON,
    body=(resources_dir() / "templates" / "order-shipped.json.j2").read_text(),
)
SAMPLES = {"shipped": load_sample("shipped"), "shipped.multi-item": load_sample("shipped.multi-item")}


def test_the_same_template_changes_nothing(engine: RenderEngine) -> None:
    comparison = compare_versions(engine, SHIPPED, SHIPPED, SAMPLES)
    assert not comparison.changed
    assert [(c.variant, c.part, c.changed) for c in comparison.samples] == [
        (Variant("shipped"), "body", False),
        (Variant("shipped.multi-item"), "body", False),
    ]
    assert comparison.variants == () and comparison.variant_count > 1000


def test_an_edit_shows_in_every_sample_with_a_side_by_side_diff(engine: RenderEngine) -> None:
    edited = replace(SHIPPED, body=SHIPPED.body.replace('"event": "Order Shipped"', '"event": "Shipped"'))
    comparison = compare_versions(engine, SHIPPED, edited, SAMPLES)
    assert comparison.changed
    first = comparison.samples[0]
    assert first.changed and not first.validity_changed and first.lines_changed == 1
    (row,) = [r for r in first.diff if r.kind is not RowKind.EQUAL]
    assert (row.old, row.new) == ('  "event": "Order Shipped",', '  "event": "Shipped",')
    assert comparison.variants == ()  # every variant changes as its sample does: nothing new to show


def test_an_edit_that_changes_only_unusual_data_lists_those_variants(engine: RenderEngine) -> None:
    """Dropping |tojson on the order id renders every sample the same, and breaks on a quote."""
    edited = replace(
        SHIPPED, body=SHIPPED.body.replace('"orderId": {{ orderId|tojson }}', '"orderId": "{{ orderId }}"')
    )
    comparison = compare_versions(engine, SHIPPED, edited, {"shipped": load_sample("shipped")})
    assert comparison.changed_samples == ()
    listed = {change.variant.change: change for change in comparison.variants}
    quote = Change(("orderId",), ChangeKind.STRING, 'a"b')
    assert quote in listed and listed[quote].validity_changed
    assert listed[quote].new_problem is not None and listed[quote].new_problem.code == "json-syntax"
    null = Change(("orderId",), ChangeKind.NULL)
    assert null in listed and not listed[null].validity_changed  # null became the string "None"
    assert Change(("orderId",), ChangeKind.STRING, "a'b") not in listed  # same JSON value, escaped alike
    assert all(
        change.variant.change is not None and change.variant.change.path == ("orderId",)
        for change in comparison.variants
    )


def test_a_saved_version_gives_the_template_as_it_was() -> None:
    version = TemplateVersion(7, 2, 0.0, TemplateKind.WEBHOOK, OutputFormat.XML, "<a/>", "", "")
    old = version.applied_to(replace(SHIPPED, id=7))
    assert (old.name, old.format, old.body, old.id) == ("order-shipped", OutputFormat.XML, "<a/>", 7)
