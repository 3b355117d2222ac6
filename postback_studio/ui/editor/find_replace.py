"""The find/replace bar under the template editor (Ctrl+F, Ctrl+H, F3, Shift+F3, Escape).

A thin adapter over :mod:`postback_studio.core.textsearch`: it reads the editor's text, asks core
where the matches are, and selects them in the editor.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent, QTextCursor
from PySide6.QtWidgets import (
    QCheckBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QToolButton,
    QWidget,
)

from postback_studio.core.textpos import from_utf16, to_utf16
from postback_studio.core.textsearch import Query, QueryError, find, find_all, replace_all, replacement_for
from postback_studio.ui.tones import Tone, set_tone


class FindReplaceBar(QWidget):
    """Find and replace in one editor.

    The bar watches the editor's keys (an event filter), so Ctrl+F, Ctrl+H, F3 and Shift+F3 work
    while typing in the editor without window-wide shortcuts.

    Signals:
        match_selected(int, int): a match was selected; start and end character offsets.
        match_missed(): the pattern has no match (the "no match" state).
        replaced(int): how many matches a Replace or Replace All changed.
    """

    match_selected = Signal(int, int)
    match_missed = Signal()
    replaced = Signal(int)

    def __init__(self, editor: QPlainTextEdit, parent: QWidget | None = None) -> None:
        """Create the (hidden) bar for ``editor`` and start watching its keys."""
        super().__init__(parent)
        self._editor = editor
        self.find_edit = QLineEdit(placeholderText="Find")
        self.replace_edit = QLineEdit(placeholderText="Replace with")
        self.match_case_box = QCheckBox("Match case")
        self.regex_box = QCheckBox("Regex")
        self.previous_button = QPushButton("Previous")
        self.next_button = QPushButton("Next")
        self.replace_button = QPushButton("Replace")
        self.replace_all_button = QPushButton("Replace all")
        self.status_label = QLabel()
        self.close_button = QToolButton(text="✕", autoRaise=True, toolTip="Close (Escape)")
        layout = QGridLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.setHorizontalSpacing(4)
        layout.setVerticalSpacing(2)
        layout.addWidget(self.find_edit, 0, 0)
        layout.addWidget(self.previous_button, 0, 1)
        layout.addWidget(self.next_button, 0, 2)
        layout.addWidget(self.match_case_box, 0, 3)
        layout.addWidget(self.regex_box, 0, 4)
        layout.addWidget(self.status_label, 0, 5)
        layout.addWidget(self.close_button, 0, 6)
        layout.addWidget(self.replace_edit, 1, 0)
        layout.addWidget(self.replace_button, 1, 1)
        layout.addWidget(self.replace_all_button, 1, 2)
        layout.setColumnStretch(0, 1)
        self._replace_widgets = (self.replace_edit, self.replace_button, self.replace_all_button)
        self.find_edit.textChanged.connect(self._on_find_edit_changed)
        self.find_edit.returnPressed.connect(self.find_next)
        self.replace_edit.returnPressed.connect(self.replace_current)
        self.next_button.clicked.connect(self.find_next)
        self.previous_button.clicked.connect(self.find_previous)
        self.replace_button.clicked.connect(self.replace_current)
        self.replace_all_button.clicked.connect(self.replace_all)
        self.match_case_box.toggled.connect(self._on_option_toggled)
        self.regex_box.toggled.connect(self._on_option_toggled)
        self.close_button.clicked.connect(self.close_bar)
        editor.installEventFilter(self)
        self.installEventFilter(self)
        self.hide()

    # -- opening and closing -------------------------------------------------------------------

    def open_find(self) -> None:
        """Show the find row, seeded with the editor's selection, and focus it."""
        self._open(replace=False)

    def open_replace(self) -> None:
        """Show the find and replace rows."""
        self._open(replace=True)

    def _open(self, replace: bool) -> None:
        selected = self._editor.textCursor().selectedText()
        if selected and "\u2029" not in selected:
            self.find_edit.setText(selected)
        for widget in self._replace_widgets:
            widget.setVisible(replace)
        self.show()
        self.find_edit.setFocus()
        self.find_edit.selectAll()

    def close_bar(self) -> None:
        """Hide the bar and give the focus back to the editor."""
        self.hide()
        self._editor.setFocus()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Ctrl+F, Ctrl+H, F3 and Shift+F3 from the editor; Escape from the bar."""
        if event.type() != QEvent.Type.KeyPress or not isinstance(event, QKeyEvent):
            return False
        key, modifiers = event.key(), event.modifiers()
        control = modifiers == Qt.KeyboardModifier.ControlModifier
        if control and key == Qt.Key.Key_F:
            self.open_find()
            return True
        if control and key == Qt.Key.Key_H:
            self.open_replace()
            return True
        if key == Qt.Key.Key_F3:
            shift = bool(modifiers & Qt.KeyboardModifier.ShiftModifier)
            self.find_previous() if shift else self.find_next()
            return True
        if watched is self and key == Qt.Key.Key_Escape:
            self.close_bar()
            return True
        return False

    # -- searching -----------------------------------------------------------------------------

    def query(self) -> Query:
        """The query the bar's fields describe."""
        return Query(self.find_edit.text(), self.match_case_box.isChecked(), self.regex_box.isChecked())

    @property
    def no_match(self) -> bool:
        """True in the "no match" state (pattern set, nothing found, or an invalid regex)."""
        return self.find_edit.property("noMatch") is True

    def find_next(self) -> bool:
        """Select the next match after the selection, wrapping around; False if none."""
        text = self._editor.toPlainText()
        start = from_utf16(text, self._editor.textCursor().selectionEnd())
        return self._search(text, start, backwards=False)

    def find_previous(self) -> bool:
        """Select the match before the selection, wrapping around; False if none."""
        text = self._editor.toPlainText()
        start = from_utf16(text, self._editor.textCursor().selectionStart())
        return self._search(text, start, backwards=True)

    def _search(self, text: str, start: int, backwards: bool) -> bool:
        try:
            matches = find_all(text, self.query())
            span = find(text, self.query(), start, backwards=backwards)
        except QueryError as error:
            self._set_state(str(error), no_match=True)
            return False
        if span is None:
            self._set_state("No match" if self.find_edit.text() else "", no_match=bool(self.find_edit.text()))
            return False
        self._select(text, span)
        self._set_state(f"{matches.index(span) + 1} of {len(matches)}", no_match=False)
        self.match_selected.emit(*span)
        return True

    def _select(self, text: str, span: tuple[int, int]) -> None:
        cursor = self._editor.textCursor()
        cursor.setPosition(to_utf16(text, span[0]))
        cursor.setPosition(to_utf16(text, span[1]), QTextCursor.MoveMode.KeepAnchor)
        self._editor.setTextCursor(cursor)
        self._editor.ensureCursorVisible()

    def _set_state(self, message: str, no_match: bool) -> None:
        self.status_label.setText(message)
        self.find_edit.setProperty("noMatch", no_match)
        set_tone(self.find_edit, Tone.FIELD_ERROR if no_match else None)
        if no_match:
            self.match_missed.emit()

    def _on_find_edit_changed(self, _text: str) -> None:
        text = self._editor.toPlainText()
        self._search(text, from_utf16(text, self._editor.textCursor().selectionStart()), backwards=False)

    def _on_option_toggled(self, _checked: bool) -> None:
        self._on_find_edit_changed(self.find_edit.text())

    # -- replacing -----------------------------------------------------------------------------

    def replace_current(self) -> None:
        """Replace the selected match (or find one first), then select the next match."""
        if self._editor.isReadOnly():
            return
        text = self._editor.toPlainText()
        cursor = self._editor.textCursor()
        span = (from_utf16(text, cursor.selectionStart()), from_utf16(text, cursor.selectionEnd()))
        try:
            is_match = span in find_all(text, self.query())
        except QueryError as error:
            self._set_state(str(error), no_match=True)
            return
        if not is_match:
            self.find_next()
            return
        cursor.insertText(replacement_for(text, self.query(), span, self.replace_edit.text()))
        self.replaced.emit(1)
        self.find_next()

    def replace_all(self) -> int:
        """Replace every match as one undo step; returns how many were replaced."""
        if self._editor.isReadOnly():
            return 0
        text = self._editor.toPlainText()
        try:
            new_text, count = replace_all(text, self.query(), self.replace_edit.text())
        except QueryError as error:
            self._set_state(str(error), no_match=True)
            return 0
        if count == 0:
            self._set_state("No match", no_match=True)
            return 0
        cursor = QTextCursor(self._editor.document())
        cursor.beginEditBlock()
        cursor.select(QTextCursor.SelectionType.Document)
        cursor.insertText(new_text)
        cursor.endEditBlock()
        self._set_state(f"Replaced {count}", no_match=False)
        self.replaced.emit(count)
        return count
