"""Render errors speak of the payload and the template, not of Python's objects."""

from __future__ import annotations

import pytest

from postback_studio.core.model import OutputFormat
from postback_studio.core.render import RenderEngine
from postback_studio.core.render.answers import failed_result
from postback_studio.core.render.batch_requests import Part
from postback_studio.core.render.fields import analyze_template
from postback_studio.core.render.result import Diagnostic, Severity, Where

PAYLOAD = {"orderId": "O-1", "order": {"id": "x", "items": [1, 2]}}


@pytest.mark.parametrize(
    "source",
    [
        '{"c": {{ created|tojson }}}',
        '{"c": {{ order.created|tojson }}}',
        '{"c": {{ {"a": created}|tojson }}}',
    ],
)
def test_tojson_of_a_missing_field_names_the_field(engine: RenderEngine, source: str) -> None:
    result = engine.render(source, PAYLOAD, fmt=OutputFormat.JSON)
    assert result.output is None
    errors = [d for d in result.diagnostics if d.severity is Severity.ERROR]
    assert len(errors) == 1
    assert "'created' is not in the payload (tojson of an undefined value)" in errors[0].message
    assert "Undefined" not in errors[0].message
    assert not any("renders as an empty string" in d.message for d in result.diagnostics)


def test_a_missing_field_printed_plainly_still_warns(engine: RenderEngine) -> None:
    result = engine.render('{"c": "{{ created }}"}', PAYLOAD, fmt=OutputFormat.JSON)
    assert result.output == '{"c": ""}'
    assert any("field 'created' is not in the payload" in d.message for d in result.diagnostics)


@pytest.mark.parametrize("method", ["items", "keys", "values", "get", "copy"])
def test_a_missing_payload_key_named_like_a_dict_method_is_undefined(
    engine: RenderEngine, method: str
) -> None:
    payload = {"order": {"id": "x"}}
    result = engine.render(
        f"{{{{ order.{method}|length }}}}|{{{{ order.{method} }}}}|{{{{ order.{method} is defined }}}}",
        payload,
        fmt=OutputFormat.TEXT,
    )
    assert result.output == "0||False", [d.message for d in result.diagnostics]
    assert not any("builtin_function_or_method" in d.message for d in result.diagnostics)
    assert any(f"field 'order.{method}' is not in the payload" in d.message for d in result.diagnostics)


def test_the_dict_methods_still_work_when_called(engine: RenderEngine) -> None:
    payload = {"order": {"id": "x", "n": 2}}
    result = engine.render(
        "{% for k, v in order.items() %}{{ k }}={{ v }};{% endfor %}{{ order.keys()|list|length }}",
        payload,
        fmt=OutputFormat.TEXT,
    )
    assert result.output == "id=x;n=2;2"


def test_the_payload_stays_read_only_for_a_missing_mutator_key(engine: RenderEngine) -> None:
    result = engine.render("{{ order.update({'a': 1}) }}", {"order": {"id": "x"}}, fmt=OutputFormat.TEXT)
    assert result.output is None
    assert any(d.code == "security" for d in result.diagnostics)


@pytest.mark.parametrize(
    ("source", "line", "column"),
    [
        ('{"id": {{ orderId|tojson }, "x": 1}', 1, 26),
        ('{\n  "a": 1,\n  "id": {{ orderId|tojson }, "x": 1}', 3, 27),
        ("{{ orderId }}\n{% foo %}", 2, 4),
    ],
)
def test_a_syntax_error_points_at_its_column(
    engine: RenderEngine, source: str, line: int, column: int
) -> None:
    result = engine.render(source, PAYLOAD, fmt=OutputFormat.JSON)
    (error,) = [d for d in result.diagnostics if d.code == "syntax"]
    assert error.location is not None and error.location.where is Where.TEMPLATE
    assert (error.location.line, error.location.column) == (line, column)


@pytest.mark.parametrize(
    ("source", "payload"),
    [
        ('{"id": "{{ items[0].id }}"}', {"items": []}),
        ('{"y": "{{ x.y }}"}', {}),
        ('{"y": "{{ x.y.z }}"}', {"x": None}),
        ('[{% for i in items %}"{{ i.a.b }}"{% endfor %}]', {"items": [{"a": {"b": 1}}, {}]}),
        ('[{% for i in items %}"{{ i.id }}"{% endfor %}]', {"items": 3}),
    ],
)
@pytest.mark.parametrize("strict", [False, True])
def test_a_render_failing_on_a_missing_parent_reports_only_the_failure(
    engine: RenderEngine, source: str, payload: object, strict: bool
) -> None:
    """The render fails on the read, so no diagnostic says the field renders as an empty string."""
    result = engine.render(source, payload, fmt=OutputFormat.JSON, strict=strict)
    assert result.output is None
    (error,) = result.diagnostics
    assert error.severity is Severity.ERROR and error.code == "runtime"
    assert [use.parent_missing for use in result.fields if not use.resolved] == [True]


@pytest.mark.parametrize(
    ("source", "payload", "path"),
    [
        ('{"y": "{{ x.y }}"}', {"x": {}}, "x.y"),
        ('{"y": "{{ x.y }}"}', {"x": None}, "x.y"),
        ('{"id": "{{ items[0] }}"}', {"items": []}, "items[0]"),
        ('[{% for i in items %}"{{ i.id }}"{% endfor %}]', {"items": [{}]}, "items[].id"),
    ],
)
def test_a_missing_last_field_in_a_render_that_succeeds_warns_and_is_an_error_when_strict(
    engine: RenderEngine, source: str, payload: object, path: str
) -> None:
    result = engine.render(source, payload, fmt=OutputFormat.JSON)
    assert result.output is not None
    (warning,) = result.diagnostics
    assert warning.severity is Severity.WARNING and warning.code == "unresolved-field"
    assert warning.message == f"field '{path}' is not in the payload (renders as an empty string)"
    strict = engine.render(source, payload, fmt=OutputFormat.JSON, strict=True)
    (error,) = strict.diagnostics
    assert error.severity is Severity.ERROR and error.message == warning.message


def test_a_failed_render_still_reports_a_missing_last_field_elsewhere(engine: RenderEngine) -> None:
    """The failure is about ``a.b``; ``x.y`` prints as nothing wherever the render gets to it."""
    result = engine.render('{"y": "{{ x.y }}", "b": "{{ a.b }}"}', {"x": {}}, fmt=OutputFormat.JSON)
    assert result.output is None
    assert [(d.severity, d.code) for d in result.diagnostics] == [
        (Severity.ERROR, "runtime"),
        (Severity.WARNING, "unresolved-field"),
    ]
    assert "'x.y'" in result.diagnostics[1].message


def test_a_part_that_did_not_render_reports_no_missing_parent_as_an_empty_string() -> None:
    """A render stopped before it answered (time limit, a lost worker) gets the same rule."""
    source = '{"y": "{{ x.y }}", "id": "{{ items[0].id }}"}'
    failure = Diagnostic(Severity.ERROR, "time-limit", "time limit")
    part = Part("body", source, OutputFormat.JSON)
    result = failed_result(part, analyze_template(source), failure, {"x": {}, "items": []}, True)
    assert [(d.code, d.message) for d in result.diagnostics] == [
        ("time-limit", "time limit"),
        ("unresolved-field", "field 'x.y' is not in the payload (renders as an empty string)"),
    ]
