"""What changes if I save this: two versions of a template rendered against the same samples.

An edit meant for one field can change another, or change what happens only for unusual data (a
quote in a name, an item without fulfillments). Both versions render against every sample and
every one-change variant of it (:mod:`.variants`), in batches; the comparison lists every sample's
outputs with a side-by-side diff, and the variants whose outcome changes where their sample's does
not: a variant whose output changes while its sample's stays the same (for JSON, changes its value,
not merely how a character is escaped), or one that one version renders validly and the other not.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from postback_studio.core.diff import DiffRow, change_count, side_by_side
from postback_studio.core.doctor.progress import CancelledCallback, ProgressCallback, Watch
from postback_studio.core.doctor.variants import Variant, derive_changes, related
from postback_studio.core.model import LookupSet, Template
from postback_studio.core.render.engine import RenderEngine, TemplateRendering
from postback_studio.core.render.result import Diagnostic, RenderResult
from postback_studio.core.wording import counted


@dataclass(frozen=True)
class OutputChange:
    """One part of one sample (or variant) as both versions render it.

    ``old_problem`` / ``new_problem`` are each version's first error (None when it rendered validly);
    ``diff`` aligns the two outputs line by line (empty when neither changed).
    """

    variant: Variant
    part: str
    old_output: str | None
    new_output: str | None
    old_problem: Diagnostic | None
    new_problem: Diagnostic | None
    diff: tuple[DiffRow, ...]

    @property
    def changed(self) -> bool:
        """The output changed, or the version's verdict on it did."""
        return self.old_output != self.new_output or _problem_text(self.old_problem) != _problem_text(
            self.new_problem
        )

    @property
    def validity_changed(self) -> bool:
        """One version renders this validly and the other does not."""
        return (self.old_problem is None) != (self.new_problem is None)

    @property
    def lines_changed(self) -> int:
        """How many diff rows differ."""
        return change_count(list(self.diff))

    def verdict(self) -> str:
        """``unchanged``, ``changed (2 lines)``, ``now fails: <why>``, ``now valid (it failed before)``."""
        if not self.changed:
            return "unchanged"
        if self.validity_changed:
            if self.new_problem is not None:
                return f"now fails: {self.new_problem.message}"
            return "now valid (it failed before)"
        if self.old_output is None and self.new_output is None:
            return "fails differently"
        lines = self.lines_changed
        return f"changed ({counted(lines, 'line')})"


@dataclass(frozen=True)
class VersionComparison:
    """Every sample's outputs under both versions, and the variants whose outcome changes alone."""

    samples: tuple[OutputChange, ...]
    variants: tuple[OutputChange, ...]
    variant_count: int

    @property
    def changed(self) -> bool:
        """Some sample's output or some variant's outcome differs between the versions."""
        return any(change.changed for change in self.samples) or bool(self.variants)

    @property
    def changed_samples(self) -> tuple[OutputChange, ...]:
        """The samples (and parts) whose output differs."""
        return tuple(change for change in self.samples if change.changed)


def compare_versions(
    engine: RenderEngine,
    old: Template,
    new: Template,
    payloads: Mapping[str, Any],
    *,
    lookups: LookupSet | None = None,
    strict: bool = False,
    variants: bool = True,
    progress: ProgressCallback | None = None,
    cancelled: CancelledCallback | None = None,
) -> VersionComparison:
    """Render ``old`` and ``new`` against every payload (and, with ``variants``, every one-change
    variant of each) and compare their outputs part by part.

    ``progress`` is told how far the renders got and ``cancelled`` is polled between chunks of them
    (see :mod:`.progress`).

    Raises:
        CancelledError: ``cancelled`` answered True.
    """
    watch = Watch(progress, cancelled)
    names = list(payloads)
    reads = [
        ref.segments
        for template in (old, new)
        for source in _sources(template)
        for ref in engine.analyze(source).fields
    ]
    all_variants = [Variant(name) for name in names]
    if variants:
        for name in names:
            derived = derive_changes(payloads[name], lambda path: any(related(path, read) for read in reads))
            all_variants.extend(Variant(name, change) for change in derived)

    def render_both(batch: list[Any]) -> list[tuple[TemplateRendering, TemplateRendering]]:
        before = engine.render_template_batch(old, batch, lookups=lookups, strict=strict)
        after = engine.render_template_batch(new, batch, lookups=lookups, strict=strict)
        return list(zip(before, after, strict=True))

    rendered = watch.render_variants("Rendering both versions", all_variants, payloads, render_both)
    samples: list[OutputChange] = []
    sample_changed: dict[str, bool] = {}
    listed: list[OutputChange] = []
    for variant, (old_rendering, new_rendering) in zip(all_variants, rendered, strict=True):
        if variant.change is None:
            changes = _compare(variant, old_rendering, new_rendering, with_diff=True)
            samples.extend(changes)
            sample_changed[variant.sample] = any(change.changed for change in changes)
            continue
        for change in _compare(variant, old_rendering, new_rendering, with_diff=False):
            alone = change.changed and not sample_changed[variant.sample] and not _same_json(change)
            if change.validity_changed or alone:
                listed.append(_with_diff(change))
    return VersionComparison(tuple(samples), tuple(listed), len(all_variants) - len(names))


def _sources(template: Template) -> Sequence[str]:
    return [source for source in (template.body, template.subject, template.text_body) if source]


def _compare(
    variant: Variant, old: TemplateRendering, new: TemplateRendering, *, with_diff: bool
) -> list[OutputChange]:
    parts = list(old.parts) + [name for name in new.parts if name not in old.parts]
    changes = []
    for part in parts:
        old_result, new_result = old.parts.get(part), new.parts.get(part)
        change = OutputChange(
            variant,
            part,
            old_result.output if old_result else None,
            new_result.output if new_result else None,
            _first_error(old_result),
            _first_error(new_result),
            (),
        )
        changes.append(_with_diff(change) if with_diff and change.changed else change)
    return changes


def _with_diff(change: OutputChange) -> OutputChange:
    return replace(change, diff=tuple(side_by_side(change.old_output or "", change.new_output or "")))


def _same_json(change: OutputChange) -> bool:
    """Both outputs are JSON with the same value (``"a\\u0027b"`` and ``"a'b"`` are one string)."""
    if change.old_output is None or change.new_output is None:
        return False
    try:
        return bool(json.loads(change.old_output) == json.loads(change.new_output))
    except ValueError:
        return False


def _first_error(result: RenderResult | None) -> Diagnostic | None:
    if result is None:
        return None
    return result.errors[0] if result.errors else None


def _problem_text(problem: Diagnostic | None) -> str:
    return "" if problem is None else f"{problem.code}: {problem.message}"
