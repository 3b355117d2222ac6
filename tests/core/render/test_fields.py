"""Field analysis: every payload path a template reads, where, and whether the payload has it."""

from __future__ import annotations

from postback_studio.core.paths import resources_dir
from postback_studio.core.render.fields import analyze_fields, analyze_template
from postback_studio.core.render.resolve import resolve_fields
from postback_studio.core.samples import load_sample


def paths(source: str) -> list[str]:
    return [ref.path for ref in analyze_fields(source)]


def test_loop_variables_resolve_to_the_path_they_iterate() -> None:
    source = (
        "{% for item in items %}{% for fulfillment in item.fulfillments %}"
        "{{ fulfillment.trackingCode }}{% endfor %}{% endfor %}"
    )
    assert paths(source) == ["items", "items[].fulfillments", "items[].fulfillments[].trackingCode"]


def test_set_aliases_are_followed_with_indexes() -> None:
    source = "{% set f = items[0].fulfillments[0] %}\n{{ f.trackingCode }}"
    assert paths(source) == ["items[0].fulfillments[0]", "items[0].fulfillments[0].trackingCode"]


def test_with_aliases_and_filters_that_keep_elements() -> None:
    source = (
        "{% with address = shippingAddress %}{{ address.city }}{% endwith %}"
        "{% for i in items|sort(attribute='quantity') %}{{ i.sku }}{% endfor %}"
    )
    assert paths(source) == ["shippingAddress", "shippingAddress.city", "items", "items[].sku"]


def test_line_and_column_point_at_the_expression() -> None:
    source = '{\n  "a": "{{ orderId }}", "b": "{{ orderId }}",\n  "c": {{ missing.value }}\n}'
    refs = analyze_fields(source)
    assert [(r.path, r.line, r.column) for r in refs] == [
        ("orderId", 2, 12),
        ("orderId", 2, 34),
        ("missing.value", 3, 11),
    ]


def test_locals_loop_helpers_and_globals_are_not_payload_fields() -> None:
    source = (
        "{% set ns = namespace(first=true) %}{% macro m(x) %}{{ x.y }}{% endmacro %}"
        "{% for i in range(3) %}{{ loop.index }}{{ ns.first }}{{ m(i) }}{% endfor %}"
        '{{ lookups({"f": orderId}) }}'
    )
    assert paths(source) == ["orderId"]


def test_guarded_reads_are_optional() -> None:
    refs = analyze_fields(
        "{% if shipment %}{{ shipment.x }}{% endif %}{{ a is defined }}{{ b|default('-') }}"
    )
    assert [(r.path, r.optional) for r in refs] == [
        ("shipment", True),
        ("shipment.x", False),
        ("a", True),
        ("b", True),
    ]


def test_method_calls_read_the_object_not_the_method() -> None:
    assert paths("{{ orderReferenceId.upper() }}{% for k, v in order.metadata.items() %}{% endfor %}") == [
        "orderReferenceId",
        "order.metadata",
    ]


def test_resolution_needs_the_field_in_every_element() -> None:
    payload = {"items": [{"fulfillments": [{"code": 1}]}, {"fulfillments": [{"code": 2}, {}]}]}
    refs = analyze_fields(
        "{% for i in items %}{% for f in i.fulfillments %}{{ f.code }}{{ f.other }}{% endfor %}{% endfor %}"
    )
    resolved = {use.path: use.resolved for use in resolve_fields(refs, payload)}
    assert resolved == {
        "items": True,
        "items[].fulfillments": True,
        "items[].fulfillments[].code": False,
        "items[].fulfillments[].other": False,
    }


def test_the_article_template_resolves_against_the_shipped_sample() -> None:
    source = (resources_dir() / "templates" / "order-shipped-article.json.j2").read_text()
    uses = resolve_fields(analyze_fields(source), load_sample("shipped"))
    assert uses and all(use.resolved for use in uses)


def test_syntax_error_is_located_and_nothing_else_reported() -> None:
    analysis = analyze_template("line one\n{% for x in %}")
    assert analysis.syntax_error is not None
    assert analysis.syntax_error.location is not None and analysis.syntax_error.location.line == 2
    assert analysis.fields == ()


def test_security_refusals_are_located_statically() -> None:
    analysis = analyze_template("ok\n{% if false %}{{ x.__class__ }}{% endif %}")
    assert [(d.code, d.location.line, d.location.column) for d in analysis.security if d.location] == [
        ("security", 2, 20)
    ]


