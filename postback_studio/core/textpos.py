"""Offsets between Python strings (code points) and Qt text positions (UTF-16 code units).

Qt counts a character outside the Basic Multilingual Plane (an emoji in an email subject) as two
positions, Python as one. Core logic works on Python offsets; widgets convert at the boundary.
"""

from __future__ import annotations


def _is_bmp(text: str) -> bool:
    return text.isascii() or all(ord(ch) < 0x10000 for ch in text)


def to_utf16(text: str, index: int) -> int:
    """The Qt position of Python offset ``index`` in ``text``."""
    head = text[:index]
    if _is_bmp(head):
        return len(head)
    return len(head) + sum(1 for ch in head if ord(ch) >= 0x10000)


def from_utf16(text: str, position: int) -> int:
    """The Python offset of Qt position ``position`` in ``text``."""
    if _is_bmp(text):
        return min(position, len(text))
    units = 0
    for index, ch in enumerate(text):
        if units >= position:
            return index
        units += 2 if ord(ch) >= 0x10000 else 1
    return len(text)


def offset_at(text: str, line: int, column: int) -> int:
    """The Python offset of 1-based ``line`` and ``column`` in ``text`` (lines end with ``\\n``),
    clamped to the text: a location past a line's end is its end."""
    lines = text.split("\n")
    line = min(max(line, 1), len(lines))
    start = sum(len(before) + 1 for before in lines[: line - 1])
    return start + min(max(column - 1, 0), len(lines[line - 1]))
