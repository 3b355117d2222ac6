"""A child process for the crash-recovery test: open the Templates page, type, wait for an autosave.

It prints ``autosaved`` once the draft is on disk and then keeps running until the test kills it
with SIGKILL, so nothing gets a chance to clean up.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")

from PySide6.QtCore import QSettings, QThreadPool
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from postback_studio.core.render.engine import RenderEngine
from postback_studio.services.session import Session
from postback_studio.ui.templates_page import TemplatesPage
from postback_studio.workers.jobs import JobRunner


def main(workspace_path: str, settings_path: str, typed: str) -> int:
    app = QApplication(sys.argv[:1])
    session = Session.open(Path(workspace_path))
    engine = RenderEngine()
    settings = QSettings(settings_path, QSettings.Format.IniFormat)
    page = TemplatesPage.for_session(
        session, engine=engine, jobs=JobRunner(QThreadPool()), settings=settings, autosave_ms=200
    )
    page.show()
    page.view.editor.moveCursor(page.view.editor.textCursor().MoveOperation.End)
    page.draft_autosaved.connect(lambda key: print(f"autosaved {key}", flush=True))
    QTest.keyClicks(page.view.editor, typed)
    return int(app.exec())


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
