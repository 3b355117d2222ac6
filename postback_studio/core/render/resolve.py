"""Which of a template's fields a payload has: each read path walked through the payload.

It exists apart from :mod:`.fields` (which finds the paths by parsing the template) because this
half runs on every render, against every payload of a batch, and is written for that: a path is
resolved only when every place it reaches has it (``items[].sku`` must be in every item), and the
fields of one template share their prefixes, so each prefix is walked once per payload. It also
turns the unresolved reads into the diagnostics a render reports, telling a missing last field
(``x.y`` without ``y``: it prints as nothing) from a missing parent (``x.y`` without ``x``,
``items[0].id`` with no items: the render fails on the read).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from postback_studio.core.render.fields import FieldRef, Segment
from postback_studio.core.render.result import Diagnostic, FieldUse, Location, Severity, Where

#: What one step of a path walk gives: the values reached, or the final ``(missing, reached)``.
_Step = list[Any] | tuple[int, int]


def _first_miss(
    value: Any, segments: Sequence[Segment], walked: dict[tuple[Segment, ...], _Step] | None = None
) -> int | None:
    """The index of the first segment some place the path reaches lacks, or None if none does.

    ``walked`` remembers the steps of paths walked before in the same payload: the fields of a
    template share their prefixes (``items[].fulfillments[].x``, ``items[].fulfillments[].y``), so
    each prefix is walked once instead of once per field.
    """
    if walked is None:
        walked = {}
    current = [value]
    for depth, segment in enumerate(segments):
        prefix = tuple(segments[: depth + 1])
        step = walked.get(prefix)
        if step is None:
            step = walked[prefix] = _step(current, segment)
        if isinstance(step, tuple):
            return depth if step[0] else None
        current = step
    return None


def _stops_render(segments: Sequence[Segment], miss: int) -> bool:
    """Whether a read that breaks off at segment ``miss`` fails the render instead of printing nothing.

    Jinja makes a missing value undefined, which prints as nothing and loops zero times; but reading
    a field or an index of it fails (``x.y`` without ``x``), and so does looping over a value that
    is there but is not a list (``segments[miss]`` is ``[]``). A missing last field only prints as
    nothing, and a missing list that is looped over (``x[]`` without ``x``) writes nothing.
    """
    if segments[miss] is None:
        return True
    return miss + 1 < len(segments) and segments[miss + 1] is not None


def _step(current: list[Any], segment: Segment) -> _Step:
    """The values one segment leads to from ``current``, or ``(missing, reached)`` if some lack it."""
    following: list[Any] = []
    missing = 0
    if segment is None:
        for item in current:
            if isinstance(item, list):
                following.extend(item)
            elif isinstance(item, dict):
                return 0, 1
            else:
                missing += 1
    elif isinstance(segment, int):
        for item in current:
            if isinstance(item, list) and segment < len(item):
                following.append(item[segment])
            else:
                missing += 1
    else:
        for item in current:
            if isinstance(item, dict) and segment in item:
                following.append(item[segment])
            else:
                missing += 1
    if missing:
        return missing, missing + len(following)
    return following


def resolve_fields(refs: Sequence[FieldRef], payload: Any) -> tuple[FieldUse, ...]:
    """Check each field against a payload: resolved when every place the path reaches has it."""
    walked: dict[tuple[Segment, ...], _Step] = {}
    uses: list[FieldUse] = []
    for ref in refs:
        miss = _first_miss(payload, ref.segments, walked)
        uses.append(
            FieldUse(
                ref.path,
                ref.line,
                ref.column,
                miss is None,
                miss is not None and _stops_render(ref.segments, miss),
            )
        )
    return tuple(uses)


def unresolved_diagnostics(
    refs: Sequence[FieldRef],
    uses: Sequence[FieldUse],
    *,
    strict: bool,
    part: str = "body",
    failed: bool = False,
) -> tuple[Diagnostic, ...]:
    """One diagnostic per unresolved, unguarded read: a warning, or an error under strict mode.

    A read the render refuses when it is missing (``|tojson``) gets none: the render's own error
    names the field, and a warning that it "renders as an empty string" would contradict it. When
    the render ``failed``, neither does a read whose parent is missing (``parent_missing``): the
    render fails on such a read, so it is what the failure is about (or would fail next). A missing
    last field still gets one: it prints as nothing wherever the render gets to it, and under strict
    mode it is an error of its own, not the failure's.
    """
    severity = Severity.ERROR if strict else Severity.WARNING
    return tuple(
        Diagnostic(
            severity,
            "unresolved-field",
            f"field '{use.path}' is not in the payload (renders as an empty string)",
            Location(Where.TEMPLATE, use.line, use.column, part),
        )
        for ref, use in zip(refs, uses, strict=True)
        if not use.resolved
        and not ref.optional
        and not ref.stops_render
        and not (failed and use.parent_missing)
    )
