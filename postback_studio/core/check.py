"""Render one template against every sample of its events: the "check against all samples" grid.

The GUI's Check action and the headless ``postback-studio check`` command share this, so the
multi-item mistake in the help article's example is found the same way in both.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from postback_studio.core.model import Event, LookupSet, Template
from postback_studio.core.render.engine import RenderEngine, TemplateRendering
from postback_studio.core.render.result import Diagnostic, Severity
from postback_studio.core.samples import load_sample, samples_for_event


@dataclass(frozen=True)
class CheckRow:
    """One cell of the grid: a sample, whether the template passed, and its first problem."""

    sample: str
    passed: bool
    first_problem: Diagnostic | None
    rendering: TemplateRendering


def events_in_name(name: str) -> list[Event]:
    """Events a template's name mentions (``order-shipped`` -> shipped; ``in-transit`` too)."""
    words = set(re.split(r"[^a-z]+", name.lower()))
    normalized = re.sub(r"[^a-z]+", "_", name.lower())
    found = [e for e in Event if e.value in words or (("_" in e.value) and e.value in normalized)]
    return found


def samples_to_check(selectors: Iterable[str]) -> list[str]:
    """Expand ``shipped`` to all its samples; keep ``shipped.multi-item`` as it is; no duplicates."""
    names: list[str] = []
    for selector in selectors:
        expanded = [selector] if "." in selector else samples_for_event(selector)
        names.extend(n for n in expanded if n not in names)
    return names


def first_problem(rendering: TemplateRendering) -> Diagnostic | None:
    """The first error, else the first warning."""
    diagnostics = rendering.diagnostics
    for severity in (Severity.ERROR, Severity.WARNING):
        for diagnostic in diagnostics:
            if diagnostic.severity is severity:
                return diagnostic
    return None


def check_template(
    engine: RenderEngine,
    template: Template,
    samples: Sequence[str],
    *,
    lookups: LookupSet | None = None,
    strict: bool = False,
    payloads: dict[str, Any] | None = None,
    schema: str | Path | None = None,
) -> list[CheckRow]:
    """Render ``template`` against each named sample (``payloads`` may supply user samples), in one
    batch; ``schema`` validates a webhook body as ``render --schema`` does."""
    batch = [payloads[name] if payloads and name in payloads else load_sample(name) for name in samples]
    renderings = engine.render_template_batch(template, batch, lookups=lookups, strict=strict, schema=schema)
    return [
        CheckRow(name, rendering.valid, first_problem(rendering), rendering)
        for name, rendering in zip(samples, renderings, strict=True)
    ]
