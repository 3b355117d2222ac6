"""The Templates page: the template library beside the Template Mapper, wired to the services.

The page is the controller of :class:`~postback_studio.ui.template_mapper.TemplateMapperView`: it
reads and writes templates and sample payloads through the GUI thread's services, renders
through a :class:`~postback_studio.workers.render_worker.RenderWorker` (the engine runs on the thread
pool; the request carries everything the render needs, so no worker touches the workspace), runs
"Check against all samples" the same way, and keeps unsaved edits safe: a Save / Discard / Cancel
prompt before they would be lost, and drafts written to a recovery folder every few seconds so a
crash loses at most those seconds.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QSplitter,
    QTabBar,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from postback_studio.core.errors import InUseError, NotFoundError, ValidationError
from postback_studio.core.model import Event, OutputFormat, Template, TemplateKind, TemplateStatus
from postback_studio.core.preview import parse_json
from postback_studio.core.records import SamplePayload
from postback_studio.core.recovery import RecoveryDraft, RecoveryStore, key_for
from postback_studio.core.render.engine import RenderEngine
from postback_studio.core.render.result import Diagnostic, RenderResult, Where
from postback_studio.core.samples import load_sample
from postback_studio.core.template_files import (
    TemplateFileError,
    read_template_file,
    suggested_filename,
    template_to_text,
)
from postback_studio.core.template_library import (
    NEW_TEMPLATE_CHOICES,
    CheckOutcome,
    CheckRequest,
    PreviewRender,
    PreviewRequest,
    SampleChoice,
    check_sample_names,
    check_selectors,
    content_of,
    free_name,
    library_details,
    matches_filter,
    render_preview,
    run_check,
    sample_choices,
    skeleton,
    user_sample_key,
    with_content,
)
from postback_studio.services.changes import ChangeNotice, Entity
from postback_studio.ui.check_results import CheckResultsDialog
from postback_studio.ui.email_parts import EmailPartsPreview
from postback_studio.ui.ports import (
    CustomerStore,
    LookupStore,
    SampleStore,
    TemplateLibraryStore,
    TriggerStore,
)
from postback_studio.ui.prompts import Prompter, UnsavedChoice
from postback_studio.ui.template_mapper import TemplateMapperView
from postback_studio.ui.version_history import VersionHistoryDialog
from postback_studio.workers.jobs import JobRunner
from postback_studio.workers.render_worker import RenderWorker

_ID = Qt.ItemDataRole.UserRole
_DIRTY = "• "
_TEMPLATE_FILTERS = "Templates (*.j2 *.json *.xml *.html *.txt);;All files (*)"
_EMAIL_PARTS = ("html", "text")
_NO_CUSTOMER = -1


def _tool_button(text: str, tip: str) -> QToolButton:
    button = QToolButton()
    button.setText(text)
    button.setToolTip(tip)
    return button


def _template_format(template: Template, part: str) -> str:
    if template.kind is TemplateKind.EMAIL:
        return "text" if part == "text" else "html"
    return template.format.value


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
        prompter: Prompter | None = None,
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
            engine: Renders previews and checks (thread-safe; used from the pool).
            jobs: Where renders and checks run (the app's job runner).
            settings: Remembers splitter sizes and the last template and sample.
            prompter: Asks the user (tests pass a scripted one).
            recovery: Where unsaved drafts go (the workspace's recovery folder).
            debounce_ms: The pause in typing before the preview renders.
            autosave_ms: How often unsaved edits are written to the recovery folder.
            parent: The parent widget.
        """
        super().__init__(parent)
        self._templates = templates
        self._samples = samples
        self._triggers = triggers
        self._customers = customers
        self._lookup_store = lookups
        self._engine = engine
        self._settings = settings
        self.prompter = prompter or Prompter(self)
        self._recovery = recovery
        self._startup_drafts = self._recovery.pending()
        self._template: Template | None = None
        self._parts: dict[str, str] = {"html": "", "text": ""}
        self._part = "body"
        self._dirty = False
        self._loading = False
        self._payload: Any = None
        self._sample_key = ""
        self._sample_dirty = False
        self._choices: list[SampleChoice] = []
        self._last_render: PreviewRender | None = None
        self._last_draft: tuple[str, str, str] | None = None
        self._check_names: dict[str, str] = {}
        self._listed: dict[int, tuple[Template, str]] = {}
        self.check_dialog: CheckResultsDialog | None = None
        self.history_dialog: VersionHistoryDialog | None = None

        # The worker functions close over the engine only: nothing on a pool thread touches the page.
        self.render_worker = RenderWorker(partial(render_preview, engine), jobs, debounce_ms, self)
        self.check_worker = RenderWorker(partial(run_check, engine), jobs, 0, self)
        self._autosave = QTimer(self)
        self._autosave.setInterval(autosave_ms)
        self._autosave.timeout.connect(self._on_autosave_timeout)
        self._autosave.start()

        self.view = TemplateMapperView()
        self._build_library()
        self._build_toolbar()
        self._build_email_bar()
        self._build_sample_bar()
        self.email_preview = EmailPartsPreview()
        self.view.add_preview_widget(self.email_preview)
        self.view.add_editor_bar(self.email_bar)
        self.view.add_payload_bar(self.sample_bar)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.setSpacing(0)
        right_layout.addWidget(self.toolbar)
        right_layout.addWidget(self.view, 1)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.library)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([250, 1030])
        self.view.columns.setSizes([270, 450, 330])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter)
        self._build_actions()
        self._connect()
        self._restore_state()

    # -- construction --------------------------------------------------------------------------

    def _build_library(self) -> None:
        self.library = QWidget()
        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText("Filter templates (name, kind, format, status, customer)")
        self.filter_edit.setClearButtonEnabled(True)
        self.template_list = QTreeWidget()
        # One column of two-line entries (name; kind · format · status · customer) keeps every
        # detail readable in a narrow library; five columns would truncate the names.
        self.template_list.setHeaderLabels(["Name · kind · format · status · customer"])
        self.template_list.setRootIsDecorated(False)
        self.template_list.setAlternatingRowColors(True)
        self.template_list.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.new_button = QToolButton()
        self.new_button.setText("New")
        self.new_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.new_menu = QMenu(self.new_button)
        self.new_button.setMenu(self.new_menu)
        self.duplicate_button = _tool_button("Duplicate", "A draft copy of the template as shown")
        self.rename_button = _tool_button("Rename", "Rename the template (F2)")
        self.delete_button = _tool_button("Delete", "Delete the template and its versions")
        self.import_button = _tool_button("Import…", "Import a .j2 template file (Ctrl+O)")
        self.export_button = _tool_button("Export…", "Export the template as a .j2 file (Ctrl+Shift+E)")
        first = QHBoxLayout()
        for button in (self.new_button, self.duplicate_button, self.rename_button):
            first.addWidget(button)
        first.addStretch(1)
        second = QHBoxLayout()
        for button in (self.delete_button, self.import_button, self.export_button):
            second.addWidget(button)
        second.addStretch(1)
        title = QLabel("Templates")
        title.setStyleSheet("font-weight: bold;")
        layout = QVBoxLayout(self.library)
        layout.setContentsMargins(6, 6, 3, 6)
        layout.addWidget(title)
        layout.addWidget(self.filter_edit)
        layout.addWidget(self.template_list, 1)
        layout.addLayout(first)
        layout.addLayout(second)

    def _build_toolbar(self) -> None:
        self.toolbar = QWidget()
        self.save_button = QPushButton("Save")
        self.save_button.setToolTip("Save the template (Ctrl+S); every save is kept as a version")
        self.active_check = QCheckBox("Active")
        self.active_check.setToolTip("Draft or active. Only active templates are used by active triggers.")
        self.customer_combo = QComboBox()
        self.customer_combo.setToolTip(
            "Whose lookup tables the preview uses (a shared template can be previewed for any customer)"
        )
        self.check_button = QPushButton("Check all samples")
        self.check_button.setToolTip("Render against every sample and variant of the template's events")
        self.history_button = QPushButton("History…")
        self.history_button.setToolTip("Saved versions, a side-by-side diff, and Restore")
        layout = QHBoxLayout(self.toolbar)
        layout.setContentsMargins(6, 6, 6, 0)
        layout.addWidget(self.save_button)
        layout.addWidget(self.active_check)
        layout.addSpacing(12)
        layout.addWidget(QLabel("Lookups for"))
        layout.addWidget(self.customer_combo)
        layout.addStretch(1)
        layout.addWidget(self.check_button)
        layout.addWidget(self.history_button)

    def _build_email_bar(self) -> None:
        self.email_bar = QWidget()
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
        layout = QVBoxLayout(self.email_bar)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(subject_row)
        layout.addWidget(self.part_tabs)
        self.email_bar.hide()

    def _build_sample_bar(self) -> None:
        self.sample_bar = QWidget()
        self.new_sample_button = _tool_button(
            "New…", "New from built-in: copy this sample into a payload of your own that you can edit"
        )
        self.import_sample_button = _tool_button("Import…", "Import a payload from a JSON file")
        self.paste_sample_button = _tool_button("Paste", "Create a payload from JSON on the clipboard")
        self.save_sample_button = _tool_button("Save", "Save your edits to this payload")
        self.delete_sample_button = _tool_button("Delete", "Delete this payload of yours")
        layout = QHBoxLayout(self.sample_bar)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(3)
        for button in (
            self.new_sample_button,
            self.import_sample_button,
            self.paste_sample_button,
            self.save_sample_button,
            self.delete_sample_button,
        ):
            layout.addWidget(button)
        layout.addStretch(1)

    def _action(self, text: str, shortcut: QKeySequence | str | None, slot: Any) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        # Call without Qt's ``checked`` argument: several slots take an optional path instead.
        action.triggered.connect(lambda _checked=False: slot())
        return action

    def _build_actions(self) -> None:
        self.new_actions: list[QAction] = []
        shortcuts = ("Ctrl+N", None, None)
        for (label, kind, fmt), shortcut in zip(NEW_TEMPLATE_CHOICES, shortcuts, strict=True):
            action = self._action(
                f"New {label} Template…",
                shortcut,
                lambda _checked=False, k=kind, f=fmt: self.new_template(k, f),
            )
            self.new_actions.append(action)
            self.new_menu.addAction(action)
        self.save_action = self._action("Save Template", QKeySequence.StandardKey.Save, self.save)
        self.render_action = self._action("Render Preview", "Ctrl+Return", self.render_now)
        self.check_action = self._action("Check Against All Samples", "Ctrl+Shift+K", self.run_check)
        self.duplicate_action = self._action("Duplicate Template", "Ctrl+Shift+D", self.duplicate_template)
        self.rename_action = self._action("Rename Template…", "F2", self.rename_template)
        self.delete_action = self._action("Delete Template…", None, self.delete_template)
        self.import_action = self._action("Import Template (.j2)…", "Ctrl+O", self.import_template)
        self.export_action = self._action("Export Template (.j2)…", "Ctrl+Shift+E", self.export_template)
        self.history_action = self._action("Version History…", "Ctrl+Shift+H", self.open_history)
        self.find_action = self._action("Find in Template", "Ctrl+F", self.view.find_bar.open_find)
        self.replace_action = self._action("Replace in Template", "Ctrl+H", self.view.find_bar.open_replace)

    def actions(self) -> list[QAction]:  # type: ignore[override]
        """The menu actions this page contributes, with their shortcuts."""
        return [
            *self.new_actions,
            self.save_action,
            self.render_action,
            self.check_action,
            self.duplicate_action,
            self.rename_action,
            self.delete_action,
            self.import_action,
            self.export_action,
            self.history_action,
            self.find_action,
            self.replace_action,
        ]

    def _connect(self) -> None:
        self.filter_edit.textChanged.connect(self._apply_filter)
        self.template_list.currentItemChanged.connect(self._on_template_list_current_changed)
        self.duplicate_button.clicked.connect(self.duplicate_template)
        self.rename_button.clicked.connect(self.rename_template)
        self.delete_button.clicked.connect(self.delete_template)
        self.import_button.clicked.connect(self.import_action.trigger)
        self.export_button.clicked.connect(self.export_action.trigger)
        self.save_button.clicked.connect(self.save)
        self.active_check.clicked.connect(self._on_active_check_clicked)
        self.customer_combo.currentIndexChanged.connect(self._on_customer_combo_changed)
        self.check_button.clicked.connect(self.run_check)
        self.history_button.clicked.connect(self.open_history)
        self.subject_edit.textChanged.connect(self._on_content_edited)
        self.part_tabs.currentChanged.connect(self._on_part_tabs_changed)
        self.view.template_edited.connect(self._on_content_edited)
        self.view.render_requested.connect(self.render_now)
        self.view.event_selected.connect(self._on_view_event_selected)
        self.view.payload_edited.connect(self._on_view_payload_edited)
        self.view.payload_rejected.connect(self._on_view_payload_rejected)
        self.view.problems.problem_activated.connect(self._on_problem_activated)
        self.new_sample_button.clicked.connect(self.new_sample_from_builtin)
        self.import_sample_button.clicked.connect(self._on_import_sample_button_clicked)
        self.paste_sample_button.clicked.connect(self.paste_sample)
        self.save_sample_button.clicked.connect(self.save_sample)
        self.delete_sample_button.clicked.connect(self.delete_sample)
        self.render_worker.render_finished.connect(self._on_render_finished)
        self.render_worker.render_failed.connect(self._on_render_failed)
        self.render_worker.render_started.connect(self._on_render_started)
        self.check_worker.render_finished.connect(self._on_check_finished)
        self.check_worker.render_failed.connect(self._on_check_failed)
        for splitter in (self.splitter, self.view.columns, self.view.rows, self.view.payload_split):
            splitter.splitterMoved.connect(self._on_splitter_moved)

    # -- settings ------------------------------------------------------------------------------

    def _splitters(self) -> dict[str, QSplitter]:
        return {
            "library": self.splitter,
            "columns": self.view.columns,
            "rows": self.view.rows,
            "payload": self.view.payload_split,
        }

    def _restore_state(self) -> None:
        for name, splitter in self._splitters().items():
            sizes = self._settings.value(f"templates/{name}_sizes")
            if isinstance(sizes, list) and sizes:
                splitter.setSizes([int(s) for s in sizes])
        self.refresh_samples()
        self.refresh_library()
        last = self._settings.value("templates/last_template")
        opened = False
        if last is not None:
            try:
                opened = self.open_template(int(str(last)))
            except ValueError:
                opened = False
        if not opened and self.template_list.topLevelItemCount():
            first = self.template_list.topLevelItem(0)
            self.open_template(int(first.data(0, _ID)))
        sample = str(self._settings.value("templates/last_sample", "") or "")
        if not any(c.key == sample for c in self._choices):
            sample = self._default_sample_key()
        self.select_sample(sample)

    def set_editor_palette(self, palette: Any) -> None:
        """Follow the app theme in the code editors (the email preview keeps its own white page)."""
        self.view.set_palette(palette)

    def save_state(self) -> None:
        """Write splitter sizes and the last template and sample to the settings."""
        for name, splitter in self._splitters().items():
            self._settings.setValue(f"templates/{name}_sizes", splitter.sizes())
        if self._template is not None and self._template.id is not None:
            self._settings.setValue("templates/last_template", self._template.id)
        if self._sample_key:
            self._settings.setValue("templates/last_sample", self._sample_key)
        self._settings.sync()

    def _on_splitter_moved(self, _pos: int, _index: int) -> None:
        self.save_state()

    # -- library -------------------------------------------------------------------------------

    def _customer_names(self) -> dict[int, str]:
        return {c.id: c.name for c in self._customers.list() if c.id is not None}

    @Slot(object)
    def on_change(self, notice: ChangeNotice) -> None:
        """Reload what shows the changed kind of entity; the template in the editor keeps its edits.

        A change to the template on show from elsewhere (activated through a trigger, renamed)
        updates its status and name; its content in the editor is the user's and stays.
        """
        shown = self._template.id if self._template is not None else None
        if notice.concerns(Entity.TEMPLATE) and shown is not None and notice.id in (None, shown):
            self._follow_stored_template()
        if notice.concerns(Entity.TEMPLATE, Entity.CUSTOMER):
            self.refresh_library()
        if notice.concerns(Entity.SAMPLE):
            self.refresh_samples()

    def _follow_stored_template(self) -> None:
        assert self._template is not None and self._template.id is not None
        try:
            stored = self._templates.get(self._template.id)
        except NotFoundError:
            return
        self._template = replace(self._template, status=stored.status, name=stored.name)
        self.active_check.setChecked(stored.status is TemplateStatus.ACTIVE)
        self._show_dirty_mark()

    def refresh_library(self) -> None:
        """Reload the list from the workspace, keeping the selection and the unsaved mark."""
        customers = self._customer_names()
        current_id = self._template.id if self._template else None
        self.template_list.blockSignals(True)
        self.template_list.clear()
        self._listed = {}
        for template in self._templates.list():
            customer = customers.get(template.customer_id, "") if template.customer_id else "Shared"
            assert template.id is not None
            self._listed[template.id] = (template, customer)
            item = QTreeWidgetItem([f"{template.name}\n{library_details(template, customer)}"])
            item.setData(0, _ID, template.id)
            item.setToolTip(0, f"{template.name}: {library_details(template, customer)}")
            self.template_list.addTopLevelItem(item)
            if template.id == current_id:
                self.template_list.setCurrentItem(item)
        self.template_list.blockSignals(False)
        self._apply_filter(self.filter_edit.text())
        self._show_dirty_mark()
        self.customer_combo.blockSignals(True)
        selected = self.customer_combo.currentData()
        self.customer_combo.clear()
        self.customer_combo.addItem("No customer (global tables)", _NO_CUSTOMER)
        for customer_id, name in customers.items():
            self.customer_combo.addItem(name, customer_id)
        index = self.customer_combo.findData(selected)
        self.customer_combo.setCurrentIndex(max(index, 0))
        self.customer_combo.blockSignals(False)

    def _apply_filter(self, text: str) -> None:
        for item in self._items():
            listed = self._listed.get(int(item.data(0, _ID)))
            if listed is not None:
                template, customer = listed
                item.setHidden(not matches_filter(template, customer, text))

    def _items(self) -> list[QTreeWidgetItem]:
        return [self.template_list.topLevelItem(i) for i in range(self.template_list.topLevelItemCount())]

    def _item_for(self, template_id: int | None) -> QTreeWidgetItem | None:
        return next((i for i in self._items() if i.data(0, _ID) == template_id), None)

    def _show_dirty_mark(self) -> None:
        if self._template is None:
            self.view.template_title.setText("No template")
            return
        mark = _DIRTY if self._dirty else ""
        item = self._item_for(self._template.id)
        listed = self._listed.get(self._template.id) if self._template.id is not None else None
        if item is not None and listed is not None:
            item.setText(0, f"{mark}{self._template.name}\n{library_details(*listed)}")
        kind = "email" if self._template.kind is TemplateKind.EMAIL else self._template.format.value.upper()
        self.view.template_title.setText(f"{mark}{self._template.name}  ({kind})")

    def _on_template_list_current_changed(
        self, current: QTreeWidgetItem | None, previous: QTreeWidgetItem | None
    ) -> None:
        if current is None or self._loading:
            return
        template_id = int(current.data(0, _ID))
        if self._template is not None and template_id == self._template.id:
            return
        if not self.confirm_discard():
            self.template_list.blockSignals(True)
            self.template_list.setCurrentItem(previous)
            self.template_list.blockSignals(False)
            return
        self.open_template(template_id)

    def current_template(self) -> Template | None:
        """The template as last saved (None when the workspace has none)."""
        return self._template

    def edited_template(self) -> Template | None:
        """The template with the editor's content (what Save would store)."""
        if self._template is None:
            return None
        if self._template.kind is TemplateKind.EMAIL:
            self._parts[self._part] = self.view.template_text()
            return with_content(
                self._template, self._parts["html"], self.subject_edit.text(), self._parts["text"]
            )
        return with_content(self._template, self.view.template_text(), "", self._template.text_body)

    def open_template(self, template_id: int) -> bool:
        """Show the template ``template_id`` (without asking about unsaved edits: the caller did)."""
        try:
            template = self._templates.get(template_id)
        except NotFoundError:
            return False
        self._load(template)
        return True

    def _load(self, template: Template, content: Template | None = None) -> None:
        """Put ``template`` (as saved) in the editor, with ``content``'s edits on top if given."""
        shown = content or template
        self._loading = True
        try:
            self._template = template
            self._last_draft = None
            email = template.kind is TemplateKind.EMAIL
            self.email_bar.setVisible(email)
            self.view.use_preview_widget(self.email_preview if email else None)
            if email:
                self._parts = {"html": shown.body, "text": shown.text_body}
                self.subject_edit.setText(shown.subject)
                self.subject_edit.setCursorPosition(0)
                self._part = "html"
                self.part_tabs.blockSignals(True)
                self.part_tabs.setCurrentIndex(0)
                self.part_tabs.blockSignals(False)
                self.view.set_template(shown.body, "html", template.name)
            else:
                self._part = "body"
                self.view.set_template(shown.body, template.format.value, template.name)
            self.active_check.setChecked(template.status is TemplateStatus.ACTIVE)
            item = self._item_for(template.id)
            if item is not None:
                self.template_list.blockSignals(True)
                self.template_list.setCurrentItem(item)
                self.template_list.blockSignals(False)
            self._sync_customer_combo()
        finally:
            self._loading = False
        self._update_dirty()
        if template.id is not None:
            self._settings.setValue("templates/last_template", template.id)
            self.template_opened.emit(template.id)
        if not self._follow_template_event():
            self.render_now()

    def _follow_template_event(self) -> bool:
        """Switch to a sample of the template's event when the one on show is of another event.

        Returns:
            True when another sample was selected (which renders).
        """
        choice = self.current_sample()
        if self._template is None or choice is None or self._sample_dirty:
            return False
        events = check_selectors(self._template, self._trigger_events(self._template))
        if choice.event.value in events:
            return False
        return self.select_sample(events[0])

    def _sync_customer_combo(self) -> None:
        """A customer's template previews with its lookups; a shared one with those of the customer
        of the first trigger that uses it (the user may pick another)."""
        assert self._template is not None
        owner = self._template.customer_id
        if owner is None and self._template.id is not None:
            users = self._triggers.list(template_id=self._template.id)
            owner_hint = users[0].customer_id if users else None
        else:
            owner_hint = owner
        self.customer_combo.blockSignals(True)
        if owner_hint is not None:
            self.customer_combo.setCurrentIndex(max(self.customer_combo.findData(owner_hint), 0))
        self.customer_combo.setEnabled(owner is None)
        self.customer_combo.blockSignals(False)

    def _on_customer_combo_changed(self, _index: int) -> None:
        self.render_now()

    def _lookups(self) -> dict[str, dict[str, str]]:
        customer = self.customer_combo.currentData()
        customer_id = None if customer in (None, _NO_CUSTOMER) else int(customer)
        return self._lookup_store.lookup_set_for(customer_id)

    # -- editing -------------------------------------------------------------------------------

    def _on_part_tabs_changed(self, index: int) -> None:
        if self._template is None or self._template.kind is not TemplateKind.EMAIL:
            return
        self._parts[self._part] = self.view.template_text()
        self._part = _EMAIL_PARTS[index]
        self._loading = True
        try:
            self.view.set_template(self._parts[self._part], self._part, self._template.name)
        finally:
            self._loading = False
        self._show_dirty_mark()
        self._show_last_render()

    def _on_content_edited(self) -> None:
        if self._loading or self._template is None:
            return
        self._update_dirty()
        self.schedule_render()

    def _update_dirty(self) -> None:
        edited = self.edited_template()
        dirty = (
            edited is not None
            and self._template is not None
            and content_of(edited) != content_of(self._template)
        )
        changed = dirty != self._dirty
        self._dirty = dirty
        self._show_dirty_mark()
        if changed:
            self.dirty_changed.emit(dirty)

    def has_unsaved_changes(self) -> bool:
        """True when the template or the user's sample payload has edits that are not saved."""
        return self._dirty or self._sample_dirty

    def confirm_discard(self) -> bool:
        """The close guard: ask Save / Discard / Cancel when there are unsaved edits.

        Returns:
            True when it is fine to go on (saved, discarded, or nothing to lose).
        """
        if not self.has_unsaved_changes():
            return True
        name = self._template.name if self._template and self._dirty else "the sample payload"
        choice = self.prompter.unsaved_changes(name)
        if choice is UnsavedChoice.CANCEL:
            return False
        if choice is UnsavedChoice.SAVE:
            saved = (not self._dirty or self.save()) and (not self._sample_dirty or self.save_sample())
            return saved
        self._discard_edits()
        return True

    def _discard_edits(self) -> None:
        if self._template is not None:
            self._recovery.discard(key_for(self._template.id))
        self._dirty = False
        self._sample_dirty = False
        self.dirty_changed.emit(False)

    def save(self) -> bool:
        """Save the edited template (a new version when the content changed); False on refusal."""
        edited = self.edited_template()
        if edited is None:
            return False
        try:
            saved = self._templates.save(edited)
        except ValidationError as error:
            self.prompter.error("Cannot save the template", str(error))
            return False
        self._recovery.discard(key_for(saved.id))
        self._template = saved
        self._last_draft = None
        self._update_dirty()
        self.refresh_library()
        assert saved.id is not None
        self.template_saved.emit(saved.id)
        self.status_message.emit(f"Saved '{saved.name}'")
        return True

    def _on_active_check_clicked(self, checked: bool) -> None:
        if self._template is None:
            return
        status = TemplateStatus.ACTIVE if checked else TemplateStatus.DRAFT
        try:
            saved = self._templates.save(replace(self._template, status=status))
        except ValidationError as error:
            self.prompter.error("Cannot change the status", str(error))
            self.active_check.setChecked(not checked)
            return
        self._template = saved
        self.refresh_library()
        self.status_message.emit(f"'{saved.name}' is now {status.value}")

    # -- library actions -----------------------------------------------------------------------

    def _taken_names(self) -> list[str]:
        return [t.name for t in self._templates.list()]

    def new_template(self, kind: TemplateKind, fmt: OutputFormat) -> Template | None:
        """Ask for a name and create a draft from the kind's skeleton; returns it or None."""
        if not self.confirm_discard():
            return None
        label = "email" if kind is TemplateKind.EMAIL else f"webhook ({fmt.value.upper()})"
        default = free_name(f"new-{kind.value}-{fmt.value}", self._taken_names())
        name = self.prompter.ask_text("New template", f"Name of the new {label} template:", default)
        if name is None:
            return None
        customer = self._template.customer_id if self._template else None
        return self._create(skeleton(name, kind, fmt, customer))

    def _create(self, template: Template) -> Template | None:
        try:
            saved = self._templates.save(template)
        except ValidationError as error:
            self.prompter.error("Cannot create the template", str(error))
            return None
        self._template = saved
        self.refresh_library()
        self._load(saved)
        return saved

    def duplicate_template(self) -> Template | None:
        """Copy the template as shown (unsaved edits included) into a new draft."""
        edited = self.edited_template()
        if edited is None:
            return None
        name = free_name(f"{edited.name} copy", self._taken_names())
        if self._dirty:
            self._discard_edits()
        return self._create(replace(edited, id=None, name=name, status=TemplateStatus.DRAFT))

    def rename_template(self) -> bool:
        """Ask for a new name; unsaved edits stay in the editor."""
        if self._template is None or self._template.id is None:
            return False
        name = self.prompter.ask_text("Rename template", "New name:", self._template.name)
        if name is None or name == self._template.name:
            return False
        try:
            renamed = self._templates.rename(self._template.id, name)
        except ValidationError as error:
            self.prompter.error("Cannot rename the template", str(error))
            return False
        self._template = renamed
        self.refresh_library()
        return True

    def delete_template(self) -> bool:
        """Delete after confirmation; refused, with the triggers named, while triggers use it."""
        if self._template is None or self._template.id is None:
            return False
        template = self._template
        if not self.prompter.confirm(
            "Delete template",
            f"Delete '{template.name}' and all its saved versions? This cannot be undone.",
        ):
            return False
        try:
            self._templates.delete(template.id)
        except InUseError as error:
            self.prompter.error("Cannot delete the template", str(error))
            return False
        self._recovery.discard(key_for(template.id))
        self._template = None
        self._dirty = False
        self.refresh_library()
        if self.template_list.topLevelItemCount():
            self.open_template(int(self.template_list.topLevelItem(0).data(0, _ID)))
        else:
            self.view.set_template("", "text", "No template")
        self.status_message.emit(f"Deleted '{template.name}'")
        return True

    def import_template(self, path: Path | None = None) -> Template | None:
        """Import a ``.j2`` file as a new draft template (the kind and format from its extension)."""
        if not self.confirm_discard():
            return None
        path = path or self.prompter.open_path("Import template", _TEMPLATE_FILTERS)
        if path is None:
            return None
        try:
            template = read_template_file(path).template
        except TemplateFileError as error:
            self.prompter.error("Cannot import the template", str(error))
            return None
        name = free_name(template.name, self._taken_names())
        return self._create(replace(template, name=name, status=TemplateStatus.DRAFT))

    def export_template(self, path: Path | None = None) -> Path | None:
        """Write the template as shown to a ``.j2`` file that imports back to the same template."""
        edited = self.edited_template()
        if edited is None:
            return None
        path = path or self.prompter.save_path(
            "Export template", suggested_filename(edited), _TEMPLATE_FILTERS
        )
        if path is None:
            return None
        try:
            path.write_text(template_to_text(edited), encoding="utf-8")
        except OSError as error:
            self.prompter.error("Cannot export the template", f"{path}: {error.strerror or error}")
            return None
        self.status_message.emit(f"Exported to {path}")
        return path

    def open_history(self) -> VersionHistoryDialog | None:
        """Show the version history of the template (non-modal); Restore replaces the content."""
        edited = self.edited_template()
        if edited is None or edited.id is None:
            return None
        dialog = VersionHistoryDialog(
            edited.name, self._templates.versions(edited.id), template_to_text(edited), self
        )
        dialog.restore_requested.connect(self.restore_version)
        self.history_dialog = dialog
        dialog.show()
        return dialog

    def restore_version(self, number: int) -> bool:
        """Make version ``number`` the current content (a new save), after the unsaved prompt."""
        if self._template is None or self._template.id is None or not self.confirm_discard():
            return False
        try:
            restored = self._templates.restore(self._template.id, number)
        except (ValidationError, NotFoundError) as error:
            self.prompter.error("Cannot restore the version", str(error))
            return False
        self._load(restored)
        self.refresh_library()
        self.status_message.emit(f"Restored version {number} of '{restored.name}'")
        return True

    # -- samples -------------------------------------------------------------------------------

    def refresh_samples(self) -> None:
        """Reload the sample picker: built-in samples and the user's own, per event."""
        self._choices = sample_choices(self._samples.list())
        self.view.set_events([(c.key, c.label) for c in self._choices])
        if self._sample_key:
            self.view.set_current_event(self._sample_key)

    def _trigger_events(self, template: Template) -> list[Event]:
        if template.id is None:
            return []
        return [t.event for t in self._triggers.list(template_id=template.id)]

    def _default_sample_key(self) -> str:
        if self._template is not None:
            selectors = check_selectors(self._template, [])
            if selectors:
                return selectors[0]
        return self._choices[0].key if self._choices else ""

    def _choice(self, key: str) -> SampleChoice | None:
        return next((c for c in self._choices if c.key == key), None)

    def current_sample(self) -> SampleChoice | None:
        """The sample in the picker."""
        return self._choice(self._sample_key)

    def select_sample(self, key: str) -> bool:
        """Show sample ``key`` (a built-in name or ``user:<id>``) and render with it."""
        choice = self._choice(key)
        if choice is None:
            return False
        if choice.builtin:
            payload = load_sample(choice.key)
            self.view.set_payload(payload, read_only=True)
        else:
            assert choice.sample_id is not None
            stored = self._samples.get(choice.sample_id)
            payload = json.loads(stored.payload)
            self.view.set_payload(payload, text=stored.payload, read_only=False)
        self._payload = payload
        self._sample_key = key
        self._sample_dirty = False
        self.view.set_current_event(key)
        self.delete_sample_button.setEnabled(not choice.builtin)
        self.save_sample_button.setEnabled(not choice.builtin)
        self._settings.setValue("templates/last_sample", key)
        self.render_now()
        return True

    def _on_view_event_selected(self, key: str) -> None:
        if self._sample_dirty and not self._confirm_sample_discard():
            self.view.set_current_event(self._sample_key)
            return
        self.select_sample(key)

    def _confirm_sample_discard(self) -> bool:
        choice = self.prompter.unsaved_changes("the sample payload")
        if choice is UnsavedChoice.CANCEL:
            return False
        if choice is UnsavedChoice.SAVE:
            return self.save_sample()
        self._sample_dirty = False
        return True

    def _on_view_payload_edited(self, payload: object) -> None:
        self._payload = payload
        self._sample_dirty = True
        self.schedule_render()

    def _on_view_payload_rejected(self, _message: str) -> None:
        self._sample_dirty = True

    def _add_sample(self, name_hint: str, text: str) -> bool:
        choice = self.current_sample()
        if choice is None:
            return False
        name = self.prompter.ask_text(
            "New sample payload", f"Name of your {choice.event.label} payload:", name_hint
        )
        if name is None:
            return False
        try:
            saved = self._samples.save(SamplePayload(name=name, event=choice.event, payload=text))
        except ValidationError as error:
            self.prompter.error("Cannot save the sample payload", str(error))
            return False
        assert saved.id is not None
        self.refresh_samples()
        return self.select_sample(user_sample_key(saved.id))

    def new_sample_from_builtin(self) -> bool:
        """Copy the payload on show into a new sample of the user's own (asks for its name)."""
        choice = self.current_sample()
        if choice is None:
            return False
        text = json.dumps(self._payload, indent=2, ensure_ascii=False)
        return self._add_sample(f"{choice.key.split(':')[0]} copy", text)

    def _on_import_sample_button_clicked(self) -> None:
        self.import_sample()

    def import_sample(self, path: Path | None = None) -> bool:
        """Create a sample of the current event from a JSON file; a parse error names line and column."""
        path = path or self.prompter.open_path("Import sample payload", "JSON (*.json);;All files (*)")
        if path is None:
            return False
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            self.prompter.error("Cannot import the payload", f"{path}: {error}")
            return False
        parsed = parse_json(text)
        if not parsed.ok:
            self.prompter.error(
                "Cannot import the payload",
                f"{path}:{parsed.line}:{parsed.column}: not valid JSON: {parsed.error}",
            )
            return False
        return self._add_sample(path.stem, text)

    def paste_sample(self) -> bool:
        """Create a sample of the current event from JSON on the clipboard."""
        text = QGuiApplication.clipboard().text()
        parsed = parse_json(text)
        if not parsed.ok:
            self.prompter.error(
                "Cannot paste the payload",
                "The clipboard does not hold JSON: "
                f"line {parsed.line}, column {parsed.column}: {parsed.error}",
            )
            return False
        return self._add_sample("pasted", text)

    def save_sample(self) -> bool:
        """Save the edited user payload; refused (with the line and column) while it does not parse."""
        choice = self.current_sample()
        if choice is None or choice.builtin or choice.sample_id is None:
            return False
        text = self.view.payload_editor.toPlainText()
        parsed = parse_json(text)
        if not parsed.ok:
            self.prompter.error(
                "Cannot save the payload", f"line {parsed.line}, column {parsed.column}: {parsed.error}"
            )
            return False
        stored = self._samples.get(choice.sample_id)
        self._samples.save(replace(stored, payload=text))
        self._sample_dirty = False
        self.status_message.emit(f"Saved payload '{stored.name}'")
        return True

    def delete_sample(self) -> bool:
        """Delete the user payload on show (after confirmation) and go back to the event's built-in."""
        choice = self.current_sample()
        if choice is None or choice.builtin or choice.sample_id is None:
            return False
        if not self.prompter.confirm("Delete sample payload", f"Delete '{choice.label}'?"):
            return False
        self._samples.delete(choice.sample_id)
        self._sample_dirty = False
        self.refresh_samples()
        return self.select_sample(choice.event.value)

    # -- rendering -----------------------------------------------------------------------------

    def _request(self) -> PreviewRequest | None:
        edited = self.edited_template()
        if edited is None or self._payload is None:
            return None
        return PreviewRequest(edited, self._payload, self._lookups())

    def schedule_render(self) -> None:
        """Render once typing pauses."""
        request = self._request()
        if request is not None:
            self.render_worker.schedule(request)

    def render_now(self) -> None:
        """Render at once (Ctrl+Enter)."""
        request = self._request()
        if request is not None:
            self.render_worker.render_now(request)

    def last_render(self) -> PreviewRender | None:
        """The render on show (its request says which template text and payload it was for)."""
        return self._last_render

    def _on_render_started(self, _sequence: int) -> None:
        self.view.set_busy(True)

    def _on_render_finished(self, _sequence: int, render: PreviewRender) -> None:
        self._last_render = render
        self._show_last_render()
        self.preview_updated.emit()

    def _show_last_render(self) -> None:
        render = self._last_render
        if render is None:
            return
        rendering = render.rendering
        if "body" in rendering.parts:
            self.view.show_result(rendering.parts["body"], render.spans.get("body"), part="body")
            return
        main = rendering.parts.get("html") or rendering.parts.get("text") or rendering.parts["subject"]
        combined = RenderResult(main.output, main.format, rendering.diagnostics)
        self.view.show_result(combined, part=self._part)
        self.email_preview.show_rendering(rendering)

    def _on_render_failed(self, _sequence: int, message: str) -> None:
        self.view.show_render_failed(message)
        self.preview_updated.emit()

    def _on_problem_activated(self, diagnostic: Diagnostic) -> None:
        location = diagnostic.location
        if (
            location is None
            or location.where is not Where.TEMPLATE
            or self._template is None
            or self._template.kind is not TemplateKind.EMAIL
        ):
            return
        if location.part == "subject":
            self.subject_edit.setFocus()
            self.subject_edit.setCursorPosition(max(location.column - 1, 0))
        elif location.part in _EMAIL_PARTS and location.part != self._part:
            self.part_tabs.setCurrentIndex(_EMAIL_PARTS.index(location.part))
            self.view.editor.goto(location.line, location.column)

    # -- check against all samples -------------------------------------------------------------

    def run_check(self) -> None:
        """Render the template as shown against every sample of its events, off the GUI thread."""
        edited = self.edited_template()
        if edited is None:
            return
        trigger_events = self._trigger_events(edited)
        user_samples = self._samples.list()
        samples = check_sample_names(check_selectors(edited, trigger_events), user_samples)
        self._check_names = {name: name for name in samples if name in {c.key for c in self._choices}}
        for sample in user_samples:
            if sample.id is not None:
                self._check_names[f"{sample.event.value} (yours: {sample.name})"] = user_sample_key(sample.id)
        self.check_button.setEnabled(False)
        self.check_button.setText("Checking…")
        self.check_worker.render_now(CheckRequest(edited, samples, self._lookups()))

    def _on_check_finished(self, _sequence: int, outcome: CheckOutcome) -> None:
        self._reset_check_button()
        if self.check_dialog is not None:
            self.check_dialog.close()
        dialog = CheckResultsDialog(outcome.request.template.name, outcome, self)
        dialog.sample_activated.connect(self._on_check_sample_activated)
        self.check_dialog = dialog
        dialog.show()
        self.check_finished.emit(outcome)

    def _on_check_failed(self, _sequence: int, message: str) -> None:
        self._reset_check_button()
        self.prompter.error("Check against all samples failed", message)

    def _reset_check_button(self) -> None:
        self.check_button.setEnabled(True)
        self.check_button.setText("Check all samples")

    def _on_check_sample_activated(self, name: str) -> None:
        key = self._check_names.get(name)
        if key is not None:
            self.select_sample(key)

    # -- crash recovery ------------------------------------------------------------------------

    def _on_autosave_timeout(self) -> None:
        self.write_draft()

    def write_draft(self) -> str | None:
        """Write unsaved edits to the recovery folder (when they changed since the last write)."""
        if not self._dirty or self._template is None:
            return None
        edited = self.edited_template()
        assert edited is not None
        content = content_of(edited)
        if content == self._last_draft:
            return None
        key = key_for(edited.id)
        self._recovery.write(
            RecoveryDraft(key, edited.id, edited.name, edited.body, edited.subject, edited.text_body)
        )
        self._last_draft = content
        self.draft_autosaved.emit(key)
        return key

    def pending_recoveries(self) -> list[RecoveryDraft]:
        """Drafts left by a run that did not end normally (found when the page was built)."""
        return list(self._startup_drafts)

    def offer_recoveries(self) -> int:
        """Ask, for each left-over draft, to restore it into the editor or discard it; returns restored."""
        restored = 0
        for draft in self.pending_recoveries():
            when = dt.datetime.fromtimestamp(draft.saved_at).strftime("%Y-%m-%d %H:%M")
            if self.prompter.restore_draft(draft.name, when) and self.restore_draft(draft):
                restored += 1
            else:
                self._recovery.discard(draft.key)
        self._startup_drafts = []
        return restored

    def restore_draft(self, draft: RecoveryDraft) -> bool:
        """Put a recovered draft in the editor as unsaved edits of its template (or a new one)."""
        template: Template | None = None
        if draft.template_id is not None:
            try:
                template = self._templates.get(draft.template_id)
            except NotFoundError:
                template = None
        if template is None:
            email = bool(draft.subject or draft.text_body)
            kind = TemplateKind.EMAIL if email else TemplateKind.WEBHOOK
            fmt = OutputFormat.HTML if email else OutputFormat.JSON
            name = free_name(f"{draft.name} (recovered)", self._taken_names())
            template = self._create(
                Template(
                    name=name,
                    kind=kind,
                    format=fmt,
                    body=draft.body,
                    subject=draft.subject,
                    text_body=draft.text_body,
                )
            )
            self._recovery.discard(draft.key)
            return template is not None
        self._load(template, with_content(template, draft.body, draft.subject, draft.text_body))
        return True
