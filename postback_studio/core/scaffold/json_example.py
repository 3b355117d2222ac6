"""A JSON example parsed with positions, values as written, and its layout.

``json.loads`` loses what a scaffold needs: where each value is (for diagnostics and the mapping
table), how it was written (``2.50``, escapes, duplicate keys) and how the text is laid out. So the
standard parser only judges validity (its messages are the ones users know), and this small scanner
then reads the same text again with everything kept.
"""

from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass
from decimal import Decimal

from postback_studio.core.model import OutputFormat
from postback_studio.core.scaffold.example import (
    MAX_DEPTH,
    Example,
    ExampleError,
    ExampleValue,
    Leaf,
    NodeId,
    Record,
    Repeat,
    Shape,
)

_WHITESPACE = re.compile(r"[ \t\n\r]*")
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?")
_LITERALS: dict[str, ExampleValue] = {"true": True, "false": False, "null": None}
_DECODER = json.JSONDecoder()


def _string(text: str, start: int) -> tuple[str, int]:
    """The JSON string that starts at ``start`` (its opening quote), decoded, and where it ends."""
    value, end = _DECODER.raw_decode(text, start)
    return str(value), end


@dataclass(frozen=True)
class JsonScalar:
    """A string, number, true, false or null, with the text that wrote it."""

    id: NodeId
    raw: str
    value: ExampleValue
    line: int
    column: int


@dataclass(frozen=True)
class JsonMember:
    """One ``"key": value`` of an object; ``raw_key`` keeps the key's quotes and escapes."""

    raw_key: str
    key: str
    value: JsonNode
    line: int
    column: int


@dataclass(frozen=True)
class JsonObject:
    """An object, its members in order (a repeated key is kept)."""

    id: NodeId
    members: tuple[JsonMember, ...]
    line: int
    column: int


@dataclass(frozen=True)
class JsonArray:
    """An array and its elements."""

    id: NodeId
    elements: tuple[JsonNode, ...]
    line: int
    column: int


JsonNode = JsonScalar | JsonObject | JsonArray


@dataclass(frozen=True)
class JsonLayout:
    """How the example is laid out, so the template writes its output the same way.

    Attributes:
        indent: one level of indentation (``"  "``, ``"\\t"``), or None for everything on one line.
        key_separator: between a key and its value (``": "`` or ``":"``).
        item_separator: between members on one line (``", "`` or ``","``); with an indent, ``","``.
        regular: True when the example is exactly this layout, so its text can be reproduced exactly.
    """

    indent: str | None
    key_separator: str
    item_separator: str
    regular: bool = True


@dataclass(frozen=True)
class JsonDocument:
    """The example's JSON tree and layout."""

    root: JsonNode
    layout: JsonLayout


def parse_json_example(text: str) -> Example:
    """Parse a JSON example.

    Raises:
        ExampleError: the text is not valid JSON (with the line and column of the problem).
    """
    text = text.removeprefix("\ufeff")
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        raise ExampleError(f"the example is not valid JSON: {exc.msg}", exc.lineno, exc.colno) from None
    except RecursionError:
        raise ExampleError("the example is nested too deeply") from None
    scanner = _Scanner(text)
    root = scanner.document()
    guess = _layout(scanner)
    from postback_studio.core.scaffold.json_generate import layout_text

    regular = layout_text(JsonDocument(root, guess)) == text.strip()
    layout = JsonLayout(guess.indent, guess.key_separator, guess.item_separator, regular)
    return Example(OutputFormat.JSON, text, _shape(root, "", None, "", ()), JsonDocument(root, layout))


