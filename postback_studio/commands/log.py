"""``postback-studio log``: the request log, newest first, and ``log show ID``: one attempt in full.

``log [--failed] [--limit N] [--json]`` prints one attempt a line (time, outcome, attempt, trigger,
event, target, status, error), or a JSON array for scripts. ``log show ID [--json]`` prints the four
panes of one attempt (payload, template processing, final request, response or error), as the
Requests page shows them. Secret header values are stored redacted, so nothing printed here reveals
them. An entry the log cannot interpret is listed as ``unreadable`` with the reason, and the rest
of the log is printed as usual.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from postback_studio.commands._common import UsageError, open_workspace, print_rows, run_action

if TYPE_CHECKING:
    from postback_studio.core.requestlog import RequestRecord


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``log`` command and its ``show`` action."""
    parser = subparsers.add_parser(
        "log", help="show the request log, newest first; 'log show ID' for one entry"
    )
    parser.add_argument("--failed", action="store_true", help="only attempts that did not deliver")
    parser.add_argument("--limit", metavar="N", type=int, default=20, help="how many entries (default 20)")
    parser.add_argument("--json", action="store_true", help="print JSON for scripts")
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    show = actions.add_parser(
        "show", help="the payload, template processing, request and response of one entry"
    )
    show.add_argument("id", metavar="ID", type=int, help="the entry's id (the first column of 'log --json')")
    show.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="print one JSON object")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """List the newest entries, or show one; 2 for an unknown id or a bad option."""
    return run_action(args, {None: _list, "show": _show}, prefix="log")


def _list(args: argparse.Namespace) -> int:
    from postback_studio.core.requestlog import Outcome
    from postback_studio.core.requests_view import RequestFilter

    if args.limit < 1:
        raise UsageError("--limit: at least 1")
    where = (
        RequestFilter(outcomes=tuple(o for o in Outcome if o is not Outcome.DELIVERED))
        if args.failed
        else None
    )
    with open_workspace(args) as session:
        records = session.requests.query(where, limit=args.limit)
    print_rows([_row(r) for r in records], args.json, _line)
    return 0


def _show(args: argparse.Namespace) -> int:
    from postback_studio.core.request_detail import show_document, show_text

    with open_workspace(args) as session:
        record = session.requests.get(args.id)
    if args.json:
        print(json.dumps(show_document(record), indent=2, ensure_ascii=False))
    else:
        sys.stdout.write(show_text(record))
    return 0


def _iso(epoch: float | None) -> str | None:
    if epoch is None:
        return None
    return datetime.fromtimestamp(epoch, tz=UTC).isoformat(timespec="seconds")


def _row(r: RequestRecord) -> dict[str, Any]:
    return {
        "id": r.id,
        "deliveryId": r.delivery_id,
        "attempt": r.attempt,
        "outcome": r.outcome.value,
        "startedAt": _iso(r.started_at),
        "channel": r.channel.value,
        "event": r.event,
        "customer": r.customer_name,
        "trigger": r.trigger_name,
        "target": r.target,
        "method": r.request_method,
        "status": r.response_status,
        "statusLabel": r.status_label,
        "durationMs": round(r.duration * 1000, 1) if r.duration is not None else None,
        "error": r.error,
        "test": r.is_test,
        "nextAttemptAt": _iso(r.next_attempt_at),
    }


def _line(row: dict[str, Any]) -> str:
    cells = [
        f"{row['id']}",
        row["startedAt"],
        row["outcome"],
        f"#{row['attempt']}",
        row["trigger"] or "(ad hoc)",
        row["event"],
        row["target"],
        row["statusLabel"],
        row["error"],
    ]
    return "\t".join(cells)
