"""``postback-studio customers [--json]``: the customers in the workspace."""

from __future__ import annotations

import argparse
from typing import Any

from postback_studio.commands._common import CommandError, error, open_workspace, print_rows


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``customers`` command."""
    parser = subparsers.add_parser("customers", help="list the customers in the workspace")
    parser.add_argument("--json", action="store_true", help="print JSON for scripts")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Print one customer a line (name, reference id, trigger count), or a JSON array."""
    try:
        with open_workspace(args) as workspace:
            rows = [
                {
                    "id": c.id,
                    "name": c.name,
                    "referenceId": c.reference_id,
                    "notes": c.notes,
                    "triggers": len(workspace.triggers.list(customer_id=c.id)),
                }
                for c in workspace.customers.list()
            ]
    except CommandError as exc:
        error(str(exc))
        return exc.code
    print_rows(rows, args.json, _line)
    return 0


def _line(row: dict[str, Any]) -> str:
    ref = f" [{row['referenceId']}]" if row["referenceId"] else ""
    return f"{row['name']}{ref}\t{row['triggers']} trigger(s)"
