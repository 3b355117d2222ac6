"""The template editor widget: a QPlainTextEdit with what a code editor needs.

Line numbers, the current line, matching brackets and Jinja delimiters, auto-indent, Ctrl+/ Jinja
comments, error and warning marks in the gutter and underlined ranges in the text (both with
tooltips, both in layers so the render, the lints and the edge cases mark independently), and
autocomplete. The gutter (:mod:`.gutter`) and the autocomplete list (:mod:`.completion_popup`) are
widgets of their own. The rules live in core (:mod:`~postback_studio.core.editing`,
:mod:`~postback_studio.core.completion`, :mod:`~postback_studio.core.highlight`); this module only
turns keys and paint events into calls to them. The same class in *output mode* is the read-only
preview of the rendered output.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QEvent, QPoint, QRect, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFocusEvent,
    QFontDatabase,
    QKeyEvent,
    QPalette,
    QResizeEvent,
    QTextCharFormat,
    QTextCursor,
    QTextFormat,
)
from PySide6.QtWidgets import (
    QPlainTextEdit,
    QTextEdit,
    QToolTip,
    QWidget,
)

from postback_studio.core.completion import Completion, complete
from postback_studio.core.editing import (
    changed_lines,
    changed_region,
    indentation_after,
    match_bracket,
    match_tag,
    toggle_jinja_comment,
)
from postback_studio.core.highlight import Span, lexer_for
from postback_studio.core.render.result import Severity
from postback_studio.core.textpos import from_utf16, to_utf16
from postback_studio.ui.editor.completion_popup import CompletionPopup
from postback_studio.ui.editor.gutter import Gutter
from postback_studio.ui.editor.highlighter import (
    DARK_PALETTE,
    LIGHT_PALETTE,
    Palette,
    TemplateHighlighter,
    ViewportHighlighter,
)

#: A gutter mark: 1-based line, severity, message.
Mark = tuple[int, Severity, str]
#: A marked range: start and end offsets into the text (characters, not UTF-16), severity, message.
Range = tuple[int, int, Severity, str]

_AUTO_COMPLETE_CHARS = frozenset("._| ")
_INDENT = "  "
#: Larger texts (a huge output) skip tag matching, which scans the whole text on each cursor move.
_TAG_MATCH_LIMIT = 500_000


class CodeEditor(QPlainTextEdit):
    """A code editor for Jinja templates (or, in output mode, a read-only view of an output).

    Signals:
        completion_accepted(str): a suggestion was inserted; carries its insert text.
        comment_toggled(): Ctrl+/ commented or uncommented the selected lines.
    """

    completion_accepted = Signal(str)
    comment_toggled = Signal()

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        output_mode: bool = False,
        fmt: str = "json",
        palette: Palette | None = None,
    ) -> None:
        """Create an editor.

        Args:
            parent: The parent widget.
            output_mode: True for the read-only preview of a rendered output (no completion,
                plain lexer for ``fmt``, :meth:`mark_output_line`).
            fmt: ``json``, ``xml``, ``html`` or ``text``: picks the highlighting.
            palette: Colours; :data:`LIGHT_PALETTE` or :data:`DARK_PALETTE` (default: the one of the
                application's theme, which the editor then follows).
        """
        super().__init__(parent)
        self._output_mode = output_mode
        palette = palette or self._theme_palette()
        self._palette = palette
        self._payload: object = None
        self._marks: dict[int, list[tuple[Severity, str]]] = {}
        self._mark_layers: dict[str, list[Mark]] = {}
        self._range_layers: dict[str, list[tuple[QTextCursor, Severity, str]]] = {}
        self._highlight_layers: set[str] = set()
        self._output_line: int | None = None
        self._format = fmt
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        font.setPointSize(max(font.pointSize(), 10))
        self.setFont(font)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.setTabStopDistance(self.fontMetrics().horizontalAdvance(" ") * 2)
        self.highlighter: TemplateHighlighter | ViewportHighlighter
        if output_mode:
            self.highlighter = ViewportHighlighter(self, lexer_for(fmt, template=False), palette)
        else:
            self.highlighter = TemplateHighlighter(self.document(), lexer_for(fmt, template=True), palette)
        self.gutter = Gutter(self, palette)
        self._popup = CompletionPopup(self)
        self._popup.completion_chosen.connect(self._on_popup_completion_chosen)
        self.blockCountChanged.connect(self._on_block_count_changed)
        self.updateRequest.connect(self.gutter.follow_update_request)
        self.cursorPositionChanged.connect(self._update_extra_selections)
        self._was_empty = self.document().isEmpty()
        self.textChanged.connect(self._on_text_changed)
        if output_mode:
            self.setReadOnly(True)
            self.setUndoRedoEnabled(False)
        self._apply_palette()
        self._on_block_count_changed(0)
        self._update_extra_selections()

    # -- configuration -------------------------------------------------------------------------

    @property
    def output_mode(self) -> bool:
        """True for the read-only output preview."""
        return self._output_mode

    @property
    def completion_popup(self) -> CompletionPopup:
        """The autocomplete popup (for tests and for the page's styling)."""
        return self._popup

    def set_format(self, fmt: str) -> None:
        """Highlight as ``fmt`` (``json``, ``xml``, ``html``, ``text``) from now on."""
        if fmt == self._format:
            return
        self._format = fmt
        self.highlighter.set_lexer(lexer_for(fmt, template=not self._output_mode))

    def set_palette(self, palette: Palette) -> None:
        """Switch between the light and the dark palette.

        Re-colouring is not an edit: the text-changed signal Qt sends while the highlighter
        re-applies its formats is held back, so a theme switch neither renders nor marks anything.
        """
        self._palette = palette
        blocked = self.blockSignals(True)
        try:
            self.highlighter.set_palette(palette)
        finally:
            self.blockSignals(blocked)
        self._apply_palette()

    def set_text(self, text: str, spans: tuple[tuple[Span, ...], ...] | None = None) -> None:
        """Replace the text; with ``spans`` already lexed (on a worker thread) nothing is lexed here.

        This is how the preview shows a large output without a stall of the GUI thread.
        """
        if spans is not None:
            self.highlighter.prime(text, spans)
        if not isinstance(self.highlighter, ViewportHighlighter):
            self.setPlainText(text)
            return
        old = self.toPlainText()
        start, old_end, new_end = changed_region(old, text)
        lines = changed_lines(old, text) if old and (old_end - start) > len(old) // 2 else None
        if lines is not None and self.document().blockCount() == old.count("\n") + 1:
            # A keystroke in a template's loop changes a line per item, all over the output: replace
            # those lines, not the whole document (rebuilding 4,000 lines costs several ms).
            self._replace_lines(lines)
        elif not old or (old_end - start) > len(old) // 2:
            self.setPlainText(text)
        elif old != text:
            # Replace only what changed: a render after a small edit changes a few lines of a
            # large output, and rebuilding the whole document each time stalls the GUI thread.
            cursor = QTextCursor(self.document())
            cursor.setPosition(to_utf16(old, start))
            cursor.setPosition(to_utf16(old, old_end), QTextCursor.MoveMode.KeepAnchor)
            cursor.insertText(text[start:new_end])
        self.highlighter.format_visible()

    def setPlaceholderText(self, text: str) -> None:
        """Set the hint shown while the editor is empty (and drop the band that would hide it)."""
        super().setPlaceholderText(text)
        self._update_extra_selections()

    def _replace_lines(self, lines: list[tuple[int, str]]) -> None:
        """Put each ``(index, text)`` in place of that line, in one edit."""
        document = self.document()
        cursor = QTextCursor(document)
        cursor.beginEditBlock()
        for index, line in lines:
            block = document.findBlockByNumber(index)
            cursor.setPosition(block.position())
            cursor.setPosition(block.position() + block.length() - 1, QTextCursor.MoveMode.KeepAnchor)
            cursor.insertText(line)
        cursor.endEditBlock()

    def set_payload(self, payload: object) -> None:
        """The sample payload (any JSON value) whose fields autocomplete suggests."""
        self._payload = payload

    def _apply_palette(self) -> None:
        colours = self._palette
        palette = self.palette()
        wanted = {
            QPalette.ColorRole.Base: colours.background,
            QPalette.ColorRole.Text: colours.foreground,
            QPalette.ColorRole.Highlight: colours.bracket_match,
            QPalette.ColorRole.HighlightedText: colours.foreground,
        }
        if any(palette.color(role) != QColor(colour) for role, colour in wanted.items()):
            for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
                for role, colour in wanted.items():
                    palette.setColor(group, role, QColor(colour))
            self._setting_palette = True
            try:
                self.setPalette(palette)
            finally:
                self._setting_palette = False
        self.gutter.set_palette(colours)
        self._update_extra_selections()

    def changeEvent(self, event: QEvent) -> None:
        """Follow the application's theme: its light or dark highlighting palette, as a whole."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange and not getattr(self, "_setting_palette", False):
            follows = self._theme_palette()
            if follows is not self._palette:
                self.set_palette(follows)

    def _theme_palette(self) -> Palette:
        dark = self.palette().color(QPalette.ColorRole.Window).lightness() < 128
        return DARK_PALETTE if dark else LIGHT_PALETTE

    # -- positions -----------------------------------------------------------------------------

    def cursor_offset(self) -> int:
        """The cursor as a character offset into :meth:`toPlainText` (Python, not UTF-16)."""
        return from_utf16(self.toPlainText(), self.textCursor().position())

    def selection_start_offset(self) -> int:
        """Where typing would start: the selection's start, or the cursor (a character offset)."""
        return from_utf16(self.toPlainText(), self.textCursor().selectionStart())

    @property
    def fmt(self) -> str:
        """The format the editor highlights (``json``, ``xml``, ``html``, ``text``)."""
        return self._format

    def cursor_line_column(self) -> tuple[int, int]:
        """The cursor's 1-based line and column (in characters)."""
        cursor = self.textCursor()
        block_text = cursor.block().text()
        return cursor.blockNumber() + 1, from_utf16(block_text, cursor.positionInBlock()) + 1

    def goto(self, line: int, column: int = 1, *, focus: bool = True) -> None:
        """Put the cursor on 1-based ``line`` and ``column`` (clamped) and show it; ``focus`` the editor
        too (not when the user walks a list of places with the arrow keys)."""
        document = self.document()
        block = document.findBlockByNumber(max(0, min(line, document.blockCount()) - 1))
        column_units = to_utf16(block.text(), max(0, column - 1))
        cursor = QTextCursor(block)
        cursor.setPosition(block.position() + min(column_units, block.length() - 1))
        self.setTextCursor(cursor)
        self.centerCursor()
        if focus:
            self.setFocus()

    def insert_at_cursor(self, text: str) -> None:
        """Insert ``text`` at the cursor (replacing a selection) as one undo step."""
        self.textCursor().insertText(text)
        self.setFocus()

    # -- marks ---------------------------------------------------------------------------------

    def set_marks(self, marks: Iterable[tuple[int, Severity | str, str]], layer: str = "render") -> None:
        """Show error/warning/info marks in the gutter: ``(1-based line, severity, message)``.

        ``layer`` names who marks (``render``, ``edge-cases``): each replaces only its own marks.
        """
        self._mark_layers[layer] = [(line, Severity(severity), message) for line, severity, message in marks]
        self._marks = {}
        for layer_marks in self._mark_layers.values():
            for line, severity, message in layer_marks:
                self._marks.setdefault(line, []).append((severity, message))
        self.gutter.set_marks(self._marks)
        self._update_extra_selections()

    def marks(self, layer: str | None = None) -> tuple[Mark, ...]:
        """The marks on show, by line (of one layer, or of all)."""
        if layer is not None:
            return tuple(sorted(self._mark_layers.get(layer, ()), key=lambda mark: mark[0]))
        return tuple(
            (line, severity, message)
            for line in sorted(self._marks)
            for severity, message in self._marks[line]
        )

    def set_ranges(self, ranges: Iterable[Range], layer: str = "lints", *, highlight: bool = False) -> None:
        """Underline ranges of the text: ``(start, end, severity, message)``, offsets in characters.

        A range follows the text it marks as the user types, until its layer is set again.
        ``highlight`` tints the layer's ranges instead (the one place chosen in a list).
        """
        if highlight:
            self._highlight_layers.add(layer)
        else:
            self._highlight_layers.discard(layer)
        text = self.toPlainText()
        cursors = []
        for start, end, severity, message in ranges:
            cursor = QTextCursor(self.document())
            cursor.setPosition(to_utf16(text, min(start, len(text))))
            cursor.setPosition(to_utf16(text, min(end, len(text))), QTextCursor.MoveMode.KeepAnchor)
            cursors.append((cursor, Severity(severity), message))
        self._range_layers[layer] = cursors
        self._update_extra_selections()

    def ranges(self, layer: str | None = None) -> tuple[Range, ...]:
        """The marked ranges now (they follow edits), of one layer or of all, in text order."""
        text = self.toPlainText()
        found = [
            (
                from_utf16(text, cursor.selectionStart()),
                from_utf16(text, cursor.selectionEnd()),
                severity,
                message,
            )
            for name, cursors in self._range_layers.items()
            if layer is None or name == layer
            for cursor, severity, message in cursors
        ]
        return tuple(sorted(found, key=lambda found_range: (found_range[0], found_range[1])))

    def range_messages_at(self, position: int) -> list[str]:
        """The messages of the ranges that hold Qt ``position`` (for the text's tooltip)."""
        return [
            message
            for cursors in self._range_layers.values()
            for cursor, _severity, message in cursors
            if cursor.selectionStart() <= position <= cursor.selectionEnd() and cursor.hasSelection()
        ]

    def mark_output_line(self, line: int | None) -> None:
        """Tint 1-based ``line`` (an output error's line) and scroll to it; None clears it."""
        self._output_line = line
        self._update_extra_selections()
        if line is not None:
            block = self.document().findBlockByNumber(line - 1)
            if block.isValid():
                cursor = QTextCursor(block)
                self.setTextCursor(cursor)
                self.centerCursor()

    @property
    def marked_output_line(self) -> int | None:
        """The output line tinted by :meth:`mark_output_line`."""
        return self._output_line

    # -- gutter --------------------------------------------------------------------------------

    def _on_block_count_changed(self, _count: int) -> None:
        self.setViewportMargins(self.gutter.width_needed(), 0, 0, 0)

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Keep the gutter the height of the text area."""
        super().resizeEvent(event)
        contents = self.contentsRect()
        self.gutter.setGeometry(
            QRect(contents.left(), contents.top(), self.gutter.width_needed(), contents.height())
        )

    # -- extra selections ----------------------------------------------------------------------

    def _line_selection(self, block_number: int, colour: str) -> QTextEdit.ExtraSelection:
        selection = QTextEdit.ExtraSelection()
        selection.format.setBackground(QColor(colour))
        selection.format.setProperty(QTextFormat.Property.FullWidthSelection, True)
        cursor = QTextCursor(self.document().findBlockByNumber(block_number))
        cursor.clearSelection()
        selection.cursor = cursor
        return selection

    def _update_extra_selections(self) -> None:
        palette = self._palette
        selections = []
        if not self._output_mode and not self._shows_placeholder():
            selections.append(self._line_selection(self.textCursor().blockNumber(), palette.current_line))
        if self._output_line is not None:
            selections.append(self._line_selection(self._output_line - 1, palette.output_mark))
        selections.extend(self._range_selections())
        selections.extend(self._bracket_selections())
        self.setExtraSelections(selections)

    def _shows_placeholder(self) -> bool:
        # Qt paints the current-line band over the placeholder's first line, so while the hint is on
        # show there is no band (an empty editor has no line to point out anyway).
        return bool(self.placeholderText()) and self.document().isEmpty()

    def _on_text_changed(self) -> None:
        # The cursor need not move when the text empties (Delete at the start), so the band follows
        # the emptiness itself; only a change of it redoes the selections, not every keystroke.
        empty = self.document().isEmpty()
        if empty != self._was_empty:
            self._was_empty = empty
            self._update_extra_selections()

    def _range_selections(self) -> list[QTextEdit.ExtraSelection]:
        colours = {
            Severity.ERROR: self._palette.error,
            Severity.WARNING: self._palette.warning,
            Severity.INFO: self._palette.info,
        }
        selections = []
        for layer, cursors in self._range_layers.items():
            for cursor, severity, _message in cursors:
                selection = QTextEdit.ExtraSelection()
                if layer in self._highlight_layers:
                    selection.format.setBackground(QColor(self._palette.output_mark))
                else:
                    selection.format.setUnderlineStyle(QTextCharFormat.UnderlineStyle.WaveUnderline)
                    selection.format.setUnderlineColor(QColor(colours[severity]))
                selection.cursor = cursor
                selections.append(selection)
        return selections

    def _bracket_selections(self) -> list[QTextEdit.ExtraSelection]:
        if self._output_mode and not self.hasFocus():
            # Matching scans the whole text: for a large preview replaced on every render that is a
            # stall of the GUI thread, and nobody reads the match until they click into the output.
            return []
        text = self.toPlainText()
        offset = from_utf16(text, self.textCursor().position())
        match = match_bracket(text, offset)
        if match is None and len(text) <= _TAG_MATCH_LIMIT:
            match = match_tag(text, offset)
        if match is None:
            return []
        selections = []
        for start, length in ((match.open_start, match.open_length), (match.close_start, match.close_length)):
            selection = QTextEdit.ExtraSelection()
            selection.format.setBackground(QColor(self._palette.bracket_match))
            cursor = QTextCursor(self.document())
            cursor.setPosition(to_utf16(text, start))
            cursor.setPosition(to_utf16(text, start + length), QTextCursor.MoveMode.KeepAnchor)
            selection.cursor = cursor
            selections.append(selection)
        return selections

    def bracket_match_ranges(self) -> list[tuple[int, int]]:
        """The highlighted delimiter ranges as ``(Qt position, length)`` (for tests)."""
        return [
            (s.cursor.selectionStart(), s.cursor.selectionEnd() - s.cursor.selectionStart())
            for s in self.extraSelections()
            if s.cursor.hasSelection()
        ]

    # -- editing -------------------------------------------------------------------------------

    def toggle_comment(self) -> None:
        """Comment or uncomment the lines of the selection with ``{# ... #}`` (one undo step)."""
        if self.isReadOnly():
            return
        cursor = self.textCursor()
        document = self.document()
        first = document.findBlock(cursor.selectionStart())
        last = document.findBlock(cursor.selectionEnd())
        if last.blockNumber() > first.blockNumber() and cursor.selectionEnd() == last.position():
            last = last.previous()
        lines = []
        block = first
        while block.isValid() and block.blockNumber() <= last.blockNumber():
            lines.append(block.text())
            block = block.next()
        edit = QTextCursor(document)
        edit.setPosition(first.position())
        edit.setPosition(last.position() + last.length() - 1, QTextCursor.MoveMode.KeepAnchor)
        edit.beginEditBlock()
        edit.insertText("\n".join(toggle_jinja_comment(lines)))
        edit.endEditBlock()
        self.comment_toggled.emit()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Completion navigation, Ctrl+Space, Ctrl+/, auto-indent, then the normal editing."""
        key = event.key()
        control = bool(event.modifiers() & Qt.KeyboardModifier.ControlModifier)
        if self._popup.isVisible():
            if key in (Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_PageUp, Qt.Key.Key_PageDown):
                step = {Qt.Key.Key_Up: -1, Qt.Key.Key_Down: 1, Qt.Key.Key_PageUp: -8}.get(key, 8)
                self._popup.move_selection(step)
                return
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Tab):
                chosen = self._popup.current_completion()
                if chosen is not None:
                    self.accept_completion(chosen)
                    return
            if key == Qt.Key.Key_Escape:
                self._popup.hide()
                return
        if self.isReadOnly():
            super().keyPressEvent(event)
            return
        if control and key == Qt.Key.Key_Space:
            self.show_completions(explicit=True)
            return
        if control and key == Qt.Key.Key_Slash:
            self.toggle_comment()
            return
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not event.modifiers():
            cursor = self.textCursor()
            before = cursor.block().text()[: cursor.positionInBlock()]
            cursor.insertText("\n" + indentation_after(before))
            self.ensureCursorVisible()
            return
        if key == Qt.Key.Key_Tab and not event.modifiers():
            self.textCursor().insertText(_INDENT)
            return
        super().keyPressEvent(event)
        typed = event.text()
        if typed and (typed.isalnum() or typed in _AUTO_COMPLETE_CHARS):
            self.show_completions(explicit=False)
        elif self._popup.isVisible():
            self._popup.hide()

    def viewportEvent(self, event: QEvent) -> bool:
        """A tooltip over a marked range says what is wrong there."""
        if event.type() == QEvent.Type.ToolTip and self._range_layers:
            position = self.cursorForPosition(event.pos()).position()  # type: ignore[attr-defined]
            messages = self.range_messages_at(position)
            if messages:
                QToolTip.showText(event.globalPos(), "\n".join(messages), self.viewport())  # type: ignore[attr-defined]
                return True
        return super().viewportEvent(event)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        """Close the popup when the editor loses focus to another widget."""
        self._popup.hide()
        super().focusOutEvent(event)
        if self._output_mode:
            self._update_extra_selections()

    def focusInEvent(self, event: QFocusEvent) -> None:
        """Show the bracket match of the output view once the user reads in it."""
        super().focusInEvent(event)
        if self._output_mode:
            self._update_extra_selections()

    # -- completion ----------------------------------------------------------------------------

    def show_completions(self, explicit: bool = False) -> bool:
        """Show the suggestions at the cursor; False (popup hidden) when there are none."""
        if self._output_mode:
            return False
        text = self.toPlainText()
        result = complete(
            text, from_utf16(text, self.textCursor().position()), self._payload, explicit=explicit
        )
        if not result.items or (len(result.items) == 1 and result.items[0].insert_text == result.prefix):
            self._popup.hide()
            return False
        rect = self.cursorRect()
        at = self.viewport().mapToGlobal(QPoint(rect.left(), rect.bottom() + 2))
        self._popup.show_result(result, at)
        return True

    def accept_completion(self, completion: Completion) -> None:
        """Replace the word being typed by ``completion`` (one undo step) and close the popup."""
        result = self._popup.result
        self._popup.hide()
        text = self.toPlainText()
        cursor = self.textCursor()
        start = to_utf16(text, result.replace_start) if result else cursor.position()
        cursor.beginEditBlock()
        cursor.setPosition(start, QTextCursor.MoveMode.KeepAnchor)
        cursor.insertText(completion.insert_text)
        cursor.endEditBlock()
        if completion.cursor_offset is not None:
            cursor.setPosition(start + to_utf16(completion.insert_text, completion.cursor_offset))
        self.setTextCursor(cursor)
        self.completion_accepted.emit(completion.insert_text)

    def _on_popup_completion_chosen(self, completion: Completion) -> None:
        self.accept_completion(completion)
