"""Light, dark, or follow the system: one theme object, swapped as a whole, for the whole application.

A :class:`ThemeColors` holds every colour the app paints with: the palette roles, the tones of
messages (ok, error, warning, info, hints), the outcome colours of the Requests page, the version
diff's backgrounds and the code editors' highlighting. :func:`palette_for` turns it into the
application palette; widgets that need a colour the palette has no role for ask
:func:`colors_for` with the palette they are painted with, at the moment they paint, so a theme
switch reaches them without a restart. No widget carries a style sheet: Qt freezes the palette of a
widget with one (a title would stay black on dark grey after a switch).

Email previews are never recoloured by the theme: they pin their own white page (see
:mod:`.email_preview`), because the integrator must see the message exactly as authored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QWidget

from postback_studio.core.requestlog import Outcome
from postback_studio.ui.editor.highlighter import DARK_PALETTE, LIGHT_PALETTE, Palette


class Theme(StrEnum):
    """The user's choice in Settings and View > Theme."""

    SYSTEM = "system"
    LIGHT = "light"
    DARK = "dark"


@dataclass(frozen=True)
class ThemeColors:
    """Every colour of one theme (``#rrggbb``); text colours pass WCAG AA on the backgrounds they use.

    ``alternate_base`` is also the navigation rail's background. ``ok``, ``error``, ``warning``,
    ``info`` and ``muted`` are text colours for messages and hints, readable on ``window``, ``base``
    and ``alternate_base``. ``outcomes`` colour the Requests page's outcome text (on ``base``) and
    its chart. ``diff`` are the backgrounds of changed, deleted, inserted and missing lines.
    """

    name: str
    window: str
    base: str
    alternate_base: str
    text: str
    muted: str
    disabled: str
    button: str
    highlight: str
    highlighted_text: str
    link: str
    tooltip_base: str
    tooltip_text: str
    ok: str
    error: str
    warning: str
    info: str
    error_background: str
    outcomes: dict[Outcome, str]
    diff: dict[str, str]
    editor: Palette = field(repr=False)

    @property
    def dark(self) -> bool:
        """Whether this is a dark theme."""
        return QColor(self.window).lightness() < 128


LIGHT_THEME = ThemeColors(
    name="light",
    window="#f6f8fa",
    base="#ffffff",
    alternate_base="#f0f3f6",
    text="#1f2328",
    muted="#57606a",
    disabled="#8c959f",
    button="#f6f8fa",
    highlight="#0969da",
    highlighted_text="#ffffff",
    link="#0550ae",
    tooltip_base="#ffffff",
    tooltip_text="#1f2328",
    ok="#116329",
    error="#b42318",
    warning="#7d4e00",
    info="#0550ae",
    error_background="#ffebe9",
    outcomes={
        Outcome.DELIVERED: "#116329",
        Outcome.RETRYING: "#7d4e00",
        Outcome.FAILED: "#b42318",
        Outcome.RENDER_FAILED: "#6639ba",
        Outcome.BLOCKED: "#953800",
        Outcome.CANCELED: "#57606a",
        Outcome.UNREADABLE: "#424a53",
    },
    diff={"changed": "#fff1c2", "deleted": "#ffd7d5", "inserted": "#d2f4d3", "gap": "#eaeef2"},
    editor=LIGHT_PALETTE,
)

DARK_THEME = ThemeColors(
    name="dark",
    window="#2b2d30",
    base="#1e1f22",
    alternate_base="#232427",
    text="#dfe1e5",
    muted="#a9adb3",
    disabled="#6f737a",
    button="#33363a",
    highlight="#2f65ca",
    highlighted_text="#ffffff",
    link="#6ea8fe",
    tooltip_base="#3c3f41",
    tooltip_text="#dfe1e5",
    ok="#57c26a",
    error="#ff7b72",
    warning="#e3b341",
    info="#58a6ff",
    error_background="#5a1d1d",
    outcomes={
        Outcome.DELIVERED: "#3fb950",
        Outcome.RETRYING: "#d29922",
        Outcome.FAILED: "#ff7b72",
        Outcome.RENDER_FAILED: "#bc8cff",
        Outcome.BLOCKED: "#f0883e",
        Outcome.CANCELED: "#9ca3ab",
        Outcome.UNREADABLE: "#8b949e",
    },
    diff={"changed": "#4b3b00", "deleted": "#5a1d1d", "inserted": "#1f4d2a", "gap": "#2a2c2f"},
    editor=DARK_PALETTE,
)


