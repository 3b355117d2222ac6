"""``postback-studio check TEMPLATE [--event EVENT]...``: the all-samples grid, headless."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from postback_studio.cli import main
from postback_studio.core.paths import resources_dir
from postback_studio.core.samples import load_sample, sample_names

TEMPLATES = resources_dir() / "templates"
CARRIERS = str(resources_dir() / "lookups" / "shipmentMethodUid.csv")


def test_article_template_fails_the_multi_item_sample(capsys: pytest.CaptureFixture[str]) -> None:
    path = str(TEMPLATES / "order-shipped-article.json.j2")
    assert main(["check", path]) == 1
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert lines[0].split() == ["SAMPLE", "RESULT", "FIRST", "PROBLEM"]
    assert lines[1].split() == ["shipped", "pass"]
    assert lines[2].startswith("shipped.multi-item  FAIL")
    assert f"{path}:16:1: error: Invalid JSON: output line 16, column 1" in lines[2]
    assert "1 of 2 samples pass" in captured.err


def test_corrected_template_passes_every_shipped_sample(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(TEMPLATES / "order-shipped.json.j2"), "--lookups", CARRIERS]) == 0
    assert "2 of 2 samples pass" in capsys.readouterr().err


def test_explicit_events_and_variants(capsys: pytest.CaptureFixture[str]) -> None:
    path = str(TEMPLATES / "order-shipped.json.j2")
    assert main(["check", path, "--event", "delivered", "--event", "in_transit.multi-item"]) == 0
    out = capsys.readouterr().out
    assert [line.split()[0] for line in out.splitlines()[1:]] == [
        "delivered",
        "delivered.multi-item",
        "in_transit.multi-item",
    ]


def test_without_an_event_in_the_name_every_sample_is_checked(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "mine.json.j2"
    shutil.copy(TEMPLATES / "order-shipped-article.json.j2", path)
    assert main(["check", str(path)]) == 1
    rows = capsys.readouterr().out.splitlines()[1:]
    assert [row.split()[0] for row in rows] == sample_names()


def test_unknown_event_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(TEMPLATES / "order-shipped.json.j2"), "--event", "lost"]) == 2
    assert "unknown event 'lost'" in capsys.readouterr().err


# -- the template doctor: --payload, --edge-cases, --lint, --against-version ---------------------


def test_payload_files_are_checked_beside_the_samples(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    mine = tmp_path / "mine.json"
    mine.write_text(json.dumps({**load_sample("shipped"), "orderId": "A1", "items": []}))
    other = tmp_path / "other.json"
    other.write_text(json.dumps({**load_sample("delivered"), "orderId": "A2"}))
    path = str(TEMPLATES / "order-shipped.json.j2")
    assert main(["check", path, "--event", "shipped", "--payload", str(mine), "--payload", str(other)]) == 0
    rows = [line.split()[0] for line in capsys.readouterr().out.splitlines()[1:]]
    assert rows == ["shipped", "shipped.multi-item", str(mine), str(other)]
    assert main(["check", path, "--payload", str(mine)]) == 0
    assert [line.split()[0] for line in capsys.readouterr().out.splitlines()[1:]] == [str(mine)]
    assert main(["check", path, "--payload", str(tmp_path / "missing.json")]) == 2
    assert "missing.json" in capsys.readouterr().err


def test_edge_cases_of_the_article_template(capsys: pytest.CaptureFixture[str]) -> None:
    path = str(TEMPLATES / "order-shipped-article.json.j2")
    assert main(["check", path, "--event", "shipped", "--edge-cases"]) == 1
    captured = capsys.readouterr()
    errors = [line for line in captured.out.splitlines() if ": error: " in line]
    assert errors[0].startswith(f"{path}:3:16: error: invalid JSON in 4 variants; shipped: orderId → 'a\"b'")
    assert (
        f"{path}:9:23: error: invalid JSON in 2 variants; shipped: items[0].fulfillments → [3 elements]"
        in (captured.out)
    )
    assert "    shipped.multi-item (the sample as it is)" in captured.out
    assert len(errors) == 9
    assert "edge cases: 9 findings (284 variants of 2 samples)" in captured.err


def test_edge_cases_of_the_corrected_template_pass(capsys: pytest.CaptureFixture[str]) -> None:
    path = str(TEMPLATES / "order-shipped.json.j2")
    assert main(["check", path, "--edge-cases", "--lookups", CARRIERS]) == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "edge cases: no variant breaks the template" in captured.err


def test_edge_cases_show_the_output_of_a_variant(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    template = tmp_path / "note.xml.j2"
    template.write_text("<order>\n  <note>{{ orderReferenceId }}</note>\n</order>\n")
    assert main(["check", str(template), "--event", "shipped", "--edge-cases", "--show-output"]) == 1
    out = capsys.readouterr().out
    assert out.startswith(
        f"{template}:2:12: error: invalid XML in 4 variants; shipped: orderReferenceId → 'a<b'"
    )
    assert "    |   <note>a<b</note>" in out
    assert main(["check", str(template), "--show-output"]) == 2


def test_edge_cases_strict_makes_an_unresolved_field_a_finding(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A field no sample has renders as an empty string: no break, unless --strict makes it an error."""
    template = tmp_path / "ticket.json.j2"
    template.write_text('{"orderId": {{ orderId|tojson }},\n "ticket": "{{ order.supportTicket }}"}\n')
    check = ["check", str(template), "--event", "shipped", "--edge-cases"]

    assert main(check) == 0
    lenient = capsys.readouterr()
    assert lenient.out == ""
    assert "edge cases: no variant breaks the template (24 variants of 2 samples)" in lenient.err

    assert main([*check, "--strict"]) == 1
    strict = capsys.readouterr()
    assert strict.out.splitlines() == [
        f"{template}:2:16: error: template error in 2 variants; shipped (the sample as it is): "
        "field 'order.supportTicket' is not in the payload (renders as an empty string)",
        "    shipped (the sample as it is)",
        "    shipped.multi-item (the sample as it is)",
    ]
    assert "edge cases: 1 finding (0 variants of 2 samples)" in strict.err


