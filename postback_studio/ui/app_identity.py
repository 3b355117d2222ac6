"""The application's identity for Qt: names, version, desktop file name and icon.

QSettings derives its file location from the organisation and application names (and, on macOS,
the organisation domain); the desktop file name is the Wayland app ID that ties windows to the
installed desktop entry and its icon; the window icon shows in the title bar, the taskbar and the
About dialog. The values come from :mod:`postback_studio.core.appinfo`, which explains why they
must stay as they are.
"""

from __future__ import annotations

from PySide6.QtGui import QGuiApplication, QIcon

from postback_studio.core.appinfo import (
    APPLICATION_NAME,
    DESKTOP_FILE_ID,
    ORGANIZATION_DOMAIN,
    ORGANIZATION_NAME,
    app_version,
)
from postback_studio.core.paths import resources_dir


def application_icon() -> QIcon:
    """The app icon at every shipped size (PNGs, so no SVG plugin is needed at run time)."""
    icon = QIcon()
    for png in sorted((resources_dir() / "icons" / "hicolor").glob(f"*/apps/{DESKTOP_FILE_ID}.png")):
        icon.addFile(str(png))
    return icon


def apply_identity(app: QGuiApplication) -> None:
    """Name the running application and give every window its icon."""
    app.setOrganizationName(ORGANIZATION_NAME)
    app.setOrganizationDomain(ORGANIZATION_DOMAIN)
    app.setApplicationName(APPLICATION_NAME)
    app.setApplicationVersion(app_version())
    app.setDesktopFileName(DESKTOP_FILE_ID)
    app.setWindowIcon(application_icon())
