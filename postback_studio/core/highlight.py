"""Syntax highlighting spans for templates and outputs, from pygments, without Qt.

pygments does the lexing (Jinja inside JSON, XML, HTML or plain text); this module only turns its
token stream into per-line spans of a small set of categories that a palette can colour. The GUI's
``QSyntaxHighlighter`` looks the spans of a line up and applies them, so all the work is testable
without a display and cached per document text.
"""

from __future__ import annotations

from functools import lru_cache
from typing import ClassVar, Final, NamedTuple

from pygments.lexer import DelegatingLexer, Lexer
from pygments.lexers.data import JsonLexer
from pygments.lexers.html import HtmlLexer, XmlLexer
from pygments.lexers.templates import DjangoLexer, HtmlDjangoLexer, XmlDjangoLexer
from pygments.token import _TokenType

from postback_studio.core.model import OutputFormat

#: Categories a palette colours, from the most to the least specific pygments token they stand for.
_CATEGORIES: Final[tuple[tuple[str, str], ...]] = (
    ("Token.Comment.Preproc", "template_tag"),
    ("Token.Comment", "comment"),
    ("Token.Name.Tag", "tag"),
    ("Token.Name.Attribute", "attribute"),
    ("Token.Name.Builtin", "builtin"),
    ("Token.Name.Function", "function"),
    ("Token.Name.Variable", "variable"),
    ("Token.Name", "name"),
    ("Token.Keyword", "keyword"),
    ("Token.Literal.String", "string"),
    ("Token.Literal.Number", "number"),
    ("Token.Operator", "operator"),
    ("Token.Punctuation", "punctuation"),
    ("Token.Error", "error"),
)

#: Longest text that is highlighted. pygments lexes about half a megabyte a second and the template
#: editor lexes on the GUI thread after each change, so a larger text is shown without colours
#: rather than freezing the window (a 2 MB template took 3.4 s a keystroke).
MAX_HIGHLIGHT_CHARS = 100_000
#: The same for a rendered output, which is lexed on a worker thread and coloured only where it is
#: on screen: about two seconds of lexing at most.
MAX_OUTPUT_HIGHLIGHT_CHARS = 1_000_000

#: Every category a span can carry.
CATEGORIES: Final = frozenset(category for _prefix, category in _CATEGORIES)


class JsonDjangoLexer(DelegatingLexer):
    """JSON with Jinja tags: Jinja is lexed first, the text around it as JSON."""

    name = "JSON+Jinja"
    aliases: ClassVar[list[str]] = ["json+jinja"]

    def __init__(self, **options: object) -> None:
        super().__init__(JsonLexer, DjangoLexer, **options)


class Span(NamedTuple):
    """A run of characters in one line: ``start`` and ``length`` in characters, and its category.

    A named tuple rather than a dataclass: a large preview has tens of thousands of spans, and
    tuples of plain values are not tracked by the cyclic garbage collector, whose full collections
    would otherwise stall the GUI thread for tens of milliseconds after each render.
    """

    start: int
    length: int
    category: str


def lexer_for(fmt: OutputFormat | str, template: bool = True) -> Lexer:
    """The pygments lexer for a template (Jinja inside ``fmt``) or for a rendered output."""
    kind = str(fmt)
    if template:
        lexers: dict[str, type[Lexer]] = {
            "json": JsonDjangoLexer,
            "xml": XmlDjangoLexer,
            "html": HtmlDjangoLexer,
        }
        return lexers.get(kind, DjangoLexer)(stripnl=False, ensurenl=False)
    outputs: dict[str, type[Lexer]] = {"json": JsonLexer, "xml": XmlLexer, "html": HtmlLexer}
    lexer_class = outputs.get(kind)
    return lexer_class(stripnl=False, ensurenl=False) if lexer_class else _PlainLexer()


class _PlainLexer(Lexer):
    """Text output: nothing to colour."""

    def get_tokens_unprocessed(self, text: str) -> list[tuple[int, _TokenType, str]]:  # type: ignore[override]
        return []


@lru_cache(maxsize=512)
def _category(token_type: _TokenType) -> str | None:
    """The palette category of a pygments token type (memoised: there are few token types)."""
    name = str(token_type)
    for prefix, category in _CATEGORIES:
        if name == prefix or name.startswith(prefix + "."):
            return category
    return None


def line_spans(
    text: str, lexer: Lexer, *, limit: int = MAX_HIGHLIGHT_CHARS
) -> tuple[tuple[Span, ...], ...]:
    """Spans per line of ``text`` (split on ``\\n``), uncoloured runs left out.

    A text over ``limit`` characters gets no spans at all (see :data:`MAX_HIGHLIGHT_CHARS`).
    JSON is lexed line by line where that gives the same spans (see :func:`_json_line_spans`).
    """
    if len(text) > limit:
        return ((),) * (text.count("\n") + 1)
    if type(lexer) is JsonLexer:
        spans = _json_spans_by_line(text)
        if spans is not None:
            return spans
    return _spans(text, lexer)


