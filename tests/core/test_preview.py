"""The preview's status line, pretty view and payload parse errors."""

from __future__ import annotations

from postback_studio.core.model import OutputFormat
from postback_studio.core.preview import parse_json, pretty, status_line
from postback_studio.core.render.result import Diagnostic, Location, RenderResult, Severity, Where

WARN = Diagnostic(
    Severity.WARNING, "unresolved-field", "x is not in the payload", Location(Where.TEMPLATE, 2, 5)
)


def test_valid_json_with_warnings() -> None:
    assert status_line(RenderResult("{}", OutputFormat.JSON)).text == "Valid JSON"
    status = status_line(RenderResult("{}", OutputFormat.JSON, (WARN,)))
    assert status.text == "Valid JSON (1 warning)" and status.ok


def test_invalid_json_names_line_and_column_and_marks_it() -> None:
    error = Diagnostic(Severity.ERROR, "json-syntax", "expecting ','", Location(Where.OUTPUT, 7, 3))
    status = status_line(RenderResult("{", OutputFormat.JSON, (WARN, error)))
    assert status.text == "Invalid JSON: line 7, column 3: expecting ','"
    assert status.output_line == 7 and not status.ok


def test_template_error_without_output() -> None:
    error = Diagnostic(Severity.ERROR, "syntax", "unexpected '}'", Location(Where.TEMPLATE, 3, 9))
    status = status_line(RenderResult(None, OutputFormat.XML, (error,)))
    assert status.text == "Template error: line 3, column 9: unexpected '}'"
    assert status.output_line is None
    assert status_line(RenderResult(None, OutputFormat.XML)).text == "Template error: no output"


def test_text_output() -> None:
    assert status_line(RenderResult("hi", OutputFormat.TEXT)).text == "Rendered"


def test_pretty_json_and_xml_and_unparseable() -> None:
    assert pretty('{"a":[1,2]}', "json") == '{\n  "a": [\n    1,\n    2\n  ]\n}'
    assert pretty("<a><b>1</b></a>", OutputFormat.XML) == "<a>\n  <b>1</b>\n</a>"
    assert pretty("{", "json") is None
    assert pretty("<a>", "xml") is None
    assert pretty("hello", "text") is None


def test_parse_json_reports_position() -> None:
    assert parse_json('{"a": 1}').value == {"a": 1}
    broken = parse_json('{\n  "a": 1\n  "b": 2\n}')
    assert not broken.ok
    assert (broken.line, broken.column) == (3, 3)
    assert "delimiter" in broken.error