def test_edge_cases_strict_lists_a_variant_failing_on_a_missing_parent_once(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A variant with no first item fails the render: one template error, not also an unresolved field."""
    template = tmp_path / "quantity.json.j2"
    template.write_text('{"orderId": {{ orderId|tojson }},\n "quantity": "{{ items[0].quantity }}"}\n')
    assert main(["check", str(template), "--event", "shipped", "--edge-cases", "--strict"]) == 1
    captured = capsys.readouterr()
    out = captured.out
    assert "edge cases: 1 finding (" in captured.err
    assert out.splitlines() == [
        f"{template}:2:15: error: template error in 2 variants; shipped: items → []: "
        "undefined value: list object has no element 0",
        "    shipped: items → []",
        "    shipped.multi-item: items → []",
    ]
    assert "not in the payload" not in out


def test_lint_prints_warnings_with_their_fixes(capsys: pytest.CaptureFixture[str]) -> None:
    path = str(TEMPLATES / "order-shipped-article.json.j2")
    assert main(["check", path, "--lint"]) == 1
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert lines[0] == (
        f"{path}:3:12: warning: {{{{ orderId }}}} is written inside a JSON string: a value with a double "
        "quote, a backslash or a line break makes the JSON invalid; let |tojson write the whole string, "
        "quotes included [json-string-interpolation]"
    )
    assert lines[1:4] == [
        "    quick fix: Let |tojson write the whole string",
        "      write: {{ orderId|tojson }}",
        "    proof: shipped: orderId → 'a\"b'",
    ]
    assert f"{path}:8:1: warning: these nested loops write JSON elements" in captured.out
    assert "lint: 8 problems (8 with a quick fix)" in captured.err
    assert main(["check", str(TEMPLATES / "order-shipped.json.j2"), "--lint"]) == 0
    assert capsys.readouterr().out == ""


def test_lint_lines_point_into_an_email_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    mail = tmp_path / "shipped.email.j2"
    mail.write_text(
        "{% block subject %}Order {{ orderReferenceId }}{% endblock %}\n"
        "{% block html %}\n<p>Hello</p>\n<p>{{ customer.name }}</p>\n{% endblock %}\n"
    )
    assert main(["check", str(mail), "--lint"]) == 1
    assert capsys.readouterr().out.startswith(
        f"{mail}:4:4: warning: {{{{ customer.name }}}} writes a value into HTML"
    )


def test_format_and_schema_apply_to_the_check(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    template = tmp_path / "plain.j2"
    template.write_text('{"qty": {{ items[0].quantity|tojson if items else "null" }}}')
    schema = tmp_path / "schema.json"
    schema.write_text('{"type": "object", "properties": {"qty": {"type": "integer"}}}')
    assert (
        main(["check", str(template), "--event", "shipped", "--format", "json", "--schema", str(schema)]) == 0
    )
    capsys.readouterr()
    args = [
        "check",
        str(template),
        "--event",
        "shipped",
        "--format",
        "json",
        "--schema",
        str(schema),
        "--edge-cases",
    ]
    assert main(args) == 1
    assert "schema violation in" in capsys.readouterr().out
    assert main(["check", str(template), "--schema", str(tmp_path / "none.json")]) == 2


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A seeded workspace whose order-shipped template has a second version (a new event name)."""
    ws = tmp_path / "ws.sqlite"
    edited = tmp_path / "order-shipped.json.j2"
    edited.write_text(
        (TEMPLATES / "order-shipped.json.j2")
        .read_text()
        .replace('"event": "Order Shipped"', '"event": "Shipped"')
    )
    assert main(["--workspace", str(ws), "templates", "import", str(edited)]) == 0
    return ws


def test_against_version_of_a_workspace_template(workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    args = [
        "--workspace",
        str(workspace),
        "check",
        "--template",
        "order-shipped",
        "--event",
        "shipped.multi-item",
    ]
    assert main([*args, "--against-version", "2"]) == 0
    assert (
        "against version 2: 0 of 1 sample change; 0 variants change on their own" in capsys.readouterr().err
    )
    assert main([*args, "--against-version", "1"]) == 1
    captured = capsys.readouterr()
    assert captured.out.splitlines()[:2] == [
        "SAMPLE              PART     OUTPUT",
        "shipped.multi-item  body     changed (1 line)",
    ]
    assert '-  "event": "Order Shipped",' in captured.out and '+  "event": "Shipped",' in captured.out
    assert main([*args, "--against-version", "5"]) == 2
    assert "template 'order-shipped' has versions 1 to 2" in capsys.readouterr().err


def test_against_version_of_a_file_uses_the_template_named_like_it(
    workspace: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    draft = tmp_path / "drafts" / "order-shipped.json.j2"
    draft.parent.mkdir()
    draft.write_text(
        (TEMPLATES / "order-shipped.json.j2")
        .read_text()
        .replace('"orderId": {{ orderId|tojson }}', '"orderId": "{{ orderId }}"')
    )
    capsys.readouterr()
    base = [
        "--workspace",
        str(workspace),
        "check",
        str(draft),
        "--event",
        "shipped",
        "--against-version",
        "1",
    ]
    assert main(base) == 1
    out = capsys.readouterr().out
    assert "variants whose validity changes, or that change while their sample does not" in out
    assert "    shipped: orderId → 'a\"b' (body): now fails: Invalid JSON" in out
    other = tmp_path / "mine.json.j2"
    other.write_text("{}")
    assert main(["--workspace", str(workspace), "check", str(other), "--against-version", "1"]) == 2
    assert "no template named 'mine'" in capsys.readouterr().err
    named = ["--workspace", str(workspace), "check", str(other), "--template", "order-failed"]
    assert main([*named, "--against-version", "1", "--event", "failed"]) == 1
    assert main(named) == 2
    assert "not both" in capsys.readouterr().err
