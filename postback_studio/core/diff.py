"""A side-by-side diff of two template texts, as aligned rows, for the version history dialog.

difflib finds the changes; this module only lays them out in rows that two read-only panes (old on
the left, new on the right) can show line for line, so the alignment is tested without a display.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from enum import StrEnum


class ChangeKind(StrEnum):
    """What happened to a row between the old and the new text."""

    EQUAL = "equal"
    CHANGED = "changed"
    DELETED = "deleted"
    INSERTED = "inserted"


@dataclass(frozen=True)
class DiffRow:
    """One aligned row: the old line and the new line (None where that side has no line).

    ``old_number`` and ``new_number`` are 1-based line numbers in each text, None for a gap.
    """

    kind: ChangeKind
    old: str | None
    new: str | None
    old_number: int | None
    new_number: int | None


def side_by_side(old: str, new: str) -> list[DiffRow]:
    """Align ``old`` and ``new`` line by line; a replaced block pairs its lines, padding the shorter."""
    old_lines, new_lines = old.splitlines(), new.splitlines()
    rows: list[DiffRow] = []
    matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            rows.extend(
                DiffRow(ChangeKind.EQUAL, old_lines[i], new_lines[j], i + 1, j + 1)
                for i, j in zip(range(i1, i2), range(j1, j2), strict=True)
            )
            continue
        count = max(i2 - i1, j2 - j1)
        for k in range(count):
            i, j = i1 + k, j1 + k
            old_line = old_lines[i] if i < i2 else None
            new_line = new_lines[j] if j < j2 else None
            if old_line is not None and new_line is not None:
                kind = ChangeKind.CHANGED
            elif old_line is not None:
                kind = ChangeKind.DELETED
            else:
                kind = ChangeKind.INSERTED
            rows.append(
                DiffRow(
                    kind,
                    old_line,
                    new_line,
                    i + 1 if old_line is not None else None,
                    j + 1 if new_line is not None else None,
                )
            )
    return rows


def change_count(rows: list[DiffRow]) -> int:
    """How many rows differ (the dialog says "3 lines changed")."""
    return sum(1 for row in rows if row.kind is not ChangeKind.EQUAL)
