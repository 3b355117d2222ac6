"""The trigger form's Check: can the destination URL be reached (name, connection, TLS)? Nothing is sent."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QPushButton, QWidget

from postback_studio.core.reachability import ReachabilityReport, StepOutcome
from postback_studio.ui.tones import Tone, set_tone
from postback_studio.workers.jobs import JobError, JobRunner

#: ``core.reachability.check_destination``'s shape, injectable for tests.
Reachability = Callable[[str, float], ReachabilityReport]

_STEP_MARKS = {StepOutcome.PASSED: "✔", StepOutcome.FAILED: "✘", StepOutcome.SKIPPED: "–"}


class DestinationCheck(QWidget):
    """The Check button and the result under the URL; the check runs off the GUI thread.

    Signals:
        finished(object): a check ended (a ``ReachabilityReport``).
    """

    finished = Signal(object)

    def __init__(
        self, jobs: JobRunner, reachability: Reachability, timeout: float, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._jobs = jobs
        self._reachability = reachability
        self._timeout = timeout
        self._sequence = 0  # only the latest check's answer is shown
        self.button = QPushButton("Check")
        self.button.setToolTip("Resolve the name, connect and verify the TLS certificate; nothing is sent")
        self.result = QLabel()
        self.result.setWordWrap(True)
        self.result.setTextFormat(Qt.TextFormat.PlainText)
        self.result.hide()

    def reset(self) -> None:
        """Forget the last result (another trigger is in the form)."""
        self._sequence += 1
        self.button.setEnabled(True)
        self.result.hide()

    def check(self, url: str) -> None:
        """Check ``url`` in the background; the result shows under the URL."""
        self.button.setEnabled(False)
        set_tone(self.result, None)
        self.result.setText(f"Checking {url} …")
        self.result.show()
        reachability, timeout = self._reachability, self._timeout
        self._sequence += 1
        sequence = self._sequence

        def done(report: ReachabilityReport) -> None:
            if sequence == self._sequence:
                self._show(report)

        def failed(error: JobError) -> None:
            if sequence == self._sequence:
                self.button.setEnabled(True)
                self.result.setText(f"The check itself failed: {error.message}")
                set_tone(self.result, Tone.ERROR)

        self._jobs.submit(
            f"Checking {url}",
            lambda _report, _cancelled: reachability(url, timeout),
            on_done=done,
            on_error=failed,
        )

    def _show(self, report: ReachabilityReport) -> None:
        self.button.setEnabled(True)
        # The steps carry the detail; the headline only gives the verdict, so nothing is said twice.
        headline = report.summary if report.reachable else "Not reachable:"
        lines = [headline] + [f"{_STEP_MARKS[s.outcome]} {s.name}: {s.message}" for s in report.steps]
        self.result.setText("\n".join(lines))
        set_tone(self.result, Tone.OK if report.reachable else Tone.ERROR)
        self.finished.emit(report)
