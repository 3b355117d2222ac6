"""An XML example parsed into a tree the generator can write back: declaration, order, whitespace.

lxml parses (safely: no network, no entity expansion, no DTD loading); the tree keeps every element
with its prefix and the namespaces it declares, attributes in document order, text and the whitespace
between elements, comments and processing instructions. Runs of same-named sibling elements are the
XML form of an array; :func:`element_groups` finds them for both the shape and the generator.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

from postback_studio.core.model import OutputFormat
from postback_studio.core.scaffold.example import (
    MAX_DEPTH,
    Example,
    ExampleError,
    Leaf,
    NodeId,
    Record,
    Repeat,
    Shape,
)

_XML_NAMESPACE = "http://www.w3.org/XML/1998/namespace"
_PROLOG_PART = re.compile(r"\s+|<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^\[>]*(?:\[.*?\])?\s*>", re.DOTALL)


@dataclass(frozen=True)
class XmlAttribute:
    """An attribute as written (``xml:lang``, ``ns:code``), its local name and value."""

    id: NodeId
    name: str
    local: str
    value: str


@dataclass(frozen=True)
class XmlText:
    """Character data between tags (whitespace included, as it is in the example)."""

    id: NodeId
    text: str


@dataclass(frozen=True)
class XmlMarkup:
    """A comment, processing instruction or entity reference, kept as written."""

    markup: str


@dataclass(frozen=True)
class XmlElement:
    """An element: its tag as written, namespace declarations, attributes and content in order."""

    id: NodeId
    tag: str
    local: str
    namespaces: tuple[tuple[str | None, str], ...]
    attributes: tuple[XmlAttribute, ...]
    content: tuple[XmlElement | XmlText | XmlMarkup, ...]
    line: int
    column: int

    @property
    def elements(self) -> list[XmlElement]:
        """The child elements."""
        return [c for c in self.content if isinstance(c, XmlElement)]

    @property
    def text_only(self) -> bool:
        """True when the element holds no child elements."""
        return not self.elements


@dataclass(frozen=True)
class XmlDocument:
    """The declaration and whatever precedes the root (kept as written), the root, what follows."""

    prolog: str
    root: XmlElement
    epilog: str


def parse_xml_example(text: str) -> Example:
    """Parse an XML example.

    Raises:
        ExampleError: the text is not well-formed XML (with the line and column lxml reports).
    """
    text = text.removeprefix("\ufeff")
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, remove_blank_text=False, encoding="utf-8"
    )
    try:
        root = etree.fromstring(text.encode("utf-8"), parser)
    except etree.XMLSyntaxError as exc:
        line, column = exc.position if exc.position else (exc.lineno or 1, 1)
        lines = text.split("\n")
        width = len(lines[line - 1]) + 1 if 1 <= line <= len(lines) else column
        message = str(exc.msg or exc).split(", line ")[0]
        raise ExampleError(
            f"the example is not well-formed XML: {message}", line, min(max(column, 1), width)
        ) from None
    builder = _Builder(text)
    tree = builder.element(root, (), {})
    epilog = "".join(
        "\n" + etree.tostring(sibling, encoding="unicode", with_tail=False) for sibling in root.itersiblings()
    )
    document = XmlDocument(_prolog(text), tree, epilog)
    return Example(OutputFormat.XML, text, element_shape(tree, ()), document)


def _prolog(text: str) -> str:
    """The declaration, doctype, comments and whitespace before the root element, as written."""
    position = 0
    while True:
        match = _PROLOG_PART.match(text, position)
        if match is None or match.end() == position:
            return text[:position]
        position = match.end()


class _Builder:
    """Turns lxml's elements into :class:`XmlElement` values, finding each start tag's column."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self.cursor: dict[int, int] = {}

    def column(self, line: int, tag: str) -> int:
        source = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        found = source.find("<" + tag, self.cursor.get(line, 0))
        if found < 0:
            return 1
        self.cursor[line] = found + 1
        return found + 1

    def element(
        self, node: etree._Element, element_id: NodeId, parent_map: dict[str | None, str]
    ) -> XmlElement:
        qname = etree.QName(node)
        tag = f"{node.prefix}:{qname.localname}" if node.prefix else qname.localname
        nsmap = dict(node.nsmap)
        declared = tuple((p, uri) for p, uri in nsmap.items() if parent_map.get(p) != uri)
        attributes = tuple(
            XmlAttribute((*element_id, "@" + name), name, etree.QName(key).localname, str(value))
            for key, value in node.attrib.items()
            for name in (_attribute_name(str(key), nsmap),)
        )
        line: int = getattr(node, "sourceline", None) or 1
        column = self.column(line, tag)
        if len(element_id) > MAX_DEPTH:
            raise ExampleError(f"the example is nested more than {MAX_DEPTH} levels deep", line, column)
        content: list[XmlElement | XmlText | XmlMarkup] = []
        if node.text:
            content.append(XmlText((*element_id, len(content)), node.text))
        for item in node:
            if isinstance(item, etree._Comment):
                content.append(XmlMarkup(f"<!--{item.text or ''}-->"))
            elif isinstance(item, etree._Entity):
                content.append(XmlMarkup(f"&{item.name};"))
            elif isinstance(item, etree._ProcessingInstruction):
                body = f" {item.text!s}" if item.text else ""
                content.append(XmlMarkup(f"<?{item.target!s}{body}?>"))
            elif isinstance(item.tag, str):
                content.append(self.element(item, (*element_id, len(content)), nsmap))
            if item.tail:
                content.append(XmlText((*element_id, len(content)), item.tail))
        return XmlElement(
            element_id, tag, qname.localname, declared, attributes, tuple(content), line, column
        )


