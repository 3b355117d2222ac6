"""Every value of the payload, indexed by what it reads as, and the payload's arrays.

Finding where an example value comes from is a dictionary look-up per form: the value itself, its
string form (``3`` read as ``"3"``, ``true`` as ``"true"``, ``24.9`` as ``"24.90"``) and its
case-folded text. Paths are concrete (``items[1].sku``); :mod:`.matching` turns them into paths a
template can use inside its loops.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from jinja2.filters import do_title

from postback_studio.core.scaffold.example import ExampleValue
from postback_studio.core.scaffold.model import MatchKind, Segment, Transform

#: A path to one value of the payload: keys and list indices.
Concrete = tuple[str | int, ...]

_NUMBER_TEXT = re.compile(r"-?\d+(?:\.(\d+))?\Z")


@dataclass(frozen=True)
class Found:
    """A payload value that reads as the example's value, and how."""

    path: Concrete
    kind: MatchKind
    transform: Transform = Transform.NONE
    decimals: int = 0


class PayloadIndex:
    """The payload's scalar values by form, its arrays, and access by path."""

    def __init__(self, payload: Any) -> None:
        self.payload = payload
        self._strings: dict[str, list[Concrete]] = defaultdict(list)
        self._folded: dict[str, list[Concrete]] = defaultdict(list)
        self._numbers: dict[Decimal, list[Concrete]] = defaultdict(list)
        self._number_texts: dict[Decimal, list[Concrete]] = defaultdict(list)
        self._bools: dict[bool, list[Concrete]] = defaultdict(list)
        self._bool_texts: dict[bool, list[Concrete]] = defaultdict(list)
        self._nulls: list[Concrete] = []
        self._patterns: set[tuple[Segment, ...]] = set()
        self._found: dict[tuple[str, ExampleValue], list[Found]] = {}
        self._walk(payload, ())

    def _walk(self, value: Any, path: Concrete) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                self._walk(item, (*path, str(key)))
        elif isinstance(value, list):
            if value:
                self._patterns.add((*_general(path), None))
            for position, item in enumerate(value):
                self._walk(item, (*path, position))
        elif isinstance(value, str):
            self._strings[value].append(path)
            self._folded[value.casefold()].append(path)
            folded = value.strip().casefold()
            if folded in ("true", "false"):
                self._bool_texts[folded == "true"].append(path)
            number = _number(value.strip())
            if number is not None:
                self._number_texts[number].append(path)
        elif isinstance(value, bool):
            self._bools[value].append(path)
        elif isinstance(value, int | float):
            if not (isinstance(value, float) and not math.isfinite(value)):
                self._numbers[Decimal(repr(value))].append(path)
        elif value is None:
            self._nulls.append(path)

    def find(self, value: ExampleValue) -> list[Found]:
        """Every payload value that reads as ``value``: exact matches, then string forms, then by case."""
        key = (type(value).__name__, value)
        if key not in self._found:
            self._found[key] = self._find(value)
        return self._found[key]

    def _find(self, value: ExampleValue) -> list[Found]:
        if isinstance(value, bool):
            return [Found(p, MatchKind.EXACT) for p in self._bools.get(value, [])] + [
                Found(p, MatchKind.STRING_FORM, Transform.BOOL_FROM_TEXT)
                for p in self._bool_texts.get(value, [])
            ]
        if value is None:
            return [Found(p, MatchKind.EXACT) for p in self._nulls]
        if isinstance(value, int | Decimal):
            transform = Transform.INT if isinstance(value, int) else Transform.FLOAT
            return [Found(p, MatchKind.EXACT) for p in self._numbers.get(Decimal(value), [])] + [
                Found(p, MatchKind.STRING_FORM, transform) for p in self._number_texts.get(Decimal(value), [])
            ]
        return self._find_text(value)

    def _find_text(self, text: str) -> list[Found]:
        found = [Found(p, MatchKind.EXACT) for p in self._strings.get(text, [])]
        number = _number(text)
        if number is not None:
            decimals = len(text.partition(".")[2])
            for path in self._numbers.get(number, []):
                payload_value = self.value_at(path)
                if str(payload_value) == text:
                    found.append(Found(path, MatchKind.STRING_FORM, Transform.STRING))
                elif decimals and f"{payload_value:.{decimals}f}" == text:
                    found.append(Found(path, MatchKind.STRING_FORM, Transform.FIXED, decimals))
        if text in ("True", "False"):
            found += [
                Found(p, MatchKind.STRING_FORM, Transform.STRING) for p in self._bools.get(text == "True", [])
            ]
        elif text in ("true", "false"):
            found += [
                Found(p, MatchKind.STRING_FORM, Transform.LOWER_STRING)
                for p in self._bools.get(text == "true", [])
            ]
        for path in self._folded.get(text.casefold(), []):
            payload_text = self.value_at(path)
            if payload_text != text:
                found.append(Found(path, MatchKind.CASE_INSENSITIVE, _case_transform(payload_text, text)))
        return found

    def value_at(self, path: Concrete) -> Any:
        """The payload value at a concrete path (None when the path does not exist)."""
        value = self.payload
        for segment in path:
            if isinstance(segment, int):
                if not isinstance(value, list) or segment >= len(value):
                    return None
                value = value[segment]
            else:
                if not isinstance(value, dict) or segment not in value:
                    return None
                value = value[segment]
        return value

    def array_patterns(self) -> list[tuple[Segment, ...]]:
        """Every non-empty array of the payload as a pattern (``items[].fulfillments[]``), shallow first."""
        return sorted(self._patterns, key=lambda p: (len(p), str(p)))

    def entries(self, pattern: tuple[Segment, ...], prefix: Concrete) -> list[Concrete]:
        """The elements a loop over ``pattern`` visits, in loop order, below the concrete ``prefix``.

        ``prefix`` fixes the pattern's first segments (the elements the enclosing loops are on).
        """
        partials: list[Concrete] = [prefix]
        for segment in pattern[len(prefix) :]:
            following: list[Concrete] = []
            for partial in partials:
                container = self.value_at(partial)
                if segment is None:
                    if isinstance(container, list):
                        following.extend((*partial, i) for i in range(len(container)))
                elif isinstance(container, dict) and segment in container:
                    following.append((*partial, segment))
            partials = following
        return partials


def _general(path: Concrete) -> tuple[Segment, ...]:
    return tuple(None if isinstance(s, int) else s for s in path)


def _number(text: str) -> Decimal | None:
    if not _NUMBER_TEXT.match(text):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def _case_transform(payload_text: str, example_text: str) -> Transform:
    """The Jinja filter that turns the payload's text into the example's, if one does."""
    for transform, changed in (
        (Transform.UPPER, payload_text.upper()),
        (Transform.LOWER, payload_text.lower()),
        (Transform.TITLE, do_title(payload_text)),
        (Transform.CAPITALIZE, payload_text.capitalize()),
    ):
        if changed == example_text:
            return transform
    return Transform.NONE
