"""Writing an XML template from the example and its mapping, keeping the example's markup.

The declaration and prolog are kept as written; elements keep their prefixes, namespace declarations
and attribute order; whitespace between elements is the example's. Values become ``{{ path|e }}``.
A run of elements that loops is written once inside ``{% for %}``: when the whitespace before each
element is the same (the usual indented layout) the tags strip their own line breaks (``{%-``), so the
output has the example's layout for any number of elements; otherwise each element is preceded by
the whitespace the example has between elements, written from the loop.
"""

from __future__ import annotations

from collections.abc import Sequence

from postback_studio.core.model import OutputFormat
from postback_studio.core.scaffold.example import NodeId
from postback_studio.core.scaffold.expressions import Scope, literal, value_tag
from postback_studio.core.scaffold.json_generate import loop_headers
from postback_studio.core.scaffold.model import LeafRow, LoopRow, Mapping
from postback_studio.core.scaffold.xml_example import (
    XmlDocument,
    XmlElement,
    XmlMarkup,
    XmlText,
    element_groups,
    group_id,
)


def generate_xml(document: XmlDocument, mapping: Mapping) -> str:
    """The template text for an XML example and its (possibly corrected) mapping."""
    writer = _Writer(mapping.rows, mapping.loops)
    return literal(document.prolog) + writer.element(document.root, ()) + literal(document.epilog) + "\n"


def escape_text(text: str) -> str:
    """Character data as XML needs it (``&``, ``<`` and ``>`` as entities)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape_attribute(text: str) -> str:
    """An attribute value for double quotes; tabs and line breaks as references, so they survive."""
    escaped = escape_text(text).replace('"', "&quot;")
    return escaped.replace("\t", "&#9;").replace("\n", "&#10;").replace("\r", "&#13;")


class _Writer:
    def __init__(self, rows: Sequence[LeafRow], loops: Sequence[LoopRow]) -> None:
        self.rows: dict[NodeId, LeafRow] = {r.node: r for r in rows}
        self.loops: dict[NodeId, LoopRow] = {lp.node: lp for lp in loops}

    def value(self, node: NodeId, example_text: str, scope: Scope, attribute: bool) -> str:
        row = self.rows.get(node)
        if row is not None and row.source is not None:
            return value_tag(row.source, scope, OutputFormat.XML)
        return literal(escape_attribute(example_text) if attribute else escape_text(example_text))

    def element(self, element: XmlElement, scope: Scope) -> str:
        start = "<" + element.tag
        for prefix, uri in element.namespaces:
            name = f"xmlns:{prefix}" if prefix else "xmlns"
            start += f' {name}="{literal(escape_attribute(uri))}"'
        for attribute in element.attributes:
            start += f' {attribute.name}="{self.value(attribute.id, attribute.value, scope, True)}"'
        if not element.content:
            return start + "/>"
        return start + ">" + self.content(element, scope) + f"</{element.tag}>"

    def content(self, element: XmlElement, scope: Scope) -> str:
        if element.text_only:
            return self.text(element, scope)
        groups = {positions[0]: positions for positions in element_groups(element)}
        text = ""
        position = 0
        while position < len(element.content):
            item = element.content[position]
            following = groups.get(position + 1)
            if following is not None and self.indented_loop(element, following):
                position += 1  # the loop's tags strip this whitespace; it writes its own
                continue
            if isinstance(item, XmlElement) and position in groups:
                positions = groups[position]
                loop = self.loops.get(group_id(element, position))
                if loop is not None and loop.source is not None:
                    text += self.loop(element, positions, loop, scope)
                else:
                    text += "".join(
                        self.item(element.content[p], scope) for p in range(position, positions[-1] + 1)
                    )
                position = positions[-1] + 1
            else:
                text += self.item(item, scope)
                position += 1
        return text

    def item(self, item: XmlElement | XmlText | XmlMarkup, scope: Scope) -> str:
        if isinstance(item, XmlElement):
            return self.element(item, scope)
        if isinstance(item, XmlText):
            return literal(escape_text(item.text))
        return literal(item.markup)

    def text(self, element: XmlElement, scope: Scope) -> str:
        row = self.rows.get((*element.id, "#text"))
        if row is None or row.source is None:
            return "".join(self.item(item, scope) for item in element.content)
        whole = "".join(c.text for c in element.content if isinstance(c, XmlText))
        stripped = whole.strip()
        start = whole.index(stripped)
        markup = "".join(literal(c.markup) for c in element.content if isinstance(c, XmlMarkup))
        value = value_tag(row.source, scope, OutputFormat.XML)
        return (
            literal(escape_text(whole[:start]))
            + value
            + markup
            + literal(escape_text(whole[start + len(stripped) :]))
        )

    def indented_loop(self, parent: XmlElement, positions: list[int]) -> bool:
        """True when the run loops and each of its elements follows the same whitespace."""
        loop = self.loops.get(group_id(parent, positions[0]))
        if loop is None or loop.source is None:
            return False
        leading, gap = _whitespace(parent, positions)
        return gap == leading and not gap.strip()

    def loop(self, parent: XmlElement, positions: list[int], loop: LoopRow, scope: Scope) -> str:
        assert loop.source is not None
        members = [parent.content[p] for p in positions]
        body = next(m for m in members if isinstance(m, XmlElement) and m.id == loop.body)
        assert isinstance(body, XmlElement)
        leading, gap = _whitespace(parent, positions)
        headers, inner = loop_headers(loop.source.segments, loop.variables, scope)
        element = self.element(body, inner)
        indent = leading.rsplit("\n", 1)[-1] if "\n" in leading else ""
        if self.indented_loop(parent, positions):
            text = "".join(f"\n{indent}{{%- {header} %}}" for header in headers)
            text += literal(escape_text(gap)) + element
            return text + "".join(f"\n{indent}{{%- endfor %}}" for _ in headers)
        # The whitespace before the first element is already written; the loop writes the rest.
        if len(headers) == 1:
            first = "loop.first"
            opening = ""
            mark = ""
        else:
            flag = "first_" + loop.variables[-1]
            first = f"{flag}.first"
            opening = f"{{% set {flag} = namespace(first=true) %}}"
            mark = f"{{% set {flag}.first = false %}}"
        fors = "".join(f"{{% {header} %}}" for header in headers)
        separator = f"{{% if not {first} %}}{literal(escape_text(gap))}{{% endif %}}{mark}"
        return opening + fors + separator + element + "{% endfor %}" * len(headers)


def _whitespace(parent: XmlElement, positions: list[int]) -> tuple[str, str]:
    """The text before a run's first element, and between its elements (the former if one element)."""
    before = parent.content[positions[0] - 1] if positions[0] > 0 else None
    leading = before.text if isinstance(before, XmlText) else ""
    between = parent.content[positions[0] + 1] if len(positions) > 1 else None
    return leading, between.text if isinstance(between, XmlText) else leading
