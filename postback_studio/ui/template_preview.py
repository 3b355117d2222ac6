"""The Templates page's live preview and "Check against all samples", both off the GUI thread.

Renders go through a :class:`~postback_studio.workers.render_worker.RenderWorker` (debounced while
typing; a stale result is dropped); the request carries everything the render needs, so nothing on a
worker thread touches the page or the workspace. The check renders the template as shown against
every sample of its events and opens the results beside the editor.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QPushButton, QWidget

from postback_studio.core.render.engine import RenderEngine
from postback_studio.core.render.result import RenderResult
from postback_studio.core.template_library import (
    CheckOutcome,
    CheckRequest,
    PreviewRender,
    PreviewRequest,
    render_preview,
    run_check,
)
from postback_studio.ui.check_results import CheckResultsDialog
from postback_studio.ui.email_parts import EmailPartsPreview
from postback_studio.ui.template_mapper import TemplateMapperView
from postback_studio.workers.jobs import JobRunner
from postback_studio.workers.render_worker import RenderWorker

_CHECK_LABEL = "Check all samples"


class TemplatePreview(QObject):
    """Renders what the editor shows and puts the result in the Template Mapper.

    Args:
        engine: Renders (thread-safe; used from the job runner's threads).
        jobs: The app's job runner.
        view: The Template Mapper (output pane, Problems, editor marks).
        email_preview: The email parts preview (an email template's output).
        request: The render request for what the editor shows now (None: nothing to render).
        part: The email part on show (``html`` or ``text``; ``body`` for a webhook).
        report_error: Tells the user (title, text) that the check itself failed.
        debounce_ms: The pause in typing before a render.

    Signals:
        preview_updated(): a render result is on show (the preview, Problems and marks are current).
        check_finished(object): "Check against all samples" finished; carries the ``CheckOutcome``.
        sample_chosen(str): the user picked a sample in the check results (its picker key).
        render_shown(object): a :class:`PreviewRender` is on show (Problems and marks included).
    """

    preview_updated = Signal()
    check_finished = Signal(object)
    sample_chosen = Signal(str)
    render_shown = Signal(object)

    def __init__(
        self,
        engine: RenderEngine,
        jobs: JobRunner,
        *,
        view: TemplateMapperView,
        email_preview: EmailPartsPreview,
        request: Callable[[], PreviewRequest | None],
        part: Callable[[], str],
        report_error: Callable[[str, str], None],
        debounce_ms: int,
        parent: QWidget,
    ) -> None:
        super().__init__(parent)
        self._parent = parent
        self._report_error = report_error
        self._view = view
        self._email_preview = email_preview
        self._request = request
        self._part = part
        self._last: PreviewRender | None = None
        # The template whose output the preview shows: an error keeps (marked) only its own output.
        self._output_of: int | None = None
        self._requested: int | None = None
        self._check_names: dict[str, str] = {}
        self.check_dialog: CheckResultsDialog | None = None
        # The worker functions close over the engine only: nothing on a pool thread touches the page.
        self.render_worker = RenderWorker(partial(render_preview, engine), jobs, debounce_ms, self)
        self.check_worker = RenderWorker(partial(run_check, engine), jobs, 0, self)
        self.check_button = QPushButton(_CHECK_LABEL)
        self.check_button.setToolTip("Render against every sample and variant of the template's events")
        self.render_worker.render_started.connect(lambda _sequence: view.set_busy(True))
        self.render_worker.render_finished.connect(self._on_render_finished)
        self.render_worker.render_failed.connect(self._on_render_failed)
        self.check_worker.render_finished.connect(self._on_check_finished)
        self.check_worker.render_failed.connect(self._on_check_failed)

    def schedule(self) -> None:
        """Render once typing pauses."""
        request = self._request()
        if request is not None:
            self._requested = request.template.id
            self.render_worker.schedule(request)

    def render_now(self) -> None:
        """Render at once (Ctrl+Enter, another sample, another template)."""
        request = self._request()
        if request is not None:
            self._requested = request.template.id
            self.render_worker.render_now(request)

    def last(self) -> PreviewRender | None:
        """The render on show (its request says which template text and payload it was for)."""
        return self._last

    def show_last(self) -> None:
        """Show the last render for the part in the editor (an email's parts share one render)."""
        render = self._last
        if render is None:
            return
        rendering = render.rendering
        lints = [lint.diagnostic() for lint in render.lints]
        template_id = render.request.template.id
        keep = self._keeps(template_id)
        if any(part.output is not None for part in rendering.parts.values()):
            self._output_of = template_id
        elif not keep:
            self._output_of = None
        if "body" in rendering.parts:
            body = rendering.parts["body"]
            self._view.show_result(body, render.spans.get("body"), part="body", lints=lints, keep_stale=keep)
        else:
            main = rendering.parts.get("html") or rendering.parts.get("text") or rendering.parts["subject"]
            combined = RenderResult(main.output, main.format, rendering.diagnostics)
            self._view.show_result(combined, part=self._part(), lints=lints, keep_stale=keep)
            self._email_preview.show_rendering(rendering, keep_stale=keep)
        self.render_shown.emit(render)

    def _keeps(self, template_id: int | None) -> bool:
        """Whether output on show may stay (marked stale) through an error of ``template_id``."""
        return template_id is not None and template_id == self._output_of

    def _on_render_finished(self, _sequence: int, render: PreviewRender) -> None:
        self._last = render
        self.show_last()
        self.preview_updated.emit()

    def _on_render_failed(self, _sequence: int, message: str) -> None:
        keep = self._keeps(self._requested)
        if not keep:
            self._output_of = None
        self._view.show_render_failed(message, keep_stale=keep)
        self.preview_updated.emit()

    # -- check against all samples -------------------------------------------------------------

    def run_check(self, request: CheckRequest, names: dict[str, str]) -> None:
        """Render ``request`` (every sample of the template's events); ``names`` leads results back."""
        self._check_names = names
        self.check_button.setEnabled(False)
        self.check_button.setText("Checking…")
        self.check_worker.render_now(request)

    def _on_check_finished(self, _sequence: int, outcome: CheckOutcome) -> None:
        self._reset_check_button()
        if self.check_dialog is not None:
            self.check_dialog.close()
        dialog = CheckResultsDialog(outcome.request.template.name, outcome, self._parent)
        dialog.sample_activated.connect(self._on_check_sample_activated)
        self.check_dialog = dialog
        dialog.show()
        self.check_finished.emit(outcome)

    def _on_check_failed(self, _sequence: int, message: str) -> None:
        self._reset_check_button()
        self._report_error("Check against all samples failed", message)

    def _reset_check_button(self) -> None:
        self.check_button.setEnabled(True)
        self.check_button.setText(_CHECK_LABEL)

    def _on_check_sample_activated(self, name: str) -> None:
        key = self._check_names.get(name)
        if key is not None:
            self.sample_chosen.emit(key)
