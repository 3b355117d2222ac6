"""The doctor's runs as the Templates page starts them: a request, then a function for a worker thread.

The page gathers everything a run needs on the GUI thread (the template as shown, the samples of its
events, the customer's lookups) into a frozen request; the function runs on a job's thread and
touches nothing else. What the page shows about a finished run (is it still about the text in the
editor, what one line says about a comparison) is decided here too, so it is tested headless.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from postback_studio.core.doctor.compare import VersionComparison, compare_versions
from postback_studio.core.doctor.edge_cases import EdgeCaseReport, check_template_edge_cases
from postback_studio.core.doctor.progress import CancelledCallback, ProgressCallback
from postback_studio.core.model import LookupSet, Template
from postback_studio.core.render.engine import RenderEngine
from postback_studio.core.samples import load_sample

#: How many sample names a one-line summary lists before "and N more".
_NAMED_SAMPLES = 3


def sample_payloads(samples: Mapping[str, Any]) -> dict[str, Any]:
    """The payload of every sample by name, in order; a None payload is the built-in sample so named.

    Raises:
        UnknownSampleError: a None payload whose name is no built-in sample.
    """
    return {name: load_sample(name) if payload is None else payload for name, payload in samples.items()}


@dataclass(frozen=True)
class EdgeCaseRequest:
    """A template as shown and the samples to vary (``None`` payload: the built-in sample)."""

    template: Template
    samples: Mapping[str, Any]
    lookups: LookupSet = field(default_factory=dict)


def run_edge_cases(
    engine: RenderEngine,
    request: EdgeCaseRequest,
    *,
    progress: ProgressCallback | None = None,
    cancelled: CancelledCallback | None = None,
) -> EdgeCaseReport:
    """The edge-case check of a request (on a worker thread).

    Raises:
        CancelledError: ``cancelled`` answered True.
    """
    return check_template_edge_cases(
        engine,
        request.template,
        sample_payloads(request.samples),
        lookups=request.lookups,
        progress=progress,
        cancelled=cancelled,
    )


@dataclass(frozen=True)
class ComparisonRequest:
    """Two versions of a template, what to call each, and the samples to render them with.

    ``variants`` False compares the samples alone (quick: what the page checks after every save).
    """

    old: Template
    new: Template
    old_label: str
    new_label: str
    samples: Mapping[str, Any]
    lookups: LookupSet = field(default_factory=dict)
    variants: bool = True


@dataclass(frozen=True)
class ComparisonOutcome:
    """A finished comparison and the request it answers."""

    request: ComparisonRequest
    comparison: VersionComparison

    def changed_samples(self) -> list[str]:
        """The names of the samples whose output differs, in order, each once."""
        return list(dict.fromkeys(change.variant.sample for change in self.comparison.changed_samples))

    def summary(self) -> str:
        """One line: what changes from the old version to the new one.

        ``The output changes for 2 of 4 samples (shipped, shipped.multi-item); 6 edge-case
        variants change on their own.`` or ``No output changes (4 samples, 1,446 variants).``
        """
        comparison = self.comparison
        samples = _count(len({change.variant.sample for change in comparison.samples}), "sample")
        changed = self.changed_samples()
        variants = len(comparison.variants)
        if not changed and not variants:
            if self.request.variants:
                samples += f", {_count(comparison.variant_count, 'variant')}"
            return f"No output changes ({samples})."
        if changed:
            names = ", ".join(changed[:_NAMED_SAMPLES])
            if len(changed) > _NAMED_SAMPLES:
                names += f" and {len(changed) - _NAMED_SAMPLES} more"
            text = f"The output changes for {len(changed)} of {samples} ({names})"
        else:
            text = f"Every sample's output stays the same ({samples})"
        if variants == 1:
            text += "; 1 edge-case variant changes on its own"
        elif variants:
            text += f"; {variants:,} edge-case variants change on their own"
        return text + "."


def run_comparison(
    engine: RenderEngine,
    request: ComparisonRequest,
    *,
    progress: ProgressCallback | None = None,
    cancelled: CancelledCallback | None = None,
) -> ComparisonOutcome:
    """Compare the request's two versions (on a worker thread).

    Raises:
        CancelledError: ``cancelled`` answered True.
    """
    comparison = compare_versions(
        engine,
        request.old,
        request.new,
        sample_payloads(request.samples),
        lookups=request.lookups,
        variants=request.variants,
        progress=progress,
        cancelled=cancelled,
    )
    return ComparisonOutcome(request, comparison)


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def edge_case_summary(report: EdgeCaseReport) -> str:
    """One line about a finished check: what broke, out of how much.

    ``9 findings from 22 breaking variants (1,446 variants of 2 samples).`` or ``No variant breaks
    the template (1,446 variants of 2 samples).``
    """
    checked = f"{_count(report.variant_count, 'variant')} of {_count(len(report.payloads), 'sample')}"
    if report.passed:
        return f"No variant breaks the template ({checked})."
    breaking = len({example.variant for finding in report.findings for example in finding.examples})
    return (
        f"{_count(len(report.findings), 'finding')} from {_count(breaking, 'breaking variant')} "
        f"({checked})."
    )
