"""The line above a long run's results: what it says, how far the run got, and Cancel.

Shared by the Edge Cases tab and the comparison of two versions, so both show a run the same way.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from postback_studio.core.doctor.progress import Progress

#: The progress bar's steps (a fraction is shown in thousandths).
_STEPS = 1000


class RunStatus(QWidget):
    """A summary line, with a progress bar and Cancel while a run goes on.

    Signals:
        cancel_requested(): *Cancel* was pressed.
    """

    cancel_requested = Signal()

    def __init__(self, text: str = "", cancel_tip: str = "Stop", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.summary = QLabel(text)
        self.summary.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setTextVisible(False)
        self.progress.setMaximumWidth(220)
        self.progress.hide()
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip(cancel_tip)
        self.cancel_button.hide()
        self.cancel_button.clicked.connect(self.cancel_requested)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.summary, 1)
        layout.addWidget(self.progress)
        layout.addWidget(self.cancel_button)

    def running(self, doing: str, progress: Progress | None = None) -> None:
        """``Checking edge cases… Rendering variants: 640 of 1,434``, the bar, and Cancel."""
        self.summary.setText(f"{doing}… {progress.text() if progress else ''}".rstrip())
        known = progress is not None and progress.total > 0
        self.progress.setRange(0, _STEPS if known else 0)
        if progress is not None and known:
            self.progress.setValue(round(progress.fraction * _STEPS))
        self.progress.show()
        self.cancel_button.show()

    def idle(self, text: str) -> None:
        """The run ended (or none runs): ``text`` alone."""
        self.progress.hide()
        self.cancel_button.hide()
        self.summary.setText(text)
