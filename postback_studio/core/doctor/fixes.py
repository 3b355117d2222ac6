"""Quick fixes as plain text edits: a fix is a list of replacements applied together, as one step.

The editor applies a fix inside one undo block, so a single undo takes the whole fix back; the CLI
and the tests apply it to a string with :meth:`QuickFix.apply`. Offsets are Python string offsets
into the template text the lint ran on (the GUI converts them to Qt positions at its boundary).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence
from dataclasses import dataclass

from jinja2 import nodes

from postback_studio.core.errors import InputError

#: Expressions a postfix filter or an operator can follow without parentheses.
_ATOMS = (nodes.Name, nodes.Getattr, nodes.Getitem, nodes.Call, nodes.Filter, nodes.Const, nodes.Test)


class FixError(InputError):
    """The edits of a fix overlap or fall outside the text."""


@dataclass(frozen=True)
class TextEdit:
    """Replace ``text[start:end]`` with ``replacement`` (an insertion when start == end)."""

    start: int
    end: int
    replacement: str


@dataclass(frozen=True)
class QuickFix:
    """A rewrite that fixes a lint: a title for the menu and the edits, applied as one step."""

    title: str
    edits: tuple[TextEdit, ...]

    def apply(self, text: str) -> str:
        """The text with every edit made.

        Raises:
            FixError: two edits overlap or one falls outside the text.
        """
        return apply_edits(text, self.edits)


def apply_edits(text: str, edits: Sequence[TextEdit]) -> str:
    """Make non-overlapping edits (given in any order) to ``text``.

    Raises:
        FixError: two edits overlap or one falls outside the text.
    """
    ordered = sorted(edits, key=lambda e: (e.start, e.end))
    for edit in ordered:
        if not 0 <= edit.start <= edit.end <= len(text):
            raise FixError(f"edit {edit.start}..{edit.end} falls outside the text")
    for first, second in itertools.pairwise(ordered):
        if second.start < first.end:
            raise FixError(f"edits {first.start}..{first.end} and {second.start}..{second.end} overlap")
    for edit in reversed(ordered):
        text = text[: edit.start] + edit.replacement + text[edit.end :]
    return text


def operand(expression_text: str, node: nodes.Node | None) -> str:
    """An expression's text, parenthesized unless it binds tighter than a filter or ``~``."""
    text = expression_text.strip()
    return text if isinstance(node, _ATOMS) else f"({text})"


def jinja_string(value: str) -> str:
    """A Jinja string literal for ``value`` (JSON's string syntax is one Jinja reads the same way)."""
    return json.dumps(value, ensure_ascii=False)


def with_filter(inner: str, expression: nodes.Node, name: str) -> str:
    """A ``{{ }}`` tag's content with ``|name`` applied to the whole expression, its spacing kept."""
    lead = inner[: len(inner) - len(inner.lstrip())] or " "
    trail = inner[len(inner.rstrip()) :] or " "
    return f"{lead}{operand(inner, expression)}|{name}{trail}"
