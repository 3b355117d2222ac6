"""Helpers the workspace commands share: open the workspace, write output, report errors plainly."""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from postback_studio.storage.workspace import Workspace

EXIT_FAILED = 1
EXIT_USAGE = 2


class CommandError(Exception):
    """A failure to report on stderr as ``postback-studio: message`` and exit with ``code``."""

    def __init__(self, message: str, code: int = EXIT_FAILED) -> None:
        super().__init__(message)
        self.code = code


def open_workspace(args: argparse.Namespace) -> Workspace:
    """Open the workspace the command line names (a new one is created and seeded).

    The command holds it shared while it is open: other commands may use it at the same time, the
    desktop app may not (and a command refuses, with :data:`EXIT_USAGE`, while the app has it).
    """
    from postback_studio.cli import workspace_path
    from postback_studio.storage.errors import WorkspaceError
    from postback_studio.storage.ownership import Access, WorkspaceInUseError
    from postback_studio.storage.workspace import Workspace

    holder = " ".join(["postback-studio", getattr(args, "command", None) or ""]).strip()
    try:
        return Workspace.open(workspace_path(args), access=Access.SHARED, holder=holder)
    except WorkspaceInUseError as exc:
        raise CommandError(f"{exc}; {exc.advice}, or use --workspace for another file", EXIT_USAGE) from None
    except WorkspaceError as exc:
        raise CommandError(str(exc), EXIT_USAGE) from None


def error(message: str) -> None:
    """Print one diagnostic line on stderr."""
    print(f"postback-studio: {message}", file=sys.stderr)


def write_text(text: str, out: str | None) -> None:
    """Write to ``out`` atomically (temp file, then rename), or to stdout when ``out`` is None or ``-``."""
    if out is None or out == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    target = Path(out).expanduser()
    try:
        fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        Path(temp).replace(target)
    except OSError as exc:
        raise CommandError(f"{target}: cannot write: {exc.strerror}", EXIT_USAGE) from None


def customer_id(workspace: Workspace, name: str | None) -> int | None:
    """The id of the customer called ``name`` (None for None), or a :class:`CommandError`."""
    if name is None:
        return None
    customer = workspace.customers.get_by_name(name)
    if customer is None or customer.id is None:
        raise CommandError(f"no customer named '{name}'", EXIT_USAGE)
    return customer.id


def run_action(
    args: argparse.Namespace, actions: dict[str | None, Callable[[argparse.Namespace], int]]
) -> int:
    """Run ``actions[args.action]`` (None: no action given), turning a :class:`CommandError` into its exit."""
    try:
        return actions[getattr(args, "action", None)](args)
    except CommandError as exc:
        error(str(exc))
        return exc.code


def print_rows(rows: list[dict[str, Any]], as_json: bool, line: Callable[[dict[str, Any]], str]) -> None:
    """Print rows as a JSON array (``--json``, for scripts) or one tab-separated line each."""
    if as_json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    for row in rows:
        print(line(row))
