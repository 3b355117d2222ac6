"""after_first_paint: work that waits until a window is on screen (issue 16, start-up)."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from postback_studio.ui import first_paint
from postback_studio.ui.first_paint import after_first_paint


def test_the_callbacks_run_after_the_first_paint_in_their_order(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(first_paint, "LATEST_MS", 60_000)
    widget = QWidget()
    qtbot.addWidget(widget)
    calls: list[str] = []
    after_first_paint(widget, lambda: calls.append("first"))
    after_first_paint(widget, lambda: calls.append("second"))
    qtbot.wait(20)
    assert calls == [], "nothing runs before the widget is shown"
    widget.show()
    qtbot.waitUntil(lambda: len(calls) == 2)
    assert calls == ["first", "second"]
    widget.update()
    qtbot.wait(20)
    assert calls == ["first", "second"], "a later paint runs nothing again"
    late: list[str] = []
    after_first_paint(widget, lambda: late.append("queued after the paint"))
    qtbot.waitUntil(lambda: late == ["queued after the paint"])


def test_a_window_that_never_paints_gets_its_work_after_a_while(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A window started minimized (or never shown) must not leave its pages unbuilt."""
    monkeypatch.setattr(first_paint, "LATEST_MS", 50)
    widget = QWidget()
    qtbot.addWidget(widget)
    calls: list[str] = []
    after_first_paint(widget, lambda: calls.append("built"))
    qtbot.waitUntil(lambda: calls == ["built"])
    widget.show()
    qtbot.waitExposed(widget)
    assert calls == ["built"], "the paint that comes later runs nothing again"
