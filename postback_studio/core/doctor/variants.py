"""Variants of a payload, one change at a time: the data that breaks templates in production.

Most broken postbacks are data-dependent: a customer name with a quote, an address line with a
newline, an item with no fulfillment yet, a price that is null. From a base payload this derives
every such change in turn: each string leaf set to each of a few hostile values, each array resized
to 0, 1 and 3 elements (nested arrays too; new elements are copies of the first, with their ids made
distinct), and each scalar set to null. Only values the template reads can change its output, so
the caller passes the template's read paths and the rest of the payload is left alone; in a long
array, the values of the first three elements and the last are varied.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from postback_studio.core.render.fields import Segment, format_path

#: The strings every string leaf is set to in turn, with what each one is.
HOSTILE_STRINGS: tuple[tuple[str, str], ...] = (
    ('a"b', "a double quote"),
    ("a'b", "a single quote"),
    ("a\\", "a backslash"),
    ("a\nb", "a newline"),
    ("a\tb", "a tab"),
    ("a<b", "a less-than sign"),
    ("a&b", "an ampersand"),
    ("a>b", "a greater-than sign"),
    ("a\U0001f600b", "a character outside the Basic Multilingual Plane"),
    ("", "the empty string"),
    ("x" * 2000, "a 2,000-character string"),
)
#: The lengths every array is resized to.
ARRAY_SIZES = (0, 1, 3)
#: Elements of an array whose values are varied: the first three and the last. The others go through
#: the same template code (only ``loop.index`` tests could tell them apart), and a 200-item order
#: would otherwise give tens of thousands of variants.
VARIED_ELEMENTS = 3
#: Keys whose string values identify something: copies of an element get distinct values there.
_IDENTIFIER_KEY = re.compile(r"(?:^id$|^code$|Id$|ID$|_id$|Code$|_code$|Number$)")
_SHOWN_CHARACTERS = 24

#: A concrete path into a payload: mapping keys and list indexes.
Path = tuple[str | int, ...]


class ChangeKind(StrEnum):
    """What a change does to the value at its path."""

    STRING = "string"
    RESIZE = "resize"
    NULL = "null"


@dataclass(frozen=True)
class Change:
    """One change to a base payload: the value at ``path`` replaced.

    ``value`` is the new string (``STRING``), the new length (``RESIZE``) or None (``NULL``).
    """

    path: Path
    kind: ChangeKind
    value: Any = None

    @property
    def path_text(self) -> str:
        """The path as the editor and the payload tree write it: ``items[0].fulfillments``."""
        return format_path(self.path) or "(the payload)"

    def describe(self) -> str:
        """``items[0].fulfillments → []``, ``note → 'a"b'``, ``price → null``."""
        return f"{self.path_text} → {self.value_text()}"

    def value_text(self) -> str:
        """The new value as the report shows it."""
        if self.kind is ChangeKind.NULL:
            return "null"
        if self.kind is ChangeKind.RESIZE:
            count = int(self.value)
            return "[]" if count == 0 else f"[{count} element{'s' if count > 1 else ''}]"
        return show_string(str(self.value))

    def apply(self, payload: Any) -> Any:
        """A copy of ``payload`` with this change made (the containers on the path are copied)."""
        if not self.path:
            return self._new_value(payload)
        root = _shallow(payload)
        container = root
        for segment in self.path[:-1]:
            child = _shallow(container[segment])
            container[segment] = child
            container = child
        last = self.path[-1]
        container[last] = self._new_value(container[last])
        return root

    def _new_value(self, old: Any) -> Any:
        if self.kind is ChangeKind.NULL:
            return None
        if self.kind is ChangeKind.STRING:
            return self.value
        count = int(self.value)
        if count <= len(old):
            return list(old[:count])
        return [*old, *(distinct_copy(old[0], number) for number in range(len(old) + 1, count + 1))]


@dataclass(frozen=True)
class Variant:
    """A base payload by name and one change to it (None: the payload as it is)."""

    sample: str
    change: Change | None = None

    def describe(self) -> str:
        """``shipped: items[0].fulfillments → []``, or ``shipped (the sample as it is)``."""
        if self.change is None:
            return f"{self.sample} (the sample as it is)"
        return f"{self.sample}: {self.change.describe()}"

    def payload(self, base: Any) -> Any:
        """The variant's payload, made from its base payload."""
        return base if self.change is None else self.change.apply(base)


