"""Output validation: JSON, XML, HTML, schemas; every problem with its output line and column."""

from __future__ import annotations

import pytest

from postback_studio.core.model import OutputFormat
from postback_studio.core.render.result import Severity, Where
from postback_studio.core.render.validate import (
    SchemaFileError,
    find_duplicate_keys,
    load_schema,
    validate_html,
    validate_json,
    validate_xml,
)


def test_json_syntax_error_has_output_line_column_and_snippet() -> None:
    (diagnostic,) = validate_json('{\n  "a": 1\n  "b": 2\n}')
    assert diagnostic.code == "json-syntax"
    assert diagnostic.location is not None
    assert (diagnostic.location.where, diagnostic.location.line, diagnostic.location.column) == (
        Where.OUTPUT,
        3,
        3,
    )
    assert diagnostic.message.startswith("Invalid JSON: output line 3, column 3: expecting ',' delimiter")
    assert '"b": 2' in diagnostic.message


def test_valid_json_has_no_diagnostics() -> None:
    assert validate_json('{"a": [1, {"b": null}], "c": "x"}') == ()


def test_duplicate_keys_are_warnings_with_their_location() -> None:
    diagnostics = validate_json('{"a": 1,\n "x": {"k": 1, "k": 2},\n "a": 3}')
    assert [(d.code, d.severity, d.location.line, d.location.column) for d in diagnostics if d.location] == [
        ("json-duplicate-key", Severity.WARNING, 2, 16),
        ("json-duplicate-key", Severity.WARNING, 3, 2),
    ]


def test_same_key_in_sibling_objects_is_not_a_duplicate() -> None:
    assert find_duplicate_keys('[{"k": 1}, {"k": 2}]') == []


def test_json_schema_violations_carry_their_json_path() -> None:
    schema = load_schema(
        '{"type": "object", "required": ["orderId"], "properties": {"items": {"type": "array",'
        ' "items": {"properties": {"quantity": {"type": "integer"}}}}}}',
        OutputFormat.JSON,
    )
    diagnostics = validate_json('{"items": [{"quantity": "2"}]}', schema=schema)
    messages = sorted(d.message for d in diagnostics)
    assert all(d.code == "json-schema" for d in diagnostics)
    assert any("$.items[0].quantity" in m and "integer" in m for m in messages)
    assert any("'orderId' is a required property" in m for m in messages)


def test_invalid_schema_is_refused_with_its_name() -> None:
    with pytest.raises(SchemaFileError, match=r"s\.json"):
        load_schema('{"type": 5}', OutputFormat.JSON, "s.json")
    with pytest.raises(SchemaFileError, match="not valid JSON"):
        load_schema("{", OutputFormat.JSON, "s.json")


def test_xml_well_formedness_with_line_and_column() -> None:
    (diagnostic,) = validate_xml("<a>\n  <b>x</c>\n</a>")
    assert diagnostic.code == "xml-syntax"
    assert diagnostic.location is not None and diagnostic.location.line == 2
    assert "output line 2" in diagnostic.message


def test_xml_does_not_expand_entities() -> None:
    bomb = '<?xml version="1.0"?><!DOCTYPE a [<!ENTITY e "xxxxxxxxxx">]><a>&e;&e;</a>'
    assert validate_xml(bomb) == ()


def test_xsd_violations_are_reported() -> None:
    xsd = load_schema(
        '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">'
        '<xs:element name="order"><xs:complexType><xs:sequence>'
        '<xs:element name="quantity" type="xs:integer"/>'
        "</xs:sequence></xs:complexType></xs:element></xs:schema>",
        OutputFormat.XML,
    )
    assert validate_xml("<order><quantity>2</quantity></order>", schema=xsd) == ()
    (diagnostic,) = validate_xml("<order>\n<quantity>two</quantity></order>", schema=xsd)
    assert diagnostic.code == "xml-schema" and diagnostic.location is not None
    assert diagnostic.location.line == 2


def test_html_problems_are_warnings() -> None:
    diagnostics = validate_html("<html><body>\n<div><p>x</span>\n</body></html>")
    assert diagnostics and all(d.severity is Severity.WARNING and d.code == "html" for d in diagnostics)
    assert any("</span>" in d.message for d in diagnostics)
    assert any("<div>" in d.message for d in diagnostics)


def test_html_optional_end_tags_and_void_elements_are_fine() -> None:
    assert validate_html("<table><tr><td>a<td>b</table><p>one<p>two<br><img src=x>") == ()


def test_nan_and_infinity_are_not_json() -> None:
    (diagnostic,) = validate_json('{"a": "NaN",\n "b": NaN}')
    assert diagnostic.code == "json-syntax" and diagnostic.location is not None
    assert (diagnostic.location.line, diagnostic.location.column) == (2, 7)
    assert "NaN is not a JSON value" in diagnostic.message
    assert validate_json("[-Infinity]")[0].code == "json-syntax"
