"""``postback-studio check``: render a template against samples, and the template doctor.

Without a doctor option: every sample of the events (``--event``, default the event in the file
name, else all) and every ``--payload`` file, as a pass/fail grid. The doctor options print their
own reports instead, in this order: ``--lint`` (patterns that break on real data, with their quick
fixes), ``--edge-cases`` (every one-change variant of the samples rendered; what breaks, grouped by
template location), ``--against-version N`` (what changes against a saved version).

Exit 0 when nothing failed or was found, 1 when a sample fails, a variant breaks the template, a
lint is found, or an output differs from version N; 2 for usage errors.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from postback_studio.commands._rendering import LoadedTemplate
    from postback_studio.core.model import LookupSet, Template
    from postback_studio.core.render.engine import RenderEngine

FORMATS = ("json", "xml", "html", "text")


def register(subparsers: Any) -> None:
    """Add the ``check`` subcommand."""
    parser = subparsers.add_parser(
        "check",
        help="check a template against every sample: pass/fail grid, edge cases, lints, version diff",
        description="Render TEMPLATE against every built-in sample and variant of the given events "
        "(default: the event in the file name, else all) and the given payload files, and print a "
        "pass/fail grid with the first problem of each. --lint, --edge-cases and --against-version "
        "print the template doctor's reports instead.",
        epilog="exit status: 0 nothing failed or found; 1 a sample fails, a variant breaks the "
        "template, a lint is found, or an output differs from version N; 2 usage error",
    )
    parser.add_argument("template", metavar="TEMPLATE", nargs="?", help="template file")
    parser.add_argument(
        "--template",
        dest="workspace_template",
        metavar="NAME",
        help="a template in the workspace instead of a file (checked with its customer's lookup "
        "tables); with TEMPLATE and --against-version, the workspace template to compare the file with",
    )
    parser.add_argument(
        "--event", action="append", metavar="EVENT", help="EVENT or EVENT.VARIANT; repeatable"
    )
    parser.add_argument("--payload", action="append", metavar="FILE", help="payload JSON file; repeatable")
    parser.add_argument("--format", choices=FORMATS, help="output format (default: from the file extension)")
    parser.add_argument(
        "--lookups", metavar="FILE", help='lookup tables: JSON {"field": {"key": "value"}} or key,value CSV'
    )
    parser.add_argument("--strict", action="store_true", help="unresolved fields are errors")
    parser.add_argument("--schema", metavar="FILE", help="JSON Schema (JSON output) or XSD (XML output)")
    doctor = parser.add_argument_group("template doctor")
    doctor.add_argument(
        "--edge-cases",
        action="store_true",
        help="render every one-change variant of the samples (hostile strings, arrays of 0, 1 and 3 "
        "elements, nulls) and report what breaks, grouped by template location",
    )
    doctor.add_argument(
        "--show-output",
        action="store_true",
        help="with --edge-cases: print the output of each finding's first variant",
    )
    doctor.add_argument(
        "--lint",
        action="store_true",
        help="report patterns that break on real data (FILE:LINE:COL: warning: ...), with their quick fixes",
    )
    doctor.add_argument(
        "--against-version",
        type=int,
        metavar="N",
        help="compare the outputs of every sample and variant with version N of the workspace template "
        "(--template NAME, or the one named like the TEMPLATE file)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Check a template; the reports go to stdout, a summary and errors to stderr."""
    from postback_studio.commands._rendering import run_reported

    return run_reported("check", args, _check)


