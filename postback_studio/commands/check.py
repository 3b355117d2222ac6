"""``postback-studio check TEMPLATE [--event EVENT]...``: render against every sample, print a grid.

The events default to the one the file name mentions (``order-shipped.json.j2`` -> shipped), else
all of them. Exit 0 only when every sample passes, so integrators can run it in their own CI.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from postback_studio.commands.exit_codes import ExitCode

if TYPE_CHECKING:
    from postback_studio.commands._rendering import LoadedTemplate
    from postback_studio.core.model import LookupSet


def register(subparsers: Any) -> None:
    """Add the ``check`` subcommand."""
    parser = subparsers.add_parser(
        "check",
        help="render a template against every sample of its events and print a pass/fail grid",
        description="Render TEMPLATE against every built-in sample and variant of the given events "
        "(default: the event in the file name, else all) and print a pass/fail grid with the first "
        "problem of each. Exit 0 only when all pass.",
    )
    parser.add_argument("template", metavar="TEMPLATE", nargs="?", help="template file")
    parser.add_argument(
        "--template",
        dest="workspace_template",
        metavar="NAME",
        help="a template in the workspace instead of a file (checked with its customer's lookup tables)",
    )
    parser.add_argument(
        "--event", action="append", metavar="EVENT", help="EVENT or EVENT.VARIANT; repeatable"
    )
    parser.add_argument(
        "--lookups", metavar="FILE", help='lookup tables: JSON {"field": {"key": "value"}} or key,value CSV'
    )
    parser.add_argument("--strict", action="store_true", help="unresolved fields are errors")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Check a template file; the grid goes to stdout."""
    from postback_studio.commands._common import UsageError
    from postback_studio.commands._rendering import (
        load_lookups,
        load_template_file,
        load_workspace_template,
    )

    try:
        if (args.template is None) == (args.workspace_template is None):
            raise UsageError("give a TEMPLATE file or --template NAME (a workspace template), not both")
        if args.workspace_template is not None:
            loaded, lookups = load_workspace_template(args, args.workspace_template)
            if args.lookups:
                lookups = load_lookups(args.lookups)
        else:
            loaded = load_template_file(args.template)
            lookups = load_lookups(args.lookups)
        return check_loaded(loaded, args.event, lookups, strict=args.strict)
    except UsageError as exc:
        print(f"postback-studio check: {exc}", file=sys.stderr)
        return exc.code
    except Exception as exc:
        origin = args.template or args.workspace_template
        print(f"postback-studio check: {origin}: {type(exc).__name__}: {exc}", file=sys.stderr)
        return ExitCode.FAILED


def check_loaded(
    loaded: LoadedTemplate, events: list[str] | None, lookups: LookupSet | None, *, strict: bool = False
) -> int:
    """Check an already loaded template (a file now; a workspace template later) and print the grid."""
    from postback_studio.commands._common import UsageError
    from postback_studio.commands._rendering import format_diagnostic
    from postback_studio.core.check import check_template, events_in_name, samples_to_check
    from postback_studio.core.model import Event
    from postback_studio.core.render.engine import RenderEngine
    from postback_studio.core.samples import UnknownSampleError, load_sample

    selectors = events or [e.value for e in (events_in_name(loaded.template.name) or list(Event))]
    try:
        names = samples_to_check(selectors)
        for name in names:
            load_sample(name)
    except UnknownSampleError as exc:
        raise UsageError(f"--event: {exc}") from None
    with RenderEngine() as engine:
        rows = check_template(engine, loaded.template, names, lookups=lookups, strict=strict)
    width = max(len("SAMPLE"), *(len(row.sample) for row in rows))
    print(f"{'SAMPLE':<{width}}  RESULT  FIRST PROBLEM")
    for row in rows:
        problem = format_diagnostic(row.first_problem, loaded) if row.first_problem else ""
        print(f"{row.sample:<{width}}  {'pass' if row.passed else 'FAIL':<6}  {problem}".rstrip())
    failed = sum(not row.passed for row in rows)
    print(f"{len(rows) - failed} of {len(rows)} samples pass", file=sys.stderr)
    return ExitCode.OK if failed == 0 else ExitCode.FAILED
