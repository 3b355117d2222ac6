"""Background rendering for the live preview: debounced, off the GUI thread, stale results dropped.

Renders run as quiet jobs of the app's one :class:`~postback_studio.workers.jobs.JobRunner`. Every
request gets a sequence number; git-cola's guard drops a result whose number is not the newest, so
a slow render that finishes late never overwrites the preview of newer text.

The render function is injected (``render_fn(request) -> result``), so tests use plain Python
functions and the application plugs the render engine in. It runs on a worker thread: it must not
touch widgets, and whatever it returns should be immutable (a frozen ``RenderResult``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from postback_studio.workers.jobs import JobError, JobRunner

RenderFn = Callable[[Any], Any]


class RenderWorker(QObject):
    """Renders requests in the background and reports only the newest result.

    Call :meth:`schedule` on every edit (it waits for a pause in typing) and :meth:`render_now`
    for Ctrl+Enter. Results and errors of superseded requests are dropped.

    Signals:
        render_started(int): a render was submitted to the pool; carries its sequence number.
        render_finished(int, object): the newest request rendered; sequence number and result.
        render_failed(int, str): the newest request raised; sequence number and message.
        render_discarded(int): a superseded request finished and its outcome was dropped.
    """

    render_started = Signal(int)
    render_finished = Signal(int, object)
    render_failed = Signal(int, str)
    render_discarded = Signal(int)

    def __init__(
        self,
        render_fn: RenderFn,
        jobs: JobRunner,
        debounce_ms: int = 300,
        parent: QObject | None = None,
    ) -> None:
        """Create a worker.

        Args:
            render_fn: The pure function to run, ``render_fn(request) -> result``.
            jobs: Where renders run (the app's job runner; tests may pass their own).
            debounce_ms: The pause in typing after which :meth:`schedule` renders.
            parent: The owning QObject.
        """
        super().__init__(parent)
        self._render_fn = render_fn
        self._jobs = jobs
        self._sequence = 0
        self._pending: object = None
        self._has_pending = False
        self._running: set[int] = set()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(debounce_ms)
        self._timer.timeout.connect(self._on_timer_timeout)

    @property
    def debounce_ms(self) -> int:
        """The pause in typing, in milliseconds, before a scheduled render starts."""
        return self._timer.interval()

    def set_debounce_ms(self, milliseconds: int) -> None:
        """Change the pause before a scheduled render."""
        self._timer.setInterval(milliseconds)

    @property
    def latest_sequence(self) -> int:
        """The sequence number of the newest submitted request (0 before the first)."""
        return self._sequence

    @property
    def busy(self) -> bool:
        """True while a render is waiting for the pause or running."""
        return self._timer.isActive() or bool(self._running)

    def set_render_fn(self, render_fn: RenderFn) -> None:
        """Render with ``render_fn`` from the next request on."""
        self._render_fn = render_fn

    def schedule(self, request: object) -> None:
        """Render ``request`` once typing pauses for :attr:`debounce_ms`; a newer call replaces it."""
        self._pending = request
        self._has_pending = True
        self._timer.start()

    def render_now(self, request: object) -> int:
        """Render ``request`` at once (dropping any scheduled one); returns its sequence number."""
        self._timer.stop()
        self._has_pending = False
        self._pending = None
        self._sequence += 1
        sequence = self._sequence
        self._running.add(sequence)
        render_fn = self._render_fn
        self.render_started.emit(sequence)
        self._jobs.submit(
            "Rendering",
            lambda _report, _cancelled: render_fn(request),
            on_done=lambda result: self._on_job_done(sequence, result),
            on_error=lambda error: self._on_job_error(sequence, error),
            quiet=True,
            owner=self,
        )
        return sequence

    def cancel(self) -> None:
        """Drop the scheduled request and ignore the outcome of every running one."""
        self._timer.stop()
        self._has_pending = False
        self._pending = None
        self._sequence += 1

    def _on_timer_timeout(self) -> None:
        if self._has_pending:
            self.render_now(self._pending)

    def _is_current(self, sequence: int) -> bool:
        """Forget ``sequence`` as running; True if it is the newest, else report it discarded."""
        self._running.discard(sequence)
        if sequence == self._sequence:
            return True
        self.render_discarded.emit(sequence)
        return False

    def _on_job_done(self, sequence: int, result: object) -> None:
        if self._is_current(sequence):
            self.render_finished.emit(sequence, result)

    def _on_job_error(self, sequence: int, error: JobError) -> None:
        if self._is_current(sequence):
            self.render_failed.emit(sequence, error.message)
