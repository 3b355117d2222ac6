"""The receiver's example, parsed: its text, its format's own tree, and a shape the matcher reads.

JSON and XML differ in detail (members and arrays; elements, attributes and runs of same-named
siblings) but the matcher needs only three things: values (:class:`Leaf`), groups of values
(:class:`Record`) and repetitions (:class:`Repeat`). Each format's parser builds its own tree, which
its generator writes back, and that shape, which shares node ids with the tree.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from postback_studio.core.errors import InputError
from postback_studio.core.model import OutputFormat

if TYPE_CHECKING:
    from postback_studio.core.scaffold.json_example import JsonDocument
    from postback_studio.core.scaffold.xml_example import XmlDocument

#: An example value: JSON's string, number (int, or Decimal to keep ``2.50`` as written), true,
#: false or null; every XML value is a string.
ExampleValue = str | int | Decimal | bool | None
#: Deepest nesting an example may have: far beyond any real message, and well inside Python's stack.
MAX_DEPTH = 100
#: A node's id: the positions (and ``@attribute`` / ``#text`` steps) from the root to the node.
NodeId = tuple[int | str, ...]


class ExampleError(InputError):
    """The example is not valid JSON or XML; ``line`` and ``column`` say where (1-based), when known."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        super().__init__(message)
        self.line = line
        self.column = column


@dataclass(frozen=True)
class Leaf:
    """One value of the example.

    Attributes:
        id: the node id, shared with the format's tree.
        step: how the parent reaches it (a JSON key, ``@name``, ``#text``, ``[]`` in an array).
        label: its part of the example path as shown (None: adds nothing, an XML element's text).
        key: the name the receiver gave it, compared with payload keys.
        context: the names of the enclosing objects or elements, outermost first.
        value: the value; ``text`` is how the example writes it.
    """

    id: NodeId
    step: str
    label: str | None
    key: str
    context: tuple[str, ...]
    value: ExampleValue
    text: str
    line: int
    column: int


@dataclass(frozen=True)
class Record:
    """A JSON object or an XML element: named children."""

    id: NodeId
    step: str
    label: str | None
    key: str
    children: tuple[Shape, ...]
    line: int
    column: int


@dataclass(frozen=True)
class Repeat:
    """A JSON array, or a run of same-named sibling XML elements.

    ``single_loops`` says whether a one-element repeat may still become a loop: always for a JSON
    array; in XML for an element with attributes or child elements, or for the only child of an
    element whose name says it holds a list (``<Skus><Sku>..</Sku></Skus>``); other one-element
    XML elements are plain fields.
    """

    id: NodeId
    step: str
    label: str | None
    key: str
    elements: tuple[Shape, ...]
    line: int
    column: int
    single_loops: bool = True


Shape = Leaf | Record | Repeat


@dataclass(frozen=True)
class Example:
    """A parsed example: the text as given, its format, its shape and its format's own tree."""

    format: OutputFormat
    text: str
    shape: Shape
    tree: JsonDocument | XmlDocument


def parse_example(text: str, fmt: OutputFormat) -> Example:
    """Parse the receiver's example as ``fmt`` (JSON or XML).

    Raises:
        ExampleError: the text is not valid for its format, or ``fmt`` is neither JSON nor XML.
    """
    if fmt is OutputFormat.JSON:
        from postback_studio.core.scaffold.json_example import parse_json_example

        return parse_json_example(text)
    if fmt is OutputFormat.XML:
        from postback_studio.core.scaffold.xml_example import parse_xml_example

        return parse_xml_example(text)
    raise ExampleError(f"an example must be JSON or XML, not {fmt.value}")


def child(shape: Shape, step: str) -> Shape | None:
    """The child of a record reached by ``step`` (the first one, if the example repeats a key)."""
    if isinstance(shape, Record):
        for item in shape.children:
            if item.step == step:
                return item
    return None


def own_leaves(shape: Shape, lists: frozenset[tuple[str, ...]] = frozenset()) -> list[Leaf]:
    """The leaves of a shape that are not inside a list of its own.

    These are what an element of a loop shows directly; lists inside it are loops of their own. An
    XML element that may not loop alone (a plain field among others) is looked through, unless its
    place, given as steps from ``shape``, is in ``lists``: the same place repeats elsewhere.
    """
    return list(_own_leaves(shape, lists, ()))


def _own_leaves(shape: Shape, lists: frozenset[tuple[str, ...]], steps: tuple[str, ...]) -> Iterator[Leaf]:
    if isinstance(shape, Leaf):
        yield shape
    elif isinstance(shape, Record):
        for item in shape.children:
            yield from _own_leaves(item, lists, (*steps, item.step))
    elif len(shape.elements) == 1 and not shape.single_loops and steps not in lists:
        yield from _own_leaves(shape.elements[0], lists, steps)


def list_places(elements: Iterable[Shape]) -> frozenset[tuple[str, ...]]:
    """Places (steps from an element) where some element has a repeat of two or more elements."""
    found: set[tuple[str, ...]] = set()

    def walk(shape: Shape, steps: tuple[str, ...]) -> None:
        if isinstance(shape, Record):
            for item in shape.children:
                walk(item, (*steps, item.step))
        elif isinstance(shape, Repeat):
            if len(shape.elements) > 1:
                found.add(steps)
            elif shape.elements:
                walk(shape.elements[0], steps)

    for element in elements:
        walk(element, ())
    return frozenset(found)
