"""The confirmation every Save gives: a line beside the Save button and the same words in the status bar.

Each page puts a :class:`SavedNote` next to its Save button and calls :meth:`SavedNote.confirm` after
a save went through; the note says so where the user is looking ("✓ Saved 14:03:12", the whole
message as its tooltip) and announces the message, which the page passes on to the status bar. A
refused save shows its reasons under the fields instead, and the note is cleared.
"""

from __future__ import annotations

from PySide6.QtCore import QTime, Signal
from PySide6.QtWidgets import QLabel, QWidget

from postback_studio.ui.tones import Tone, set_tone


class SavedNote(QLabel):
    """"✓ Saved HH:MM:SS" beside a Save button, hidden until something is saved.

    Signals:
        announced(str): a save went through; carries the message for the status bar.
    """

    announced = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("", parent)
        self._message = ""
        set_tone(self, Tone.OK)
        self.hide()

    def confirm(self, message: str) -> None:
        """Say that ``message`` ("Saved customer 'Acme'") happened just now, here and in the status bar."""
        self._message = message
        self.setText(f"✓ Saved {QTime.currentTime().toString('HH:mm:ss')}")
        self.setToolTip(message)
        self.show()
        self.announced.emit(message)

    def refuse(self, reason: str) -> None:
        """A save was refused: take back the last confirmation and say so in the status bar."""
        self.clear()
        self.announced.emit(f"Not saved: {reason}" if reason else "Not saved")

    def clear(self) -> None:
        """Nothing saved since the form showed what it shows now."""
        self._message = ""
        self.setText("")
        self.setToolTip("")
        self.hide()

    def message(self) -> str:
        """The last confirmation's full message ("" when none is on show)."""
        return "" if self.isHidden() else self._message
