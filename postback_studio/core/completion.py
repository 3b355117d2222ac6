"""Autocomplete for the Template Mapper: what can be typed at the cursor of a Jinja template.

The integrator types into half-finished templates, so nothing here parses the template: a full
Jinja parse fails on every keystroke. Instead the text before the cursor goes through Jinja's own
lexer (``Environment.lex``), which tokenizes incomplete text, and a scope stack replays the block
statements (``for``, ``set``, ``with`` and their ends) to know which loop variables and aliases are
visible at the cursor and which payload path each one stands for. The payload (any JSON value)
supplies names, types and sample values; a list stands for its first element.

Paths are tuples of segments: a ``str`` key, an ``int`` index, or :data:`EACH` for "every element of
this list" (what a loop variable ranges over).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final

from jinja2 import Environment, TemplateSyntaxError

#: A path segment meaning "each element of the list" (a loop variable's path ends with it).
EACH: Final = "[]"

Segment = str | int
Path = tuple[Segment, ...]

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_PARTIAL = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_TAG_SPLIT = re.compile(r"\{%.*?(?:%\}|\Z)|\{\{.*?(?:\}\}|\Z)|\{#.*?(?:#\}|\Z)", re.DOTALL)
_SAMPLE_WIDTH = 40

#: Attribute names that Jinja resolves on the Python ``dict`` before the key (``x.items`` is the
#: method), so a payload key with one of these names must be written ``x["items"]``.
_DICT_ATTRS: Final = frozenset(name for name in dir(dict) if not name.startswith("_"))

#: Block statements that open a scope closed by ``end<name>``.
_SCOPED_BLOCKS: Final = frozenset({"for", "with", "macro", "call", "filter", "block"})

_STATEMENT_KEYWORDS: Final = (
    "if",
    "elif",
    "else",
    "endif",
    "for",
    "endfor",
    "set",
    "endset",
    "with",
    "endwith",
    "macro",
    "endmacro",
    "call",
    "endcall",
    "filter",
    "endfilter",
    "raw",
    "endraw",
)
_EXPRESSION_KEYWORDS: Final = ("not", "and", "or", "in", "is", "true", "false", "none")
#: Keywords after which an expression starts: ``{% if ``, ``{% for x in ``, ``not ``...
_NAME_POSITION: Final = frozenset({"if", "elif", "in", "not", "and", "or"})
_LOOP_ATTRIBUTES: Final = {
    "index": ("number", "1-based iteration counter"),
    "index0": ("number", "0-based iteration counter"),
    "revindex": ("number", "iterations left, 1-based"),
    "revindex0": ("number", "iterations left, 0-based"),
    "first": ("boolean", "true on the first iteration"),
    "last": ("boolean", "true on the last iteration: write JSON commas with {% if not loop.last %}"),
    "length": ("number", "number of items in the sequence"),
    "previtem": ("any", "the item of the previous iteration"),
    "nextitem": ("any", "the item of the next iteration"),
}
_JINJA_FUNCTIONS: Final = {
    "range": ("range(", "range([start, ]stop[, step])  Jinja built-in"),
    "dict": ("dict(", "dict(**items)  Jinja built-in"),
    "namespace": ("namespace(", "namespace(**attrs)  Jinja built-in: state that survives a loop"),
}
LOOKUPS_SIGNATURE: Final = 'lookups({"<template field>": value}, strict=False, default="")'
_LOOKUPS_INSERT: Final = 'lookups({"": }, strict=False, default="")'


class CompletionKind(StrEnum):
    """What a suggestion is; the popup shows it and picks an icon from it."""

    FIELD = "field"
    FILTER = "filter"
    FUNCTION = "function"
    KEYWORD = "keyword"


@dataclass(frozen=True)
class Completion:
    """One suggestion.

    Attributes:
        label: What the popup shows.
        insert_text: What replaces the partial word when accepted.
        kind: Field, filter, function or keyword.
        type_name: JSON type of a field (``string``, ``array[2]``...), or ``filter``/``function``.
        sample: The sample value as short text, or a one-line description for filters and functions.
        cursor_offset: Where the cursor goes inside ``insert_text`` after insertion (None: at the end).
    """

    label: str
    insert_text: str
    kind: CompletionKind
    type_name: str = ""
    sample: str = ""
    cursor_offset: int | None = None


@dataclass(frozen=True)
class CompletionResult:
    """The suggestions at a cursor and the text range they replace.

    ``replace_start`` is the offset where the partial word starts; accepting a suggestion replaces
    ``text[replace_start:cursor]`` by its ``insert_text``.
    """

    replace_start: int
    prefix: str
    items: tuple[Completion, ...] = ()


@dataclass(frozen=True)
class Binding:
    """A name visible at the cursor: a loop variable, a ``set`` alias or a ``with`` variable.

    ``path`` is None when the name stands for something that is not a payload path (a ``lookups()``
    result, a computed value).
    """

    name: str
    path: Path | None
    origin: str


@dataclass
class _Frame:
    kind: str
    names: dict[str, Binding] = field(default_factory=dict)


@dataclass(frozen=True)
class _Token:
    kind: str
    value: str


# -------------------------------------------------------------------------------------------------
# Scope analysis


def _lex(text: str) -> list[_Token]:
    """Tokens of ``text``; on a lexer error, the tokens of each tag that lexes on its own."""
    env = Environment()
    try:
        return [_Token(kind, value) for _line, kind, value in env.lex(text)]
    except TemplateSyntaxError:
        tokens: list[_Token] = []
        for match in _TAG_SPLIT.finditer(text):
            try:
                tokens.extend(_Token(kind, value) for _line, kind, value in env.lex(match.group()))
            except TemplateSyntaxError:
                continue
        return tokens


def _statements(tokens: Sequence[_Token]) -> Iterator[list[_Token]]:
    """The significant tokens of each complete ``{% ... %}`` statement, in order."""
    current: list[_Token] | None = None
    for token in tokens:
        if token.kind == "block_begin":
            current = []
        elif token.kind == "block_end":
            if current is not None:
                yield current
            current = None
        elif current is not None and token.kind != "whitespace":
            current.append(token)


def _parse_path(tokens: Sequence[_Token], scope: dict[str, Binding]) -> Path | None:
    """The payload path of a simple expression (``a.b[0]["c"]``), following bindings in ``scope``.

    Anything after a filter pipe is ignored (``items|sort`` still ranges over items); any other
    expression has no path.
    """
    if not tokens or tokens[0].kind != "name":
        return None
    head = tokens[0].value
    path: Path
    if head in scope:
        bound = scope[head].path
        if bound is None:
            return None
        path = bound
    else:
        path = (head,)
    index = 1
    while index < len(tokens):
        token = tokens[index]
        if token.value == "|":
            break
        if token.value == "." and index + 1 < len(tokens):
            nxt = tokens[index + 1]
            if nxt.kind == "name":
                path = (*path, nxt.value)
            elif nxt.kind == "integer":
                path = (*path, int(nxt.value))
            else:
                return None
            index += 2
            continue
        if token.value == "[" and index + 2 < len(tokens) and tokens[index + 2].value == "]":
            inner = tokens[index + 1]
            if inner.kind == "integer":
                path = (*path, int(inner.value))
            elif inner.kind == "string":
                path = (*path, inner.value[1:-1])
            else:
                return None
            index += 3
            continue
        return None
    return path


def _visible(stack: Sequence[_Frame]) -> dict[str, Binding]:
    scope: dict[str, Binding] = {}
    for frame in stack:
        scope.update(frame.names)
    return scope


def _apply_statement(stack: list[_Frame], statement: Sequence[_Token]) -> None:
    """Replay one block statement on the scope stack."""
    if not statement or statement[0].kind != "name":
        return
    keyword = statement[0].value
    scope = _visible(stack)
    if keyword == "for":
        _open_for(stack, statement, scope)
    elif keyword in _SCOPED_BLOCKS:
        frame = _Frame(keyword)
        if keyword == "with":
            frame.names.update(_assignments(statement[1:], scope, "with"))
        stack.append(frame)
    elif keyword.startswith("end") and keyword[3:] in _SCOPED_BLOCKS:
        for depth in range(len(stack) - 1, 0, -1):
            if stack[depth].kind == keyword[3:]:
                del stack[depth:]
                break
    elif keyword == "set":
        stack[-1].names.update(_assignments(statement[1:], scope, "set"))


def _open_for(stack: list[_Frame], statement: Sequence[_Token], scope: dict[str, Binding]) -> None:
    values = [t.value for t in statement]
    frame = _Frame("for")
    if "in" in values:
        split = values.index("in")
        targets = [t.value for t in statement[1:split] if t.kind == "name"]
        source = list(statement[split + 1 :])
        cut = next(
            (i for i, t in enumerate(source) if t.kind == "name" and t.value in {"if", "recursive"}), None
        )
        iterable = _parse_path(source[:cut], scope)
        if len(targets) == 1:
            path = None if iterable is None else (*iterable, EACH)
            frame.names[targets[0]] = Binding(targets[0], path, "loop variable")
        else:
            for name in targets:
                frame.names[name] = Binding(name, None, "loop variable")
        frame.names["loop"] = Binding("loop", None, "loop")
    stack.append(frame)


def _assignments(tokens: Sequence[_Token], scope: dict[str, Binding], origin: str) -> dict[str, Binding]:
    """Bindings of ``name = expr[, name = expr]`` (``with``) or ``name = expr`` (``set``)."""
    found: dict[str, Binding] = {}
    parts: list[list[_Token]] = [[]]
    depth = 0
    for token in tokens:
        if token.value in "([{" and token.kind == "operator":
            depth += 1
        elif token.value in ")]}" and token.kind == "operator":
            depth -= 1
        if token.value == "," and depth == 0 and origin == "with":
            parts.append([])
        else:
            parts[-1].append(token)
    for part in parts:
        if len(part) >= 2 and part[0].kind == "name" and part[1].value == "=":
            name = part[0].value
            found[name] = Binding(name, _parse_path(part[2:], scope), origin)
        elif len(part) == 1 and part[0].kind == "name" and origin == "set":
            found[part[0].value] = Binding(part[0].value, None, "set block")
    return found


def scope_at(template_text: str, cursor_offset: int) -> dict[str, Binding]:
    """The loop variables and aliases visible at ``cursor_offset``, innermost winning.

    A tag that is still open at the cursor (being typed) does not count.
    """
    text = template_text[:cursor_offset]
    stack = [_Frame("template")]
    for statement in _statements(_lex(text)):
        _apply_statement(stack, statement)
    return _visible(stack)


# -------------------------------------------------------------------------------------------------
# Payload values


def resolve(payload: object, path: Path) -> tuple[bool, object]:
    """Follow ``path`` into ``payload``; :data:`EACH` takes the first element. ``(found, value)``."""
    value = payload
    for segment in path:
        if segment == EACH or isinstance(segment, int):
            index = 0 if segment == EACH else int(segment)
            if not isinstance(value, list) or not -len(value) <= index < len(value):
                return False, None
            value = value[index]
        elif isinstance(value, dict) and segment in value:
            value = value[segment]
        else:
            return False, None
    return True, value


def type_name(value: object) -> str:
    """The JSON type of a payload value, as the popup and the payload tree show it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return f"array[{len(value)}]"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def sample_text(value: object, width: int = _SAMPLE_WIDTH) -> str:
    """A payload value as one short line of text."""
    if isinstance(value, dict):
        text = "{" + ", ".join(str(k) for k in list(value)[:4]) + (", …}" if len(value) > 4 else "}")
    elif isinstance(value, list):
        text = f"[{len(value)} item{'s' if len(value) != 1 else ''}]"
    else:
        text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= width else text[: width - 1] + "…"


