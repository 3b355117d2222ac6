"""The Templates page: the template library beside the Template Mapper, wired to the services.

The page composes parts cut along their own seams, and holds only what ties them together:

* the library panel and its actions (:mod:`.template_library_panel`, :mod:`.template_library_actions`);
* the editor, with the template as stored and as typed (:mod:`.template_editor`);
* the sample picker (:mod:`.sample_picker`);
* the preview and "Check against all samples", off the GUI thread (:mod:`.template_preview`);
* the template doctor: lints with quick fixes (:mod:`.quick_fix`), Check Edge Cases
  (:mod:`.edge_case_check`) and what changes if I save this (:mod:`.what_changes`);
* draft recovery: unsaved edits written aside every few seconds, offered back after a crash
  (:mod:`.draft_recovery`);
* New from Example, and the diff of a new template's preview against its example
  (:mod:`.new_from_example`, :mod:`.new_from_example_flow`, :mod:`.example_diff`).

Unsaved edits are safe: a Save / Discard / Cancel prompt comes before they would be lost (another
template opened: the template's edits; the app closing: the template's and the sample payload's),
and Cancel leaves the library highlighting the template still in the editor.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings, Signal, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from postback_studio.core.errors import NotFoundError, ValidationError
from postback_studio.core.model import OutputFormat, Template, TemplateKind, TemplateStatus
from postback_studio.core.recovery import RecoveryDraft, RecoveryStore, folder_for_workspace
from postback_studio.core.render.engine import RenderEngine
from postback_studio.core.template_files import TemplateImportPlan
from postback_studio.core.template_library import PreviewRender
from postback_studio.services.changes import ChangeNotice, Entity
from postback_studio.services.files import UserFiles
from postback_studio.services.session import Session
from postback_studio.ui.check_results import CheckResultsDialog
from postback_studio.ui.draft_recovery import DraftRecovery
from postback_studio.ui.edge_case_check import EdgeCaseCheck
from postback_studio.ui.email_parts import EmailPartsPreview
from postback_studio.ui.lookups_for import LookupsForCombo
from postback_studio.ui.new_from_example import NewFromExampleDialog
from postback_studio.ui.new_from_example_flow import NewFromExample
from postback_studio.ui.ports import (
    CustomerStore,
    LookupStore,
    SampleStore,
    TemplateLibraryStore,
    TriggerStore,
)
from postback_studio.ui.preferences import WorkspaceMemory
from postback_studio.ui.prompts import Prompter, UnsavedChoice
from postback_studio.ui.quick_fix import FixChooser, QuickFixes
from postback_studio.ui.sample_picker import SamplePicker
from postback_studio.ui.selection_guard import SelectionGuard
from postback_studio.ui.template_editor import TemplateEditor
from postback_studio.ui.template_library_actions import TemplateLibraryActions
from postback_studio.ui.template_library_panel import DIRTY_MARK, TemplateLibraryPanel
from postback_studio.ui.template_mapper import TemplateMapperView
from postback_studio.ui.template_preview import TemplatePreview
from postback_studio.ui.template_requests import TemplateRequests
from postback_studio.ui.templates_menu import TemplatesMenu
from postback_studio.ui.templates_toolbar import TemplatesToolbar
from postback_studio.ui.version_history import VersionHistoryDialog
from postback_studio.ui.what_changes import WhatChanges
from postback_studio.workers.jobs import JobRunner
from postback_studio.workers.render_worker import RenderWorker

#: What the editor says when the workspace has no template.
NO_TEMPLATE_HINT = "No template yet. Create a template: Templates > New… (Ctrl+N), or New from Example…"


class TemplatesPage(QWidget):
    """The template library (left) and the Template Mapper (right).

    Signals:
        template_opened(int): a template is now in the editor; carries its id.
        template_saved(int): the template with this id was saved.
        dirty_changed(bool): the unsaved-changes state changed.
        preview_updated(): a render result is on show (the preview, Problems and marks are current).
        check_finished(object): "Check against all samples" finished; carries the ``CheckOutcome``.
        draft_autosaved(str): unsaved edits were written to the recovery folder; carries the key.
        status_message(str): a short notice for the status bar.
    """

    template_opened = Signal(int)
    template_saved = Signal(int)
    dirty_changed = Signal(bool)
    preview_updated = Signal()
    check_finished = Signal(object)
    draft_autosaved = Signal(str)
    status_message = Signal(str)

    @classmethod
    def for_session(
        cls, session: Session, *, engine: RenderEngine, jobs: JobRunner, settings: QSettings, **options: Any
    ) -> TemplatesPage:
        """The page over a session's services, drafts kept in its workspace's recovery folder.

        ``options`` are the other keyword arguments of the constructor (``prompter``, ``debounce_ms``...).
        """
        options.setdefault("recovery", RecoveryStore(folder_for_workspace(session.path)))
        options.setdefault("files", session.files)
        options.setdefault("memory", WorkspaceMemory(settings, session.path))
        return cls(
            templates=session.templates,
            samples=session.samples,
            triggers=session.triggers,
            customers=session.customers,
            lookups=session.lookups,
            engine=engine,
            jobs=jobs,
            settings=settings,
            **options,
        )

    def __init__(
        self,
        *,
        templates: TemplateLibraryStore,
        samples: SampleStore,
        triggers: TriggerStore,
        customers: CustomerStore,
        lookups: LookupStore,
        engine: RenderEngine,
        jobs: JobRunner,
        settings: QSettings,
        recovery: RecoveryStore,
        files: UserFiles,
        memory: WorkspaceMemory,
        prompter: Prompter | None = None,
        choose_fix: FixChooser | None = None,
        debounce_ms: int = 120,
        autosave_ms: int = 3000,
        parent: QWidget | None = None,
    ) -> None:
        """Build the page and open the last template (or the first one).

        Args:
            templates: Reads and saves templates and their versions.
            samples: The user's own sample payloads.
            triggers: Which triggers use a template (their events pick the samples).
            customers: The customers whose lookups a preview may use.
            lookups: What ``lookups()`` sees for a customer.
            engine: Renders previews and checks (thread-safe; used from the job runner's threads).
            jobs: Where renders and checks run (the app's job runner).
            settings: Remembers the splitter sizes.
            recovery: Where unsaved drafts go (the workspace's recovery folder).
            files: Reads template files and writes exports, never over the workspace.
            memory: Remembers this workspace's last template and sample.
            prompter: Asks the user (tests pass a scripted one).
            choose_fix: Asks which quick fix to apply when several apply at the cursor (default: a
                menu at the cursor; tests pass their own).
            debounce_ms: The pause in typing before the preview renders.
            autosave_ms: How often unsaved edits are written to the recovery folder.
            parent: The parent widget.
        """
        super().__init__(parent)
        self._templates = templates
        self._customers = customers
        self._settings = settings
        self._memory = memory
        self._recovery = recovery
        self.prompter = prompter or Prompter(self)
        self.view = TemplateMapperView()
        self.email_preview = EmailPartsPreview()
        self.editor = TemplateEditor(
            self.view,
            self.email_preview,
            self,
            ask=self._ask_unsaved,
            save=self.save,
            revert=self._revert_editor,
        )
        self.library = TemplateLibraryPanel()
        self.samples = SamplePicker(self.view, samples, self.prompter, memory, self)
        self.customer_combo = LookupsForCombo(triggers)
        self.requests = TemplateRequests(
            self.editor, self.samples, self.customer_combo, triggers=triggers, lookups=lookups
        )
        self.preview = TemplatePreview(
            engine,
            jobs,
            view=self.view,
            email_preview=self.email_preview,
            request=self.requests.preview,
            part=lambda: self.editor.part,
            report_error=self.prompter.error,
            debounce_ms=debounce_ms,
            parent=self,
        )
        self.quick_fixes = QuickFixes(self.view, self.editor, choose=choose_fix, parent=self)
        self.edge_cases = EdgeCaseCheck(
            engine,
            jobs,
            view=self.view,
            editor=self.editor,
            request=self.requests.edge_cases,
            report_error=self.prompter.error,
            parent=self,
        )
        self.what_changes = WhatChanges(
            engine,
            jobs,
            view=self.view,
            editor=self.editor,
            plan=self.requests.sample_plan,
            save=self.save,
            report_error=self.prompter.error,
            parent=self,
        )
        self._drafts = DraftRecovery(recovery, self._unsaved_template, interval_ms=autosave_ms, parent=self)
        self.library_actions = TemplateLibraryActions(
            templates,
            self.editor,
            self.prompter,
            self._drafts,
            files=files,
            show=self._load,
            refresh=self.refresh_library,
            confirm_discard=self.editor.unsaved.confirm_discard,
            parent=self,
        )
        self.from_example = NewFromExample(
            templates=templates,
            samples=samples,
            customers=customers,
            engine=engine,
            jobs=jobs,
            prompter=self.prompter,
            view=self.view,
            last_render=self.preview.last,
            current_sample=self._current_sample,
            current_customer=lambda: self.editor.template.customer_id if self.editor.template else None,
            confirm_discard=self.confirm_discard,
            show_created=self._show_created,
            parent=self,
        )
        self._build_toolbar()
        self.view.add_payload_bar(self.samples.bar)
        self.view.set_library(self.library)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.toolbar)
        layout.addWidget(self.view, 1)
        self.menu = TemplatesMenu(
            self,
            view=self.view,
            new_menu=self.library.new_menu,
            check_edge_cases=self.edge_cases.run,
            quick_fix=self.quick_fixes.fix_at_cursor,
            parent=self,
        )
        self._connect()
        self._restore_state()

    # -- construction --------------------------------------------------------------------------

    def _build_toolbar(self) -> None:
        self.toolbar = bar = TemplatesToolbar(
            self.customer_combo,
            check_button=self.preview.check_button,
            edge_case_button=self.edge_cases.button,
        )
        # Its controls under the page's names, for callers and tests.
        self.save_button, self.saved_note = bar.save_button, bar.saved_note
        self.active_check, self.history_button = bar.active_check, bar.history_button
        self.check_button, self.edge_case_button = bar.check_button, bar.edge_case_button

    def actions(self) -> list[QAction]:  # type: ignore[override]
        """The menu actions this page contributes, with their shortcuts."""
        return self.menu.actions()

    def _connect(self) -> None:
        library = self.library
        library.template_chosen.connect(self._on_library_template_chosen)
        SelectionGuard(library.template_list, self.confirm_discard)
        library.duplicate_button.clicked.connect(self.duplicate_template)
        library.rename_button.clicked.connect(self.rename_template)
        library.delete_button.clicked.connect(self.delete_template)
        library.import_button.clicked.connect(self.menu.import_action.trigger)
        library.export_button.clicked.connect(self.menu.export_action.trigger)
        self.save_button.clicked.connect(self.save)
        self.active_check.clicked.connect(self._on_active_check_clicked)
        self.customer_combo.currentIndexChanged.connect(self.preview.render_now)
        self.check_button.clicked.connect(self.run_check)
        self.history_button.clicked.connect(self.open_history)
        self.editor.edited.connect(self.preview.schedule)
        self.editor.edited.connect(self.edge_cases.on_template_edited)
        self.editor.edited.connect(self.what_changes.on_template_edited)
        self.editor.part_changed.connect(self.preview.show_last)
        self.editor.part_changed.connect(self.edge_cases.mark_findings)
        self.editor.dirty_changed.connect(self._on_editor_dirty_changed)
        self.template_opened.connect(self.edge_cases.on_template_opened)
        self.template_opened.connect(self.what_changes.on_template_opened)
        self.preview.render_shown.connect(self.quick_fixes.show)
        self.quick_fixes.fix_applied.connect(lambda _title: self.preview.render_now())
        self.quick_fixes.proof_requested.connect(self.edge_cases.show_variant)
        self.quick_fixes.status_message.connect(self.status_message)
        self.view.render_requested.connect(self.render_now)
        self.samples.payload_replaced.connect(self.preview.render_now)
        self.samples.payload_edited.connect(self.preview.schedule)
        self.samples.status_message.connect(self.status_message)
        self.saved_note.announced.connect(self.status_message)
        self.library_actions.status_message.connect(self.status_message)
        self.preview.preview_updated.connect(self.preview_updated)
        self.preview.preview_updated.connect(self.from_example.comparison.on_preview_updated)
        self.preview.check_finished.connect(self.check_finished)
        self.preview.sample_chosen.connect(self.samples.select)
        self._drafts.draft_autosaved.connect(self.draft_autosaved)
        for splitter in self._splitters().values():
            splitter.splitterMoved.connect(self._on_splitter_moved)

    # -- the parts, where tests and menus reach them ---------------------------------------------

    @property
    def template_list(self) -> Any:
        """The library's list of templates."""
        return self.library.template_list

    @property
    def filter_edit(self) -> Any:
        """The library's filter field."""
        return self.library.filter_edit

    @property
    def subject_edit(self) -> Any:
        """An email template's subject line."""
        return self.editor.subject_edit

    @property
    def part_tabs(self) -> Any:
        """An email template's part tabs (HTML, text)."""
        return self.editor.part_tabs

    @property
    def email_bar(self) -> QWidget:
        """The subject line and part tabs, shown for email templates."""
        return self.editor.bar

    @property
    def render_worker(self) -> RenderWorker:
        """The live preview's worker."""
        return self.preview.render_worker

    @property
    def check_dialog(self) -> CheckResultsDialog | None:
        """The results of the last "Check against all samples"."""
        return self.preview.check_dialog

    @property
    def history_dialog(self) -> VersionHistoryDialog | None:
        """The version history on show, if any."""
        return self.library_actions.history_dialog

    def _item_for(self, template_id: int | None) -> Any:
        return self.library.item_for(template_id)

    # -- settings ------------------------------------------------------------------------------

    def _splitters(self) -> dict[str, QSplitter]:
        return self.view.panels.splitters

    def _restore_state(self) -> None:
        self.view.panels.restore_layout(self._settings)
        self.samples.refresh()
        self.refresh_library()
        last = self._memory.last_template
        opened = last is not None and self.open_template(last)
        first = self.library.first_id()
        if not opened and first is not None:
            self.open_template(first)
        sample = self._memory.last_sample
        if not self.samples.knows(sample):
            selectors = self.requests.sample_selectors(with_triggers=False)
            sample = selectors[0] if selectors else self.samples.first_key()
        self.samples.select(sample)

    def save_state(self) -> None:
        """Write the layout and the last template and sample to the settings."""
        self.view.panels.save_layout(self._settings)
        template = self.editor.template
        if template is not None and template.id is not None:
            self._memory.set_last_template(template.id)
        if self.samples.key:
            self._memory.set_last_sample(self.samples.key)
        self._settings.sync()

    def _on_splitter_moved(self, _pos: int, _index: int) -> None:
        self.save_state()

    # -- library -------------------------------------------------------------------------------

    @Slot(object)
    def on_change(self, notice: ChangeNotice) -> None:
        """Reload what shows the changed kind of entity; the template in the editor keeps its edits.

        A change to the template on show from elsewhere (activated through a trigger, renamed)
        updates its status and name; its content in the editor is the user's and stays.
        """
        shown = self.editor.template.id if self.editor.template is not None else None
        if notice.concerns(Entity.TEMPLATE) and shown is not None and notice.id in (None, shown):
            try:
                stored = self._templates.get(shown)
            except NotFoundError:
                stored = None
            if stored is not None:
                self.editor.follow(stored.status, stored.name)
                self.active_check.setChecked(stored.status is TemplateStatus.ACTIVE)
        if notice.concerns(Entity.TEMPLATE, Entity.CUSTOMER):
            self.refresh_library()
        if notice.concerns(Entity.SAMPLE):
            self.samples.refresh()
        self.from_example.on_change(notice)

    def refresh_library(self) -> None:
        """Reload the list and the "Lookups for" customers, keeping the selection and the unsaved mark."""
        customers = {c.id: c.name for c in self._customers.list() if c.id is not None}
        shown = self.editor.template.id if self.editor.template else None
        self.library.fill(self._templates.list(), customers, shown)
        self._show_dirty_mark()
        self.customer_combo.fill(customers)

    def _show_dirty_mark(self) -> None:
        template = self.editor.template
        self._offer_editing(template is not None)
        if template is None:
            self.view.template_title.setText("No template")
            return
        self.library.mark(template, self.editor.dirty)
        kind = "email" if template.kind is TemplateKind.EMAIL else template.format.value.upper()
        new = ", new: not saved yet" if template.id is None else ""
        self.view.template_title.setText(
            f"{DIRTY_MARK if self.editor.dirty else ''}{template.name}  ({kind}{new})"
        )

    def _offer_editing(self, has_template: bool) -> None:
        """With no template (an empty workspace, the last one deleted) nothing can be typed, saved,
        rendered or checked: the editor is read-only and says how to start."""
        library = self.library
        for control in (
            self.save_button, self.active_check, self.history_button, self.check_button,
            self.view.render_button, library.duplicate_button, library.rename_button,
            library.delete_button, library.export_button, *self.menu.needing_template(),
        ):
            control.setEnabled(has_template)
        self.view.set_editable(has_template, NO_TEMPLATE_HINT)

    def _on_editor_dirty_changed(self, dirty: bool) -> None:
        self._show_dirty_mark()
        self.menu.compare_action.setEnabled(dirty)
        self.dirty_changed.emit(dirty)

    def _on_library_template_chosen(self, template_id: int) -> None:
        shown = self.editor.template
        if self.editor.loading or (shown is not None and template_id == shown.id):
            return
        self.open_template(template_id)

    # -- the template in the editor --------------------------------------------------------------

    def current_template(self) -> Template | None:
        """The template as last saved (None when the workspace has none)."""
        return self.editor.template

    def edited_template(self) -> Template | None:
        """The template with the editor's content (what Save would store)."""
        return self.editor.edited_template()

    def open_template(self, template_id: int) -> bool:
        """Show the template ``template_id``, from the library or from another page.

        Unsaved edits are asked about first (Save / Discard / Cancel) here, so no caller can forget
        to; Cancel keeps the editor and the library's selection as they were. The template already
        on show keeps its edits.

        Returns:
            True when ``template_id`` is on show.
        """
        shown = self.editor.template
        if shown is not None and shown.id == template_id and self.has_unsaved_changes():
            self.library.select(template_id)
            return True
        try:
            template = self._templates.get(template_id)
        except NotFoundError:
            return False
        if not self.confirm_discard():
            self.library.select(shown.id if shown else None)
            return False
        self._load(template)
        return True

    def _load(self, template: Template, content: Template | None = None) -> None:
        """Put ``template`` (as saved) in the editor, with ``content``'s edits on top if given."""
        self._drafts.forget_written()
        self.saved_note.clear()
        self.editor.load(template, content)
        self.active_check.setChecked(template.status is TemplateStatus.ACTIVE)
        self.library.select(template.id)
        self.customer_combo.follow(template)
        self._show_dirty_mark()
        if template.id is not None:
            self._memory.set_last_template(template.id)
            self.template_opened.emit(template.id)
        if not self.samples.follow(self.requests.sample_selectors()):
            self.preview.render_now()

    def _ask_unsaved(self, name: str) -> UnsavedChoice:
        """Save / Discard / Cancel through the page's prompter of the moment (tests and the app may
        replace ``prompter`` after the page is built)."""
        return self.prompter.unsaved_changes(name)

    def has_unsaved_changes(self) -> bool:
        """True when the template or the user's sample payload has edits that are not saved."""
        return self.editor.dirty or self.samples.dirty

    def confirm_discard(self) -> bool:
        """The close guard: Save / Discard / Cancel for the template's edits, then the payload's.

        Returns:
            True when it is fine to go on (saved, discarded, or nothing to lose).
        """
        return self.editor.unsaved.confirm_discard() and self.samples.confirm_discard()

    def _revert_editor(self) -> None:
        """Discard: show the template as stored again (a template never saved goes away)."""
        template = self.editor.template
        if template is None:
            return
        self._drafts.discard(template.id)
        stored = None
        if template.id is not None:
            try:
                stored = self._templates.get(template.id)
            except NotFoundError:
                stored = None
        if stored is None:
            first = self.library.first_id()
            if first is None or not self.open_template(first):
                self.editor.clear()
                self._show_dirty_mark()
            return
        self._load(stored)

    def save(self) -> bool:
        """Save the edited template (a new version when the content changed); False on refusal."""
        edited = self.edited_template()
        previous = self.editor.template
        if edited is None or previous is None:
            return False
        try:
            saved = self._templates.save(edited)
        except ValidationError as error:
            self.prompter.error("Cannot save the template", str(error))
            return False
        self._drafts.discard(saved.id)
        self._drafts.forget_written()
        self.editor.stored(saved)
        self.refresh_library()
        assert saved.id is not None
        self.template_saved.emit(saved.id)
        self.saved_note.confirm(f"Saved template '{saved.name}'")
        self.what_changes.after_save(previous, saved)
        return True

    def _on_active_check_clicked(self, checked: bool) -> None:
        template = self.editor.template
        if template is None:
            return
        status = TemplateStatus.ACTIVE if checked else TemplateStatus.DRAFT
        try:
            saved = self._templates.save(replace(template, status=status))
        except ValidationError as error:
            self.prompter.error("Cannot change the status", str(error))
            self.active_check.setChecked(not checked)
            return
        self.editor.stored(saved)
        self.refresh_library()
        self.status_message.emit(f"'{saved.name}' is now {status.value}")

    # -- what the menus and buttons do (the library's actions, the picker's, the preview's) ------

    def new_template(self, kind: TemplateKind, fmt: OutputFormat) -> Template | None:
        """Ask for a name and create a draft from the kind's skeleton."""
        return self.library_actions.new_template(kind, fmt)

    def new_from_example(self) -> NewFromExampleDialog | None:
        """Open New from Example (after the unsaved-edits question); returns the dialog, or None."""
        return self.from_example.open_dialog()

    def _current_sample(self) -> tuple[str, str]:
        choice = self.samples.current()
        return self.samples.key, choice.label if choice is not None else self.samples.key

    def _show_created(self, template: Template, sample_key: str) -> None:
        """A template made elsewhere (New from Example) into the editor, previewed on ``sample_key``."""
        self.editor.template = template
        self.refresh_library()
        self.samples.refresh()
        self._load(template)
        self.samples.select(sample_key)

    def duplicate_template(self) -> Template | None:
        """Copy the template as shown (unsaved edits included) into a new draft."""
        return self.library_actions.duplicate()

    def rename_template(self) -> bool:
        """Ask for a new name; unsaved edits stay in the editor."""
        return self.library_actions.rename()

    def delete_template(self) -> bool:
        """Delete after confirmation (refused while triggers use it)."""
        return self.library_actions.delete()

    def import_template(self, path: Path | None = None) -> TemplateImportPlan | None:
        """Load a ``.j2`` file into the editor as unsaved edits (a new template, or the next version
        of the one with its name); nothing is written until Save."""
        return self.library_actions.import_template(path)

    def export_template(self, path: Path | None = None) -> Path | None:
        """Write the template as shown to a ``.j2`` file."""
        return self.library_actions.export_template(path)

    def open_history(self) -> VersionHistoryDialog | None:
        """Show the version history of the template; Compare Outputs… compares two of its versions."""
        dialog = self.library_actions.open_history()
        if dialog is not None:
            dialog.outputs_compare_requested.connect(self.compare_versions)
        return dialog

    def compare_versions(self, old: int, new: int | None) -> bool:
        """What changes from version ``old`` to version ``new`` (None: the text in the editor)."""
        edited = self.edited_template()
        if edited is None or edited.id is None:
            return False
        versions = {v.number: v for v in self._templates.versions(edited.id)}
        if old not in versions or (new is not None and new not in versions):
            return False
        before = versions[old].applied_to(edited)
        after = edited if new is None else versions[new].applied_to(edited)
        new_label = "Current text" if new is None else f"Version {new}"
        self.what_changes.compare(before, after, f"Version {old}", new_label, live=new is None)
        return True

    def compare_with_saved(self) -> bool:
        """What changes if I save this: the saved template against the edits, every sample and variant."""
        return self.what_changes.compare_with_saved() is not None

    def restore_version(self, number: int) -> bool:
        """Make version ``number`` the current content (a new save)."""
        return self.library_actions.restore_version(number)

    def select_sample(self, key: str) -> bool:
        """Show sample ``key`` (a built-in name or ``user:<id>``) and render with it."""
        return self.samples.select(key)

    def render_now(self) -> None:
        """Render at once (Ctrl+Enter)."""
        self.preview.render_now()

    def last_render(self) -> PreviewRender | None:
        """The render on show (its request says which template text and payload it was for)."""
        return self.preview.last()

    def run_check(self) -> None:
        """Render the template as shown against every sample of its events, off the GUI thread."""
        planned = self.requests.check()
        if planned is not None:
            self.preview.run_check(*planned)

    # -- crash recovery ------------------------------------------------------------------------

    def _unsaved_template(self) -> Template | None:
        return self.edited_template() if self.editor.dirty else None

    def write_draft(self) -> str | None:
        """Write unsaved edits to the recovery folder (when they changed since the last write)."""
        return self._drafts.write()

    def pending_recoveries(self) -> list[RecoveryDraft]:
        """Drafts left by a run that did not end normally (found when the page was built)."""
        return self._drafts.left_over()

    def offer_recoveries(self) -> int:
        """Ask, for each left-over draft, to restore it into the editor or discard it; returns restored."""
        return self._drafts.offer(self.prompter, self.library_actions.restore_draft)
