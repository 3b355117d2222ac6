"""The standalone build's program: the ``postback-studio`` command, frozen.

In the frozen build ``sys.executable`` is this program, not a Python interpreter, so the render
engine's ``sys.executable -m postback_studio.core.render.worker`` arrives here: the one module the
app starts that way is run as Python's ``-m`` would. Everything else is the normal command line.

``POSTBACK_STUDIO_SMOKE_SECONDS=N`` (used by the build's smoke test and start-up measurement) prints
``window shown <seconds>`` once the main window is visible and closes it N seconds later, so the
app shuts down as it does when a user closes it.
"""

from __future__ import annotations

import os
import runpy
import sys
import time

_STARTED = time.perf_counter()
#: Modules the app itself starts with ``sys.executable -m``.
_CHILD_MODULES = frozenset({"postback_studio.core.render.worker"})


def _arm_smoke_quit(seconds: float) -> object:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    poll = QTimer(app)
    poll.setInterval(10)

    def check() -> None:
        shown = [w for w in app.topLevelWidgets() if isinstance(w, QMainWindow) and w.isVisible()]
        if shown:
            poll.stop()
            print(f"window shown {time.perf_counter() - _STARTED:.3f}", flush=True)
            QTimer.singleShot(int(seconds * 1000), shown[0].close)

    poll.timeout.connect(check)
    poll.start()
    return app


def main() -> int:
    """Dispatch a worker child, else run the command line."""
    if len(sys.argv) >= 3 and sys.argv[1] == "-m" and sys.argv[2] in _CHILD_MODULES:
        module = sys.argv[2]
        sys.argv = [sys.argv[0], *sys.argv[3:]]
        runpy.run_module(module, run_name="__main__", alter_sys=True)
        return 0
    from postback_studio.cli import build_parser
    from postback_studio.cli import main as cli_main

    smoke = os.environ.get("POSTBACK_STUDIO_SMOKE_SECONDS")
    opens_gui = smoke and build_parser().parse_known_args()[0].command is None
    _app = _arm_smoke_quit(float(smoke)) if opens_gui else None
    return cli_main()


if __name__ == "__main__":
    sys.exit(main())