def _field(name: str, value: object, found: bool, origin: str = "") -> Completion:
    if not found:
        return Completion(name, name, CompletionKind.FIELD, origin or "unknown", "")
    label_type = type_name(value) if not origin else f"{type_name(value)} ({origin})"
    return Completion(name, name, CompletionKind.FIELD, label_type, sample_text(value))


# -------------------------------------------------------------------------------------------------
# Completion


def _open_tag_start(text: str) -> int | None:
    """Offset of the ``{{`` or ``{%`` that is still open at the end of ``text``, if any."""
    openers = {"{{": "}}", "{%": "%}", "{#": "#}"}
    start, opener = max((text.rfind(o), o) for o in openers)
    if (
        start < 0
        or opener == "{#"
        or openers[opener] in text[start + 2 :]
        or text.rfind("{#") > text.rfind("#}")
    ):
        return None
    return start


def inside_tag(template_text: str, cursor_offset: int) -> bool:
    """True when the cursor is inside a ``{{ }}`` or ``{% %}`` tag (closed or still being typed)."""
    return _open_tag_start(template_text[:cursor_offset]) is not None


def complete(
    template_text: str, cursor_offset: int, payload: object, explicit: bool = False
) -> CompletionResult:
    """Suggestions at ``cursor_offset`` of ``template_text`` for ``payload``.

    Args:
        template_text: The whole template, possibly incomplete.
        cursor_offset: Character offset of the cursor in ``template_text``.
        payload: The sample payload (any JSON value).
        explicit: True when the user asked (Ctrl+Space): suggest wherever a name can go. False while
            typing: suggest only at the triggers (after ``{{ ``, ``{% if ``, ``{% for x in ``,
            ``name.``, ``|``) or while a word is being typed.

    Returns:
        The suggestions and the range they replace; no items when nothing fits.
    """
    text = template_text[:cursor_offset]
    match = _PARTIAL.search(text)
    prefix = match.group() if match else ""
    start = cursor_offset - len(prefix)
    empty = CompletionResult(start, prefix)
    tag_start = _open_tag_start(text)
    if tag_start is None:
        return empty
    try:
        tail = [
            _Token(kind, value)
            for _line, kind, value in Environment().lex(text[tag_start:start])
            if kind != "whitespace"
        ]
    except TemplateSyntaxError:
        return empty
    if not tail or (start > 0 and text[start - 1].isalnum()):
        return empty
    items = _suggest(tail, text, tag_start, payload, explicit or bool(prefix))
    wanted = prefix.lower()
    chosen = [c for c in items if c.label.lower().startswith(wanted)]
    chosen += [c for c in items if wanted and wanted in c.label.lower() and c not in chosen]
    return CompletionResult(start, prefix, tuple(chosen))


