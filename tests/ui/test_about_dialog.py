"""Help > About: versions and locations shown, copied as text, reachable from the Help menu."""

from __future__ import annotations

import platform
from pathlib import Path

import jinja2
import PySide6
from PySide6.QtCore import qVersion
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from postback_studio.core.appinfo import app_version
from postback_studio.ui.about_dialog import AboutDialog, about_info
from postback_studio.ui.app_identity import application_icon
from postback_studio.ui.main_window import PAGE_NAMES, MainWindow, Page

SECRETS = "Secrets are kept in the system keyring (Test Keyring), not in the workspace file."


def _dialog(qtbot: QtBot, workspace: Path) -> AboutDialog:
    dialog = AboutDialog(about_info(workspace, SECRETS, "/cfg/Postback Studio.conf"), application_icon())
    qtbot.addWidget(dialog)
    return dialog


def test_shows_the_running_versions_and_the_locations(qtbot: QtBot, tmp_path: Path) -> None:
    dialog = _dialog(qtbot, tmp_path / "w.sqlite")
    shown = {label: widget.text() for label, widget in dialog.values.items()}
    assert shown["Postback Studio"].startswith(app_version() + " ")
    assert shown["Python"].startswith(platform.python_version())
    assert shown["Qt"] == qVersion()
    assert shown["PySide6"] == PySide6.__version__
    assert shown["Jinja2"] == jinja2.__version__
    assert shown["Workspace"] == str(tmp_path / "w.sqlite")
    assert shown["Secrets"] == SECRETS
    assert shown["Settings"] == "/cfg/Postback Studio.conf"
    assert not dialog.icon_label.pixmap().isNull(), "the app icon is shown"


def test_copy_puts_every_row_on_the_clipboard(qtbot: QtBot, tmp_path: Path) -> None:
    dialog = _dialog(qtbot, tmp_path / "w.sqlite")
    QGuiApplication.clipboard().clear()
    qtbot.mouseClick(dialog.copy_button, PySide6.QtCore.Qt.MouseButton.LeftButton)
    copied = QGuiApplication.clipboard().text()
    for label, widget in dialog.values.items():
        assert f"{label}: {widget.text()}\n" in copied
    assert f"Workspace: {tmp_path / 'w.sqlite'}" in copied
    assert dialog.copy_button.text() == "Copied"
    qtbot.waitUntil(lambda: dialog.copy_button.text() == "Copy", timeout=5000)


def test_help_menu_has_about(qtbot: QtBot) -> None:
    window = MainWindow([Page(n, QLabel(n)) for n in PAGE_NAMES], workspace_label="w.sqlite")
    qtbot.addWidget(window)
    about = next(a for a in window.findChildren(QAction) if a.text() == "&About Postback Studio")
    assert about.menuRole() is QAction.MenuRole.AboutRole
    with qtbot.waitSignal(window.about_requested):
        about.trigger()
