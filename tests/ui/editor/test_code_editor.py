"""The code editor as a user drives it: typing, completion, comments, marks, brackets."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QTextCursor
from pytestqt.qtbot import QtBot

from postback_studio.core.render.result import Severity
from postback_studio.ui.editor.code_editor import CodeEditor
from postback_studio.ui.editor.highlighter import DARK_PALETTE
from tests.fixtures import shipped_payload


def make_editor(qtbot: QtBot, text: str = "", **kwargs: object) -> CodeEditor:
    editor = CodeEditor(**kwargs)  # type: ignore[arg-type]
    qtbot.addWidget(editor)
    editor.resize(600, 400)
    editor.show()
    editor.setPlainText(text)
    editor.set_payload(shipped_payload())
    editor.moveCursor(QTextCursor.MoveOperation.End)
    return editor


def test_autocomplete_inside_nested_loops_accepts_with_tab(qtbot: QtBot) -> None:
    editor = make_editor(qtbot, "{% for item in items %}\n  {% for fulfillment in item.fulfillments %}\n    ")
    qtbot.keyClicks(editor, "{{ fulfillment.track")
    popup = editor.completion_popup
    assert popup.isVisible()
    labels = [popup.topLevelItem(i).text(0) for i in range(popup.topLevelItemCount())]
    assert labels == ["trackingCode", "trackingUrl"]
    assert popup.topLevelItem(0).text(2) == '"1Z999AA10123456784"'
    qtbot.keyClick(editor, Qt.Key.Key_Down)
    with qtbot.waitSignal(editor.completion_accepted) as accepted:
        qtbot.keyClick(editor, Qt.Key.Key_Tab)
    assert accepted.args == ["trackingUrl"]
    assert editor.toPlainText().endswith("{{ fulfillment.trackingUrl")
    assert not popup.isVisible()


def test_enter_accepts_and_lookups_places_the_cursor_inside(qtbot: QtBot) -> None:
    editor = make_editor(qtbot)
    qtbot.keyClicks(editor, "{{ looku")
    with qtbot.waitSignal(editor.completion_accepted):
        qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert editor.toPlainText() == '{{ lookups({"": }, strict=False, default="")'
    assert editor.cursor_offset() == len('{{ lookups({"')


def test_escape_closes_popup_and_plain_text_opens_none(qtbot: QtBot) -> None:
    editor = make_editor(qtbot)
    qtbot.keyClicks(editor, '{"order": ')
    assert not editor.completion_popup.isVisible()
    qtbot.keyClicks(editor, "{{ ")
    assert editor.completion_popup.isVisible()
    qtbot.keyClick(editor, Qt.Key.Key_Escape)
    assert not editor.completion_popup.isVisible()


def test_ctrl_space_asks_explicitly(qtbot: QtBot) -> None:
    editor = make_editor(qtbot, "{{ orderId ~ ")
    qtbot.keyClick(editor, Qt.Key.Key_Space, Qt.KeyboardModifier.ControlModifier)
    assert editor.completion_popup.isVisible()


def test_enter_keeps_and_adds_indentation(qtbot: QtBot) -> None:
    editor = make_editor(qtbot, '  "items": [')
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.keyClicks(editor, "{% for item in items %}")
    qtbot.keyClick(editor, Qt.Key.Key_Escape)
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert editor.toPlainText() == '  "items": [\n    {% for item in items %}\n      '


def test_ctrl_slash_toggles_jinja_comment_as_one_undo_step(qtbot: QtBot) -> None:
    editor = make_editor(qtbot, 'a\n  "b": 1\nc')
    cursor = editor.textCursor()
    cursor.setPosition(0)
    cursor.setPosition(4, QTextCursor.MoveMode.KeepAnchor)
    editor.setTextCursor(cursor)
    with qtbot.waitSignal(editor.comment_toggled):
        qtbot.keyClick(editor, Qt.Key.Key_Slash, Qt.KeyboardModifier.ControlModifier)
    assert editor.toPlainText() == '{# a #}\n  {# "b": 1 #}\nc'
    editor.undo()
    assert editor.toPlainText() == 'a\n  "b": 1\nc'
    editor.redo()
    assert editor.toPlainText().startswith("{# a #}")


def test_marks_paint_and_explain_themselves(qtbot: QtBot) -> None:
    editor = make_editor(qtbot, "a\nb\nc")
    editor.set_marks([(2, Severity.ERROR, "unexpected '}'"), (2, "warning", "unresolved field x")])
    assert editor.marks() == (
        (2, Severity.ERROR, "unexpected '}'"),
        (2, Severity.WARNING, "unresolved field x"),
    )

    def line_y(line: int) -> int:
        return editor.cursorRect(QTextCursor(editor.document().findBlockByNumber(line - 1))).center().y()

    assert editor.gutter.mark_message_at(line_y(2)) == "error: unexpected '}'\nwarning: unresolved field x"
    assert editor.gutter.mark_message_at(line_y(1)) == ""
    assert not editor.grab().isNull()


def test_goto_line_and_column(qtbot: QtBot) -> None:
    editor = make_editor(qtbot, "first\nsec😀nd line\nthird")
    editor.goto(2, 5)
    assert editor.cursor_line_column() == (2, 5)
    assert editor.cursor_offset() == len("first\nsec😀")
    editor.goto(99, 99)
    assert editor.cursor_line_column() == (3, 6)


def test_bracket_and_jinja_tag_matching(qtbot: QtBot) -> None:
    editor = make_editor(qtbot, '{"a": {{ x }}}')
    editor.goto(1, 7)
    assert editor.bracket_match_ranges() == [(6, 2), (11, 2)]
    editor.goto(1, 1)
    assert editor.bracket_match_ranges() == [(0, 1), (13, 1)]


def test_output_mode_is_read_only_and_marks_a_line(qtbot: QtBot) -> None:
    editor = make_editor(qtbot, '{\n  "a": 1\n  "b": 2\n}', output_mode=True)
    assert editor.isReadOnly()
    qtbot.keyClicks(editor, "{{ ")
    assert editor.toPlainText().startswith("{\n")
    assert not editor.completion_popup.isVisible()
    editor.mark_output_line(3)
    assert editor.marked_output_line == 3
    assert editor.textCursor().blockNumber() == 2
    editor.mark_output_line(None)
    assert editor.marked_output_line is None


def test_highlighter_lexes_once_per_change_and_switches_palette(qtbot: QtBot) -> None:
    editor = make_editor(qtbot, "\n".join(f'  "k{i}": "{{{{ v{i} }}}}",' for i in range(50)))
    editor.highlighter.rehighlight()
    before = editor.highlighter.lex_count
    editor.highlighter.rehighlight()
    assert editor.highlighter.lex_count == before
    qtbot.keyClicks(editor, "x")
    assert editor.highlighter.lex_count == before + 1
    block = editor.document().findBlockByNumber(0)
    assert any(r.format.foreground().color().name() == "#8250df" for r in block.layout().formats())
    editor.set_palette(DARK_PALETTE)
    block = editor.document().findBlockByNumber(0)
    assert any(r.format.foreground().color().name() == "#c586c0" for r in block.layout().formats())


def test_set_text_with_spans_does_not_lex_on_the_gui_thread(qtbot: QtBot) -> None:
    from postback_studio.core.highlight import lexer_for, line_spans

    editor = make_editor(qtbot, output_mode=True)
    text = '{"orderId": "A"}'
    editor.highlighter.rehighlight()
    before = editor.highlighter.lex_count
    editor.set_text(text, line_spans(text, lexer_for("json", template=False)))
    assert editor.toPlainText() == text
    assert editor.highlighter.lex_count == before
    formats = editor.document().firstBlock().layout().formats()
    assert formats


def test_block_and_element_tags_are_matched(qtbot: QtBot) -> None:
    text = "<items>{% for i in items %}<item/>{% endfor %}</items>"
    editor = make_editor(qtbot, text, fmt="xml")
    editor.goto(1, 12)
    assert editor.bracket_match_ranges() == [(7, 20), (34, 12)]
    editor.goto(1, 3)
    assert editor.bracket_match_ranges() == [(0, 7), (46, 8)]


def test_output_text_is_replaced_where_it_changed_and_stays_exact(qtbot: QtBot) -> None:
    editor = make_editor(qtbot, output_mode=True)
    texts = ['{\n  "a": 1\n}', '{\n  "a": 12\n}', '{\n  "a": 12\n}\n', "x", "", '{"😀": "é"}', '{"😀": "éé"}']
    for text in texts:
        editor.set_text(text)
        assert editor.toPlainText() == text
    assert editor.document().firstBlock().layout().formats()


def test_placeholder_is_whole_while_empty_and_never_over_text(qtbot: QtBot) -> None:
    hinted = make_editor(qtbot)
    hinted.setPlaceholderText("Paste the body the receiver wants here")
    bare = make_editor(qtbot)

    def first_line(editor: CodeEditor) -> QImage:
        editor.setCursorWidth(0)
        block = editor.document().firstBlock()
        rect = editor.blockBoundingGeometry(block).translated(editor.contentOffset()).toAlignedRect()
        return editor.viewport().grab(rect).toImage()

    def whole(editor: CodeEditor) -> QImage:
        editor.setCursorWidth(0)
        return editor.viewport().grab().toImage()

    assert first_line(hinted) != first_line(bare), "the current-line band hides the hint's first line"
    for editor in (hinted, bare):
        qtbot.keyClicks(editor, '{"a": 1}')
    assert whole(hinted) == whole(bare)
    for editor in (hinted, bare):
        editor.moveCursor(QTextCursor.MoveOperation.Start)
        for _ in range(len('{"a": 1}')):
            qtbot.keyClick(editor, Qt.Key.Key_Delete)
    assert hinted.toPlainText() == ""
    assert first_line(hinted) != first_line(bare), "emptied by Delete, the hint shows whole again"
    qtbot.keyClicks(hinted, "x")
    qtbot.keyClicks(bare, "x")
    assert whole(hinted) == whole(bare)


def test_output_lines_changed_all_over_are_replaced_in_place(qtbot: QtBot) -> None:
    """A keystroke in a template's loop changes a line per item all over the output: only those
    lines are replaced, the document is not rebuilt (which costs several ms for thousands of lines)."""
    from postback_studio.core.highlight import lexer_for, line_spans

    editor = make_editor(qtbot, output_mode=True)
    lines = [f'  {{"sku": "A-{n}", "carrier": "UPS"}},' for n in range(200)]
    before = "[\n" + "\n".join(lines) + "\n]"
    editor.set_text(before, line_spans(before, lexer_for("json", template=False)))
    editor.document().findBlockByNumber(100).setUserState(42)
    after = before.replace('"A-5', '"B-5').replace('"A-19', '"B-19')  # lines 6, 51..60, 20, 191..200
    editor.set_text(after, line_spans(after, lexer_for("json", template=False)))
    assert editor.toPlainText() == after
    assert editor.document().findBlockByNumber(100).userState() == 42
    assert editor.document().findBlockByNumber(6).layout().formats()
