"""Choosing the payload path of one example value, inside whatever loops surround it.

The value is looked up in the payload index; each place it is found becomes a path the template can
write where the value stands (``fulfillment.trackingCode`` inside the loops, ``items[0].sku`` only
outside any). Candidates are ranked: in a loop, by how many of the example's elements they explain;
then exact before string form before case-insensitive; a path without an index before one with; then
by how alike the keys are (:mod:`.names`); then the shallower path. A value that says little by
itself (``2``, ``true``, ``"US"``) is only taken from a payload key that looks like the example's;
otherwise it stays a literal, with the places it was found offered as alternatives.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from postback_studio.core.scaffold.example import ExampleValue, Leaf
from postback_studio.core.scaffold.model import Candidate, MatchKind, PayloadPath, Segment, Transform
from postback_studio.core.scaffold.names import context_similarity, similarity
from postback_studio.core.scaffold.values import Concrete, PayloadIndex
from postback_studio.core.wording import counted

#: Below this key similarity a value that says little by itself is not taken from the payload.
NAME_EVIDENCE = 0.5
#: How many alternatives a row offers.
MAX_ALTERNATIVES = 12


@dataclass(frozen=True)
class Binding:
    """A loop variable: the array pattern it walks and the element it is on for one example element."""

    pattern: tuple[Segment, ...]
    concrete: Concrete
    variable: str


@dataclass(frozen=True)
class Scope:
    """The loops around an example position, outermost first."""

    bindings: tuple[Binding, ...] = ()

    @property
    def in_loop(self) -> bool:
        """True inside at least one loop."""
        return bool(self.bindings)

    def extended(self, bindings: Sequence[Binding]) -> Scope:
        """This scope with more loops inside it."""
        return Scope((*self.bindings, *bindings))

    def innermost_prefix(self, pattern: tuple[Segment, ...]) -> Binding | None:
        """The deepest loop whose array pattern starts ``pattern``."""
        best: Binding | None = None
        for binding in self.bindings:
            size = len(binding.pattern)
            if pattern[:size] == binding.pattern and (best is None or size > len(best.pattern)):
                best = binding
        return best

    def express(self, path: Concrete) -> tuple[PayloadPath, bool]:
        """The template's path to a concrete payload value here, and whether this position may use it.

        Inside the loop element an example element stands for, a value of that element is reached
        through the loop variable; a value reached through an index is usable only outside loops.
        """
        best: Binding | None = None
        for binding in self.bindings:
            size = len(binding.concrete)
            if path[:size] == binding.concrete and (best is None or size > len(best.concrete)):
                best = binding
        if best is None:
            general: tuple[Segment, ...] = path
            rest: Concrete = path
        else:
            general = (*best.pattern, *path[len(best.concrete) :])
            rest = path[len(best.concrete) :]
        indexed = any(isinstance(s, int) for s in rest)
        return PayloadPath(general), not (indexed and self.in_loop)


@dataclass
class _Tally:
    kind: MatchKind
    transform: Transform
    decimals: int
    usable: bool
    elements: set[int] = field(default_factory=set)
    values: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class LeafChoice:
    """The outcome for one example value: the chosen candidate (or None), how, alternatives, notes."""

    source: Candidate | None
    kind: MatchKind
    alternatives: tuple[Candidate, ...]
    notes: tuple[str, ...]


def choose_leaf(
    instances: Sequence[tuple[Leaf, Scope]], index: PayloadIndex, nameable: Callable[[PayloadPath], bool]
) -> LeafChoice:
    """Rank the payload paths for one value; ``instances`` are the same field in each loop element.

    ``nameable`` says whether the template can write a path at all (a top-level key that is not a
    name cannot be); other paths are not offered.
    """
    representative = instances[0][0]
    tallies: dict[tuple[PayloadPath, Transform, int], _Tally] = {}
    for position, (leaf, scope) in enumerate(instances):
        for found in index.find(leaf.value):
            path, usable = scope.express(found.path)
            if not nameable(path):
                continue
            key = (path, found.transform, found.decimals)
            tally = tallies.setdefault(key, _Tally(found.kind, found.transform, found.decimals, usable))
            if found.kind.rank < tally.kind.rank:
                tally.kind = found.kind
            tally.usable = tally.usable and usable
            tally.elements.add(position)
            tally.values.add(_value_key(leaf.value))
    ranked = sorted(
        ((_candidate(representative, key[0], tally), tally) for key, tally in tallies.items()),
        key=lambda pair: _order(representative, pair[0]),
    )
    candidates = [c for c, _ in ranked]
    if not candidates:
        return LeafChoice(None, MatchKind.CONSTANT, (), ())
    writable = [(c, t) for c, t in ranked if c.usable]
    if not writable:
        where = ", ".join(str(c.path) for c in candidates[:3])
        note = f"found only through an index inside a loop ({where}): kept as the example's value"
        return LeafChoice(None, MatchKind.UNMATCHED, tuple(candidates[:MAX_ALTERNATIVES]), (note,))
    if says_little(representative.value):
        # The value alone proves nothing here: only a like-named key, or a path that supplies
        # different values to different elements of a loop, is evidence.
        evidence = [(c, t) for c, t in writable if c.similarity >= NAME_EVIDENCE or len(t.values) > 1]
        if not evidence:
            where = ", ".join(str(c.path) for c, _ in writable[:3])
            note = f"the value is also at {where}, but the names differ: kept as a constant"
            return LeafChoice(None, MatchKind.CONSTANT, tuple(candidates[:MAX_ALTERNATIVES]), (note,))
        writable = evidence
    best, _ = writable[0]
    others = tuple(c for c in candidates if c is not best)[:MAX_ALTERNATIVES]
    return LeafChoice(best, best.kind, others, _notes(best, writable, len(instances)))


def _candidate(leaf: Leaf, path: PayloadPath, tally: _Tally) -> Candidate:
    return Candidate(
        path,
        tally.kind,
        tally.transform,
        tally.decimals,
        similarity(leaf.key, path.last_key),
        len(tally.elements),
        tally.usable,
    )


def _order(leaf: Leaf, candidate: Candidate) -> tuple[object, ...]:
    return (
        not candidate.usable,
        -candidate.support,
        candidate.kind.rank,
        candidate.path.indexed,
        -_locality(candidate.path),
        -candidate.similarity,
        -context_similarity(leaf.context, candidate.path.parent_keys),
        len(candidate.path.segments),
        str(candidate.path),
        list(Transform).index(candidate.transform),
    )


def _notes(best: Candidate, writable: Sequence[tuple[Candidate, _Tally]], elements: int) -> tuple[str, ...]:
    notes: list[str] = []
    tied = [c for c, _ in writable[1:] if _standing(c) == _standing(best)]
    if tied:
        names = ", ".join(str(c.path) for c in tied[:3]) + (", ..." if len(tied) > 3 else "")
        notes.append(f"tie: the value is also at {names}")
    if best.support < elements:
        notes.append(f"explains {best.support} of the example's {counted(elements, 'element')}")
    if best.kind is MatchKind.CASE_INSENSITIVE:
        if best.transform is Transform.NONE:
            notes.append("the letter case differs from the payload's and no filter reproduces it")
        else:
            notes.append("matched ignoring letter case")
    if best.transform in (Transform.INT, Transform.FLOAT):
        notes.append("the payload has text here: a value that is not a number renders as 0")
    if best.transform is Transform.BOOL_FROM_TEXT:
        notes.append('the payload has text here: anything but "true" renders as false')
    if best.path.indexed:
        notes.append("read through an index: the template takes that element whatever the order holds")
    return tuple(notes)


def _locality(path: PayloadPath) -> int:
    """How many loops the path goes through: a field of the loop's element beats an order-wide one."""
    return sum(1 for s in path.segments if s is None)


def _standing(candidate: Candidate) -> tuple[object, ...]:
    """What ranks a candidate before key depth and spelling decide: equal standing is a tie."""
    return (
        candidate.support,
        candidate.kind,
        candidate.path.indexed,
        _locality(candidate.path),
        candidate.similarity,
    )


def _value_key(value: ExampleValue) -> str:
    return f"{type(value).__name__}:{value}"


def says_little(value: ExampleValue) -> bool:
    """True for values that could be anywhere by chance: booleans, null, small numbers, short text."""
    if value is None or isinstance(value, bool):
        return True
    if isinstance(value, int | Decimal):
        digits = str(abs(value)).replace(".", "").lstrip("0")
        return len(digits) <= 2
    text = value.strip()
    if len(text) <= 3:
        return True
    try:
        number = float(text)
    except ValueError:
        return False
    return math.isfinite(number) and len(text.replace(".", "").replace("-", "").lstrip("0")) <= 2
