"""``postback-studio export [--out FILE] [--customer NAME]``: the configuration as a JSON bundle."""

from __future__ import annotations

import argparse

from postback_studio.commands._common import CommandError, error, open_workspace, write_text


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``export`` command."""
    parser = subparsers.add_parser(
        "export",
        help="write the configuration as a JSON bundle (no secrets)",
        description="Write customers, templates, triggers, lookup tables and SMTP settings as a "
        "deterministic JSON bundle. Secret values are never written; the bundle lists which to re-enter.",
    )
    parser.add_argument("--out", metavar="FILE", help="write to FILE instead of stdout")
    parser.add_argument("--customer", metavar="NAME", help="only this customer (and what its renders use)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Export; exit 0, or 2 when the workspace or the customer cannot be found."""
    from postback_studio.core.bundle import dump_document
    from postback_studio.storage.errors import WorkspaceError
    from postback_studio.storage.transfer import export_document

    try:
        with open_workspace(args) as workspace:
            try:
                document = export_document(workspace, args.customer)
            except WorkspaceError as exc:
                raise CommandError(str(exc), 2) from None
        write_text(dump_document(document), args.out)
    except CommandError as exc:
        error(str(exc))
        return exc.code
    return 0
