"""The questions the pages ask the user, behind one small object.

A page never calls ``QMessageBox`` or ``QFileDialog`` directly: it asks a :class:`Prompter`, so
tests inject a scripted one and drive every branch (Save / Discard / Cancel, replace or merge, a file
that fails to import) without modal dialogs blocking the event loop. The app builds one prompter and
hands it to every page; its dialogs open over the main window once :meth:`Prompter.set_parent` is
called.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from pathlib import Path
from typing import TypeVar

from PySide6.QtWidgets import (
    QAbstractButton,
    QDialog,
    QFileDialog,
    QInputDialog,
    QLineEdit,
    QMessageBox,
    QWidget,
)

from postback_studio.core.import_plan import ImportMode
from postback_studio.ui.import_preview import BundlePreview, ImportPreviewDialog

_Answer = TypeVar("_Answer")


def clicked_answer(
    box: QMessageBox, answers: Sequence[tuple[QAbstractButton, _Answer]], otherwise: _Answer
) -> _Answer:
    """Show ``box`` modally; the answer paired with the button clicked, else ``otherwise`` (Cancel, Esc)."""
    box.exec()
    clicked = box.clickedButton()
    return next((answer for button, answer in answers if button is clicked), otherwise)


class UnsavedChoice(StrEnum):
    """The answer to "Save your changes?"."""

    SAVE = "save"
    DISCARD = "discard"
    CANCEL = "cancel"


class Prompter:
    """Modal questions on top of ``parent``, with Qt's standard dialogs."""

    def __init__(self, parent: QWidget | None = None) -> None:
        """Ask on top of ``parent``."""
        self._parent = parent

    def set_parent(self, parent: QWidget) -> None:
        """Ask on top of ``parent`` from now on (the main window, once it exists)."""
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
        """Save, Discard or Cancel before the edits of ``name`` (``template 'x'``) would be lost."""
        answer = QMessageBox.warning(
            self._parent,
            "Unsaved changes",
            f"{name[:1].upper()}{name[1:]} has unsaved changes. Save them?",
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

    def choose(self, title: str, text: str, choices: Sequence[str]) -> int | None:
        """One of ``choices`` (its index, the first is the default), or None for Cancel."""
        box = QMessageBox(self._parent)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle(title)
        box.setText(text)
        buttons = [box.addButton(choice, QMessageBox.ButtonRole.AcceptRole) for choice in choices]
        box.addButton(QMessageBox.StandardButton.Cancel)
        if buttons:
            box.setDefaultButton(buttons[0])
        return clicked_answer(box, [(button, index) for index, button in enumerate(buttons)], None)

    def review_import(self, preview: BundlePreview) -> ImportMode | None:
        """Show what a configuration bundle would change; the mode to apply, or None for Cancel."""
        dialog = ImportPreviewDialog(preview, self._parent)
        accepted = dialog.exec() == QDialog.DialogCode.Accepted
        mode = dialog.mode
        dialog.deleteLater()
        return mode if accepted else None

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
