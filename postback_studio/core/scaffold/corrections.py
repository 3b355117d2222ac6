"""The user's corrections to a scaffold, kept apart from the mapping so they survive a new scaffold.

In the GUI's mapping table the user may pick another candidate for a value, keep a value as the
example writes it, take a value from any payload path its position can read (a constant the matcher
could not place, say), and loop an array over another payload array. A picked value only needs the
template written again; another loop needs a new scaffold, because every value inside the loop is
matched anew against the new loop's elements. After that scaffold the user's picks are applied again
where they still make sense: the example still has the value, and its position can still read the
chosen path. What no longer applies is returned as :class:`Dropped`, never applied half right.

Everything here is plain data and pure functions, so the GUI's background job and the tests call
the same code.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

from postback_studio.core.model import OutputFormat
from postback_studio.core.scaffold.build import LoopChoices
from postback_studio.core.scaffold.expressions import Scope, expressible
from postback_studio.core.scaffold.json_generate import loop_headers
from postback_studio.core.scaffold.model import (
    Candidate,
    LeafRow,
    LoopRow,
    Mapping,
    MatchKind,
    PayloadPath,
    Segment,
    Transform,
)

#: The corrections of the values: each example path and the candidate picked (None: as written).
RowChoices = tuple[tuple[str, Candidate | None], ...]
#: The corrections of the loops: each array's example path and its payload array (None: as written).
LoopOverrides = tuple[tuple[str, PayloadPath | None], ...]


@dataclass(frozen=True)
class Corrections:
    """What the user changed in a scaffold's mapping, in the order they changed it."""

    loops: LoopOverrides = ()
    rows: RowChoices = ()

    def with_row(self, example_path: str, candidate: Candidate | None) -> Corrections:
        """These corrections with the value at ``example_path`` from ``candidate`` (None: as written)."""
        rows = tuple((path, c) for path, c in self.rows if path != example_path)
        return replace(self, rows=(*rows, (example_path, candidate)))

    def with_loop(self, example_path: str, source: PayloadPath | None) -> Corrections:
        """These corrections with the array at ``example_path`` looping over ``source`` (None: as written)."""
        loops = tuple((path, s) for path, s in self.loops if path != example_path)
        return replace(self, loops=(*loops, (example_path, source)))

    def loop_choices(self) -> LoopChoices:
        """The loop corrections as :func:`~postback_studio.core.scaffold.scaffold` takes them."""
        return dict(self.loops)


@dataclass(frozen=True)
class Dropped:
    """A correction that no longer applies after another one (a loop changed under a value)."""

    example_path: str
    choice: str
    reason: str

    def describe(self) -> str:
        """``parcels[].sku: items[].sku no longer applies: ...``."""
        return f"{self.example_path}: {self.choice} no longer applies: {self.reason}"


@dataclass(frozen=True)
class Corrected:
    """A mapping with the corrections that still apply, and those that do not."""

    mapping: Mapping
    applied: Corrections
    dropped: tuple[Dropped, ...] = ()


def loop_source_options(loop: LoopRow) -> tuple[PayloadPath | None, ...]:
    """What a loop row offers: its payload array, the other arrays that fit, and "as written" (None)."""
    offered = ((loop.source,) if loop.source is not None else ()) + loop.alternatives
    return (*offered, None)


def row_scope(mapping: Mapping, row: LeafRow) -> Scope:
    """The loop variables open where ``row``'s value stands, outermost first."""
    scope: list[tuple[tuple[Segment, ...], str]] = []
    enclosing = [
        loop
        for loop in mapping.loops
        if loop.source is not None and loop.body and row.node[: len(loop.body)] == loop.body
    ]
    for loop in sorted(enclosing, key=lambda lp: len(lp.body)):
        assert loop.source is not None
        _, scope = loop_headers(loop.source.segments, loop.variables, scope)
    return scope


def path_options(
    mapping: Mapping, payload: Any, example_path: str, fmt: OutputFormat
) -> tuple[Candidate, ...]:
    """Every payload path the value's position can read that the row does not already offer.

    These are the paths a user may take a value from by hand: scalars of the payload (as patterns,
    ``items[].sku``, in the payload's order) that the loops around the value can reach. A path
    through an index (``items[0].sku``) is not offered: outside a loop it would read one element
    whatever the order holds, and the matcher already offers it where the value is there.

    Raises:
        KeyError: the example has no value at ``example_path``.
    """
    row = mapping.row(example_path)
    scope = row_scope(mapping, row)
    offered = {c.path for c in _offered(row)}
    options = []
    for pattern, value in _scalar_patterns(payload):
        path = PayloadPath(pattern)
        if path not in offered and expressible(path, scope):
            options.append(Candidate(path, MatchKind.BY_HAND, _hand_transform(row, value, fmt), usable=True))
    return tuple(options)


