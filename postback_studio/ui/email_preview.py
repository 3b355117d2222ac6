"""An email's HTML shown as authored: white paper and dark text in every application theme.

Mail clients render a message on their own white canvas; an app in dark mode must not recolour the
message (a dark background under text the author made black would hide it), so this widget pins a
light palette on itself that the application palette cannot override.

The message is laid out at a fixed width, as a mail client would: 800 px for a desktop client, 375 px
for a phone. Where the pane is narrower, the page scrolls sideways rather than being squeezed or
scaled, so what the integrator sees at each width is what the reader gets. The Inbox and the
Template Mapper both use it.
"""

from __future__ import annotations

from enum import StrEnum

from PySide6.QtCore import QEvent, QUrl, Signal
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QTextBrowser,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from postback_studio.ui.tones import hint

PAPER = QColor("#ffffff")
INK = QColor("#1a1a1a")
LINK = QColor("#0b57d0")


class PreviewWidth(StrEnum):
    """The canvas widths a message is checked at."""

    DESKTOP = "desktop"
    PHONE = "phone"

    @property
    def pixels(self) -> int:
        """The width the message is laid out at, in pixels."""
        return {PreviewWidth.DESKTOP: 800, PreviewWidth.PHONE: 375}[self]

    @property
    def caption(self) -> str:
        """The button that picks this width."""
        return f"{self.value.capitalize()} ({self.pixels} px)"


def paper_palette() -> QPalette:
    """The light palette of a mail client's canvas, for every colour group."""
    palette = QPalette()
    for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive, QPalette.ColorGroup.Disabled):
        for role in (QPalette.ColorRole.Base, QPalette.ColorRole.Window, QPalette.ColorRole.AlternateBase):
            palette.setColor(group, role, PAPER)
        for role in (QPalette.ColorRole.Text, QPalette.ColorRole.WindowText, QPalette.ColorRole.ButtonText):
            palette.setColor(group, role, INK)
        palette.setColor(group, QPalette.ColorRole.Link, LINK)
        palette.setColor(group, QPalette.ColorRole.Highlight, QColor("#b3d4fc"))
        palette.setColor(group, QPalette.ColorRole.HighlightedText, INK)
    return palette


class _PaperBrowser(QTextBrowser):
    """A QTextBrowser that keeps its light palette when the application palette changes."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self._pin_palette()

    def _pin_palette(self) -> None:
        palette = paper_palette()
        self.setPalette(palette)
        self.viewport().setPalette(palette)
        self.viewport().setAutoFillBackground(True)
        self.document().setDefaultStyleSheet(f"body {{ color: {INK.name()}; }} a {{ color: {LINK.name()}; }}")

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if (
            event.type() == QEvent.Type.PaletteChange
            and self.palette().color(QPalette.ColorRole.Base) != PAPER
        ):
            self._pin_palette()

    def loadResource(self, kind: int, name: QUrl) -> object:
        # Never fetch remote content (tracking pixels, remote images): the preview stays offline.
        if name.scheme() in ("http", "https", "ftp"):
            return None
        return super().loadResource(kind, name)


class EmailPreview(QWidget):
    """The HTML part of a message on a white canvas, at desktop or phone width.

    Signals:
        width_changed(str): the user switched between ``"desktop"`` and ``"phone"``.
    """

    width_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.browser = _PaperBrowser()
        self.browser.setPlaceholderText("No HTML part")
        self.desktop_button = QToolButton()
        self.desktop_button.setText(PreviewWidth.DESKTOP.caption)
        self.phone_button = QToolButton()
        self.phone_button.setText(PreviewWidth.PHONE.caption)
        group = QButtonGroup(self)
        group.setExclusive(True)
        for button in (self.desktop_button, self.phone_button):
            button.setCheckable(True)
            group.addButton(button)
        self.desktop_button.toggled.connect(self._on_desktop_button_toggled)
        self.note = hint("Shown as authored; remote images are not loaded.")

        controls = QHBoxLayout()
        controls.addWidget(self.desktop_button)
        controls.addWidget(self.phone_button)
        controls.addStretch(1)
        canvas = QHBoxLayout()
        canvas.addStretch(0)
        canvas.addWidget(self.browser, 1)
        canvas.addStretch(0)
        self._canvas = canvas
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(controls)
        layout.addWidget(self.note)
        layout.addLayout(canvas, 1)
        self._width = PreviewWidth.PHONE
        self.desktop_button.setChecked(True)

    @property
    def width_mode(self) -> PreviewWidth:
        """The canvas width shown now."""
        return self._width

    def set_html(self, html: str) -> None:
        """Show ``html`` (an email's HTML part; empty shows the "No HTML part" placeholder)."""
        self.browser.setHtml(html)

    def set_width_mode(self, mode: PreviewWidth) -> None:
        """Show the message at desktop or phone width."""
        (self.desktop_button if mode is PreviewWidth.DESKTOP else self.phone_button).setChecked(True)

    def _on_desktop_button_toggled(self, desktop: bool) -> None:
        self._width = PreviewWidth.DESKTOP if desktop else PreviewWidth.PHONE
        pixels = self._width.pixels
        self.browser.setLineWrapMode(QTextBrowser.LineWrapMode.FixedPixelWidth)
        self.browser.setLineWrapColumnOrWidth(pixels)
        # A phone's canvas is no wider than the phone, centred; a desktop's fills the pane.
        scrollbar = self.browser.verticalScrollBar().sizeHint().width()
        margins = self.browser.document().documentMargin() * 2 + 2 * self.browser.frameWidth()
        widest = 16_777_215 if desktop else pixels + scrollbar + int(margins)
        self.browser.setMaximumWidth(widest)
        self._canvas.setStretch(0, 0 if desktop else 1)
        self._canvas.setStretch(1, 1 if desktop else 0)
        self._canvas.setStretch(2, 0 if desktop else 1)
        self.width_changed.emit(self._width.value)
