"""``postback-studio log [--failed] [--limit N] [--json]``: the request log, newest first.

One attempt a line (time, outcome, attempt, trigger, event, target, status, error), or a JSON array
for scripts. Secret header values are stored redacted, so nothing printed here reveals them.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import Any

from postback_studio.commands._common import UsageError, error, exit_code_for, open_workspace, print_rows
from postback_studio.core.errors import StudioError


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``log`` command."""
    parser = subparsers.add_parser("log", help="show the request log, newest first")
    parser.add_argument("--failed", action="store_true", help="only attempts that did not deliver")
    parser.add_argument("--limit", metavar="N", type=int, default=20, help="how many entries (default 20)")
    parser.add_argument("--json", action="store_true", help="print JSON for scripts")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Print the newest entries."""
    from postback_studio.core.requestlog import Outcome
    from postback_studio.core.requests_view import RequestFilter

    try:
        if args.limit < 1:
            raise UsageError("--limit: at least 1")
        where = (
            RequestFilter(outcomes=tuple(o for o in Outcome if o is not Outcome.DELIVERED))
            if args.failed
            else None
        )
        with open_workspace(args) as session:
            records = session.requests.query(where, limit=args.limit)
    except StudioError as exc:
        error(f"log: {exc}")
        return exit_code_for(exc)
    rows = [
        {
            "id": r.id,
            "deliveryId": r.delivery_id,
            "attempt": r.attempt,
            "outcome": r.outcome.value,
            "startedAt": datetime.fromtimestamp(r.started_at, tz=UTC).isoformat(timespec="seconds"),
            "channel": r.channel.value,
            "event": r.event,
            "customer": r.customer_name,
            "trigger": r.trigger_name,
            "target": r.target,
            "method": r.request_method,
            "status": r.response_status,
            "durationMs": round(r.duration * 1000, 1) if r.duration is not None else None,
            "error": r.error,
            "test": r.is_test,
            "nextAttemptAt": (
                datetime.fromtimestamp(r.next_attempt_at, tz=UTC).isoformat(timespec="seconds")
                if r.next_attempt_at is not None
                else None
            ),
        }
        for r in records
    ]
    print_rows(rows, args.json, _line)
    return 0


def _line(row: dict[str, Any]) -> str:
    status = "" if row["status"] is None else str(row["status"])
    cells = [
        row["startedAt"],
        row["outcome"],
        f"#{row['attempt']}",
        row["trigger"] or "(ad hoc)",
        row["event"],
        row["target"],
        status,
        row["error"],
    ]
    return "\t".join(cells)
