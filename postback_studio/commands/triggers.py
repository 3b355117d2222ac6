"""``postback-studio triggers [--customer NAME] [--json]``: the triggers in the workspace."""

from __future__ import annotations

import argparse
from typing import Any

from postback_studio.commands._common import customer_id, open_workspace, print_rows, run_action


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``triggers`` command."""
    parser = subparsers.add_parser("triggers", help="list the triggers in the workspace")
    parser.add_argument("--customer", metavar="NAME", help="only this customer's triggers")
    parser.add_argument("--json", action="store_true", help="print JSON for scripts")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """One trigger a line (customer, name, event, status, target, template), or a JSON array.

    Secret header values and signing secrets are never printed, only that they exist; nor is the
    user info (``user:password@``) of a URL.
    """
    return run_action(args, {None: _list})


def _list(args: argparse.Namespace) -> int:
    from postback_studio.core.url_safety import redact_userinfo

    with open_workspace(args) as session:
        owner = customer_id(session, args.customer)
        customers = {c.id: c.name for c in session.customers.list()}
        templates = {t.id: t.name for t in session.templates.list()}
        rows = [
            {
                "id": t.id,
                "name": t.name,
                "customer": customers.get(t.customer_id, ""),
                "event": t.event.value,
                "method": t.method.value,
                "target": redact_userinfo(t.url) if t.method.value == "url" else ", ".join(t.recipients),
                "format": t.format.value,
                "template": templates.get(t.template_id) if t.template_id is not None else None,
                "status": t.status.value,
                "signing": t.signing,
                "headers": [{"name": h.name, "secret": h.secret} for h in t.headers],
            }
            for t in session.triggers.list(customer_id=owner)
        ]
    print_rows(rows, args.json, _line)
    return 0


def _line(row: dict[str, Any]) -> str:
    return (
        f"{row['customer']}\t{row['name']}\t{row['event']}\t{row['status']}\t"
        f"{row['method']}:{row['target']}\t{row['template'] or '(no template)'}"
    )
