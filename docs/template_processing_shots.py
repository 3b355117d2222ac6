"""Shoot the Requests page's Template processing tab for every kind of attempt.

Run from the repository root: ``QT_QPA_PLATFORM=offscreen PYTHONPATH=. python
docs/template_processing_shots.py [--out docs/screenshots/template-processing]``.

Each attempt is a real send through the delivery service to a local inbox and SMTP catcher on
127.0.0.1 (the same sends as ``tests/ui/test_requests_detail_contract.py``, which asserts what these
pictures show): a plain webhook, a signed webhook, an email, a template error, an output blocked as
invalid, and a failed attempt. The page reads the real log through its real reader, as in the app.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QThreadPool
from PySide6.QtWidgets import QApplication

from docs.screenshots import wait_until
from postback_studio.core.dispatch.inbox import HttpInbox, SmtpCatcher
from postback_studio.core.render.engine import RenderEngine
from postback_studio.services.files import UserFiles
from postback_studio.services.request_log import RequestLogReader
from postback_studio.services.session import Session
from postback_studio.ui.requests_page import RequestsPage
from postback_studio.workers.jobs import JobRunner
from tests.support.sends import send_every_kind

#: The Template processing tab's index in the detail (Original payload, Template processing, ...).
PROCESSING_TAB = 1


def shoot_every_kind(out: Path, size: tuple[int, int] = (1024, 700)) -> list[Path]:
    """One PNG per kind of attempt, named after the kind, in ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    taken: list[Path] = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ws.sqlite"
        Session.open(path).close()
        with RenderEngine() as engine, HttpInbox() as inbox, SmtpCatcher() as catcher:
            sends = send_every_kind(path, engine, inbox, catcher, sleep=lambda _seconds: None)
        page = RequestsPage(
            lambda: RequestLogReader.open(path), jobs=JobRunner(QThreadPool()), files=UserFiles(path)
        )
        page.resize(*size)
        page.show()
        wait_until(lambda: page.model.rowCount() >= len(sends))
        shown: list[int] = []
        page.detail_shown.connect(shown.append)
        for kind, sent in sends.items():
            row = next(i for i in range(page.model.rowCount()) if page.model.row_at(i).id == sent.request_id)
            page.table.selectRow(row)
            wait_until(lambda sent=sent: sent.request_id in shown)
            page.detail.tabs.setCurrentIndex(PROCESSING_TAB)
            wait_until(lambda: False, 300)
            shot = out / f"{kind.replace(' ', '-')}.png"
            page.grab().save(str(shot))
            print(shot)
            taken.append(shot)
        page.wait_for_workers()
        page.close()
    return taken


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    default = Path(__file__).parent / "screenshots" / "template-processing"
    parser.add_argument("--out", type=Path, default=default)
    args = parser.parse_args(argv)
    qapp = QApplication.instance() or QApplication(sys.argv[:1])
    shoot_every_kind(args.out)
    del qapp
    return 0


if __name__ == "__main__":
    sys.exit(main())
