"""Building the mapping: the example walked top-down, loops chosen, every value matched in its loops.

The walk carries *instances*: the same place of the example in every element of the loops around
it (the ``sku`` of each parcel), each with its scope (which payload element each loop is on for that
parcel). A loop's body is written once, from one element, so its values are matched across all the
elements at once: the path that explains the ``sku`` of every parcel wins over one that happens to
hold the first parcel's value.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from postback_studio.core.model import OutputFormat
from postback_studio.core.scaffold.example import (
    Example,
    Leaf,
    Record,
    Repeat,
    Shape,
    child,
    list_places,
    own_leaves,
)
from postback_studio.core.scaffold.expressions import expressible, loop_variable, unique_name
from postback_studio.core.scaffold.loops import (
    MAX_ALTERNATIVES,
    LoopFit,
    best_fits,
    bindings_for,
    candidate_patterns,
    fit,
    level_keys,
    with_first_element,
)
from postback_studio.core.scaffold.matching import Scope, choose_leaf
from postback_studio.core.scaffold.model import LeafRow, LoopRow, Mapping, PayloadPath, is_identifier
from postback_studio.core.scaffold.values import PayloadIndex
from postback_studio.core.wording import counted

#: Corrections to the loops, by the array's example path: a payload array pattern, or None to keep
#: the array's elements one by one.
LoopChoices = dict[str, PayloadPath | None]

Instances = Sequence[tuple[Shape, Scope]]


def build_mapping(example: Example, payload: Any, loops: LoopChoices | None = None) -> Mapping:
    """Match every value of ``example`` to ``payload`` and choose a loop for every array.

    Raises:
        ValueError: a loop correction names an example array that does not exist, or a payload
            array the array cannot loop over there.
    """
    builder = _Builder(example, payload, dict(loops or {}))
    builder.visit([(example.shape, Scope())], _root_path(example))
    unknown = set(builder.overrides) - builder.seen_arrays
    if unknown:
        raise ValueError(f"the example has no array at {', '.join(sorted(unknown))}")
    return Mapping(tuple(builder.rows), tuple(builder.loops))


def _root_path(example: Example) -> str:
    shape = example.shape
    return f"/{shape.label}" if example.format is OutputFormat.XML and shape.label else ""


class _Builder:
    def __init__(self, example: Example, payload: Any, overrides: LoopChoices) -> None:
        self.xml = example.format is OutputFormat.XML
        self.index = PayloadIndex(payload)
        self.top_level = set(payload) if isinstance(payload, dict) else set()
        self.overrides = overrides
        self.seen_arrays: set[str] = set()
        self.rows: list[LeafRow] = []
        self.loops: list[LoopRow] = []

    def visit(self, instances: Instances, path: str) -> None:
        shape, _ = instances[0]
        if isinstance(shape, Leaf):
            self.leaf(instances, path)
        elif isinstance(shape, Record):
            for item in shape.children:
                group: list[tuple[Shape, Scope]] = [(item, instances[0][1])]
                for record, scope in instances[1:]:
                    other = child(record, item.step)
                    if other is not None:
                        group.append((other, scope))
                self.visit(group, self.join(path, item.label))
        else:
            self.repeat(instances, path)

    def join(self, path: str, label: str | None) -> str:
        if label is None:
            return path
        if self.xml:
            return f"{path}/{label}"
        if is_identifier(label):
            return f"{path}.{label}" if path else label
        return f"{path}[{json.dumps(label, ensure_ascii=False)}]"

    def element_path(self, path: str, position: int, count: int, loop: bool) -> str:
        if loop:
            return f"{path}[]"
        if self.xml:
            return f"{path}[{position + 1}]" if count > 1 else path
        return f"{path}[{position}]"

    def leaf(self, instances: Instances, path: str) -> None:
        leaves = [(shape, scope) for shape, scope in instances if isinstance(shape, Leaf)]
        leaf, scope = leaves[0]
        names = _names(scope)
        choice = choose_leaf(leaves, self.index, lambda p: expressible(p, names))
        self.rows.append(
            LeafRow(
                leaf.id,
                path or "$",
                leaf.text,
                leaf.line,
                leaf.column,
                choice.source,
                choice.kind,
                choice.alternatives,
                choice.notes,
            )
        )

    def repeat(self, instances: Instances, path: str) -> None:
        repeats = [(shape, scope) for shape, scope in instances if isinstance(shape, Repeat)]
        repeat, scope = repeats[0]
        label = path or "$"
        self.seen_arrays.add(label)
        fits = best_fits(repeats, self.index)
        chosen = self.choose_fit(repeats, fits, label)
        if chosen is None or not any(p.instance == 0 for p in chosen.pairings):
            self.fixed(repeats, path, fits, chosen)
            return
        alternatives = tuple(PayloadPath(f.pattern) for f in fits if f.pattern != chosen.pattern)
        taken = self.top_level | {b.variable for b in scope.bindings}
        variables: list[str] = []
        for key in level_keys(chosen.pattern, chosen.base):
            variables.append(loop_variable(key, taken | set(variables)))
        flag = ""
        if not self.xml and len(variables) > 1:
            flag = unique_name(repeat.key or "entries", taken | set(variables))
        pairings = sorted(chosen.pairings, key=lambda p: (p.instance, p.element))
        body: list[tuple[Shape, Scope]] = []
        for pairing in pairings:
            element_repeat, element_scope = repeats[pairing.instance]
            element = element_repeat.elements[pairing.element]
            body.append((element, element_scope.extended(bindings_for(chosen, pairing.entry, variables))))
        iterations = len(self.index.entries(chosen.pattern, _prefix(chosen, scope)))
        self.loops.append(
            LoopRow(
                repeat.id,
                label,
                repeat.line,
                repeat.column,
                PayloadPath(chosen.pattern),
                tuple(variables),
                body[0][0].id,
                len(repeat.elements),
                iterations,
                alternatives[:MAX_ALTERNATIVES],
                _loop_notes(chosen, fits, body),
                flag,
            )
        )
        self.visit(body, self.element_path(path, 0, 1, loop=True))

    def choose_fit(
        self, repeats: Sequence[tuple[Repeat, Scope]], fits: list[LoopFit], label: str
    ) -> LoopFit | None:
        repeat, scope = repeats[0]
        if label in self.overrides:
            wanted = self.overrides[label]
            if wanted is None:
                return None
            for pattern, base in candidate_patterns(self.index, scope):
                if pattern == wanted.segments:
                    return with_first_element(fit(repeats, self.index, pattern, base), self.index, scope)
            raise ValueError(f"{label} cannot loop over {wanted}: no such payload array here")
        if not repeat.elements or not fits:
            return None
        if len(repeat.elements) == 1 and not repeat.single_loops:
            return None
        return fits[0]

    def fixed(
        self, repeats: Sequence[tuple[Repeat, Scope]], path: str, fits: list[LoopFit], chosen: LoopFit | None
    ) -> None:
        repeat, _ = repeats[0]
        alternatives = tuple(PayloadPath(f.pattern) for f in fits)
        if not self.xml or len(repeat.elements) > 1 or (alternatives and repeat.single_loops):
            notes: tuple[str, ...] = ()
            if not repeat.elements:
                notes = ("empty in the example: kept as an empty array",)
            elif chosen is not None:
                notes = (
                    f"the first element matches nothing in {PayloadPath(chosen.pattern)}: kept as written",
                )
            self.loops.append(
                LoopRow(
                    repeat.id,
                    path or "$",
                    repeat.line,
                    repeat.column,
                    None,
                    elements=len(repeat.elements),
                    iterations=len(repeat.elements),
                    alternatives=alternatives[:MAX_ALTERNATIVES],
                    notes=notes,
                )
            )
        count = len(repeat.elements)
        for position, element in enumerate(repeat.elements):
            group: list[tuple[Shape, Scope]] = [(element, repeats[0][1])]
            group += [(r.elements[position], s) for r, s in repeats[1:] if position < len(r.elements)]
            self.visit(group, self.element_path(path, position, count, loop=False))


def _names(scope: Scope) -> list[tuple[tuple[int | str | None, ...], str]]:
    return [(b.pattern, b.variable) for b in scope.bindings]


def _prefix(chosen: LoopFit, scope: Scope) -> tuple[str | int, ...]:
    binding = scope.innermost_prefix(chosen.pattern)
    return binding.concrete if binding is not None and binding.pattern == chosen.base else ()


def _loop_notes(chosen: LoopFit, fits: list[LoopFit], body: Sequence[tuple[Shape, Scope]]) -> tuple[str, ...]:
    notes = []
    pattern = PayloadPath(chosen.pattern)
    if chosen.elements != chosen.iterations:
        notes.append(
            f"the example has {counted(chosen.elements, 'element')}, the payload {chosen.iterations} "
            f"at {pattern}: the template writes one per payload element"
        )
    if chosen.explained == 0:
        notes.append(f"no value of the example's elements is in {pattern}: the loop was chosen by hand")
    elif chosen.covered < chosen.elements:
        missing = chosen.elements - chosen.covered
        notes.append(
            f"{missing} of the example's elements {'matches' if missing == 1 else 'match'} no element "
            f"of {pattern}: the template leaves {'it' if missing == 1 else 'them'} out"
        )
    rank = chosen.rank()[:5]
    tied = [f for f in fits if f.pattern != chosen.pattern and f.rank()[:5] == rank]
    if tied:
        notes.append(
            "tie: the elements also match " + ", ".join(str(PayloadPath(f.pattern)) for f in tied[:3])
        )
    lists = list_places(shape for shape, _ in body)
    fields = {tuple(leaf.step for leaf in own_leaves(shape, lists)) for shape, _ in body}
    if len(fields) > 1:
        notes.append("the elements differ in their fields; the loop body follows the first")
    return tuple(notes)
