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

from collections.abc import Sequence
from dataclasses import dataclass, replace

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

        cells = _cells(entries, levels, anchors)
        for element, position, explained in align(cells, len(entries)):
            pairings.append(Pairing(number, element, entries[position], explained))
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


def with_first_element(fitted: LoopFit, index: PayloadIndex, scope: Scope) -> LoopFit:
    """A loop chosen by hand that explains nothing of the first example element still gets a body.

    The first element is paired with the loop's first payload element, so the loop is written (its
    values then stay as the example writes them, unless they are found there).
    """
    if any(p.instance == 0 for p in fitted.pairings):
        return fitted
    binding = scope.innermost_prefix(fitted.pattern)
    prefix: Concrete = binding.concrete if binding and binding.pattern == fitted.base else ()
    entries = index.entries(fitted.pattern, prefix)
    if not entries:
        return fitted
    return replace(fitted, pairings=(Pairing(0, 0, entries[0], 0), *fitted.pairings))


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


def _cells(
    entries: Sequence[Concrete], levels: list[int], anchors: list[list[set[Concrete]]]
) -> list[dict[int, int]]:
    """For each example element, the loop elements that hold some of its values, and how many.

    A value counts for a loop element when it is a field of that element or of the items around it
    (``items[1].sku`` for the parcels of item 1). Only non-zero cells are kept: an example of many
    elements against a long order stays fast.
    """
    by_head: dict[Concrete, list[int]] = {}
    for position, entry in enumerate(entries):
        for level in levels:
            by_head.setdefault(entry[:level], []).append(position)
    cells = []
    for element_anchors in anchors:
        counts: dict[int, int] = {}
        for leaf_anchors in element_anchors:
            positions = {p for head in leaf_anchors for p in by_head.get(head, ())}
            for position in positions:
                counts[position] = counts.get(position, 0) + 1
        cells.append(counts)
    return cells


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


def align(cells: list[dict[int, int]], size: int) -> list[tuple[int, int, int]]:
    """The order-keeping pairing of example elements with loop positions that explains most values.

    A heaviest common subsequence over the non-zero ``cells``: a prefix-maximum tree over positions
    holds the best total of a pairing that ends before each position. Of equally good pairings it
    takes the one that uses the earliest positions. Returns (element, position, values explained).
    """
    tree = _PrefixMax(size)
    chain: list[tuple[int, int, int, int]] = []  # element, position, explained, previous link
    for element, row in enumerate(cells):
        found = []
        for position in sorted(row):
            total, _, previous = tree.best_before(position)
            found.append((position, total + row[position], previous))
        for position, total, previous in found:
            chain.append((element, position, row[position], previous))
            tree.offer(position, total, len(chain) - 1)
    _, _, link = tree.best_before(size)
    pairs = []
    while link >= 0:
        element, position, explained, link = chain[link]
        pairs.append((element, position, explained))
    return list(reversed(pairs))


class _PrefixMax:
    """A Fenwick tree of (total, earliness, link) keeping the best pairing that ends at a position."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.tree: list[tuple[int, int, int]] = [(0, 0, -1)] * (size + 1)

    def offer(self, position: int, total: int, link: int) -> None:
        value = (total, -position, link)
        index = position + 1
        while index <= self.size:
            if value[:2] > self.tree[index][:2]:
                self.tree[index] = value
            index += index & -index

    def best_before(self, position: int) -> tuple[int, int, int]:
        best = (0, 0, -1)
        index = position
        while index > 0:
            if self.tree[index][:2] > best[:2]:
                best = self.tree[index]
            index -= index & -index
        return best
