"""What ``send``, ``simulate``, ``inbox`` and ``smtp`` share: the service, and one line per attempt.

Attempts are printed on stdout as they are stored in the request log; waits before a retry are
announced on stderr before the command sleeps, so a long wait never looks like a hang.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from postback_studio.commands._common import UsageError

if TYPE_CHECKING:
    from postback_studio.core.requestlog import RequestRecord
    from postback_studio.services.delivery import DeliveryService
    from postback_studio.services.session import Session


def clock_time(seconds: float) -> str:
    """``HH:MM:SS`` local time, for lines a person reads while the command runs."""
    return datetime.fromtimestamp(seconds).strftime("%H:%M:%S")


def attempt_line(record: RequestRecord) -> str:
    """One attempt as a line: time, outcome, attempt number, trigger, target, status, error."""
    parts = [
        clock_time(record.started_at),
        record.outcome.value,
        f"attempt {record.attempt}",
        record.trigger_name or "(ad hoc)",
        record.event,
        record.target,
        record.status_label,
        record.error,
    ]
    return "  ".join(p for p in parts if p)


def _print_attempt(record: RequestRecord) -> None:
    print(attempt_line(record), flush=True)


def _sleep_announced(seconds: float) -> None:
    from postback_studio.core.dispatch.retry import format_seconds

    if seconds > 0:
        print(
            f"waiting {format_seconds(round(seconds, 1))} for the next attempt (Ctrl+C to stop waiting)",
            file=sys.stderr,
            flush=True,
        )
        time.sleep(seconds)


@contextmanager
def delivery_service(args: argparse.Namespace, *, quiet: bool = False) -> Iterator[DeliveryService]:
    """The service on the command line's workspace, printing each attempt unless ``quiet``.

    The workspace opened first stays open until the command ends, so the command holds it (shared)
    for its whole run, retry waits included; the service's own connections join that hold.
    """
    from postback_studio.cli import workspace_path
    from postback_studio.commands._common import open_workspace
    from postback_studio.core.render.engine import RenderEngine
    from postback_studio.services.delivery import DeliveryService

    path: Path = workspace_path(args)
    with (
        open_workspace(args),
        RenderEngine() as engine,
        DeliveryService.for_workspace(
            path,
            engine,
            sleeper=_sleep_announced,
            on_attempt=None if quiet else _print_attempt,
        ) as service,
    ):
        yield service


def find_trigger_id(session: Session, name: str, customer: str | None) -> int:
    """The id of the trigger called ``name`` (of ``customer`` when given); a usage error otherwise."""
    from postback_studio.core.errors import StudioError

    try:
        trigger_id = session.triggers.named(name, customer).id
    except StudioError as exc:
        raise UsageError(str(exc)) from None
    assert trigger_id is not None
    return trigger_id
