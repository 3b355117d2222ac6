"""The preview of an email template: the rendered subject, the HTML part and the text part.

The HTML is shown the way a mail client shows it, by the shared :class:`EmailPreview` (white canvas
in every theme, desktop or phone width); this widget adds the subject, the text part and the
warnings about the message as a whole (no text part).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from postback_studio.core.render.engine import TemplateRendering
from postback_studio.ui.email_preview import EmailPreview, PreviewWidth
from postback_studio.ui.tones import Tone, emphasize, heading, set_tone


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
        set_tone(emphasize(self.warning_label), Tone.WARNING)
        self.warning_label.hide()
        self.html_preview = EmailPreview()
        self.canvas = self.html_preview.browser
        self.text_view = QPlainTextEdit()
        self.text_view.setReadOnly(True)
        self.text_view.setPlaceholderText("No text part")
        self.tabs = QTabWidget()
        self.tabs.addTab(self.html_preview, "HTML")
        self.tabs.addTab(self.text_view, "Text")
        subject_row = QHBoxLayout()
        subject_caption = heading("Subject:")
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
        return self.html_preview.width_mode is PreviewWidth.PHONE

    def set_phone_width(self, phone: bool) -> None:
        """Show the HTML at phone (True) or desktop width."""
        self.html_preview.set_width_mode(PreviewWidth.PHONE if phone else PreviewWidth.DESKTOP)

    def show_rendering(self, rendering: TemplateRendering, keep_stale: bool = False) -> None:
        """Show the parts of a rendered email.

        A part that failed is cleared, or, with ``keep_stale`` (what is on show is of the same
        template), keeps its previous content under a note that says so.
        """
        stale: list[str] = []
        subject = rendering.parts.get("subject")
        if subject is not None and subject.output is not None:
            self.subject_label.setText(subject.output.strip() or "(empty subject)")
        elif subject is not None and keep_stale:
            stale.append("subject")
        else:
            self.subject_label.setText("")
        html = rendering.parts.get("html")
        if html is None or (html.output is None and not keep_stale):
            self.html_preview.set_html("")
        elif html.output is not None:
            self.html_preview.set_html(html.output)
        else:
            stale.append("HTML part")
        text = rendering.parts.get("text")
        if text is None or (text.output is None and not keep_stale):
            self.text_view.clear()
        elif text.output is not None:
            self.text_view.setPlainText(text.output)
        else:
            stale.append("text part")
        warnings = [d.message for d in rendering.notes]
        if stale:
            parts = ", ".join(stale)
            warnings.insert(0, f"{parts[:1].upper()}{parts[1:]}: last good output, before the error")
        self.warning_label.setText("\n".join(f"⚠ {w}" for w in warnings))
        self.warning_label.setVisible(bool(warnings))

    def html_text(self) -> str:
        """The HTML canvas's document as plain text (what a reader sees)."""
        return self.canvas.toPlainText()
