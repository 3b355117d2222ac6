"""What changes if I save this: Compare with Saved…, the notice after a save, History's comparison.

Three ways in, one comparison (:func:`postback_studio.core.doctor.runs.run_comparison`, a job of the
app's runner, with progress and Cancel in :class:`~.version_compare.VersionCompareDialog`):

* **Compare with Saved…** before saving: the saved template against the editor's edits, every sample
  and edge-case variant of its events; the dialog offers Save.
* **After a save**: Save never waits and never asks (Ctrl+S stays instant, and every save is a
  version that Restore takes back). Then the samples alone are rendered with the version before and
  the version saved, in a quiet job; when an output changed, a bar above the panes says which, with
  *Show Changes* for the full comparison. So an edit meant for one field that changed another is
  seen at once, without a question on every save.
* **History**: any two saved versions, or a version and the text in the editor.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from postback_studio.core.doctor.in_editor import same_text
from postback_studio.core.doctor.progress import Progress
from postback_studio.core.doctor.runs import ComparisonOutcome, ComparisonRequest, run_comparison
from postback_studio.core.model import LookupSet, Template
from postback_studio.core.render.engine import RenderEngine
from postback_studio.core.template_library import content_of
from postback_studio.ui.template_editor import TemplateEditor
from postback_studio.ui.template_mapper import TemplateMapperView
from postback_studio.ui.version_compare import VersionCompareDialog
from postback_studio.workers.jobs import JobError, JobRunner
from postback_studio.workers.single_job import SingleJob

#: The samples of the template's events (``None`` payload: a built-in sample) and its lookups.
SamplePlan = Callable[[], tuple[Mapping[str, Any], LookupSet]]
SAVED = "Saved"
EDITS = "Your edits"


class SavedChangesBar(QFrame):
    """The notice above the Template Mapper after a save that changed an output.

    Signals:
        show_requested(): *Show Changes*.
    """

    show_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setBackgroundRole(QPalette.ColorRole.AlternateBase)
        self.setAutoFillBackground(True)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.show_button = QPushButton("Show Changes")
        self.show_button.setToolTip("Compare every sample and edge-case variant, before and after this save")
        self.dismiss_button = QPushButton("Dismiss")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 3, 6, 3)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.show_button)
        layout.addWidget(self.dismiss_button)
        self.show_button.clicked.connect(self.show_requested)
        self.dismiss_button.clicked.connect(self.hide)
        self.hide()


class WhatChanges(QObject):
    """Runs comparisons of two versions and shows them; checks every save for changed outputs.

    Args:
        engine: Renders both versions (thread-safe; used from the job runner's threads).
        jobs: The app's job runner.
        view: The Template Mapper (the notice goes above its panes).
        editor: The template in the editor.
        plan: The samples to compare with and the lookups, for the template on show.
        save: Saves the editor's template (the dialog's Save); True when it did.
        report_error: Tells the user (title, text) that a comparison failed.
        parent: The page (the dialog opens on top of it).

    Signals:
        comparison_finished(object): a :class:`ComparisonOutcome` is on show in the dialog.
        save_checked(object): the quick check after a save finished; carries its outcome.
    """

    comparison_finished = Signal(object)
    save_checked = Signal(object)

    def __init__(
        self,
        engine: RenderEngine,
        jobs: JobRunner,
        *,
        view: TemplateMapperView,
        editor: TemplateEditor,
        plan: SamplePlan,
        save: Callable[[], bool],
        report_error: Callable[[str, str], None],
        parent: QWidget,
    ) -> None:
        super().__init__(parent)
        self._engine = engine
        self._editor = editor
        self._plan = plan
        self._save = save
        self._report_error = report_error
        self._parent = parent
        self._comparison = SingleJob(jobs, "Comparing versions", parent=self)
        self._save_check = SingleJob(jobs, "Checking what the save changed", quiet=True, parent=self)
        self._running: ComparisonRequest | None = None
        self._live = False
        self._last_save: tuple[Template, Template] | None = None
        self.dialog: VersionCompareDialog | None = None
        self.bar = SavedChangesBar()
        view.add_notice_bar(self.bar)
        self.bar.show_requested.connect(self.show_saved_changes)
        self._comparison.progressed.connect(self._on_comparison_progressed)
        self._comparison.finished.connect(self._on_comparison_finished)
        self._comparison.failed.connect(self._on_comparison_failed)
        self._save_check.finished.connect(self._on_save_check_finished)

    # -- the three ways in -------------------------------------------------------------------

    def compare_with_saved(self) -> VersionCompareDialog | None:
        """The saved template against the edits in the editor (Save offered in the dialog)."""
        saved, edited = self._editor.template, self._editor.edited_template()
        if saved is None or edited is None:
            return None
        return self.compare(saved, edited, SAVED, EDITS, live=True)

    def compare(
        self, old: Template, new: Template, old_label: str, new_label: str, *, live: bool = False
    ) -> VersionCompareDialog:
        """Render ``old`` and ``new`` against every sample and variant and show what changes.

        ``live``: ``new`` is the text in the editor, so an edit makes the comparison stale, and the
        dialog offers Save.
        """
        samples, lookups = self._plan()
        request = ComparisonRequest(old, new, old_label, new_label, samples, lookups)
        dialog = self._dialog()
        dialog.setWindowTitle(f"What changes: {new.name}, {old_label} → {new_label}")
        dialog.offer_save(live)
        self._running = request
        self._live = live
        dialog.view.show_running((old_label, new_label))
        engine = self._engine
        self._comparison.start(
            lambda report, cancelled: run_comparison(engine, request, progress=report, cancelled=cancelled)
        )
        dialog.show()
        dialog.raise_()
        return dialog

    def after_save(self, previous: Template, saved: Template) -> None:
        """Check, quietly, whether a save changed the output of any sample; say so if it did."""
        self.bar.hide()
        if content_of(previous) == content_of(saved):
            return
        samples, lookups = self._plan()
        request = ComparisonRequest(
            previous, saved, "Before this save", "This save", samples, lookups, variants=False
        )
        engine = self._engine
        self._save_check.start(lambda _report, stop: run_comparison(engine, request, cancelled=stop))

    def _on_save_check_finished(self, outcome: ComparisonOutcome) -> None:
        self._last_save = (outcome.request.old, outcome.request.new)
        self.save_checked.emit(outcome)
        shown = self._editor.template
        saved = outcome.request.new
        if outcome.comparison.changed and shown is not None and shown.id == saved.id:
            self.bar.label.setText(f"Saved. {outcome.summary()}")
            self.bar.show()

    def show_saved_changes(self) -> VersionCompareDialog | None:
        """The full comparison (samples and variants) of the last save, from the notice."""
        if self._last_save is None:
            return None
        self.bar.hide()
        previous, saved = self._last_save
        return self.compare(previous, saved, "Before this save", "This save")

    # -- the editor --------------------------------------------------------------------------

    def on_template_edited(self) -> None:
        """The edits changed: a comparison with them that is running stops; one on show is outdated."""
        request = self._running
        if request is None or not self._live:
            return
        if same_text(request.new, self._editor.edited_template()):
            return
        if self._comparison.stop():
            self._view_stopped("Stopped: the template changed while comparing. Compare again.")
        elif self.dialog is not None:
            self._running = None
            self.dialog.view.set_outdated("Outdated: the template changed since.")
            self.dialog.offer_save(False)

    def on_template_opened(self) -> None:
        """Another template is on show: the notice about the last one's save goes."""
        self.bar.hide()
        self._last_save = None

    # -- the job -----------------------------------------------------------------------------

    def _dialog(self) -> VersionCompareDialog:
        if self.dialog is None:
            self.dialog = VersionCompareDialog(self._parent)
            self.dialog.view.cancel_requested.connect(self._on_dialog_cancel)
            self.dialog.save_requested.connect(self._on_dialog_save_requested)
        return self.dialog

    def _view_stopped(self, message: str) -> None:
        if self.dialog is not None:
            self.dialog.view.show_stopped(message)

    def _on_dialog_cancel(self) -> None:
        self._comparison.stop()
        self._view_stopped("Stopped: the comparison was cancelled.")

    def _on_dialog_save_requested(self) -> None:
        if self._save() and self.dialog is not None:
            self.dialog.offer_save(False)

    def _on_comparison_progressed(self, progress: object) -> None:
        if isinstance(progress, Progress) and self.dialog is not None and self._running:
            self.dialog.view.show_running((self._running.old_label, self._running.new_label), progress)

    def _on_comparison_finished(self, outcome: ComparisonOutcome) -> None:
        if self.dialog is not None:
            self.dialog.view.show_outcome(outcome)
            self.comparison_finished.emit(outcome)

    def _on_comparison_failed(self, error: JobError) -> None:
        self._view_stopped(f"The comparison failed: {error.message}")
        self._report_error("Comparing the versions failed", error.message)