def palette_for(colors: ThemeColors) -> QPalette:
    """The application palette of ``colors``, every role of every colour group set."""
    palette = QPalette()
    roles = {
        QPalette.ColorRole.Window: colors.window,
        QPalette.ColorRole.WindowText: colors.text,
        QPalette.ColorRole.Base: colors.base,
        QPalette.ColorRole.AlternateBase: colors.alternate_base,
        QPalette.ColorRole.Text: colors.text,
        QPalette.ColorRole.Button: colors.button,
        QPalette.ColorRole.ButtonText: colors.text,
        QPalette.ColorRole.BrightText: colors.highlighted_text,
        QPalette.ColorRole.Highlight: colors.highlight,
        QPalette.ColorRole.HighlightedText: colors.highlighted_text,
        QPalette.ColorRole.ToolTipBase: colors.tooltip_base,
        QPalette.ColorRole.ToolTipText: colors.tooltip_text,
        QPalette.ColorRole.PlaceholderText: colors.muted,
        QPalette.ColorRole.Link: colors.link,
        QPalette.ColorRole.LinkVisited: colors.link,
    }
    shades = _shades(colors)
    for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive, QPalette.ColorGroup.Disabled):
        for role, colour in {**roles, **shades}.items():
            palette.setColor(group, role, QColor(colour))
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor(colors.disabled))
    palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Base, QColor(colors.window))
    return palette


def _shades(colors: ThemeColors) -> dict[QPalette.ColorRole, str]:
    """The bevel shades Fusion draws frames and buttons with, derived from the button colour."""
    button = QColor(colors.button)
    return {
        QPalette.ColorRole.Light: button.lighter(150).name(),
        QPalette.ColorRole.Midlight: button.lighter(125).name(),
        QPalette.ColorRole.Mid: button.darker(130).name(),
        QPalette.ColorRole.Dark: button.darker(160).name(),
        QPalette.ColorRole.Shadow: QColor("#000000").name(),
    }


def colors_for(source: QPalette | QWidget) -> ThemeColors:
    """The theme a widget (or a palette) is painted in: dark when its window colour is dark.

    A widget that pins its own light page (an email preview) is light whatever the app's theme.
    """
    palette = source.palette() if isinstance(source, QWidget) else source
    return DARK_THEME if palette.color(QPalette.ColorRole.Window).lightness() < 128 else LIGHT_THEME


def resolve(theme: Theme, system_scheme: Qt.ColorScheme) -> ThemeColors:
    """The colours ``theme`` stands for while the desktop asks for ``system_scheme``."""
    dark = theme is Theme.DARK or (theme is Theme.SYSTEM and system_scheme == Qt.ColorScheme.Dark)
    return DARK_THEME if dark else LIGHT_THEME


def apply_theme(app: QApplication, colors: ThemeColors) -> None:
    """Make ``colors`` the application palette (Fusion draws with the palette on every platform)."""
    if app.style().name().lower() != "fusion":
        app.setStyle("Fusion")
    app.setPalette(palette_for(colors))


class ThemeSwitcher(QObject):
    """Applies the chosen theme to the application and follows the desktop's scheme live.

    With :attr:`Theme.SYSTEM` chosen, a change of the desktop's colour scheme
    (``QStyleHints.colorSchemeChanged``) switches the app at once.

    Signals:
        theme_changed(str): the theme now chosen (a :class:`Theme` value), for the choosers.
    """

    theme_changed = Signal(str)

    def __init__(self, app: QApplication, theme: Theme, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._app = app
        self.theme = theme
        hints = app.styleHints()
        self._system_scheme = hints.colorScheme()
        hints.colorSchemeChanged.connect(self._on_system_scheme_changed)

    @property
    def colors(self) -> ThemeColors:
        """The colours in use."""
        return resolve(self.theme, self._system_scheme)

    def apply(self) -> None:
        """Apply :attr:`theme` (at start, after a choice, after the desktop's scheme changed)."""
        apply_theme(self._app, self.colors)
        self.theme_changed.emit(self.theme.value)

    def choose(self, value: str) -> None:
        """The user picked ``value`` (a :class:`Theme` value; anything else means system)."""
        try:
            self.theme = Theme(value)
        except ValueError:
            self.theme = Theme.SYSTEM
        self.apply()

    def stop(self) -> None:
        """Stop following the desktop (the window this switcher served is closing)."""
        self._app.styleHints().colorSchemeChanged.disconnect(self._on_system_scheme_changed)

    def _on_system_scheme_changed(self, scheme: Qt.ColorScheme) -> None:
        self._system_scheme = scheme
        if self.theme is Theme.SYSTEM:
            self.apply()
