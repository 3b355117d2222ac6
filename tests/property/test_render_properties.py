"""Generated templates and payloads never break the render engine, and every location is real.

Whatever the template (well formed, or with broken syntax) and whatever the payload, the engine
answers with a :class:`RenderResult`: no exception reaches the caller, and every diagnostic that
points somewhere points inside the template (lines as Jinja and the editor count them: a lone
``\\r`` ends a line too) or inside the output it produced.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from postback_studio.core.model import OutputFormat, Template, TemplateKind
from postback_studio.core.render import Location, RenderEngine, RenderResult, Where
from postback_studio.core.render.fields import template_lines
from tests.property.strategies import payloads, templates

LOOKUPS = {"shipmentMethodUid": {"ups": "UPS", "1": "one"}, "product_code": {"": "empty"}}


def assert_inside(location: Location, lines: list[str], what: str) -> None:
    """The 1-based line is one of ``lines``; the column at most one past the line's end."""
    assert 1 <= location.line <= len(lines), f"{what} line {location.line} outside 1..{len(lines)}"
    width = len(lines[location.line - 1])
    assert 1 <= location.column <= width + 1, f"{what} column {location.column} outside 1..{width + 1}"


def check_result(result: RenderResult, source: str) -> None:
    for diagnostic in result.diagnostics:
        assert diagnostic.message.strip(), diagnostic
        if diagnostic.location is None:
            continue
        if diagnostic.location.where is Where.TEMPLATE:
            assert_inside(
                diagnostic.location,
                template_lines(source),
                f"template ({diagnostic.code}: {diagnostic.message})",
            )
        else:
            assert result.output is not None, diagnostic
            assert_inside(
                diagnostic.location,
                result.output.split("\n"),
                f"output ({diagnostic.code}: {diagnostic.message})",
            )
    for use in result.fields:
        assert_inside(
            Location(Where.TEMPLATE, use.line, use.column), template_lines(source), f"field {use.path}"
        )
    if result.output is None:
        assert result.errors, "a failed render must say why"


@given(source=templates, payload=payloads, fmt=st.sampled_from(list(OutputFormat)), strict=st.booleans())
def test_any_template_and_payload_give_a_result_with_real_locations(
    property_engine: RenderEngine, source: str, payload: dict[str, Any], fmt: OutputFormat, strict: bool
) -> None:
    result = property_engine.render(source, payload, fmt=fmt, lookups=LOOKUPS, strict=strict)
    check_result(result, source)


@given(source=templates, payload=payloads)
def test_json_templates_built_as_text_validate_where_they_break(
    property_engine: RenderEngine, source: str, payload: dict[str, Any]
) -> None:
    """GelatoConnect's way: JSON built as text; an invalid output is located inside that output."""
    wrapped = '{\n  "order": {{ order | tojson }},\n  "body": "' + source.replace("\n", " ") + '"\n}'
    result = property_engine.render(wrapped, payload, fmt=OutputFormat.JSON, lookups=LOOKUPS)
    check_result(result, wrapped)


def test_a_lone_carriage_return_ends_a_line_as_jinja_counts_it(property_engine: RenderEngine) -> None:
    """Found by the property above: Jinja put the field on line 2, the column search looked on line 1."""
    result = property_engine.render("\r{{ order }}", {}, fmt=OutputFormat.TEXT)
    (use,) = result.fields
    assert (use.line, use.column) == (2, 4)


def test_a_comparison_inside_a_loop_over_a_field_is_analysed(property_engine: RenderEngine) -> None:
    """Found by the property above: a comparison's Operand node has no line number, and the loop's
    scope end was the max of its nodes' lines, so the analysis raised TypeError out of render()."""
    source = "{% for item in order %}{% if item == 1 %}x{% endif %}{% endfor %}"
    result = property_engine.render(source, {"order": [1, 2]}, fmt=OutputFormat.TEXT)
    assert result.output == "x"


@given(subject=templates, html=templates, text=templates, payload=payloads)
def test_email_templates_locate_each_problem_in_its_own_part(
    property_engine: RenderEngine, subject: str, html: str, text: str, payload: dict[str, Any]
) -> None:
    """An email renders three parts in one round trip; each location names the part it lies in."""
    template = Template(
        "mail", kind=TemplateKind.EMAIL, format=OutputFormat.HTML, subject=subject, body=html, text_body=text
    )
    rendering = property_engine.render_template(template, payload, lookups=LOOKUPS)
    sources = {"subject": subject, "html": html, "text": text}
    for part, result in rendering.parts.items():
        assert all(d.location is None or d.location.part == part for d in result.diagnostics), part
        check_result(result, sources[part])
    for note in rendering.notes:
        assert note.location is None or note.location.part in rendering.parts
