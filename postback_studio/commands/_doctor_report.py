"""How ``check`` prints the template doctor's reports: lints, edge cases, version comparison.

Reports go to stdout (they are the command's result), one summary line each to stderr. Lints and
findings start with the ``FILE:LINE:COL: warning|error: message`` line every command uses, so
editors and scripts that read diagnostics read them too; indented lines below add the detail.
"""

from __future__ import annotations

import difflib
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from postback_studio.commands._rendering import LoadedTemplate, format_diagnostic
from postback_studio.core.render.result import Diagnostic, Severity

if TYPE_CHECKING:
    from postback_studio.core.doctor.compare import OutputChange, VersionComparison
    from postback_studio.core.doctor.edge_cases import EdgeCaseReport
    from postback_studio.core.doctor.lints import Lint
    from postback_studio.core.render.engine import RenderEngine

#: Variants listed under one finding before "and N more".
SHOWN_EXAMPLES = 8
#: Variants listed by a version comparison before "and N more".
SHOWN_VARIANTS = 20
_INDENT = "    "


def print_lints(lints: Sequence[Lint], loaded: LoadedTemplate) -> None:
    """One warning line per lint, then its quick fix and the variant that proves it."""
    for lint in lints:
        diagnostic = lint.diagnostic()
        print(format_diagnostic(_with_code(diagnostic), loaded))
        if lint.fix is not None:
            print(f"{_INDENT}quick fix: {lint.fix.title}")
            for edit in lint.fix.edits:
                if edit.replacement:
                    print(f"{_INDENT}  write: {edit.replacement}")
        if lint.proof is not None:
            print(f"{_INDENT}proof: {lint.proof.describe()}")
    fixable = sum(lint.fix is not None for lint in lints)
    if lints:
        print(f"lint: {_count(len(lints), 'problem')} ({fixable} with a quick fix)", file=sys.stderr)
    else:
        print("lint: no problems found", file=sys.stderr)


def print_edge_cases(report: EdgeCaseReport, loaded: LoadedTemplate, engine: RenderEngine | None) -> None:
    """One error line per finding, then the variants that show it (and, given an engine, the output
    of the first of them)."""
    for finding in report.findings:
        first = finding.first
        message = f"{finding.category} in {_count(len(finding.examples), 'variant')}; "
        message += f"{first.variant.describe()}: {first.diagnostic.message}"
        print(format_diagnostic(Diagnostic(Severity.ERROR, "edge-case", message, finding.location), loaded))
        for example in finding.examples[:SHOWN_EXAMPLES]:
            print(f"{_INDENT}{example.variant.describe()}")
        if len(finding.examples) > SHOWN_EXAMPLES:
            print(f"{_INDENT}... and {len(finding.examples) - SHOWN_EXAMPLES} more")
        if engine is not None:
            rendering = report.render_variant(engine, first.variant)
            output = rendering.parts[first.part].output
            print(f"{_INDENT}output of {first.variant.describe()} ({first.part}):")
            for line in (output if output is not None else "(nothing: the template failed)").split("\n"):
                print(f"{_INDENT}| {line}")
    samples = _count(len(report.payloads), "sample")
    if report.passed:
        print(
            f"edge cases: no variant breaks the template ({report.variant_count} variants of {samples})",
            file=sys.stderr,
        )
    else:
        print(
            f"edge cases: {_count(len(report.findings), 'finding')} "
            f"({report.variant_count} variants of {samples})",
            file=sys.stderr,
        )


def print_comparison(comparison: VersionComparison, old_name: str, new_name: str) -> None:
    """A table of the samples (changed or not), a unified diff per changed output, and the variants
    whose outcome changes on their own."""
    rows = comparison.samples
    width = max(len("SAMPLE"), *(len(change.variant.sample) for change in rows)) if rows else len("SAMPLE")
    print(f"{'SAMPLE':<{width}}  {'PART':<7}  OUTPUT")
    for change in rows:
        print(f"{change.variant.sample:<{width}}  {change.part:<7}  {change.verdict()}")
    for change in comparison.changed_samples:
        _print_diff(change, old_name, new_name)
    if comparison.variants:
        print(
            f"variants whose validity changes, or that change while their sample does not "
            f"({len(comparison.variants)} of {comparison.variant_count}):"
        )
        for change in comparison.variants[:SHOWN_VARIANTS]:
            print(f"{_INDENT}{change.variant.describe()} ({change.part}): {change.verdict()}")
        if len(comparison.variants) > SHOWN_VARIANTS:
            print(f"{_INDENT}... and {len(comparison.variants) - SHOWN_VARIANTS} more")
    changed = len({c.variant.sample for c in comparison.changed_samples})
    print(
        f"against {old_name}: {changed} of {_count(len({c.variant.sample for c in rows}), 'sample')} "
        f"change; {_count(len(comparison.variants), 'variant')} change on their own",
        file=sys.stderr,
    )


def _print_diff(change: OutputChange, old_name: str, new_name: str) -> None:
    label = f"{change.variant.sample} ({change.part})"
    lines = difflib.unified_diff(
        (change.old_output or "").splitlines(),
        (change.new_output or "").splitlines(),
        f"{label} {old_name}",
        f"{label} {new_name}",
        lineterm="",
    )
    for line in lines:
        print(line)


def _with_code(diagnostic: Diagnostic) -> Diagnostic:
    return Diagnostic(
        diagnostic.severity, diagnostic.code, f"{diagnostic.message} [{diagnostic.code}]", diagnostic.location
    )


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"
