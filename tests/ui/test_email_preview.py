"""Email previews keep the author's colours: white paper whatever the application theme."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from postback_studio.ui.email_preview import EmailPreview, PreviewWidth
from postback_studio.ui.theme import dark_palette


@pytest.fixture
def dark_app(qapp: QApplication) -> Iterator[QApplication]:
    before = qapp.palette()
    qapp.setPalette(dark_palette())
    yield qapp
    qapp.setPalette(before)


def test_preview_stays_white_in_dark_theme(qtbot: QtBot, dark_app: QApplication) -> None:
    preview = EmailPreview()
    qtbot.addWidget(preview)
    preview.resize(800, 500)
    preview.set_html("<p>Plain paragraph with no colours of its own</p>")
    preview.show()
    qtbot.waitExposed(preview)
    viewport = preview.browser.viewport()
    assert viewport.palette().color(QPalette.ColorRole.Base) == QColor("#ffffff")
    assert preview.browser.palette().color(QPalette.ColorRole.Text) == QColor("#1a1a1a")
    image = viewport.grab().toImage()
    assert image.pixelColor(image.width() - 5, image.height() - 5) == QColor("#ffffff")
    dark_app.setPalette(dark_palette())
    assert preview.browser.viewport().palette().color(QPalette.ColorRole.Base) == QColor("#ffffff")


def test_phone_width_narrows_the_canvas(qtbot: QtBot) -> None:
    preview = EmailPreview()
    qtbot.addWidget(preview)
    preview.resize(1000, 600)
    preview.show()
    with qtbot.waitSignal(preview.width_changed) as blocker:
        preview.phone_button.click()
    assert blocker.args == ["phone"]
    assert preview.width_mode is PreviewWidth.PHONE
    assert 375 <= preview.browser.width() < 420
    with qtbot.waitSignal(preview.width_changed):
        preview.set_width_mode(PreviewWidth.DESKTOP)
    qtbot.waitUntil(lambda: preview.browser.width() > 800)
