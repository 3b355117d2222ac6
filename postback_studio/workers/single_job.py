"""One background job at a time whose answer matters: a newer one stops the older, only it answers.

The template doctor's runs (an edge-case check, a comparison, a variant's output) take seconds and
are about what the user asked for last: asking again, or pressing Cancel, makes the running job
stale. :class:`SingleJob` submits through the app's :class:`~postback_studio.workers.jobs.JobRunner`,
asks a stale job to stop, and passes on only the current job's progress, result and failure (the
git-cola guard, as :mod:`.render_worker` has it for renders).
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from postback_studio.workers.jobs import JobError, JobFunction, JobRunner


class SingleJob(QObject):
    """Runs one job at a time; starting another, or :meth:`stop`, makes the running one stale.

    Args:
        jobs: The app's job runner.
        label: What the status bar calls the job (unless ``quiet``).
        quiet: Keep the job out of the status bar's activity.
        parent: The owner (a destroyed owner is not called back).

    Signals:
        progressed(object): the current job reported a value.
        finished(object): the current job's result.
        failed(object): the current job's :class:`JobError`.
    """

    progressed = Signal(object)
    finished = Signal(object)
    failed = Signal(object)

    def __init__(
        self, jobs: JobRunner, label: str, *, quiet: bool = False, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._jobs = jobs
        self._label = label
        self._quiet = quiet
        self._job: int | None = None

    @property
    def running(self) -> bool:
        """A job runs whose answer will be passed on."""
        return self._job is not None

    def start(self, fn: JobFunction) -> None:
        """Run ``fn(report, cancelled)``; a job still running is stopped first."""
        self.stop()
        job = 0
        job = self._jobs.submit(
            self._label,
            fn,
            on_done=lambda result: self._on_done(job, result),
            on_error=lambda error: self._on_error(job, error),
            on_report=lambda value: self._on_report(job, value),
            quiet=self._quiet,
            owner=self,
        )
        self._job = job

    def stop(self) -> bool:
        """Ask the running job to stop and forget it; False when none was running."""
        if self._job is None:
            return False
        self._jobs.cancel(self._job)
        self._job = None
        return True

    def _on_report(self, job: int, value: object) -> None:
        if job == self._job:
            self.progressed.emit(value)

    def _on_done(self, job: int, result: object) -> None:
        if job == self._job:
            self._job = None
            self.finished.emit(result)

    def _on_error(self, job: int, error: JobError) -> None:
        if job == self._job:
            self._job = None
            self.failed.emit(error)
