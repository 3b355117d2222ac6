"""Editing rules of the template editor that need no widget: brackets, indentation, comments, and
what a payload field becomes when it is inserted at the cursor.

The code editor widget calls these with plain strings and offsets, so each rule is tested without a
display and the widget stays a thin adapter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from postback_studio.core.completion import inside_tag

_PAIRS: Final = {"(": ")", "[": "]", "{": "}"}
_CLOSERS: Final = {close: open_ for open_, close in _PAIRS.items()}
_TAG_PAIRS: Final = {"{{": "}}", "{%": "%}", "{#": "#}"}
_TAG_CLOSERS: Final = {close: open_ for open_, close in _TAG_PAIRS.items()}
_INDENT_UNIT: Final = "  "
#: How far bracket matching scans for a partner: beyond this, a huge output gets no match rather
#: than a stall on every cursor move.
_MATCH_SCAN_LIMIT: Final = 200_000
_OPENS_BLOCK = re.compile(r"\{%-?\s*(for|if|elif|else|macro|call|filter|with|block|set\s+\w+\s*-?%\})\b")
_CLOSES_BLOCK = re.compile(r"\{%-?\s*(end\w+|elif|else)\b")
_COMMENTED = re.compile(r"^(\s*)\{#\s?(.*?)\s?#\}\s*$")


@dataclass(frozen=True)
class BracketMatch:
    """Two matching delimiters: offset and length of each (a Jinja tag delimiter is two long)."""

    open_start: int
    open_length: int
    close_start: int
    close_length: int


def match_bracket(text: str, offset: int) -> BracketMatch | None:
    """The delimiter pair touching ``offset`` (just after or just before the cursor), if any.

    Jinja delimiters (``{{ }}``, ``{% %}``, ``{# #}``) are tried before single brackets, because the
    ``{`` of ``{{`` is not a JSON brace. Unbalanced text gives None rather than a wrong partner.
    """
    for start in (offset - 2, offset - 1, offset):
        two = text[start : start + 2] if start >= 0 else ""
        if two in _TAG_PAIRS:
            close = text.find(_TAG_PAIRS[two], start + 2)
            if close >= 0:
                return BracketMatch(start, 2, close, 2)
        if two in _TAG_CLOSERS:
            open_ = text.rfind(_TAG_CLOSERS[two], 0, start)
            if open_ >= 0 and text.find(two, open_ + 2) == start:
                return BracketMatch(open_, 2, start, 2)
    for start in (offset - 1, offset):
        if 0 <= start < len(text) and (text[start] in _PAIRS or text[start] in _CLOSERS):
            return _match_single(text, start)
    return None


def _match_single(text: str, start: int) -> BracketMatch | None:
    char = text[start]
    if char in _PAIRS:
        partner, step, end = _PAIRS[char], 1, min(len(text), start + _MATCH_SCAN_LIMIT)
    else:
        partner, step, end = _CLOSERS[char], -1, max(-1, start - _MATCH_SCAN_LIMIT)
    depth = 0
    for index in range(start, end, step):
        if text[index] == char:
            depth += 1
        elif text[index] == partner:
            depth -= 1
            if depth == 0:
                first, second = sorted((start, index))
                return BracketMatch(first, 1, second, 1)
    return None


def indentation_after(line_before_cursor: str) -> str:
    """The indentation of a new line started by Enter after ``line_before_cursor``.

    Keeps the line's indentation and adds a level after an opening ``{`` or ``[`` (JSON) or a Jinja
    block statement that opens a body (``{% for %}``, ``{% if %}``...), unless it closes on the
    same line.
    """
    indent = line_before_cursor[: len(line_before_cursor) - len(line_before_cursor.lstrip())]
    stripped = line_before_cursor.rstrip()
    opens_json = stripped.endswith(("{", "[")) and not stripped.endswith(("{{", "{%"))
    opens_block = bool(_OPENS_BLOCK.search(stripped)) and not re.search(r"\{%-?\s*end\w+", stripped)
    if stripped.startswith(("{% else", "{%- else", "{% elif", "{%- elif")):
        opens_block = True
    return indent + _INDENT_UNIT if opens_json or opens_block else indent


def toggle_jinja_comment(lines: list[str]) -> list[str]:
    """Comment the lines out with ``{# ... #}``, or uncomment them when all are commented.

    Blank lines are left alone, so toggling twice gives back the original text.
    """
    content = [line for line in lines if line.strip()]
    if content and all(_COMMENTED.match(line) for line in content):
        return [_COMMENTED.sub(r"\1\2", line) if line.strip() else line for line in lines]
    result = []
    for line in lines:
        if not line.strip():
            result.append(line)
            continue
        body = line.lstrip()
        result.append(f"{line[: len(line) - len(body)]}{{# {body} #}}")
    return result


_JINJA_TAG = re.compile(r"\{%-?\s*(\w+)(.*?)-?%\}", re.DOTALL)
_JINJA_BLOCKS: Final = frozenset(
    {"for", "if", "macro", "call", "filter", "with", "block", "raw", "autoescape", "set", "trans"}
)
_MARKUP_TAG = re.compile(r"<(/?)([A-Za-z_][\w:.-]*)(?:\s[^<>]*?)?(/?)>")


def match_tag(text: str, offset: int) -> BracketMatch | None:
    """The partner of the Jinja block tag or XML/HTML element tag that the cursor is in.

    ``{% for %}`` pairs with its ``{% endfor %}``, ``<item>`` with its ``</item>``; nesting is
    counted, self-closing elements and one-line ``{% set x = ... %}`` have no partner. Each side of
    the result covers the whole tag.
    """
    return _match_jinja_block(text, offset) or _match_markup(text, offset)


def _pair_by_stack(tags: list[tuple[int, int, str, bool]], offset: int) -> BracketMatch | None:
    """Pair ``(start, end, name, closing)`` tags with a stack; the pair touching ``offset``."""
    stack: list[tuple[int, int, str]] = []
    for start, end, name, closing in tags:
        if not closing:
            stack.append((start, end, name))
            continue
        depth = next((i for i in range(len(stack) - 1, -1, -1) if stack[i][2] == name), None)
        if depth is None:
            continue
        open_start, open_end, _name = stack[depth]
        del stack[depth:]
        if open_start <= offset <= open_end or start <= offset <= end:
            return BracketMatch(open_start, open_end - open_start, start, end - start)
    return None


def _match_jinja_block(text: str, offset: int) -> BracketMatch | None:
    tags = []
    for match in _JINJA_TAG.finditer(text):
        name, rest = match.group(1), match.group(2)
        if name.startswith("end") and name[3:] in _JINJA_BLOCKS:
            tags.append((match.start(), match.end(), name[3:], True))
        elif name in _JINJA_BLOCKS and not (name == "set" and "=" in rest):
            tags.append((match.start(), match.end(), name, False))
    return _pair_by_stack(tags, offset)


def _match_markup(text: str, offset: int) -> BracketMatch | None:
    tags = [
        (match.start(), match.end(), match.group(2), match.group(1) == "/")
        for match in _MARKUP_TAG.finditer(text)
        if not match.group(3)
    ]
    return _pair_by_stack(tags, offset)


def changed_region(old: str, new: str) -> tuple[int, int, int]:
    """Where ``new`` differs from ``old``: ``(start, old_end, new_end)``.

    ``old[start:old_end]`` is replaced by ``new[start:new_end]``; the rest is common prefix and
    suffix. The preview uses it to replace only what a render changed instead of the whole document.
    Slices are compared in halving chunks, so the work is done in C even for large outputs.
    """
    limit = min(len(old), len(new))
    start = _common_length(old, new, limit, forward=True)
    suffix = _common_length(old[start:], new[start:], limit - start, forward=False)
    return start, len(old) - suffix, len(new) - suffix


def changed_lines(old: str, new: str) -> list[tuple[int, str]] | None:
    """The lines of ``new`` that differ from ``old`` at the same line number, as (index, text).

    None when the texts have different numbers of lines, when more than half the lines changed,
    or when ``new`` holds a character an editor may take for a line break other than ``\\n``: then
    the whole text is replaced. A keystroke inside a template's loop changes one line per item of a
    large output, spread over all of it, so :func:`changed_region` spans the whole text while only
    a few lines in twenty differ.
    """
    if any(separator in new for separator in _OTHER_BREAKS):
        return None
    old_lines = old.split("\n")
    new_lines = new.split("\n")
    if len(old_lines) != len(new_lines):
        return None
    pairs = enumerate(zip(old_lines, new_lines, strict=True))
    changed = [(index, line) for index, (was, line) in pairs if was != line]
    return changed if len(changed) * 2 <= len(new_lines) else None


_OTHER_BREAKS = ("\r", "\u2028", "\u2029")


def _common_length(a: str, b: str, limit: int, *, forward: bool) -> int:
    equal, step = 0, max(limit, 1)
    while step:
        if equal + step <= limit:
            if forward:
                same = a[equal : equal + step] == b[equal : equal + step]
            else:
                same = a[len(a) - equal - step : len(a) - equal] == b[len(b) - equal - step : len(b) - equal]
            if same:
                equal += step
                continue
        step //= 2
    return equal


class InsertionContext(StrEnum):
    """Where the cursor is, as far as inserting a payload field is concerned."""

    #: Inside ``{{ }}`` or ``{% %}``: the bare expression.
    EXPRESSION = "expression"
    #: Where a JSON value goes: ``{{ x|tojson }}`` writes strings quoted and escaped, numbers bare.
    JSON_VALUE = "json-value"
    #: Inside a JSON string literal: ``{{ x }}`` (the quotes are already there).
    JSON_STRING = "json-string"
    #: XML or HTML text or an attribute value: ``{{ x|e }}`` escapes ``<``, ``&`` and quotes.
    MARKUP = "markup"
    #: Plain text (an email's text part) or a Jinja comment: ``{{ x }}``.
    TEXT = "text"


_JINJA_CONSTRUCT = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)
_UNCLOSED_COMMENT = re.compile(r"\{#(?!.*#\})", re.DOTALL)
_QUOTE = re.compile(r'(?<!\\)(?:\\\\)*"')


def insertion_context(template_text: str, offset: int, fmt: str) -> InsertionContext:
    """Where ``offset`` of ``template_text`` (a template of format ``fmt``) is, for inserting a field.

    ``fmt`` is an :class:`~postback_studio.core.model.OutputFormat` value (``json``, ``xml``,
    ``html``, ``text``). In JSON, a JSON string cannot span lines, so only the cursor's line decides:
    with every Jinja tag on it blanked out, an odd number of unescaped quotes before the cursor means
    the cursor is inside a string.
    """
    before = template_text[:offset]
    if inside_tag(template_text, offset):
        return InsertionContext.EXPRESSION
    if _UNCLOSED_COMMENT.search(before):
        return InsertionContext.TEXT
    if fmt in ("xml", "html"):
        return InsertionContext.MARKUP
    if fmt != "json":
        return InsertionContext.TEXT
    blanked = _JINJA_CONSTRUCT.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), before)
    line = blanked[blanked.rfind("\n") + 1 :]
    in_string = len(_QUOTE.findall(line)) % 2 == 1
    return InsertionContext.JSON_STRING if in_string else InsertionContext.JSON_VALUE


def field_insertion(expression: str, template_text: str, offset: int, fmt: str) -> str:
    """What to insert at ``offset`` for the payload ``expression`` (``item.productName``).

    ``{{ x|tojson }}`` where a JSON value goes, ``{{ x }}`` inside a JSON string or in plain text,
    ``{{ x|e }}`` in XML or HTML, and the bare expression inside a tag that is already open.
    """
    context = insertion_context(template_text, offset, fmt)
    return {
        InsertionContext.EXPRESSION: expression,
        InsertionContext.JSON_VALUE: f"{{{{ {expression}|tojson }}}}",
        InsertionContext.JSON_STRING: f"{{{{ {expression} }}}}",
        InsertionContext.MARKUP: f"{{{{ {expression}|e }}}}",
        InsertionContext.TEXT: f"{{{{ {expression} }}}}",
    }[context]
