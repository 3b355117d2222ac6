"""The question a form asks when a save moves stored secrets to another destination: keep or clear.

The forms ask through an injected :data:`AskSecrets`, so tests answer without a modal dialog. The
default, :func:`ask_keep_or_clear`, is a message box whose default button is Clear: Enter never
sends a secret somewhere it was not entered for.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum

from PySide6.QtWidgets import QMessageBox, QWidget

from postback_studio.core.destination import DestinationChange
from postback_studio.ui.prompts import clicked_answer


class SecretsChoice(StrEnum):
    """The answer: keep the secrets for the new destination, clear them, or do not save."""

    KEEP = "keep"
    CLEAR = "clear"
    CANCEL = "cancel"


#: Asks what to do with the stored secrets a save would move (the change says which and where).
AskSecrets = Callable[[DestinationChange], SecretsChoice]


def keep_secrets(ask: AskSecrets, change: DestinationChange | None) -> bool | None:
    """Ask about ``change`` (when there is one): True to keep, False to clear, None for Cancel."""
    if change is None:
        return False
    choice = ask(change)
    return None if choice is SecretsChoice.CANCEL else choice is SecretsChoice.KEEP


def ask_keep_or_clear(parent: QWidget) -> AskSecrets:
    """An :data:`AskSecrets` that shows a message box over ``parent``; Clear is the default."""

    def ask(change: DestinationChange) -> SecretsChoice:
        box = QMessageBox(parent)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle("Secrets and a new destination")
        box.setText(change.question())
        keep = box.addButton("Keep for New Destination", QMessageBox.ButtonRole.AcceptRole)
        clear = box.addButton("Clear Secrets", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(clear)
        return clicked_answer(
            box, [(keep, SecretsChoice.KEEP), (clear, SecretsChoice.CLEAR)], SecretsChoice.CANCEL
        )

    return ask
