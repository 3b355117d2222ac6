"""Which payload array an example array comes from: the loop a scaffold writes for it.

Every array of the payload is a candidate, as a pattern (``items[]``), and so is every chain of
nested arrays (``items[].fulfillments[]``), whose loops flatten into one sequence of elements: the
parcels of all items, say. For each candidate, the example's elements are lined up in order with the
elements the loop would visit (a dynamic programme, so an example that shows fewer elements than the
payload has still lines up), and a pair scores the values of the example element found in that
payload element (or in the items around it, for a chain). The candidate that explains most values
wins; ties go to the one whose element count agrees, then to fewer levels, then to the array whose
name is most like the example's, then to the shallower. A candidate must explain a value in at
least half of the example's elements, or the array is kept element by element.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from postback_studio.core.scaffold.example import Leaf, Repeat, list_places, own_leaves
from postback_studio.core.scaffold.matching import NAME_EVIDENCE, Binding, Scope, says_little
from postback_studio.core.scaffold.model import MatchKind, PayloadPath, Segment
from postback_studio.core.scaffold.names import similarity
from postback_studio.core.scaffold.values import Concrete, PayloadIndex

#: Deepest chain of nested arrays one example array may flatten.
MAX_LEVELS = 3
#: How many other arrays a loop row offers.
MAX_ALTERNATIVES = 8


@dataclass(frozen=True)
class Pairing:
    """One example element lined up with the payload element the loop visits for it."""

    instance: int
    element: int
    entry: Concrete
    explained: int


@dataclass(frozen=True)
class LoopFit:
    """How well one payload array pattern explains an example array (over all its instances)."""

    pattern: tuple[Segment, ...]
    base: tuple[Segment, ...]
    pairings: tuple[Pairing, ...]
    explained: int
    covered: int
    elements: int
    iterations: int
    name_similarity: float

    @property
    def levels(self) -> int:
        """How many nested loops the pattern needs below the loops already open."""
        return sum(1 for s in self.pattern[len(self.base) :] if s is None)

    def rank(self) -> tuple[object, ...]:
        """Sort key: best first."""
        return (
            -self.explained,
            -self.covered,
            abs(self.elements - self.iterations),
            self.levels,
            -self.name_similarity,
            len(self.pattern),
            str(PayloadPath(self.pattern)),
        )

    @property
    def acceptable(self) -> bool:
        """Explains a value in at least half the example's elements (and in one, at least)."""
        return self.covered >= max(1, (self.elements + 1) // 2)


def candidate_patterns(
    index: PayloadIndex, scope: Scope
) -> list[tuple[tuple[Segment, ...], tuple[Segment, ...]]]:
    """Array patterns a loop here may walk, each with the enclosing loop pattern it continues."""
    found = []
    for pattern in index.array_patterns():
        if any(binding.pattern[: len(pattern)] == pattern for binding in scope.bindings):
            continue
        binding = scope.innermost_prefix(pattern)
        base = binding.pattern if binding else ()
        levels = sum(1 for s in pattern[len(base) :] if s is None)
        if 1 <= levels <= MAX_LEVELS:
            found.append((pattern, base))
    return found


def fit(
    instances: Sequence[tuple[Repeat, Scope]],
    index: PayloadIndex,
    pattern: tuple[Segment, ...],
    base: tuple[Segment, ...],
) -> LoopFit:
    """Line the example's elements up with the loop's elements, for every instance of the array."""
    pairings: list[Pairing] = []
    elements = iterations = 0
    lists = list_places(element for repeat, _ in instances for element in repeat.elements)
    for number, (repeat, scope) in enumerate(instances):
        binding = scope.innermost_prefix(pattern)
        prefix: Concrete = binding.concrete if binding and binding.pattern == base else ()
        entries = index.entries(pattern, prefix)
        levels = [i + 1 for i in range(len(base), len(pattern)) if pattern[i] is None]
        alone = len(repeat.elements) == 1
        anchors = [
            [_anchors(leaf, index, scope if alone else None) for leaf in own_leaves(element, lists)]
            for element in repeat.elements
        ]

        for element, entry, explained in _align(len(repeat.elements), entries, _scorer(levels, anchors)):
            pairings.append(Pairing(number, element, entry, explained))
        elements += len(repeat.elements)
        iterations += len(entries)
    explained = sum(p.explained for p in pairings)
    array_key = next((s for s in reversed(pattern) if isinstance(s, str)), "")
    return LoopFit(
        pattern,
        base,
        tuple(pairings),
        explained,
        len(pairings),
        elements,
        iterations,
        similarity(instances[0][0].key, array_key),
    )


def best_fits(instances: Sequence[tuple[Repeat, Scope]], index: PayloadIndex) -> list[LoopFit]:
    """Every acceptable loop for the array, best first."""
    scope = instances[0][1]
    fits = [fit(instances, index, pattern, base) for pattern, base in candidate_patterns(index, scope)]
    return sorted((f for f in fits if f.acceptable), key=LoopFit.rank)


def bindings_for(fitted: LoopFit, entry: Concrete, variables: Sequence[str]) -> list[Binding]:
    """The loop variables' bindings when the loop is on ``entry``: one per level, outermost first."""
    levels = [i + 1 for i in range(len(fitted.base), len(fitted.pattern)) if fitted.pattern[i] is None]
    return [
        Binding(fitted.pattern[:level], entry[:level], variable)
        for level, variable in zip(levels, variables, strict=True)
    ]


def level_keys(pattern: tuple[Segment, ...], base: tuple[Segment, ...]) -> list[str]:
    """The key of the array each level walks (``items``, ``fulfillments``), to name its variable."""
    keys = []
    for i in range(len(base), len(pattern)):
        if pattern[i] is None:
            previous = pattern[i - 1] if i > 0 else None
            keys.append(previous if isinstance(previous, str) else "")
    return keys


def _scorer(levels: list[int], anchors: list[list[set[Concrete]]]) -> Callable[[int, Concrete], int]:
    """How many values of example element ``k`` are fields of ``entry`` or of the items around it."""

    def score(element: int, entry: Concrete) -> int:
        heads = {entry[:level] for level in levels}
        return sum(1 for leaf_anchors in anchors[element] if leaf_anchors & heads)

    return score


def _anchors(leaf: Leaf, index: PayloadIndex, alone: Scope | None) -> set[Concrete]:
    """The array elements the leaf's value is a direct field of (``items[1]`` for ``items[1].sku``).

    A value that says little by itself (see :func:`.matching.says_little`) counts only under a
    like-named key. For an example array of one element (``alone``, the scope it is in), one element
    is weak evidence of a list: an array element counts only if it holds the value better (a closer
    match, a more alike key) than any place the template can read without a new loop.
    """
    anchors: dict[Concrete, tuple[int, float]] = {}
    direct = (-len(MatchKind), -1.0)
    weak = says_little(leaf.value)
    for found in index.find(leaf.value):
        path = found.path
        standing = (-found.kind.rank, similarity(leaf.key, _last_key(path)))
        if weak and standing[1] < NAME_EVIDENCE:
            continue
        if alone is not None:
            general, usable = alone.express(path)
            if usable and not general.indexed:
                direct = max(direct, standing)
                continue
        last = max((i for i, s in enumerate(path) if isinstance(s, int)), default=-1)
        if last >= 0:
            head = path[: last + 1]
            anchors[head] = max(anchors.get(head, standing), standing)
    return {head for head, standing in anchors.items() if standing > direct}


def _last_key(path: Concrete) -> str:
    return next((s for s in reversed(path) if isinstance(s, str)), "")


def _align(
    count: int, entries: Sequence[Concrete], score: Callable[[int, Concrete], int]
) -> list[tuple[int, Concrete, int]]:
    """The order-keeping pairing of ``count`` elements with ``entries`` that explains most values.

    Of equally good pairings it takes the one that uses the earliest entries.
    """
    n, m = count, len(entries)
    if n == 0 or m == 0:
        return []
    cells = [[score(k, entries[j]) for j in range(m)] for k in range(n)]
    best = [[0] * (m + 1) for _ in range(n + 1)]
    for k in range(1, n + 1):
        for j in range(1, m + 1):
            best[k][j] = max(best[k - 1][j], best[k][j - 1], best[k - 1][j - 1] + cells[k - 1][j - 1])
    pairs: list[tuple[int, Concrete, int]] = []
    k, j = n, m
    while k > 0 and j > 0:
        diagonal = best[k - 1][j - 1] + cells[k - 1][j - 1]
        if best[k][j] == best[k][j - 1]:
            j -= 1
        elif cells[k - 1][j - 1] > 0 and best[k][j] == diagonal:
            pairs.append((k - 1, entries[j - 1], cells[k - 1][j - 1]))
            k, j = k - 1, j - 1
        else:
            k -= 1
    return list(reversed(pairs))
