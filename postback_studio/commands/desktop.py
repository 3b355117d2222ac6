"""Global options that are about the installation, not a workspace: ``--version`` and the desktop entry.

``postback-studio --install-desktop-entry`` puts Postback Studio in the desktop's application menu
(freedesktop desktops: GNOME, KDE, Xfce, ...) for the current user; ``--uninstall-desktop-entry``
takes it out again. Neither needs Qt or a display.
"""

from __future__ import annotations

import argparse
import sys

from postback_studio.commands.exit_codes import ExitCode
from postback_studio.core.appinfo import DISTRIBUTION, app_version


class _VersionAction(argparse.Action):
    """``--version``: looks the version up only when asked (reading the installed metadata scans
    every distribution on the path, which every start of the app would otherwise pay for)."""

    def __init__(self, option_strings: list[str], dest: str = argparse.SUPPRESS, **_: object) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS,
                         help="show program's version number and exit")

    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> None:
        print(f"{DISTRIBUTION} {app_version()}")
        parser.exit()


def add_global_options(parser: argparse.ArgumentParser) -> None:
    """Add ``--version``, ``--install-desktop-entry`` and ``--uninstall-desktop-entry``."""
    parser.add_argument("--version", action=_VersionAction)
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--install-desktop-entry",
        action="store_true",
        help="add Postback Studio and its icon to the desktop's application menu (this user, Linux)",
    )
    group.add_argument(
        "--uninstall-desktop-entry",
        action="store_true",
        help="remove what --install-desktop-entry added",
    )


def run_global_option(args: argparse.Namespace) -> int | None:
    """Carry out an installation option; None when the command line asked for none."""
    if not (args.install_desktop_entry or args.uninstall_desktop_entry):
        return None
    if args.command is not None:
        print(f"{DISTRIBUTION}: --install-desktop-entry and --uninstall-desktop-entry take no command",
              file=sys.stderr)
        return ExitCode.USAGE
    if sys.platform in ("win32", "darwin"):
        print(f"{DISTRIBUTION}: desktop entries are for Linux and BSD desktops; on this system start "
              "the app from its folder or pin it to the taskbar or Dock", file=sys.stderr)
        return ExitCode.USAGE
    from postback_studio.core import desktop_entry
    from postback_studio.core.paths import resources_dir

    data_home = desktop_entry.xdg_data_home()
    if args.uninstall_desktop_entry:
        try:
            removed = desktop_entry.uninstall(data_home)
        except OSError as exc:
            print(f"{DISTRIBUTION}: cannot remove the desktop entry: {exc}", file=sys.stderr)
            return ExitCode.FAILED
        if not removed:
            print(f"No desktop entry to remove under {data_home}.")
        for path in removed:
            print(f"Removed {path}")
        return 0
    command = desktop_entry.launch_command()
    try:
        files = desktop_entry.install(data_home, resources_dir() / "icons", command)
    except OSError as exc:
        print(f"{DISTRIBUTION}: cannot install the desktop entry: {exc}", file=sys.stderr)
        return ExitCode.FAILED
    print(f"Installed {files.desktop_file}")
    print(f"  starts: {' '.join(command)}")
    print(f"  icons: {len(files.icons)} sizes under {data_home / 'icons' / 'hicolor'}")
    return 0
