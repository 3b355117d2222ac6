"""Which payload fields a template reads, and where: found by walking the parsed template.

Jinja2's ``UndefinedError`` carries no location (pallets/jinja#1760) and the default ``Undefined``
prints an empty string without any error at all, so a misspelt field silently produces ``""`` in
production. Walking the template's AST instead lists every payload path the template reads
(``items[].fulfillments[].trackingCode``), with loop variables resolved to the path they iterate and
``{% set %}`` / ``{% with %}`` aliases followed, each with its template line and column. Parsing
evaluates nothing, so this runs safely in the calling process, in parallel with the render worker.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from jinja2 import Environment, nodes
from jinja2.exceptions import TemplateSyntaxError

from postback_studio.core.render.result import Diagnostic, FieldUse, Location, Severity, Where
from postback_studio.core.render.static_checks import find_violations

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
_CODE_SPANS = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.DOTALL)
_LINE_END = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class FieldRef:
    """A payload path the template reads, before it is checked against a payload.

    ``optional`` marks reads the template guards itself (``x is defined``, ``x|default(...)``,
    ``{% if x %}``): a missing value there is intended, so it is not reported.
    """

    path: str
    segments: tuple[Segment, ...]
    line: int
    column: int
    optional: bool = False


@dataclass(frozen=True)
class Binding:
    """A loop variable or alias and the payload path it stands for, over lines ``line..end_line``."""

    name: str
    path: str
    line: int
    end_line: int


@dataclass(frozen=True)
class TemplateAnalysis:
    """Everything learned from parsing a template, without running it."""

    fields: tuple[FieldRef, ...] = ()
    bindings: tuple[Binding, ...] = ()
    syntax_error: Diagnostic | None = None
    security: tuple[Diagnostic, ...] = ()


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

    Jinja nodes carry only a line number; the column comes from searching the source line for the
    expression's text, left to right, so repeated expressions on one line get successive columns.
    """

    def __init__(self, source: str) -> None:
        source = "\n".join(template_lines(source))
        self._lines = source.split("\n")
        self._cursor: dict[tuple[int, str], int] = {}
        self._spans: dict[int, list[tuple[int, int]]] = {}
        offsets = [0]
        for line_text in self._lines:
            offsets.append(offsets[-1] + len(line_text) + 1)
        for match in _CODE_SPANS.finditer(source):
            start, end = match.span()
            line = source.count("\n", 0, start) + 1
            while line <= len(self._lines) and offsets[line - 1] < end:
                line_start = offsets[line - 1]
                self._spans.setdefault(line, []).append(
                    (max(start - line_start, 0), min(end - line_start, len(self._lines[line - 1])))
                )
                line += 1

    def column(self, line: int, pattern: str) -> int:
        if not 1 <= line <= len(self._lines):
            return 1
        text = self._lines[line - 1]
        key = (line, pattern)
        cursor = self._cursor.get(key, 0)
        regex = re.compile(pattern)
        for start, end in self._spans.get(line, [(0, len(text))]):
            match = regex.search(text, max(start, cursor), end)
            if match:
                self._cursor[key] = match.end()
                return match.start() + 1
        match = regex.search(text)
        return match.start() + 1 if match else 1


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


def _chain_pattern(root: str, segments: Sequence[Segment]) -> str:
    pattern = rf"(?<![\w.]){re.escape(root)}\b"
    for segment in segments[:1]:
        if isinstance(segment, str):
            pattern += rf"\s*(?:\.\s*{re.escape(segment)}\b|\[\s*['\"]{re.escape(segment)}['\"]\s*\])"
    return pattern


class _Walker:
    def __init__(self, source: str) -> None:
        self.columns = _SourceColumns(source)
        self.fields: list[FieldRef] = []
        self.bindings: list[Binding] = []
        self.scopes: list[dict[str, tuple[Segment, ...] | None]] = [{}]

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
        column = self.columns.column(root.lineno, _chain_pattern(root.name, segments))
        self.fields.append(FieldRef(format_path(path), path, root.lineno, column, optional))

    def bind(
        self, name: str, path: tuple[Segment, ...] | None, node: nodes.Node, body: Sequence[nodes.Node]
    ) -> None:
        self.scopes[-1][name] = path
        if path is not None:
            # Helper nodes (a comparison's Operand) carry no line number.
            lines = (n.lineno for b in body for n in _descendants(b) if n.lineno is not None)
            end = max(lines, default=node.lineno)
            self.bindings.append(Binding(name, format_path(path), node.lineno, end))

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


def _descendants(node: nodes.Node) -> Iterator[nodes.Node]:
    yield node
    for child in node.iter_child_nodes():
        yield from _descendants(child)


def analyze_template(source: str, environment: Environment | None = None) -> TemplateAnalysis:
    """Parse a template (running nothing) and list its fields, aliases and security refusals."""
    env = environment or Environment()
    try:
        ast = env.parse(source)
    except TemplateSyntaxError as exc:
        line = exc.lineno or 1
        diagnostic = Diagnostic(
            Severity.ERROR, "syntax", f"syntax error: {exc.message}", Location(Where.TEMPLATE, line, 1)
        )
        return TemplateAnalysis(syntax_error=diagnostic)
    walker = _Walker(source)
    walker.visit_body(ast.body)
    columns = _SourceColumns(source)
    security = tuple(
        Diagnostic(
            Severity.ERROR,
            "security",
            message,
            Location(Where.TEMPLATE, line, columns.column(line, re.escape(name))),
        )
        for line, name, message in find_violations(ast)
    )
    return TemplateAnalysis(tuple(walker.fields), tuple(walker.bindings), None, security)


def analyze_fields(source: str) -> tuple[FieldRef, ...]:
    """Every payload path a template reads, with line and column; empty if it does not parse."""
    return analyze_template(source).fields


def _count_missing(value: Any, segments: Sequence[Segment]) -> tuple[int, int]:
    """How many of the places a path reaches lack it, out of how many it reached."""
    current = [value]
    for segment in segments:
        following: list[Any] = []
        missing = 0
        for item in current:
            if segment is None:
                if isinstance(item, list):
                    following.extend(item)
                elif isinstance(item, dict):
                    return 0, 1
                else:
                    missing += 1
            elif isinstance(segment, int):
                if isinstance(item, list) and segment < len(item):
                    following.append(item[segment])
                else:
                    missing += 1
            elif isinstance(item, dict) and segment in item:
                following.append(item[segment])
            else:
                missing += 1
        if missing:
            return missing, missing + len(following)
        current = following
    return 0, len(current)


def resolve_fields(refs: Sequence[FieldRef], payload: Any) -> tuple[FieldUse, ...]:
    """Check each field against a payload: resolved when every place the path reaches has it."""
    return tuple(
        FieldUse(ref.path, ref.line, ref.column, _count_missing(payload, ref.segments)[0] == 0)
        for ref in refs
    )


def unresolved_diagnostics(
    refs: Sequence[FieldRef], uses: Sequence[FieldUse], *, strict: bool, part: str = "body"
) -> tuple[Diagnostic, ...]:
    """One diagnostic per unresolved, unguarded read: a warning, or an error under strict mode."""
    severity = Severity.ERROR if strict else Severity.WARNING
    return tuple(
        Diagnostic(
            severity,
            "unresolved-field",
            f"field '{use.path}' is not in the payload (renders as an empty string)",
            Location(Where.TEMPLATE, use.line, use.column, part),
        )
        for ref, use in zip(refs, uses, strict=True)
        if not use.resolved and not ref.optional
    )
