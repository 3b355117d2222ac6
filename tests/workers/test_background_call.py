"""BackgroundCall runs functions off the GUI thread and reports on it, numbered against staleness."""

from __future__ import annotations

import threading

from pytestqt.qtbot import QtBot

from postback_studio.workers.background_call import BackgroundCall


def test_result_arrives_on_the_gui_thread_with_its_number(qtbot: QtBot) -> None:
    call = BackgroundCall()
    seen: list[str] = []
    call.finished.connect(lambda number, result: seen.append(threading.current_thread().name))
    with qtbot.waitSignal(call.finished) as finished:
        number = call.start(lambda: threading.current_thread().name)
    assert finished.args[0] == number == call.last_number
    assert finished.args[1] != threading.current_thread().name
    assert seen == [threading.current_thread().name]


def test_an_exception_becomes_a_failed_signal(qtbot: QtBot) -> None:
    call = BackgroundCall()

    def boom() -> None:
        raise OSError("disk on fire")

    with qtbot.waitSignal(call.failed) as failed:
        call.start(boom)
    assert failed.args[1] == "OSError: disk on fire"
    assert call.wait()
