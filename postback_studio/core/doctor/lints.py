"""Lints: template patterns that break on real data, each with the variant that proves it and a fix.

* ``json-string-interpolation``: ``"{{ x }}"``, a value written inside a JSON string (a quote, a
  backslash or a line break in it breaks the JSON); fix: ``{{ x|tojson }}``, or for a string mixing
  text and values, ``{{ ("text " ~ x)|tojson }}``.
* ``json-raw-value``: a value written where a JSON value goes without ``|tojson`` (null renders
  ``None``, true ``True``, a string without quotes); fix: ``|tojson``.
* ``json-loop-separator``: a loop that writes JSON elements without commas between them, or nested
  loops that separate only the inner loop's elements; fix: ``{% if not loop.last %},{% endif %}``,
  or for nested loops a namespace flag that puts a comma before every element but the first.
* ``markup-unescaped``: a value written into XML or HTML text or an attribute value without ``|e``;
  fix: ``|e``.
* ``empty-index``: ``items[0]``, ``fulfillments[0]``: indexing an array that may be empty, unguarded;
  fix: ``(items[0].x if items else none)`` (an empty object or list where the value is assigned or
  looped over, with the keys the template reads from it).
* ``type-mismatch``: a payload number or boolean written as a JSON string (``"{{ quantity }}"``),
  the help article's "mismatched data types"; fix: ``{{ quantity|tojson }}``.

Everything is found with Jinja's own lexer and parser (:mod:`.scan`) and the field analysis the
preview uses; the sample payloads, when given, say what type a value has and whether a path holds
an array. A lint is a warning: the template may work on the samples and still break in production.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from jinja2 import Environment, nodes

from postback_studio.core.completion import type_name
from postback_studio.core.doctor.fixes import QuickFix, TextEdit, jinja_string, operand, with_filter
from postback_studio.core.doctor.scan import (
    Block,
    Context,
    JsonString,
    Node,
    ScanError,
    Tag,
    TagKind,
    TemplateScan,
    parse_expression,
    parse_statement,
    scan,
    token_spans,
)
from postback_studio.core.doctor.variants import (
    HOSTILE_STRINGS,
    Change,
    ChangeKind,
    Variant,
    first_concrete_path,
    values_at,
)
from postback_studio.core.model import OutputFormat, Template, TemplateKind
from postback_studio.core.render.fields import NON_PAYLOAD_NAMES, FieldRef, analyze_template
from postback_studio.core.render.result import Diagnostic, Location, Severity, Where

JSON_STRING_INTERPOLATION = "json-string-interpolation"
JSON_RAW_VALUE = "json-raw-value"
JSON_LOOP_SEPARATOR = "json-loop-separator"
MARKUP_UNESCAPED = "markup-unescaped"
EMPTY_INDEX = "empty-index"
TYPE_MISMATCH = "type-mismatch"

#: Filters whose result is always a number: safe in a JSON value, inside a string and in markup.
NUMERIC_FILTERS = frozenset({"int", "float", "length", "count", "wordcount", "round", "abs", "sum"})
JSON_SAFE_FILTERS = NUMERIC_FILTERS | {"tojson"}
MARKUP_SAFE_FILTERS = NUMERIC_FILTERS | {"e", "escape", "forceescape", "urlencode"}
_DOUBLE_QUOTE = HOSTILE_STRINGS[0][0]
_AMPERSAND = next(value for value, _ in HOSTILE_STRINGS if "&" in value)
_VALUE_FILTERS = frozenset({"default", "d"})
_NON_DATA_CALLS = frozenset({"namespace", "joiner", "cycler", "range", "dict", "lipsum"})


@dataclass(frozen=True)
class Lint:
    """One lint: what is wrong, where (a range of the part's text), how to fix it, what proves it.

    ``start``/``end`` are offsets into the part's template text; ``line``/``column`` (1-based) give
    the start for messages. ``proof`` is the edge-case variant that breaks the template because of
    it, where one exists (look it up with :meth:`EdgeCaseReport.finding_for`).
    """

    code: str
    message: str
    part: str
    start: int
    end: int
    line: int
    column: int
    fix: QuickFix | None = None
    proof: Variant | None = None

    def diagnostic(self) -> Diagnostic:
        """The lint as a warning for the Problems list and the command line."""
        return Diagnostic(
            Severity.WARNING,
            self.code,
            self.message,
            Location(Where.TEMPLATE, self.line, self.column, self.part),
        )


def lint_template(
    template: Template, payloads: Mapping[str, Any] | None = None, *, environment: Environment | None = None
) -> tuple[Lint, ...]:
    """Lint every part of a stored template (an email's subject, HTML and text parts)."""
    if template.kind is TemplateKind.WEBHOOK:
        parts = [("body", template.body, template.format)]
    else:
        parts = [
            ("subject", template.subject, OutputFormat.TEXT),
            ("html", template.body, OutputFormat.HTML),
            ("text", template.text_body, OutputFormat.TEXT),
        ]
    return tuple(
        lint
        for part, source, fmt in parts
        if source.strip()
        for lint in lint_source(source, fmt, payloads, part=part, environment=environment)
    )


def lint_source(
    source: str,
    fmt: OutputFormat,
    payloads: Mapping[str, Any] | None = None,
    *,
    part: str = "body",
    environment: Environment | None = None,
) -> tuple[Lint, ...]:
    """Lint one template text written for ``fmt``; ``payloads`` are the samples it is used with.

    A template that does not parse gets no lints: its syntax error is the problem to show.
    """
    env = environment or Environment()
    text, original = _normalized(source)
    analysis = analyze_template(text, env)
    if analysis.syntax_error is not None:
        return ()
    try:
        scanned = scan(text, env, fmt.value)
    except ScanError:
        return ()
    lints = _Linter(
        scanned, fields=analysis.fields, fmt=fmt, payloads=payloads or {}, environment=env, part=part
    ).run()
    if original is None:
        return lints
    return tuple(_mapped(lint, original) for lint in lints)


def _normalized(source: str) -> tuple[str, list[int] | None]:
    """The text with ``\\n`` line ends (as Jinja counts lines), and where each offset was before."""
    if "\r" not in source:
        return source, None
    text: list[str] = []
    original: list[int] = []
    index = 0
    while index < len(source):
        char = source[index]
        original.append(index)
        if char == "\r":
            text.append("\n")
            index += 2 if source.startswith("\r\n", index) else 1
        else:
            text.append(char)
            index += 1
    original.append(len(source))
    return "".join(text), original


def _mapped(lint: Lint, original: Sequence[int]) -> Lint:
    fix = lint.fix
    if fix is not None:
        edits = tuple(TextEdit(original[e.start], original[e.end], e.replacement) for e in fix.edits)
        fix = QuickFix(fix.title, edits)
    return replace(lint, start=original[lint.start], end=original[lint.end], fix=fix)


@dataclass(frozen=True)
class _Chain:
    """``items[0].fulfillments[0]`` in a tag: its text span, path as written, and ``[n]`` positions."""

    start: int
    end: int
    segments: tuple[str | int | None, ...]
    indexes: tuple[tuple[int, int], ...]


class _Linter:
    def __init__(
        self,
        scanned: TemplateScan,
        *,
        fields: Sequence[FieldRef],
        fmt: OutputFormat,
        payloads: Mapping[str, Any],
        environment: Environment,
        part: str,
    ) -> None:
        self.scan = scanned
        self.text = scanned.text
        self.fields = list(fields)
        self.fmt = fmt
        self.payloads = payloads
        self.env = environment
        self.part = part
        self.lints: list[Lint] = []
        self.refs: dict[int, list[FieldRef]] = {}
        self.ref_offsets: dict[int, int] = {}
        for index, ref in enumerate(self.fields):
            offset = scanned.offset(ref.line, ref.column)
            self.ref_offsets[index] = offset
            tag = scanned.tag_at(offset)
            if tag is not None:
                self.refs.setdefault(tag.start, []).append(ref)
        self.non_data: set[str] = set()
        self.json_safe: set[str] = set()
        self.markup_safe: set[str] = set()
        self.joiners: set[str] = set()
        self.macros: set[str] = set()
        self.names: set[str] = set()
        self._classify_names()

    def run(self) -> tuple[Lint, ...]:
        for tag in self.scan.tags:
            if tag.kind is TagKind.EXPRESSION:
                self._expression(tag)
        if self.fmt is OutputFormat.JSON:
            self._loops()
        for tag in self.scan.tags:
            if tag.kind in (TagKind.EXPRESSION, TagKind.STATEMENT):
                self._indexes(tag)
        unique = {(lint.start, lint.end, lint.code): lint for lint in self.lints}
        return tuple(unique[key] for key in sorted(unique))

    def _add(
        self, code: str, message: str, start: int, end: int, *, fix: QuickFix | None, proof: Variant | None
    ) -> None:
        line, column = self.scan.position(start)
        self.lints.append(Lint(code, message, self.part, start, end, line, column, fix, proof))

    # -- what names stand for ---------------------------------------------------------------------

    def _classify_names(self) -> None:
        """Which names hold payload data, and which hold JSON or markup the template already made safe."""
        for _, _, _, kind, value in token_spans(self.text, self.env):
            if kind == "name":
                self.names.add(value)
        for tag in self.scan.tags:
            if tag.kind is not TagKind.STATEMENT or tag.keyword not in ("set", "for", "macro", "with"):
                continue
            inner = tag.inner(self.text)
            if tag.keyword == "set" and "=" not in inner:
                self.non_data.update(_target_names(inner))
                continue
            if tag.keyword == "macro":
                self.macros.update(_target_names(inner)[:1])
                continue
            node = parse_statement(inner, tag.keyword, self.env)
            if isinstance(node, nodes.Assign) and isinstance(node.target, nodes.Name):
                assert isinstance(node.node, nodes.Expr)
                self._classify(node.target.name, node.node)
            elif isinstance(node, nodes.For) and not self._reads_data(node.iter):
                targets = (node.target, *node.target.find_all(nodes.Name))
                self.non_data.update(n.name for n in targets if isinstance(n, nodes.Name))
            elif isinstance(node, nodes.With):
                for target, assigned in zip(node.targets, node.values, strict=False):
                    if isinstance(target, nodes.Name):
                        self._classify(target.name, assigned)

    def _classify(self, name: str, value: nodes.Expr) -> None:
        if isinstance(value, nodes.Call) and isinstance(value.node, nodes.Name):
            if value.node.name in ("joiner", "cycler"):
                self.joiners.add(name)
            if value.node.name in _NON_DATA_CALLS:
                self.non_data.add(name)
                return
        if isinstance(value, nodes.Filter) and value.name == "tojson":
            self.json_safe.add(name)
        elif isinstance(value, nodes.Filter) and value.name in ("e", "escape", "forceescape"):
            self.markup_safe.add(name)
        elif not self._reads_data(value):
            self.non_data.add(name)

    def _reads_data(self, node: nodes.Node) -> bool:
        for found in (node, *node.find_all((nodes.Name, nodes.Call))):
            if isinstance(found, nodes.Call):
                if isinstance(found.node, nodes.Name) and found.node.name == "lookups":
                    return True
            elif (
                isinstance(found, nodes.Name)
                and found.ctx == "load"
                and found.name not in NON_PAYLOAD_NAMES
                and found.name not in self.non_data
            ):
                return True
        return False

    def _safe(self, node: nodes.Node, filters: frozenset[str], safe_names: set[str]) -> bool:
        """True when an expression's output cannot break its context: a safe filter applied last,
        a constant, a name made safe already, or no payload data in it at all."""
        if isinstance(node, nodes.Filter) and node.name in filters:
            return True
        if isinstance(node, nodes.CondExpr):
            return self._safe(node.expr1, filters, safe_names) and (
                node.expr2 is None or self._safe(node.expr2, filters, safe_names)
            )
        if isinstance(node, nodes.Const):
            return True
        if isinstance(node, nodes.Name) and node.name in safe_names:
            return True
        if (
            isinstance(node, nodes.Call)
            and isinstance(node.node, nodes.Name)
            and node.node.name in self.macros
        ):
            # Text the template made. (A macro's body is not linted: where it lands shows only at a call.)
            return True
        return not self._reads_data(node)

    def _value_type(self, tag: Tag, expression: nodes.Node) -> str | None:
        """``number``, ``boolean`` or ``string`` when the expression's JSON type is certain: a
        constant, a numeric filter, both branches of an ``if`` agreeing, or a payload value every
        sample agrees on (``|default`` keeps the type)."""
        if isinstance(expression, nodes.Const):
            return type_name(expression.value)
        if isinstance(expression, nodes.Filter) and expression.node is not None:
            if expression.name in NUMERIC_FILTERS:
                return "number"
            return self._value_type(tag, expression.node) if expression.name in _VALUE_FILTERS else None
        if isinstance(expression, nodes.CondExpr):
            first = self._value_type(tag, expression.expr1)
            second = self._value_type(tag, expression.expr2) if expression.expr2 is not None else None
            return first if first == second else None
        written = _written_path(expression)
        if written is None:
            return None
        root, path = written
        refs = [r for r in self.refs.get(tag.start, []) if _ends_with(r.segments, (root, *path))]
        if not refs:
            # A loop variable or an alias: the path it stands for ends with what is written after it.
            refs = [r for r in self.refs.get(tag.start, []) if path and _ends_with(r.segments, path)]
        paths = {r.segments for r in refs}
        if len(paths) != 1:
            return None
        (segments,) = paths
        kinds = {
            type_name(value)
            for payload in self.payloads.values()
            for value in values_at(payload, segments)
            if value is not None
        }
        return kinds.pop() if len(kinds) == 1 else None

    def _proof(
        self, tag: Tag, kind: ChangeKind, value: Any = None, want: type | None = None
    ) -> Variant | None:
        """The first variant, over the samples, that changes a value this tag reads."""
        for ref in self.refs.get(tag.start, []):
            variant = self._variant(ref.segments, kind, value, want)
            if variant is not None:
                return variant
        return None

    def _variant(
        self, segments: Sequence[str | int | None], kind: ChangeKind, value: Any, want: type | None
    ) -> Variant | None:
        for name, payload in self.payloads.items():
            path = first_concrete_path(payload, segments)
            if path is None:
                continue
            current = values_at(payload, path)
            if not current or (want is not None and not isinstance(current[0], want)):
                continue
            if kind is ChangeKind.RESIZE and (not isinstance(current[0], list) or not current[0]):
                continue
            if kind is ChangeKind.NULL and current[0] is None:
                continue
            return Variant(name, Change(path, kind, value))
        return None

    # -- values written into JSON and markup -------------------------------------------------------

    def _expression(self, tag: Tag) -> None:
        context = self.scan.contexts.get(tag.start)
        if context in (None, Context.OTHER):
            return
        inner = tag.inner(self.text)
        expression = parse_expression(inner, self.env)
        if expression is None:
            return
        if context is Context.JSON_STRING:
            self._json_string(tag, expression)
        elif context is Context.JSON_VALUE:
            if not self._safe(expression, JSON_SAFE_FILTERS, self.json_safe):
                self._add(
                    JSON_RAW_VALUE,
                    f"{{{{{inner}}}}} writes a value into JSON without |tojson: null renders as None, "
                    "true as True and text without quotes, none of which is JSON; write "
                    f"{{{{ {operand(inner, expression)}|tojson }}}}",
                    tag.start,
                    tag.end,
                    fix=QuickFix(
                        "Write the value with |tojson", (self._filter_edit(tag, expression, "tojson"),)
                    ),
                    proof=self._proof(tag, ChangeKind.NULL),
                )
        else:
            self._markup(tag, inner, expression, context)

    def _json_string(self, tag: Tag, expression: nodes.Expr) -> None:
        if self._safe(expression, NUMERIC_FILTERS, set()):
            return
        string = self.scan.strings.get(tag.start)
        inner = tag.inner(self.text)
        kind = self._value_type(tag, expression)
        if kind in ("number", "boolean"):
            if string is not None and self._sole(string):
                self._add(
                    TYPE_MISMATCH,
                    f"{{{{{inner}}}}} is a {kind} in the payload but is written as a JSON string: a "
                    f"receiver that expects a {kind} refuses it (mismatched data types); write "
                    f"{{{{ {operand(inner, expression)}|tojson }}}} without the quotes",
                    string.open,
                    (string.close or tag.end - 1) + 1,
                    fix=self._string_fix(string, f"Write the {kind} with |tojson"),
                    proof=None,
                )
            return
        if string is None or string.close is None:
            start, end, fix = tag.start, tag.end, None
        else:
            if any(
                lint.start == string.open and lint.code == JSON_STRING_INTERPOLATION for lint in self.lints
            ):
                return
            start, end = string.open, string.close + 1
            fix = self._string_fix(string, "Let |tojson write the whole string")
        self._add(
            JSON_STRING_INTERPOLATION,
            f"{{{{{inner}}}}} is written inside a JSON string: a value with a double quote, a backslash "
            "or a line break makes the JSON invalid; let |tojson write the whole string, quotes included",
            start,
            end,
            fix=fix,
            proof=self._proof(tag, ChangeKind.STRING, _DOUBLE_QUOTE, str),
        )

    def _sole(self, string: JsonString) -> bool:
        """The string is exactly one ``{{ }}`` between its quotes: ``"{{ x }}"``."""
        if len(string.tags) != 1 or string.statements or string.close is None:
            return False
        return string.open + 1 == string.tags[0].start and string.tags[0].end == string.close

    def _string_fix(self, string: JsonString, title: str) -> QuickFix | None:
        """``"Order {{ id }} shipped"`` -> ``{{ ("Order " ~ id ~ " shipped")|tojson }}``."""
        if string.close is None or string.statements:
            return None
        pieces: list[str] = []
        cursor = string.open + 1
        strip_next = False
        for tag in string.tags:
            expression = parse_expression(tag.inner(self.text), self.env)
            if expression is None or (isinstance(expression, nodes.Filter) and expression.name == "tojson"):
                return None
            literal = self.text[cursor : tag.start]
            literal = literal.lstrip() if strip_next else literal
            literal = literal.rstrip() if tag.strip_before else literal
            if literal:
                decoded = _json_text(literal)
                if decoded is None:
                    return None
                pieces.append(jinja_string(decoded))
            pieces.append(operand(tag.inner(self.text), expression))
            strip_next = self.text[tag.inner_end : tag.end].startswith("-")
            cursor = tag.end
        literal = self.text[cursor : string.close]
        literal = literal.lstrip() if strip_next else literal
        if literal:
            decoded = _json_text(literal)
            if decoded is None:
                return None
            pieces.append(jinja_string(decoded))
        value = pieces[0] if len(pieces) == 1 else "(" + " ~ ".join(pieces) + ")"
        return QuickFix(title, (TextEdit(string.open, string.close + 1, f"{{{{ {value}|tojson }}}}"),))

    def _filter_edit(self, tag: Tag, expression: nodes.Expr, name: str) -> TextEdit:
        """The whole ``{{ }}`` tag rewritten with ``|name`` applied last (delimiters kept as written)."""
        opening = self.text[tag.start : tag.inner_start]
        closing = self.text[tag.inner_end : tag.end]
        return TextEdit(
            tag.start, tag.end, opening + with_filter(tag.inner(self.text), expression, name) + closing
        )

    def _markup(self, tag: Tag, inner: str, expression: nodes.Expr, context: Context) -> None:
        allowed = MARKUP_SAFE_FILTERS | ({"tojson"} if context is Context.XML_TEXT else set())
        if self._safe(expression, frozenset(allowed), self.markup_safe):
            return
        if self._value_type(tag, expression) in ("number", "boolean"):
            return
        language = self.fmt.value.upper()
        where = f"{language} text" if context is Context.XML_TEXT else f"an {language} attribute value"
        effect = "makes the XML invalid" if self.fmt is OutputFormat.XML else "changes the HTML"
        self._add(
            MARKUP_UNESCAPED,
            f"{{{{{inner}}}}} writes a value into {where} without |e: a value with < or & "
            f"{effect}; write {{{{ {operand(inner, expression)}|e }}}}",
            tag.start,
            tag.end,
            fix=QuickFix("Escape the value with |e", (self._filter_edit(tag, expression, "e"),)),
            proof=self._proof(tag, ChangeKind.STRING, _AMPERSAND, str)
            if self.fmt is OutputFormat.XML
            else None,
        )

    # -- loops that write JSON elements ------------------------------------------------------------

    def _loops(self) -> None:
        covered: set[int] = set()
        for block in self.scan.blocks("for"):
            if block.tag.start in covered or self.scan.containers.get(block.tag.start) not in ("[", "{"):
                continue
            elements = self._content(block.branches[0][1])
            if not elements or self._separated(block.branches[0][1]):
                continue
            nest = self._nest(block)
            covered.update(loop.tag.start for loop in nest)
            inner_only = len(nest) > 1 and self._cross(nest[-1].branches[0][1]) == "local"
            if len(nest) > 1:
                message = (
                    "these nested loops separate only the inner loop's elements: the last element "
                    "of one outer iteration and the first of the next have no comma between them"
                    if inner_only
                    else "these nested loops write JSON elements with no comma between them"
                )
            else:
                message = "this loop writes JSON elements with no comma between them"
            message += "; the JSON is invalid as soon as there are two"
            self._add(
                JSON_LOOP_SEPARATOR,
                message,
                block.tag.start,
                block.tag.end,
                fix=self._loop_fix(nest),
                proof=self._loop_proof(block),
            )

    def _content(self, body: Sequence[Node]) -> list[Node]:
        """The nodes of a body that write something, separators included."""
        found: list[Node] = []
        for node in body:
            if isinstance(node, Block):
                if node.keyword not in ("macro", "set"):
                    found.append(node)
            elif node.kind is TagKind.EXPRESSION or (
                node.kind is TagKind.DATA and self.text[node.start : node.end].strip()
            ):
                found.append(node)
        return found

    def _separator(self, node: Node) -> str | None:
        """``local`` for a comma that depends on ``loop``, ``global`` for one that does not (a
        namespace flag, a joiner, a literal comma), None if the node is no separator."""
        if isinstance(node, Block):
            if node.keyword != "if":
                return None
            for _, branch in node.branches:
                for child in self._content(branch):
                    if not (isinstance(child, Tag) and child.kind is TagKind.DATA):
                        return None
                    if self.text[child.start : child.end].strip() != ",":
                        return None
            tags = [tag for tag, _ in node.branches]
            return "local" if any(self._mentions_loop(tag) for tag in tags) else "global"
        if node.kind is TagKind.DATA:
            stripped = self.text[node.start : node.end].strip()
            return "global" if stripped.startswith(",") or stripped.endswith(",") else None
        spans = token_spans(self.text[node.start : node.end], self.env)
        commas = any(kind == "string" and value.strip("'\"").strip() == "," for *_, kind, value in spans)
        joiner = any(kind == "name" and value in self.joiners for *_, kind, value in spans)
        if commas:
            return "local" if self._mentions_loop(node) else "global"
        return "global" if joiner else None

    def _mentions_loop(self, tag: Tag) -> bool:
        return any(
            kind == "name" and value == "loop"
            for *_, kind, value in token_spans(self.text[tag.start : tag.end], self.env)
        )

    def _cross(self, body: Sequence[Node]) -> str:
        """How a body's output is separated from the next iteration's, whatever loop repeats it:
        ``global``, ``local`` (only within its own loop), ``none``, or ``empty``."""
        content = self._content(body)
        separators = [self._separator(node) for node in content]
        if not content:
            return "empty"
        if "global" in separators:
            return "global"
        if "local" in separators:
            return "local"
        if len(content) == 1 and isinstance(content[0], Block):
            single = content[0]
            if single.keyword == "for":
                inner = self._cross(single.branches[0][1])
                return "global" if inner == "global" else ("empty" if inner == "empty" else "none")
            if single.keyword == "if" and len(single.branches) == 1:
                return self._cross(single.branches[0][1])
        return "none"

    def _separated(self, body: Sequence[Node]) -> bool:
        """True when consecutive iterations of the loop with this body are separated."""
        content = self._content(body)
        if any(self._separator(node) for node in content):
            return True
        if len(content) == 1 and isinstance(content[0], Block):
            single = content[0]
            if single.keyword == "for":
                return self._cross(single.branches[0][1]) in ("global", "empty")
            if single.keyword == "if" and len(single.branches) == 1:
                return self._cross(single.branches[0][1]) in ("global", "empty")
        return False

    def _nest(self, block: Block) -> list[Block]:
        """The loop and the loops nested in it as its only content, outermost first."""
        nest = [block]
        while True:
            content = [n for n in self._content(nest[-1].branches[0][1]) if self._separator(n) != "local"]
            if len(content) == 1 and isinstance(content[0], Block) and content[0].keyword == "for":
                nest.append(content[0])
            else:
                return nest

    def _loop_fix(self, nest: Sequence[Block]) -> QuickFix | None:
        innermost = nest[-1]
        content = self._content(innermost.branches[0][1])
        last = content[-1]
        if len(nest) == 1 and isinstance(last, Tag) and all(isinstance(node, Tag) for node in content):
            end = last.end
            if last.kind is TagKind.DATA:
                end = last.start + len(self.text[last.start : last.end].rstrip())
            return QuickFix(
                "Put a comma after every element but the last",
                (TextEdit(end, end, "{% if not loop.last %},{% endif %}"),),
            )
        body: Sequence[Node] = innermost.branches[0][1]
        first = next((n for n in self._content(body) if self._separator(n) != "local"), None)
        while isinstance(first, Block) and first.keyword == "if" and len(first.branches) == 1:
            body = first.branches[0][1]
            first = next(iter(self._content(body)), None)
        if not isinstance(first, Tag):
            return None
        start = first.start
        if first.kind is TagKind.DATA:
            text = self.text[first.start : first.end]
            start += len(text) - len(text.lstrip())
        flag = self._free_name("ns")
        outer = nest[0].tag
        dash = "-" if outer.strip_before else ""
        edits = [
            TextEdit(outer.start, outer.start, f"{{%{dash} set {flag} = namespace(first=true) %}}"),
            TextEdit(
                start, start, f"{{% if not {flag}.first %}},{{% endif %}}{{% set {flag}.first = false %}}"
            ),
        ]
        for loop in nest:
            for node in self._content(loop.branches[0][1]):
                if isinstance(node, Block) and self._separator(node) == "local":
                    edits.append(TextEdit(node.tag.start, node.end.end, ""))
        return QuickFix(
            "Put a comma before every element but the first, across the nested loops", tuple(edits)
        )

    def _free_name(self, base: str) -> str:
        name, number = base, 2
        while name in self.names:
            name, number = f"{base}{number}", number + 1
        return name

    def _loop_proof(self, block: Block) -> Variant | None:
        for ref in self.refs.get(block.tag.start, []):
            variant = self._variant(ref.segments, ChangeKind.RESIZE, 3, list)
            if variant is not None:
                return variant
        return None

    # -- indexing into arrays that may be empty ----------------------------------------------------

    def _indexes(self, tag: Tag) -> None:
        refs = self.refs.get(tag.start, [])
        for chain in self._chains(tag):
            ref = next((r for r in refs if _ends_with(r.segments, chain.segments)), None)
            if ref is None:
                continue
            base = len(ref.segments) - len(chain.segments)
            containers = [(ref.segments[: base + position], bracket) for position, bracket in chain.indexes]
            unguarded = [(c, b) for c, b in containers if self._may_be_empty(c) and not self._guarded(tag, c)]
            if not unguarded:
                continue
            chain_text = self.text[chain.start : chain.end]
            container, bracket = unguarded[0]
            container_text = self.text[chain.start : bracket]
            number = chain.segments[chain.indexes[containers.index((container, bracket))][0]]
            self._add(
                EMPTY_INDEX,
                f"{chain_text} takes for granted that {container_text} is never empty: when it is, "
                f"{container_text}[{number}] is undefined and the render fails or writes nothing; "
                f"guard it with {{% if {container_text} %}}",
                chain.start,
                chain.end,
                fix=self._index_fix(tag, chain, ref, [bracket for _, bracket in containers]),
                proof=self._variant(unguarded[0][0], ChangeKind.RESIZE, 0, list),
            )

    def _chains(self, tag: Tag) -> Iterator[_Chain]:
        """Every ``name.attr[0]...`` in a tag that has a constant integer index."""
        spans = [s for s in token_spans(self.text[tag.start : tag.end], self.env) if s[3] != "whitespace"]
        index = 0
        while index < len(spans):
            start, _, _, kind, _ = spans[index]
            after_dot = index > 0 and spans[index - 1][3] == "operator" and spans[index - 1][4] == "."
            if kind != "name" or after_dot:
                index += 1
                continue
            segments: list[str | int | None] = []
            indexes: list[tuple[int, int]] = []
            cursor = index + 1
            while cursor < len(spans):
                if spans[cursor][4] == "." and cursor + 1 < len(spans) and spans[cursor + 1][3] == "name":
                    segments.append(spans[cursor + 1][4])
                    cursor += 2
                elif spans[cursor][4] == "[":
                    close = _closing_bracket(spans, cursor)
                    if close is None:
                        break
                    inside = spans[cursor + 1 : close]
                    if len(inside) == 1 and inside[0][3] == "integer":
                        indexes.append((len(segments), tag.start + spans[cursor][0]))
                        segments.append(int(inside[0][4].replace("_", "")))
                    elif len(inside) == 1 and inside[0][3] == "string":
                        segments.append(inside[0][4][1:-1])
                    else:
                        segments.append(None)
                    cursor = close + 1
                else:
                    break
            if indexes and None not in segments:
                end = tag.start + spans[cursor - 1][1]
                yield _Chain(tag.start + start, end, tuple(segments), tuple(indexes))
            index = cursor

    def _may_be_empty(self, container: Sequence[str | int | None]) -> bool:
        """An array by the samples (or, without samples, anything indexed with [n])."""
        if not self.payloads:
            return True
        return any(
            isinstance(value, list)
            for payload in self.payloads.values()
            for value in values_at(payload, container)
        )

    def _guarded(self, tag: Tag, container: Sequence[str | int | None]) -> bool:
        """The container is tested in the same tag, by an enclosing ``if``/``elif``, or looped over."""
        container = tuple(container)
        if any(r.segments == container for r in self.refs.get(tag.start, [])):
            return True
        for block, branch in self.scan.enclosing(tag):
            guard = block.branches[branch][0]
            if (
                block.keyword in ("if", "for")
                and guard.keyword in ("if", "elif", "for")
                and any(r.segments == container for r in self.refs.get(guard.start, []))
            ):
                return True
        return False

    def _index_fix(self, tag: Tag, chain: _Chain, ref: FieldRef, brackets: Sequence[int]) -> QuickFix:
        guards = []
        for position, bracket in zip((p for p, _ in chain.indexes), brackets, strict=True):
            prefix = self.text[chain.start : bracket]
            number = chain.segments[position]
            guards.append(prefix if number == 0 else f"{prefix}|length > {number}")
        chain_text = self.text[chain.start : chain.end]
        fallback = self._fallback(tag, chain, ref)
        replacement = f"({chain_text} if {' and '.join(guards)} else {fallback})"
        return QuickFix(
            "Guard the index against an empty array", (TextEdit(chain.start, chain.end, replacement),)
        )

    def _fallback(self, tag: Tag, chain: _Chain, ref: FieldRef) -> str:
        """What the guarded expression gives for an empty array, chosen for how the value is used."""
        spans = [
            span
            for span in token_spans(self.text[tag.start : tag.end], self.env)
            if span[3] not in ("whitespace", "variable_begin", "variable_end", "block_begin", "block_end")
        ]
        words = [value for *_, value in spans]
        first = next(i for i, span in enumerate(spans) if tag.start + span[0] == chain.start)
        last = next(i for i, span in enumerate(spans) if tag.start + span[1] == chain.end)
        before, after = words[first - 1 : first], words[last + 1 :]
        if tag.kind is TagKind.EXPRESSION and first == 0 and (not after or after[0] == "|"):
            return "none" if "tojson" in after else '""'
        if tag.keyword == "for" and before == ["in"]:
            return "[]"
        if tag.keyword == "set" and before == ["="] and not after:
            return self._empty_object(tag, ref.segments)
        return "none"

    def _empty_object(self, tag: Tag, bound: Sequence[str | int | None]) -> str:
        """An object literal with every key the template later reads through the assigned name."""
        tree: dict[str, Any] = {}
        for index, ref in enumerate(self.fields):
            if self.ref_offsets[index] < tag.end or len(ref.segments) <= len(bound):
                continue
            if tuple(ref.segments[: len(bound)]) != tuple(bound):
                continue
            node = tree
            for segment in ref.segments[len(bound) :]:
                if not isinstance(segment, str):
                    break
                node = node.setdefault(segment, {})
        return _object_literal(tree)


def _written_path(node: nodes.Node) -> tuple[str, tuple[str | int, ...]] | None:
    """The root name and the path written after it (``a.b[0]`` -> ``("a", ("b", 0))``) of an
    attribute/index chain; None for anything else."""
    segments: list[str | int] = []
    while True:
        if isinstance(node, nodes.Getattr):
            segments.append(node.attr)
            node = node.node
        elif isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
            if not isinstance(node.arg.value, str | int) or isinstance(node.arg.value, bool):
                return None
            segments.append(node.arg.value)
            node = node.node
        elif isinstance(node, nodes.Name):
            return node.name, tuple(reversed(segments))
        else:
            return None


def _object_literal(tree: Mapping[str, Any]) -> str:
    items = [
        f"{jinja_string(key)}: {_object_literal(child) if child else 'none'}" for key, child in tree.items()
    ]
    return "{" + ", ".join(items) + "}"


def _closing_bracket(spans: Sequence[tuple[int, int, int, str, str]], opening: int) -> int | None:
    depth = 0
    for index in range(opening, len(spans)):
        if spans[index][4] == "[":
            depth += 1
        elif spans[index][4] == "]":
            depth -= 1
            if depth == 0:
                return index
    return None


def _ends_with(segments: Sequence[Any], suffix: Sequence[Any]) -> bool:
    if len(suffix) > len(segments):
        return False
    tail = segments[len(segments) - len(suffix) :]
    return all(a == b and type(a) is type(b) for a, b in zip(tail, suffix, strict=True))


def _target_names(inner: str) -> list[str]:
    words = inner.strip().lstrip("-+").split()
    return [words[1].split("(")[0].split("|")[0]] if len(words) > 1 else []


def _json_text(literal: str) -> str | None:
    """The text a JSON string's content stands for (escapes decoded), None if it is not valid JSON."""
    try:
        value = json.loads(f'"{literal}"')
    except ValueError:
        return None
    return value if isinstance(value, str) else None
