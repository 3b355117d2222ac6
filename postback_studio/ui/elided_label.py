"""A one-line label that shortens its text with "…" when narrow, and then shows the whole as a tooltip.

A plain QLabel asks for the width of its whole text, so a long template name widens the pane that
holds it past the window (and clips the buttons beside it). This label asks for little, paints what
fits, and never hides text without a way to read it.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent, QResizeEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget


class ElidedLabel(QLabel):
    """Plain text on one line, elided at the right when it does not fit; the tooltip holds the whole."""

    def __init__(
        self,
        text: str = "",
        parent: QWidget | None = None,
        mode: Qt.TextElideMode = Qt.TextElideMode.ElideRight,
    ) -> None:
        super().__init__(text, parent)
        self._mode = mode  # ElideMiddle for paths: their start and their file name both matter
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self._own_tooltip = ""
        self._update_tooltip()

    def setText(self, text: str) -> None:
        super().setText(text)
        self._update_tooltip()

    def setToolTip(self, text: str) -> None:
        """A tooltip of its own, shown when the text is not elided (and after the whole text when it is)."""
        self._own_tooltip = text
        self._update_tooltip()

    def minimumSizeHint(self) -> QSize:
        return QSize(self.fontMetrics().horizontalAdvance("…") * 4, super().minimumSizeHint().height())

    def is_elided(self) -> bool:
        """Whether the text on show is shortened."""
        return self.fontMetrics().horizontalAdvance(self.text()) > self.contentsRect().width()

    def elided_text(self) -> str:
        """The text as painted."""
        width = self.contentsRect().width()
        return self.fontMetrics().elidedText(self.text(), self._mode, width)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._update_tooltip()

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setPen(self.palette().color(self.foregroundRole()))
        painter.setFont(self.font())
        painter.drawText(self.contentsRect(), int(self.alignment() | Qt.AlignmentFlag.AlignVCenter),
                         self.elided_text())
        painter.end()

    def _update_tooltip(self) -> None:
        whole = self.text() if self.is_elided() else ""
        QLabel.setToolTip(self, "\n".join(t for t in (whole, self._own_tooltip) if t))