def _attribute_name(key: str, nsmap: dict[str | None, str]) -> str:
    if not key.startswith("{"):
        return key
    qname = etree.QName(key)
    if qname.namespace == _XML_NAMESPACE:
        return f"xml:{qname.localname}"
    for prefix, uri in nsmap.items():
        if uri == qname.namespace and prefix:
            return f"{prefix}:{qname.localname}"
    return qname.localname


def element_groups(element: XmlElement) -> list[list[int]]:
    """Runs of same-named child elements separated only by whitespace, as content positions."""
    groups: list[list[int]] = []
    current: list[int] = []
    for position, item in enumerate(element.content):
        if isinstance(item, XmlElement):
            if current and element.content[current[0]].tag == item.tag:  # type: ignore[union-attr]
                current.append(position)
            else:
                if current:
                    groups.append(current)
                current = [position]
        elif isinstance(item, XmlMarkup) or item.text.strip():
            if current:
                groups.append(current)
            current = []
    if current:
        groups.append(current)
    return groups


def _names_a_list(element: XmlElement) -> bool:
    """``<Skus>``, ``<TrackingList>``: a parent whose name says it holds a list of its only child."""
    name = element.local.lower()
    return (name.endswith("s") and not name.endswith("ss")) or name.endswith(("list", "array", "collection"))


def group_id(element: XmlElement, first: int) -> NodeId:
    """The id of the run of elements that starts at content position ``first``."""
    return (*element.id, f"*{first}")


def element_shape(element: XmlElement, context: tuple[str, ...]) -> Record:
    """The matcher's view of an element: attributes, then its text or its runs of child elements."""
    inner = (*context, element.local)
    children: list[Shape] = [
        Leaf(a.id, "@" + a.name, "@" + a.name, a.local, inner, a.value, a.value, element.line, element.column)
        for a in element.attributes
    ]
    if element.text_only:
        text = "".join(c.text for c in element.content if isinstance(c, XmlText)).strip()
        if text:
            children.append(
                Leaf(
                    (*element.id, "#text"),
                    "#text",
                    None,
                    element.local,
                    context,
                    text,
                    text,
                    element.line,
                    element.column,
                )
            )
    else:
        groups = element_groups(element)
        for positions in groups:
            members = [element.content[p] for p in positions]
            first = members[0]
            assert isinstance(first, XmlElement)
            shapes = tuple(element_shape(m, inner) for m in members if isinstance(m, XmlElement))
            single = bool(first.attributes or first.elements) or (len(groups) == 1 and _names_a_list(element))
            children.append(
                Repeat(
                    group_id(element, positions[0]),
                    first.tag,
                    first.tag,
                    first.local,
                    shapes,
                    first.line,
                    first.column,
                    single_loops=single,
                )
            )
    return Record(
        element.id, element.tag, element.tag, element.local, tuple(children), element.line, element.column
    )
