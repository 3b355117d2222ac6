"""The preview of an email template: the rendered subject, the HTML part and the text part.

The HTML is shown the way a mail client shows it: on a white canvas with dark text in every
application theme (the palette is pinned, so a dark theme never recolours the message), at desktop
width or at a phone's 375 pixels.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, QUrl
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QTabWidget,
    QTextBrowser,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from postback_studio.core.render.engine import TemplateRendering

PHONE_WIDTH = 375
_PAPER = QColor("#ffffff")
_INK = QColor("#1a1a1a")


def _paper_palette() -> QPalette:
    palette = QPalette()
    for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive, QPalette.ColorGroup.Disabled):
        for role in (QPalette.ColorRole.Base, QPalette.ColorRole.Window):
            palette.setColor(group, role, _PAPER)
        for role in (QPalette.ColorRole.Text, QPalette.ColorRole.WindowText):
            palette.setColor(group, role, _INK)
        palette.setColor(group, QPalette.ColorRole.Link, QColor("#0b57d0"))
    return palette


class MailCanvas(QTextBrowser):
    """A QTextBrowser on white paper that keeps its palette whatever the theme, and stays offline."""

    def __init__(self, parent: QWidget | None = None) -> None:
        """An empty canvas."""
        super().__init__(parent)
        self.setOpenLinks(False)
        self.setPlaceholderText("No HTML part")
        self._pin()

    def _pin(self) -> None:
        palette = _paper_palette()
        self.setPalette(palette)
        self.viewport().setPalette(palette)
        self.viewport().setAutoFillBackground(True)

    def changeEvent(self, event: QEvent) -> None:
        """Re-pin the paper palette when the application theme changes."""
        super().changeEvent(event)
        if (
            event.type() == QEvent.Type.PaletteChange
            and self.palette().color(QPalette.ColorRole.Base) != _PAPER
        ):
            self._pin()

    def loadResource(self, kind: int, name: QUrl) -> object:
        """Never fetch remote content (tracking pixels): the preview stays offline."""
        if name.scheme() in ("http", "https", "ftp"):
            return None
        return super().loadResource(kind, name)


class EmailPartsPreview(QWidget):
    """Subject line, a warning when a part is missing, and tabs for the HTML and the text part."""

    def __init__(self, parent: QWidget | None = None) -> None:
        """An empty preview."""
        super().__init__(parent)
        self.subject_label = QLabel()
        self.subject_label.setWordWrap(True)
        self.subject_label.setTextFormat(Qt.TextFormat.PlainText)
        self.warning_label = QLabel()
        self.warning_label.setWordWrap(True)
        self.warning_label.setStyleSheet("color: #9a6700; font-weight: bold;")
        self.warning_label.hide()
        self.canvas = MailCanvas()
        self.desktop_button = QToolButton()
        self.desktop_button.setText("Desktop")
        self.phone_button = QToolButton()
        self.phone_button.setText(f"Phone ({PHONE_WIDTH} px)")
        group = QButtonGroup(self)
        for button in (self.desktop_button, self.phone_button):
            button.setCheckable(True)
            group.addButton(button)
        self.desktop_button.setChecked(True)
        self.phone_button.toggled.connect(self._on_phone_button_toggled)
        html_tab = QWidget()
        widths = QHBoxLayout()
        widths.addWidget(self.desktop_button)
        widths.addWidget(self.phone_button)
        widths.addStretch(1)
        canvas_row = QHBoxLayout()
        canvas_row.addStretch(0)
        canvas_row.addWidget(self.canvas, 1)
        canvas_row.addStretch(0)
        self._canvas_row = canvas_row
        html_layout = QVBoxLayout(html_tab)
        html_layout.setContentsMargins(0, 4, 0, 0)
        html_layout.addLayout(widths)
        html_layout.addLayout(canvas_row, 1)
        self.text_view = QPlainTextEdit()
        self.text_view.setReadOnly(True)
        self.text_view.setPlaceholderText("No text part")
        self.tabs = QTabWidget()
        self.tabs.addTab(html_tab, "HTML")
        self.tabs.addTab(self.text_view, "Text")
        subject_row = QHBoxLayout()
        subject_caption = QLabel("Subject:")
        subject_caption.setStyleSheet("font-weight: bold;")
        subject_row.addWidget(subject_caption)
        subject_row.addWidget(self.subject_label, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(subject_row)
        layout.addWidget(self.warning_label)
        layout.addWidget(self.tabs, 1)

    @property
    def phone_width(self) -> bool:
        """True when the HTML is shown at phone width."""
        return self.phone_button.isChecked()

    def set_phone_width(self, phone: bool) -> None:
        """Show the HTML at phone (True) or desktop width."""
        (self.phone_button if phone else self.desktop_button).setChecked(True)

    def _on_phone_button_toggled(self, phone: bool) -> None:
        if phone:
            scrollbar = self.canvas.verticalScrollBar().sizeHint().width()
            # A cap, not a fixed width: a narrow preview pane must not widen the whole window.
            self.canvas.setMinimumWidth(0)
            self.canvas.setMaximumWidth(PHONE_WIDTH + scrollbar + 2 * self.canvas.frameWidth())
            for index, stretch in enumerate((1, 0, 1)):
                self._canvas_row.setStretch(index, stretch)
        else:
            self.canvas.setMinimumWidth(0)
            self.canvas.setMaximumWidth(16_777_215)
            for index, stretch in enumerate((0, 1, 0)):
                self._canvas_row.setStretch(index, stretch)

    def show_rendering(self, rendering: TemplateRendering) -> None:
        """Show the parts of a rendered email; a part that failed keeps its previous content."""
        subject = rendering.parts.get("subject")
        if subject is not None and subject.output is not None:
            self.subject_label.setText(subject.output.strip() or "(empty subject)")
        html = rendering.parts.get("html")
        if html is None:
            self.canvas.clear()
        elif html.output is not None:
            self.canvas.setHtml(html.output)
        text = rendering.parts.get("text")
        if text is None:
            self.text_view.clear()
        elif text.output is not None:
            self.text_view.setPlainText(text.output)
        warnings = [d.message for d in rendering.notes]
        self.warning_label.setText("\n".join(f"⚠ {w}" for w in warnings))
        self.warning_label.setVisible(bool(warnings))

    def html_text(self) -> str:
        """The HTML canvas's document as plain text (what a reader sees)."""
        return self.canvas.toPlainText()
