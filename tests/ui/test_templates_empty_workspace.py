"""An empty workspace: the Templates page offers nothing to type into or save, and says how to start."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from postback_studio.core.model import OutputFormat, TemplateKind
from postback_studio.core.render.engine import RenderEngine
from postback_studio.services.session import Session
from postback_studio.ui.templates_page import TemplatesPage
from postback_studio.workers.jobs import JobRunner
from tests.ui.test_templates_page import ScriptedPrompter


@pytest.fixture
def empty_page(qtbot: QtBot, ws: Session, jobs: JobRunner, tmp_path: Path) -> Iterator[TemplatesPage]:
    assert ws.templates.list() == []
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    with RenderEngine(time_limit=2.0) as engine:
        page = TemplatesPage.for_session(
            ws, engine=engine, jobs=jobs, settings=settings, prompter=ScriptedPrompter(), debounce_ms=10
        )
        qtbot.addWidget(page)
        page.resize(1024, 700)
        page.show()
        yield page


def _controls(page: TemplatesPage) -> list[QWidget]:
    return [
        page.save_button, page.active_check, page.history_button, page.check_button, page.view.render_button
    ]


def test_no_template_means_a_read_only_editor_with_a_hint_and_no_actions(
    qtbot: QtBot, empty_page: TemplatesPage
) -> None:
    page = empty_page
    assert page.current_template() is None
    editor = page.view.editor
    assert editor.isReadOnly()
    assert "Create a template: Templates > New" in page.view.editor_hint.text()
    assert page.view.editor_hint.isVisibleTo(page)
    qtbot.keyClicks(editor, "lost text")
    assert editor.toPlainText() == ""
    assert not any(control.isEnabled() for control in _controls(page))
    menu = page.menu
    for action in (menu.save_action, menu.render_action, menu.check_action, menu.history_action):
        assert not action.isEnabled(), action.text()
    assert not page.save()


def test_the_first_template_makes_the_editor_usable_and_deleting_it_goes_back(
    qtbot: QtBot, empty_page: TemplatesPage
) -> None:
    page = empty_page
    prompter: ScriptedPrompter = page.prompter  # type: ignore[assignment]
    prompter.texts = ["first"]
    created = page.new_template(TemplateKind.WEBHOOK, OutputFormat.JSON)
    assert created is not None
    assert not page.view.editor.isReadOnly() and not page.view.editor_hint.isVisibleTo(page)
    assert all(control.isEnabled() for control in _controls(page))
    assert page.menu.save_action.isEnabled() and page.menu.render_action.isEnabled()
    prompter.confirms = [True]
    assert page.delete_template()
    assert page.current_template() is None
    assert page.view.editor.isReadOnly()
    assert not any(control.isEnabled() for control in _controls(page))
