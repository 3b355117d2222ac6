"""Syntax highlighting spans for templates and outputs, from pygments, without Qt.

pygments does the lexing (Jinja inside JSON, XML, HTML or plain text); this module only turns its
token stream into per-line spans of a small set of categories that a palette can colour. The GUI's
``QSyntaxHighlighter`` looks the spans of a line up and applies them, so all the work is testable
without a display and cached per document text.
"""

from __future__ import annotations

import re
from bisect import bisect_right
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
    """
    starts = [0, *(match.end() for match in re.finditer("\n", text))]
    if len(text) > limit:
        return ((),) * len(starts)
    lines: list[list[Span]] = [[] for _ in starts]
    for index, token_type, value in lexer.get_tokens_unprocessed(text):
        category = _category(token_type)
        if category is None:
            continue
        offset = index
        for piece in value.split("\n"):
            if piece:
                line = bisect_right(starts, offset) - 1
                lines[line].append(Span(offset - starts[line], len(piece), category))
            offset += len(piece) + 1
    return tuple(tuple(spans) for spans in lines)


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
