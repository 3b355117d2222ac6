"""Regenerate the screenshots in docs/screenshots/ from the real app on a fresh demo workspace.

Run: ``QT_QPA_PLATFORM=offscreen python docs/screenshots.py [--out docs/screenshots]``

Each shot drives the app the way a user would (pages, buttons, a local inbox on 127.0.0.1) and grabs
the main window at 1280x800. Nothing here reaches the network beyond loopback, and no secret is
typed into a visible field.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")

from PySide6.QtCore import QCoreApplication, QEventLoop, QSettings, QTimer
from PySide6.QtWidgets import QApplication

from postback_studio.app import Application, build_application

SIZE = (1280, 800)


def settle(ms: int = 300) -> None:
    """Let queued signals, background jobs and debounce timers run before a grab."""
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()
    QCoreApplication.processEvents()


def wait_until(condition: Callable[[], bool], timeout_ms: int = 10_000) -> None:
    """Spin the event loop until ``condition`` holds (a background render or send finished)."""
    waited = 0
    while not condition() and waited < timeout_ms:
        settle(50)
        waited += 50


def shoot(app: Application, out: Path, name: str) -> Path:
    """Grab the main window into ``out/name.png``."""
    settle()
    path = out / f"{name}.png"
    app.window.grab().save(str(path))
    print(path)
    return path


def shots(app: Application, out: Path) -> list[Path]:
    """Every shot the README and the user guide show, in the order of the help article."""
    taken: list[Path] = []
    for page in ("Customers", "Triggers", "Lookups", "Settings", "Requests", "Inbox"):
        app.window.show_page(page)
        taken.append(shoot(app, out, page.lower()))
    app.window.show_page("Templates")
    taken.append(shoot(app, out, "templates"))
    return taken


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "screenshots")
    parser.add_argument("--theme", choices=["light", "dark"], default="light")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    qapp = QApplication.instance() or QApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory() as tmp:
        settings = QSettings(str(Path(tmp) / "settings.ini"), QSettings.Format.IniFormat)
        settings.setValue("theme", args.theme)
        app = build_application(Path(tmp) / "demo.sqlite", settings=settings)
        app.window.resize(*SIZE)
        app.window.show()
        try:
            shots(app, args.out)
        finally:
            app.window.close()
            app.close()
    del qapp
    return 0


if __name__ == "__main__":
    sys.exit(main())
