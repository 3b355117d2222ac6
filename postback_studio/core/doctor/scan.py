"""A template's tags with their exact offsets, their block structure, and the output context of each.

Jinja's nodes carry a line number only, and the lints must point at (and rewrite) exact ranges, so
this works from Jinja's own lexer: every token is placed at its offset in the text, tokens are
grouped into tags (``{{ }}``, ``{% %}``, ``{# #}`` and the literal text between), and ``{% for %}``,
``{% if %}`` and the other block statements are matched with their ends. Each tag's content is
parsed by Jinja's parser on its own when a lint needs its meaning.

Then the literal text is read the way the receiver will read the output, JSON or XML, to know where
each ``{{ }}`` lands: inside a JSON string or where a JSON value goes; in XML text or inside an
attribute value. Branches of an ``{% if %}`` each start from the state before the ``if``.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from jinja2 import Environment, nodes
from jinja2.exceptions import TemplateSyntaxError

#: Block statements with a body, and the tag that ends each.
_ENDS = {
    "for": "endfor",
    "if": "endif",
    "macro": "endmacro",
    "call": "endcall",
    "filter": "endfilter",
    "with": "endwith",
    "block": "endblock",
    "autoescape": "endautoescape",
    "raw": "endraw",
}
#: Tags that split a body into branches: ``elif``/``else`` of an ``if``, ``else`` of a ``for``.
_BRANCHES = {"if": ("elif", "else"), "for": ("else",)}


class ScanError(ValueError):
    """The template does not lex or its blocks do not match: the lints leave it to the render."""


class TagKind(StrEnum):
    """What a piece of the template is."""

    DATA = "data"
    EXPRESSION = "expression"
    STATEMENT = "statement"
    COMMENT = "comment"


@dataclass(frozen=True)
class Tag:
    """One piece of the template: literal text, a ``{{ }}``, a ``{% %}`` or a ``{# #}``.

    ``start``/``end`` span the whole tag with its delimiters; ``inner_start``/``inner_end`` the text
    between the delimiters (for literal text, the text itself). ``keyword`` is a statement's first
    word (``for``, ``endif``, ``set``).
    """

    kind: TagKind
    start: int
    end: int
    inner_start: int
    inner_end: int
    line: int
    keyword: str = ""
    strip_before: bool = False

    def inner(self, text: str) -> str:
        """The tag's content without its delimiters."""
        return text[self.inner_start : self.inner_end]


@dataclass
class Block:
    """A block statement and its body: ``branches`` holds each ``(opening tag, body)``.

    A ``{% for %}`` has one branch (two with ``{% else %}``), an ``{% if %}`` one per
    ``if``/``elif``/``else``. ``end`` is the closing tag.
    """

    branches: list[tuple[Tag, list[Node]]]
    end: Tag

    @property
    def tag(self) -> Tag:
        """The opening tag."""
        return self.branches[0][0]

    @property
    def keyword(self) -> str:
        """``for``, ``if``, ``macro``..."""
        return self.tag.keyword


#: A node of the body tree: a tag, or a block with its bodies.
Node = Tag | Block


class Context(StrEnum):
    """Where a ``{{ }}`` writes its value in the output."""

    JSON_STRING = "json-string"
    JSON_VALUE = "json-value"
    XML_TEXT = "xml-text"
    XML_ATTRIBUTE = "xml-attribute"
    OTHER = "other"


@dataclass(frozen=True)
class JsonString:
    """A JSON string literal in the template's text: its quotes and the tags written inside it."""

    open: int
    close: int | None
    tags: tuple[Tag, ...]
    statements: bool


@dataclass
class TemplateScan:
    """The scanned template: its tags in order, the block tree, and the output context of each
    ``{{ }}`` (and the JSON string literal it stands in, for JSON)."""

    text: str
    tags: list[Tag]
    tree: list[Node]
    contexts: dict[int, Context] = field(default_factory=dict)
    strings: dict[int, JsonString] = field(default_factory=dict)
    containers: dict[int, str] = field(default_factory=dict)
    _line_starts: list[int] = field(default_factory=list, repr=False)
    _code_tags: list[Tag] = field(default_factory=list, repr=False)
    _code_starts: list[int] = field(default_factory=list, repr=False)
    _enclosing: dict[int, list[tuple[Block, int]]] = field(default_factory=dict, repr=False)

    def line_starts(self) -> list[int]:
        """The offset each line starts at."""
        if not self._line_starts:
            self._line_starts = [0]
            self._line_starts.extend(index + 1 for index, char in enumerate(self.text) if char == "\n")
        return self._line_starts

    def position(self, offset: int) -> tuple[int, int]:
        """1-based line and column of an offset."""
        starts = self.line_starts()
        line = bisect.bisect_right(starts, offset)
        return line, offset - starts[line - 1] + 1

    def offset(self, line: int, column: int) -> int:
        """The offset of a 1-based line and column."""
        starts = self.line_starts()
        if not 1 <= line <= len(starts):
            return len(self.text)
        return min(starts[line - 1] + column - 1, len(self.text))

    def tag_at(self, offset: int) -> Tag | None:
        """The ``{{ }}`` or ``{% %}`` whose content holds ``offset``."""
        if not self._code_tags:
            self._code_tags = [t for t in self.tags if t.kind in (TagKind.EXPRESSION, TagKind.STATEMENT)]
            self._code_starts = [t.inner_start for t in self._code_tags]
        index = bisect.bisect_right(self._code_starts, offset) - 1
        if index >= 0 and offset < self._code_tags[index].inner_end:
            return self._code_tags[index]
        return None

    def enclosing(self, tag: Tag) -> list[tuple[Block, int]]:
        """The blocks around a tag, outermost first, each with the branch the tag is in."""
        if not self._enclosing:

            def walk(body: Sequence[Node], path: list[tuple[Block, int]]) -> None:
                for node in body:
                    if isinstance(node, Tag):
                        self._enclosing[node.start] = list(path)
                        continue
                    self._enclosing[node.tag.start] = list(path)
                    for index, (opening, branch) in enumerate(node.branches):
                        self._enclosing[opening.start] = list(path)
                        walk(branch, [*path, (node, index)])

            walk(self.tree, [])
        return self._enclosing.get(tag.start, [])

    def blocks(self, keyword: str) -> Iterator[Block]:
        """Every block of one kind, in template order (outer before inner)."""

        def walk(body: Sequence[Node]) -> Iterator[Block]:
            for node in body:
                if isinstance(node, Block):
                    if node.keyword == keyword:
                        yield node
                    for _, branch in node.branches:
                        yield from walk(branch)

        return walk(self.tree)


def token_spans(text: str, environment: Environment) -> list[tuple[int, int, int, str, str]]:
    """Jinja's tokens of ``text``, each as ``(start, end, line, type, value)``.

    The lexer gives values and lines, not offsets; each value is found in the text from where the
    previous one ended. Only whitespace may lie between them (what ``-`` whitespace control strips).

    Raises:
        ScanError: the text does not lex, or a token cannot be placed.
    """
    try:
        tokens = list(environment.lex(text))
    except TemplateSyntaxError as exc:
        raise ScanError(str(exc)) from None
    spans: list[tuple[int, int, int, str, str]] = []
    cursor = 0
    for line, kind, value in tokens:
        if not value:
            continue
        start = text.find(value, cursor)
        if start < 0 or text[cursor:start].strip():
            raise ScanError(f"line {line}: cannot place the token {value!r}")
        spans.append((start, start + len(value), line, kind, value))
        cursor = start + len(value)
    return spans


def scan(text: str, environment: Environment | None = None, fmt: str = "text") -> TemplateScan:
    """Scan a template text (with ``\\n`` line ends) for ``fmt`` (``json``, ``xml``, ``html``...).

    Raises:
        ScanError: the template does not lex or its blocks do not match.
    """
    env = environment or Environment()
    tags = _tags(text, token_spans(text, env))
    result = TemplateScan(text, tags, _tree(text, tags))
    if fmt == "json":
        _JsonReader(result).read(result.tree)
    elif fmt in ("xml", "html"):
        _XmlReader(result).read(result.tree)
    return result


def _tags(text: str, spans: Sequence[tuple[int, int, int, str, str]]) -> list[Tag]:
    ends = {"variable_begin": "variable_end", "block_begin": "block_end", "comment_begin": "comment_end"}
    kinds = {
        "variable_begin": TagKind.EXPRESSION,
        "block_begin": TagKind.STATEMENT,
        "comment_begin": TagKind.COMMENT,
    }
    tags: list[Tag] = []
    index = 0
    while index < len(spans):
        start, end, line, kind, value = spans[index]
        if kind in ends:
            closing = index + 1
            while closing < len(spans) and spans[closing][3] != ends[kind]:
                closing += 1
            if closing == len(spans):
                raise ScanError(f"line {line}: a tag is not closed")
            close_start, _, _, _, close_value = spans[closing]
            keyword = ""
            if kind == "block_begin":
                keyword = next((s[4] for s in spans[index + 1 : closing] if s[3] == "name"), "")
            delimiter = close_value.lstrip("-+")[:2]
            tag_end = close_start + close_value.index(delimiter) + len(delimiter)
            tags.append(
                Tag(kinds[kind], start, tag_end, end, close_start, line, keyword, value.endswith("-"))
            )
            index = closing + 1
        elif kind in ("raw_begin", "raw_end"):
            keyword = "raw" if kind == "raw_begin" else "endraw"
            tags.append(Tag(TagKind.STATEMENT, start, end, start, end, line, keyword, "-" in value[:3]))
            index += 1
        else:
            tags.append(Tag(TagKind.DATA, start, end, start, end, line))
            index += 1
    return tags


def _tree(text: str, tags: Sequence[Tag]) -> list[Node]:
    root: list[Node] = []
    stack: list[tuple[str, list[tuple[Tag, list[Node]]], list[Node]]] = []
    body = root
    for tag in tags:
        keyword = tag.keyword if tag.kind is TagKind.STATEMENT else ""
        if keyword in _ENDS or (keyword == "set" and _is_block_set(text, tag)):
            branches: list[tuple[Tag, list[Node]]] = [(tag, [])]
            stack.append((keyword, branches, body))
            body = branches[0][1]
        elif stack and keyword in _BRANCHES.get(stack[-1][0], ()):
            branches = stack[-1][1]
            branches.append((tag, []))
            body = branches[-1][1]
        elif stack and keyword == (_ENDS.get(stack[-1][0]) or ("endset" if stack[-1][0] == "set" else None)):
            _, branches, outer = stack.pop()
            body = outer
            body.append(Block(branches, tag))
        elif keyword.startswith("end"):
            raise ScanError(f"line {tag.line}: {{% {keyword} %}} closes no block")
        else:
            body.append(tag)
    if stack:
        raise ScanError(f"line {stack[-1][1][0][0].line}: {{% {stack[-1][0]} %}} is not closed")
    return root


def _is_block_set(text: str, tag: Tag) -> bool:
    """``{% set x %}...{% endset %}`` has no ``=``; ``{% set x = 1 %}`` does."""
    return "=" not in tag.inner(text)


class _JsonReader:
    """Reads the literal text as JSON to learn where each ``{{ }}`` lands."""

    def __init__(self, result: TemplateScan) -> None:
        self.result = result
        self.in_string = False
        self.escaped = False
        self.stack: list[str] = []
        self.string_open = -1
        self.string_tags: list[Tag] = []
        self.string_statements = False

    def state(self) -> tuple[bool, bool, tuple[str, ...], int, tuple[Tag, ...], bool]:
        return (
            self.in_string,
            self.escaped,
            tuple(self.stack),
            self.string_open,
            tuple(self.string_tags),
            self.string_statements,
        )

    def restore(self, state: tuple[bool, bool, tuple[str, ...], int, tuple[Tag, ...], bool]) -> None:
        self.in_string, self.escaped, stack, self.string_open, tags, self.string_statements = state
        self.stack = list(stack)
        self.string_tags = list(tags)

    def read(self, body: Sequence[Node]) -> None:
        for node in body:
            if isinstance(node, Block):
                self.block(node)
            elif node.kind is TagKind.DATA:
                self.data(node)
            elif node.kind is TagKind.EXPRESSION:
                self.result.containers[node.start] = self.stack[-1] if self.stack else ""
                if self.in_string:
                    self.result.contexts[node.start] = Context.JSON_STRING
                    self.string_tags.append(node)
                else:
                    self.result.contexts[node.start] = Context.JSON_VALUE
            elif node.kind is TagKind.STATEMENT and self.in_string:
                self.string_statements = True

    def block(self, block: Block) -> None:
        self.result.containers[block.tag.start] = (
            "" if self.in_string else (self.stack[-1] if self.stack else "")
        )
        if self.in_string:
            self.string_statements = True
        if block.keyword in ("macro", "call", "raw", "set", "filter"):
            if block.keyword == "raw":
                for _, branch in block.branches:
                    for node in branch:
                        if isinstance(node, Tag):
                            self.data(node)
            return
        before = self.state()
        after = before
        for index, (_, branch) in enumerate(block.branches):
            if index:
                self.restore(before)
            self.read(branch)
            if index == 0:
                after = self.state()
        if block.keyword == "if" and len(block.branches) > 1:
            self.restore(after)

    def data(self, tag: Tag) -> None:
        text = self.result.text
        for offset in range(tag.inner_start, tag.inner_end):
            char = text[offset]
            if self.in_string:
                if self.escaped:
                    self.escaped = False
                elif char == "\\":
                    self.escaped = True
                elif char == '"':
                    self.close_string(offset)
            elif char == '"':
                self.in_string = True
                self.string_open = offset
                self.string_tags = []
                self.string_statements = False
            elif char in "{[":
                self.stack.append(char)
            elif char in "}]" and self.stack:
                self.stack.pop()

    def close_string(self, offset: int) -> None:
        self.in_string = False
        if self.string_tags:
            found = JsonString(self.string_open, offset, tuple(self.string_tags), self.string_statements)
            for tag in self.string_tags:
                self.result.strings[tag.start] = found
        self.string_tags = []


class _XmlReader:
    """Reads the literal text as XML to learn whether a ``{{ }}`` writes text or an attribute value."""

    def __init__(self, result: TemplateScan) -> None:
        self.result = result
        self.state = "text"
        self.quote = ""

    def read(self, body: Sequence[Node]) -> None:
        for node in body:
            if isinstance(node, Block):
                if node.keyword in ("macro", "call", "set", "filter"):
                    continue
                before = (self.state, self.quote)
                for index, (_, branch) in enumerate(node.branches):
                    if index:
                        self.state, self.quote = before
                    self.read(branch)
            elif node.kind is TagKind.DATA:
                self.data(node)
            elif node.kind is TagKind.EXPRESSION:
                context = {"text": Context.XML_TEXT, "attribute": Context.XML_ATTRIBUTE}.get(
                    self.state, Context.OTHER
                )
                self.result.contexts[node.start] = context

    def data(self, tag: Tag) -> None:
        text = self.result.text
        offset = tag.inner_start
        while offset < tag.inner_end:
            char = text[offset]
            if self.state == "text":
                if char == "<":
                    for opener, state in (
                        ("<!--", "comment"),
                        ("<![CDATA[", "cdata"),
                        ("<?", "pi"),
                        ("<!", "decl"),
                    ):
                        if text.startswith(opener, offset):
                            self.state = state
                            offset += len(opener) - 1
                            break
                    else:
                        self.state = "tag"
            elif self.state == "tag":
                if char in "\"'":
                    self.state, self.quote = "attribute", char
                elif char == ">":
                    self.state = "text"
            elif self.state == "attribute":
                if char == self.quote:
                    self.state = "tag"
            else:
                closer = {"comment": "-->", "cdata": "]]>", "pi": "?>", "decl": ">"}[self.state]
                if text.startswith(closer, offset):
                    self.state = "text"
                    offset += len(closer) - 1
            offset += 1


def parse_expression(inner: str, environment: Environment) -> nodes.Expr | None:
    """The expression of a ``{{ }}`` tag's content, parsed by Jinja (None if it does not parse)."""
    try:
        template = environment.parse("{{" + inner + "}}")
    except TemplateSyntaxError:
        return None
    output = template.body[0] if template.body else None
    if (
        isinstance(output, nodes.Output)
        and len(output.nodes) == 1
        and isinstance(output.nodes[0], nodes.Expr)
    ):
        return output.nodes[0]
    return None


def parse_statement(inner: str, keyword: str, environment: Environment) -> nodes.Node | None:
    """The node of one statement tag's content (``for``, ``if``, ``elif``, ``set``...), parsed alone."""
    text = inner.strip().removeprefix("-").removesuffix("-").strip()
    closing = {"for": "{% endfor %}", "if": "{% endif %}", "elif": "{% endif %}", "with": "{% endwith %}"}
    if keyword == "elif":
        text = "if" + text[len("elif") :]
    try:
        template = environment.parse("{% " + text + " %}" + closing.get(keyword, ""))
    except TemplateSyntaxError:
        return None
    return template.body[0] if template.body else None
