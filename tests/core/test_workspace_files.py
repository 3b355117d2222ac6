"""The workspace's own files are recognised however the path is spelled, without opening them."""

from __future__ import annotations

import os
import re
import sqlite3
from pathlib import Path

import pytest

from postback_studio.core.workspace_files import (
    WorkspaceFileError,
    refuse_input,
    refuse_output,
    workspace_files,
    workspace_part,
)


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    path = tmp_path / "ws.sqlite"
    path.write_bytes(b"SQLite format 3\x00" + bytes(84))
    return path


def test_the_workspace_and_every_sidecar_are_listed(workspace: Path) -> None:
    assert [p.name for p in workspace_files(workspace)] == [
        "ws.sqlite", "ws.sqlite-wal", "ws.sqlite-shm", "ws.sqlite-journal", "ws.sqlite.lock"]


@pytest.mark.parametrize(
    ("spelling", "part"),
    [
        ("ws.sqlite", "the workspace file itself"),
        ("./sub/../ws.sqlite", "the workspace file itself"),
        ("ws.sqlite-wal", "the workspace's -wal file"),
        ("ws.sqlite-shm", "the workspace's -shm file"),
        ("ws.sqlite.lock", "the workspace's .lock file"),
        ("ws.sqlite-journal", "the workspace's -journal file"),
    ],
)
def test_every_spelling_of_a_workspace_file_is_refused_as_output_and_input(
        workspace: Path, spelling: str, part: str, monkeypatch: pytest.MonkeyPatch) -> None:
    (workspace.parent / "sub").mkdir()
    monkeypatch.chdir(workspace.parent)
    assert workspace_part(Path(spelling), workspace) == part
    with pytest.raises(WorkspaceFileError, match=re.escape(f"{Path(spelling)}: this is {part}; writing")):
        refuse_output(Path(spelling), workspace)
    with pytest.raises(WorkspaceFileError, match="not a file to import"):
        refuse_input(Path(spelling), workspace)


def test_links_to_the_workspace_are_refused(workspace: Path, tmp_path: Path) -> None:
    symlink = tmp_path / "export.json"
    symlink.symlink_to(workspace)
    hardlink = tmp_path / "elsewhere" / "copy.json"
    hardlink.parent.mkdir()
    os.link(workspace, hardlink)
    for link in (symlink, hardlink):
        with pytest.raises(WorkspaceFileError, match="the workspace file itself"):
            refuse_output(link, workspace)


def test_another_sqlite_database_is_refused_as_output_but_other_files_are_not(
        workspace: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.sqlite"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    with pytest.raises(WorkspaceFileError, match="is an SQLite database"):
        refuse_output(other, workspace)
    refuse_input(other, workspace)  # importing from it is refused by the importer's own checks
    text = tmp_path / "bundle.json"
    text.write_text("{}")
    refuse_output(text, workspace)
    refuse_output(tmp_path / "new.json", workspace)
    refuse_output(tmp_path / "ws.sqlite.json", workspace)
