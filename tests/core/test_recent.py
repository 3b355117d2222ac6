"""The recently opened workspaces: order, uniqueness, length, and what the menu shows of them."""

from __future__ import annotations

from pathlib import Path

from postback_studio.core.recent import forget, recent_entries, remember, same_file


def test_opening_moves_a_file_to_the_front_once(tmp_path: Path) -> None:
    a, b = str(tmp_path / "a.sqlite"), str(tmp_path / "b.sqlite")
    recent = remember([], a)
    recent = remember(recent, b)
    assert recent == [b, a]
    assert remember(recent, tmp_path / "sub" / ".." / "a.sqlite") == [a, b], "the same file by another name"


def test_the_list_is_bounded(tmp_path: Path) -> None:
    recent: list[str] = []
    for index in range(14):
        recent = remember(recent, tmp_path / f"{index}.sqlite", limit=10)
    assert len(recent) == 10 and recent[0].endswith("13.sqlite") and recent[-1].endswith("4.sqlite")


def test_symbolic_links_are_the_same_file(tmp_path: Path) -> None:
    real = tmp_path / "real.sqlite"
    real.write_bytes(b"")
    link = tmp_path / "link.sqlite"
    link.symlink_to(real)
    assert same_file(link, real)
    assert forget([str(real)], link) == []


def test_entries_say_which_is_open_and_which_is_gone(tmp_path: Path) -> None:
    here, gone = tmp_path / "here.sqlite", tmp_path / "gone.sqlite"
    here.write_bytes(b"")
    entries = recent_entries([str(here), str(gone)], here)
    assert [(e.exists, e.current) for e in entries] == [(True, True), (False, False)]
    assert entries[0].label.endswith("(open)") and entries[1].label.endswith("(not found)")