def _spans(text: str, lexer: Lexer) -> tuple[tuple[Span, ...], ...]:
    """:func:`line_spans` of the whole text in one lexing pass.

    Tokens arrive in order, so the line is followed as they go rather than looked up per token:
    a 4,000-line preview has some 16,000 tokens, and this loop costs as much as the lexing.
    """
    lines: list[list[Span]] = [[] for _ in range(text.count("\n") + 1)]
    new_span = tuple.__new__
    line = 0
    line_start = 0
    next_start = text.find("\n") + 1 or len(text) + 1
    for index, token_type, value in lexer.get_tokens_unprocessed(text):
        if index >= next_start or index < line_start:
            line = line + text.count("\n", next_start, index) + 1 if index >= next_start else text.count(
                "\n", 0, index
            )
            line_start = text.rfind("\n", 0, index) + 1
            next_start = text.find("\n", index) + 1 or len(text) + 1
        category = _category(token_type)
        if category is None or not value:
            continue
        if "\n" not in value:
            lines[line].append(new_span(Span, (index - line_start, len(value), category)))
            continue
        offset = index
        for piece in value.split("\n"):
            if piece:
                lines[line].append(new_span(Span, (offset - line_start, len(piece), category)))
            offset += len(piece) + 1
            if offset <= index + len(value):
                line += 1
                line_start = offset
        next_start = text.find("\n", line_start) + 1 or len(text) + 1
    return tuple(tuple(spans) for spans in lines)


def _json_spans_by_line(text: str) -> tuple[tuple[Span, ...], ...] | None:
    """JSON spans put together from the spans of each line, or None where that would differ.

    The preview lexes every render's output, and a keystroke in a template's loop changes a line per
    item of a 4,000-line output while the rest stays as it was: lexing only the lines not seen
    before takes a few milliseconds instead of twenty. A line lexes the same on its own as inside the
    whole text unless a token runs over its end (a string or a comment left open there, which the
    lexer marks as an error on the lone line), or a key's ``:`` stands on a later line (the key is
    recoloured here). Text with comments (not JSON, but the lexer reads them) is lexed whole.
    """
    lines = text.split("\n")
    spans: list[tuple[Span, ...]] = []
    for line in lines:
        alone = _json_line_spans(line)
        if alone is None:
            return None
        spans.append(alone)
    for number, alone in enumerate(spans):
        last = alone[-1] if alone else None
        if last is None or last.category != "string":
            continue
        if lines[number][last.start + last.length :].strip(_BLANK):
            continue
        following = next((rest.lstrip(_BLANK)[:1] for rest in lines[number + 1 :] if rest.strip(_BLANK)), "")
        if following == "/":
            return None
        if following == ":":
            spans[number] = (*alone[:-1], Span(last.start, last.length, "tag"))
    return tuple(spans)


@lru_cache(maxsize=16384)
def _json_line_spans(line: str) -> tuple[Span, ...] | None:
    """The spans of one line of JSON lexed on its own, or None if a token may run past the line
    (remembered: most lines recur from render to render, and within one output)."""
    spans = _spans(line, _JSON_LEXER)[0]
    return None if any(span.category in _ACROSS_LINES for span in spans) else spans


_JSON_LEXER = JsonLexer(stripnl=False, ensurenl=False)
#: Categories of the JSON lexer's tokens that may depend on text beyond their line.
_ACROSS_LINES = frozenset({"error", "comment"})
_BLANK = " \t\r"


class SpanCache:
    """The spans of the last text lexed, so one lexing pass serves every line of a revision.

    Spans lexed elsewhere can be handed in with :meth:`prime`; they are used when the text they were
    made for arrives, even if other texts (the empty document while it is replaced) come first.
    """

    def __init__(self, lexer: Lexer) -> None:
        """Create a cache that lexes with ``lexer``."""
        self._lexer = lexer
        self._text: str | None = None
        self._spans: tuple[tuple[Span, ...], ...] = ()
        self._primed: tuple[str, tuple[tuple[Span, ...], ...]] | None = None
        self.lex_count = 0

    def set_lexer(self, lexer: Lexer) -> None:
        """Switch lexers (the template's format changed); the next lookup lexes again."""
        self._lexer = lexer
        self._text = None
        self._primed = None

    def prime(self, text: str, spans: tuple[tuple[Span, ...], ...]) -> None:
        """Take spans lexed elsewhere (on a worker thread) for ``text``, so no lexing happens here."""
        self._primed = (text, spans)

    def spans(self, text: str) -> tuple[tuple[Span, ...], ...]:
        """Spans per line of ``text``, lexed only when the text differs from the last call's."""
        if text == self._text:
            return self._spans
        if self._primed is not None and self._primed[0] == text:
            self._spans = self._primed[1]
            self._primed = None
        elif not text:
            self._spans = ((),)
        else:
            self._spans = line_spans(text, self._lexer)
            self.lex_count += 1
        self._text = text
        return self._spans
