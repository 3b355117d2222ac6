"""The questions the trigger form asks before it writes over something: behind one small object.

Two trigger forms can show the same trigger (the Customers page and the Triggers page), and a
trigger can change under a form through an import or a page elsewhere. The form never writes over
such a change silently, and never saves pending edits into a live (active) trigger without asking.
It asks a :class:`TriggerPrompts`, so tests answer without a modal dialog.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol

from PySide6.QtWidgets import QMessageBox, QWidget

from postback_studio.ui.prompts import clicked_answer


class StaleChoice(StrEnum):
    """The answer to "this trigger changed elsewhere since you opened it"."""

    OVERWRITE = "overwrite"
    RELOAD = "reload"
    CANCEL = "cancel"


class TriggerPrompts(Protocol):
    """What the trigger form asks (:class:`DialogTriggerPrompts`; tests script it)."""

    def stale_save(self, name: str) -> StaleChoice:
        """The stored trigger ``name`` changed since the form loaded it: overwrite, reload or cancel."""
        ...

    def save_before_test(self, name: str) -> bool:
        """The active trigger ``name`` has unsaved edits: save them (live) and send the test?"""
        ...


class DialogTriggerPrompts:
    """:class:`TriggerPrompts` as message boxes over ``parent``; the default answers change nothing."""

    def __init__(self, parent: QWidget) -> None:
        self._parent = parent

    def stale_save(self, name: str) -> StaleChoice:
        """Overwrite, Reload (the edits are dropped) or Cancel (the default)."""
        box = QMessageBox(self._parent)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle("Trigger changed elsewhere")
        box.setText(f"'{name}' was changed elsewhere (another page or an import) since you opened it.")
        box.setInformativeText("Overwrite those changes with yours, reload the stored trigger (your "
                               "edits are dropped), or cancel and keep editing?")
        overwrite = box.addButton("Overwrite", QMessageBox.ButtonRole.DestructiveRole)
        reload = box.addButton("Reload", QMessageBox.ButtonRole.ResetRole)
        cancel = box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(cancel)
        return clicked_answer(
            box, [(overwrite, StaleChoice.OVERWRITE), (reload, StaleChoice.RELOAD)], StaleChoice.CANCEL
        )

    def save_before_test(self, name: str) -> bool:
        """Save and Send, or Cancel (the default)."""
        box = QMessageBox(self._parent)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle("Active trigger has unsaved changes")
        box.setText(f"'{name}' is active: it fires on real events. Send Test saves your changes first, "
                    "so real events use them from now on.")
        send = box.addButton("Save and Send", QMessageBox.ButtonRole.AcceptRole)
        cancel = box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(cancel)
        box.exec()
        return box.clickedButton() is send
