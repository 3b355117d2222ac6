"""A file written atomically holds all of the new text or the old one, never a part."""

from __future__ import annotations

from pathlib import Path

import pytest

from postback_studio.core.files import write_text_atomically


def test_the_text_replaces_the_file_whole(tmp_path: Path) -> None:
    target = tmp_path / "bundle.json"
    target.write_text("old\n", encoding="utf-8")
    write_text_atomically(target, "new\r\nlines ✓\n")
    assert target.read_bytes() == "new\r\nlines ✓\n".encode()
    assert [p.name for p in tmp_path.iterdir()] == ["bundle.json"], "no temporary file is left"


def test_a_missing_folder_raises_and_writes_nothing(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        write_text_atomically(tmp_path / "missing" / "bundle.json", "x")
    assert list(tmp_path.iterdir()) == []
