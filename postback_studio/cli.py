"""The ``postback-studio`` command: no arguments opens the desktop app, subcommands run headless.

The headless path never imports Qt: subcommand modules are imported only to register their
arguments, and each imports its heavy dependencies inside its handler.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from postback_studio.commands import desktop

#: Subcommand modules under ``postback_studio.commands``, in the order ``--help`` lists them.
COMMAND_MODULES: tuple[str, ...] = (
    "render",
    "samples",
    "check",
    "scaffold",
    "customers",
    "templates",
    "triggers",
    "lookups",
    "export",
    "import_",
    "send",
    "simulate",
    "inbox",
    "log",
    "smtp",
    "secrets",
)

WORKSPACE_ENV = "POSTBACK_STUDIO_WORKSPACE"


def default_workspace_path() -> Path:
    """The workspace used when neither ``--workspace`` nor the environment names one."""
    from platformdirs import user_data_path

    from postback_studio.core.appinfo import DATA_DIR_NAME

    return user_data_path(DATA_DIR_NAME, appauthor=False) / "workspace.sqlite"


def workspace_path(args: argparse.Namespace) -> Path:
    """Resolve the workspace file: ``--workspace``, then ``$POSTBACK_STUDIO_WORKSPACE``, then default."""
    if getattr(args, "workspace", None):
        return Path(args.workspace).expanduser()
    if os.environ.get(WORKSPACE_ENV):
        return Path(os.environ[WORKSPACE_ENV]).expanduser()
    return default_workspace_path()


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every registered subcommand."""
    parser = argparse.ArgumentParser(
        prog="postback-studio",
        description="Design, preview, test and ship GelatoConnect-style postback templates. "
        "Without a command, opens the desktop app.",
    )
    parser.add_argument(
        "--workspace",
        metavar="PATH",
        help=f"the SQLite workspace file (default: ${WORKSPACE_ENV}, else the user data directory)",
    )
    desktop.add_global_options(parser)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        module = importlib.import_module(f"postback_studio.commands.{name}")
        module.register(subparsers)
    return parser


def desktop_start(argv: Sequence[str]) -> argparse.Namespace | None:
    """The arguments of a plain desktop start (nothing, or only ``--workspace``), else None.

    Such a start skips :func:`build_parser`, which imports every command module to register its
    arguments: work the desktop app's start-up would pay for and never use. Anything else, a help
    request or a mistake included, goes through the full parser and gets its full messages.
    """
    parser = argparse.ArgumentParser(add_help=False, exit_on_error=False)
    parser.add_argument("--workspace")
    try:
        args, rest = parser.parse_known_args(argv)
    except argparse.ArgumentError:
        return None
    return None if rest else args


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the process exit code."""
    arguments = sys.argv[1:] if argv is None else list(argv)
    args = desktop_start(arguments)
    if args is None:
        args = build_parser().parse_args(arguments)
        installation_exit = desktop.run_global_option(args)
        if installation_exit is not None:
            return installation_exit
        if args.command is not None:
            return _run_command(args)
    from postback_studio.app import run_gui

    return run_gui(workspace_path(args))


def _run_command(args: argparse.Namespace) -> int:
    """Run a subcommand's handler; an interrupt or a closed output pipe ends it quietly."""
    try:
        return int(args.handler(args))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `postback-studio samples | head` closes stdout early; that is not an error.
        sys.stderr.close()
        return 0