def _suggest(
    tail: Sequence[_Token], text: str, tag_start: int, payload: object, wants_names: bool
) -> list[Completion]:
    """Suggestions for the position after ``tail``, the tokens of the open tag before the word."""
    last = tail[-1]
    values = [t.value for t in tail]
    if last.value == "." and len(tail) >= 2:
        return _members(tail[1:-1], text, tag_start, payload)
    if last.value == "|":
        return _filters()
    if tail[0].kind == "block_begin":
        if len(tail) == 1:
            return [Completion(k, k + " ", CompletionKind.KEYWORD, "statement") for k in _STATEMENT_KEYWORDS]
        if values[1] == "for" and "in" not in values:
            return []
    if last.kind == "name" and last.value in _NAME_POSITION:
        return _names(text, tag_start, payload)
    if last.kind in {"name", "integer", "float", "string"} or last.value in {")", "]", "}"}:
        return []
    if last.kind == "variable_begin" or wants_names:
        return _names(text, tag_start, payload)
    return []


def _members(expression: Sequence[_Token], text: str, tag_start: int, payload: object) -> list[Completion]:
    """Keys of the object that the expression before the dot stands for."""
    start = len(expression) - 1
    while start > 0:
        if expression[start].value == "]":
            opening = next((i for i in range(start - 1, -1, -1) if expression[i].value == "["), 0)
            start = opening - 1
        elif start >= 2 and expression[start - 1].value == ".":
            start -= 2
        else:
            break
    start = max(start, 0)
    scope = scope_at(text, tag_start)
    head = expression[start].value if start < len(expression) else ""
    if head == "loop" and "loop" in scope and len(expression) - start == 1:
        return [
            Completion(name, name, CompletionKind.KEYWORD, kind, doc)
            for name, (kind, doc) in _LOOP_ATTRIBUTES.items()
        ]
    path = _parse_path(expression[start:], scope)
    if path is None:
        return []
    found, value = resolve(payload, path)
    if isinstance(value, list) and value and isinstance(value[0], dict):
        value = value[0]
    if not found or not isinstance(value, dict):
        return []
    return [_field(str(key), item, True) for key, item in value.items()]


