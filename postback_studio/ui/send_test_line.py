"""The trigger form's Send Test line: the Send Test and Cancel Retries buttons and the line that
follows the test, attempt by attempt, until it is delivered or given up.

It exists apart from the form because following a test has its own state: which trigger's test the
line follows (statuses of other forms' tests are ignored), whether retries still wait (then they can
be cancelled), and how the outcome reads. The form decides what Send Test does first (save, ask)
and what a delivered test leads to (the offer to activate); it also says its own notes on the line.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtWidgets import QLabel, QPushButton

from postback_studio.core.dispatch.progress import SendTestStatus
from postback_studio.ui.tones import Tone, set_tone


class SendTestLine(QObject):
    """Send Test, Cancel Retries, and the status line under the trigger form's buttons.

    Signals:
        cancel_requested(int): the user wants the waiting retries of the followed test cancelled
            (the trigger's id).
        delivered(int): the followed test was delivered (the trigger's id).
    """

    cancel_requested = Signal(int)
    delivered = Signal(int)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.button = QPushButton("Send Test")
        self.cancel_button = QPushButton("Cancel Retries")
        self.cancel_button.setToolTip("Do not make the retries of this test that still wait")
        self.cancel_button.hide()
        self.status = QLabel()
        self.status.setWordWrap(True)
        self._following: int | None = None  # the trigger whose test this line follows
        self._allowed = True  # False while the form has no trigger to send
        self.cancel_button.clicked.connect(self._on_cancel_button_clicked)

    def start(self, trigger_id: int, *, saved_first: bool) -> None:
        """Follow the test of ``trigger_id`` that is being asked for; Send Test waits until it ends."""
        set_tone(self.status, None)
        self.status.setText("Saved your changes; sending test…" if saved_first else "Sending test…")
        self.button.setEnabled(False)
        self._following = trigger_id

    def allow(self, allowed: bool) -> None:
        """Offer Send Test only while the form holds a trigger of a customer (and no test runs)."""
        self._allowed = allowed
        self.button.setEnabled(allowed and self._following is None)

    def say(self, text: str, tone: Tone | None = Tone.WARNING) -> None:
        """Show the form's own note (a warning unless said otherwise) on the line."""
        set_tone(self.status, tone)
        self.status.setText(text)

    def _on_cancel_button_clicked(self) -> None:
        if self._following is not None:
            self.cancel_button.setEnabled(False)
            self.cancel_requested.emit(self._following)

    @Slot(object)
    def on_status(self, status: SendTestStatus) -> None:
        """Show where the followed test stands; a status for another form's test is ignored.

        While retries wait the test is not over: the line says when the next attempt comes and
        offers to cancel it.
        """
        if status.trigger_id != self._following:
            return
        self.status.setText(f"Test {status.text}")
        self.cancel_button.setVisible(status.cancellable)
        self.cancel_button.setEnabled(status.cancellable)
        if not status.finished:
            set_tone(self.status, None)
            return
        self._following = None
        self.button.setEnabled(self._allowed)
        if not status.delivered:
            set_tone(self.status, Tone.ERROR)
            self.status.setToolTip("The Requests page shows every attempt with its response or error.")
            return
        set_tone(self.status, Tone.OK)
        self.delivered.emit(status.trigger_id)
