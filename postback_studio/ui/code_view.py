"""Read-only monospace text views for bodies, headers and transcripts, shared by Requests and Inbox."""

from __future__ import annotations

from PySide6.QtCore import QEvent
from PySide6.QtGui import QFontDatabase, QPalette
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from postback_studio.core.highlight import lexer_for
from postback_studio.ui.editor.highlighter import DARK_PALETTE, LIGHT_PALETTE, TemplateHighlighter

#: Bodies larger than this are shown without colours: lexing them would stall the GUI thread.
HIGHLIGHT_LIMIT = 200_000


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
    JSON, XML and HTML are coloured with the editor's pygments highlighter, in the theme's palette.
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
        self._highlighter = TemplateHighlighter(self.text.document(), lexer_for("text", template=False))
        self._format = "text"
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        header = QHBoxLayout()
        header.addWidget(self.title)
        header.addStretch(1)
        header.addWidget(self.pretty_toggle)
        layout.addLayout(header)
        layout.addWidget(self.text, 1)
        self._apply_palette()

    def set_body(self, exact: str, pretty: str | None, fmt: str = "") -> None:
        """Show ``exact``; offer ``pretty`` (None when the body does not parse).

        ``fmt`` (``json``, ``xml``, ``html``) chooses the colouring; it is guessed from the text when
        empty.
        """
        self._exact, self._pretty = exact, pretty
        guessed = fmt or _guess_format(exact)
        use = guessed if len(exact) <= HIGHLIGHT_LIMIT else "text"
        if use != self._format:
            self._format = use
            self._highlighter.set_lexer(lexer_for(use, template=False))
        self.pretty_toggle.setEnabled(pretty is not None)
        self._show()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._apply_palette()

    def _apply_palette(self) -> None:
        dark = self.palette().color(QPalette.ColorRole.Base).lightness() < 128
        self._highlighter.set_palette(DARK_PALETTE if dark else LIGHT_PALETTE)

    def _show(self) -> None:
        use_pretty = self.pretty_toggle.isChecked() and self._pretty is not None
        self.text.setPlainText(self._pretty if use_pretty and self._pretty is not None else self._exact)


def _guess_format(text: str) -> str:
    start = text.lstrip()[:1]
    if start in ("{", "["):
        return "json"
    if start == "<":
        return "html" if text.lstrip()[:15].lower().startswith(("<!doctype html", "<html")) else "xml"
    return "text"


def column(*items: QWidget | tuple[QWidget, int], margins: bool = False) -> QWidget:
    """A widget stacking ``items`` vertically; ``(widget, stretch)`` gives a widget a stretch factor."""
    holder = QWidget()
    layout = QVBoxLayout(holder)
    if not margins:
        layout.setContentsMargins(0, 0, 0, 0)
    for item in items:
        widget, stretch = item if isinstance(item, tuple) else (item, 0)
        layout.addWidget(widget, stretch)
    return holder


def side_by_side(left: QWidget, right: QWidget, sizes: tuple[int, int] = (420, 560)) -> QSplitter:
    """``left`` and ``right`` in a splitter the user can drag; neither side collapses to nothing."""
    splitter = QSplitter()
    splitter.addWidget(left)
    splitter.addWidget(right)
    splitter.setSizes(list(sizes))
    splitter.setChildrenCollapsible(False)
    return splitter
