"""Every cost bounded: output checks and field analysis are linear and capped, deep nesting and long
numbers are diagnostics with the documented exit codes, absurd retry numbers never get in.

The large cases run in a child process under a CPU-time ceiling far above what the linear code
needs (a few seconds): it is a guard that turns a quadratic regression into a failure instead of a
hang, not a speed target (those are in ``benchmarks/security.py``).
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
import textwrap
from dataclasses import replace
from pathlib import Path

import pytest

from postback_studio.core.bundle import BundleError, BundleReadError, parse_bundle
from postback_studio.core.jsontext import MAX_DEPTH, JsonInputError, loads
from postback_studio.core.model import Event, RetryKind, RetryPolicy, Trigger
from postback_studio.core.preview import parse_json
from postback_studio.core.render.fields import MAX_ANALYSED_SOURCE, MAX_ANALYSED_TAGS, analyze_template
from postback_studio.core.render.validate import MAX_HTML_WARNINGS, validate_json
from postback_studio.core.validation import ValidationError, validate_trigger
from postback_studio.services.transfer import export_document
from postback_studio.storage.workspace import Workspace
from tests.security.cli import run_cli

CPU_SECONDS = 30


def run_bounded(code: str) -> str:
    """Run ``code`` in a child under a CPU-time ceiling; its stdout, or fail with what happened."""
    script = f"import resource\nresource.setrlimit(resource.RLIMIT_CPU, ({CPU_SECONDS}, {CPU_SECONDS}))\n"
    result = subprocess.run(
        [sys.executable, "-c", script + textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=CPU_SECONDS * 4,
        check=False,
    )
    assert result.returncode == 0, f"exit {result.returncode}: {result.stderr[-2000:]}"
    return result.stdout


# -- output checks and analysis stay linear ---------------------------------------------------------


@pytest.mark.parametrize(
    ("output", "listed"),
    [
        pytest.param("'<a ' * 20_000", 0, id="issue-example"),
        pytest.param("'<a ' * 1_650_000", 0, id="5MB-unterminated-tags"),
        pytest.param("'<a x=\"' * 800_000", 0, id="5MB-unterminated-quotes"),
        pytest.param("'<b>' * 1_600_000", 1, id="5MB-never-closed-past-the-tag-limit"),
        pytest.param("'<b>' * 490_000", MAX_HTML_WARNINGS + 1, id="never-closed-up-to-the-tag-limit"),
        pytest.param("'<b>' * 200_000 + '</i>' * 250_000", MAX_HTML_WARNINGS + 1, id="unmatched-ends"),
        pytest.param("'<div>' * 400_000 + '</span>' * 1", MAX_HTML_WARNINGS + 1, id="closing-a-deep-stack"),
        pytest.param("'<!--' * 1_200_000", 0, id="5MB-unterminated-comments"),
    ],
)
def test_html_of_any_size_up_to_the_output_limit_is_checked(output: str, listed: int) -> None:
    shown = run_bounded(
        f"""
        from postback_studio.core.render.validate import validate_html
        print(len(validate_html({output})))
        """
    )
    assert int(shown) == listed


def test_html_problems_keep_their_positions_after_a_long_unterminated_run() -> None:
    shown = run_bounded(
        """
        from postback_studio.core.model import OutputFormat
        from postback_studio.core.render.validate import validate_output
        text = "<div>\\n  <p>one\\n  <span>two</div>\\n</i>"
        print([d.message for d in validate_output(text, OutputFormat.HTML)])
        raw_text = '<script>if (a<b) { x = "</div>" }</script><a title=">">x</a>'
        print(validate_output(raw_text + "<a " * 1_000_000, OutputFormat.HTML))
        """
    )
    assert shown.splitlines() == [
        str(
            [
                "HTML: output line 3, column 12: <span> opened at line 3, column 3 is closed by </div>",
                "HTML: output line 4, column 1: end tag </i> has no matching start tag",
            ]
        ),
        "()",
    ]


def test_twenty_thousand_expressions_on_one_line_are_analysed_with_their_columns() -> None:
    shown = run_bounded(
        """
        from postback_studio.core.render.fields import analyze_template
        source = "".join("{{ order.f%d }}" % i for i in range(19_990)) + "{{ order.f5 }}" * 3
        analysis = analyze_template(source)
        fields = analysis.fields
        expected = [source.index("{{ order.f%d }}" % i) + 4 for i in (0, 1, 19_989)]
        repeats = [f.column for f in fields if f.path == "order.f5"]
        print(len(fields), [fields[i].column for i in (0, 1, 19_989)] == expected, len(set(repeats)))
        """
    )
    assert shown.split() == ["19993", "True", "4"]


def test_templates_past_the_analysis_limits_say_they_are_too_large_to_check() -> None:
    many_tags = "{{ a }}" * (MAX_ANALYSED_TAGS + 1)
    long_text = "x" * (MAX_ANALYSED_SOURCE + 1)
    for source in (many_tags, long_text):
        analysis = analyze_template(source)
        assert analysis.skipped is not None and analysis.skipped.message.startswith("too large to check")
        assert analysis.fields == ()


@pytest.mark.parametrize(
    "source",
    [
        "{% if x %}" * 600 + "{% endif %}" * 600,
        "{{ " + "(" * 2000 + "x" + ")" * 2000 + " }}",
        "{{ " + "[" * 3000 + "]" * 3000 + " }}",
        "{{ x" + "|e" * 3000 + " }}",
        "{{ a" + ".b" * 5000 + " }}",
    ],
)
def test_templates_nested_deeper_than_the_parser_recurses_are_a_diagnostic(source: str) -> None:
    analysis = analyze_template(source)
    assert analysis.skipped is not None and "too deeply nested" in analysis.skipped.message


def test_highlighting_a_2mb_single_line_template_is_skipped_not_a_freeze() -> None:
    shown = run_bounded(
        """
        from postback_studio.core.highlight import MAX_HIGHLIGHT_CHARS, SpanCache, lexer_for, line_spans
        unit = '"k{{ loop.index }}": "{{ order.items[0].sku }}", '
        text = "{" + unit * (2_000_000 // len(unit)) + "}"
        big = SpanCache(lexer_for("json")).spans(text)
        small = line_spans(text[:MAX_HIGHLIGHT_CHARS // 2], lexer_for("json"))
        print(len(big), len(big[0]), len(small[0]) > 1000)
        """
    )
    assert shown.split() == ["1", "0", "True"]


# -- deep nesting and long numbers: diagnostics and exit codes --------------------------------------


@pytest.mark.parametrize(
    ("template", "words"),
    [
        ("{{ '[' * 100000 }}", "nested more than"),
        ("{{ '{\"a\":' * 5000 }}1{{ '}' * 5000 }}", "nested more than"),
        ("[{{ '9' * 5000 }}]", "digits"),
    ],
)
def test_render_reports_output_python_cannot_parse_with_exit_3(
    tmp_path: Path, template: str, words: str
) -> None:
    path = tmp_path / "deep.json.j2"
    path.write_text(template, encoding="utf-8")
    code, _out, err = run_cli("render", str(path), "--event", "shipped")
    assert code == 3, err
    assert f"{path}:1:" in err and words in err
    assert "Error" not in err and "Traceback" not in err


def test_a_deep_output_against_a_recursive_schema_is_exit_3(tmp_path: Path) -> None:
    template = tmp_path / "t.json.j2"
    template.write_text("{{ '[' * 900 }}{{ ']' * 900 }}", encoding="utf-8")
    schema = tmp_path / "s.json"
    schema.write_text('{"type": "array", "items": {"$ref": "#"}}', encoding="utf-8")
    code, _out, err = run_cli("render", str(template), "--event", "shipped", "--schema", str(schema))
    assert code == 3 and "too deeply" in err and "RecursionError" not in err


def test_an_xsd_internal_error_is_a_diagnostic_with_exit_3(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lxml import etree

    class GivingUp(etree.XMLSchema):
        def validate(self, document: object) -> bool:
            raise etree.XMLSchemaValidateError("Internal error in XML Schema validation.")

    monkeypatch.setattr(etree, "XMLSchema", GivingUp)
    template = tmp_path / "t.xml.j2"
    template.write_text("<r/>", encoding="utf-8")
    schema = tmp_path / "s.xsd"
    schema.write_text(
        '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"><xs:element name="r"/></xs:schema>',
        encoding="utf-8",
    )
    code, out, err = run_cli("render", str(template), "--event", "shipped", "--schema", str(schema))
    assert code == 3 and out == "<r/>"
    assert "could not be checked against the schema" in err and "Internal error" in err


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("[" * 100_000, "nested more than"),
        ("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1), "nested more than"),
        ('{"a": ' + "9" * 5000 + "}", "digits"),
    ],
)
def test_untrusted_json_input_is_refused_with_a_position(text: str, words: str) -> None:
    assert loads("[" * MAX_DEPTH + "]" * MAX_DEPTH) is not None
    assert validate_json("[" * 900 + "]" * 900) == ()
    with pytest.raises(JsonInputError) as caught:
        loads(text)
    assert words in caught.value.msg and caught.value.lineno == 1
    parsed = parse_json(text)
    assert not parsed.ok and words in parsed.error


@pytest.mark.parametrize(
    "payload", ["[" * 100_000, '{"a": ' * 3000 + "1" + "}" * 3000, '{"n": ' + "1" * 5000 + "}"]
)
def test_render_refuses_such_a_payload_file_with_exit_2(tmp_path: Path, payload: str) -> None:
    template = tmp_path / "t.json.j2"
    template.write_text("{}", encoding="utf-8")
    path = tmp_path / "payload.json"
    path.write_text(payload, encoding="utf-8")
    code, _out, err = run_cli("render", str(template), "--payload", str(path))
    assert code == 2 and f"{path}:1:" in err and "Error:" not in err


def exported_bundle(tmp_path: Path) -> dict[str, object]:
    with Workspace.open(tmp_path / "export.sqlite") as ws:
        return export_document(ws)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("[" * 100_000 + "]" * 100_000, id="deep-array"),
        pytest.param('{"schemaVersion": 1, "customers": ' + "[" * 5000 + "]" * 5000 + "}", id="deep-member"),
        pytest.param('{"schemaVersion": ' + "1" * 5000 + "}", id="5000-digits"),
    ],
)
def test_import_refuses_deep_or_long_bundles_with_exit_2(tmp_path: Path, text: str) -> None:
    with pytest.raises(BundleReadError):
        parse_bundle(text.encode())
    path = tmp_path / "bundle.json"
    path.write_text(text, encoding="utf-8")
    code, _out, err = run_cli("--workspace", str(tmp_path / "ws.sqlite"), "import", str(path), "--dry-run")
    assert code == 2 and "nothing was imported" in err and "Traceback" not in err


# -- retry numbers ----------------------------------------------------------------------------------

ABSURD = [math.nan, math.inf, -math.inf, 1e308, -1.0]


@pytest.mark.parametrize("value", ABSURD)
@pytest.mark.parametrize("field", ["first_delay", "max_delay", "factor", "jitter"])
def test_absurd_retry_numbers_are_refused_with_the_field_named(field: str, value: float) -> None:
    retry = replace(RetryPolicy(kind=RetryKind.EXPONENTIAL), **{field: value})
    trigger = Trigger("hook", 1, Event.SHIPPED, url="https://receiver.example/", retry=retry)
    [issue] = validate_trigger(trigger)
    assert issue.field == f"retry.{field}" and field.replace("_", " ") in issue.message


@pytest.mark.parametrize("value", [True, 2.5])
def test_absurd_attempt_counts_are_refused(value: object) -> None:
    retry = RetryPolicy(max_attempts=value)  # type: ignore[arg-type]
    trigger = Trigger("hook", 1, Event.SHIPPED, url="https://x.example/", retry=retry)
    assert [i.field for i in validate_trigger(trigger)] == ["retry.max_attempts"]


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "1e308", "1e999"])
def test_import_refuses_absurd_retry_numbers_naming_the_field(tmp_path: Path, literal: str) -> None:
    document = exported_bundle(tmp_path)
    text = json.dumps(document).replace('"firstDelay": 5.0', f'"firstDelay": {literal}', 1)
    assert literal in text
    with pytest.raises(BundleError) as caught:
        parse_bundle(text.encode())
    assert any(p.pointer.endswith("/retry/firstDelay") for p in caught.value.problems), caught.value.problems


def test_forms_save_through_the_same_rule(tmp_path: Path) -> None:
    with Workspace.open(tmp_path / "ws.sqlite") as ws:
        [trigger, *_] = [t for t in ws.triggers.list() if t.url]
        assert trigger.id is not None
        changed = replace(ws.triggers.get(trigger.id), retry=RetryPolicy(first_delay=math.nan))
        with pytest.raises(ValidationError, match=r"retry\.first_delay"):
            ws.triggers.save(changed)
        assert ws.triggers.get(trigger.id).retry.first_delay == 5.0
