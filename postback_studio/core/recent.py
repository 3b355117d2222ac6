"""The remembered list of recently opened workspaces: most recent first, each file once, a bounded length.

The list is kept as plain path strings (the app stores it in its settings); these functions decide
what it becomes when a workspace is opened, and what the File > Open Recent menu shows of it.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

#: How many workspaces Open Recent remembers.
RECENT_LIMIT: Final = 10


def same_file(a: Path | str, b: Path | str) -> bool:
    """Whether two paths name the same file (after ``~``, ``..`` and symbolic links are resolved)."""
    return _key(a) == _key(b)


def _key(path: Path | str) -> str:
    return os.path.normcase(str(Path(path).expanduser().resolve()))


def remember(recent: Sequence[str], opened: Path | str, limit: int = RECENT_LIMIT) -> list[str]:
    """``recent`` with ``opened`` moved (or added) to the front, each file once, at most ``limit`` long."""
    first = str(Path(opened).expanduser().resolve())
    return [first, *[p for p in recent if not same_file(p, first)]][:limit]


def forget(recent: Sequence[str], path: Path | str) -> list[str]:
    """``recent`` without ``path``."""
    return [p for p in recent if not same_file(p, path)]


@dataclass(frozen=True)
class RecentEntry:
    """One line of Open Recent: the file, whether it is still there, and whether it is the one open."""

    path: str
    exists: bool
    current: bool

    @property
    def label(self) -> str:
        """The menu text: the path, marked when it is open or gone."""
        if not self.exists:
            return f"{self.path}  (not found)"
        return f"{self.path}  (open)" if self.current else self.path


def recent_entries(recent: Sequence[str], current: Path | str | None) -> list[RecentEntry]:
    """What Open Recent shows for ``recent`` while ``current`` is open."""
    return [
        RecentEntry(path, Path(path).is_file(), current is not None and same_file(path, current))
        for path in recent
    ]
