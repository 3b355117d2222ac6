"""Reading the receiver's example: errors with positions, and the layout the template reproduces."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from postback_studio.core.model import OutputFormat
from postback_studio.core.render import RenderEngine
from postback_studio.core.scaffold import ExampleError, compare_output, parse_example, scaffold

JSON, XML = OutputFormat.JSON, OutputFormat.XML
PAYLOAD = {"ref": "ACME-1", "items": [{"sku": "A-1", "quantity": 2}, {"sku": "B-2", "quantity": 5}]}
VALUE = {
    "order": "ACME-1",
    "lines": [{"sku": "A-1", "n": 2}, {"sku": "B-2", "n": 5}],
    "empty": [],
    "none": {},
}


@pytest.mark.parametrize(
    ("text", "fmt", "line", "column", "message"),
    [
        ('{\n  "a": 1,\n}', JSON, 3, 1, "the example is not valid JSON: Expecting property name"),
        ("", JSON, 1, 1, "the example is not valid JSON: Expecting value"),
        ("<a>\n  <b></a>", XML, 2, 10, "the example is not well-formed XML: Opening and ending tag mismatch"),
        ("{}", OutputFormat.HTML, None, None, "an example must be JSON or XML, not html"),
        ("[" * 150 + "]" * 150, JSON, 1, 102, "the example is nested more than 100 levels deep"),
        ("<a>" * 150 + "</a>" * 150, XML, 1, 304, "the example is nested more than 100 levels deep"),
    ],
)
def test_a_bad_example_says_what_and_where(
    text: str, fmt: OutputFormat, line: int | None, column: int | None, message: str
) -> None:
    with pytest.raises(ExampleError) as caught:
        parse_example(text, fmt)
    assert str(caught.value).startswith(message)
    assert (caught.value.line, caught.value.column) == (line, column)


@pytest.mark.parametrize(
    ("indent", "separators"),
    [(2, None), (4, None), ("\t", None), (None, None), (None, (",", ":")), (3, (",", ": "))],
)
def test_regular_layouts_are_reproduced_exactly(
    engine: RenderEngine, indent: int | str | None, separators: tuple[str, str] | None
) -> None:
    example = json.dumps(VALUE, indent=indent, separators=separators) + "\n"
    result = scaffold(example, JSON, PAYLOAD)
    assert result.notes == ()
    output = engine.render(result.template, PAYLOAD, fmt=JSON).output or ""
    assert output + "\n" == example


def test_an_irregular_layout_gives_the_same_json_and_says_so(engine: RenderEngine) -> None:
    example = (
        '{\n  "order": "ACME-1", "lines": [\n      {"sku": "A-1", "n": 2},\n  {"sku": "B-2", "n": 5}]\n}'
    )
    result = scaffold(example, JSON, PAYLOAD)
    assert result.notes and "irregular" in result.notes[0]
    comparison = compare_output(example, engine.render(result.template, PAYLOAD, fmt=JSON).output or "", JSON)
    assert comparison.equivalent and not comparison.identical


def test_values_and_keys_are_written_as_the_example_writes_them(engine: RenderEngine) -> None:
    example = (
        '{"price": 2.50, "big": 1E+3, "text": "caf\\u00e9 \\"{{ x }}\\"", '
        '"a\\u0062": "{% raw %}", "dup": 1, "dup": 2}'
    )
    result = scaffold(example, JSON, {"other": "nothing alike"})
    assert all(row.source is None for row in result.mapping.rows)
    assert engine.render(result.template, {}, fmt=JSON).output == example


def test_xml_keeps_declaration_prolog_namespaces_attribute_order_and_comments(engine: RenderEngine) -> None:
    example = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        "<!DOCTYPE order>\n"
        "<!-- from the receiver's manual -->\n"
        '<o:order xmlns:o="urn:o" xmlns="urn:d" z="1" a="2" o:ref="ACME-1" xml:lang="en">\n'
        "  <?pi keep?>\n"
        "  <line>A-100234<!-- a note --></line>\n"
        "  <o:text>Tom &amp; Jerry &lt;3</o:text>\n"
        "  <empty/>\n"
        "</o:order>"
    )
    result = scaffold(example, XML, {"ref": "ACME-1", "sku": "A-100234", "note": "Tom & Jerry <3"})
    assert (
        '<o:order xmlns:o="urn:o" xmlns="urn:d" z="1" a="2" o:ref="{{ ref|e }}" xml:lang="en">'
        in result.template
    )
    assert "<line>{{ sku|e }}<!-- a note --></line>" in result.template
    assert "<o:text>{{ note|e }}</o:text>" in result.template
    output = engine.render(
        result.template, {"ref": "ACME-1", "sku": "A-100234", "note": "Tom & Jerry <3"}, fmt=XML
    )
    assert output.valid
    assert output.output == example


def test_cdata_and_character_references_compare_as_the_same_xml(engine: RenderEngine) -> None:
    example = "<a><b><![CDATA[x < y]]></b><c>&#233;t&#xE9;</c></a>"
    result = scaffold(example, XML, {})
    comparison = compare_output(example, engine.render(result.template, {}, fmt=XML).output or "", XML)
    assert comparison.equivalent and not comparison.identical


@pytest.mark.parametrize(
    ("example", "output", "difference"),
    [
        ('{"a": [1, 2]}', '{"a": [1]}', "a: the example has 2 elements, the output 1"),
        ('{"a": {"b": "x"}}', '{"a": {"c": "x"}}', 'a: the example has key "b" where the output has "c"'),
        ('{"a": 1}', '{"a": true}', "a: the example has 1, the output true"),
        ('{"a": "1"}', '{"a": 1}', 'a: the example has "1", the output 1'),
        ('{"a": 1}', '{"a": 1', "the output is not valid JSON"),
    ],
)
def test_json_differences_are_located(example: str, output: str, difference: str) -> None:
    comparison = compare_output(example, output, JSON)
    assert not comparison.equivalent
    assert comparison.difference is not None and comparison.difference.startswith(difference)


def test_json_compares_numbers_as_numbers_and_keeps_member_order() -> None:
    assert compare_output('{"a": 2.50, "b": 1}', '{"a": 2.5, "b": 1.0}', JSON).equivalent
    assert not compare_output('{"a": 1, "b": 2}', '{"b": 2, "a": 1}', JSON).equivalent


@pytest.mark.parametrize(
    ("example", "output", "difference"),
    [
        ("<a><b>1</b></a>", "<a><b>2</b></a>", "/a/b: the example has '1', the output '2'"),
        ('<a x="1"/>', '<a x="2"/>', "/a/@x: the example has '1', the output '2'"),
        ("<a><b/><b/></a>", "<a><b/></a>", "/a: the example has 2 child elements, the output 1"),
    ],
)
def test_xml_differences_are_located(example: str, output: str, difference: str) -> None:
    comparison = compare_output(example, output, XML)
    assert not comparison.equivalent and comparison.difference == difference


def test_xml_entities_are_kept_as_references_never_expanded(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    example = (
        '<?xml version="1.0"?>\n'
        f'<!DOCTYPE a [<!ENTITY co "ACME Ltd"><!ENTITY xxe SYSTEM "file://{secret}">]>\n'
        "<a><b>&co; rocks</b><c>&xxe;</c><d>ACME-100234</d></a>"
    )
    result = scaffold(example, XML, {"ref": "ACME-100234"})
    assert "TOP-SECRET" not in result.template and "ACME Ltd" not in result.template.split("]>")[1]
    assert result.template.endswith("<a><b>&co; rocks</b><c>&xxe;</c><d>{{ ref|e }}</d></a>\n")
