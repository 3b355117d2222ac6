"""No command writes its output over the workspace: ``export --out ws.sqlite`` used to replace the
workspace with JSON. Every command that writes a file refuses the workspace and its sidecars with one
line and exit 2, and the workspace is left as it was. Imports say what they change before they do."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import pytest

from postback_studio.cli import main
from postback_studio.services.session import Session

WRITERS = {
    "export": ("export",),
    "templates export": ("templates", "export", "order-shipped"),
    "lookups export": ("lookups", "export", "Carriers (shipmentMethodUid)"),
}
SIDECARS = ("", "-wal", "-shm", ".lock")


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    path = tmp_path / "ws.sqlite"
    assert main(["--workspace", str(path), "customers"]) == 0  # created and seeded
    return path


def _customers(workspace: Path) -> list[str]:
    with Session.open(workspace, seed=False) as session:
        return [c.name for c in session.customers.list()]


@pytest.mark.parametrize("sidecar", SIDECARS)
@pytest.mark.parametrize("command", sorted(WRITERS))
def test_a_command_refuses_to_write_over_the_workspace_or_a_sidecar(
        workspace: Path, command: str, sidecar: str, capsys: pytest.CaptureFixture[str]) -> None:
    target = Path(f"{workspace}{sidecar}")
    existed = target.exists()
    before = target.read_bytes() if existed else None
    capsys.readouterr()
    code = main(["--workspace", str(workspace), *WRITERS[command], "--out", str(target)])
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and err.startswith(f"postback-studio: {target}: this is the workspace")
    assert "writing there would destroy the workspace" in err
    assert target.exists() == existed and (not existed or target.read_bytes() == before)
    assert _customers(workspace) == ["Demo Print Co"]
    with sqlite3.connect(workspace) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_a_relative_or_linked_spelling_of_the_workspace_is_refused_too(
        workspace: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    link = tmp_path / "bundle.json"
    link.symlink_to(workspace)
    hard = tmp_path / "hard.json"
    os.link(workspace, hard)
    monkeypatch.chdir(tmp_path)
    for out in ("ws.sqlite", "./ws.sqlite", str(link), str(hard)):
        assert main(["--workspace", "ws.sqlite", "export", "--out", out]) == 2, out
    assert "this is the workspace file itself" in capsys.readouterr().err
    assert _customers(workspace) == ["Demo Print Co"]


def test_another_workspace_is_not_overwritten_either(
        workspace: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    other = tmp_path / "other.sqlite"
    assert main(["--workspace", str(other), "customers"]) == 0
    capsys.readouterr()
    assert main(["--workspace", str(workspace), "export", "--out", str(other)]) == 2
    assert "this is an SQLite database" in capsys.readouterr().err
    assert _customers(other) == ["Demo Print Co"]


def test_an_export_elsewhere_still_works(workspace: Path, tmp_path: Path) -> None:
    out = tmp_path / "ws.sqlite.json"
    assert main(["--workspace", str(workspace), "export", "--out", str(out)]) == 0
    assert json.loads(out.read_text())["customers"][0]["name"] == "Demo Print Co"


def test_an_import_refuses_the_workspace_as_its_file(
        workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for args in (("import", str(workspace)), ("lookups", "import", str(workspace)),
                 ("templates", "import", f"{workspace}-wal")):
        assert main(["--workspace", str(workspace), *args]) == 2, args
        assert "not a file to import" in capsys.readouterr().err


def test_import_dry_run_and_replace_print_the_plan_with_its_notes(
        workspace: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bundle = tmp_path / "bundle.json"
    assert main(["--workspace", str(workspace), "export", "--out", str(bundle)]) == 0
    document = json.loads(bundle.read_text())
    notes = document["customers"][0]["notes"]
    document["customers"][0]["notes"] = "from production"
    document["lookupTables"] = []
    bundle.write_text(json.dumps(document))
    fresh = tmp_path / "fresh.sqlite"
    Session.open(fresh, seed=False).close()  # an empty workspace
    capsys.readouterr()
    assert main(["--workspace", str(workspace), "import", str(bundle), "--dry-run", "--replace"]) == 0
    out, err = capsys.readouterr()
    assert "update    customer 'Demo Print Co': notes" in out.splitlines()
    assert "remove    lookup table 'Carriers (shipmentMethodUid)': 7 rows" in out.splitlines()
    assert err == "dry run (replace): 1 item changed, 2 removed; 11 in all; nothing was written\n"
    assert _customers(workspace) == ["Demo Print Co"]
    with Session.open(workspace, seed=False) as session:
        assert len(session.lookups.list()) == 2 and session.customers.list()[0].notes == notes
    assert main(["--workspace", str(fresh), "import", str(bundle)]) == 0
    out, err = capsys.readouterr()
    assert "create    customer 'Demo Print Co'" in out.splitlines()
    assert err == "imported (merge): 9 items added; 9 in all\n"


def test_lookups_import_says_what_it_replaces_or_merges(
        workspace: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    csv = tmp_path / "carriers.csv"
    csv.write_text("key,value\nnew_code,New Carrier\n", encoding="utf-8")
    name = ("--name", "Carriers (shipmentMethodUid)", "--field", "shipmentMethodUid")
    with Session.open(workspace, seed=False) as session:
        stored = session.lookups.get_by_name("Carriers (shipmentMethodUid)")
    assert stored is not None
    capsys.readouterr()
    assert main(["--workspace", str(workspace), "lookups", "import", str(csv), *name, "--dry-run"]) == 0
    assert capsys.readouterr().out == (
        f"lookup table 'Carriers (shipmentMethodUid)' (replace): 1 row added, {len(stored.rows)} removed\n")
    assert main(["--workspace", str(workspace), "lookups", "import", str(csv), *name, "--merge"]) == 0
    assert capsys.readouterr().out == "lookup table 'Carriers (shipmentMethodUid)' (merge): 1 row added\n"
    with Session.open(workspace, seed=False) as session:
        merged = session.lookups.get_by_name("Carriers (shipmentMethodUid)")
    assert merged is not None and merged.rows == (*stored.rows, ("new_code", "New Carrier"))
