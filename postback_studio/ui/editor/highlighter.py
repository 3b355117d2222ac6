"""A thin QSyntaxHighlighter: colours the spans that pygments produced (core.highlight).

Frescobaldi's habit: the highlighter does no lexing of its own. The whole document is lexed once per
change in pure Python; ``highlightBlock`` only looks its line's spans up and applies the palette.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pygments.lexer import Lexer
from PySide6.QtCore import QObject, QRect
from PySide6.QtGui import QColor, QFont, QSyntaxHighlighter, QTextCharFormat, QTextDocument, QTextLayout
from PySide6.QtWidgets import QPlainTextEdit

from postback_studio.core.highlight import Span, SpanCache
from postback_studio.core.textpos import to_utf16


@dataclass(frozen=True)
class Palette:
    """Editor colours: the text area, gutter, marks and one style per highlight category.

    ``styles`` maps a category of :mod:`postback_studio.core.highlight` to ``(colour, bold, italic)``.
    """

    name: str
    background: str
    foreground: str
    current_line: str
    gutter_background: str
    gutter_foreground: str
    bracket_match: str
    error: str
    warning: str
    info: str
    output_mark: str
    styles: dict[str, tuple[str, bool, bool]] = field(default_factory=dict)


LIGHT_PALETTE = Palette(
    name="light",
    background="#ffffff",
    foreground="#1f2328",
    current_line="#f3f6fa",
    gutter_background="#f6f8fa",
    gutter_foreground="#57606a",
    bracket_match="#c8e1ff",
    error="#cf222e",
    warning="#9a6700",
    info="#0969da",
    output_mark="#ffebe9",
    styles={
        "template_tag": ("#8250df", True, False),
        "comment": ("#57606a", False, True),
        "tag": ("#0550ae", False, False),
        "attribute": ("#953800", False, False),
        "builtin": ("#8250df", False, False),
        "function": ("#6639ba", False, False),
        "variable": ("#116329", False, False),
        "name": ("#116329", False, False),
        "keyword": ("#cf222e", True, False),
        "string": ("#0a3069", False, False),
        "number": ("#0550ae", False, False),
        "operator": ("#cf222e", False, False),
        "punctuation": ("#57606a", False, False),
        "error": ("#82071e", False, False),
    },
)

DARK_PALETTE = Palette(
    name="dark",
    background="#1e1e1e",
    foreground="#d4d4d4",
    current_line="#2a2d2e",
    gutter_background="#1e1e1e",
    gutter_foreground="#858585",
    bracket_match="#264f78",
    error="#f14c4c",
    warning="#cca700",
    info="#3794ff",
    output_mark="#5a1d1d",
    styles={
        "template_tag": ("#c586c0", True, False),
        "comment": ("#7ca668", False, True),
        "tag": ("#9cdcfe", False, False),
        "attribute": ("#9cdcfe", False, False),
        "builtin": ("#4fc1ff", False, False),
        "function": ("#dcdcaa", False, False),
        "variable": ("#4ec9b0", False, False),
        "name": ("#4ec9b0", False, False),
        "keyword": ("#569cd6", True, False),
        "string": ("#ce9178", False, False),
        "number": ("#b5cea8", False, False),
        "operator": ("#d4d4d4", False, False),
        "punctuation": ("#d4d4d4", False, False),
        "error": ("#ff8080", False, False),
    },
)


def _char_formats(palette: Palette) -> dict[str, QTextCharFormat]:
    formats = {}
    for category, (colour, bold, italic) in palette.styles.items():
        fmt = QTextCharFormat()
        fmt.setForeground(QColor(colour))
        if bold:
            fmt.setFontWeight(QFont.Weight.Bold)
        fmt.setFontItalic(italic)
        formats[category] = fmt
    return formats


class TemplateHighlighter(QSyntaxHighlighter):
    """Applies pygments spans to a document.

    The document is lexed at most once per change: a change counter (bumped by ``contentsChange``,
    connected before Qt's own rehighlighting runs) keys the span cache.
    """

    def __init__(self, document: QTextDocument, lexer: Lexer, palette: Palette = LIGHT_PALETTE) -> None:
        """Highlight ``document`` with ``lexer`` and ``palette``."""
        super().__init__(document.parent())
        self._cache = SpanCache(lexer)
        self._formats = _char_formats(palette)
        self._revision = 0
        self._spans_revision = -1
        self._spans: tuple[tuple[Span, ...], ...] = ()
        document.contentsChange.connect(self._on_document_changed)
        self.setDocument(document)

    @property
    def lex_count(self) -> int:
        """How many times the document was lexed (for tests and benchmarks)."""
        return self._cache.lex_count

    def set_lexer(self, lexer: Lexer) -> None:
        """Lex with ``lexer`` from now on (the format changed) and repaint."""
        self._cache.set_lexer(lexer)
        self._spans_revision = -1
        self.rehighlight()

    def set_palette(self, palette: Palette) -> None:
        """Switch colours and repaint."""
        self._formats = _char_formats(palette)
        self.rehighlight()

    def prime(self, text: str, spans: tuple[tuple[Span, ...], ...]) -> None:
        """Use ``spans`` (from :func:`~postback_studio.core.highlight.line_spans`, computed off the GUI
        thread) when the document's text becomes ``text``, instead of lexing it here."""
        self._cache.prime(text, spans)

    def _on_document_changed(self, _position: int, _removed: int, _added: int) -> None:
        self._revision += 1

    def _line_spans(self) -> tuple[tuple[Span, ...], ...]:
        if self._spans_revision != self._revision:
            document = self.document()
            self._spans = self._cache.spans(document.toPlainText() if document else "")
            self._spans_revision = self._revision
        return self._spans

    def highlightBlock(self, text: str) -> None:
        """Apply the spans of the current line; nothing is lexed here."""
        spans = self._line_spans()
        number = self.currentBlock().blockNumber()
        line = spans[number] if number < len(spans) else ()
        wide = not text.isascii() and any(ord(ch) >= 0x10000 for ch in text)
        for span in line:
            fmt = self._formats.get(span.category)
            if fmt is None:
                continue
            if wide:
                start = to_utf16(text, span.start)
                self.setFormat(start, to_utf16(text, span.start + span.length) - start, fmt)
            else:
                self.setFormat(span.start, span.length, fmt)
        self.setCurrentBlockState(hash(line) & 0x3FFFFFFF)


class ViewportHighlighter(QObject):
    """Colours only the lines on screen of a large read-only output, as they scroll into view.

    A ``QSyntaxHighlighter`` formats every line of a document whenever the text is replaced: for a
    preview of several thousand lines that alone stalls the GUI thread for tens of milliseconds on
    every render. The output view never edits its text, so this applies the (worker-lexed) spans to
    the visible blocks' layouts, the way ``QSyntaxHighlighter`` does internally, and formats more
    blocks when the view scrolls. Same interface as :class:`TemplateHighlighter`.
    """

    def __init__(self, editor: QPlainTextEdit, lexer: Lexer, palette: Palette = LIGHT_PALETTE) -> None:
        """Highlight what ``editor`` shows with ``lexer`` and ``palette``."""
        super().__init__(editor)
        self._editor = editor
        self._cache = SpanCache(lexer)
        self._formats = _char_formats(palette)
        self._spans: tuple[tuple[Span, ...], ...] | None = None
        self._done: set[int] = set()
        self._marking = False
        editor.document().contentsChange.connect(self._on_document_changed)
        editor.updateRequest.connect(self._on_editor_update_request)

    @property
    def lex_count(self) -> int:
        """How many times a text was lexed here (for tests and benchmarks)."""
        return self._cache.lex_count

    def set_lexer(self, lexer: Lexer) -> None:
        """Lex with ``lexer`` from now on and repaint."""
        self._cache.set_lexer(lexer)
        self.rehighlight()

    def set_palette(self, palette: Palette) -> None:
        """Switch colours and repaint."""
        self._formats = _char_formats(palette)
        self.rehighlight()

    def prime(self, text: str, spans: tuple[tuple[Span, ...], ...]) -> None:
        """Use ``spans`` (lexed off the GUI thread) when the text becomes ``text``."""
        self._cache.prime(text, spans)

    def rehighlight(self) -> None:
        """Forget what was formatted and format the visible lines again."""
        self._spans = None
        self._done.clear()
        self.format_visible()

    def _on_document_changed(self, _position: int, _removed: int, _added: int) -> None:
        if not self._marking:
            self._spans = None
            self._done.clear()

    def _on_editor_update_request(self, _rect: QRect, _dy: int) -> None:
        self.format_visible()

    def format_visible(self) -> None:
        """Apply the spans of the blocks on screen that are not formatted yet."""
        editor = self._editor
        if self._spans is None:
            self._spans = self._cache.spans(editor.toPlainText())
        spans = self._spans
        bottom = editor.viewport().rect().bottom()
        offset = editor.contentOffset()
        block = editor.firstVisibleBlock()
        start: int | None = None
        end = 0
        while block.isValid() and editor.blockBoundingGeometry(block).translated(offset).top() <= bottom:
            number = block.blockNumber()
            if number not in self._done:
                self._done.add(number)
                line = spans[number] if number < len(spans) else ()
                block.layout().setFormats(self._ranges(block.text(), line))
                start = block.position() if start is None else start
                end = block.position() + block.length()
            block = block.next()
        if start is not None:
            self._marking = True
            try:
                editor.document().markContentsDirty(start, end - start)
            finally:
                self._marking = False

    def _ranges(self, text: str, line: tuple[Span, ...]) -> list[QTextLayout.FormatRange]:
        wide = not text.isascii() and any(ord(ch) >= 0x10000 for ch in text)
        ranges: list[QTextLayout.FormatRange] = []
        for span in line:
            fmt = self._formats.get(span.category)
            if fmt is None:
                continue
            item = QTextLayout.FormatRange()
            if wide:
                item.start = to_utf16(text, span.start)
                item.length = to_utf16(text, span.start + span.length) - item.start
            else:
                item.start, item.length = span.start, span.length
            item.format = fmt
            ranges.append(item)
        return ranges
