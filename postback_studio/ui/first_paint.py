"""Run work once a window has painted for the first time, so start-up shows the window first.

Start-up is measured to the main window mapped and exposed (``benchmarks/startup.py``); what a
person needs at that moment is the window and its first page. Work nobody sees yet (collecting the
start-up's garbage, building pages that are not on show) waits for the first paint, then runs from
the event loop, before any click can reach a page it builds.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QWidget

#: A window that has not painted after this long (started minimized, on a hidden desktop) gets its
#: waiting work anyway: the work must not depend on the window being seen.
LATEST_MS = 2000


class _FirstPaint(QObject):
    """Watches one widget for its first paint, then queues the callbacks and removes itself."""

    def __init__(self, widget: QWidget) -> None:
        super().__init__(widget)
        self._widget = widget
        self.callbacks: list[Callable[[], object]] = []
        self.fired = False
        widget.installEventFilter(self)
        QTimer.singleShot(LATEST_MS, self, self._fire)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._widget and event.type() == QEvent.Type.Paint:
            self._fire()
        return False

    def _fire(self) -> None:
        if self.fired:
            return
        self.fired = True
        self._widget.removeEventFilter(self)
        callbacks, self.callbacks = self.callbacks, []
        for callback in callbacks:
            QTimer.singleShot(0, callback)


def after_first_paint(widget: QWidget, callback: Callable[[], object]) -> None:
    """Call ``callback`` from the event loop once ``widget`` has painted (in the order queued), or
    after :data:`LATEST_MS` if it has not painted by then; once a widget has painted, soon."""
    watcher = next((w for w in widget.findChildren(_FirstPaint) if w.parent() is widget), None)
    if watcher is None:
        watcher = _FirstPaint(widget)
    if watcher.fired:
        QTimer.singleShot(0, callback)
    else:
        watcher.callbacks.append(callback)
