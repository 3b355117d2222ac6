"""The one composition root: builds the QApplication, the workspace, the services and the window.

Everything the GUI needs is created here and handed to the widgets that use it; nothing else in the
package constructs services or reaches for globals.
"""

from __future__ import annotations

import ctypes.util
import os
import sys
from pathlib import Path


def gui_unavailable_reason() -> str | None:
    """Say why Qt could not open a window here, before Qt aborts the process with its own message.

    Qt 6's xcb platform plugin needs ``libxcb-cursor0`` on Linux, and any on-screen platform needs a
    display. Returns None when the GUI should start.
    """
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if not sys.platform.startswith("linux") or platform in {"offscreen", "minimal", "vnc"}:
        return None
    wayland = bool(os.environ.get("WAYLAND_DISPLAY")) and platform in {"", "wayland"}
    if not os.environ.get("DISPLAY") and not wayland:
        return (
            "no display: the desktop app needs an X11 or Wayland session.\n"
            "  Run it from a desktop session, or set QT_QPA_PLATFORM=offscreen for a headless run.\n"
            "  The headless commands work without a display: postback-studio --help"
        )
    if not wayland and ctypes.util.find_library("xcb-cursor") is None:
        return (
            "Qt 6 needs the library libxcb-cursor0 to open windows on X11, and it is not installed.\n"
            "  Install it: sudo apt install libxcb-cursor0   (Fedora: sudo dnf install xcb-util-cursor)"
        )
    return None


def run_gui(workspace: Path) -> int:
    """Open the desktop application on ``workspace`` and run until the window closes."""
    reason = gui_unavailable_reason()
    if reason is not None:
        print(f"postback-studio: cannot open the desktop app: {reason}", file=sys.stderr)
        return 2

    from PySide6.QtWidgets import QApplication, QLabel

    from postback_studio.ui.main_window import PAGE_NAMES, MainWindow, Page

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("Postback Studio")
    app.setOrganizationName("Postback Studio")
    pages = [Page(name, QLabel(name)) for name in PAGE_NAMES]
    window = MainWindow(pages, workspace_label=str(workspace))
    window.resize(1280, 800)
    window.show()
    return int(app.exec())
