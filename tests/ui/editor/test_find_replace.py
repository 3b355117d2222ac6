"""The find/replace bar as a user drives it from the editor's keyboard."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from postback_studio.ui.editor.code_editor import CodeEditor
from postback_studio.ui.editor.find_replace import FindReplaceBar

TEXT = '{"a": "{{ item.sku }}", "b": "{{ Item.name }}", "c": "{{ item.qty }}"}'


def make(qtbot: QtBot) -> tuple[QWidget, CodeEditor, FindReplaceBar]:
    """An editor with its bar in a shown window; the caller keeps the window alive."""
    host = QWidget()
    qtbot.addWidget(host)
    editor = CodeEditor()
    bar = FindReplaceBar(editor)
    layout = QVBoxLayout(host)
    layout.addWidget(editor)
    layout.addWidget(bar)
    editor.setPlainText(TEXT)
    host.show()
    editor.setFocus()
    return host, editor, bar


def test_ctrl_f_opens_find_and_typing_selects_first_match(qtbot: QtBot) -> None:
    _host, editor, bar = make(qtbot)
    qtbot.keyClick(editor, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert bar.isVisible() and not bar.replace_edit.isVisible()
    qtbot.keyClicks(bar.find_edit, "ite")
    with qtbot.waitSignal(bar.match_selected) as selected:
        qtbot.keyClick(bar.find_edit, Qt.Key.Key_M)
    assert selected.args == [10, 14]
    assert bar.status_label.text() == "1 of 3"


def test_next_previous_wrap_and_match_case(qtbot: QtBot) -> None:
    _host, editor, bar = make(qtbot)
    bar.open_find()
    bar.find_edit.setText("item")
    bar.match_case_box.setChecked(True)
    assert editor.textCursor().selectedText() == "item"
    with qtbot.waitSignal(bar.match_selected) as second:
        qtbot.mouseClick(bar.next_button, Qt.MouseButton.LeftButton)
    assert second.args[0] == TEXT.index("item.qty")
    with qtbot.waitSignal(bar.match_selected) as wrapped:
        qtbot.keyClick(editor, Qt.Key.Key_F3)
    assert wrapped.args[0] == TEXT.index("item.sku")
    with qtbot.waitSignal(bar.match_selected) as back:
        qtbot.mouseClick(bar.previous_button, Qt.MouseButton.LeftButton)
    assert back.args[0] == TEXT.index("item.qty")


def test_no_match_state_and_invalid_regex(qtbot: QtBot) -> None:
    _host, _editor, bar = make(qtbot)
    bar.open_find()
    with qtbot.waitSignal(bar.match_missed):
        qtbot.keyClicks(bar.find_edit, "zz")
    assert bar.no_match and bar.status_label.text() == "No match"
    bar.find_edit.clear()
    bar.regex_box.setChecked(True)
    with qtbot.waitSignal(bar.match_missed):
        qtbot.keyClicks(bar.find_edit, "(")
    assert "invalid regular expression" in bar.status_label.text()
    bar.find_edit.clear()
    qtbot.keyClicks(bar.find_edit, r"item\.\w+")
    assert not bar.no_match


def test_replace_one_and_replace_all_with_undo(qtbot: QtBot) -> None:
    _host, editor, bar = make(qtbot)
    qtbot.keyClick(editor, Qt.Key.Key_H, Qt.KeyboardModifier.ControlModifier)
    assert bar.replace_edit.isVisible()
    bar.find_edit.setText("item")
    bar.replace_edit.setText("line")
    with qtbot.waitSignal(bar.replaced) as one:
        qtbot.mouseClick(bar.replace_button, Qt.MouseButton.LeftButton)
    assert one.args == [1]
    assert editor.toPlainText().count("line.") == 1
    with qtbot.waitSignal(bar.replaced) as rest:
        qtbot.mouseClick(bar.replace_all_button, Qt.MouseButton.LeftButton)
    assert rest.args == [2]
    assert "item" not in editor.toPlainText().lower()
    editor.undo()
    assert editor.toPlainText().lower().count("item") == 2


def test_regex_replace_uses_groups_and_escape_closes(qtbot: QtBot) -> None:
    _host, editor, bar = make(qtbot)
    bar.open_replace()
    bar.regex_box.setChecked(True)
    bar.match_case_box.setChecked(True)
    bar.find_edit.setText(r"item\.(\w+)")
    bar.replace_edit.setText(r"it.\1")
    assert bar.replace_all() == 2
    assert "it.sku" in editor.toPlainText() and "Item.name" in editor.toPlainText()
    qtbot.keyClick(bar.find_edit, Qt.Key.Key_Escape)
    assert not bar.isVisible()