def _names(text: str, tag_start: int, payload: object) -> list[Completion]:
    """Everything a name can be: bindings in scope, payload fields, functions, keywords."""
    scope = scope_at(text, tag_start)
    items: list[Completion] = []
    innermost_first = list(scope.values())
    innermost_first.reverse()
    for binding in sorted(innermost_first, key=lambda b: b.name == "loop"):
        if binding.name == "loop":
            items.append(
                Completion("loop", "loop", CompletionKind.KEYWORD, "loop", "index, first, last, length…")
            )
            continue
        if binding.path is None:
            items.append(Completion(binding.name, binding.name, CompletionKind.FIELD, binding.origin))
            continue
        found, value = resolve(payload, binding.path)
        items.append(_field(binding.name, value, found, binding.origin))
    if isinstance(payload, dict):
        items.extend(_field(str(key), value, True) for key, value in payload.items() if key not in scope)
    items.append(
        Completion(
            "lookups",
            _LOOKUPS_INSERT,
            CompletionKind.FUNCTION,
            "function",
            f"GelatoConnect's function: {LOOKUPS_SIGNATURE}",
            cursor_offset=_LOOKUPS_INSERT.index('"') + 1,
        )
    )
    items.extend(
        Completion(name, insert, CompletionKind.FUNCTION, "function", doc)
        for name, (insert, doc) in _JINJA_FUNCTIONS.items()
    )
    items.extend(Completion(k, k, CompletionKind.KEYWORD, "keyword") for k in _EXPRESSION_KEYWORDS)
    return items


