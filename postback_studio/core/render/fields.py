"""Which payload fields a template reads, and where: found by walking the parsed template.

Jinja2's ``UndefinedError`` carries no location (pallets/jinja#1760) and the default ``Undefined``
prints an empty string without any error at all, so a misspelt field silently produces ``""`` in
production. Walking the template's AST instead lists every payload path the template reads
(``items[].fulfillments[].trackingCode``), with loop variables resolved to the path they iterate and
``{% set %}`` / ``{% with %}`` aliases followed, each with its template line and column. Parsing
evaluates nothing, so this runs safely in the calling process, in parallel with the render worker.
Whether a payload has those paths is :mod:`.resolve`'s part.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from jinja2 import Environment, nodes
from jinja2.exceptions import TemplateSyntaxError

from postback_studio.core.render.result import Diagnostic, Location, Severity, Where
from postback_studio.core.render.static_checks import find_violations

#: Largest template whose fields are analysed: at most this many characters and at most
#: :data:`MAX_ANALYSED_TAGS` ``{{``/``{%`` tags. Analysis runs in the calling process next to the
#: render and costs about 50 microseconds a tag (Jinja's parser, then one walk), so at these limits
#: it stays around a second on a busy machine, inside the render's time limit. Real templates are a
#: few KB with a few hundred tags.
MAX_ANALYSED_SOURCE = 1_000_000
MAX_ANALYSED_TAGS = 20_000
#: Most security refusals located in one template (the render stops at the first one anyway).
MAX_SECURITY_REPORTS = 100

#: A path segment: a mapping key, a list index, or ``None`` for "every element" (``[]``).
Segment = str | int | None

#: Names that are never payload fields: Jinja's globals, loop helpers and ours.
NON_PAYLOAD_NAMES = frozenset(
    {
        "range",
        "lipsum",
        "dict",
        "cycler",
        "joiner",
        "namespace",
        "lookups",
        "loop",
        "self",
        "super",
        "caller",
        "varargs",
        "kwargs",
        "true",
        "false",
        "none",
        "True",
        "False",
        "None",
    }
)
#: Filters that hand on the same elements they receive, so a loop over them iterates the payload list.
_ELEMENT_FILTERS = frozenset(
    {"sort", "reverse", "unique", "list", "selectattr", "rejectattr", "select", "reject", "first", "last"}
)
_OPTIONAL_FILTERS = frozenset({"default", "d"})
_OPTIONAL_TESTS = frozenset({"defined", "undefined", "none"})
_LINE_END = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class FieldRef:
    """A payload path the template reads, before it is checked against a payload.

    ``optional`` marks reads the template guards itself (``x is defined``, ``x|default(...)``,
    ``{% if x %}``): a missing value there is intended, so it is not reported.
    ``stops_render`` marks reads the render itself refuses when the value is missing
    (``x|tojson``): the render's error names the field, so no warning says it prints as nothing.
    """

    path: str
    segments: tuple[Segment, ...]
    line: int
    column: int
    optional: bool = False
    stops_render: bool = False


@dataclass(frozen=True)
class Binding:
    """A loop variable or alias and the payload path it stands for, over lines ``line..end_line``."""

    name: str
    path: str
    line: int
    end_line: int


@dataclass(frozen=True)
class TemplateAnalysis:
    """Everything learned from parsing a template, without running it.

    ``skipped`` says why the fields were not checked (a template over the analysis limits, or nested
    deeper than the parser recurses); the render itself still runs.
    """

    fields: tuple[FieldRef, ...] = ()
    bindings: tuple[Binding, ...] = ()
    syntax_error: Diagnostic | None = None
    security: tuple[Diagnostic, ...] = ()
    skipped: Diagnostic | None = None


def format_path(segments: Sequence[Segment]) -> str:
    """Display a path: ``("items", None, "code")`` -> ``items[].code``."""
    text = ""
    for segment in segments:
        if segment is None:
            text += "[]"
        elif isinstance(segment, int):
            text += f"[{segment}]"
        elif segment.isidentifier():
            text += f".{segment}" if text else segment
        else:
            text += f"[{segment!r}]"
    return text


def template_lines(source: str) -> list[str]:
    """The template's lines as Jinja and the editor count them: ``\\r\\n``, ``\\r``, ``\\n`` each end one.

    Jinja numbers lines after turning every line end into ``\\n``; splitting on ``\\n`` alone would put
    a template saved with old Mac line ends (a lone ``\\r``) on fewer lines than Jinja reports.
    """
    return _LINE_END.split(source)


class _SourceColumns:
    """Finds the column of an expression on a line, inside ``{{ }}`` / ``{% %}`` only.

    Jinja nodes carry only a line number; the column comes from the source line, left to right, so
    repeated expressions on one line get successive columns. Everything here is linear in the
    source: code spans are found in one pass, and each line's words are indexed once (by name and
    by name plus first segment), so 20,000 expressions on one line cost 20,000 lookups, not
    20,000 scans of the line.
    """

    def __init__(self, source: str) -> None:
        source = "\n".join(template_lines(source))
        self._lines = source.split("\n")
        self._spans: dict[int, list[tuple[int, int]]] = {}
        self._indexes: dict[int, _LineIndex] = {}
        self._cursor: dict[tuple[int, str, str | None], int] = {}
        self._literal_cursor: dict[tuple[int, str], int] = {}
        offsets = [0]
        for line_text in self._lines:
            offsets.append(offsets[-1] + len(line_text) + 1)
        for start, end in _code_spans(source):
            line = bisect_right(offsets, start)
            while line <= len(self._lines) and offsets[line - 1] < end:
                line_start = offsets[line - 1]
                self._spans.setdefault(line, []).append(
                    (max(start - line_start, 0), min(end - line_start, len(self._lines[line - 1])))
                )
                line += 1

    def column(self, line: int, root: str, segment: str | None = None) -> int:
        """The column of the next ``root`` (followed by ``.segment`` or ``['segment']`` if given)."""
        if not 1 <= line <= len(self._lines):
            return 1
        index = self._indexes.get(line)
        if index is None:
            text = self._lines[line - 1]
            index = self._indexes[line] = _LineIndex(text, self._spans.get(line, [(0, len(text))]))
        key = (line, root, segment)
        cursor = self._cursor.get(key, 0)
        in_spans = index.in_spans.get((root, segment), [])
        if cursor < len(in_spans):
            self._cursor[key] = cursor + 1
            return in_spans[cursor] + 1
        anywhere = index.anywhere.get((root, segment))
        return anywhere[0] + 1 if anywhere else 1

    def literal_column(self, line: int, text: str) -> int:
        """The column of the next occurrence of ``text`` itself (a name a security check refused)."""
        if not 1 <= line <= len(self._lines):
            return 1
        key = (line, text)
        found = self._lines[line - 1].find(text, self._literal_cursor.get(key, 0))
        if found < 0:
            return 1
        self._literal_cursor[key] = found + len(text)
        return found + 1


_WORD = re.compile(r"\w+")
_FIRST_SEGMENT = re.compile(r"""\s*(?:\.\s*(\w+)|\[\s*['"]([^'"\n]{0,256})['"]\s*\])""")
_CODE_OPEN = {"{{": "}}", "{%": "%}"}


class _LineIndex:
    """Where each name stands on one line: keyed by ``(name, None)`` and ``(name, first segment)``.

    ``in_spans`` holds the offsets inside code spans, ``anywhere`` every offset; a name counts
    where it is not part of a longer word nor an attribute (``x.name``).
    """

    def __init__(self, text: str, spans: list[tuple[int, int]]) -> None:
        self.in_spans: dict[tuple[str, str | None], list[int]] = {}
        self.anywhere: dict[tuple[str, str | None], list[int]] = {}
        span_index = 0
        for match in _WORD.finditer(text):
            start = match.start()
            if start and text[start - 1] == ".":
                continue
            name = match.group()
            after = _FIRST_SEGMENT.match(text, match.end())
            keys: list[tuple[str, str | None]] = [(name, None)]
            if after is not None:
                keys.append((name, after.group(1) if after.group(1) is not None else after.group(2)))
            while span_index < len(spans) and spans[span_index][1] <= start:
                span_index += 1
            inside = span_index < len(spans) and spans[span_index][0] <= start
            for key in keys:
                self.anywhere.setdefault(key, []).append(start)
                if inside:
                    self.in_spans.setdefault(key, []).append(start)


def _code_spans(source: str) -> Iterator[tuple[int, int]]:
    """``{{ ... }}`` and ``{% ... %}`` spans (start, end), found in one pass.

    Once no closer of a kind is left after some point, that kind is no longer looked for, so a
    template full of unclosed ``{{`` costs one scan, not one scan per ``{{``.
    """
    kinds = dict(_CODE_OPEN)
    position = 0
    while kinds:
        opener = re.compile("|".join(re.escape(k) for k in kinds))
        found = opener.search(source, position)
        if found is None:
            return
        end = source.find(kinds[found.group()], found.end())
        if end < 0:
            del kinds[found.group()]
            position = found.start()
            continue
        yield found.start(), end + 2
        position = end + 2


def _chain(node: nodes.Node) -> tuple[nodes.Name, list[Segment], list[nodes.Node]] | None:
    """The root name and path of ``a.b[0]["c"]``; non-constant subscripts end the path."""
    segments: list[Segment] = []
    dynamic: list[nodes.Node] = []
    while True:
        if isinstance(node, nodes.Getattr):
            segments.append(node.attr)
            node = node.node
        elif isinstance(node, nodes.Getitem):
            arg = node.arg
            if (
                isinstance(arg, nodes.Const)
                and isinstance(arg.value, str | int)
                and not isinstance(arg.value, bool)
            ):
                value = arg.value
                segments.append(value if isinstance(value, str) or value >= 0 else None)
            else:
                segments.clear()
                dynamic.append(arg)
            node = node.node
        elif isinstance(node, nodes.Name):
            segments.reverse()
            return node, segments, dynamic
        else:
            return None


class _Walker:
    def __init__(self, source: str) -> None:
        self.columns = _SourceColumns(source)
        self.fields: list[FieldRef] = []
        self.bindings: list[Binding] = []
        self.scopes: list[dict[str, tuple[Segment, ...] | None]] = [{}]
        self._last_lines: dict[int, int] = {}
        self._json_written: set[int] = set()

    def lookup(self, name: str) -> tuple[bool, tuple[Segment, ...] | None]:
        for scope in reversed(self.scopes):
            if name in scope:
                return True, scope[name]
        return False, None

    def path_of(self, node: nodes.Node) -> tuple[Segment, ...] | None:
        """The payload path an expression stands for, if it is one."""
        if isinstance(node, nodes.Filter) and node.name in _ELEMENT_FILTERS and node.node is not None:
            inner = self.path_of(node.node)
            if inner is not None and node.name in ("first", "last"):
                return (*inner, None)
            return inner
        chain = _chain(node)
        if chain is None:
            return None
        root, segments, _ = chain
        bound, base = self.lookup(root.name)
        if bound:
            return None if base is None else (*base, *segments)
        if root.name in NON_PAYLOAD_NAMES:
            return None
        return (root.name, *segments)

    def record(self, node: nodes.Node, optional: bool) -> None:
        chain = _chain(node)
        if chain is None:
            return
        root, segments, dynamic = chain
        for arg in dynamic:
            self.visit(arg)
        path = self.path_of(node)
        if path is None or not path:
            return
        first = segments[0] if segments and isinstance(segments[0], str) else None
        column = self.columns.column(root.lineno, root.name, first)
        stops = id(node) in self._json_written
        self.fields.append(FieldRef(format_path(path), path, root.lineno, column, optional, stops))

    def bind(
        self, name: str, path: tuple[Segment, ...] | None, node: nodes.Node, body: Sequence[nodes.Node]
    ) -> None:
        self.scopes[-1][name] = path
        if path is not None:
            end = max((self.last_line(b) for b in body), default=node.lineno)
            self.bindings.append(Binding(name, format_path(path), node.lineno, max(end, node.lineno)))

    def last_line(self, node: nodes.Node) -> int:
        """The last line ``node`` and its descendants are on, each subtree worked out once.

        Nested loops ask for overlapping subtrees; remembering the answers keeps this linear.
        Helper nodes (a comparison's Operand) carry no line number.
        """
        cached = self._last_lines.get(id(node))
        if cached is None:
            cached = max(
                (self.last_line(child) for child in node.iter_child_nodes()), default=node.lineno or 0
            )
            cached = max(cached, node.lineno or 0)
            self._last_lines[id(node)] = cached
        return cached

    def visit(self, node: nodes.Node, optional: bool = False) -> None:
        method = getattr(self, f"visit_{type(node).__name__.lower()}", None)
        if method is not None:
            method(node, optional)
        elif isinstance(node, nodes.Getattr | nodes.Getitem | nodes.Name):
            if isinstance(node, nodes.Name) and node.ctx != "load":
                return
            self.record(node, optional)
        else:
            for child in node.iter_child_nodes():
                self.visit(child, optional)

    def visit_condition(self, test: nodes.Node) -> None:
        """A field tested for truth (``{% if shipment %}``, ``not x``, ``a or b``) may be missing on
        purpose; a field compared with something (``x == 2``) may not."""
        if isinstance(test, nodes.Not):
            self.visit_condition(test.node)
        elif isinstance(test, nodes.And | nodes.Or):
            self.visit_condition(test.left)
            self.visit_condition(test.right)
        else:
            self.visit(test, isinstance(test, nodes.Name | nodes.Getattr | nodes.Getitem))

    def visit_body(self, body: Sequence[nodes.Node]) -> None:
        for child in body:
            self.visit(child)

    def visit_call(self, node: nodes.Call, optional: bool) -> None:
        if isinstance(node.node, nodes.Getattr):
            self.visit(node.node.node, optional)
        else:
            self.visit(node.node, optional)
        for child in (*node.args, *node.kwargs, node.dyn_args, node.dyn_kwargs):
            if child is not None:
                self.visit(child)

    def visit_filter(self, node: nodes.Filter, optional: bool) -> None:
        if node.name == "tojson" and node.node is not None:
            self._json_written.update(id(value) for value in _json_values(node.node))
        if node.node is not None:
            self.visit(node.node, optional or node.name in _OPTIONAL_FILTERS)
        for child in (*node.args, *node.kwargs, node.dyn_args, node.dyn_kwargs):
            if child is not None:
                self.visit(child)

    def visit_test(self, node: nodes.Test, optional: bool) -> None:
        self.visit(node.node, optional or node.name in _OPTIONAL_TESTS)
        for child in (*node.args, *node.kwargs):
            self.visit(child)

    def visit_if(self, node: nodes.If, optional: bool) -> None:
        self.visit_condition(node.test)
        self.visit_body(node.body)
        for elif_ in node.elif_:
            self.visit(elif_)
        self.visit_body(node.else_)

    def visit_condexpr(self, node: nodes.CondExpr, optional: bool) -> None:
        self.visit_condition(node.test)
        self.visit(node.expr1, optional)
        if node.expr2 is not None:
            self.visit(node.expr2, optional)

    def visit_for(self, node: nodes.For, optional: bool) -> None:
        self.visit(node.iter, optional)
        iterated = self.path_of(node.iter)
        self.scopes.append({"loop": None})
        if isinstance(node.target, nodes.Name):
            self.bind(node.target.name, None if iterated is None else (*iterated, None), node, node.body)
        else:
            for name_node in node.target.find_all(nodes.Name):
                self.scopes[-1][name_node.name] = None
        if node.test is not None:
            self.visit_condition(node.test)
        self.visit_body(node.body)
        self.scopes.pop()
        self.visit_body(node.else_)

    def visit_assign(self, node: nodes.Assign, optional: bool) -> None:
        self.visit(node.node)
        if isinstance(node.target, nodes.Name):
            self.bind(node.target.name, self.path_of(node.node), node, ())
        else:
            for name_node in node.target.find_all(nodes.Name):
                self.scopes[-1][name_node.name] = None

    def visit_assignblock(self, node: nodes.AssignBlock, optional: bool) -> None:
        self.visit_body(node.body)
        for name_node in node.target.find_all(nodes.Name):
            self.scopes[-1][name_node.name] = None

    def visit_with(self, node: nodes.With, optional: bool) -> None:
        for value in node.values:
            self.visit(value)
        self.scopes.append({})
        for target, value in zip(node.targets, node.values, strict=False):
            if isinstance(target, nodes.Name):
                self.bind(target.name, self.path_of(value), node, node.body)
        self.visit_body(node.body)
        self.scopes.pop()

    def visit_macro(self, node: nodes.Macro, optional: bool) -> None:
        self.scopes[-1][node.name] = None
        self._callable_body(node.args, node.defaults, node.body)

    def visit_callblock(self, node: nodes.CallBlock, optional: bool) -> None:
        self.visit(node.call)
        self._callable_body(node.args, node.defaults, node.body)

    def _callable_body(
        self, args: Sequence[nodes.Name], defaults: Sequence[nodes.Expr], body: Sequence[nodes.Node]
    ) -> None:
        for default in defaults:
            self.visit(default)
        scope: dict[str, tuple[Segment, ...] | None] = {arg.name: None for arg in args}
        scope.update(caller=None, varargs=None, kwargs=None)
        self.scopes.append(scope)
        self.visit_body(body)
        self.scopes.pop()

    def visit_fromimport(self, node: nodes.FromImport, optional: bool) -> None:
        for name in node.names:
            self.scopes[-1][name if isinstance(name, str) else name[1]] = None

    def visit_import(self, node: nodes.Import, optional: bool) -> None:
        self.scopes[-1][node.target] = None


def analyze_template(source: str, environment: Environment | None = None) -> TemplateAnalysis:
    """Parse a template (running nothing) and list its fields, aliases and security refusals.

    A template over :data:`MAX_ANALYSED_SOURCE` characters or :data:`MAX_ANALYSED_TAGS` tags, or one
    nested too deeply for the
    parser, is not analysed: ``skipped`` says so, and the render worker (which parses and checks
    it again under its own limits) has the last word on syntax and security.
    """
    tags = source.count("{{") + source.count("{%")
    if len(source) > MAX_ANALYSED_SOURCE or tags > MAX_ANALYSED_TAGS:
        return TemplateAnalysis(
            skipped=Diagnostic(
                Severity.WARNING,
                "too-large-to-check",
                f"too large to check: the template has {len(source):,} characters and {tags:,} tags; "
                f"payload fields are checked for templates up to {MAX_ANALYSED_SOURCE:,} characters "
                f"and {MAX_ANALYSED_TAGS:,} tags",
            )
        )
    env = environment or Environment()
    try:
        return _analyze(source, env)
    except RecursionError:
        return TemplateAnalysis(
            skipped=Diagnostic(
                Severity.WARNING,
                "too-large-to-check",
                "too deeply nested to check: payload fields are not checked for this template",
            )
        )


def _analyze(source: str, env: Environment) -> TemplateAnalysis:
    try:
        ast = env.parse(source)
    except TemplateSyntaxError as exc:
        line = exc.lineno or 1
        column = syntax_error_column(source, line, exc.message or "")
        diagnostic = Diagnostic(
            Severity.ERROR, "syntax", f"syntax error: {exc.message}", Location(Where.TEMPLATE, line, column)
        )
        return TemplateAnalysis(syntax_error=diagnostic)
    walker = _Walker(source)
    walker.visit_body(ast.body)
    columns = walker.columns
    security = tuple(
        Diagnostic(
            Severity.ERROR,
            "security",
            message,
            Location(Where.TEMPLATE, line, columns.literal_column(line, name)),
        )
        for line, name, message in find_violations(ast)[:MAX_SECURITY_REPORTS]
    )
    return TemplateAnalysis(tuple(walker.fields), tuple(walker.bindings), None, security)


def _json_values(node: nodes.Node) -> Iterator[nodes.Node]:
    """What ``|tojson`` writes: the value itself, or the values of a list or mapping written in place."""
    yield node
    if isinstance(node, nodes.Dict):
        for pair in node.items:
            yield from _json_values(pair.value)
    elif isinstance(node, nodes.List | nodes.Tuple):
        for item in node.items:
            yield from _json_values(item)


_TAG_OPEN = re.compile(r"\{[{%]")
_OFFENDING_TOKEN = re.compile(r"unexpected '([^']+)'|got '([^']+)'|unknown tag '([^']+)'")


def syntax_error_column(source: str, line: int, message: str) -> int:
    """The column of a syntax error on ``line``; Jinja gives only the line.

    When the message names the offending token (``unexpected '}'``, ``expected ..., got 'x'``), it
    is the first such token inside a tag on that line; else the first tag that opens on the line;
    else 1 (the error is in a tag that opened on an earlier line).
    """
    lines = source.splitlines()
    if not 1 <= line <= len(lines):
        return 1
    text = lines[line - 1]
    opened = _TAG_OPEN.search(text)
    if opened is None:
        return 1
    named = _OFFENDING_TOKEN.search(message)
    token = next((group for group in named.groups() if group), None) if named else None
    if token is not None:
        found = text.find(token, opened.end())
        if found >= 0:
            return found + 1
    return opened.start() + 1


def analyze_fields(source: str) -> tuple[FieldRef, ...]:
    """Every payload path a template reads, with line and column; empty if it does not parse."""
    return analyze_template(source).fields
