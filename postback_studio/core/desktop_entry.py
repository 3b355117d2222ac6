"""A freedesktop desktop entry and icons, so the app appears in the desktop's menu with its icon.

Installed per user, into the XDG data directory (``$XDG_DATA_HOME``, else ``~/.local/share``):
``applications/postback-studio.desktop`` and ``icons/hicolor/<size>/apps/postback-studio.png``
(plus the scalable SVG). Nothing needs root, and uninstalling removes exactly those files.

The entry's ``Exec`` line names the program that is running now (the standalone build, or the
``postback-studio`` script of the environment it was installed into), so the menu starts the same
installation the user ran ``--install-desktop-entry`` from.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from postback_studio.core.appinfo import (
    APPLICATION_NAME,
    DESKTOP_FILE_ID,
    SUMMARY,
    is_frozen,
)

#: Characters that oblige an Exec argument to be quoted (Desktop Entry Specification, "The Exec key").
_RESERVED = set(" \t\n\"'\\><~|&;$*?#()`")
#: Inside a quoted Exec argument these four are escaped with a backslash.
_ESCAPED_IN_QUOTES = set('"`$\\')


@dataclass(frozen=True)
class InstalledFiles:
    """What an install wrote, or an uninstall removed."""

    desktop_file: Path
    icons: tuple[Path, ...]

    def all(self) -> tuple[Path, ...]:
        """The desktop file, then the icons."""
        return (self.desktop_file, *self.icons)


def xdg_data_home(environ: dict[str, str] | None = None) -> Path:
    """``$XDG_DATA_HOME`` when it is an absolute path (the spec ignores a relative one), else
    ``~/.local/share``."""
    env = os.environ if environ is None else environ
    value = env.get("XDG_DATA_HOME", "")
    if value and Path(value).is_absolute():
        return Path(value)
    return Path.home() / ".local" / "share"


def launch_command() -> list[str]:
    """The command that starts this installation of the app.

    The standalone build is its own executable. An installed package has its console script beside
    the interpreter (a venv's or pipx's ``bin``); failing that, the interpreter runs the package.
    """
    if is_frozen():
        return [str(Path(sys.executable).resolve())]
    script_name = "postback-studio.exe" if sys.platform == "win32" else "postback-studio"
    script = Path(sys.executable).parent / script_name
    if script.is_file():
        return [str(script.absolute())]
    return [str(Path(sys.executable).absolute()), "-m", "postback_studio"]


def quote_exec_argument(argument: str) -> str:
    """One argument of an ``Exec`` value, quoted and escaped as the specification requires.

    The result is the *unescaped* Exec string; :func:`desktop_entry_text` then applies the general
    string escaping (a backslash becomes two) that every value of the file gets.
    """
    if "%" in argument:
        argument = argument.replace("%", "%%")
    if argument and not (set(argument) & _RESERVED):
        return argument
    escaped = "".join("\\" + ch if ch in _ESCAPED_IN_QUOTES else ch for ch in argument)
    return f'"{escaped}"'


def _escape_string_value(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r")


def desktop_entry_text(command: Sequence[str]) -> str:
    """The ``.desktop`` file that starts ``command``."""
    exec_value = _escape_string_value(" ".join(quote_exec_argument(a) for a in command))
    lines = [
        "[Desktop Entry]",
        "Type=Application",
        "Version=1.4",
        f"Name={APPLICATION_NAME}",
        "GenericName=Postback Template Designer",
        f"Comment={SUMMARY}",
        f"Exec={exec_value}",
        f"Icon={DESKTOP_FILE_ID}",
        "Terminal=false",
        "Categories=Development;WebDevelopment;",
        "Keywords=webhook;postback;template;Jinja;GelatoConnect;email;SMTP;",
        "StartupNotify=true",
        f"StartupWMClass={APPLICATION_NAME}",
    ]
    return "\n".join(lines) + "\n"


def _icon_sources(icons_dir: Path) -> list[tuple[Path, Path]]:
    """(source, path relative to the hicolor theme) for every shipped icon size and the SVG."""
    pairs = sorted(
        (png, png.relative_to(icons_dir / "hicolor"))
        for png in (icons_dir / "hicolor").glob(f"*/apps/{DESKTOP_FILE_ID}.png")
    )
    svg = icons_dir / f"{DESKTOP_FILE_ID}.svg"
    if svg.is_file():
        pairs.append((svg, Path("scalable") / "apps" / svg.name))
    return pairs


def planned_files(data_home: Path, icons_dir: Path) -> InstalledFiles:
    """Where an install into ``data_home`` puts the desktop file and each icon."""
    theme = data_home / "icons" / "hicolor"
    return InstalledFiles(
        desktop_file=data_home / "applications" / f"{DESKTOP_FILE_ID}.desktop",
        icons=tuple(theme / relative for _, relative in _icon_sources(icons_dir)),
    )


def install(data_home: Path, icons_dir: Path, command: Sequence[str]) -> InstalledFiles:
    """Write the desktop entry and copy the icons; returns what was written.

    Raises:
        FileNotFoundError: ``icons_dir`` has no icons (a broken installation).
        OSError: a file could not be written (the message names it).
    """
    sources = _icon_sources(icons_dir)
    if not sources:
        raise FileNotFoundError(f"no application icons in {icons_dir}")
    files = planned_files(data_home, icons_dir)
    for (source, _), target in zip(sources, files.icons, strict=True):
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    files.desktop_file.parent.mkdir(parents=True, exist_ok=True)
    temporary = files.desktop_file.with_suffix(".desktop.tmp")
    temporary.write_text(desktop_entry_text(command), encoding="utf-8")
    temporary.replace(files.desktop_file)
    _touch_icon_theme(data_home)
    return files


def uninstall(data_home: Path) -> list[Path]:
    """Remove the desktop entry and every icon an install wrote; returns the files removed."""
    theme = data_home / "icons" / "hicolor"
    candidates = [data_home / "applications" / f"{DESKTOP_FILE_ID}.desktop"]
    if theme.is_dir():
        candidates += sorted(theme.glob(f"*/apps/{DESKTOP_FILE_ID}.*"))
    removed = [path for path in candidates if path.is_file()]
    for path in removed:
        path.unlink()
    _touch_icon_theme(data_home)
    return removed


def _touch_icon_theme(data_home: Path) -> None:
    """Desktops reload an icon theme whose folder changed; a new mtime tells them it did."""
    theme = data_home / "icons" / "hicolor"
    if theme.is_dir():
        os.utime(theme)
