"""The values a scaffold is made of: payload paths, how a value matched, and the mapping table.

The mapping is the contract between the matcher and whoever shows or corrects it (the command line
prints it, the GUI puts it in a table): one :class:`LeafRow` per value of the example and one
:class:`LoopRow` per array of the example, each with the alternatives the user may pick instead.
Everything is frozen; correcting a row returns a new :class:`Mapping`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import TypeVar

#: A payload path segment: a key, a list index, or None for "the element the enclosing loop is on".
Segment = str | int | None

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def is_identifier(key: str) -> bool:
    """True when ``key`` can follow a dot in a Jinja expression (``order.referenceId``)."""
    return bool(_IDENTIFIER.match(key))


@dataclass(frozen=True, order=True)
class PayloadPath:
    """Where a value lives in the payload: ``items[].fulfillments[].trackingCode`` or ``items[0].sku``.

    A None segment is "every element" of that array: the path is read inside a loop over it.
    """

    segments: tuple[Segment, ...]

    def __str__(self) -> str:
        text = ""
        for segment in self.segments:
            if segment is None:
                text += "[]"
            elif isinstance(segment, int):
                text += f"[{segment}]"
            elif is_identifier(segment):
                text += f".{segment}" if text else segment
            else:
                text += f"[{json.dumps(segment, ensure_ascii=False)}]"
        return text

    @property
    def indexed(self) -> bool:
        """True when the path picks one element by its position (``items[0]``)."""
        return any(isinstance(s, int) for s in self.segments)

    @property
    def last_key(self) -> str:
        """The key the value sits under (for a list element, the list's key)."""
        for segment in reversed(self.segments):
            if isinstance(segment, str):
                return segment
        return ""

    @property
    def parent_keys(self) -> tuple[str, ...]:
        """The keys above the last one, outermost first."""
        keys = [s for s in self.segments if isinstance(s, str)]
        return tuple(keys[:-1])


class MatchKind(StrEnum):
    """How an example value was found in the payload; the order is the order of preference.

    ``BY_HAND`` is never the matcher's: the user took the value from a path that does not hold it.
    """

    EXACT = "exact"
    STRING_FORM = "string form"
    CASE_INSENSITIVE = "case-insensitive"
    CONSTANT = "constant"
    UNMATCHED = "unmatched"
    #: A path the user picked for a value the payload does not hold there (see :mod:`.corrections`).
    BY_HAND = "chosen by hand"

    @property
    def rank(self) -> int:
        """Lower is better: exact, then string form, then case-insensitive."""
        return list(MatchKind).index(self)


class Transform(StrEnum):
    """What the template does to the payload value so it reads as the example's value.

    ``FIXED`` carries its number of decimals in :attr:`Candidate.decimals`.
    """

    NONE = "as is"
    STRING = "as text"
    LOWER_STRING = "as lower-case text"
    FIXED = "as text with fixed decimals"
    UPPER = "upper-cased"
    LOWER = "lower-cased"
    TITLE = "title-cased"
    CAPITALIZE = "capitalized"
    INT = "text as a whole number"
    FLOAT = "text as a number"
    BOOL_FROM_TEXT = "text as true/false"


@dataclass(frozen=True)
class Candidate:
    """One payload path that can supply an example value, and how well it fits.

    Attributes:
        path: the payload path, with None for elements of the loops around the value.
        kind: exact, string form or case-insensitive.
        transform: how the template converts the payload value.
        decimals: digits after the point for :attr:`Transform.FIXED`.
        similarity: how alike the example's key and the payload key are (0..1).
        support: in a loop, how many of the example's elements this path explains.
        usable: False for a path the position cannot use (an index inside a loop).
    """

    path: PayloadPath
    kind: MatchKind
    transform: Transform = Transform.NONE
    decimals: int = 0
    similarity: float = 0.0
    support: int = 1
    usable: bool = True

    def how(self) -> str:
        """``exact``, ``string form, as text``: how the value was found and converted."""
        how = self.kind.value
        if self.transform is Transform.FIXED:
            how += f", as text with {self.decimals} decimals"
        elif self.transform is not Transform.NONE:
            how += f", {self.transform.value}"
        if not self.usable:
            how += ", through an index inside a loop"
        return how

    def describe(self) -> str:
        """``items[].sku (exact)``, ``items[].quantity (string form, as text)``."""
        return f"{self.path} ({self.how()})"


@dataclass(frozen=True)
class LeafRow:
    """One value of the example and where the template takes it from.

    Attributes:
        node: the example node this row is about (see :mod:`.example`).
        example_path: the example path as shown (``parcels[].tracking``, ``order/line[]/@sku``).
        value: the example's value as written (``"3"``, ``true``).
        line, column: where the value is in the example text (1-based).
        source: the chosen payload path, or None when the value stays a literal.
        kind: how it matched; CONSTANT or UNMATCHED when ``source`` is None.
        alternatives: the other candidates, best first.
        notes: why a choice is uncertain (a tie, a weak match); empty when it is not.
    """

    node: tuple[int | str, ...]
    example_path: str
    value: str
    line: int
    column: int
    source: Candidate | None
    kind: MatchKind
    alternatives: tuple[Candidate, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def uncertain(self) -> bool:
        """True when the row should be looked at before the template is used."""
        return bool(self.notes)


@dataclass(frozen=True)
class LoopRow:
    """One array of the example (a JSON array, a run of same-named XML elements) and its loop.

    Attributes:
        node: the example node of the array.
        example_path: the array's example path as shown.
        line, column: where the array starts in the example text.
        source: the payload array pattern it loops over (``items[].fulfillments[]``), or None when the
            elements are kept one by one (no payload array holds their values).
        variables: the loop variable of each level (``item``, ``fulfillment``).
        body: the element the loop body is made from.
        elements: how many elements the example has.
        iterations: how many the loop gives on the payload the scaffold came from.
        alternatives: other payload arrays that explain the elements, best first.
        notes: why the loop is uncertain.
        flag: for a JSON loop over nested arrays, the namespace that knows whether an element was
            written yet (commas go between elements across all levels).
    """

    node: tuple[int | str, ...]
    example_path: str
    line: int
    column: int
    source: PayloadPath | None
    variables: tuple[str, ...] = ()
    body: tuple[int | str, ...] = ()
    elements: int = 0
    iterations: int = 0
    alternatives: tuple[PayloadPath, ...] = ()
    notes: tuple[str, ...] = ()
    flag: str = ""

    @property
    def uncertain(self) -> bool:
        """True when the loop should be looked at before the template is used."""
        return bool(self.notes)


_Row = TypeVar("_Row", LeafRow, LoopRow)


@dataclass(frozen=True)
class Mapping:
    """The whole mapping: rows and loops in the example's order."""

    rows: tuple[LeafRow, ...]
    loops: tuple[LoopRow, ...] = ()

    def row(self, example_path: str) -> LeafRow:
        """The row of an example path.

        Raises:
            KeyError: no value of the example has that path.
        """
        return _at(self.rows, example_path)

    def loop(self, example_path: str) -> LoopRow:
        """The loop of an example array's path.

        Raises:
            KeyError: no array of the example has that path.
        """
        return _at(self.loops, example_path)

    def choose(self, example_path: str, candidate: Candidate | None) -> Mapping:
        """The mapping with one row corrected: ``candidate`` (one of its alternatives), or None for a literal.

        Raises:
            KeyError: no value of the example has that path.
            ValueError: ``candidate`` is not one the row offers (its paths are only valid in its loops).
        """
        old = self.row(example_path)
        offered = ((old.source,) if old.source else ()) + old.alternatives
        if candidate is not None and candidate not in offered:
            raise ValueError(f"{candidate.path} is not an alternative for {example_path}")
        others = tuple(c for c in offered if c != candidate)
        kind = candidate.kind if candidate is not None else MatchKind.CONSTANT
        new = replace(old, source=candidate, kind=kind, alternatives=others, notes=())
        return replace(self, rows=tuple(new if r is old else r for r in self.rows))

    @property
    def constants(self) -> tuple[LeafRow, ...]:
        """Rows whose value stays a literal in the template."""
        return tuple(r for r in self.rows if r.source is None)

    @property
    def uncertain(self) -> tuple[LeafRow | LoopRow, ...]:
        """Rows and loops with a note, in the example's order."""
        items: list[LeafRow | LoopRow] = [*self.loops, *self.rows]
        return tuple(sorted((i for i in items if i.uncertain), key=lambda i: (i.line, i.column)))


def _at(items: tuple[_Row, ...], example_path: str) -> _Row:
    """The item at ``example_path``, else KeyError."""
    for item in items:
        if item.example_path == example_path:
            return item
    raise KeyError(example_path)
