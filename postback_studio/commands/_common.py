"""Helpers the workspace commands share: open the workspace, write output, report errors plainly."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from postback_studio.commands.exit_codes import ExitCode
from postback_studio.core.errors import NotFoundError, StudioError, WorkspaceError

if TYPE_CHECKING:
    from postback_studio.services.session import Session


class CommandError(StudioError):
    """A failure to report on stderr as ``postback-studio: message`` and exit with ``code``."""

    def __init__(self, message: str, code: ExitCode = ExitCode.FAILED) -> None:
        super().__init__(message)
        self.code = code


class UsageError(CommandError):
    """Bad arguments or unreadable input: the message is printed as it is, and the exit code is 2."""

    def __init__(self, message: str) -> None:
        super().__init__(message, ExitCode.USAGE)


def exit_code_for(exc: StudioError) -> ExitCode:
    """The exit code of an error: its own for a command error, 2 for an unknown name or workspace.

    Anything else a service refused (a value that breaks a rule, a CSV with bad rows) is a failure.
    """
    if isinstance(exc, CommandError):
        return exc.code
    if isinstance(exc, (NotFoundError, WorkspaceError)):
        return ExitCode.USAGE
    return ExitCode.FAILED


def open_workspace(args: argparse.Namespace) -> Session:
    """Open the workspace the command line names (a new one is created and seeded).

    The command holds it shared while it is open: other commands may use it at the same time, the
    desktop app may not (and a command refuses, with exit code 2, while the app has it).
    """
    from postback_studio.cli import workspace_path
    from postback_studio.services.session import Access, Session, WorkspaceInUseError

    holder = " ".join(["postback-studio", getattr(args, "command", None) or ""]).strip()
    try:
        return Session.open(workspace_path(args), access=Access.SHARED, holder=holder)
    except WorkspaceInUseError as exc:
        raise UsageError(f"{exc}; {exc.advice}, or use --workspace for another file") from None
    except WorkspaceError as exc:
        raise UsageError(str(exc)) from None


def error(message: str) -> None:
    """Print one diagnostic line on stderr."""
    print(f"postback-studio: {message}", file=sys.stderr)


def report_failure(command: str, exc: Exception) -> ExitCode:
    """Report ``exc`` on stderr after ``command``'s name and return its exit code (never a traceback).

    A refusal (:class:`StudioError`) is its message and :func:`exit_code_for`; anything else is a
    failure named with its type.
    """
    if isinstance(exc, StudioError):
        error(f"{command}: {exc}")
        return exit_code_for(exc)
    error(f"{command}: {type(exc).__name__}: {exc}")
    return ExitCode.FAILED


def write_text(text: str, args: argparse.Namespace) -> None:
    """Write to ``args.out`` atomically, or to stdout when it is None or ``-``.

    The workspace's own files (and any other SQLite database) are refused with a usage error before
    anything is written: ``export --out ws.sqlite`` would otherwise replace the workspace with JSON.
    """
    from postback_studio.cli import workspace_path
    from postback_studio.services.files import UserFiles

    out = args.out
    if out is None or out == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    try:
        UserFiles(workspace_path(args)).write_text(Path(out), text)
    except StudioError as exc:
        raise UsageError(str(exc)) from None


def customer_id(session: Session, name: str | None) -> int | None:
    """The id of the customer called ``name`` (None for None), or a usage error."""
    if name is None:
        return None
    return session.customers.named(name).id


def run_action(
    args: argparse.Namespace,
    actions: dict[str | None, Callable[[argparse.Namespace], int]],
    *,
    prefix: str = "",
) -> int:
    """Run ``actions[args.action]`` (None: no action given), turning a refusal into its exit code.

    ``prefix`` (a command's name) goes before the message: ``postback-studio: log: ...``.
    """
    try:
        return actions[getattr(args, "action", None)](args)
    except StudioError as exc:
        error(f"{prefix}: {exc}" if prefix else str(exc))
        return exit_code_for(exc)


def print_rows(rows: list[dict[str, Any]], as_json: bool, line: Callable[[dict[str, Any]], str]) -> None:
    """Print rows as a JSON array (``--json``, for scripts) or one tab-separated line each."""
    if as_json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    for row in rows:
        print(line(row))
