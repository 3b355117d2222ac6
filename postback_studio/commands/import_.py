"""``postback-studio import FILE [--dry-run] [--replace]``: apply a bundle in one transaction, or
change nothing.

The plan it prints is the one the desktop app's File > Import Configuration… previews. Each item's
line is followed by its notes, indented: ``note: secrets cleared for trigger 'X' of customer 'Y'
because its destination changed (...)`` when the bundle moves a trigger or the SMTP settings to
another destination, ``warning: ...`` for a URL with user info or a metadata address; then the
plan's own notes (secrets to re-enter).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from postback_studio.commands._common import CommandError, error, open_workspace
from postback_studio.commands.exit_codes import ExitCode
from postback_studio.services.files import WorkspaceFileError


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``import`` command."""
    parser = subparsers.add_parser(
        "import",
        help="apply a JSON bundle to the workspace",
        description="Check a bundle against its JSON Schema, print what it creates, updates, removes or "
        "leaves unchanged and the secrets to re-enter, and apply it in one transaction. An invalid "
        "bundle changes nothing.",
    )
    parser.add_argument("file", metavar="FILE", help="the bundle written by 'export'")
    parser.add_argument("--dry-run", action="store_true", help="only print what would change")
    parser.add_argument(
        "--replace",
        action="store_true",
        help="also remove the customers, templates, triggers and lookup tables the bundle does not "
        "hold (default: merge, keeping them)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Exit 0 when applied (or the dry run is clean), 1 for an invalid bundle or a conflict, 2 when the
    file cannot be read as JSON at all."""
    from postback_studio.cli import workspace_path
    from postback_studio.core.bundle import BundleError, BundleReadError, read_bundle_file
    from postback_studio.core.import_plan import ImportMode
    from postback_studio.services.files import UserFiles

    mode = ImportMode.REPLACE if args.replace else ImportMode.MERGE
    try:
        UserFiles(workspace_path(args)).check_input(Path(args.file))
        bundle = read_bundle_file(Path(args.file))
        with open_workspace(args) as session:
            plan = session.transfer.apply(bundle, mode=mode, dry_run=args.dry_run)
    except BundleError as exc:
        for problem in exc.problems:
            error(f"{args.file}: {problem.field or '/'}: {problem.message}")
        error("nothing was imported")
        return ExitCode.USAGE if isinstance(exc, BundleReadError) else ExitCode.FAILED
    except CommandError as exc:
        error(str(exc))
        return exc.code
    except WorkspaceFileError as exc:
        error(str(exc))
        return ExitCode.USAGE
    for line in plan.lines():
        print(line)
    summary = f"({mode.value}): {plan.counts().describe('item')}; {len(plan.items)} in all"
    if args.dry_run:
        print(f"dry run {summary}; nothing was written", file=sys.stderr)
    else:
        print(f"imported {summary}", file=sys.stderr)
    return 0
