"""Find and replace in a text, with match case and regular expressions, without Qt.

The editor's find bar is a thin adapter over these functions, so wrap-around, backwards search and
``\\1`` references in replacements are tested without a widget.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from postback_studio.core.errors import InputError


class QueryError(InputError):
    """The search pattern is not a valid regular expression; the message says why."""


@dataclass(frozen=True)
class Query:
    """What to look for: ``pattern`` as plain text or a regular expression."""

    pattern: str
    match_case: bool = False
    regex: bool = False

    def compile(self) -> re.Pattern[str]:
        """The compiled pattern.

        Raises:
            QueryError: An invalid regular expression, with the position of the problem.
        """
        flags = 0 if self.match_case else re.IGNORECASE
        source = self.pattern if self.regex else re.escape(self.pattern)
        try:
            return re.compile(source, flags | re.MULTILINE)
        except re.error as error:
            raise QueryError(f"invalid regular expression: {error}") from error


def find_all(text: str, query: Query) -> list[tuple[int, int]]:
    """Every non-empty match as ``(start, end)`` offsets."""
    if not query.pattern:
        return []
    return [(m.start(), m.end()) for m in query.compile().finditer(text) if m.end() > m.start()]


def find(text: str, query: Query, offset: int, backwards: bool = False) -> tuple[int, int] | None:
    """The next match starting at or after ``offset`` (before it when ``backwards``), wrapping around."""
    matches = find_all(text, query)
    if not matches:
        return None
    if backwards:
        before = [m for m in matches if m[0] < offset]
        return before[-1] if before else matches[-1]
    after = [m for m in matches if m[0] >= offset]
    return after[0] if after else matches[0]


def replacement_for(text: str, query: Query, span: tuple[int, int], replacement: str) -> str:
    """What replaces the match at ``span``: ``replacement`` with ``\\1`` expanded in regex mode."""
    if not query.regex:
        return replacement
    match = query.compile().match(text, span[0])
    if match is None or match.end() != span[1]:
        return replacement
    return match.expand(replacement)


def replace_all(text: str, query: Query, replacement: str) -> tuple[str, int]:
    """``text`` with every match replaced, and how many were."""
    if not query.pattern:
        return text, 0
    pattern = query.compile()
    if query.regex:
        return pattern.subn(replacement, text)
    return pattern.subn(lambda _m: replacement, text)
