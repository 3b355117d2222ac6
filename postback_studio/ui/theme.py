"""Light, dark, or follow the system: one palette switch for the whole application.

Email previews are never recoloured by the theme: they set their own palette (see the preview
widgets), because the integrator must see the message exactly as authored.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication


class Theme(StrEnum):
    """The user's choice in Settings."""

    SYSTEM = "system"
    LIGHT = "light"
    DARK = "dark"


def system_is_dark() -> bool:
    """True when the desktop asks for a dark colour scheme (Qt 6.5+)."""
    hints = QGuiApplication.styleHints()
    return bool(hints.colorScheme() == Qt.ColorScheme.Dark)


def effective_dark(theme: Theme) -> bool:
    """Whether ``theme`` resolves to dark right now."""
    return theme is Theme.DARK or (theme is Theme.SYSTEM and system_is_dark())


def dark_palette() -> QPalette:
    """A restrained dark palette with enough contrast for long editing sessions."""
    palette = QPalette()
    base, window, text = QColor("#1e1f22"), QColor("#2b2d30"), QColor("#dfe1e5")
    for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
        palette.setColor(group, QPalette.ColorRole.Window, window)
        palette.setColor(group, QPalette.ColorRole.WindowText, text)
        palette.setColor(group, QPalette.ColorRole.Base, base)
        palette.setColor(group, QPalette.ColorRole.AlternateBase, QColor("#26282b"))
        palette.setColor(group, QPalette.ColorRole.Text, text)
        palette.setColor(group, QPalette.ColorRole.Button, window)
        palette.setColor(group, QPalette.ColorRole.ButtonText, text)
        palette.setColor(group, QPalette.ColorRole.Highlight, QColor("#2f65ca"))
        palette.setColor(group, QPalette.ColorRole.HighlightedText, QColor("#ffffff"))
        palette.setColor(group, QPalette.ColorRole.ToolTipBase, QColor("#3c3f41"))
        palette.setColor(group, QPalette.ColorRole.ToolTipText, text)
        palette.setColor(group, QPalette.ColorRole.PlaceholderText, QColor("#8c8f94"))
        palette.setColor(group, QPalette.ColorRole.Link, QColor("#6ea8fe"))
    disabled = QColor("#6f737a")
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, disabled)
    palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Base, window)
    palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Window, window)
    palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Button, window)
    return palette


def apply_theme(app: QApplication, theme: Theme) -> None:
    """Switch the application palette; widgets that must not be recoloured keep their own."""
    app.setStyle("Fusion")
    app.setPalette(dark_palette() if effective_dark(theme) else app.style().standardPalette())


class ThemeSwitcher(QObject):
    """Applies the chosen theme to the application and tells the widgets that follow it.

    Signals:
        theme_changed(str): the theme now applied (a :class:`Theme` value), for the choosers.
        editor_palette_changed(object): the code editors' highlighting palette for that theme.
    """

    theme_changed = Signal(str)
    editor_palette_changed = Signal(object)

    def __init__(self, app: QApplication, theme: Theme, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._app = app
        self.theme = theme

    def apply(self) -> None:
        """Apply :attr:`theme` (at start, and after a choice)."""
        apply_theme(self._app, self.theme)
        self.theme_changed.emit(self.theme.value)
        self.editor_palette_changed.emit(editor_palette(self.theme))

    def choose(self, value: str) -> None:
        """The user picked ``value`` (a :class:`Theme` value; anything else means system)."""
        try:
            self.theme = Theme(value)
        except ValueError:
            self.theme = Theme.SYSTEM
        self.apply()


def editor_palette(theme: Theme) -> Any:
    """The code editors' highlighting colours for ``theme``."""
    from postback_studio.ui.editor.highlighter import DARK_PALETTE, LIGHT_PALETTE

    return DARK_PALETTE if effective_dark(theme) else LIGHT_PALETTE
