"""The Templates page's payloads: the built-in samples of every event and the user's own.

The picker owns the payload bar (New, Import, Paste, Save, Delete) and what the payload pane of
the Template Mapper shows; the page only hears that the payload changed and renders again. A payload
of the user's own has unsaved edits when the editor's text differs from the stored text: compared
every time (:mod:`.unsaved`), never a flag that an editor signal could set by itself.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QHBoxLayout, QMenu, QToolButton, QWidget

from postback_studio.core.errors import ValidationError
from postback_studio.core.preview import parse_json
from postback_studio.core.records import SamplePayload
from postback_studio.core.samples import load_sample
from postback_studio.core.template_library import (
    SampleChoice,
    check_sample_names,
    sample_choices,
    user_check_name,
    user_sample_key,
)
from postback_studio.ui.ports import SampleStore
from postback_studio.ui.preferences import WorkspaceMemory
from postback_studio.ui.prompts import Prompter
from postback_studio.ui.save_feedback import SavedNote
from postback_studio.ui.template_library_panel import tool_button
from postback_studio.ui.template_mapper import TemplateMapperView
from postback_studio.ui.unsaved import UnsavedChanges


class SamplePicker(QObject):
    """Which payload the template is rendered with, and the user's own payloads' life cycle.

    Signals:
        payload_replaced(): another payload is on show (render it at once).
        payload_edited(): the user edited their payload (render once typing pauses).
        status_message(str): a short notice for the status bar.
    """

    payload_replaced = Signal()
    payload_edited = Signal()
    status_message = Signal(str)

    def __init__(
        self,
        view: TemplateMapperView,
        samples: SampleStore,
        prompter: Prompter,
        memory: WorkspaceMemory,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._view = view
        self._samples = samples
        self._prompter = prompter
        self._memory = memory
        self._choices: list[SampleChoice] = []
        self.key = ""
        self.payload: Any = None
        self.unsaved = UnsavedChanges(
            self._edited_text,
            ask=prompter.unsaved_changes,
            name=self._unsaved_name,
            save=self.save,
            revert=lambda: self.select(self.key),
            parent=self,
        )
        self.bar = QWidget()
        self.new_button = tool_button("New Payload", "A payload of your own for this event, to edit")
        self.new_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.new_button)
        self.copy_action = menu.addAction("Copy of This Sample…")
        self.copy_action.setToolTip("Copy the payload on show into one of your own")
        self.import_action = menu.addAction("From a JSON File…")
        self.paste_action = menu.addAction("From the Clipboard")
        self.new_button.setMenu(menu)
        self.save_button = tool_button("Save", "Save your edits to this payload")
        self.delete_button = tool_button("Delete", "Delete this payload of yours")
        layout = QHBoxLayout(self.bar)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(3)
        self.saved_note = SavedNote()
        self.saved_note.announced.connect(self.status_message)
        for button in (self.new_button, self.save_button, self.delete_button):
            layout.addWidget(button)
        layout.addWidget(self.saved_note)
        layout.addStretch(1)
        self.copy_action.triggered.connect(self.new_from_builtin)
        self.import_action.triggered.connect(lambda _checked=False: self.import_sample())
        self.paste_action.triggered.connect(self.paste)
        self.save_button.clicked.connect(self.save)
        self.delete_button.clicked.connect(self.delete)
        view.event_selected.connect(self._on_view_event_selected)
        view.payload_edited.connect(self._on_view_payload_edited)
        view.payload_rejected.connect(self._on_view_payload_rejected)

    @property
    def dirty(self) -> bool:
        """Whether the user's payload on show differs from its stored text."""
        return self.unsaved.dirty

    def _edited_text(self) -> str | None:
        """The payload editor's text when it shows one of the user's payloads (None: a built-in)."""
        choice = self.current()
        if choice is None or choice.builtin:
            return None
        return str(self._view.payload_editor.toPlainText())

    def _unsaved_name(self) -> str:
        choice = self.current()
        return f"the sample payload '{choice.label}'" if choice is not None else "the sample payload"

    # -- choosing -------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Reload the picker: built-in samples and the user's own, per event."""
        self._choices = sample_choices(self._samples.list())
        self._view.set_events([(c.key, c.label) for c in self._choices])
        if self.key:
            self._view.set_current_event(self.key)

    def knows(self, key: str) -> bool:
        """Whether ``key`` is a sample the picker offers."""
        return self._choice(key) is not None

    def first_key(self) -> str:
        """The first sample offered ("" when there is none)."""
        return self._choices[0].key if self._choices else ""

    def _choice(self, key: str) -> SampleChoice | None:
        return next((c for c in self._choices if c.key == key), None)

    def current(self) -> SampleChoice | None:
        """The sample in the picker."""
        return self._choice(self.key)

    def select(self, key: str) -> bool:
        """Show sample ``key`` (a built-in name or ``user:<id>``); announces the new payload."""
        choice = self._choice(key)
        if choice is None:
            return False
        with self.unsaved.loading():
            if choice.builtin:
                payload = load_sample(choice.key)
                self._view.set_payload(payload, read_only=True)
            else:
                assert choice.sample_id is not None
                stored = self._samples.get(choice.sample_id)
                payload = json.loads(stored.payload)
                self._view.set_payload(payload, text=stored.payload, read_only=False)
            self.payload = payload
            self.key = key
        self.saved_note.clear()
        self._view.set_current_event(key)
        self.delete_button.setEnabled(not choice.builtin)
        self.save_button.setEnabled(not choice.builtin)
        self._memory.set_last_sample(key)
        self.payload_replaced.emit()
        return True

    def follow(self, selectors: list[str]) -> bool:
        """Show a sample of one of ``selectors`` (the template's events) unless one already is.

        Returns:
            True when another sample was selected (which announces it).
        """
        choice = self.current()
        if choice is None or self.dirty or not selectors or choice.event.value in selectors:
            return False
        return self.select(selectors[0])

    def check_plan(self, selectors: list[str]) -> tuple[list[str], dict[str, str]]:
        """The samples "Check against all samples" renders, and how a result's name leads back here."""
        user_samples = self._samples.list()
        samples = check_sample_names(selectors, user_samples)
        names = {name: name for name in samples if self.knows(name)}
        for sample in user_samples:
            if sample.id is not None:
                names[user_check_name(sample)] = user_sample_key(sample.id)
        return samples, names

    def _on_view_event_selected(self, key: str) -> None:
        if self.dirty and not self.confirm_discard():
            self._view.set_current_event(self.key)
            return
        self.select(key)

    def confirm_discard(self) -> bool:
        """Save, Discard or Cancel when the edited payload would be lost; True to go on."""
        return self.unsaved.confirm_discard()

    def _on_view_payload_edited(self, payload: object) -> None:
        self.payload = payload
        self.unsaved.check()
        self.payload_edited.emit()

    def _on_view_payload_rejected(self, _message: str) -> None:
        self.unsaved.check()

    # -- the user's own payloads ----------------------------------------------------------------

    def _add(self, name_hint: str, text: str, source: str = "") -> bool:
        choice = self.current()
        if choice is None:
            return False
        what = f"{source} becomes a new" if source else "A new"
        name = self._prompter.ask_text(
            "New sample payload",
            f"{what} {choice.event.label} payload of yours (nothing else changes). Its name:",
            name_hint,
        )
        if name is None:
            return False
        try:
            saved = self._samples.save(SamplePayload(name=name, event=choice.event, payload=text))
        except ValidationError as error:
            self._prompter.error("Cannot save the sample payload", str(error))
            return False
        assert saved.id is not None
        self.refresh()
        return self.select(user_sample_key(saved.id))

    def new_from_builtin(self) -> bool:
        """Copy the payload on show into a new sample of the user's own (asks for its name)."""
        choice = self.current()
        if choice is None:
            return False
        text = json.dumps(self.payload, indent=2, ensure_ascii=False)
        return self._add(f"{choice.key.split(':')[0]} copy", text)

    def import_sample(self, path: Path | None = None) -> bool:
        """Create a sample of the current event from a JSON file; a parse error names line and column."""
        path = path or self._prompter.open_path("Import sample payload", "JSON (*.json);;All files (*)")
        if path is None:
            return False
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            self._prompter.error("Cannot import the payload", f"{path}: {error}")
            return False
        parsed = parse_json(text)
        if not parsed.ok:
            self._prompter.error(
                "Cannot import the payload",
                f"{path}:{parsed.line}:{parsed.column}: not valid JSON: {parsed.error}",
            )
            return False
        return self._add(path.stem, text, path.name)

    def paste(self) -> bool:
        """Create a sample of the current event from JSON on the clipboard."""
        text = QGuiApplication.clipboard().text()
        parsed = parse_json(text)
        if not parsed.ok:
            self._prompter.error(
                "Cannot paste the payload",
                "The clipboard does not hold JSON: "
                f"line {parsed.line}, column {parsed.column}: {parsed.error}",
            )
            return False
        return self._add("pasted", text)

    def save(self) -> bool:
        """Save the edited user payload; refused (with the line and column) while it does not parse."""
        choice = self.current()
        if choice is None or choice.builtin or choice.sample_id is None:
            return False
        text = self._view.payload_editor.toPlainText()
        parsed = parse_json(text)
        if not parsed.ok:
            self._prompter.error(
                "Cannot save the payload", f"line {parsed.line}, column {parsed.column}: {parsed.error}"
            )
            return False
        stored = self._samples.get(choice.sample_id)
        self._samples.save(replace(stored, payload=text))
        self.unsaved.set_stored()
        self.saved_note.confirm(f"Saved payload '{stored.name}'")
        return True

    def delete(self) -> bool:
        """Delete the user payload on show (after confirmation) and go back to the event's built-in."""
        choice = self.current()
        if choice is None or choice.builtin or choice.sample_id is None:
            return False
        if not self._prompter.confirm("Delete sample payload", f"Delete '{choice.label}'?"):
            return False
        self._samples.delete(choice.sample_id)
        self.refresh()
        return self.select(choice.event.value)
