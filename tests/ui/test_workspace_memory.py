"""What the Templates page remembers is kept per workspace file, however the file is named."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings

from postback_studio.ui.preferences import WorkspaceMemory


def test_memory_is_per_file_and_follows_the_file_not_its_spelling(tmp_path: Path) -> None:
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    first, second = tmp_path / "a.sqlite", tmp_path / "b.sqlite"
    first.touch()
    second.touch()
    WorkspaceMemory(settings, first).set_last_template(7)
    WorkspaceMemory(settings, first).set_last_sample("shipped")
    WorkspaceMemory(settings, second).set_last_template(2)
    (tmp_path / "link.sqlite").symlink_to(first)
    for spelling in (first, tmp_path / "link.sqlite", tmp_path / "sub" / ".." / "a.sqlite"):
        memory = WorkspaceMemory(settings, spelling)
        assert (memory.last_template, memory.last_sample) == (7, "shipped")
    other = WorkspaceMemory(settings, second)
    assert (other.last_template, other.last_sample) == (2, "")
    assert WorkspaceMemory(settings, tmp_path / "new.sqlite").last_template is None
