"""Opening a template from anywhere (the Lookups page, a trigger form) asks about unsaved edits first."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from postback_studio.app import Application
from postback_studio.core.model import OutputFormat, Template, TemplateKind
from postback_studio.ui.prompts import UnsavedChoice
from postback_studio.ui.templates_page import TemplatesPage
from tests.ui.test_templates_page import ScriptedPrompter

MARK = "{# MY IMPORTANT EDIT #}"


def _edit(page: TemplatesPage) -> str:
    text = page.view.editor.toPlainText() + "\n" + MARK + "\n"
    page.view.editor.setPlainText(text)
    assert page.has_unsaved_changes()
    return text


def _scripted(page: TemplatesPage, *answers: UnsavedChoice) -> ScriptedPrompter:
    prompter = ScriptedPrompter(unsaved=list(answers))
    page.prompter = prompter  # type: ignore[assignment]
    return prompter


def _other_template(app: Application, name: str) -> int:
    shown = app.pages["Templates"].current_template()  # type: ignore[attr-defined]
    other = next(t for t in app.session.templates.list() if shown is None or t.id != shown.id)
    assert other.id is not None and other.name != name
    return other.id


def test_a_lookup_tables_used_by_asks_before_dropping_unsaved_edits(qtbot: QtBot, app: Application) -> None:
    page: TemplatesPage = app.pages["Templates"]  # type: ignore[assignment]
    shown = page.current_template()
    assert shown is not None
    text = _edit(page)
    prompter = _scripted(page, UnsavedChoice.CANCEL, UnsavedChoice.DISCARD)
    other = _other_template(app, shown.name)
    lookups = app.pages["Lookups"]
    lookups.template_requested.emit(other)  # type: ignore[attr-defined]
    assert prompter.asked_unsaved == 1
    current = page.current_template()
    assert current is not None and current.id == shown.id
    assert page.view.editor.toPlainText() == text
    assert page.template_list.currentItem() is page._item_for(shown.id)
    lookups.template_requested.emit(other)  # type: ignore[attr-defined]
    assert prompter.asked_unsaved == 2
    current = page.current_template()
    assert current is not None and current.id == other
    assert MARK not in app.session.templates.get(shown.id).body  # type: ignore[arg-type]


def test_the_trigger_forms_new_template_asks_and_save_keeps_the_edits(qtbot: QtBot, app: Application) -> None:
    page: TemplatesPage = app.pages["Templates"]  # type: ignore[assignment]
    shown = page.current_template()
    assert shown is not None and shown.id is not None
    _edit(page)
    prompter = _scripted(page, UnsavedChoice.SAVE)
    form = app.pages["Triggers"].trigger_form  # type: ignore[attr-defined]
    created = form.create_template(
        Template(name="made-from-a-trigger", kind=TemplateKind.WEBHOOK, format=OutputFormat.JSON, body="{}")
    )
    assert prompter.asked_unsaved == 1
    assert MARK in app.session.templates.get(shown.id).body
    current = page.current_template()
    assert current is not None and current.id == created.id


def test_opening_the_template_on_show_keeps_its_edits(qtbot: QtBot, app: Application) -> None:
    page: TemplatesPage = app.pages["Templates"]  # type: ignore[assignment]
    shown = page.current_template()
    assert shown is not None and shown.id is not None
    text = _edit(page)
    prompter = _scripted(page)
    assert page.open_template(shown.id)
    assert prompter.asked_unsaved == 0
    assert page.view.editor.toPlainText() == text
