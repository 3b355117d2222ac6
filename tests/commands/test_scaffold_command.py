"""``postback-studio scaffold``: template on stdout, the mapping on stderr, one-line errors, exit codes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from postback_studio.cli import main
from tests.core.scaffold.corpus import ROOT

PARCELS = ROOT / "flattened-parcels" / "example.json"
XML_LINES = ROOT / "xml-nested-repetition" / "example.xml"
DIAGNOSTIC = re.compile(
    r"^(?P<file>[^:]+)(?::(?P<line>\d+):(?P<column>\d+))?: (?P<severity>note|warning|error): "
)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["scaffold", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_template_on_stdout_renders_the_example(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = run(capsys, str(PARCELS), "--event", "shipped.multi-item")
    assert code == 0, err
    assert "{%- for fulfillment in item.fulfillments %}" in out
    template = tmp_path / "parcels.json.j2"
    template.write_text(out)
    assert main(["render", str(template), "--event", "shipped.multi-item"]) == 0
    rendered, _ = capsys.readouterr()
    assert json.loads(rendered) == json.loads(PARCELS.read_text())


def test_stderr_says_how_each_value_was_mapped(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, str(PARCELS), "--event", "shipped.multi-item")
    lines = err.splitlines()
    assert code == 0
    assert all(DIAGNOSTIC.match(line) for line in lines), err
    assert lines[0] == (
        f"{PARCELS}:2:18: warning: shipmentFor <- orderReferenceId (exact); tie: the value is also at "
        "order.referenceId (other candidates: order.referenceId)"
    )
    assert any(
        line.startswith(
            f"{PARCELS}:3:14: note: parcels: a loop over items[].fulfillments[] (item, fulfillment)"
        )
        for line in lines
    )
    assert (
        f"{PARCELS}:8:18: note: parcels[].carrier <- items[].fulfillments[].carrierName (exact) (other "
        "candidates: items[].fulfillments[].carrierUid)" in lines
    )
    assert (
        lines[-2]
        == f"{PARCELS}: note: 7 of 7 values from the payload, 0 kept as written, 1 array, 1 to check"
    )
    assert (
        lines[-1] == f"{PARCELS}: note: on shipped.multi-item the template renders the example back exactly"
    )


def test_constants_and_uncertain_matches_are_listed(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    example = tmp_path / "receiver.json"
    example.write_text('{\n  "type": "shipment",\n  "status": "SHIPPED",\n  "version": 2\n}\n')
    code, out, err = run(capsys, str(example), "--event", "shipped")
    assert code == 0
    assert '"type": "shipment"' in out and '"status": {{ package.status|upper|tojson }}' in out
    assert f'{example}:2:11: note: type: constant "shipment"' in err
    assert (
        f"{example}:3:13: warning: status <- package.status (case-insensitive, upper-cased); "
        "matched ignoring letter case" in err
    )
    assert f"{example}:4:14: warning: version: constant 2; the value is also at items[0].quantity" in err


def test_xml_format_from_the_extension_and_a_payload_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from postback_studio.core.samples import load_sample

    payload = tmp_path / "order.json"
    payload.write_text(json.dumps(load_sample("shipped.multi-item")))
    code, out, err = run(capsys, str(XML_LINES), "--payload", str(payload))
    assert code == 0, err
    assert out.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<ship:Notification')
    assert (
        err.splitlines()[-1]
        == f"{XML_LINES}: note: on {payload} the template renders the example back exactly"
    )
    renamed = tmp_path / "example.txt"
    renamed.write_text(XML_LINES.read_text())
    code, out_again, _ = run(capsys, str(renamed), "--payload", str(payload), "--format", "xml")
    assert code == 0 and out_again == out


@pytest.mark.parametrize("example", [PARCELS, XML_LINES], ids=["json", "xml"])
def test_a_scaffolded_template_passes_check_edge_cases_and_lint(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, example: Path
) -> None:
    code, out, err = run(capsys, str(example), "--event", "shipped.multi-item")
    assert code == 0, err
    template = tmp_path / f"scaffolded.{example.suffix[1:]}.j2"
    template.write_text(out, encoding="utf-8")
    code = main(["check", str(template), "--event", "shipped", "--edge-cases", "--lint"])
    findings, summary = capsys.readouterr()
    assert (code, findings) == (0, ""), summary
    assert "edge cases: no variant breaks the template" in summary
    assert "lint: no problems found" in summary


@pytest.mark.parametrize(
    ("files", "args", "expected"),
    [
        ({}, ["{dir}/missing.json", "--event", "shipped"], "{dir}/missing.json: error: no such file"),
        (
            {"e.json": '{\n  "a": 1,\n}'},
            ["{dir}/e.json", "--event", "shipped"],
            "{dir}/e.json:3:1: error: the example is not valid JSON: Expecting property name",
        ),
        (
            {"e.xml": "<a>\n<b></a>"},
            ["{dir}/e.xml", "--event", "shipped"],
            "{dir}/e.xml:2:8: error: the example is not well-formed XML: Opening and ending tag mismatch",
        ),
        (
            {"e.json": "{}", "p.json": "{\n  nope\n}"},
            ["{dir}/e.json", "--payload", "{dir}/p.json"],
            "{dir}/p.json:2:3: error: the payload is not valid JSON: Expecting property name",
        ),
        (
            {"e.json": "{}", "p.json": "[1, 2]"},
            ["{dir}/e.json", "--payload", "{dir}/p.json"],
            "{dir}/p.json: error: the payload must be a JSON object (its keys are the template's names)",
        ),
        (
            {"e.json": "{}"},
            ["{dir}/e.json", "--payload", "{dir}/none.json"],
            "{dir}/none.json: error: no such file",
        ),
        (
            {"e.txt": "{}"},
            ["{dir}/e.txt", "--event", "shipped"],
            "{dir}/e.txt: error: cannot tell JSON from XML by the file name; give --format json or xml",
        ),
        (
            {"e.json": "{}"},
            ["{dir}/e.json", "--event", "teleported"],
            "postback-studio scaffold: error: --event: unknown event 'teleported'",
        ),
        ({}, ["{dir}", "--event", "shipped", "--format", "json"], "{dir}: error: is a directory, not a file"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, files: dict[str, str], args: list[str], expected: str
) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    code, out, err = run(capsys, *(a.format(dir=tmp_path) for a in args))
    assert (code, out) == (2, "")
    assert len(err.splitlines()) == 1
    assert err.startswith(expected.format(dir=tmp_path))


def test_diagnostics_use_the_three_documented_severities(capsys: pytest.CaptureFixture[str]) -> None:
    """``note`` is in the README's convention, and an informational diagnostic is written with it."""
    from postback_studio.commands._rendering import SEVERITY_WORDS, LoadedTemplate, format_diagnostic
    from postback_studio.core.model import Template
    from postback_studio.core.render.result import Diagnostic, Severity

    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    convention = re.search(r"`FILE:LINE:COL: ([a-z|]+): message`", readme)
    assert convention is not None and convention.group(1).split("|") == list(SEVERITY_WORDS.values())
    loaded = LoadedTemplate(Template("t"), "t.json.j2")
    assert format_diagnostic(Diagnostic(Severity.INFO, "x", "how"), loaded) == "t.json.j2: note: how"
    _, _, err = run(capsys, str(ROOT / "constants" / "example.json"), "--event", "shipped")
    severities = {match.group("severity") for match in map(DIAGNOSTIC.match, err.splitlines()) if match}
    assert severities == {"note", "warning"}


