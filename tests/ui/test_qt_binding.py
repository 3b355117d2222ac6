"""The Qt binding in use keeps Python's reference counts straight.

PySide6 6.12.0 on Python 3.11 drops a reference to ``None`` on every call of a Qt method that
returns nothing; ``None`` is not immortal before Python 3.12, so the process aborts with
"none_dealloc" after a few thousand calls (one repaint of a highlighted 3,000-line output is enough).
pyproject.toml excludes that version; this test catches a regression in whatever gets installed.
"""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot


def test_void_qt_calls_do_not_release_none(qtbot: QtBot) -> None:
    label = QLabel()
    qtbot.addWidget(label)
    before = sys.getrefcount(None)
    for _ in range(500):
        label.setText("x")
    assert sys.getrefcount(None) > before - 100