def test_bindings_tell_which_path_a_loop_variable_stands_for() -> None:
    analysis = analyze_template("{% for item in items %}\n{{ item.sku }}\n{% endfor %}")
    assert [(b.name, b.path, b.line, b.end_line) for b in analysis.bindings] == [("item", "items[]", 1, 2)]


def test_compared_fields_are_not_optional() -> None:
    refs = analyze_fields(
        "{% if not a and (b or c.d) %}{% endif %}{% if e == 2 %}{% endif %}{{ f if g else h }}"
    )
    assert [(r.path, r.optional) for r in refs] == [
        ("a", True),
        ("b", True),
        ("c.d", True),
        ("e", False),
        ("g", True),
        ("f", False),
        ("h", False),
    ]


class _CountingDict(dict):  # type: ignore[type-arg]
    """A payload object that counts how often a field walk looks into it."""

    looks = 0

    def __contains__(self, key: object) -> bool:
        _CountingDict.looks += 1
        return super().__contains__(key)


def test_fields_sharing_a_path_walk_it_once() -> None:
    source = "{% for i in items %}{% for f in i.fulfillments %}" + "".join(
        f"{{{{ f.field{n} }}}}" for n in range(10)
    ) + "{% endfor %}{% endfor %}"
    fulfillment = {f"field{n}": n for n in range(10)}
    items = [_CountingDict(fulfillments=[_CountingDict(fulfillment) for _ in range(3)]) for _ in range(50)]
    payload = {"items": items}
    refs = analyze_fields(source)
    _CountingDict.looks = 0
    uses = resolve_fields(refs, payload)
    assert all(use.resolved for use in uses) and len(uses) == 12
    # items[].fulfillments is walked once for the twelve paths (50 looks), then each of the ten
    # fields once in each of the 150 fulfillments: not once per path below the shared prefix.
    assert _CountingDict.looks == 50 + 10 * 150


def test_shared_prefixes_give_what_each_path_gives_alone() -> None:
    from postback_studio.core.render.fields import FieldRef, format_path

    payload = {
        "a": [{"b": [{"c": 1}, {"d": 2}]}, {"b": {"c": 3}}, {"x": 1}],
        "e": {"f": [1, 2]},
        "g": [[{"h": 1}], [{"h": 2}, {}]],
    }
    paths: list[tuple[str | int | None, ...]] = [
        ("a",), ("a", None), ("a", None, "b"), ("a", None, "b", None), ("a", None, "b", None, "c"),
        ("a", 0, "b", 0, "c"), ("a", 1, "b", "c"), ("a", 5), ("e", "f", 1), ("e", "f", 2), ("e", None),
        ("g", None, None, "h"), ("g", 0, 0, "h"), ("z",), ("z", "y"),
    ]
    refs = [FieldRef(format_path(p), p, 1, 1) for p in paths]
    together = resolve_fields(refs, payload)
    alone = [resolve_fields([ref], payload)[0] for ref in refs]
    assert together == tuple(alone)
    assert [use.resolved for use in together] == [
        True, True, False, False, False, True, True, False, True, False, True, False, True, False, False,
    ]


def test_resolution_tells_a_missing_parent_from_a_missing_last_field() -> None:
    """A missing parent fails the render on the read; a missing last field or looped list does not."""
    from postback_studio.core.render.fields import FieldRef, format_path

    payload = {"x": {}, "n": None, "empty": [], "items": [{"a": {}}, {}], "scalar": 3}
    paths: list[tuple[str | int | None, ...]] = [
        ("x", "y"), ("z", "y"), ("n", "y"), ("n", "y", "z"), ("empty", 0), ("empty", 0, "id"),
        ("items", None, "a", "b"), ("items", None, "b"), ("gone", None, "id"), ("scalar", None, "id"),
        ("items", None, "a", None, "b"), ("x",),
    ]
    uses = resolve_fields([FieldRef(format_path(p), p, 1, 1) for p in paths], payload)
    assert [(use.resolved, use.parent_missing) for use in uses] == [
        (False, False), (False, True), (False, False), (False, True), (False, False), (False, True),
        (False, True), (False, False), (False, False), (False, True),
        (False, False), (True, False),
    ]
