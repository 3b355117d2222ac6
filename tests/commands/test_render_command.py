"""``postback-studio render``: the command-line contract of DESIGN.md."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from postback_studio.cli import main
from postback_studio.core.paths import resources_dir
from postback_studio.core.samples import load_sample
from tests.core.render.test_sandbox import INJECTIONS, MARKER

TEMPLATES = resources_dir() / "templates"
ARTICLE = str(TEMPLATES / "order-shipped-article.json.j2")
CARRIERS = str(resources_dir() / "lookups" / "shipmentMethodUid.csv")


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["render", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_article_template_renders_valid_json_for_shipped(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, ARTICLE, "--event", "shipped")
    assert code == 0, err
    assert json.loads(out)["trackingInfo"]["trackingCode"] == "1Z999AA10123456784"
    assert err == ""


def test_article_template_exits_3_with_the_missing_comma(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, ARTICLE, "--event", "shipped.multi-item")
    assert code == 3
    assert err.startswith(f"{ARTICLE}:16:1: error: Invalid JSON: output line 16, column 1: expecting ','")
    assert out.split("\n")[15].startswith('"trackingCode"')


def test_missing_field_warns_with_line_and_column_and_strict_fails(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    template = tmp_path / "t.json.j2"
    template.write_text('{\n  "id": "{{ orderId }}",\n  "eta": "{{ shipment.eta }}"\n}\n')
    code, out, err = run(capsys, str(template), "--event", "shipped")
    assert code == 0 and json.loads(out)["eta"] == ""
    warning = "warning: field 'shipment.eta' is not in the payload (renders as an empty string)"
    assert err == f"{template}:3:14: {warning}\n"
    code, out, err = run(capsys, str(template), "--event", "shipped", "--strict")
    assert code == 1 and out == ""
    assert f"{template}:3:14: error: field 'shipment.eta'" in err


def test_payload_file_and_its_json_errors(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    payload = tmp_path / "p.json"
    payload.write_text('{"orderId": "X-1"}')
    template = tmp_path / "t.txt.j2"
    template.write_text("id={{ orderId }}")
    assert run(capsys, str(template), "--payload", str(payload)) == (0, "id=X-1", "")
    payload.write_text('{\n  "orderId": "X-1",\n}')
    code, out, err = run(capsys, str(template), "--payload", str(payload))
    assert code == 2 and out == ""
    assert (
        err.strip() == f"{payload}:3:1: error: the payload is not valid JSON: "
        "Expecting property name enclosed in double quotes"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.json.j2", "--event", "shipped"], "missing.json.j2: no such file"),
        ([ARTICLE, "--event", "teleported"], "unknown event 'teleported'"),
        ([ARTICLE, "--event", "shipped.nope"], "samples of shipped: shipped, shipped.multi-item"),
        ([ARTICLE, "--payload", "/nonexistent/p.json"], "/nonexistent/p.json: error: no such file"),
        ([ARTICLE, "--event", "shipped", "--lookups", "/nonexistent/l.csv"], "l.csv: no such file"),
        ([ARTICLE, "--event", "shipped", "--schema", "/nonexistent/s.json"], "s.json: no such file"),
        ([str(TEMPLATES), "--event", "shipped"], "is a directory"),
    ],
)
def test_bad_input_exits_2_with_one_line(
    capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, out, err = run(capsys, *args)
    assert code == 2 and out == ""
    assert message in err and len(err.strip().splitlines()) == 1


def test_lookups_csv_and_json(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    template = str(TEMPLATES / "order-shipped.json.j2")
    code, out, _ = run(capsys, template, "--event", "shipped", "--lookups", CARRIERS)
    assert code == 0 and json.loads(out)["trackingInfo"][0]["carrier"] == "UPS SurePost"
    tables = tmp_path / "tables.json"
    tables.write_text('{"shipmentMethodUid": {"ups_surepost": "Brown"}}')
    code, out, _ = run(capsys, template, "--event", "shipped", "--lookups", str(tables))
    assert code == 0 and json.loads(out)["trackingInfo"][0]["carrier"] == "Brown"


def test_strict_lookup_miss_exits_1(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    template = tmp_path / "t.txt.j2"
    template.write_text('a\n{{ lookups({"shipmentMethodUid": "nope"}, strict=True) }}')
    code, out, err = run(capsys, str(template), "--event", "shipped", "--lookups", CARRIERS)
    assert code == 1 and out == ""
    assert f"{template}:2:4: error: lookup miss" in err and "'nope'" in err


def test_format_from_option_extension_or_text(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    template = tmp_path / "plain.j2"
    template.write_text("{ not json {{ orderId }}")
    assert run(capsys, str(template), "--event", "shipped")[0] == 0
    assert run(capsys, str(template), "--event", "shipped", "--format", "json")[0] == 3
    xml = tmp_path / "t.xml.j2"
    xml.write_text("<a>{{ orderId }}</b>")
    code, _, err = run(capsys, str(xml), "--event", "shipped")
    assert code == 3 and "Invalid XML: output line 1" in err


def test_json_schema_and_xsd(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    schema = tmp_path / "s.json"
    schema.write_text(
        '{"type": "object", "properties": {"quantity": {"type": "integer"}}, "required": ["quantity"]}'
    )
    template = tmp_path / "t.json.j2"
    template.write_text('{"quantity": "{{ items[0].quantity }}"}')
    code, _, err = run(capsys, str(template), "--event", "shipped", "--schema", str(schema))
    assert code == 3 and "schema violation at $.quantity: '2' is not of type 'integer'" in err
    template.write_text('{"quantity": {{ items[0].quantity }}}')
    assert run(capsys, str(template), "--event", "shipped", "--schema", str(schema))[0] == 0
    schema.write_text('{"type": 12}')
    code, _, err = run(capsys, str(template), "--event", "shipped", "--schema", str(schema))
    assert code == 2 and "not a valid JSON Schema" in err
    xsd = tmp_path / "s.xsd"
    xsd.write_text(
        '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">'
        '<xs:element name="q" type="xs:integer"/></xs:schema>'
    )
    xml = tmp_path / "t.xml.j2"
    xml.write_text("<q>{{ orderReferenceId }}</q>")
    code, _, err = run(capsys, str(xml), "--event", "shipped", "--schema", str(xsd))
    assert code == 3 and "schema violation at output line 1" in err


def test_email_template_prints_its_parts(capsys: pytest.CaptureFixture[str]) -> None:
    template = str(TEMPLATES / "order-shipped-email.email.j2")
    code, out, err = run(capsys, template, "--event", "shipped")
    assert code == 0 and err == ""
    assert out.startswith("Subject: Your order ACME-100234 is on its way\n")
    assert "--- html part ---" in out and "--- text part ---" in out
    code, out, _ = run(capsys, template, "--event", "shipped", "--format", "html")
    assert code == 0 and out.startswith("<!DOCTYPE html>")


def test_email_template_diagnostics_point_at_file_lines(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    template = tmp_path / "e.email.j2"
    template.write_text(
        "{% block subject %}Hi{% endblock %}\n{% block html %}\n<p>\n{{ gone }}</p>\n{% endblock %}\n"
    )
    code, _, err = run(capsys, str(template), "--event", "shipped")
    assert code == 0
    assert f"{template}:4:4: warning: field 'gone'" in err
    assert "warning: the email has no text part" in err


@pytest.mark.parametrize("payload", INJECTIONS)
def test_injections_exit_1_and_run_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, payload: str
) -> None:
    marker = tmp_path / "pwned"
    template = tmp_path / "evil.txt.j2"
    template.write_text(payload.replace(MARKER, str(marker)))
    code, out, err = run(capsys, str(template), "--event", "shipped")
    assert code == 1 and out == ""
    assert "error: security restriction" in err
    assert not marker.exists()


def test_runaway_template_exits_1(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    template = tmp_path / "loop.txt.j2"
    template.write_text("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}")
    code, out, err = run(capsys, str(template), "--event", "shipped")
    assert code == 1 and out == ""
    assert "error: time limit: the render ran longer than 2 s" in err


def test_no_traceback_from_a_real_process(tmp_path: Path) -> None:
    template = tmp_path / "bad.json.j2"
    template.write_bytes(b"\xff\xfe{{ x }}")
    proc = subprocess.run(
        [sys.executable, "-m", "postback_studio", "render", str(template), "--event", "shipped"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert proc.returncode == 2
    assert "not UTF-8" in proc.stderr and "Traceback" not in proc.stderr


def test_output_is_the_exact_bytes(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    template = tmp_path / "t.txt.j2"
    template.write_text("{{ orderReferenceId }}\n\n  ")
    code, out, _ = run(capsys, str(template), "--event", "shipped")
    assert code == 0 and out == f"{load_sample('shipped')['orderReferenceId']}\n\n  "
