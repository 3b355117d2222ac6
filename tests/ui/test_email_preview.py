"""Email previews keep the author's colours: white paper whatever the application theme."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from postback_studio.ui.email_preview import EmailPreview, PreviewWidth
from postback_studio.ui.theme import DARK_THEME, palette_for


@pytest.fixture
def dark_app(qapp: QApplication) -> Iterator[QApplication]:
    before = qapp.palette()
    qapp.setPalette(palette_for(DARK_THEME))
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
    dark_app.setPalette(palette_for(DARK_THEME))
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


def test_desktop_lays_the_message_out_wider_than_phone_and_scrolls_in_a_narrow_pane(qtbot: QtBot) -> None:
    """Issue 13: "Desktop" was narrower than "Phone (375 px)" in a narrow preview pane."""
    preview = EmailPreview()
    qtbot.addWidget(preview)
    preview.resize(330, 500)
    preview.set_html("<table width='100%'><tr><td>" + "word " * 400 + "</td></tr></table>")
    preview.show()
    qtbot.waitExposed(preview)
    document = preview.browser.document()
    assert preview.width_mode is PreviewWidth.DESKTOP
    qtbot.waitUntil(lambda: document.textWidth() == PreviewWidth.DESKTOP.pixels == 800)
    assert preview.browser.horizontalScrollBar().maximum() > 0, "the desktop page scrolls, it is not squeezed"
    preview.set_width_mode(PreviewWidth.PHONE)
    qtbot.waitUntil(lambda: document.textWidth() == PreviewWidth.PHONE.pixels == 375)
    assert preview.desktop_button.text() == "Desktop (800 px)"
    assert preview.phone_button.text() == "Phone (375 px)"
