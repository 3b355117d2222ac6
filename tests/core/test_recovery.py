"""Recovery drafts are written atomically, listed oldest first, and cleared."""

from __future__ import annotations

from pathlib import Path

import pytest

from postback_studio.core.recovery import RecoveryDraft, RecoveryStore, folder_for_workspace, key_for


def test_write_list_and_discard(tmp_path: Path) -> None:
    times = iter([20.0, 10.0])
    store = RecoveryStore(tmp_path / "ws.sqlite.recovery", clock=lambda: next(times))
    assert store.pending() == []
    store.write(RecoveryDraft(key_for(3), 3, "order-shipped", '{"a": 1}'))
    store.write(RecoveryDraft(key_for(None, 2), None, "draft", "<p>hi</p>", "Subject", "hi"))
    pending = store.pending()
    assert [d.key for d in pending] == ["new-2", "template-3"]
    assert pending[1] == RecoveryDraft("template-3", 3, "order-shipped", '{"a": 1}', "", "", 20.0)
    assert not list((tmp_path / "ws.sqlite.recovery").glob("*.tmp"))
    store.discard("template-3")
    store.discard("template-3")
    assert [d.key for d in store.pending()] == ["new-2"]


def test_a_newer_draft_replaces_the_older_one(tmp_path: Path) -> None:
    store = RecoveryStore(tmp_path / "r")
    store.write(RecoveryDraft("template-1", 1, "t", "old"))
    store.write(RecoveryDraft("template-1", 1, "t", "new"))
    assert [d.body for d in store.pending()] == ["new"]


def test_foreign_or_broken_files_are_skipped(tmp_path: Path) -> None:
    folder = tmp_path / "r"
    folder.mkdir()
    (folder / "junk.json").write_text("{not json", encoding="utf-8")
    (folder / "list.json").write_text("[1, 2]", encoding="utf-8")
    assert RecoveryStore(folder).pending() == []


def test_keys_cannot_escape_the_folder(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not a usable draft key"):
        RecoveryStore(tmp_path).discard("../ws.sqlite")


def test_the_folder_sits_beside_the_workspace(tmp_path: Path) -> None:
    assert folder_for_workspace(tmp_path / "a.sqlite") == tmp_path / "a.sqlite.recovery"
