"""Run one pure function off the GUI thread and hear about it on the GUI thread.

As in novelWriter: a main-thread ``QObject`` owns the signals, the ``QRunnable`` only gets the bound
signals and calls a function that never touches a widget. Each call gets a sequence number so the
caller can drop a result that a newer call has made stale (git-cola's guard).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, SignalInstance


class _Job(QRunnable):
    def __init__(self, number: int, function: Callable[[], Any], finished: SignalInstance,
                 failed: SignalInstance) -> None:
        super().__init__()
        self._number = number
        self._function = function
        self._finished = finished
        self._failed = failed

    def run(self) -> None:
        try:
            result = self._function()
        except Exception as exc:  # any failure must reach the GUI, never vanish in a thread
            self._failed.emit(self._number, f"{type(exc).__name__}: {exc}")
        else:
            self._finished.emit(self._number, result)


class BackgroundCall(QObject):
    """Starts calls on a thread pool; results arrive as queued signals on this object's thread.

    Signals:
        finished(int, object): call number and the function's return value.
        failed(int, str): call number and the exception's type and message.
    """

    finished = Signal(int, object)
    failed = Signal(int, str)

    def __init__(self, pool: QThreadPool | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = pool or QThreadPool.globalInstance()
        self._last = 0

    @property
    def last_number(self) -> int:
        """The number of the most recent call; results with a smaller number are stale."""
        return self._last

    def start(self, function: Callable[[], Any]) -> int:
        """Run ``function`` on the pool and return its call number."""
        self._last += 1
        self._pool.start(_Job(self._last, function, self.finished, self.failed))
        return self._last

    def wait(self, msecs: int = 30_000) -> bool:
        """Wait for the pool's running calls (used when a page closes, so no thread outlives it)."""
        return bool(self._pool.waitForDone(msecs))