class _Scanner:
    """A recursive reader of text ``json.loads`` accepted; it records positions and separators."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.position = 0
        self.line_starts = [0] + [m.end() for m in re.finditer(r"\n", text)]
        self.first_indent: str | None = None
        self.after_colon: str | None = None
        self.after_comma: str | None = None

    def where(self, position: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.line_starts, position)
        return line, position - self.line_starts[line - 1] + 1

    def skip(self) -> str:
        match = _WHITESPACE.match(self.text, self.position)
        assert match is not None
        self.position = match.end()
        return match.group()

    def document(self) -> JsonNode:
        self.skip()
        return self.value(())

    def value(self, node: NodeId) -> JsonNode:
        start = self.position
        line, column = self.where(start)
        if len(node) > MAX_DEPTH:
            raise ExampleError(f"the example is nested more than {MAX_DEPTH} levels deep", line, column)
        char = self.text[start]
        if char == "{":
            return self.object(node, line, column)
        if char == "[":
            return self.array(node, line, column)
        if char == '"':
            decoded, end = _string(self.text, start)
            self.position = end
            return JsonScalar(node, self.text[start:end], decoded, line, column)
        for word, literal in _LITERALS.items():
            if self.text.startswith(word, start):
                self.position = start + len(word)
                return JsonScalar(node, word, literal, line, column)
        match = _NUMBER.match(self.text, start)
        assert match is not None
        self.position = match.end()
        raw = match.group()
        number: ExampleValue = Decimal(raw) if match.group(1) or match.group(2) else int(raw)
        return JsonScalar(node, raw, number, line, column)

    def object(self, node: NodeId, line: int, column: int) -> JsonObject:
        self.position += 1
        members: list[JsonMember] = []
        self.note_indent(self.skip())
        if self.text[self.position] == "}":
            self.position += 1
            return JsonObject(node, (), line, column)
        while True:
            key_line, key_column = self.where(self.position)
            key, end = _string(self.text, self.position)
            raw_key = self.text[self.position : end]
            self.position = end
            self.skip()
            self.position += 1  # the colon
            gap = self.skip()
            if self.after_colon is None:
                self.after_colon = gap
            value = self.value((*node, len(members)))
            members.append(JsonMember(raw_key, key, value, key_line, key_column))
            self.skip()
            if self.text[self.position] == "}":
                self.position += 1
                return JsonObject(node, tuple(members), line, column)
            self.position += 1  # the comma
            self.note_comma(self.skip())

    def array(self, node: NodeId, line: int, column: int) -> JsonArray:
        self.position += 1
        elements: list[JsonNode] = []
        self.note_indent(self.skip())
        if self.text[self.position] == "]":
            self.position += 1
            return JsonArray(node, (), line, column)
        while True:
            elements.append(self.value((*node, len(elements))))
            self.skip()
            if self.text[self.position] == "]":
                self.position += 1
                return JsonArray(node, tuple(elements), line, column)
            self.position += 1
            self.note_comma(self.skip())

    def note_indent(self, gap: str) -> None:
        if self.first_indent is None and "\n" in gap:
            self.first_indent = gap.rsplit("\n", 1)[1]

    def note_comma(self, gap: str) -> None:
        if self.after_comma is None:
            self.after_comma = gap


def _layout(scanner: _Scanner) -> JsonLayout:
    """The layout the example most likely follows; ``regular`` is settled by writing it back."""
    key_separator = ":" + (" " if scanner.after_colon else "")
    if scanner.first_indent is not None and scanner.first_indent:
        return JsonLayout(scanner.first_indent, key_separator, ",", regular=False)
    item_separator = "," + (" " if scanner.after_comma and "\n" not in scanner.after_comma else "")
    return JsonLayout(None, key_separator, item_separator, regular=False)


def _shape(node: JsonNode, step: str, label: str | None, key: str, context: tuple[str, ...]) -> Shape:
    """The matcher's view of a JSON node; ``key`` is its member name (an array's, for its elements)."""
    if isinstance(node, JsonScalar):
        return Leaf(node.id, step, label, key, context, node.value, node.raw, node.line, node.column)
    inner = (*context, key) if key else context
    if isinstance(node, JsonObject):
        children = tuple(_shape(m.value, m.key, m.key, m.key, inner) for m in node.members)
        return Record(node.id, step, label, key, children, node.line, node.column)
    elements = tuple(_shape(e, "[]", None, key, context) for e in node.elements)
    return Repeat(node.id, step, label, key, elements, node.line, node.column)
