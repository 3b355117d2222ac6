"""Side panels hidden in one run come back at a usable size in the next, from the Templates menu.

A panel hidden when the layout is saved is remembered with no room in its splitters (Qt reports 0
for a hidden pane); showing it again must give it room in each of them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from postback_studio.ui.mapper_panels import PANELS
from postback_studio.ui.template_mapper import TemplateMapperView
from postback_studio.ui.templates_page import TemplatesPage
from tests.ui.conftest import shown_app

USABLE = 80
#: What a run that quit with the panel hidden left in the settings (the sizes Qt reported then).
SAVED_HIDDEN = {
    "library": {"templates/layout/hidden": "library", "templates/layout/left": [0, 722]},
    "payload": {"templates/layout/hidden": "payload", "templates/layout/left": [722, 0]},
    "preview": {"templates/layout/hidden": "preview", "templates/layout/columns": [269, 853, 0]},
}


def _room(view: TemplateMapperView, name: str) -> int:
    """The smaller of the panel's width and height: both must leave something to use."""
    panel = {"library": view.library_pane, "payload": view.payload_pane, "preview": view.right}[name]
    assert panel is not None
    return min(panel.width(), panel.height())


@pytest.mark.parametrize("name", PANELS)
@pytest.mark.parametrize("size", [(1024, 700), (1280, 800)])
def test_a_panel_hidden_before_a_restart_is_shown_at_a_usable_size(
    qtbot: QtBot, tmp_path: Path, name: str, size: tuple[int, int]
) -> None:
    with shown_app(qtbot, tmp_path, size, **SAVED_HIDDEN[name]) as app:
        app.window.show_page("Templates")
        page: TemplatesPage = app.pages["Templates"]  # type: ignore[assignment]
        qtbot.waitUntil(page.view.isVisible)
        action = page.menu.panel_actions[PANELS.index(name)]
        assert not action.isChecked()
        action.trigger()
        assert action.isChecked()
        qtbot.waitUntil(lambda: _room(page.view, name) >= USABLE)
        assert page.view.panels.shown(name)


def test_showing_the_library_before_the_page_was_ever_shown_uses_the_default_share(
    qtbot: QtBot, tmp_path: Path
) -> None:
    with shown_app(qtbot, tmp_path, (1280, 800), **SAVED_HIDDEN["library"]) as app:
        page: TemplatesPage = app.pages["Templates"]  # type: ignore[assignment]
        app.window.show_page("Customers")
        page.menu.panel_actions[PANELS.index("library")].trigger()
        app.window.show_page("Templates")
        qtbot.waitUntil(lambda: _room(page.view, "library") >= USABLE)
