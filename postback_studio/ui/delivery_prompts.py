"""The delivery controller's questions, asked with Qt's dialogs on top of the main window."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QMessageBox, QWidget

from postback_studio.core.dispatch.report import Refusal, RefusalKind
from postback_studio.services.delivery.resend import ResendCheck
from postback_studio.ui.simulate_dialog import SimulateDialog, SimulationRequest

_TITLES = {
    RefusalKind.INSECURE_CREDENTIALS: "Credentials over an unencrypted connection",
    RefusalKind.INVALID_OUTPUT: "Output not sent",
}
_QUESTIONS = {
    RefusalKind.INSECURE_CREDENTIALS: "Send anyway?",
    RefusalKind.INVALID_OUTPUT: "Send the invalid output anyway?",
}


class DialogPrompts:
    """The controller's ``DeliveryPrompts`` as message boxes; No is the default answer."""

    def __init__(self, parent: QWidget) -> None:
        self._parent = parent

    def _yes(self, title: str, text: str) -> bool:
        buttons = QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No
        answer = QMessageBox.warning(self._parent, title, text, buttons, QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    def lift_refusal(self, refusal: Refusal) -> bool:
        """Say why nothing was sent, and ask whether to send anyway."""
        return self._yes(_TITLES[refusal.kind], f"{refusal.message}\n\n{_QUESTIONS[refusal.kind]}")

    def confirm_cancel(self, count: int, what: str) -> bool:
        """Ask before cancelling retries; they are logged as cancelled."""
        plural = "y" if count == 1 else "ies"
        return self._yes(
            "Cancel retries", f"Cancel {count} pending retr{plural} {what}? They are logged as cancelled."
        )

    def choose_simulation(
        self, customers: Sequence[tuple[int, str]], samples: Sequence[str]
    ) -> SimulationRequest | None:
        """The Simulate dialog."""
        dialog = SimulateDialog(customers, samples, self._parent)
        return dialog.request() if dialog.exec() else None

    def inbox_failed(self, message: str) -> None:
        """Tell why the local inbox did not start."""
        QMessageBox.warning(self._parent, "Local inbox", message)

    def resend_to_current(self, moved: Sequence[ResendCheck]) -> bool:
        """Name where each request went and where its trigger sends now; No sends nothing."""
        lines = "\n".join(f"• request {c.request_id}: logged to {c.logged}, now {c.current}"
                          for c in moved[:8])
        more = f"\n… and {len(moved) - 8} more" if len(moved) > 8 else ""
        return self._yes(
            "Resend to another destination",
            f"The trigger of {len(moved)} selected request(s) now sends somewhere else:\n{lines}{more}\n\n"
            "Resend to the current destination? No sends nothing.",
        )

    def resend_refused(self, reasons: Sequence[str]) -> None:
        """Say why these requests are not resent."""
        QMessageBox.warning(self._parent, "Not resent", "\n\n".join(r[:1].upper() + r[1:] for r in reasons))

    def quit_while_busy(self, labels: Sequence[str]) -> bool:
        """Ask before closing the workspace (quitting, or opening another) with background tasks running."""
        return self._yes(
            "Deliveries in flight",
            f"{len(labels)} background task(s) are still running ({', '.join(labels)}).\n"
            "Close the workspace anyway? They are stopped; pending retries are kept and resume the "
            "next time this workspace is open.",
        )