def _check(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from postback_studio.commands._common import UsageError
    from postback_studio.commands._rendering import (
        load_lookups,
        load_template_file,
        load_workspace_template,
        load_workspace_version,
    )
    from postback_studio.commands.exit_codes import ExitCode
    from postback_studio.core.model import OutputFormat, TemplateKind
    from postback_studio.core.render.engine import RenderEngine
    from postback_studio.core.render.validate import SchemaFileError
    from postback_studio.core.template_files import is_email_filename, template_name_from_filename

    comparing = args.against_version is not None
    if args.template is None and args.workspace_template is None:
        raise UsageError("give a TEMPLATE file or --template NAME (a workspace template)")
    if args.template is not None and args.workspace_template is not None and not comparing:
        raise UsageError("give a TEMPLATE file or --template NAME, not both (both go with --against-version)")
    if args.show_output and not args.edge_cases:
        raise UsageError("--show-output goes with --edge-cases")
    fmt = OutputFormat(args.format) if args.format else None
    lookups: LookupSet | None
    if args.template is not None:
        email = is_email_filename(args.template)
        if email and fmt in (OutputFormat.JSON, OutputFormat.XML):
            raise UsageError(f"--format {fmt.value}: an email template renders html and text parts")
        loaded = load_template_file(args.template, None if email else fmt)
        lookups = load_lookups(args.lookups)
    else:
        loaded, lookups = load_workspace_template(args, args.workspace_template)
        if args.lookups:
            lookups = load_lookups(args.lookups)
        if fmt is not None:
            if loaded.template.kind is TemplateKind.EMAIL:
                raise UsageError(f"--format {fmt.value}: an email template renders html and text parts")
            loaded = replace(loaded, template=replace(loaded.template, format=fmt))
    schema = Path(args.schema) if args.schema else None
    if schema is not None:
        if loaded.template.kind is TemplateKind.EMAIL:
            raise UsageError("--schema applies to JSON or XML webhook templates, not email templates")
        if not schema.is_file():
            raise UsageError(f"{schema}: no such file")
    old = None
    if comparing:
        name = args.workspace_template or template_name_from_filename(args.template)
        old = load_workspace_version(args, name, args.against_version)
    payloads = _payloads(args.event, args.payload, loaded)
    found = False
    with RenderEngine() as engine:
        job = _Job(engine, loaded, payloads, lookups, args.strict, schema)
        try:
            if not (args.lint or args.edge_cases or comparing):
                return _grid(job)
            if args.lint:
                found |= _lint(job)
            if args.edge_cases:
                found |= _edge_cases(job, show=args.show_output)
        except SchemaFileError as exc:
            raise UsageError(str(exc)) from None
        if old is not None:
            found |= _against(job, old, args.against_version)
    return ExitCode.FAILED if found else ExitCode.OK


@dataclass(frozen=True)
class _Job:
    """What every part of one ``check`` run works with."""

    engine: RenderEngine
    loaded: LoadedTemplate
    payloads: dict[str, Any]
    lookups: LookupSet | None
    strict: bool
    schema: Path | None


def _payloads(events: list[str] | None, files: list[str] | None, loaded: LoadedTemplate) -> dict[str, Any]:
    """The samples of ``--event`` (default: the events the name mentions, else all) and the
    ``--payload`` files, by name, in the order given."""

    from postback_studio.commands._common import UsageError
    from postback_studio.core.check import events_in_name, samples_to_check
    from postback_studio.core.model import Event
    from postback_studio.core.samples import UnknownSampleError, load_sample
    from postback_studio.core.textfiles import UnreadableFileError, read_json_file

    selectors = events or (
        [] if files else [e.value for e in (events_in_name(loaded.template.name) or list(Event))]
    )
    payloads: dict[str, Any] = {}
    try:
        for name in samples_to_check(selectors):
            payloads[name] = load_sample(name)
    except UnknownSampleError as exc:
        raise UsageError(f"--event: {exc}") from None
    for path in files or []:
        try:
            payloads[path] = read_json_file(Path(path), "the payload")
        except UnreadableFileError as exc:
            raise UsageError(str(exc)) from None
    return payloads


def _grid(job: _Job) -> int:
    """The pass/fail grid: one row per sample, with its first problem."""
    from postback_studio.commands._rendering import format_diagnostic
    from postback_studio.commands.exit_codes import ExitCode
    from postback_studio.core.check import check_template

    rows = check_template(
        job.engine,
        job.loaded.template,
        list(job.payloads),
        lookups=job.lookups,
        strict=job.strict,
        payloads=job.payloads,
        schema=job.schema,
    )
    width = max(len("SAMPLE"), *(len(row.sample) for row in rows))
    print(f"{'SAMPLE':<{width}}  RESULT  FIRST PROBLEM")
    for row in rows:
        problem = format_diagnostic(row.first_problem, job.loaded) if row.first_problem else ""
        print(f"{row.sample:<{width}}  {'pass' if row.passed else 'FAIL':<6}  {problem}".rstrip())
    failed = sum(not row.passed for row in rows)
    print(f"{len(rows) - failed} of {len(rows)} samples pass", file=sys.stderr)
    return ExitCode.OK if failed == 0 else ExitCode.FAILED


def _lint(job: _Job) -> bool:
    from postback_studio.commands._doctor_report import print_lints
    from postback_studio.core.doctor.lints import lint_template

    lints = lint_template(job.loaded.template, job.payloads)
    print_lints(lints, job.loaded)
    return bool(lints)


def _edge_cases(job: _Job, *, show: bool) -> bool:
    from postback_studio.commands._doctor_report import print_edge_cases
    from postback_studio.core.doctor.edge_cases import check_template_edge_cases

    report = check_template_edge_cases(
        job.engine,
        job.loaded.template,
        job.payloads,
        lookups=job.lookups,
        strict=job.strict,
        schema=job.schema,
    )
    print_edge_cases(report, job.loaded, job.engine if show else None)
    return not report.passed


def _against(job: _Job, old: Template, number: int) -> bool:
    from postback_studio.commands._doctor_report import print_comparison
    from postback_studio.core.doctor.compare import compare_versions

    comparison = compare_versions(
        job.engine, old, job.loaded.template, job.payloads, lookups=job.lookups, strict=job.strict
    )
    print_comparison(comparison, f"version {number}", job.loaded.origin)
    return comparison.changed
