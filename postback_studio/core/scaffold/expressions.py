"""Writing Jinja: payload paths as expressions, loop variable names, values with their filters.

Shared by the JSON and the XML generator, so both read the payload the same way: through the loop
variables in scope (``fulfillment.trackingCode``), with bracket syntax where a key is not a plain
name (``metadata["item-type"]``), and with a guard where a path picks an element by position, so an
order whose array is empty renders ``null`` (JSON) or nothing (XML) instead of failing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence

from postback_studio.core.model import OutputFormat
from postback_studio.core.render.fields import NON_PAYLOAD_NAMES
from postback_studio.core.scaffold.model import Candidate, PayloadPath, Segment, Transform, is_identifier

#: Jinja's operator and statement words: a template cannot use one as a variable name.
KEYWORDS = frozenset({"and", "or", "not", "in", "is", "if", "else", "recursive", "with", "without", "import"})
#: Names a scaffold never reads as payload variables or gives a loop variable.
RESERVED = NON_PAYLOAD_NAMES | KEYWORDS
_DELIMITERS = re.compile(r"\{[{%#]")

#: Loop variables in scope: the array pattern each walks, and its name; outermost first.
Scope = Sequence[tuple[tuple[Segment, ...], str]]


def expressible(path: PayloadPath, scope: Scope) -> bool:
    """True when the template can write ``path`` here: its loops are open and its root is a name."""
    try:
        expression(path, scope)
    except ValueError:
        return False
    return True


def expression(path: PayloadPath, scope: Scope) -> str:
    """``fulfillment.trackingCode``, ``items[0].sku``, ``order.metadata["item-type"]``.

    Raises:
        ValueError: the path needs a loop that is not open here, or starts with a key that is not a
            plain name (the template cannot name it).
    """
    segments = path.segments
    best: tuple[tuple[Segment, ...], str] | None = None
    for pattern, variable in scope:
        if segments[: len(pattern)] == pattern and (best is None or len(pattern) > len(best[0])):
            best = (pattern, variable)
    if best is not None:
        text, rest = best[1], segments[len(best[0]) :]
    else:
        first = segments[0] if segments else None
        if not isinstance(first, str) or not is_identifier(first) or first in RESERVED:
            raise ValueError(f"the template cannot name the payload's top-level key {first!r}")
        text, rest = first, segments[1:]
    for segment in rest:
        if segment is None:
            raise ValueError(f"{path} needs a loop that is not open here")
        if isinstance(segment, int):
            text += f"[{segment}]"
        elif is_identifier(segment):
            text += f".{segment}"
        else:
            text += f"[{json.dumps(segment, ensure_ascii=False)}]"
    return text


def guard(path: PayloadPath, scope: Scope) -> str | None:
    """The condition under which a path through indices exists (``items and items[0].fulfillments``)."""
    conditions = []
    for position, segment in enumerate(path.segments):
        if isinstance(segment, int):
            container = expression(PayloadPath(path.segments[:position]), scope)
            conditions.append(container if segment == 0 else f"{container}|length > {segment}")
    return " and ".join(conditions) or None


def value_tag(candidate: Candidate, scope: Scope, fmt: OutputFormat) -> str:
    """The ``{{ ... }}`` that writes one value: ``|tojson`` for JSON, ``|e`` for XML."""
    source = expression(candidate.path, scope)
    value = _transformed(source, candidate, fmt)
    final = "tojson" if fmt is OutputFormat.JSON else "e"
    condition = guard(candidate.path, scope)
    if condition is None:
        return "{{ " + f"{value}|{final}" + " }}"
    fallback = '"null"' if fmt is OutputFormat.JSON else '""'
    return "{{ " + f"{value}|{final} if {condition} else {fallback}" + " }}"


def _transformed(source: str, candidate: Candidate, fmt: OutputFormat) -> str:
    transform = candidate.transform
    json_output = fmt is OutputFormat.JSON
    simple = {
        Transform.NONE: source,
        Transform.STRING: f"{source}|string" if json_output else source,
        Transform.LOWER_STRING: f"{source}|string|lower",
        Transform.UPPER: f"{source}|upper",
        Transform.LOWER: f"{source}|lower",
        Transform.TITLE: f"{source}|title",
        Transform.CAPITALIZE: f"{source}|capitalize",
        Transform.INT: f"{source}|int",
        Transform.FLOAT: f"{source}|float",
        Transform.BOOL_FROM_TEXT: f'({source}|string|trim|lower == "true")',
    }
    if transform is Transform.FIXED:
        return f'"%.{candidate.decimals}f"|format({source}|float)'
    return simple[transform]


def loop_variable(array_key: str, taken: Iterable[str]) -> str:
    """A name for the element of an array: ``items`` -> ``item``, avoiding names already in use."""
    used = set(taken) | RESERVED
    base = _identifier(_singular(array_key)) or "entry"
    if base == _identifier(array_key):
        base += "_entry"
    return _unique(base, used)


def unique_name(wanted: str, taken: Iterable[str]) -> str:
    """``wanted`` as an identifier that is not taken (``parcels``, else ``parcels_2``)."""
    return _unique(_identifier(wanted) or "sep", set(taken) | RESERVED)


def _unique(base: str, used: set[str]) -> str:
    if base not in used:
        return base
    number = 2
    while f"{base}_{number}" in used:
        number += 1
    return f"{base}_{number}"


def _singular(word: str) -> str:
    for plural, single in (("ies", "y"), ("sses", "ss"), ("xes", "x"), ("ches", "ch"), ("shes", "sh")):
        if word.endswith(plural) and len(word) > len(plural) + 1:
            return word[: -len(plural)] + single
    if word.endswith("s") and not word.endswith("ss") and len(word) > 2:
        return word[:-1]
    return word


def _identifier(text: str) -> str:
    name = re.sub(r"\W+", "_", text, flags=re.ASCII).strip("_")
    if name and name[0].isdigit():
        name = "_" + name
    return name


def literal(text: str) -> str:
    """Template text that renders exactly ``text``: as it is, unless it holds a Jinja delimiter."""
    if not _DELIMITERS.search(text):
        return text
    return "{{ " + json.dumps(text, ensure_ascii=False) + " }}"
