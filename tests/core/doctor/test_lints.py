"""Lints and their quick fixes: each fix makes its lint and its edge-case findings go away."""

from __future__ import annotations

from typing import Any

import pytest

from postback_studio.core.doctor import (
    FixError,
    Lint,
    QuickFix,
    TextEdit,
    apply_edits,
    check_edge_cases,
    lint_source,
    lint_template,
)
from postback_studio.core.doctor.lints import (
    EMPTY_INDEX,
    JSON_LOOP_SEPARATOR,
    JSON_RAW_VALUE,
    JSON_STRING_INTERPOLATION,
    MARKUP_UNESCAPED,
    TYPE_MISMATCH,
)
from postback_studio.core.model import OutputFormat
from postback_studio.core.paths import resources_dir
from postback_studio.core.render import RenderEngine, Severity, Where
from postback_studio.core.samples import load_sample, samples_for_event
from postback_studio.core.template_files import read_template_file
from tests.core.doctor.corpus import BUGGY, CORRECT

TEMPLATES = resources_dir() / "templates"


def samples(event: str = "shipped") -> dict[str, Any]:
    return {name: load_sample(name) for name in samples_for_event(event)}


def fix_everything(source: str, fmt: OutputFormat, payloads: dict[str, Any]) -> str:
    """Apply the first fixable lint's fix, lint again, until none is left (as a user would)."""
    for _ in range(50):
        fixable = [lint for lint in lint_source(source, fmt, payloads) if lint.fix is not None]
        if not fixable:
            return source
        assert fixable[0].fix is not None
        source = fixable[0].fix.apply(source)
    raise AssertionError("fixes do not converge")


def test_the_article_template_gets_its_lints() -> None:
    source = (TEMPLATES / "order-shipped-article.json.j2").read_text()
    lints = lint_source(source, OutputFormat.JSON, samples())
    assert [(lint.code, lint.line, lint.column) for lint in lints] == [
        (JSON_STRING_INTERPOLATION, 3, 12),
        (JSON_STRING_INTERPOLATION, 4, 21),
        (JSON_STRING_INTERPOLATION, 5, 14),
        (JSON_STRING_INTERPOLATION, 6, 11),
        (JSON_LOOP_SEPARATOR, 8, 1),
        (JSON_STRING_INTERPOLATION, 10, 17),
        (JSON_STRING_INTERPOLATION, 11, 16),
        (JSON_STRING_INTERPOLATION, 12, 12),
    ]
    assert all(lint.fix is not None for lint in lints)
    first = lints[0]
    assert source[first.start : first.end] == '"{{ orderId }}"'
    assert (
        first.fix is not None
        and first.fix.apply(source).splitlines()[2] == '"orderId": {{ orderId|tojson }},'
    )
    diagnostic = first.diagnostic()
    assert diagnostic.severity is Severity.WARNING and diagnostic.location is not None
    assert (diagnostic.location.where, diagnostic.location.line, diagnostic.location.column) == (
        Where.TEMPLATE,
        3,
        12,
    )


@pytest.mark.parametrize("name", sorted(CORRECT))
def test_correct_templates_get_no_lint(name: str) -> None:
    fmt, source = CORRECT[name]
    for event in ("shipped", "received", "delivered"):
        assert lint_source(source, fmt, samples(event)) == ()


def test_the_shipped_templates_get_no_lint() -> None:
    for name, event in (
        ("order-shipped.json.j2", "shipped"),
        ("order-shipped-xml.xml.j2", "shipped"),
        ("order-failed.json.j2", "failed"),
        ("order-shipped-email.email.j2", "shipped"),
    ):
        template = read_template_file(TEMPLATES / name).template
        assert lint_template(template, samples(event)) == (), name


@pytest.mark.parametrize("name", sorted(BUGGY))
def test_buggy_templates_get_their_lints(name: str) -> None:
    fmt, source, codes = BUGGY[name]
    lints = lint_source(source, fmt, samples())
    assert tuple(lint.code for lint in lints) == codes
    assert all(lint.fix is not None for lint in lints)


