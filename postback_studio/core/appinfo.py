"""Who the application is to the operating system: its names, identifiers and version.

Settings (QSettings), the workspace folder (platformdirs), the desktop entry and the window manager
all key on these names, so they live in one place and must not change lightly: renaming one moves
where an existing user's settings or workspace are looked for.
"""

from __future__ import annotations

import sys
import tomllib
from importlib import metadata
from pathlib import Path

#: The distribution name in pyproject.toml, the command, the desktop file ID and the icon name.
DISTRIBUTION = "postback-studio"
#: The name people see (window titles, About, the desktop menu). Qt's application name: QSettings
#: file names and the X11 window class derive from it.
APPLICATION_NAME = "Postback Studio"
#: QSettings' folder on Linux (``~/.config/Postback Studio/``) and registry key on Windows.
ORGANIZATION_NAME = "Postback Studio"
#: Reverse-DNS base for macOS (settings plist ``com.postback-studio.Postback Studio.plist``). This is
#: the identifier Qt derived from :data:`ORGANIZATION_NAME` before it was set explicitly, so macOS
#: settings stay where they were; it names the application and no web site is implied.
ORGANIZATION_DOMAIN = "postback-studio.com"
#: The freedesktop desktop file ID without ``.desktop`` (Wayland app ID, taskbar grouping).
DESKTOP_FILE_ID = DISTRIBUTION
#: The folder under the platform's user data directory that holds the default workspace. Unchanged
#: since the first release: existing workspaces are found where they were created.
DATA_DIR_NAME = DISTRIBUTION
#: One line for the desktop menu and package descriptions.
SUMMARY = "Design, preview, test and ship GelatoConnect-style postback templates offline"

_UNKNOWN_VERSION = "0+unknown"


def app_version() -> str:
    """The version from pyproject.toml, through the installed distribution's metadata.

    A frozen build carries that metadata (the build copies it); a source checkout run without
    installing has none, so pyproject.toml beside the package is read instead. Both paths read the
    one version number in pyproject.toml.
    """
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        pass
    pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
    try:
        project = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("project", {})
    except (OSError, tomllib.TOMLDecodeError):
        return _UNKNOWN_VERSION
    if project.get("name") != DISTRIBUTION:
        return _UNKNOWN_VERSION
    return str(project.get("version", _UNKNOWN_VERSION))


def is_frozen() -> bool:
    """True in the standalone (PyInstaller) build, where ``sys.executable`` is the app itself."""
    return bool(getattr(sys, "frozen", False))
