"""Writing a JSON template from the example and its mapping, in the example's own layout.

Values become ``{{ path|tojson }}`` (JSON-quoted and escaped whatever the order holds); constants are
written as the example writes them. A loop writes a comma before every element but the first. Over
nested payload arrays (the parcels of all items) "the first" must mean the first element written at
all, not the first of the inner loop (an item without parcels would otherwise leave a stray comma),
so those loops keep a ``namespace(first=true)`` flag. The tags use ``{%-`` so that the output has the
example's layout exactly, for any number of elements, none included.
"""

from __future__ import annotations

from collections.abc import Sequence

from postback_studio.core.model import OutputFormat
from postback_studio.core.scaffold.example import NodeId
from postback_studio.core.scaffold.expressions import Scope, expression, literal, value_tag
from postback_studio.core.scaffold.json_example import (
    JsonArray,
    JsonDocument,
    JsonLayout,
    JsonNode,
    JsonObject,
    JsonScalar,
)
from postback_studio.core.scaffold.model import LeafRow, LoopRow, Mapping, PayloadPath, Segment


def generate_json(document: JsonDocument, mapping: Mapping) -> str:
    """The template text for a JSON example and its (possibly corrected) mapping."""
    writer = _Writer(document.layout, mapping.rows, mapping.loops)
    return writer.node(document.root, 0, ()) + "\n"


def layout_text(document: JsonDocument) -> str:
    """The example written back in its detected layout, every value as written (no template tags)."""
    return _Writer(document.layout, (), ()).node(document.root, 0, ())


class _Writer:
    def __init__(self, layout: JsonLayout, rows: Sequence[LeafRow], loops: Sequence[LoopRow]) -> None:
        self.layout = layout
        self.rows: dict[NodeId, LeafRow] = {r.node: r for r in rows}
        self.loops: dict[NodeId, LoopRow] = {lp.node: lp for lp in loops}

    def pad(self, depth: int) -> str:
        return "\n" + (self.layout.indent or "") * depth

    def node(self, node: JsonNode, depth: int, scope: Scope) -> str:
        if isinstance(node, JsonScalar):
            row = self.rows.get(node.id)
            if row is not None and row.source is not None:
                return value_tag(row.source, scope, OutputFormat.JSON)
            return literal(node.raw)
        if isinstance(node, JsonObject):
            parts = [
                literal(m.raw_key) + self.layout.key_separator + self.node(m.value, depth + 1, scope)
                for m in node.members
            ]
            return self.sequence("{", "}", parts, depth)
        loop = self.loops.get(node.id)
        if loop is not None and loop.source is not None:
            return self.loop(node, loop, depth, scope)
        return self.sequence("[", "]", [self.node(e, depth + 1, scope) for e in node.elements], depth)

    def sequence(self, opening: str, closing: str, parts: list[str], depth: int) -> str:
        if not parts:
            return opening + closing
        if self.layout.indent is None:
            return opening + self.layout.item_separator.join(parts) + closing
        inner = self.pad(depth + 1)
        return opening + ",".join(inner + part for part in parts) + self.pad(depth) + closing

    def loop(self, node: JsonArray, loop: LoopRow, depth: int, scope: Scope) -> str:
        assert loop.source is not None
        body_node = next(e for e in node.elements if e.id == loop.body)
        headers, inner_scope = loop_headers(loop.source.segments, loop.variables, scope)
        body = self.node(body_node, depth + 1, inner_scope)
        separator = self.layout.item_separator if self.layout.indent is None else ","
        if loop.flag:
            opening = f"{{% set {loop.flag} = namespace(first=true) %}}"
            flag = loop.flag
            comma = f"{{% if not {flag}.first %}}{separator}{{% endif %}}{{% set {flag}.first = false %}}"
        else:
            opening = ""
            comma = f"{{% if not loop.first %}}{separator}{{% endif %}}"
        if self.layout.indent is None:
            fors = "".join(f"{{% {h} %}}" for h in headers)
            ends = "{% endfor %}" * len(headers)
            return f"[{opening}{fors}{comma}{body}{ends}]"
        text = "["
        if opening:
            text += self.pad(depth) + opening.replace("{%", "{%-", 1)
        for level, header in enumerate(headers):
            text += self.pad(depth + level) + f"{{%- {header} %}}"
        text += self.pad(depth + max(1, len(headers) - 1)) + comma.replace("{%", "{%-", 1)
        text += self.pad(depth + 1) + body
        for level in reversed(range(len(headers))):
            text += self.pad(depth + level) + "{%- endfor %}"
        return text + self.pad(depth) + "]"


def loop_headers(
    pattern: tuple[Segment, ...], variables: Sequence[str], scope: Scope
) -> tuple[list[str], list[tuple[tuple[Segment, ...], str]]]:
    """``for item in items``, ``for fulfillment in item.fulfillments``, and the scope inside them.

    The loop continues the deepest open loop whose array the pattern starts with; each further
    ``[]`` of the pattern is one more ``for``.
    """
    inner = list(scope)
    base = max((len(p) for p, _ in scope if pattern[: len(p)] == p), default=0)
    positions = [i for i in range(base, len(pattern)) if pattern[i] is None]
    headers = []
    for position, variable in zip(positions, variables, strict=True):
        array = expression(PayloadPath(pattern[:position]), inner)
        headers.append(f"for {variable} in {array}")
        inner.append((pattern[: position + 1], variable))
    return headers, inner
