"""after_first_paint: work that waits until a window is on screen (issue 16, start-up)."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from postback_studio.ui.first_paint import after_first_paint


def test_the_callbacks_run_after_the_first_paint_in_their_order(qtbot: QtBot) -> None:
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