def test_help_lists_the_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "scaffold" in capsys.readouterr().out


def test_the_guide_shows_what_the_command_writes(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    guide = (Path(__file__).parents[2] / "docs" / "guide.md").read_text(encoding="utf-8")
    section = guide.split("## Template from an example", 1)[1].split("\n## ", 1)[0]
    template = section.split("```jinja\n", 1)[1].split("```", 1)[0]
    report = section.split("and reports\n\n```\n", 1)[1].split("```", 1)[0]
    parcels = [
        ("PHOTOBOOK-A4", "1", "1Z999AA10123456791"),
        ("CARD-5R", "10", "1Z999AA10123456791"),
        ("CARD-5R", "10", "781234567890"),
        ("CAL-WALL-A3", "3", "781234567890"),
        ("CAL-WALL-A3", "3", "781234567906"),
    ]
    example = {
        "type": "shipment",
        "order_no": "ACME-100235",
        "status": "SHIPPED",
        "parcels": [{"sku": sku, "qty": qty, "tracking": tracking} for sku, qty, tracking in parcels],
    }
    path = tmp_path / "receiver-example.json"
    path.write_text(json.dumps(example, indent=2) + "\n")
    code, out, err = run(capsys, str(path), "--event", "shipped.multi-item")
    assert code == 0
    assert out == template
    assert err.replace(f"{path}", "receiver-example.json") == report
