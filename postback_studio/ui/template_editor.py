"""The template in the Templates page's editor: what is stored, what is typed, and the difference.

A webhook template is one text; an email template is a subject line and two parts (HTML and text)
edited one at a time in the same editor. The editor keeps every part as typed, says whether the
edits differ from what is stored (:mod:`.unsaved`: compared, never set by loading), and turns them
back into a :class:`~postback_studio.core.model.Template` for the preview and for Save. A template
imported from a file and not saved yet has nothing stored: all of it is unsaved.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QTabBar, QVBoxLayout, QWidget

from postback_studio.core.model import Template, TemplateKind, TemplateStatus
from postback_studio.core.render.result import Diagnostic, Where
from postback_studio.core.template_library import content_of, with_content
from postback_studio.ui.email_parts import EmailPartsPreview
from postback_studio.ui.template_mapper import TemplateMapperView
from postback_studio.ui.unsaved import AskUnsaved, UnsavedChanges

#: The email parts the editor shows, in the order of its part tabs.
EMAIL_PARTS = ("html", "text")


class TemplateEditor(QObject):
    """Puts a template in the Template Mapper's editor and reads the edits back.

    Args:
        view: The Template Mapper.
        email_preview: Where an email template's parts are previewed.
        parent: The page.
        ask: Asks Save / Discard / Cancel before edits would be lost.
        save: Saves the edits (the page's Save); True when saved.
        revert: Shows the template as stored again (the user chose Discard).

    Signals:
        edited(): the user changed the content (render once typing pauses).
        part_changed(): another email part is in the editor (show its render).
        dirty_changed(bool): the edits now differ (or no longer differ) from what is stored.
    """

    edited = Signal()
    part_changed = Signal()
    dirty_changed = Signal(bool)

    def __init__(
        self,
        view: TemplateMapperView,
        email_preview: EmailPartsPreview,
        parent: QObject,
        *,
        ask: AskUnsaved,
        save: Callable[[], bool],
        revert: Callable[[], None],
    ) -> None:
        super().__init__(parent)
        self._view = view
        self._email_preview = email_preview
        self.template: Template | None = None
        self.part = "body"
        self.loading = False
        self.unsaved = UnsavedChanges(
            self._edited_content,
            ask=ask,
            name=lambda: f"template '{self.template.name}'" if self.template else "the template",
            save=save,
            revert=revert,
            parent=self,
        )
        self.unsaved.changed.connect(self.dirty_changed)
        self._parts: dict[str, str] = {"html": "", "text": ""}
        self.bar = QWidget()
        self.subject_edit = QLineEdit()
        self.subject_edit.setPlaceholderText(
            "Subject template, e.g. Your order {{ orderReferenceId }} has shipped"
        )
        self.part_tabs = QTabBar()
        self.part_tabs.addTab("HTML part")
        self.part_tabs.addTab("Text part")
        self.part_tabs.setExpanding(False)
        subject_row = QHBoxLayout()
        subject_row.addWidget(QLabel("Subject"))
        subject_row.addWidget(self.subject_edit, 1)
        layout = QVBoxLayout(self.bar)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(subject_row)
        layout.addWidget(self.part_tabs)
        self.bar.hide()
        view.add_preview_widget(email_preview)
        view.add_editor_bar(self.bar)
        self.subject_edit.textChanged.connect(self._on_content_edited)
        self.part_tabs.currentChanged.connect(self._on_part_tabs_changed)
        view.template_edited.connect(self._on_content_edited)
        view.problems.problem_activated.connect(self._on_problem_activated)

    @property
    def dirty(self) -> bool:
        """Whether the content differs from the template as stored (an unstored template: always)."""
        return self.unsaved.dirty

    def _edited_content(self) -> tuple[str, str, str] | None:
        edited = self.edited_template()
        return None if edited is None else content_of(edited)

    def load(self, template: Template, content: Template | None = None) -> None:
        """Put ``template`` (as stored; not stored yet when it has no id) in the editor, with
        ``content``'s edits on top when given."""
        shown = content or template
        self.loading = True
        try:
            self.template = template
            email = template.kind is TemplateKind.EMAIL
            self.bar.setVisible(email)
            self._view.use_preview_widget(self._email_preview if email else None)
            if email:
                self._parts = {"html": shown.body, "text": shown.text_body}
                self.subject_edit.setText(shown.subject)
                self.subject_edit.setCursorPosition(0)
                self.part = "html"
                self.part_tabs.blockSignals(True)
                self.part_tabs.setCurrentIndex(0)
                self.part_tabs.blockSignals(False)
                self._view.set_template(shown.body, "html", template.name)
            else:
                self.part = "body"
                self._view.set_template(shown.body, template.format.value, template.name)
        finally:
            self.loading = False
        if template.id is None:
            self.unsaved.nothing_stored()
        else:
            self.unsaved.set_stored(content_of(template))

    def clear(self) -> None:
        """Show no template (the last one was deleted)."""
        self.template = None
        self._view.set_template("", "text", "No template")
        self.unsaved.set_stored(None)

    def edited_template(self) -> Template | None:
        """The template with the editor's content (what Save would store)."""
        if self.template is None:
            return None
        if self.template.kind is TemplateKind.EMAIL:
            self._parts[self.part] = self._view.template_text()
            return with_content(
                self.template, self._parts["html"], self.subject_edit.text(), self._parts["text"]
            )
        return with_content(self.template, self._view.template_text(), "", self.template.text_body)

    def stored(self, template: Template) -> None:
        """``template`` is what is stored now (saved, renamed, activated): edits are compared with it."""
        self.template = template
        self.unsaved.set_stored(content_of(template))

    def follow(self, status: TemplateStatus, name: str) -> None:
        """The stored template got another status or name elsewhere; the typed content stays."""
        if self.template is not None:
            self.template = replace(self.template, status=status, name=name)


    def _on_part_tabs_changed(self, index: int) -> None:
        if self.template is None or self.template.kind is not TemplateKind.EMAIL:
            return
        self._parts[self.part] = self._view.template_text()
        self.part = EMAIL_PARTS[index]
        self.loading = True
        try:
            self._view.set_template(self._parts[self.part], self.part, self.template.name)
        finally:
            self.loading = False
        self.part_changed.emit()

    def _on_content_edited(self) -> None:
        if self.loading or self.template is None:
            return
        self.unsaved.check()
        self.edited.emit()

    def _on_problem_activated(self, diagnostic: Diagnostic) -> None:
        """A problem of an email's subject or other part: show that part where the problem is."""
        location = diagnostic.location
        if (
            location is None
            or location.where is not Where.TEMPLATE
            or self.template is None
            or self.template.kind is not TemplateKind.EMAIL
        ):
            return
        if location.part == "subject":
            self.subject_edit.setFocus()
            self.subject_edit.setCursorPosition(max(location.column - 1, 0))
        elif location.part in EMAIL_PARTS and location.part != self.part:
            self.part_tabs.setCurrentIndex(EMAIL_PARTS.index(location.part))
            self._view.editor.goto(location.line, location.column)
