"""Template from an example: the receiver's example body and an order payload in, a template out.

``scaffold`` parses the example (JSON or XML), matches each of its values to the payload path that
holds it, turns its arrays into loops over the payload arrays their values come from, and writes the
template. The mapping it returns is plain data: a caller can show it, let the user pick another
alternative for a row (:meth:`Mapping.choose`) and call :func:`generate` again, or ask for other
loops by calling ``scaffold`` with ``loops``. :func:`scaffold_corrected` does both from the user's
:class:`Corrections` and says which of them no longer apply (:mod:`.corrections`).
:func:`check_scaffold` renders the template on the payload through the render engine and compares
the output with the example.

The seams: :mod:`.example` with :mod:`.json_example` and :mod:`.xml_example` (parsing),
:mod:`.values` (the payload's values), :mod:`.names` and :mod:`.matching` (which path holds a value),
:mod:`.loops` (which array an example array comes from), :mod:`.build` (the walk that makes the
mapping), :mod:`.json_generate` and :mod:`.xml_generate` (writing), :mod:`.compare` and
:mod:`.verify` (does it reproduce the example).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from postback_studio.core.model import OutputFormat
from postback_studio.core.scaffold.build import LoopChoices, build_mapping
from postback_studio.core.scaffold.compare import Comparison, compare_output
from postback_studio.core.scaffold.corrections import (
    Corrections,
    Dropped,
    LoopOverrides,
    choose,
    loop_source_options,
    path_options,
    payload_values,
    reapply,
)
from postback_studio.core.scaffold.example import Example, ExampleError, parse_example
from postback_studio.core.scaffold.json_example import JsonDocument
from postback_studio.core.scaffold.model import (
    Candidate,
    LeafRow,
    LoopRow,
    Mapping,
    MatchKind,
    PayloadPath,
    Transform,
)
from postback_studio.core.scaffold.verify import ScaffoldCheck, check_scaffold

__all__ = [
    "Candidate",
    "Comparison",
    "CorrectedScaffold",
    "Corrections",
    "Dropped",
    "Example",
    "ExampleError",
    "LeafRow",
    "LoopChoices",
    "LoopRow",
    "Mapping",
    "MatchKind",
    "PayloadPath",
    "ScaffoldCheck",
    "ScaffoldResult",
    "Transform",
    "check_scaffold",
    "choose",
    "compare_output",
    "generate",
    "loop_source_options",
    "parse_example",
    "path_options",
    "payload_values",
    "scaffold",
    "scaffold_corrected",
]


@dataclass(frozen=True)
class ScaffoldResult:
    """A scaffolded template, the mapping it was written from, and notes about the whole.

    ``notes`` say what keeps the output from matching the example's text (a layout the template cannot
    reproduce); the mapping's rows carry their own notes.
    """

    example: Example
    mapping: Mapping
    template: str
    notes: tuple[str, ...] = ()


def scaffold(
    example_text: str, fmt: OutputFormat, payload: Any, *, loops: LoopChoices | None = None
) -> ScaffoldResult:
    """Write a template that turns ``payload`` (and orders like it) into ``example_text``.

    Args:
        example_text: the receiver's example output.
        fmt: JSON or XML.
        payload: the order event the example corresponds to (parsed JSON).
        loops: corrections to the loops, by the array's example path (see :class:`LoopRow`): a
            payload array pattern to loop over, or None to keep the elements as written.

    Raises:
        ExampleError: the example is not valid JSON or XML.
        ValueError: ``loops`` names an array the example does not have, or a payload array that
            array cannot loop over.
    """
    example = parse_example(example_text, fmt)
    mapping = build_mapping(example, payload, loops)
    notes: list[str] = []
    tree = example.tree
    if isinstance(tree, JsonDocument) and not tree.layout.regular:
        indent = tree.layout.indent
        style = f"indented by {indent!r}" if indent else "on one line"
        notes.append(
            f"the example's layout is irregular: the template writes it {style}, "
            "so the output equals the example as JSON but not as text"
        )
    return ScaffoldResult(example, mapping, generate(example, mapping), tuple(notes))


def generate(example: Example, mapping: Mapping) -> str:
    """The template text for an example and a mapping (as scaffolded, or corrected by the user)."""
    from postback_studio.core.scaffold.json_generate import generate_json
    from postback_studio.core.scaffold.xml_generate import generate_xml

    if isinstance(example.tree, JsonDocument):
        return generate_json(example.tree, mapping)
    return generate_xml(example.tree, mapping)


@dataclass(frozen=True)
class CorrectedScaffold:
    """A scaffold with the user's corrections applied, and the corrections that no longer apply."""

    result: ScaffoldResult
    applied: Corrections
    dropped: tuple[Dropped, ...] = ()


def scaffold_corrected(
    example_text: str, fmt: OutputFormat, payload: Any, corrections: Corrections
) -> CorrectedScaffold:
    """Scaffold with the user's loops, then apply their value choices again where they still fit.

    A loop correction that no longer names an array of the example (its outer loop changed) or a
    payload array its place can walk is dropped, like a value choice whose path the new loops cannot
    read. The result's template is written from the corrected mapping.

    Raises:
        ExampleError: the example is not valid JSON or XML.
    """
    result, loops, dropped = _scaffold_loops(example_text, fmt, payload, corrections.loops)
    corrected = reapply(result.mapping, payload, corrections.rows, fmt)
    template = generate(result.example, corrected.mapping)
    return CorrectedScaffold(
        replace(result, mapping=corrected.mapping, template=template),
        Corrections(loops, corrected.applied.rows),
        dropped + corrected.dropped,
    )


def _scaffold_loops(
    example_text: str, fmt: OutputFormat, payload: Any, loops: LoopOverrides
) -> tuple[ScaffoldResult, LoopOverrides, tuple[Dropped, ...]]:
    """Scaffold with every loop correction; if some no longer fit, add them one by one, outer first."""
    try:
        return scaffold(example_text, fmt, payload, loops=dict(loops)), loops, ()
    except ValueError:
        pass
    result = scaffold(example_text, fmt, payload)
    kept: list[tuple[str, PayloadPath | None]] = []
    dropped: list[Dropped] = []
    # An inner array's path is longer than its outer array's: shorter paths first is outer first.
    for path, source in sorted(loops, key=lambda item: len(item[0])):
        try:
            result = scaffold(example_text, fmt, payload, loops=dict([*kept, (path, source)]))
        except ValueError as exc:
            choice = f"a loop over {source}" if source is not None else "the elements as written"
            dropped.append(Dropped(path, choice, str(exc)))
            continue
        kept.append((path, source))
    in_order = tuple(item for item in loops if item in kept)
    return result, in_order, tuple(dropped)
