"""Yes/no questions as an injectable callable, so pages can ask and tests can answer without a modal."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QMessageBox, QWidget

#: Asks the user a yes/no question (title, text) and returns True for yes.
Confirm = Callable[[str, str], bool]


def ask(parent: QWidget) -> Confirm:
    """A :data:`Confirm` that shows a warning message box over ``parent``, defaulting to No."""
    def confirm(title: str, text: str) -> bool:
        answer = QMessageBox.warning(parent, title, text,
                                     QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                     QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes
    return confirm
