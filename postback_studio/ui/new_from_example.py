"""Templates > New from Example…: a template from the body a receiver asks for.

The dialog takes the receiver's example (pasted or opened, JSON or XML) and the order payload it is
about (a built-in sample, one of the user's own, or pasted), scaffolds in the background, and shows
the mapping as a table the user corrects, with the template and whether it renders the example back.
Create Template saves it through the template service; :mod:`.new_from_example_flow` then opens it in
the editor, where :mod:`.example_diff` diffs every preview against the example.

Every decision is the core's (:mod:`postback_studio.core.new_from_example`,
:mod:`postback_studio.core.scaffold.corrections`): the dialog gathers input into a
``ScaffoldRequest``, a job turns it into a ``ScaffoldDraft``, and the dialog shows that.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from postback_studio.core.errors import StudioError
from postback_studio.core.model import Event, OutputFormat, Template
from postback_studio.core.new_from_example import (
    EXAMPLE_FORMATS,
    ProblemSource,
    ScaffoldDraft,
    ScaffoldRequest,
    Tone,
    detect_format,
    draft_scaffold,
    example_payload_sample,
    example_sample_choices,
    guess_event,
    scaffolded_template,
    suggested_name,
)
from postback_studio.core.preview import parse_json
from postback_studio.core.render.engine import RenderEngine
from postback_studio.core.render.result import Severity
from postback_studio.core.samples import load_sample
from postback_studio.core.scaffold import Candidate, Corrections, PayloadPath
from postback_studio.core.template_library import SampleChoice, user_sample_key
from postback_studio.core.textfiles import UnreadableFileError, read_text_file
from postback_studio.core.window_size import fitted_dialog
from postback_studio.services.changes import ChangeNotice, Entity
from postback_studio.ui.editor.code_editor import CodeEditor
from postback_studio.ui.editor.highlighter import Palette
from postback_studio.ui.example_diff import show_tone
from postback_studio.ui.field_errors import FieldErrors, error_label, validated_save, with_error
from postback_studio.ui.form_layout import heading
from postback_studio.ui.mapping_table import MappingTable
from postback_studio.ui.ports import CustomerStore, SampleStore, TemplateLibraryStore
from postback_studio.ui.prompts import Prompter
from postback_studio.workers.jobs import JobRunner
from postback_studio.workers.render_worker import RenderWorker

#: The sample picker's entry for a payload pasted into the dialog.
PASTED = "pasted"
_EXAMPLE_FILTERS = "Examples (*.json *.xml);;All files (*)"
_SHARED = -1


@dataclass(frozen=True)
class CreatedTemplate:
    """What Create Template made: the saved template, the sample to preview it on, and its example."""

    template: Template
    sample_key: str
    sample_label: str
    example: str
    fmt: OutputFormat


def _section(title: str, *widgets: QWidget) -> QWidget:
    """A heading over widgets, the first of which takes the height."""
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(6, 0, 0, 0)
    layout.addWidget(heading(title))
    for index, widget in enumerate(widgets):
        layout.addWidget(widget, 1 if index == 0 else 0)
    return box


class NewFromExampleDialog(QDialog):
    """Example and sample in, a corrected mapping and its template out; Create Template saves it.

    Signals:
        draft_shown(object): a scaffold (or a problem with the input) is on show; carries the
            ``ScaffoldDraft``.
    """

    draft_shown = Signal(object)

    def __init__(
        self,
        *,
        engine: RenderEngine,
        jobs: JobRunner,
        templates: TemplateLibraryStore,
        samples: SampleStore,
        customers: CustomerStore,
        prompter: Prompter,
        palette: Palette | None = None,
        customer_id: int | None = None,
        sample_key: str = "",
        debounce_ms: int = 250,
        parent: QWidget | None = None,
    ) -> None:
        """Build the dialog, empty but for the sample and customer it starts with.

        Args:
            engine: Renders the template to check it against the example (used on job threads).
            jobs: The app's job runner; scaffolds run there.
            templates: Where Create Template saves (and the names already taken).
            samples: The user's own payloads (offered, and where a pasted payload is kept).
            customers: Whom the new template may belong to.
            prompter: Asks for the example's file and reports a file that cannot be read.
            palette: The editors' colours (default: the theme's, which they then follow).
            customer_id: The customer to start with (None: shared).
            sample_key: The sample to start with (the Templates page's).
            debounce_ms: The pause in typing before a scaffold.
            parent: The page.
        """
        super().__init__(parent)
        self.setWindowTitle("New Template from Example")
        self.resize(*_opening_size(parent))
        self._templates = templates
        self._samples = samples
        self._customers = customers
        self._prompter = prompter
        self._file_name: str | None = None
        self._name_touched = False
        self._corrections = Corrections()
        self._choices: list[SampleChoice] = []
        self.draft: ScaffoldDraft | None = None
        self.created: CreatedTemplate | None = None
        self.worker = RenderWorker(partial(draft_scaffold, engine), jobs, debounce_ms, self)
        self._build(palette)
        self._fill_samples(sample_key)
        self._fill_customers(customer_id)
        self._connect()
        self._suggest_name()
        self._show_hint()

    # -- construction --------------------------------------------------------------------------

    def _build(self, palette: Palette | None) -> None:
        self.example_editor = CodeEditor(fmt="json", palette=palette)
        self.example_editor.setPlaceholderText(
            "Paste the body the receiver wants here, or open it from a file"
        )
        self.open_button = QPushButton("Open…")
        self.open_button.setToolTip("Read the example from a .json or .xml file")
        self.paste_button = QPushButton("Paste")
        self.paste_button.setToolTip("Replace the example with the clipboard's text")
        self.format_combo = QComboBox()
        self.format_combo.addItem("Detect format", None)
        for fmt in EXAMPLE_FORMATS:
            self.format_combo.addItem(fmt.value.upper(), fmt.value)
        self.format_combo.setToolTip("JSON or XML: told from the file's extension or the first character")
        self.format_note = QLabel()
        show_tone(self.format_note, Tone.MUTED)
        self.sample_combo = QComboBox()
        self.sample_combo.setToolTip("The order the example describes: its values are looked up in it")
        self.payload_editor = CodeEditor(fmt="json", palette=palette)
        self.payload_editor.setPlaceholderText("Paste the order payload (JSON) the example is about")
        self.event_combo = QComboBox()
        for event in Event:
            self.event_combo.addItem(event.label, event.value)
        self.event_combo.setToolTip("The event the pasted payload is kept under, as your own sample")
        self.pasted_box = QWidget()
        pasted_layout = QVBoxLayout(self.pasted_box)
        pasted_layout.setContentsMargins(0, 0, 0, 0)
        event_row = QHBoxLayout()
        event_row.addWidget(QLabel("Keep it as a sample of"))
        event_row.addWidget(self.event_combo, 1)
        pasted_layout.addWidget(self.payload_editor, 1)
        pasted_layout.addLayout(event_row)
        self.pasted_box.hide()
        self.problem_label = QLabel()
        self.problem_label.setWordWrap(True)
        self.mapping = MappingTable()
        self.template_view = CodeEditor(fmt="json", palette=palette)
        self.template_view.setReadOnly(True)
        self.verdict_label = QLabel()
        self.verdict_label.setWordWrap(True)
        self.dropped_label = QLabel()
        self.dropped_label.setWordWrap(True)
        self.dropped_label.hide()
        self.name_edit = QLineEdit()
        self.customer_combo = QComboBox()
        self.general_error = error_label()
        self.errors = FieldErrors(self.general_error)
        self.name_error = self.errors.register("name", "Name")
        self.create_button = QPushButton("Create Template")
        self.create_button.setDefault(True)
        self.create_button.setEnabled(False)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.addButton(self.create_button, QDialogButtonBox.ButtonRole.AcceptRole)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 6, 0)
        example_row = QHBoxLayout()
        example_row.addWidget(heading("Receiver's example"), 1)
        example_row.addWidget(self.open_button)
        example_row.addWidget(self.paste_button)
        left_layout.addLayout(example_row)
        left_layout.addWidget(self.example_editor, 3)
        format_row = QHBoxLayout()
        format_row.addWidget(QLabel("Format"))
        format_row.addWidget(self.format_combo)
        format_row.addWidget(self.format_note, 1)
        left_layout.addLayout(format_row)
        sample_row = QHBoxLayout()
        sample_row.addWidget(heading("Sample payload"))
        sample_row.addWidget(self.sample_combo, 1)
        left_layout.addLayout(sample_row)
        left_layout.addWidget(self.pasted_box, 2)
        left_layout.addWidget(self.problem_label)

        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(
            _section("Mapping: where each value of the example comes from", self.mapping, self.dropped_label)
        )
        right.addWidget(_section("Template", self.template_view, self.verdict_label))
        right.setSizes([360, 300])

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(left)
        self.splitter.addWidget(right)
        self.splitter.setSizes([390, 850])

        self.name_edit.setMinimumWidth(280)
        self.customer_combo.setMinimumWidth(220)
        bottom = QHBoxLayout()
        bottom.addWidget(QLabel("Name"))
        bottom.addWidget(with_error(self.name_edit, self.name_error))
        bottom.addSpacing(12)
        bottom.addWidget(QLabel("Customer"))
        bottom.addWidget(self.customer_combo)
        bottom.addWidget(self.general_error, 1)
        bottom.addWidget(self.buttons, 0, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.addWidget(self.splitter, 1)
        layout.addLayout(bottom)

    def _connect(self) -> None:
        self.example_editor.textChanged.connect(self._on_example_edited)
        self.payload_editor.textChanged.connect(self._on_payload_edited)
        self.open_button.clicked.connect(lambda _checked=False: self.open_example())
        self.paste_button.clicked.connect(self.paste_example)
        self.format_combo.currentIndexChanged.connect(self._on_format_changed)
        self.sample_combo.currentIndexChanged.connect(self._on_sample_changed)
        self.event_combo.currentIndexChanged.connect(self._suggest_name)
        self.mapping.row_choice_made.connect(self._on_row_choice_made)
        self.mapping.loop_choice_made.connect(self._on_loop_choice_made)
        self.name_edit.textEdited.connect(self._on_name_edited)
        self.create_button.clicked.connect(self.create_template)
        self.buttons.rejected.connect(self.reject)
        self.worker.render_started.connect(lambda _sequence: self.create_button.setEnabled(False))
        self.worker.render_finished.connect(self._on_draft_finished)
        self.worker.render_failed.connect(self._on_draft_failed)

    def _fill_samples(self, selected: str) -> None:
        self._choices = example_sample_choices(self._samples.list())
        self.sample_combo.blockSignals(True)
        self.sample_combo.clear()
        for choice in self._choices:
            self.sample_combo.addItem(choice.label, choice.key)
        self.sample_combo.addItem("Paste a payload…", PASTED)
        index = self.sample_combo.findData(selected)
        self.sample_combo.setCurrentIndex(index if index >= 0 else 0)
        self.sample_combo.blockSignals(False)
        self.pasted_box.setVisible(self.sample_key == PASTED)

    def _fill_customers(self, selected: int | None) -> None:
        self.customer_combo.clear()
        self.customer_combo.addItem("Shared (no customer)", _SHARED)
        for customer in self._customers.list():
            self.customer_combo.addItem(customer.name, customer.id)
        index = self.customer_combo.findData(selected if selected is not None else _SHARED)
        self.customer_combo.setCurrentIndex(max(index, 0))

    def set_palette(self, palette: Palette) -> None:
        """Follow the editors' light or dark palette."""
        for editor in (self.example_editor, self.payload_editor, self.template_view):
            editor.set_palette(palette)

    @Slot(object)
    def on_change(self, notice: ChangeNotice) -> None:
        """Offer the samples and customers the workspace has now, keeping the user's picks."""
        if notice.concerns(Entity.SAMPLE):
            self._fill_samples(self.sample_key)
        if notice.concerns(Entity.CUSTOMER):
            self._fill_customers(self.customer_id)
        if notice.concerns(Entity.TEMPLATE):
            self._suggest_name()

    # -- input ---------------------------------------------------------------------------------

    @property
    def sample_key(self) -> str:
        """The sample picked (a built-in name, ``user:<id>``, or :data:`PASTED`)."""
        return str(self.sample_combo.currentData() or "")

    @property
    def customer_id(self) -> int | None:
        """The customer the new template will belong to (None: shared)."""
        data = self.customer_combo.currentData()
        return None if data in (None, _SHARED) else int(data)

    def choose_sample(self, key: str) -> bool:
        """Pick sample ``key`` (as the user would in the drop-down)."""
        index = self.sample_combo.findData(key)
        if index >= 0:
            self.sample_combo.setCurrentIndex(index)
        return index >= 0

    def open_example(self, path: Path | None = None) -> bool:
        """Read the example from a file (asks which when ``path`` is None); a bad file is reported."""
        path = path or self._prompter.open_path("Open the receiver's example", _EXAMPLE_FILTERS)
        if path is None:
            return False
        try:
            text = read_text_file(path)
        except UnreadableFileError as error:
            self._prompter.error("Cannot open the example", str(error))
            return False
        self._file_name = path.name
        self.example_editor.setPlainText(text)
        self._suggest_name()
        return True

    def paste_example(self) -> None:
        """Replace the example with the clipboard's text."""
        self._file_name = None
        self.example_editor.setPlainText(QGuiApplication.clipboard().text())

    def _example_format(self) -> OutputFormat | None:
        chosen = self.format_combo.currentData()
        if chosen:
            return OutputFormat(chosen)
        return detect_format(self.example_editor.toPlainText(), self._file_name)

    def _payload(self) -> tuple[str, str]:
        """The payload's JSON text and the name it is shown by."""
        key = self.sample_key
        if key == PASTED:
            return self.payload_editor.toPlainText(), "the pasted payload"
        choice = next((c for c in self._choices if c.key == key), None)
        if choice is None:
            return "", ""
        if choice.builtin:
            return json.dumps(load_sample(choice.key), ensure_ascii=False), choice.label
        assert choice.sample_id is not None
        return self._samples.get(choice.sample_id).payload, choice.label

    def request(self) -> ScaffoldRequest:
        """The scaffold the dialog asks for now."""
        payload, name = self._payload()
        return ScaffoldRequest(
            self.example_editor.toPlainText(), self._example_format(), payload, name, self._corrections
        )

    def _schedule(self) -> None:
        self.create_button.setEnabled(False)
        self.worker.schedule(self.request())

    def _scaffold_now(self) -> None:
        self.worker.render_now(self.request())

    def _on_example_edited(self) -> None:
        fmt = self._example_format()
        self.example_editor.set_format((fmt or OutputFormat.JSON).value)
        detected = detect_format(self.example_editor.toPlainText(), self._file_name)
        if self.format_combo.currentData() is None:
            self.format_note.setText(f"detected: {detected.value.upper()}" if detected else "")
        self._suggest_name()
        self._schedule()

    def _on_payload_edited(self) -> None:
        parsed = parse_json(self.payload_editor.toPlainText())
        event = guess_event(parsed.value) if parsed.ok else None
        if event is not None:
            self.event_combo.setCurrentIndex(self.event_combo.findData(event.value))
        self._schedule()

    def _on_format_changed(self, _index: int) -> None:
        self.format_note.setText("")
        self._on_example_edited()

    def _on_sample_changed(self, _index: int) -> None:
        self.pasted_box.setVisible(self.sample_key == PASTED)
        self._suggest_name()
        self._scaffold_now()

    def _on_row_choice_made(self, example_path: str, candidate: Candidate | None) -> None:
        self._corrections = self._corrections.with_row(example_path, candidate)
        self._scaffold_now()

    def _on_loop_choice_made(self, example_path: str, source: PayloadPath | None) -> None:
        self._corrections = self._corrections.with_loop(example_path, source)
        self._scaffold_now()

    def _on_name_edited(self, _text: str) -> None:
        self._name_touched = True

    def _event(self) -> Event | None:
        if self.sample_key == PASTED:
            return Event(self.event_combo.currentData())
        choice = next((c for c in self._choices if c.key == self.sample_key), None)
        return choice.event if choice is not None else None

    def _suggest_name(self) -> None:
        if self._name_touched:
            return
        taken = [t.name for t in self._templates.list()]
        fmt = self._example_format() or OutputFormat.JSON
        self.name_edit.setText(suggested_name(self._file_name, self._event(), fmt, taken))

    # -- the scaffold --------------------------------------------------------------------------

    def _show_hint(self) -> None:
        self.problem_label.setText("Paste or open the body the receiver wants; the mapping appears here.")
        show_tone(self.problem_label, Tone.MUTED)

    def _on_draft_finished(self, _sequence: int, draft: ScaffoldDraft) -> None:
        self.draft = draft
        self.example_editor.set_marks([])
        self.payload_editor.set_marks([])
        problem = draft.problem
        if problem is not None:
            self.mapping.clear_mapping()
            self.template_view.setPlainText("")
            self.verdict_label.clear()
            self.dropped_label.hide()
            self.problem_label.setText(problem.describe())
            which = Tone.MUTED if problem.empty else Tone.ERROR
            show_tone(self.problem_label, which)
            if problem.line is not None and not problem.empty:
                editor = (
                    self.example_editor if problem.source is ProblemSource.EXAMPLE else self.payload_editor
                )
                editor.set_marks([(problem.line, Severity.ERROR, problem.message)])
            self.draft_shown.emit(draft)
            return
        assert draft.scaffold is not None and draft.request.fmt is not None
        # The corrections stay as the user made them: one that does not apply under this loop is
        # listed as dropped, and applies again if the user goes back to the loop it was made under.
        self.problem_label.clear()
        result = draft.scaffold.result
        self.mapping.show_mapping(result.mapping, draft.options, draft.values)
        self.template_view.set_format(draft.request.fmt.value)
        self.template_view.setPlainText(result.template)
        verdict = draft.verdict()
        notes = "".join(f" Note: {note}." for note in result.notes)
        self.verdict_label.setText(verdict.text + notes)
        show_tone(self.verdict_label, verdict.tone)
        dropped = draft.scaffold.dropped
        self.dropped_label.setVisible(bool(dropped))
        self.dropped_label.setText("\n".join(d.describe() for d in dropped))
        show_tone(self.dropped_label, Tone.WARNING)
        self.create_button.setEnabled(not self.worker.busy)
        self.draft_shown.emit(draft)

    def _on_draft_failed(self, _sequence: int, message: str) -> None:
        self.problem_label.setText(f"Cannot scaffold: {message}")
        show_tone(self.problem_label, Tone.ERROR)
        self.draft_shown.emit(None)

    # -- Create Template -----------------------------------------------------------------------

    @Slot()
    def create_template(self) -> None:
        """Save the template (and a pasted payload as a sample); accept only when both were saved.

        A refused name is shown under the field and nothing is saved. Should the payload not save
        after the template did, the template is deleted again, so a failed Create leaves the
        workspace as it was.
        """
        draft = self.draft
        if draft is None or draft.scaffold is None or self.worker.busy:
            return
        template = scaffolded_template(self.name_edit.text().strip(), self.customer_id, draft)
        saved = validated_save(template, self._templates.save, self.errors)
        if saved is None or saved.id is None:
            return
        key, label = self.sample_key, draft.request.payload_name
        event = self._event()
        if key == PASTED and event is not None:
            taken = [s.name for s in self._samples.list()]
            sample = example_payload_sample(saved.name, event, draft.request.payload_text, taken)
            try:
                stored = self._samples.save(sample)
            except StudioError as error:
                self._templates.delete(saved.id)
                self.errors.clear()
                self.general_error.setText(f"Cannot keep the pasted payload, so nothing was created: {error}")
                show_tone(self.general_error, Tone.ERROR)
                self.general_error.show()
                return
            assert stored.id is not None
            key, label = user_sample_key(stored.id), f"{event.label}: {stored.name} (yours)"
        assert draft.request.fmt is not None
        self.created = CreatedTemplate(saved, key, label, draft.request.example, draft.request.fmt)
        self.worker.cancel()
        self.accept()

    def reject(self) -> None:
        """Close without saving anything; a scaffold still running is ignored."""
        self.worker.cancel()
        super().reject()


#: The size New from Example opens at where the screen has room.
_PREFERRED_SIZE = (1240, 760)


def _opening_size(parent: QWidget | None) -> tuple[int, int]:
    """The preferred size, shrunk to the screen the dialog opens on."""
    screen = (parent.screen() if parent is not None else None) or QGuiApplication.primaryScreen()
    room = screen.availableGeometry()
    return fitted_dialog(_PREFERRED_SIZE, room.width(), room.height())
