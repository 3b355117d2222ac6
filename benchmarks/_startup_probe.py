"""Started by ``benchmarks/startup.py`` in a fresh interpreter: notes when the main window is exposed.

``python _startup_probe.py app --workspace FILE`` runs the application's own entry point (what
``python -m postback_studio`` runs); ``python _startup_probe.py baseline`` shows a bare
``QMainWindow``. Both the same way: ``QApplication`` is swapped for a subclass that watches every
event, and the first ``Expose`` of a ``QMainWindow``'s window (on X11: the server mapped and exposed
it) writes the timestamps to the file named by ``PS_STARTUP_REPORT`` and quits the event loop. The
app builds its other pages after the first paint (``Application.finish``); its probe also notes
when that is done (``ready``) and quits then.

Timestamps are ``time.perf_counter()`` (the system's monotonic clock, the same in every process on
Linux), so the parent subtracts the moment it started the process.
"""

from __future__ import annotations

import time

STARTED = time.perf_counter()
#: Written to stderr when the window is exposed, so ``-X importtime``'s lines split at that moment.
EXPOSED_LINE = "startup-probe: main window exposed"

import json  # noqa: E402
import os  # noqa: E402
import runpy  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402


def _install_watch(marks: dict[str, float], *, wait_for_pages: bool) -> None:
    from PySide6 import QtWidgets
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtGui import QWindow

    class ExposeWatch(QObject):
        """Catches the main window's first Show and Expose."""

        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            kind = event.type()
            if kind == QEvent.Type.Show and isinstance(watched, QtWidgets.QMainWindow):
                marks.setdefault("shown", time.perf_counter())
            elif kind == QEvent.Type.Expose and "exposed" not in marks and _is_main_window(watched):
                marks["exposed"] = time.perf_counter()
                print(EXPOSED_LINE, file=sys.stderr, flush=True)  # splits -X importtime's lines
                application = QtWidgets.QApplication.instance()
                marks["platform"] = application.platformName()  # type: ignore[union-attr,assignment]
                _write(marks)
                if not wait_for_pages or "ready" in marks:
                    QTimer.singleShot(0, application.quit)  # type: ignore[union-attr]
            return False

    def _is_main_window(watched: QObject) -> bool:
        return (
            isinstance(watched, QWindow)
            and watched.isExposed()
            and any(
                isinstance(widget, QtWidgets.QMainWindow) and widget.windowHandle() == watched
                for widget in QtWidgets.QApplication.topLevelWidgets()
            )
        )

    class ProbeApplication(QtWidgets.QApplication):
        def __init__(self, *args: object) -> None:
            marks["imports"] = time.perf_counter()
            super().__init__(*args)
            marks["application"] = time.perf_counter()
            self._watch = ExposeWatch()
            self.installEventFilter(self._watch)

    QtWidgets.QApplication = ProbeApplication  # type: ignore[misc]


def _watch_pages(marks: dict[str, float]) -> None:
    """Note when the app has built the pages it left for after the first paint, then quit.

    ``Application.finish`` is what the desktop start runs after the first paint; it is wrapped here
    (the app is otherwise untouched) so the figure can say how long the whole app takes to be ready.
    """
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from postback_studio import app

    finish = app.Application.finish

    def noted(self: app.Application) -> None:
        finish(self)
        marks.setdefault("ready", time.perf_counter())
        if "exposed" in marks:
            _write(marks)
            QTimer.singleShot(0, QApplication.instance().quit)  # type: ignore[union-attr]

    app.Application.finish = noted  # type: ignore[method-assign]


def _write(marks: dict[str, float]) -> None:
    Path(os.environ["PS_STARTUP_REPORT"]).write_text(json.dumps(marks), encoding="utf-8")


def _baseline() -> int:
    from PySide6.QtWidgets import QApplication, QMainWindow

    application = QApplication(sys.argv[:1])
    window = QMainWindow()
    window.setWindowTitle("baseline")
    window.resize(1280, 800)
    window.show()
    return int(application.exec())


def main() -> None:
    marks: dict[str, float] = {"interpreter": STARTED}
    mode, *rest = sys.argv[1:]
    _install_watch(marks, wait_for_pages=mode == "app")
    if mode == "baseline":
        sys.exit(_baseline())
    _watch_pages(marks)
    sys.argv = ["postback-studio", *rest]
    runpy.run_module("postback_studio", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
