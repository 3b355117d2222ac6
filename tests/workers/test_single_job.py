"""SingleJob: a newer job stops the older one, and only the newest answers."""

from __future__ import annotations

import threading
from collections.abc import Callable

from PySide6.QtCore import QThreadPool
from pytestqt.qtbot import QtBot

from postback_studio.workers.jobs import JobRunner
from postback_studio.workers.single_job import SingleJob


def test_a_newer_job_stops_the_older_and_only_it_answers(qtbot: QtBot) -> None:
    runner = JobRunner(QThreadPool())
    single = SingleJob(runner, "Checking")
    answers: list[object] = []
    single.progressed.connect(lambda value: answers.append(("progress", value)))
    single.finished.connect(lambda value: answers.append(("done", value)))
    first_started = threading.Event()
    stopped: list[bool] = []

    def first(report: Callable[[object], None], cancelled: Callable[[], bool]) -> str:
        report("first")
        first_started.set()
        while not cancelled():
            threading.Event().wait(0.01)
        stopped.append(True)
        return "first"

    def second(report: Callable[[object], None], cancelled: Callable[[], bool]) -> str:
        report("second")
        return "second"

    single.start(first)
    assert first_started.wait(5)
    with qtbot.waitSignals([runner.job_finished, runner.job_finished], timeout=5000):
        single.start(second)
    assert stopped == [True]
    assert ("done", "first") not in answers and answers[-2:] == [("progress", "second"), ("done", "second")]
    assert not single.running


def test_stop_says_whether_a_job_was_running_and_drops_its_answer(qtbot: QtBot) -> None:
    runner = JobRunner(QThreadPool())
    single = SingleJob(runner, "Comparing", quiet=True)
    failures: list[object] = []
    done: list[object] = []
    single.failed.connect(failures.append)
    single.finished.connect(done.append)
    release = threading.Event()

    def job(report: Callable[[object], None], cancelled: Callable[[], bool]) -> str:
        release.wait(5)
        raise RuntimeError("stopped") if cancelled() else RuntimeError("not stopped")

    assert not single.stop()
    single.start(job)
    assert single.running and runner.labels_in_flight() == []  # quiet: not in the status bar
    assert single.stop() and not single.running
    with qtbot.waitSignal(runner.job_failed, timeout=5000):
        release.set()
    assert failures == [] and done == []
