"""``postback-studio export [--out FILE] [--customer NAME]``: the configuration as a JSON bundle."""

from __future__ import annotations

import argparse

from postback_studio.commands._common import open_workspace, run_action, write_text


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
    return run_action(args, {None: _export})


def _export(args: argparse.Namespace) -> int:
    with open_workspace(args) as session:
        text = session.transfer.export_text(args.customer)
    write_text(text, args)
    return 0
