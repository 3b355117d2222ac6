"""Read-only monospace text views for bodies, headers and transcripts, shared by Requests and Inbox."""

from __future__ import annotations

from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QPlainTextEdit, QVBoxLayout, QWidget


class CodeView(QPlainTextEdit):
    """Monospace, read-only, selectable text; long lines wrap so nothing is cut off at the edge."""

    def __init__(self, placeholder: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.setPlaceholderText(placeholder)


class BodyView(QWidget):
    """A body shown exactly as sent, with a *Pretty* toggle offered only when the body parses.

    The exact text is the default: what left the machine is what the integrator must see first.
    """

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._exact = ""
        self._pretty: str | None = None
        self.title = QLabel(f"<b>{title}</b>")
        self.pretty_toggle = QCheckBox("Pretty")
        self.pretty_toggle.setToolTip("Indent JSON or XML for reading; the exact bytes are the default view")
        self.pretty_toggle.toggled.connect(self._show)
        self.text = CodeView("(empty body)")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        header = QWidget()
        row = QHBoxLayout(header)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.title)
        row.addStretch(1)
        row.addWidget(self.pretty_toggle)
        layout.addWidget(header)
        layout.addWidget(self.text, 1)

    def set_body(self, exact: str, pretty: str | None) -> None:
        """Show ``exact``; offer ``pretty`` (None when the body is not JSON or XML)."""
        self._exact, self._pretty = exact, pretty
        self.pretty_toggle.setEnabled(pretty is not None)
        self._show()

    def _show(self) -> None:
        use_pretty = self.pretty_toggle.isChecked() and self._pretty is not None
        self.text.setPlainText(self._pretty if use_pretty and self._pretty is not None else self._exact)
