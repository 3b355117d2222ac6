"""``postback-studio samples [EVENT]``: list the events and their samples, or print one sample."""

from __future__ import annotations

import argparse
import sys
from typing import Any


def register(subparsers: Any) -> None:
    """Add the ``samples`` subcommand."""
    parser = subparsers.add_parser(
        "samples",
        help="list the events and their built-in samples, or print one",
        description="Without EVENT, list the events and their built-in sample payloads. With EVENT "
        "(shipped) or EVENT.VARIANT (shipped.multi-item), print that sample's JSON.",
    )
    parser.add_argument("event", nargs="?", metavar="EVENT", help="EVENT or EVENT.VARIANT")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """List or print; unknown names exit 2 with the valid ones."""
    from postback_studio.commands.exit_codes import ExitCode
    from postback_studio.core.model import Event
    from postback_studio.core.paths import resources_dir
    from postback_studio.core.samples import UnknownSampleError, load_sample, samples_for_event

    if args.event is None:
        for event in Event:
            print(f"{event.value:<11} {event.label:<19} {', '.join(samples_for_event(event))}")
        return 0
    try:
        load_sample(args.event)
    except UnknownSampleError as exc:
        print(f"postback-studio samples: {exc}", file=sys.stderr)
        return ExitCode.USAGE
    sys.stdout.write((resources_dir() / "samples" / f"{args.event}.json").read_text(encoding="utf-8"))
    return 0
