"""The side-by-side diff aligns old and new lines and says what changed."""

from __future__ import annotations

from postback_studio.core.diff import ChangeKind, change_count, side_by_side


def test_rows_align_changes_insertions_and_deletions() -> None:
    rows = side_by_side("a\nb\nc\nd", "a\nB\nc\ne\nf")
    assert [(r.kind, r.old, r.new) for r in rows] == [
        (ChangeKind.EQUAL, "a", "a"),
        (ChangeKind.CHANGED, "b", "B"),
        (ChangeKind.EQUAL, "c", "c"),
        (ChangeKind.CHANGED, "d", "e"),
        (ChangeKind.INSERTED, None, "f"),
    ]
    assert [(r.old_number, r.new_number) for r in rows] == [(1, 1), (2, 2), (3, 3), (4, 4), (None, 5)]
    assert change_count(rows) == 3


def test_deleted_lines_leave_a_gap_on_the_new_side() -> None:
    rows = side_by_side("keep\ngone\nkeep too", "keep\nkeep too")
    assert [(r.kind, r.old, r.new) for r in rows] == [
        (ChangeKind.EQUAL, "keep", "keep"),
        (ChangeKind.DELETED, "gone", None),
        (ChangeKind.EQUAL, "keep too", "keep too"),
    ]


def test_identical_texts_have_no_changes() -> None:
    assert change_count(side_by_side("x\ny", "x\ny")) == 0
    assert side_by_side("", "") == []
