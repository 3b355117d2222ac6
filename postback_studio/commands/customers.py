"""``postback-studio customers [--json]``: the customers in the workspace."""

from __future__ import annotations

import argparse
from typing import Any

from postback_studio.commands._common import open_workspace, print_rows, run_action


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``customers`` command."""
    parser = subparsers.add_parser("customers", help="list the customers in the workspace")
    parser.add_argument("--json", action="store_true", help="print JSON for scripts")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Print one customer a line (name, reference id, trigger count), or a JSON array."""
    return run_action(args, {None: _list})


def _list(args: argparse.Namespace) -> int:
    with open_workspace(args) as session:
        rows = [
            {
                "id": c.id,
                "name": c.name,
                "referenceId": c.reference_id,
                "notes": c.notes,
                "triggers": len(session.triggers.list(customer_id=c.id)),
            }
            for c in session.customers.list()
        ]
    print_rows(rows, args.json, _line)
    return 0


def _line(row: dict[str, Any]) -> str:
    ref = f" [{row['referenceId']}]" if row["referenceId"] else ""
    return f"{row['name']}{ref}\t{row['triggers']} trigger(s)"
