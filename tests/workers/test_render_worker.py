"""The render worker: debounce, background thread, stale results dropped, errors as signals."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QThread, QThreadPool
from pytestqt.qtbot import QtBot

from postback_studio.workers.jobs import JobRunner
from postback_studio.workers.render_worker import RenderWorker


@pytest.fixture
def pool() -> Iterator[QThreadPool]:
    pool = QThreadPool()
    pool.setMaxThreadCount(2)
    yield pool
    pool.waitForDone()


def upper(request: object) -> object:
    return (str(request).upper(), QThread.currentThread())


def test_render_now_runs_off_the_gui_thread(qtbot: QtBot, pool: QThreadPool) -> None:
    worker = RenderWorker(upper, JobRunner(pool))
    with qtbot.waitSignal(worker.render_finished) as finished:
        sequence = worker.render_now("abc")
    assert finished.args[0] == sequence == 1
    text, thread = finished.args[1]
    assert text == "ABC"
    assert thread is not QThread.currentThread()


def test_schedule_debounces_to_the_last_request(qtbot: QtBot, pool: QThreadPool) -> None:
    seen: list[object] = []

    def record(request: object) -> object:
        seen.append(request)
        return request

    worker = RenderWorker(record, JobRunner(pool), debounce_ms=20)
    assert worker.debounce_ms == 20
    with qtbot.waitSignal(worker.render_finished) as finished:
        for text in ("{", "{{", "{{ o", "{{ orderId }}"):
            worker.schedule(text)
    assert finished.args[1] == "{{ orderId }}"
    assert seen == ["{{ orderId }}"]


def test_stale_result_never_overwrites_a_newer_one(qtbot: QtBot, pool: QThreadPool) -> None:
    release = threading.Event()

    def render(request: object) -> object:
        if request == "slow":
            release.wait(10)
        return request

    worker = RenderWorker(render, JobRunner(pool))
    finished: list[object] = []
    worker.render_finished.connect(lambda _seq, result: finished.append(result))
    slow = worker.render_now("slow")
    with qtbot.waitSignal(worker.render_finished):
        worker.render_now("fast")
    with qtbot.waitSignal(worker.render_discarded) as discarded:
        release.set()
    assert discarded.args == [slow]
    assert finished == ["fast"]
    assert not worker.busy


def test_errors_arrive_as_signal_payloads(qtbot: QtBot, pool: QThreadPool) -> None:
    def broken(_request: object) -> object:
        raise ValueError("payload is not an object")

    worker = RenderWorker(broken, JobRunner(pool))
    with qtbot.waitSignal(worker.render_failed) as failed:
        worker.render_now("x")
    assert failed.args == [1, "ValueError: payload is not an object"]


def test_cancel_drops_running_and_scheduled(qtbot: QtBot, pool: QThreadPool) -> None:
    worker = RenderWorker(lambda request: request, JobRunner(pool), debounce_ms=10_000)
    worker.schedule("later")
    assert worker.busy
    with qtbot.waitSignal(worker.render_discarded):
        worker.render_now("now")
        worker.cancel()
    with qtbot.assertNotEmitted(worker.render_finished, wait=50):
        worker.schedule("x")
        worker.cancel()
    assert not worker.busy
