"""The questions the Templates page asks the user, behind one small object.

The page never calls ``QMessageBox`` or ``QFileDialog`` directly: it asks a :class:`Prompter`, so
tests inject a scripted one and drive every branch (Save / Discard / Cancel, a file that fails to
import) without modal dialogs blocking the event loop.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QInputDialog, QLineEdit, QMessageBox, QWidget


class UnsavedChoice(StrEnum):
    """The answer to "Save your changes?"."""

    SAVE = "save"
    DISCARD = "discard"
    CANCEL = "cancel"


class Prompter:
    """Modal questions on top of ``parent``, with Qt's standard dialogs."""

    def __init__(self, parent: QWidget) -> None:
        """Ask on top of ``parent``."""
        self._parent = parent

    def ask_text(self, title: str, label: str, default: str = "") -> str | None:
        """One line of text, or None when cancelled or left empty."""
        text, ok = QInputDialog.getText(self._parent, title, label, QLineEdit.EchoMode.Normal, default)
        return text.strip() if ok and text.strip() else None

    def confirm(self, title: str, text: str) -> bool:
        """Yes or no; No is the default so Enter never destroys anything."""
        answer = QMessageBox.question(
            self._parent,
            title,
            text,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def unsaved_changes(self, name: str) -> UnsavedChoice:
        """Save, Discard or Cancel before the edits of ``name`` would be lost."""
        answer = QMessageBox.warning(
            self._parent,
            "Unsaved changes",
            f"'{name}' has unsaved changes. Save them?",
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Save,
        )
        if answer == QMessageBox.StandardButton.Save:
            return UnsavedChoice.SAVE
        if answer == QMessageBox.StandardButton.Discard:
            return UnsavedChoice.DISCARD
        return UnsavedChoice.CANCEL

    def restore_draft(self, name: str, when: str) -> bool:
        """Offer unsaved edits found after a crash: True restores them, False discards them."""
        box = QMessageBox(self._parent)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Recover unsaved changes")
        box.setText(f"Unsaved changes to '{name}' from {when} were found (the app did not close normally).")
        restore = box.addButton("Restore", QMessageBox.ButtonRole.AcceptRole)
        box.addButton("Discard", QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(restore)
        box.exec()
        return box.clickedButton() is restore

    def open_path(self, title: str, filters: str) -> Path | None:
        """A file to read, or None."""
        name, _ = QFileDialog.getOpenFileName(self._parent, title, "", filters)
        return Path(name) if name else None

    def save_path(self, title: str, suggested: str, filters: str) -> Path | None:
        """A file to write, or None."""
        name, _ = QFileDialog.getSaveFileName(self._parent, title, suggested, filters)
        return Path(name) if name else None

    def error(self, title: str, text: str) -> None:
        """Tell the user what went wrong (the message names the file, line or field)."""
        QMessageBox.warning(self._parent, title, text)
