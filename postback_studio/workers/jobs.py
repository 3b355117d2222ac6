"""The one background-job mechanism of the GUI: run a function on a thread pool, answer on the GUI thread.

The novelWriter pattern: a main-thread ``QObject`` (:class:`JobRunner`) owns the signals; each
``QRunnable`` gets the runner's bound signals and a plain function, runs the function on a pool
thread, and only ever emits. Qt queues those emissions to the GUI thread, so no widget is touched
from a worker. The function receives a ``report`` callable to publish intermediate values and a
``cancelled`` callable it should poll at safe points.

Every part of the app that works in the background goes through one runner: the delivery
controller's sends, the trigger form's checks, the Settings page's SMTP test, the Requests page's
queries (:mod:`.requests_loader`) and the live preview (:mod:`.render_worker`). Callers get their
own result through ``on_done``/``on_error``; a failure nobody handles is announced by
:attr:`JobRunner.failure_unhandled`, which the app shows. Quiet jobs (previews, log queries, the
retry timer's polls) run the same way but stay out of the status bar's activity.

Shutdown waits for running jobs after cancelling them, so closing the window never destroys a
thread that is still running.
"""

from __future__ import annotations

import itertools
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

#: The signature of a job: ``fn(report, cancelled) -> result``.
JobFunction = Callable[[Callable[[object], None], Callable[[], bool]], object]
#: Per-job callbacks, run on the GUI thread.
ResultCallback = Callable[[Any], None]
ErrorCallback = Callable[["JobError"], None]


@dataclass(frozen=True)
class JobError:
    """A job's failure as data: what the user reads, and the traceback for the details pane."""

    message: str
    details: str


class _JobSignals(QObject):
    reported = Signal(int, object)
    finished = Signal(int, object)
    failed = Signal(int, object)


class _Job(QRunnable):
    def __init__(self, job_id: int, fn: JobFunction, signals: _JobSignals,
                 cancel: threading.Event) -> None:
        super().__init__()
        self._job_id = job_id
        self._fn = fn
        self._signals = signals
        self._cancel = cancel

    def run(self) -> None:
        try:
            result = self._fn(lambda value: self._signals.reported.emit(self._job_id, value),
                              self._cancel.is_set)
        except Exception as exc:
            error = JobError(f"{type(exc).__name__}: {exc}", traceback.format_exc())
            self._signals.failed.emit(self._job_id, error)
        else:
            self._signals.finished.emit(self._job_id, result)