@pytest.mark.parametrize("name", [*sorted(BUGGY), "article"])
def test_fixes_remove_the_lints_and_every_edge_case_finding(engine: RenderEngine, name: str) -> None:
    if name == "article":
        fmt, source = OutputFormat.JSON, (TEMPLATES / "order-shipped-article.json.j2").read_text()
    else:
        fmt, source, _ = BUGGY[name]
    payloads = samples()
    fixed = fix_everything(source, fmt, payloads)
    assert lint_source(fixed, fmt, payloads) == ()
    report = check_edge_cases(engine, fixed, payloads, fmt)
    assert report.passed, (fixed, [f.summary() for f in report.findings])
    for payload in payloads.values():
        assert engine.render(fixed, payload, fmt=fmt).valid


@pytest.mark.parametrize("name", sorted(BUGGY))
def test_each_lint_links_to_the_variant_that_proves_it(engine: RenderEngine, name: str) -> None:
    fmt, source, _ = BUGGY[name]
    payloads = samples()
    report = check_edge_cases(engine, source, payloads, fmt)
    for lint in lint_source(source, fmt, payloads):
        if lint.code == TYPE_MISMATCH:
            assert lint.proof is None  # a number written as a string is valid JSON: no variant breaks
            continue
        assert lint.proof is not None, lint
        assert report.finding_for(lint.proof) is not None, (lint, lint.proof.describe())
        assert lint.fix is not None
        # The proof may also break a later line (a render stops at its first error): the finding
        # on the lint's own line is the one the fix must remove.
        after = check_edge_cases(engine, lint.fix.apply(source), payloads, fmt)
        lines = {f.location.line for f in after.findings if f.location and lint.proof in f.variants}
        assert lint.line not in lines, (lint.message, lines)


def one(source: str, fmt: OutputFormat = OutputFormat.JSON) -> Lint:
    (lint,) = lint_source(source, fmt, samples())
    return lint


def test_string_interpolation_fix_keeps_the_text_around_the_values() -> None:
    lint = one('{"note": "Order {{ orderReferenceId }} (\\"rush\\")\\n"}')
    assert lint.code == JSON_STRING_INTERPOLATION and lint.fix is not None
    fixed = lint.fix.apply('{"note": "Order {{ orderReferenceId }} (\\"rush\\")\\n"}')
    assert fixed == '{"note": {{ ("Order " ~ orderReferenceId ~ " (\\"rush\\")\\n")|tojson }}}'


def test_raw_value_fix_parenthesizes_what_a_filter_would_split() -> None:
    source = '{"total": {{ items[0].quantity * items[0].price if items else 0 }}}'
    lints = lint_source(source, OutputFormat.JSON, samples())
    raw = next(lint for lint in lints if lint.code == JSON_RAW_VALUE)
    assert raw.fix is not None
    assert raw.fix.apply(source) == (
        '{"total": {{ (items[0].quantity * items[0].price if items else 0)|tojson }}}'
    )


def test_markup_lint_knows_text_attribute_comment_and_numbers() -> None:
    source = '<a x="{{ customer.name }}"><!-- {{ orderId }} -->{{ items[0].quantity if items else 0 }}</a>'
    (lint,) = lint_source(source, OutputFormat.XML, samples())
    assert lint.code == MARKUP_UNESCAPED and "attribute" in lint.message
    assert lint.fix is not None and lint.fix.apply(source).startswith('<a x="{{ customer.name|e }}">')
    html = lint_source("<p>{{ customer.name }}</p>", OutputFormat.HTML, samples())
    assert [lint.code for lint in html] == [MARKUP_UNESCAPED]
    assert html[0].proof is None  # HTML is not judged by the edge-case check


def test_a_guarded_index_is_no_lint() -> None:
    guarded = (
        '{% if items %}{"sku": {{ items[0].sku|tojson }}}{% endif %}'
        "{% for item in items %}"
        '{{ item.fulfillments[0].trackingCode|tojson if item.fulfillments else "null" }}'
        "{% endfor %}"
    )
    assert [lint.code for lint in lint_source(guarded, OutputFormat.TEXT, samples())] == []
    assert [lint.code for lint in lint_source("{{ orderId[0] }}", OutputFormat.TEXT, samples())] == []


