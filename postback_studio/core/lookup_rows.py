"""Checks on a lookup table's rows while they are edited, before the workspace validates them.

A duplicate key is legal (the later row wins, as in GelatoConnect's CSV upload) but almost always a
mistake, so the Lookups page warns instead of refusing; an empty key is refused by validation.
"""

from __future__ import annotations

from collections.abc import Sequence


def duplicate_keys(rows: Sequence[tuple[str, str]]) -> dict[str, list[int]]:
    """Keys that appear more than once, each with its 1-based row numbers, in first-seen order."""
    seen: dict[str, list[int]] = {}
    for number, (key, _value) in enumerate(rows, start=1):
        if key.strip():
            seen.setdefault(key, []).append(number)
    return {key: numbers for key, numbers in seen.items() if len(numbers) > 1}


def duplicate_warning(rows: Sequence[tuple[str, str]]) -> str:
    """One sentence per duplicated key, or "" when every key is unique."""
    return " ".join(
        f"Key '{key}' appears on rows {', '.join(map(str, numbers[:-1]))} and {numbers[-1]}: "
        f"row {numbers[-1]} wins."
        for key, numbers in duplicate_keys(rows).items()
    )