class JobRunner(QObject):
    """Runs labelled jobs on an injected thread pool and tracks what is in flight.

    Signals:
        job_started(int, str): a job id and its label, when submitted.
        job_reported(int, object): an intermediate value a job published.
        job_finished(int, object): a job's result.
        job_failed(int, object): a job's :class:`JobError`.
        failure_unhandled(int, object): a :class:`JobError` of a job submitted without ``on_error``,
            for the app to show.
        activity_changed(int, int, str): jobs done and total of the current burst, and a label,
            for the status bar; (0, 0, "") when idle. Quiet jobs are not counted.
    """

    job_started = Signal(int, str)
    job_reported = Signal(int, object)
    job_finished = Signal(int, object)
    job_failed = Signal(int, object)
    failure_unhandled = Signal(int, object)
    activity_changed = Signal(int, int, str)

    def __init__(self, thread_pool: QThreadPool, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = thread_pool
        self._ids = itertools.count(1)
        self._signals = _JobSignals(self)
        self._signals.reported.connect(self._on_job_reported)
        self._signals.finished.connect(self._on_job_finished)
        self._signals.failed.connect(self._on_job_failed)
        self._running: dict[int, tuple[str, threading.Event]] = {}
        self._quiet: set[int] = set()
        self._callbacks: dict[int, tuple[ResultCallback | None, ErrorCallback | None]] = {}
        self._reporters: dict[int, ResultCallback] = {}
        self._burst_total = 0
        self._burst_done = 0
        self._closed = False

    def submit(
        self,
        label: str,
        fn: JobFunction,
        *,
        on_done: ResultCallback | None = None,
        on_error: ErrorCallback | None = None,
        on_report: ResultCallback | None = None,
        quiet: bool = False,
        owner: QObject | None = None,
    ) -> int:
        """Start ``fn`` in the background; returns the job id used in the signals.

        ``on_done(result)``, ``on_error(JobError)`` and ``on_report(value)`` (each value ``fn``
        reports) run on the GUI thread for this job only, after the general signals; they save
        callers from matching job ids in a global handler. A ``quiet`` job is not shown as activity
        and not listed by :meth:`labels_in_flight`. When ``owner`` (the object the callbacks belong
        to) is destroyed before the job ends, its callbacks are dropped: a page closed while its job
        ran is not called back.
        """
        job_id = next(self._ids)
        if (on_done is not None or on_error is not None) and not self._closed:
            self._callbacks[job_id] = (on_done, on_error)
        if on_report is not None and not self._closed:
            self._reporters[job_id] = on_report
        if owner is not None:
            owner.destroyed.connect(partial(self._forget_callbacks, job_id))
        cancel = threading.Event()
        self._running[job_id] = (label, cancel)
        self.job_started.emit(job_id, label)
        if quiet:
            self._quiet.add(job_id)
        else:
            self._burst_total += 1
            self._emit_activity(label)
        self._pool.start(_Job(job_id, fn, self._signals, cancel))
        return job_id

    @property
    def in_flight(self) -> int:
        """How many jobs have not finished yet."""
        return len(self._running)

    def labels_in_flight(self) -> list[str]:
        """The labels of the unfinished jobs that are not quiet, for the close prompt."""
        return [label for job_id, (label, _) in self._running.items() if job_id not in self._quiet]

    def cancel(self, job_id: int) -> None:
        """Ask job ``job_id`` to stop at its next safe point (nothing happens once it finished)."""
        running = self._running.get(job_id)
        if running is not None:
            running[1].set()

    def cancel_all(self) -> None:
        """Ask every running job to stop at its next safe point."""
        for _, cancel in self._running.values():
            cancel.set()

    def wait(self, timeout_ms: int = 10_000) -> bool:
        """Block until every job finished (tests; a page before its data source goes); True if all did."""
        return bool(self._pool.waitForDone(timeout_ms))

    def shutdown(self, timeout_ms: int = 30_000) -> bool:
        """Cancel everything and wait for the pool; True when it drained in time.

        From here on no job's ``on_done``/``on_error`` runs: what they would touch (a page, the
        workspace) is closing. The general signals still come, for whoever waits on them.
        """
        self.cancel_all()
        self._callbacks.clear()
        self._reporters.clear()
        self._closed = True
        return bool(self._pool.waitForDone(timeout_ms))

    def _forget_callbacks(self, job_id: int, _owner: object = None) -> None:
        self._callbacks.pop(job_id, None)
        self._reporters.pop(job_id, None)

    def _finish(self, job_id: int) -> str | None:
        """Forget a job; its label, or None for a quiet job (which the activity does not count)."""
        label, _ = self._running.pop(job_id, ("", threading.Event()))
        self._reporters.pop(job_id, None)
        if job_id in self._quiet:
            self._quiet.discard(job_id)
            return None
        self._burst_done += 1
        return label

    def _on_job_reported(self, job_id: int, value: Any) -> None:
        self.job_reported.emit(job_id, value)
        on_report = self._reporters.get(job_id)
        if on_report is not None:
            on_report(value)

    def _on_job_finished(self, job_id: int, result: Any) -> None:
        label = self._finish(job_id)
        on_done, _ = self._callbacks.pop(job_id, (None, None))
        self.job_finished.emit(job_id, result)
        if on_done is not None:
            on_done(result)
        if label is not None:
            self._emit_activity(label)

    def _on_job_failed(self, job_id: int, error: Any) -> None:
        label = self._finish(job_id)
        _, on_error = self._callbacks.pop(job_id, (None, None))
        self.job_failed.emit(job_id, error)
        if on_error is not None:
            on_error(error)
        elif not self._closed:
            self.failure_unhandled.emit(job_id, error)
        if label is not None:
            self._emit_activity(label)

    def _emit_activity(self, label: str) -> None:
        if len(self._running) == len(self._quiet):
            self._burst_total = self._burst_done = 0
            self.activity_changed.emit(0, 0, "")
            return
        self.activity_changed.emit(self._burst_done, self._burst_total, label)
