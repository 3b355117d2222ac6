"""The workspace commands: listing, export/import, template and lookup files, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from postback_studio.cli import main


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    return tmp_path / "ws.sqlite"


def run(workspace: Path, *args: str) -> int:
    return main(["--workspace", str(workspace), *args])


def test_lists_on_a_seeded_workspace(workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(workspace, "customers", "--json") == 0
    [customer] = json.loads(capsys.readouterr().out)
    assert customer["name"] == "Demo Print Co" and customer["triggers"] == 2
    assert run(workspace, "triggers") == 0
    assert "http://127.0.0.1:8765/postbacks" in capsys.readouterr().out
    assert run(workspace, "triggers", "--customer", "Nobody") == 2
    assert "no customer named 'Nobody'" in capsys.readouterr().err
    assert run(workspace, "lookups", "--json") == 0
    assert json.loads(capsys.readouterr().out)[0]["templateField"] == "shipmentMethodUid"


def test_export_import_round_trip(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source, target = tmp_path / "a.sqlite", tmp_path / "b.sqlite"
    bundle, again = tmp_path / "bundle.json", tmp_path / "again.json"
    assert run(source, "export", "--out", str(bundle)) == 0
    assert run(target, "customers") == 0  # seeded with the same demo data
    capsys.readouterr()
    assert run(target, "import", str(bundle), "--dry-run") == 0
    out = capsys.readouterr()
    assert "unchanged customer 'Demo Print Co'" in out.out and "nothing was written" in out.err
    assert run(target, "import", str(bundle)) == 0
    assert run(target, "export", "--out", str(again)) == 0
    assert again.read_bytes() == bundle.read_bytes()


def test_invalid_bundle_exits_1_with_pointer(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ws = tmp_path / "ws.sqlite"
    bundle = tmp_path / "bad.json"
    assert run(ws, "export", "--out", str(bundle)) == 0
    document = json.loads(bundle.read_text())
    document["triggers"][0]["url"] = 12
    bundle.write_text(json.dumps(document))
    assert run(ws, "import", str(bundle)) == 1
    err = capsys.readouterr().err
    assert "/triggers/0/url" in err and "nothing was imported" in err and "Traceback" not in err
    assert run(ws, "import", str(tmp_path / "missing.json")) == 2
    assert "no such file" in capsys.readouterr().err


def test_template_file_export_and_import(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ws = tmp_path / "ws.sqlite"
    source = tmp_path / "shipping-notice.email.j2"
    source.write_text(
        "{% block subject %}Shipped{% endblock %}\n{% block html %}\n<p>hi</p>\n{% endblock %}\n"
    )
    assert run(ws, "templates", "import", str(source), "--customer", "Demo Print Co") == 0
    assert "create template 'shipping-notice'" in capsys.readouterr().out
    out = tmp_path / "out.email.j2"
    assert run(ws, "templates", "export", "shipping-notice", "--out", str(out)) == 0
    assert out.read_text() == source.read_text()
    source.write_text("{% block subject %}Shipped!{% endblock %}\n{% block text %}\nhi\n{% endblock %}\n")
    assert run(ws, "templates", "import", str(source)) == 0
    out, err = capsys.readouterr()
    assert "update template 'shipping-notice' (a new version): body, subject, text part, customer" in out
    assert "saved 'shipping-notice' as version 2" in err
    assert run(ws, "templates", "--json") == 0
    [row] = [t for t in json.loads(capsys.readouterr().out) if t["name"] == "shipping-notice"]
    assert row["versions"] == 2 and row["kind"] == "email"
    bad = tmp_path / "bad.email.j2"
    bad.write_text("stray text")
    assert run(ws, "templates", "import", str(bad)) == 2
    assert "bad.email.j2:1" in capsys.readouterr().err
    assert run(ws, "templates", "export", "nope") == 2


def test_lookup_csv_export_and_import(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ws = tmp_path / "ws.sqlite"
    csv_file = tmp_path / "product_code.csv"
    csv_file.write_bytes(b"\xef\xbb\xbfkey,value\r\nA1,Poster\r\n")
    assert run(ws, "lookups", "import", str(csv_file)) == 0
    out, err = capsys.readouterr()
    assert out == "create lookup table 'product_code' with 1 row\n"
    assert "lookup table 'product_code' (field product_code) has 1 row(s)" in err
    assert run(ws, "lookups", "export", "product_code") == 0
    assert capsys.readouterr().out == "key,value\r\nA1,Poster\r\n"
    csv_file.write_text("A1,Poster\n,empty\n")
    assert run(ws, "lookups", "import", str(csv_file)) == 1
    assert "product_code.csv:2: the key is empty" in capsys.readouterr().err


def test_newer_workspace_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import sqlite3

    from postback_studio.storage.schema import SCHEMA_VERSION

    ws = tmp_path / "ws.sqlite"
    assert run(ws, "customers") == 0
    conn = sqlite3.connect(ws)
    newer = SCHEMA_VERSION + 1
    conn.execute("UPDATE schema_version SET version = ?", (newer,))
    conn.commit()
    conn.close()
    assert run(ws, "customers") == 2
    assert f"schema version {newer}" in capsys.readouterr().err
