"""JobRunner: results, intermediate reports and failures arrive as signals on the GUI thread."""

from __future__ import annotations

import threading
from collections.abc import Callable

from PySide6.QtCore import QObject, QThread, QThreadPool
from pytestqt.qtbot import QtBot

from postback_studio.workers.jobs import JobError, JobRunner


def test_result_and_reports_arrive_in_the_gui_thread(qtbot: QtBot) -> None:
    runner = JobRunner(QThreadPool())
    seen_threads: list[QThread] = []
    reports: list[object] = []

    def on_report(_job_id: int, value: object) -> None:
        reports.append(value)
        seen_threads.append(QThread.currentThread())

    runner.job_reported.connect(on_report)

    def job(report: Callable[[object], None], cancelled: Callable[[], bool]) -> int:
        report("attempt 1")
        report("attempt 2")
        return 42

    with qtbot.waitSignal(runner.job_finished, timeout=5000) as blocker:
        job_id = runner.submit("Sending", job)
    assert blocker.args == [job_id, 42]
    assert reports == ["attempt 1", "attempt 2"]
    assert all(t is QThread.currentThread() for t in seen_threads)
    assert runner.in_flight == 0


def test_failures_become_job_errors(qtbot: QtBot) -> None:
    runner = JobRunner(QThreadPool())

    def job(report: Callable[[object], None], cancelled: Callable[[], bool]) -> None:
        raise ConnectionError("receiver went away")

    with qtbot.waitSignal(runner.job_failed, timeout=5000) as blocker:
        runner.submit("Sending", job)
    error = blocker.args[1]
    assert isinstance(error, JobError)
    assert error.message == "ConnectionError: receiver went away"
    assert "Traceback" in error.details


def test_shutdown_cancels_and_drains(qtbot: QtBot) -> None:
    pool = QThreadPool()
    runner = JobRunner(pool)
    started = threading.Event()

    def job(report: Callable[[object], None], cancelled: Callable[[], bool]) -> str:
        started.set()
        while not cancelled():
            threading.Event().wait(0.01)
        return "stopped"

    activity: list[tuple[int, int, str]] = []
    runner.activity_changed.connect(lambda d, t, label: activity.append((d, t, label)))
    runner.submit("Retrying", job)
    assert started.wait(5)
    assert runner.labels_in_flight() == ["Retrying"]
    assert runner.shutdown(5000)
    with qtbot.waitSignal(runner.job_finished, timeout=5000):
        pass
    assert activity[0] == (0, 1, "Retrying") and activity[-1] == (0, 0, "")


def test_per_job_callbacks_reach_only_their_job(qtbot: QtBot) -> None:
    runner = JobRunner(QThreadPool())
    done: list[object] = []
    errors: list[JobError] = []

    def ok(report: Callable[[object], None], cancelled: Callable[[], bool]) -> str:
        return "sent"

    def boom(report: Callable[[object], None], cancelled: Callable[[], bool]) -> None:
        raise ValueError("bad port")

    with qtbot.waitSignals([runner.job_finished, runner.job_failed, runner.job_finished], timeout=5000):
        runner.submit("a", ok, on_done=done.append, on_error=errors.append)
        runner.submit("b", boom, on_done=done.append, on_error=errors.append)
        runner.submit("c", ok)
    assert done == ["sent"]
    assert [e.message for e in errors] == ["ValueError: bad port"]


def test_no_callback_runs_after_shutdown(qtbot: QtBot) -> None:
    """A job that ends while the app closes must not call back into pages and a closed workspace."""
    runner = JobRunner(QThreadPool())
    release = threading.Event()
    done: list[object] = []
    unhandled: list[object] = []
    runner.failure_unhandled.connect(lambda _job_id, error: unhandled.append(error))

    def slow(report: Callable[[object], None], cancelled: Callable[[], bool]) -> str:
        release.wait(5)
        return "checked"

    def failing(report: Callable[[object], None], cancelled: Callable[[], bool]) -> None:
        release.wait(5)
        raise ValueError("late")

    runner.submit("Checking", slow, on_done=done.append)
    runner.submit("Polling", failing)
    release.set()
    with qtbot.waitSignals([runner.job_finished, runner.job_failed], timeout=5000):
        assert runner.shutdown(5000)
    assert done == [] and unhandled == []


def test_cancel_stops_one_job_and_reports_reach_only_their_job(qtbot: QtBot) -> None:
    """A Cancel button stops its own job (not every job of the app) and follows only its reports."""
    runner = JobRunner(QThreadPool())
    started = threading.Event()
    release = threading.Event()
    reports: list[object] = []

    def loop(report: Callable[[object], None], cancelled: Callable[[], bool]) -> str:
        report("checking")
        started.set()
        while not cancelled():
            threading.Event().wait(0.01)
        return "stopped"

    def other(report: Callable[[object], None], cancelled: Callable[[], bool]) -> str:
        report("other")
        release.wait(5)
        return "cancelled" if cancelled() else "finished"

    results: dict[str, object] = {}
    with qtbot.waitSignals([runner.job_finished, runner.job_finished], timeout=5000):
        checking = runner.submit(
            "Checking", loop, on_report=reports.append, on_done=lambda r: results.update(a=r)
        )
        runner.submit("Sending", other, on_done=lambda r: results.update(b=r))
        assert started.wait(5)
        runner.cancel(checking)
        release.set()
    assert results == {"a": "stopped", "b": "finished"}
    assert reports == ["checking"]
    runner.cancel(checking)
    assert runner.in_flight == 0


def test_callbacks_of_a_destroyed_owner_are_dropped(qtbot: QtBot) -> None:
    """A page closed while its job runs is not called back (its widgets are gone)."""
    runner = JobRunner(QThreadPool())
    release = threading.Event()
    owner = QObject()
    called: list[object] = []

    def slow(report: Callable[[object], None], cancelled: Callable[[], bool]) -> str:
        report("half way")
        release.wait(5)
        return "done"

    runner.submit("Checking", slow, on_done=called.append, on_report=called.append, owner=owner)
    qtbot.waitUntil(lambda: called == ["half way"])
    with qtbot.waitSignal(owner.destroyed):
        owner.deleteLater()
    with qtbot.waitSignal(runner.job_finished, timeout=5000):
        release.set()
    assert called == ["half way"]