def show_string(value: str) -> str:
    """A string as the report shows it: quoted and escaped like Python, long ones cut short."""
    if len(value) > _SHOWN_CHARACTERS * 2:
        return f"{value[:_SHOWN_CHARACTERS]!r}… ({len(value):,} characters)"
    return repr(value)


def distinct_copy(element: Any, number: int) -> Any:
    """A deep copy of an array element whose identifier strings end in ``-<number>``.

    Copies that repeat their first element's ids would give a template keyed by id duplicate keys
    that real data never has; other strings (statuses, carriers) stay as they are.
    """
    duplicate = copy.deepcopy(element)

    def mark(value: Any) -> None:
        if isinstance(value, dict):
            for key, child in value.items():
                if isinstance(child, str) and _IDENTIFIER_KEY.search(key):
                    value[key] = f"{child}-{number}"
                else:
                    mark(child)
        elif isinstance(value, list):
            for child in value:
                mark(child)

    mark(duplicate)
    return duplicate


def _shallow(value: Any) -> Any:
    if isinstance(value, dict):
        return dict(value)
    if isinstance(value, list):
        return list(value)
    return value


def related(path: Sequence[str | int], read: Sequence[Segment]) -> bool:
    """True when a template read of ``read`` can see the value at ``path``.

    That is when one is a prefix of the other: reading ``items`` sees every item, and changing
    ``items`` changes what ``items[].sku`` reads. ``[]`` in a read matches any index.
    """
    for concrete, segment in zip(path, read, strict=False):
        if segment is None:
            if not isinstance(concrete, int):
                return False
        elif segment != concrete or isinstance(segment, bool) or type(segment) is not type(concrete):
            return False
    return True


def derive_changes(payload: Any, reads: Callable[[Path], bool] | None = None) -> list[Change]:
    """Every single change of the payload, in payload order (deterministic).

    ``reads(path)`` says whether the template can see the value at a path; values it cannot see are
    not changed. Without it every value is.
    """
    return list(_changes(payload, (), reads or (lambda _path: True)))


def _changes(value: Any, path: Path, reads: Callable[[Path], bool]) -> Iterator[Change]:
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _changes(child, (*path, key), reads)
        return
    if not reads(path):
        return
    if isinstance(value, list):
        for size in ARRAY_SIZES:
            if size != len(value) and (size < len(value) or value):
                yield Change(path, ChangeKind.RESIZE, size)
        for index, child in enumerate(value):
            if index < VARIED_ELEMENTS or index == len(value) - 1:
                yield from _changes(child, (*path, index), reads)
        return
    if isinstance(value, str):
        for hostile, _ in HOSTILE_STRINGS:
            if hostile != value:
                yield Change(path, ChangeKind.STRING, hostile)
    if value is not None:
        yield Change(path, ChangeKind.NULL)


def values_at(payload: Any, segments: Sequence[Segment]) -> list[Any]:
    """Every value a template path reaches in a payload (``[]`` fans out over a list's elements)."""
    current = [payload]
    for segment in segments:
        following: list[Any] = []
        for item in current:
            if segment is None:
                if isinstance(item, list):
                    following.extend(item)
            elif isinstance(segment, int):
                if isinstance(item, list) and -len(item) <= segment < len(item):
                    following.append(item[segment])
            elif isinstance(item, dict) and segment in item:
                following.append(item[segment])
        current = following
    return current


def first_concrete_path(payload: Any, segments: Sequence[Segment]) -> Path | None:
    """The first place in the payload a template path reaches, with ``[]`` made a real index."""

    def walk(value: Any, rest: Sequence[Segment], path: Path) -> Path | None:
        if not rest:
            return path
        segment, tail = rest[0], rest[1:]
        if segment is None:
            if isinstance(value, list):
                for index, child in enumerate(value):
                    found = walk(child, tail, (*path, index))
                    if found is not None:
                        return found
            return None
        if isinstance(segment, int):
            if isinstance(value, list) and 0 <= segment < len(value):
                return walk(value[segment], tail, (*path, segment))
            return None
        if isinstance(value, dict) and segment in value:
            return walk(value[segment], tail, (*path, segment))
        return None

    return walk(payload, segments, ())
