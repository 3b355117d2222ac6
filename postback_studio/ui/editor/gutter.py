"""The code editor's gutter: line numbers, and a dot on each marked line with the marks as its tooltip.

It exists apart from the editor because painting the margin is a job of its own: walking the
visible blocks, sizing for the last line number's digits, and showing the worst severity of a
line's marks in its colour. The editor decides which marks there are (in layers) and tells the
gutter the merged result.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPoint, QRect, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import QPlainTextEdit, QToolTip, QWidget

from postback_studio.core.render.result import Severity
from postback_studio.ui.editor.highlighter import Palette

_SEVERITY_RANK = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}


class Gutter(QWidget):
    """The margin left of ``editor``'s text: line numbers and severity dots, with tooltips."""

    def __init__(self, editor: QPlainTextEdit, palette: Palette) -> None:
        super().__init__(editor)
        self._editor = editor
        self._palette = palette
        self._marks: dict[int, list[tuple[Severity, str]]] = {}

    def set_palette(self, palette: Palette) -> None:
        """Paint in ``palette``'s colours from now on."""
        self._palette = palette
        self.update()

    def set_marks(self, marks: dict[int, list[tuple[Severity, str]]]) -> None:
        """Show ``marks``: for each 1-based line, its ``(severity, message)`` pairs."""
        self._marks = marks
        self.update()

    def width_needed(self) -> int:
        """A mark column plus the digits of the last line number."""
        digits = len(str(max(1, self._editor.blockCount())))
        return 14 + self._editor.fontMetrics().horizontalAdvance("9") * max(digits, 2) + 8

    def mark_message_at(self, y: int) -> str:
        """The tooltip at viewport height ``y``: the marks of that line, one a line."""
        line = self._editor.cursorForPosition(QPoint(0, y)).blockNumber() + 1
        return "\n".join(f"{severity.value}: {message}" for severity, message in self._marks.get(line, []))

    def follow_update_request(self, rect: QRect, dy: int) -> None:
        """Scroll or repaint along with the editor's viewport (its ``updateRequest``)."""
        if dy:
            self.scroll(0, dy)
        else:
            self.update(0, rect.y(), self.width(), rect.height())

    def sizeHint(self) -> QSize:
        return QSize(self.width_needed(), 0)

    def paintEvent(self, event: QPaintEvent) -> None:
        """Paint line numbers and severity dots for the visible blocks."""
        editor, palette = self._editor, self._palette
        painter = QPainter(self)
        painter.fillRect(event.rect(), QColor(palette.gutter_background))
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        block = editor.firstVisibleBlock()
        top = round(editor.blockBoundingGeometry(block).translated(editor.contentOffset()).top())
        height = editor.fontMetrics().height()
        current = editor.textCursor().blockNumber()
        colours = {
            Severity.ERROR: palette.error,
            Severity.WARNING: palette.warning,
            Severity.INFO: palette.info,
        }
        while block.isValid() and top <= event.rect().bottom():
            bottom = top + round(editor.blockBoundingRect(block).height())
            if block.isVisible() and bottom >= event.rect().top():
                number = block.blockNumber()
                marks = self._marks.get(number + 1)
                if marks:
                    worst = min((severity for severity, _ in marks), key=_SEVERITY_RANK.__getitem__)
                    painter.setBrush(QColor(colours[worst]))
                    painter.setPen(Qt.PenStyle.NoPen)
                    size = min(9, height - 4)
                    painter.drawEllipse(3, top + (height - size) // 2, size, size)
                painter.setPen(QColor(palette.foreground if number == current else palette.gutter_foreground))
                painter.drawText(
                    0, top, self.width() - 6, height, Qt.AlignmentFlag.AlignRight, str(number + 1)
                )
            block = block.next()
            top = bottom
        painter.end()

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            position = event.pos()  # type: ignore[attr-defined]
            message = self.mark_message_at(position.y())
            if message:
                QToolTip.showText(event.globalPos(), message, self)  # type: ignore[attr-defined]
            else:
                QToolTip.hideText()
                event.ignore()
            return True
        return super().event(event)
