"""Parsing JSON that arrives from outside: bundles, payload and lookup files, the payload editor.

``json.loads`` raises more than ``JSONDecodeError`` on hostile input: ``RecursionError`` for arrays
nested a few thousand deep, and a plain ``ValueError`` for an integer of more than 4300 digits
(Python's limit on converting digits to an int). Both used to escape as tracebacks. :func:`loads`
turns every failure into :class:`JsonInputError`, which *is* a ``JSONDecodeError`` (with a line and
a column), so every caller that already reports a syntax error reports these too. It also refuses
values nested deeper than :data:`MAX_DEPTH`, which later steps (the render worker's protocol,
recursive views of the payload) could not handle.
"""

from __future__ import annotations

import json
import re
import sys
from typing import Any

#: Deepest nesting of arrays and objects accepted from outside. Real payloads and bundles nest a
#: dozen levels; the render worker's protocol (orjson) handles up to 254.
MAX_DEPTH = 200

_STRING_OR_BRACKET = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')
_DIGITS = re.compile(r"\d+")


class JsonInputError(json.JSONDecodeError):
    """JSON that cannot be accepted: not JSON, nested too deeply, or a number too long to read."""


def loads(text: str) -> Any:
    """Parse ``text``; every refusal is a :class:`JsonInputError` (a ``JSONDecodeError``).

    Raises:
        json.JSONDecodeError: Not JSON (the ``json`` module's own error), or a
            :class:`JsonInputError` for nesting deeper than :data:`MAX_DEPTH` or an integer longer
            than Python reads.
    """
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        raise
    except RecursionError:
        raise _too_deep(text) from None
    except ValueError:
        raise _too_long(text) from None
    if _depth_exceeds(value, MAX_DEPTH):
        raise _too_deep(text)
    return value


def _too_deep(text: str) -> JsonInputError:
    return JsonInputError(
        f"arrays and objects are nested more than {MAX_DEPTH} levels deep", text, _deep_position(text)
    )


def _too_long(text: str) -> JsonInputError:
    limit = sys.get_int_max_str_digits()
    position = next((m.start() for m in _DIGITS.finditer(text) if len(m.group()) > limit), 0)
    return JsonInputError(f"a number has more than {limit} digits", text, position)


def _depth_exceeds(value: Any, limit: int) -> bool:
    """Whether arrays and objects nest deeper than ``limit`` (iteratively: no recursion to exhaust)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def _deep_position(text: str) -> int:
    """Where the nesting first passes :data:`MAX_DEPTH` (strings skipped), for the error's location."""
    depth = 0
    for match in _STRING_OR_BRACKET.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return match.start()
        elif token in "]}":
            depth -= 1
    return 0
