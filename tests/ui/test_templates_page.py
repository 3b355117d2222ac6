"""The Templates page driven as a user would, on a real workspace file and a real render engine."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt, QThreadPool
from PySide6.QtGui import QGuiApplication, QTextCursor
from PySide6.QtWidgets import QMainWindow
from pytestqt.qtbot import QtBot

from postback_studio.core.model import (
    Customer,
    LookupTable,
    OutputFormat,
    Template,
    TemplateKind,
    TemplateStatus,
)
from postback_studio.core.render.engine import RenderEngine
from postback_studio.core.template_library import content_of
from postback_studio.services.session import Session
from postback_studio.ui.prompts import UnsavedChoice
from postback_studio.ui.templates_page import TemplatesPage
from postback_studio.workers.jobs import JobRunner
from tests.support.prompter import ScriptedPrompter

ARTICLE = "order-shipped-article"


@pytest.fixture(scope="module")
def engine() -> Iterator[RenderEngine]:
    with RenderEngine(time_limit=1.0) as render_engine:
        yield render_engine


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[Session]:
    with Session.open(tmp_path / "ws.sqlite") as ws:
        yield ws


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@dataclass
class Harness:
    page: TemplatesPage
    prompter: ScriptedPrompter
    workspace: Session


@pytest.fixture
def harness(qtbot: QtBot, workspace: Session, engine: RenderEngine, settings: QSettings) -> Harness:
    prompter = ScriptedPrompter()
    page = make_page(qtbot, workspace, engine, settings, prompter)
    return Harness(page, prompter, workspace)


def make_page(
    qtbot: QtBot,
    workspace: Session,
    engine: RenderEngine,
    settings: QSettings,
    prompter: ScriptedPrompter,
    **kwargs: object,
) -> TemplatesPage:
    pool = QThreadPool()
    page = TemplatesPage.for_session(
        workspace, engine=engine, jobs=JobRunner(pool), settings=settings, prompter=prompter, debounce_ms=50,
        **kwargs,
    )
    qtbot.addWidget(page)
    page.resize(1280, 800)
    with qtbot.waitSignal(page.preview_updated, timeout=10_000):
        page.show()
    return page


def open_named(qtbot: QtBot, page: TemplatesPage, name: str) -> None:
    template = page._templates.get_by_name(name)
    assert template is not None and template.id is not None
    item = page._item_for(template.id)
    assert item is not None
    with qtbot.waitSignal(page.preview_updated):
        page.template_list.setCurrentItem(item)


def shows_editor_text(page: TemplatesPage) -> bool:
    """True when the render on show is of the text now in the editor."""
    render = page.last_render()
    return render is not None and page.view.template_text() in content_of(render.request.template)


def replace_text(qtbot: QtBot, page: TemplatesPage, text: str) -> None:
    editor = page.view.editor
    editor.selectAll()
    shown = lambda: shows_editor_text(page)  # noqa: E731 - a one-line condition
    with qtbot.waitSignal(page.preview_updated, timeout=5000, check_params_cb=shown):
        qtbot.keyClick(editor, Qt.Key.Key_Delete)
        editor.insertPlainText(text)


def test_typing_renders_the_preview(qtbot: QtBot, harness: Harness) -> None:
    page = harness.page
    open_named(qtbot, page, "order-shipped")
    replace_text(qtbot, page, '{"order": "{{ orderReferenceId }}"}')
    assert page.view.status_label.text() == "Valid JSON"
    assert '"order": "' in page.view.output_view.toPlainText()
    assert page.has_unsaved_changes()
    assert page.view.template_title.text().startswith("• order-shipped")


def test_broken_json_marks_the_output_line_and_a_problem_moves_the_cursor(
    qtbot: QtBot, harness: Harness
) -> None:
    page = harness.page
    replace_text(qtbot, page, '{\n  "a": "{{ orderId }}"\n  "b": "{{ missingField }}"\n}')
    assert page.view.status_label.text().startswith("Invalid JSON: output line 3, column 3: expecting")
    assert page.view.output_view.marked_output_line == 3
    problems = page.view.problems
    warning = next(d for d in problems.diagnostics() if d.code == "unresolved-field")
    assert warning.location is not None
    with qtbot.waitSignal(problems.problem_activated):
        problems.problem_activated.emit(warning)
    assert page.view.editor.cursor_line_column()[0] == warning.location.line == 3


def test_insert_a_field_from_the_tree_inside_a_loop(qtbot: QtBot, harness: Harness) -> None:
    page = harness.page
    replace_text(qtbot, page, '[{% for item in items %}\n"X"\n{% endfor %}]')
    page.view.editor.goto(2, 2)
    cursor = page.view.editor.textCursor()
    cursor.movePosition(QTextCursor.MoveOperation.Right, QTextCursor.MoveMode.KeepAnchor, 1)
    page.view.editor.setTextCursor(cursor)
    tree = page.view.payload_tree
    item = tree.find_item(("items", 0, "itemReferenceId"))
    assert item is not None
    tree.scrollToItem(item)
    rect = tree.visualItemRect(item)
    qtbot.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    with qtbot.waitSignal(page.preview_updated):
        qtbot.mouseDClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert "\"{{ item.itemReferenceId }}\"" in page.view.template_text()
    assert page.view.status_label.text() == "Valid JSON"


def test_accept_an_autocomplete_suggestion_inside_a_loop(qtbot: QtBot, harness: Harness) -> None:
    page = harness.page
    replace_text(qtbot, page, "{% for item in items %}\n\n{% endfor %}")
    editor = page.view.editor
    editor.setFocus()
    editor.goto(2, 1)
    qtbot.keyClicks(editor, "{{ item.itemRef")
    assert editor.completion_popup.isVisible()
    with qtbot.waitSignal(editor.completion_accepted) as accepted:
        qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert accepted.args == ["itemReferenceId"]
    assert "{{ item.itemReferenceId" in page.view.template_text()


def test_check_all_samples_finds_the_article_multi_item_mistake(qtbot: QtBot, harness: Harness) -> None:
    page = harness.page
    open_named(qtbot, page, ARTICLE)
    with qtbot.waitSignal(page.check_finished, timeout=20_000) as finished:
        qtbot.mouseClick(page.check_button, Qt.MouseButton.LeftButton)
    dialog = page.check_dialog
    assert dialog is not None
    assert dialog.result_of("shipped") == "pass"
    assert dialog.result_of("shipped.multi-item") == "FAIL"
    assert [row.sample for row in finished.args[0].failed] == ["shipped.multi-item"]
    row = dialog.row_of("shipped.multi-item")
    rect = dialog.table.visualItemRect(dialog.table.item(row, 0))
    qtbot.mouseClick(dialog.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    with qtbot.waitSignal(page.preview_updated):
        qtbot.mouseDClick(dialog.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert page.view.current_event() == "shipped.multi-item"
    assert page.view.status_label.text().startswith("Invalid JSON")


def test_save_change_and_restore_a_version(qtbot: QtBot, harness: Harness) -> None:
    page = harness.page
    open_named(qtbot, page, "order-shipped")
    replace_text(qtbot, page, '{"v": 1}')
    with qtbot.waitSignal(page.template_saved):
        page.menu.save_action.trigger()
    assert not page.has_unsaved_changes()
    assert not page.view.template_title.text().startswith("•")
    replace_text(qtbot, page, '{"v": 2}')
    page.menu.save_action.trigger()
    template = page.current_template()
    assert template is not None and template.id is not None
    numbers = [v.number for v in harness.workspace.templates.versions(template.id)]
    dialog = page.open_history()
    assert dialog is not None
    dialog.select_version(numbers[-2])
    assert [r.kind.value for r in dialog.rows] == ["changed"]
    assert dialog.old_pane.toPlainText() == '{"v": 1}'
    with qtbot.waitSignal(page.preview_updated):
        qtbot.mouseClick(dialog.restore_button, Qt.MouseButton.LeftButton)
    assert page.view.template_text() == '{"v": 1}'
    assert harness.workspace.templates.get(template.id).body == '{"v": 1}'


def test_unsaved_changes_prompt_before_switching(qtbot: QtBot, harness: Harness) -> None:
    page = harness.page
    open_named(qtbot, page, "order-shipped")
    replace_text(qtbot, page, '{"edited": true}')
    other = harness.workspace.templates.get_by_name("order-failed")
    assert other is not None
    harness.prompter.unsaved = [UnsavedChoice.CANCEL, UnsavedChoice.DISCARD]
    page.template_list.setCurrentItem(page._item_for(other.id))
    current = page.current_template()
    assert current is not None and current.name == "order-shipped"
    assert page.view.template_text() == '{"edited": true}'
    with qtbot.waitSignal(page.preview_updated):
        page.template_list.setCurrentItem(page._item_for(other.id))
    current = page.current_template()
    assert current is not None and current.name == "order-failed"
    assert harness.prompter.asked_unsaved == 2
    assert not page.has_unsaved_changes()
    saved = harness.workspace.templates.get_by_name("order-shipped")
    assert saved is not None and "edited" not in saved.body


def test_export_and_import_a_j2_file(qtbot: QtBot, harness: Harness, tmp_path: Path) -> None:
    page, prompter, store = harness.page, harness.prompter, harness.workspace.templates
    open_named(qtbot, page, "order-shipped")
    exported = page.export_template(tmp_path / "out.json.j2")
    assert exported is not None
    original = page.current_template()
    assert original is not None and exported.read_text(encoding="utf-8") == original.body
    names = {t.name for t in store.list()}

    plan = page.import_template(exported)
    assert plan is not None and plan.existing is None and plan.template.name == "out"
    assert page.view.template_text() == original.body and page.has_unsaved_changes()
    assert {t.name for t in store.list()} == names, "an import writes nothing before Save"
    assert page.save()
    saved = store.get_by_name("out")
    assert saved is not None and saved.status is TemplateStatus.DRAFT and saved.body == original.body

    again = tmp_path / "order-shipped.json.j2"
    again.write_text('{"imported": true}', encoding="utf-8")
    versions = len(store.versions(original.id)) if original.id is not None else 0
    prompter.choices = [None, 0]
    assert page.import_template(again) is None, "Cancel in the replace-or-add question"
    assert store.get_by_name("order-shipped") == original and not page.has_unsaved_changes()
    plan = page.import_template(again)
    assert plan is not None and plan.existing == original
    [(text, choices), _] = prompter.chosen_from
    assert f"replace its content (version {versions + 1} of 'order-shipped': 1 template changed)" in text
    assert "become the new template 'order-shipped 2' (1 template added)" in text
    assert choices == [f"Replace (version {versions + 1})", "Add as 'order-shipped 2'"]
    assert page.view.template_text() == '{"imported": true}' and page.has_unsaved_changes()
    assert store.get_by_name("order-shipped") == original, "nothing written until Save"

    broken = tmp_path / "bad.email.j2"
    broken.write_text("{% block subject %}Hi{% endblock %}\nstray text\n", encoding="utf-8")
    prompter.unsaved = [UnsavedChoice.DISCARD]
    assert page.import_template(broken) is None
    assert prompter.errors == [
        f"{broken}:2: text outside the subject/html/text blocks of an email template"
    ]
    assert store.get_by_name("order-shipped") == original


def test_import_of_a_j2_file_holding_xml_makes_an_xml_template(
    qtbot: QtBot, harness: Harness, tmp_path: Path
) -> None:
    source = tmp_path / "acme-shipped.j2"
    source.write_text('{# Acme wants XML #}\n<shipment order="{{ orderReferenceId }}"/>\n', encoding="utf-8")
    with qtbot.waitSignal(harness.page.preview_updated):
        imported = harness.page.import_template(source)
    assert imported is not None and imported.template.format is OutputFormat.XML
    assert harness.workspace.templates.get_by_name("acme-shipped") is None, "nothing written before Save"
    assert harness.page.save()
    stored = harness.workspace.templates.get_by_name("acme-shipped")
    assert stored is not None and stored.format is OutputFormat.XML


def test_email_preview_shows_subject_html_and_text(qtbot: QtBot, harness: Harness) -> None:
    page = harness.page
    email = next(t for t in harness.workspace.templates.list() if t.kind is TemplateKind.EMAIL)
    open_named(qtbot, page, email.name)
    preview = page.email_preview
    assert page.email_bar.isVisible() and preview.isVisible()
    assert not page.view.output_view.isVisible()
    assert "ACME-100234" in preview.subject_label.text()
    assert preview.html_text().strip()
    assert preview.text_view.toPlainText().strip()
    assert not preview.warning_label.isVisible()
    preview.set_phone_width(True)
    assert preview.canvas.width() < 500
    page.part_tabs.setCurrentIndex(1)
    page.view.editor.selectAll()
    with qtbot.waitSignal(page.preview_updated):
        qtbot.keyClick(page.view.editor, Qt.Key.Key_Delete)
    assert preview.warning_label.isVisible()
    assert "no text part" in preview.warning_label.text()


def test_a_runaway_template_is_stopped_and_the_page_stays_usable(qtbot: QtBot, harness: Harness) -> None:
    page = harness.page
    runaway = "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"
    replace_text(qtbot, page, runaway)
    assert "stopped" in page.view.status_label.text()
    assert any(d.code == "time-limit" for d in page.view.problems.diagnostics())
    replace_text(qtbot, page, '{"ok": true}')
    assert page.view.status_label.text() == "Valid JSON"


def test_user_payloads_new_edit_invalid_save_import_delete(
    qtbot: QtBot, harness: Harness, tmp_path: Path
) -> None:
    page = harness.page
    open_named(qtbot, page, "order-shipped")
    harness.prompter.texts = ["big order"]
    with qtbot.waitSignal(page.preview_updated):
        assert page.samples.new_from_builtin()
    choice = page.samples.current()
    assert choice is not None and not choice.builtin and choice.label == "Order shipped: big order (yours)"
    assert not page.view.payload_editor.isReadOnly()
    good_output = page.view.output_view.toPlainText()
    payload_editor = page.view.payload_editor
    with qtbot.waitSignal(page.view.payload_rejected) as rejected:
        payload_editor.goto(1, 1)
        qtbot.keyClicks(payload_editor, "x")
    assert rejected.args[0].startswith("line 1, column 1")
    assert page.view.payload_status.text().startswith("Invalid JSON: line 1, column 1")
    assert page.view.output_view.toPlainText() == good_output
    assert page.has_unsaved_changes()
    assert not page.samples.save()
    assert harness.prompter.errors[-1].startswith("line 1, column 1")
    with qtbot.waitSignal(page.preview_updated):
        qtbot.keyClick(payload_editor, Qt.Key.Key_Backspace)
    assert page.samples.save()
    assert not page.has_unsaved_changes()
    bad = tmp_path / "bad.json"
    bad.write_text('{\n  "a": 1,\n}', encoding="utf-8")
    assert not page.samples.import_sample(bad)
    assert harness.prompter.errors[-1].startswith(f"{bad}:3:1: not valid JSON")
    good = tmp_path / "mine.json"
    good.write_text('{"orderId": "X-1", "items": []}', encoding="utf-8")
    harness.prompter.texts = [None]
    assert not page.samples.import_sample(good), "Cancel in the name question: nothing imported"
    assert [s.name for s in harness.workspace.samples.list()] == ["big order"]
    with qtbot.waitSignal(page.preview_updated):
        assert page.samples.import_sample(good)
    assert [s.name for s in harness.workspace.samples.list()] == ["big order", "mine"]
    harness.prompter.confirms = [True]
    with qtbot.waitSignal(page.preview_updated):
        assert page.samples.delete()
    assert page.view.current_event() == "shipped"
    assert [s.name for s in harness.workspace.samples.list()] == ["big order"]


def test_library_new_rename_duplicate_delete_status_and_filter(qtbot: QtBot, harness: Harness) -> None:
    page = harness.page
    ws = harness.workspace
    harness.prompter.texts = ["order-shipped-v2"]
    with qtbot.waitSignal(page.preview_updated):
        created = page.new_template(TemplateKind.WEBHOOK, OutputFormat.XML)
    assert created is not None and created.format.value == "xml"
    assert page.view.status_label.text() == "Valid XML"
    harness.prompter.texts = ["renamed"]
    assert page.rename_template()
    assert ws.templates.get_by_name("renamed") is not None
    with qtbot.waitSignal(page.preview_updated):
        copy = page.duplicate_template()
    assert copy is not None and copy.name == "renamed copy"
    qtbot.mouseClick(page.active_check, Qt.MouseButton.LeftButton)
    assert ws.templates.get_by_name("renamed copy").status is TemplateStatus.ACTIVE  # type: ignore[union-attr]
    page.filter_edit.setText("copy active")
    visible = [i.text(0) for i in page.library.items() if not i.isHidden()]
    assert visible == ["renamed copy\nwebhook · XML · active · Shared"]
    page.filter_edit.clear()
    harness.prompter.confirms = [False, True]
    assert not page.delete_template()
    with qtbot.waitSignal(page.preview_updated):
        assert page.delete_template()
    assert ws.templates.get_by_name("renamed copy") is None


def test_delete_is_refused_while_a_trigger_uses_the_template(qtbot: QtBot, harness: Harness) -> None:
    page = harness.page
    used = next(t for t in harness.workspace.triggers.list() if t.template_id is not None)
    template = harness.workspace.templates.get(used.template_id)  # type: ignore[arg-type]
    open_named(qtbot, page, template.name)
    harness.prompter.confirms = [True]
    assert not page.delete_template()
    assert harness.prompter.questions == []  # no "cannot be undone?" for a delete that is refused
    assert f"is used by trigger(s) '{used.name}'" in harness.prompter.errors[-1]
    assert harness.workspace.templates.get_by_name(template.name) is not None


def test_splitters_last_template_and_sample_are_remembered(
    qtbot: QtBot, harness: Harness, engine: RenderEngine, settings: QSettings
) -> None:
    page = harness.page
    open_named(qtbot, page, "order-shipped")
    with qtbot.waitSignal(page.preview_updated):
        page.select_sample("shipped.multi-item")
    page.view.columns.setSizes([200, 700, 330])
    page.view.panels.set_shown("payload", False)
    page.save_state()
    again = make_page(qtbot, harness.workspace, engine, settings, ScriptedPrompter())
    current = again.current_template()
    assert current is not None and current.name == "order-shipped"
    assert again.view.current_event() == "shipped.multi-item"
    assert again.view.columns.sizes()[0] == page.view.columns.sizes()[0]
    assert not again.view.panels.shown("payload") and again.view.panels.shown("library")


def test_shared_templates_preview_with_the_chosen_customers_lookups(qtbot: QtBot, harness: Harness) -> None:
    page = harness.page
    ws = harness.workspace
    customer = ws.customers.list()[0]
    table = ws.lookups.save(
        LookupTable(name="Codes", template_field="code", rows=(("a", "Alpha"),), customer_id=customer.id)
    )
    key, value = table.rows[0]
    call = f'lookups({{"{table.template_field}": "{key}"}}, strict=False, default="none")'
    body = f'{{"v": "{{{{ {call} }}}}"}}'
    harness.prompter.texts = ["shared"]
    with qtbot.waitSignal(page.preview_updated):
        page.new_template(TemplateKind.WEBHOOK, OutputFormat.JSON)
    replace_text(qtbot, page, body)
    assert page.customer_combo.isEnabled()
    assert '"none"' in page.view.output_view.toPlainText()
    with qtbot.waitSignal(page.preview_updated):
        page.customer_combo.setCurrentIndex(page.customer_combo.findData(customer.id))
    assert f'"{value}"' in page.view.output_view.toPlainText()


def test_unsaved_edits_are_offered_back_after_the_app_is_killed(
    qtbot: QtBot, tmp_path: Path, engine: RenderEngine, settings: QSettings
) -> None:
    path = tmp_path / "ws.sqlite"
    Session.open(path).close()
    script = str(Path(__file__).with_name("recovery_child.py"))
    with subprocess.Popen(
        [sys.executable, script, str(path), str(tmp_path / "child.ini"), "typed before the crash"],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])},
    ) as child:
        try:
            assert child.stdout is not None
            line = child.stdout.readline()
            assert line.startswith("autosaved template-")
        finally:
            child.send_signal(signal.SIGKILL)
            child.wait()
    assert child.returncode == -signal.SIGKILL
    with Session.open(path) as workspace:
        prompter = ScriptedPrompter(restores=[True])
        page = make_page(qtbot, workspace, engine, settings, prompter)
        drafts = page.pending_recoveries()
        assert len(drafts) == 1 and drafts[0].body.endswith("typed before the crash")
        with qtbot.waitSignal(page.preview_updated):
            assert page.offer_recoveries() == 1
        assert page.view.template_text().endswith("typed before the crash")
        assert page.has_unsaved_changes()
        current = page.current_template()
        assert current is not None and current.id == drafts[0].template_id
        assert "typed before" not in workspace.templates.get(current.id).body
        with qtbot.waitSignal(page.template_saved):
            page.save()
        assert page._recovery.pending() == []


def test_discarding_a_recovered_draft_removes_it(
    qtbot: QtBot, harness: Harness, engine: RenderEngine, settings: QSettings
) -> None:
    page = harness.page
    replace_text(qtbot, page, '{"draft": 1}')
    with qtbot.waitSignal(page.draft_autosaved):
        assert page.write_draft() is not None
    assert page.write_draft() is None
    again = make_page(qtbot, harness.workspace, engine, settings, ScriptedPrompter(restores=[False]))
    assert len(again.pending_recoveries()) == 1
    assert again.offer_recoveries() == 0
    assert again._recovery.pending() == []


def test_actions_have_distinct_shortcuts_and_ctrl_s_saves(qtbot: QtBot, harness: Harness) -> None:
    page = harness.page
    shortcuts = {a.text(): a.shortcut().toString() for a in page.actions()}
    assert shortcuts["Save Template"] == "Ctrl+S"
    assert shortcuts["Render Preview"] == "Ctrl+Return"
    assert shortcuts["Check Against All Samples"] == "Ctrl+Shift+K"
    bound = [s for s in shortcuts.values() if s]
    assert len(bound) == len(set(bound))
    window = QMainWindow()
    qtbot.addWidget(window)
    window.setCentralWidget(page)
    window.addActions(page.actions())
    window.show()
    try:
        replace_text(qtbot, page, '{"saved": "by shortcut"}')
        page.view.editor.setFocus()
        with qtbot.waitSignal(page.template_saved):
            qtbot.keyClick(page.view.editor, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
        assert not page.has_unsaved_changes()
    finally:
        window.takeCentralWidget()


def test_a_problem_in_the_text_part_opens_that_part(qtbot: QtBot, harness: Harness) -> None:
    page = harness.page
    email = next(t for t in harness.workspace.templates.list() if t.kind is TemplateKind.EMAIL)
    open_named(qtbot, page, email.name)
    page.part_tabs.setCurrentIndex(1)
    replace_text(qtbot, page, "Hello\n{{ nothing.here }}\n")
    page.part_tabs.setCurrentIndex(0)
    problem = next(d for d in page.view.problems.diagnostics() if d.location and d.location.part == "text")
    page.view.problems.problem_activated.emit(problem)
    assert page.part_tabs.currentIndex() == 1
    assert page.view.template_text() == "Hello\n{{ nothing.here }}\n"
    assert page.view.editor.cursor_line_column()[0] == 2


def test_paste_a_payload_from_the_clipboard(qtbot: QtBot, harness: Harness) -> None:
    page = harness.page
    clipboard = QGuiApplication.clipboard()
    clipboard.setText("not json")
    assert not page.samples.paste()
    assert harness.prompter.errors[-1].startswith("The clipboard does not hold JSON: line 1, column 1")
    clipboard.setText('{"orderId": "PASTED-1", "items": []}')
    harness.prompter.texts = ["from clipboard"]
    with qtbot.waitSignal(page.preview_updated):
        assert page.samples.paste()
    choice = page.samples.current()
    assert choice is not None and choice.label.endswith("from clipboard (yours)")
    assert page.view.payload_tree.find_item(("orderId",)) is not None


def test_a_shared_template_previews_with_the_lookups_of_the_customer_whose_trigger_uses_it(
    qtbot: QtBot, harness: Harness
) -> None:
    page = harness.page
    trigger = next(t for t in harness.workspace.triggers.list() if t.template_id is not None)
    template = harness.workspace.templates.get(trigger.template_id)  # type: ignore[arg-type]
    open_named(qtbot, page, template.name)
    assert page.customer_combo.currentData() == trigger.customer_id
    assert page.customer_combo.isEnabled()


def test_the_sample_picker_lists_events_in_lifecycle_order(harness: Harness) -> None:
    combo = harness.page.view.event_combo
    events = list(dict.fromkeys(str(combo.itemData(i)).split(".")[0] for i in range(combo.count())))
    assert events == ["received", "produced", "shipped", "in_transit", "delivered", "failed", "canceled",
                      "returned"]
    assert combo.itemText(0) == "Order received"
    assert combo.itemText(combo.count() - 1).startswith("Order returned")


def test_a_stored_payload_of_the_users_is_not_unsaved_until_edited(qtbot: QtBot, harness: Harness) -> None:
    """Issue 10 item 4: selecting one of the user's payloads never makes it "unsaved" (no prompt when
    switching templates or quitting); only an edit does, and undoing the edit is clean again."""
    from postback_studio.core.model import Event
    from postback_studio.core.records import SamplePayload
    from postback_studio.core.template_library import user_sample_key

    page, prompter = harness.page, harness.prompter
    stored = harness.workspace.samples.save(SamplePayload(
        name="compact", event=Event.SHIPPED, payload='{"orderId":"X-1","items":[ ]}'))
    assert stored.id is not None
    open_named(qtbot, page, "order-shipped")
    page.samples.refresh()
    with qtbot.waitSignal(page.preview_updated):
        assert page.select_sample(user_sample_key(stored.id))
    # Qt says "text changed" for more than typing (formats re-applied, a programmatic fill): such a
    # signal that leaves the text as stored is not an edit.
    page.view.payload_editor.textChanged.emit()
    assert not page.has_unsaved_changes()
    assert page.confirm_discard(), "nothing to save: no question"
    open_named(qtbot, page, "order-failed")
    assert prompter.unsaved_names == [], "no 'the sample payload has unsaved changes' on switching"

    with qtbot.waitSignal(page.preview_updated):
        assert page.select_sample(user_sample_key(stored.id))
    editor = page.view.payload_editor
    editor.moveCursor(QTextCursor.MoveOperation.End)
    qtbot.keyClicks(editor, " ")
    assert page.has_unsaved_changes(), "an edit is unsaved"
    editor.undo()
    assert not page.has_unsaved_changes(), "and undoing it leaves nothing unsaved"


def test_cancel_on_a_click_in_the_list_keeps_the_edited_template_highlighted(
    qtbot: QtBot, harness: Harness
) -> None:
    """Issue 10 item 4: Cancel in the unsaved-changes prompt, asked because the user clicked another
    template, leaves the list on the template still in the editor (a real mouse click)."""
    page, prompter = harness.page, harness.prompter
    open_named(qtbot, page, "order-shipped")
    replace_text(qtbot, page, '{"edited": true}')
    shipped = page.current_template()
    other = harness.workspace.templates.get_by_name("order-failed")
    assert shipped is not None and shipped.id is not None and other is not None and other.id is not None
    target = page._item_for(other.id)
    prompter.unsaved = [UnsavedChoice.CANCEL]
    qtbot.mouseClick(page.template_list.viewport(), Qt.MouseButton.LeftButton,
                     pos=page.template_list.visualItemRect(target).center())
    assert prompter.asked_unsaved == 1
    current = page.current_template()
    assert current is not None and current.name == "order-shipped"
    assert page.view.template_text() == '{"edited": true}'
    assert page.template_list.currentItem() is page._item_for(shipped.id)
    assert page.template_list.selectedItems() == [page._item_for(shipped.id)]


def test_lookups_for_follows_each_opened_template_and_never_carries_over(
    qtbot: QtBot, harness: Harness
) -> None:
    page, ws = harness.page, harness.workspace
    trigger = next(t for t in ws.triggers.list() if t.method.value != "email")
    customer = ws.customers.save(Customer(name="Owner of one template"))
    owned = ws.templates.save(
        Template(name="owned", kind=TemplateKind.WEBHOOK, format=OutputFormat.JSON, body="{}",
                 customer_id=customer.id)
    )
    loose = ws.templates.save(Template(name="loose", kind=TemplateKind.WEBHOOK, format=OutputFormat.JSON,
                                       body="{}"))
    page.refresh_library()
    open_named(qtbot, page, owned.name)
    assert page.customer_combo.currentData() == customer.id
    assert not page.customer_combo.isEnabled()
    open_named(qtbot, page, loose.name)
    assert page.customer_combo.currentText() == "No customer (global tables)"
    assert page.customer_combo.isEnabled()
    ws.triggers.save(replace(trigger, template_id=loose.id))
    open_named(qtbot, page, owned.name)
    open_named(qtbot, page, loose.name)
    assert page.customer_combo.currentData() == trigger.customer_id