def test_empty_index_fix_in_a_set_keeps_the_keys_read_later() -> None:
    fmt, source, _ = BUGGY["empty-index"]
    lint = lint_source(source, fmt, samples())[0]
    assert lint.code == EMPTY_INDEX and lint.fix is not None
    assert lint.fix.apply(source).splitlines()[0] == (
        "{% set f = (items[0].fulfillments[0] if items and items[0].fulfillments "
        'else {"trackingCode": none, "trackingUrl": none}) %}'
    )
    loop = "{% for f in items[0].fulfillments %}{{ f.trackingCode }}{% endfor %}"
    (looped,) = lint_source(loop, OutputFormat.TEXT, samples())
    assert looped.fix is not None
    assert looped.fix.apply(loop) == (
        "{% for f in (items[0].fulfillments if items else []) %}{{ f.trackingCode }}{% endfor %}"
    )


def test_type_mismatch_names_the_payload_type() -> None:
    source = (
        '{"qty": "{{ qty if qty else 0 }}", "gift": "{{ gift }}", "note": "{{ note }}", "n": "#{{ qty }}"}'
    )
    payloads = {
        "mine": {"qty": 2, "gift": True, "note": "x"},
        "other": {"qty": 3.5, "gift": False, "note": "y"},
    }
    lints = lint_source(source, OutputFormat.JSON, payloads)
    assert [(lint.code, lint.column) for lint in lints] == [
        (TYPE_MISMATCH, source.index('"{{ qty') + 1),
        (TYPE_MISMATCH, source.index('"{{ gift') + 1),
        (JSON_STRING_INTERPOLATION, source.index('"{{ note') + 1),
    ]
    assert "is a number in the payload" in lints[0].message and "is a boolean" in lints[1].message
    assert lints[0].fix is not None and lints[0].fix.apply(source).startswith(
        '{"qty": {{ (qty if qty else 0)|tojson }},'
    )
    mixed = lint_source(source, OutputFormat.JSON, {"mine": {"qty": 2, "gift": "yes"}})
    assert [lint.code for lint in mixed][:2] == [TYPE_MISMATCH, JSON_STRING_INTERPOLATION]


def test_lints_without_samples_still_find_structure_and_escaping() -> None:
    source = '{"a": "{{ x }}", "b": [{% for i in xs %}{{ i|tojson }}{% endfor %}], "c": {{ y[0]|tojson }}}'
    codes = [lint.code for lint in lint_source(source, OutputFormat.JSON)]
    assert codes == [JSON_STRING_INTERPOLATION, JSON_LOOP_SEPARATOR, EMPTY_INDEX]
    assert all(lint.proof is None for lint in lint_source(source, OutputFormat.JSON))


def test_a_template_with_windows_line_ends_gets_ranges_in_its_own_text() -> None:
    source = '{\r\n"id": "{{ orderId }}"\r\n}'
    lint = one(source)
    assert (lint.line, lint.column) == (2, 7)
    assert source[lint.start : lint.end] == '"{{ orderId }}"'
    assert lint.fix is not None and lint.fix.apply(source) == '{\r\n"id": {{ orderId|tojson }}\r\n}'


def test_a_template_that_does_not_parse_gets_no_lints() -> None:
    assert lint_source('{"a": "{{ x }"}', OutputFormat.JSON) == ()
    assert lint_source("{% for x in y %}", OutputFormat.JSON) == ()


def test_a_fix_is_one_step_of_edits_applied_together() -> None:
    fix = QuickFix("two", (TextEdit(4, 4, "B"), TextEdit(0, 1, "X")))
    assert fix.apply("abcdef") == "XbcdBef"
    with pytest.raises(FixError):
        apply_edits("abc", [TextEdit(0, 2, "x"), TextEdit(1, 3, "y")])
    with pytest.raises(FixError):
        apply_edits("abc", [TextEdit(2, 9, "x")])


def test_values_the_template_makes_itself_are_no_lint() -> None:
    made = (
        '{% macro quoted(v) %}"{{ v }}"{% endmacro %}{% set body %}{"a": 1}{% endset %}'
        '{"a": {{ quoted(orderId) }}, "b": {{ body }}, "c": [{% for i in range(3) %}{{ i }}'
        '{% if not loop.last %},{% endif %}{% endfor %}], "d": {{ loop_free|default(0)|int }}}'
    )
    assert lint_source(made, OutputFormat.JSON, samples()) == ()