def payload_values(payload: Any, limit: int = 40) -> dict[PayloadPath, str]:
    """The first value at each scalar place of the payload as JSON (shortened), to show beside a path."""
    shown = {}
    for pattern, value in _scalar_patterns(payload):
        text = json.dumps(value, ensure_ascii=False)
        shown[PayloadPath(pattern)] = text if len(text) <= limit else text[: limit - 1] + "…"
    return shown


def choose(mapping: Mapping, example_path: str, candidate: Candidate | None) -> Mapping:
    """``mapping`` with one value corrected: an offered candidate, a path by hand, or None (as written).

    Raises:
        KeyError: the example has no value at ``example_path``.
        ValueError: ``candidate`` is neither offered by the row nor chosen by hand.
    """
    if candidate is not None and candidate.kind is MatchKind.BY_HAND:
        row = mapping.row(example_path)
        if candidate not in _offered(row):
            widened = replace(row, alternatives=(*row.alternatives, candidate))
            mapping = replace(mapping, rows=tuple(widened if r is row else r for r in mapping.rows))
    return mapping.choose(example_path, candidate)


def reapply(mapping: Mapping, payload: Any, choices: RowChoices, fmt: OutputFormat) -> Corrected:
    """Apply the user's value choices to a fresh mapping, dropping those that no longer fit.

    A choice applies when the example still has the value and its position can read the chosen
    path: the same candidate (path and conversion) when the row offers it, else the same path by
    hand. "As written" always applies while the value exists.
    """
    applied: list[tuple[str, Candidate | None]] = []
    dropped: list[Dropped] = []
    for example_path, candidate in choices:
        try:
            row = mapping.row(example_path)
        except KeyError:
            shown = "as written" if candidate is None else str(candidate.path)
            dropped.append(Dropped(example_path, shown, "the example has no value there any more"))
            continue
        if candidate is None:
            mapping = mapping.choose(example_path, None)
            applied.append((example_path, None))
            continue
        match = _same_candidate(row, candidate) or _same_path(
            path_options(mapping, payload, example_path, fmt), candidate
        )
        if match is None:
            reason = "the loops around the value cannot read it"
            dropped.append(Dropped(example_path, str(candidate.path), reason))
            continue
        mapping = choose(mapping, example_path, match)
        applied.append((example_path, match))
    return Corrected(mapping, Corrections(rows=tuple(applied)), tuple(dropped))


def _offered(row: LeafRow) -> tuple[Candidate, ...]:
    return ((row.source,) if row.source is not None else ()) + row.alternatives


def _same_candidate(row: LeafRow, wanted: Candidate) -> Candidate | None:
    for candidate in _offered(row):
        if (candidate.path, candidate.transform, candidate.decimals) == (
            wanted.path,
            wanted.transform,
            wanted.decimals,
        ):
            return candidate
    if wanted.kind is MatchKind.BY_HAND:
        return next((c for c in _offered(row) if c.path == wanted.path), None)
    return None


def _same_path(options: tuple[Candidate, ...], wanted: Candidate) -> Candidate | None:
    return next((c for c in options if c.path == wanted.path), None)


def _scalar_patterns(payload: Any) -> list[tuple[tuple[Segment, ...], Any]]:
    """Each scalar place of the payload as a pattern, first seen first, with its first value."""
    found: dict[tuple[Segment, ...], Any] = {}
    for pattern, value in _walk(payload, ()):
        found.setdefault(pattern, value)
    return list(found.items())


def _walk(value: Any, pattern: tuple[Segment, ...]) -> Iterator[tuple[tuple[Segment, ...], Any]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _walk(item, (*pattern, str(key)))
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item, (*pattern, None))
    elif pattern:
        yield pattern, value


def _hand_transform(row: LeafRow, value: Any, fmt: OutputFormat) -> Transform:
    """Write a number or boolean as text where the JSON example has text there, so the type holds."""
    example_is_text = row.value.startswith('"')
    if fmt is not OutputFormat.JSON or not example_is_text or isinstance(value, str) or value is None:
        return Transform.NONE
    return Transform.LOWER_STRING if isinstance(value, bool) else Transform.STRING
