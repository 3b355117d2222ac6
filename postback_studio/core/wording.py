"""Counted nouns in messages: "1 element", "3 elements", never "1 elements".

Every message that says how many of something reads as a sentence, so the CLI's diagnostics and the
app's notes agree on one way to say a count.
"""

from __future__ import annotations


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """``count`` and ``noun``, plural unless ``count`` is 1 (``plural`` for irregular nouns)."""
    if count == 1:
        return f"{count} {noun}"
    return f"{count} {plural if plural is not None else noun + 's'}"
