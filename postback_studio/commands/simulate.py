"""``postback-studio simulate --customer NAME (--event EVENT | --sequence) [--payload FILE] [--orders N]``.

Fires events for simulated orders through every *active* trigger of the customer: one event, or the
order's life in sequence (received, produced, shipped, in_transit, delivered), each order's events in
order, many orders in parallel. Payloads are the built-in samples, one order id per simulated order.
Every attempt is printed and logged; retries are waited for. Exit 0 when every postback was delivered.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter

from postback_studio.commands._common import UsageError, report_failure
from postback_studio.commands.exit_codes import ExitCode


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``simulate`` command."""
    parser = subparsers.add_parser(
        "simulate",
        help="fire events for simulated orders through a customer's active triggers",
        description="Fire an event (--event) or an order's whole life (--sequence) for --orders simulated "
        "orders through every active trigger of the customer. Exit 0 when every postback was delivered.",
    )
    parser.add_argument("--customer", metavar="NAME", required=True, help="the customer whose triggers fire")
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--event", metavar="EVENT", help="one event (EVENT.VARIANT picks a sample variant)")
    which.add_argument(
        "--sequence", action="store_true", help="received, produced, shipped, in_transit, delivered in order"
    )
    parser.add_argument("--payload", metavar="FILE", help="payload JSON file used for every event")
    parser.add_argument("--orders", metavar="N", type=int, default=1, help="simulated orders (default 1)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Simulate and summarise per event; never a traceback."""
    from postback_studio.commands._common import customer_id, open_workspace
    from postback_studio.commands._dispatch import delivery_service
    from postback_studio.commands._rendering import load_payload
    from postback_studio.core.model import LIFECYCLE
    from postback_studio.core.samples import UnknownSampleError, event_of
    from postback_studio.services.delivery import SendOptions

    try:
        if args.orders < 1:
            raise UsageError("--orders: at least 1")
        payload = None
        if args.sequence:
            events = list(LIFECYCLE)
        else:
            try:
                events = [event_of(args.event)]
            except UnknownSampleError as exc:
                raise UsageError(f"--event: {exc}") from None
            if "." in args.event:
                payload, _ = load_payload(args.event, None)
        if args.payload:
            payload, _ = load_payload(None, args.payload)
        with open_workspace(args) as session:
            owner = customer_id(session, args.customer)
            assert owner is not None
        with delivery_service(args) as service:
            reports = service.simulate(
                owner, events, orders=args.orders, payload=payload, options=SendOptions(wait=True)
            )
    except Exception as exc:  # the CLI reports, it never shows a traceback
        return report_failure("simulate", exc)
    if not reports:
        names = ", ".join(e.value for e in events)
        print(f"nothing sent: customer '{args.customer}' has no active trigger for {names}", file=sys.stderr)
        return ExitCode.FAILED
    tally = Counter((r.attempts[0].record.event, r.outcome.value) for r in reports)
    for event in events:
        counts = ", ".join(f"{n} {outcome}" for (e, outcome), n in sorted(tally.items()) if e == event.value)
        print(f"{event.value}: {counts or 'no active trigger'}", file=sys.stderr)
    return 0 if all(r.delivered for r in reports) else ExitCode.FAILED
