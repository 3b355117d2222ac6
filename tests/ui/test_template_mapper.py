"""The Template Mapper view as a user drives it (data fed through its methods, as the page does)."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt, QThreadPool
from PySide6.QtGui import QPalette, QTextCursor
from pytestqt.qtbot import QtBot

from postback_studio.core.model import OutputFormat
from postback_studio.core.render.result import Diagnostic, Location, RenderResult, Severity, Where
from postback_studio.ui.template_mapper import TemplateMapperView
from postback_studio.workers.jobs import JobRunner
from postback_studio.workers.render_worker import RenderWorker
from tests.fixtures import shipped_payload

LOOP_TEMPLATE = (
    '{"items": [\n'
    "{% for item in items %}\n"
    "  {% for fulfillment in item.fulfillments %}\n"
    '    {"tracking": "X"}\n'
    "  {% endfor %}\n"
    "{% endfor %}\n"
    "]}"
)
BROKEN_OUTPUT = '{\n  "a": 1\n  "b": 2\n}'
OUTPUT_ERROR = Diagnostic(Severity.ERROR, "json-syntax", "expecting ','", Location(Where.OUTPUT, 3, 3))
FIELD_WARNING = Diagnostic(
    Severity.WARNING,
    "unresolved-field",
    "item.carrierName is not in the payload",
    Location(Where.TEMPLATE, 4, 20),
)


def make_view(qtbot: QtBot, template: str = LOOP_TEMPLATE) -> TemplateMapperView:
    view = TemplateMapperView()
    qtbot.addWidget(view)
    view.resize(1280, 800)
    view.set_events([("shipped", "Order shipped"), ("shipped.multi-item", "Order shipped (multi-item)")])
    view.set_template(template, "json", "Order shipped (JSON)")
    view.set_payload(shipped_payload())
    view.show()
    return view


def test_typing_asks_for_a_render_and_ctrl_enter_renders_now(qtbot: QtBot) -> None:
    view = make_view(qtbot, "")
    with qtbot.waitSignal(view.template_edited):
        qtbot.keyClicks(view.editor, "x")
    with qtbot.waitSignal(view.render_requested):
        qtbot.keyClick(view.editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert view.template_text() == "x"
    with qtbot.waitSignal(view.render_requested):
        qtbot.mouseClick(view.render_button, Qt.MouseButton.LeftButton)


def test_tree_double_click_inserts_loop_relative_expression(qtbot: QtBot) -> None:
    view = make_view(qtbot)
    view.editor.goto(4, len('    {"tracking": ') + 1)
    cursor = view.editor.textCursor()
    cursor.movePosition(QTextCursor.MoveOperation.Right, QTextCursor.MoveMode.KeepAnchor, 3)
    view.editor.setTextCursor(cursor)
    item = view.payload_tree.find_item(("items", 0, "fulfillments", 0, "trackingCode"))
    assert item is not None
    view.payload_tree.scrollToItem(item)
    rect = view.payload_tree.visualItemRect(item)
    viewport = view.payload_tree.viewport()
    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=rect.center())
    with qtbot.waitSignal(view.template_edited):
        qtbot.mouseDClick(viewport, Qt.MouseButton.LeftButton, pos=rect.center())
    # The selection ("X", quotes included) is a JSON value: the field goes in as one (issue 13).
    assert '    {"tracking": {{ fulfillment.trackingCode|tojson }}}' in view.template_text()


def test_broken_json_shows_status_marks_output_line_and_problems_jump(qtbot: QtBot) -> None:
    view = make_view(qtbot)
    view.show_result(RenderResult(BROKEN_OUTPUT, OutputFormat.JSON, (FIELD_WARNING, OUTPUT_ERROR)))
    assert view.status_label.text() == "Invalid JSON: line 3, column 3: expecting ','"
    assert view.output_view.toPlainText() == BROKEN_OUTPUT
    assert view.output_view.marked_output_line == 3
    assert view.editor.marks() == ((4, Severity.WARNING, "item.carrierName is not in the payload"),)
    assert view.problems_title.text() == "Problems: 1 error, 1 warning"
    with qtbot.waitSignal(view.problems.problem_activated):
        view.problems.setCurrentItem(view.problems.topLevelItem(1))
        qtbot.keyClick(view.problems, Qt.Key.Key_Return)
    assert view.editor.cursor_line_column() == (4, 20)
    view.pretty_toggle.setChecked(True)
    with qtbot.waitSignal(view.problems.problem_activated):
        view.problems.setCurrentItem(view.problems.topLevelItem(0))
        qtbot.keyClick(view.problems, Qt.Key.Key_Return)
    assert view.output_view.cursor_line_column() == (3, 3)


def test_pretty_toggle_reindents_valid_output_only(qtbot: QtBot) -> None:
    view = make_view(qtbot)
    view.show_result(RenderResult('{"a":[1]}', OutputFormat.JSON))
    assert view.status_label.text() == "Valid JSON"
    view.pretty_toggle.setChecked(True)
    assert view.output_view.toPlainText() == '{\n  "a": [\n    1\n  ]\n}'
    view.pretty_toggle.setChecked(False)
    assert view.output_view.toPlainText() == '{"a":[1]}'


def test_failed_render_keeps_the_same_templates_preview_marked_stale(qtbot: QtBot) -> None:
    view = make_view(qtbot)
    view.show_result(RenderResult('{"a": 1}', OutputFormat.JSON))
    assert not view.output_is_stale()
    view.show_render_failed("render timed out after 2 s", keep_stale=True)
    assert view.output_view.toPlainText() == '{"a": 1}'
    assert view.output_is_stale() and view.stale_label.isVisibleTo(view)
    assert view.status_label.text() == "Render failed: render timed out after 2 s"
    view.show_result(RenderResult('{"a": 2}', OutputFormat.JSON))
    assert not view.output_is_stale()


def test_a_render_without_output_never_leaves_an_unmarked_output(qtbot: QtBot) -> None:
    view = make_view(qtbot)
    view.show_result(RenderResult('{"a": 1}', OutputFormat.JSON))
    view.show_result(RenderResult(None, OutputFormat.JSON, (OUTPUT_ERROR,)))
    assert view.output_view.toPlainText() == ""
    assert not view.output_is_stale()
    view.show_result(RenderResult('{"a": 1}', OutputFormat.JSON))
    view.show_render_failed("render timed out after 2 s")
    assert view.output_view.toPlainText() == ""


def test_user_payload_errors_name_line_and_column_and_keep_the_tree(qtbot: QtBot) -> None:
    view = make_view(qtbot)
    view.set_payload({"orderId": "A"}, read_only=False)
    with qtbot.waitSignal(view.payload_rejected) as rejected:
        view.payload_editor.setPlainText('{\n  "orderId": "A"\n  "x": 1\n}')
    assert rejected.args == ["line 3, column 3: Expecting ',' delimiter"]
    assert view.payload_status.text() == "Invalid JSON: line 3, column 3: Expecting ',' delimiter"
    assert view.payload_tree.find_item(("orderId",)) is not None
    with qtbot.waitSignal(view.payload_edited) as edited:
        view.payload_editor.setPlainText('{"orderReferenceId": "B"}')
    assert edited.args == [{"orderReferenceId": "B"}]
    assert view.payload_tree.find_item(("orderReferenceId",)) is not None


def test_built_in_sample_is_read_only(qtbot: QtBot) -> None:
    view = make_view(qtbot)
    assert view.payload_editor.isReadOnly()
    assert json.loads(view.payload_editor.toPlainText()) == shipped_payload()


def test_event_picker_reports_its_key(qtbot: QtBot) -> None:
    view = make_view(qtbot)
    view.set_current_event("shipped")
    with qtbot.waitSignal(view.event_selected) as selected:
        view.event_combo.setCurrentIndex(1)
    assert selected.args == ["shipped.multi-item"]


def test_typing_renders_in_the_background_with_a_worker(qtbot: QtBot) -> None:
    def render(template: object) -> RenderResult:
        return RenderResult(str(template).replace("{{ orderId }}", '"A"'), OutputFormat.JSON)

    view = make_view(qtbot, "")
    pool = QThreadPool()
    worker = RenderWorker(render, JobRunner(pool), debounce_ms=10)
    view.template_edited.connect(lambda: worker.schedule(view.template_text()))
    worker.render_finished.connect(lambda _seq, result: view.show_result(result))
    with qtbot.waitSignal(worker.render_finished):
        qtbot.keyClicks(view.editor, '{"id": {{ orderId }}}')
        qtbot.keyClick(view.editor, Qt.Key.Key_Escape)
    assert view.output_view.toPlainText() == '{"id": "A"}'
    assert view.status_label.text() == "Valid JSON"
    pool.waitForDone()


def test_output_spans_from_the_worker_are_used_and_dark_palette_applies(qtbot: QtBot) -> None:
    from postback_studio.core.highlight import lexer_for, line_spans
    from postback_studio.ui.editor.highlighter import DARK_PALETTE

    view = make_view(qtbot)
    output = '{"a": 1}'
    lexed = view.output_view.highlighter.lex_count
    view.show_result(RenderResult(output, OutputFormat.JSON), line_spans(output, lexer_for("json", False)))
    assert view.output_view.toPlainText() == output
    assert view.output_view.highlighter.lex_count == lexed
    view.set_palette(DARK_PALETTE)
    assert view.editor.palette().color(QPalette.ColorRole.Base).name() == DARK_PALETTE.background
    assert not view.editor.styleSheet(), "a style sheet would freeze the editor's palette"


def test_insert_inside_an_open_tag_adds_no_braces(qtbot: QtBot) -> None:
    view = make_view(qtbot, "{% if  %}")
    view.editor.goto(1, 7)
    assert view.insert_payload_path(("fulfillmentStatus",)) == "fulfillmentStatus"
    assert view.template_text() == "{% if fulfillmentStatus %}"


def _put_cursor_at_bar(view: TemplateMapperView, template: str, fmt: str) -> None:
    view.set_template(template.replace("|", "", 1), fmt, "t")
    cursor = view.editor.textCursor()
    cursor.setPosition(template.index("|"))
    view.editor.setTextCursor(cursor)


def test_a_field_goes_in_as_a_json_value_a_string_part_or_escaped_markup(qtbot: QtBot) -> None:
    """Issue 13: `"ref": {{ item.productName }}` gave `"ref": Poster A3`; now the context decides."""
    view = make_view(qtbot)
    cases = [
        ('{\n  "ref": |\n}', "json", '{\n  "ref": {{ orderReferenceId|tojson }}\n}'),
        ('{\n  "ref": "PO-|"\n}', "json", '{\n  "ref": "PO-{{ orderReferenceId }}"\n}'),
        ("<order><ref>|</ref></order>", "xml", "<order><ref>{{ orderReferenceId|e }}</ref></order>"),
        ('<p title="|">', "html", '<p title="{{ orderReferenceId|e }}">'),
        ("Order |", "text", "Order {{ orderReferenceId }}"),
    ]
    for template, fmt, expected in cases:
        _put_cursor_at_bar(view, template, fmt)
        with qtbot.waitSignal(view.template_edited):
            view.payload_tree.path_activated.emit(("orderReferenceId",))
        assert view.template_text() == expected, fmt