def _filters() -> list[Completion]:
    """Jinja's built-in filters, each with the first line of its documentation."""
    filters = Environment().filters
    items = []
    for name in sorted(filters):
        doc = (filters[name].__doc__ or "").strip().splitlines()
        items.append(Completion(name, name, CompletionKind.FILTER, "filter", doc[0] if doc else ""))
    return items


# -------------------------------------------------------------------------------------------------
# Payload tree -> expression


def _matches(binding: Path, path: Sequence[Segment]) -> bool:
    if len(binding) > len(path):
        return False
    for bound, actual in zip(binding, path, strict=False):
        if bound == EACH:
            if not isinstance(actual, int):
                return False
        elif bound != actual:
            return False
    return True


def format_path(head: str, rest: Sequence[Segment]) -> str:
    """``head`` followed by ``rest`` in Jinja syntax: ``.key``, ``["odd key"]`` or ``[0]``."""
    parts = [head]
    for segment in rest:
        if isinstance(segment, int):
            parts.append(f"[{segment}]")
        elif _IDENT.match(segment) and segment not in _DICT_ATTRS:
            parts.append(f".{segment}")
        else:
            parts.append(f"[{json.dumps(segment, ensure_ascii=False)}]")
    return "".join(parts)


def expression_for_path(path_segments: Sequence[Segment], template_text: str, cursor_offset: int) -> str:
    """The Jinja expression for a payload path at the cursor (without ``{{ }}``).

    Inside ``{% for item in items %}``, ``("items", 0, "fulfillments")`` becomes
    ``item.fulfillments``: the binding (loop variable or ``set`` alias) that covers the longest part
    of the path wins, so a double-click in the payload tree inserts what the loop means, not the
    first element's absolute path.
    """
    if not path_segments:
        return ""
    scope = scope_at(template_text, cursor_offset)
    best: tuple[int, str] | None = None
    for binding in scope.values():
        fits = binding.path is not None and _matches(binding.path, path_segments)
        if fits and binding.path is not None and (best is None or len(binding.path) > best[0]):
                best = (len(binding.path), binding.name)
    if best is not None:
        return format_path(best[1], path_segments[best[0] :])
    return format_path(str(path_segments[0]), path_segments[1:])
