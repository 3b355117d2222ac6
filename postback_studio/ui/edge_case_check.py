"""Check Edge Cases on the Templates page: the check off the GUI thread, its results kept honest.

The check of a large order renders thousands of variants and takes seconds, so it runs as a job of
the app's :class:`~postback_studio.workers.jobs.JobRunner`, reports its progress to the Edge Cases
tab, and stops when the user presses Cancel. Results are about one text: an edit while the check
runs stops it (its answer would be about a text that is gone), a result that arrives for another
text is dropped, and an edit after it marks the results outdated and takes their marks out of the
editor. Choosing a finding moves the editor's cursor to the template location responsible and marks
it; a lint's *Proof* shows the finding of the variant that proves it, checking first if needed.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QPushButton, QWidget

from postback_studio.core.doctor.edge_cases import EdgeCaseExample, EdgeCaseReport
from postback_studio.core.doctor.in_editor import part_of, part_text, same_text, tag_range
from postback_studio.core.doctor.progress import Progress
from postback_studio.core.doctor.runs import EdgeCaseRequest, run_edge_cases
from postback_studio.core.doctor.variants import Variant
from postback_studio.core.render.engine import RenderEngine, TemplateRendering
from postback_studio.core.render.result import Location, Severity
from postback_studio.ui.edge_case_results import EdgeCaseResultsView
from postback_studio.ui.template_editor import EMAIL_PARTS, TemplateEditor
from postback_studio.ui.template_mapper import TemplateMapperView
from postback_studio.workers.jobs import JobError, JobRunner
from postback_studio.workers.single_job import SingleJob

#: The editor's mark layers: a gutter mark per finding, and the range of the finding chosen.
FINDINGS_LAYER = "edge-cases"
CHOSEN_LAYER = "edge-case"
_LABEL = "Check Edge Cases"
_TAB = "Edge Cases"
#: The room the tab is given when a check starts, if it has less: its column's width, its share of
#: the column's height (the preview above it matters less while the findings are read).
_TAB_WIDTH = 460
_TAB_SHARE = 0.7


class EdgeCaseCheck(QObject):
    """Runs the edge-case check of the template on show and shows its results beside Problems.

    Args:
        engine: Renders the variants (thread-safe; used from the job runner's threads).
        jobs: The app's job runner.
        view: The Template Mapper (its editor, and the tab beside Problems).
        editor: The template in the editor.
        request: What to check now: the template as shown and the samples of its events.
        report_error: Tells the user (title, text) that a check failed.
        parent: The page.

    Signals:
        check_finished(object): a check's :class:`EdgeCaseReport` is on show.
        check_stopped(str): a check ended without results; carries why.
    """

    check_finished = Signal(object)
    check_stopped = Signal(str)

    def __init__(
        self,
        engine: RenderEngine,
        jobs: JobRunner,
        *,
        view: TemplateMapperView,
        editor: TemplateEditor,
        request: Callable[[], EdgeCaseRequest | None],
        report_error: Callable[[str, str], None],
        parent: QWidget,
    ) -> None:
        super().__init__(parent)
        self._engine = engine
        self._view = view
        self._editor = editor
        self._make_request = request
        self._report_error = report_error
        self._check = SingleJob(jobs, "Checking edge cases", parent=self)
        self._output = SingleJob(jobs, "Rendering a variant", quiet=True, parent=self)
        self._output_example: EdgeCaseExample | None = None
        self._wanted: Variant | None = None
        self.results = EdgeCaseResultsView()
        self._tab = view.add_bottom_tab(self.results, _TAB)
        self.button = QPushButton(_LABEL)
        self.button.setToolTip(
            "Render every one-change variant of the samples (hostile strings, arrays of 0, 1 and 3 "
            "elements, nulls) and show what breaks, by template line"
        )
        self.button.clicked.connect(self.run)
        self.results.check_requested.connect(self.run)
        self.results.cancel_requested.connect(lambda: self.stop("Stopped: the check was cancelled."))
        self.results.location_chosen.connect(self._on_results_location_chosen)
        self.results.output_requested.connect(self._on_results_output_requested)
        self._check.progressed.connect(self._on_check_progressed)
        self._check.finished.connect(self._on_check_finished)
        self._check.failed.connect(self._on_check_failed)
        self._output.finished.connect(self._on_output_finished)
        self._output.failed.connect(self._on_output_failed)

    @property
    def running(self) -> bool:
        """A check is running (its results will be shown)."""
        return self._check.running

    @property
    def report(self) -> EdgeCaseReport | None:
        """The results on show (None before the first check of this template)."""
        return self.results.report

    # -- running -----------------------------------------------------------------------------

    def run(self) -> bool:
        """Check the template as shown now; a check already running is stopped first."""
        request = self._make_request()
        if request is None:
            return False
        self.stop("")
        self._looks(running=True)
        self.results.show_running()
        self._reveal()
        engine = self._engine
        self._check.start(
            lambda report, cancelled: run_edge_cases(engine, request, progress=report, cancelled=cancelled)
        )
        return True

    def stop(self, why: str) -> None:
        """Stop the running check (nothing happens when none runs); ``why`` is shown, if any."""
        if not self._check.stop():
            return
        self._looks(running=False)
        if why:
            self.results.show_stopped(why)
            self.check_stopped.emit(why)

    def _on_check_progressed(self, progress: object) -> None:
        if isinstance(progress, Progress):
            self.results.show_running(progress)

    def _on_check_finished(self, report: EdgeCaseReport) -> None:
        if not same_text(report.template, self._editor.edited_template()):
            why = "The template changed while checking, so the results were dropped: check again."
            self.results.show_stopped(why)
            self._looks(running=False)
            self.check_stopped.emit(why)
            return
        self.results.show_report(report)
        self._looks(running=False)
        self.mark_findings()
        self.check_finished.emit(report)
        if self._wanted is not None:
            self._show_wanted()

    def _on_check_failed(self, error: JobError) -> None:
        self._looks(running=False)
        self.results.show_stopped(f"The check failed: {error.message}")
        self._report_error("Check edge cases failed", error.message)

    # -- the template changed ----------------------------------------------------------------

    def on_template_edited(self) -> None:
        """The text changed: a running check stops; results on show are outdated."""
        if self.running:
            self.stop("Stopped: the template changed while checking. Check again when you are done editing.")
            return
        if self.report is not None and not self.results.outdated:
            self.results.set_outdated()
            self._looks(running=False)
            self._clear_marks()

    def on_template_opened(self) -> None:
        """Another template is on show: forget everything about the last one."""
        self.stop("")
        self._wanted = None
        self.results.clear()
        self._looks(running=False)
        self._clear_marks()

    def mark_findings(self) -> None:
        """Put a gutter mark on the line of every finding of the part on show (after a part switch too)."""
        report = self.report
        edited = self._editor.edited_template()
        if report is None or self.results.outdated or edited is None:
            self._view.editor.set_marks([], FINDINGS_LAYER)
            return
        part = part_of(edited, self._editor.part)
        self._view.editor.set_marks(
            (
                (finding.location.line, Severity.ERROR, f"edge case: {finding.summary()}")
                for finding in report.findings
                if finding.location is not None and finding.location.part == part
            ),
            FINDINGS_LAYER,
        )

    def _clear_marks(self) -> None:
        self._view.editor.set_marks([], FINDINGS_LAYER)
        self._view.editor.set_ranges([], CHOSEN_LAYER)

    # -- proofs ------------------------------------------------------------------------------

    def show_variant(self, variant: Variant) -> None:
        """Show the finding that ``variant`` shows (a lint's proof), checking first if the results
        on show are not about the text in the editor."""
        self._wanted = variant
        if self.report is not None and not self.results.outdated and not self.running:
            self._show_wanted()
        else:
            self.run()

    def _show_wanted(self) -> None:
        variant, self._wanted = self._wanted, None
        report = self.report
        if variant is None or report is None:
            return
        self._reveal()
        finding = report.finding_for(variant)
        if finding is None:
            where = "is not among the checked samples" if variant.sample not in report.payloads else (
                "renders validly: this template does not break on it"
            )
            self.results.show_stopped(f"{variant.describe()} {where}. {self.results.summary.text()}")
            return
        example = next(e for e in finding.examples if e.variant == variant)
        self.results.select(finding, example)
        self._on_results_output_requested(example)

    # -- choosing a finding ------------------------------------------------------------------

    def _on_results_location_chosen(self, location: Location | None, focus: bool) -> None:
        edited = self._editor.edited_template()
        if location is None or edited is None:
            return
        if location.part == "subject":
            self._editor.subject_edit.setFocus()
            self._editor.subject_edit.setCursorPosition(max(location.column - 1, 0))
            return
        if location.part in EMAIL_PARTS and location.part != self._editor.part:
            self._editor.part_tabs.setCurrentIndex(EMAIL_PARTS.index(location.part))
        editor = self._view.editor
        editor.goto(location.line, location.column, focus=focus)
        if not self.results.outdated:
            start, end = tag_range(part_text(edited, location.part), location.line, location.column)
            chosen = [(start, end, Severity.ERROR, "the edge case breaks here")]
            editor.set_ranges(chosen, CHOSEN_LAYER, highlight=True)

    def _on_results_output_requested(self, example: EdgeCaseExample) -> None:
        report = self.report
        if report is None:
            return
        engine = self._engine
        self._output_example = example
        self._output.start(lambda _report, _cancelled: report.render_variant(engine, example.variant))

    def _on_output_finished(self, rendering: TemplateRendering) -> None:
        if self._output_example is not None:
            self.results.show_output(self._output_example, rendering)

    def _on_output_failed(self, error: JobError) -> None:
        self.results.show_output_failed(error.message)

    # -- looks -------------------------------------------------------------------------------

    def _looks(self, *, running: bool) -> None:
        """The button and the tab's title: checking, or the number of findings on show."""
        self.button.setEnabled(not running)
        self.button.setText("Checking Edge Cases…" if running else _LABEL)
        report = self.report
        if running:
            count = " (checking)"
        else:
            count = f" ({len(report.findings)})" if report is not None and not self.results.outdated else ""
        tabs = self._view.bottom_tabs
        if tabs is not None:
            tabs.setTabText(self._tab, f"{_TAB}{count}")

    def _reveal(self) -> None:
        """Bring the Edge Cases tab to the front, with room to read it."""
        self._view.reveal_bottom_tab(self._tab, width=_TAB_WIDTH, share=_TAB_SHARE)
