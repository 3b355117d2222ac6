"""What every lint shares: the :class:`Lint` value and the linter's view of the template.

:class:`LintBase` holds the scanned template, the payload paths each tag reads (the field analysis
the preview uses), what each name in the template stands for (payload data, or text the template
made safe itself), and the sample payloads, which say what type a value has and whether a path holds
an array. The lints themselves (:mod:`.lints`, :mod:`.loops`, :mod:`.indexes`) build on it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from jinja2 import Environment, nodes

from postback_studio.core.completion import type_name
from postback_studio.core.doctor.fixes import QuickFix
from postback_studio.core.doctor.scan import Tag, TagKind, TemplateScan, parse_statement, token_spans
from postback_studio.core.doctor.variants import Change, ChangeKind, Variant, first_concrete_path, values_at
from postback_studio.core.model import OutputFormat
from postback_studio.core.render.fields import NON_PAYLOAD_NAMES, FieldRef
from postback_studio.core.render.result import Diagnostic, Location, Severity, Where

#: Filters whose result is always a number: safe in a JSON value, inside a string and in markup.
NUMERIC_FILTERS = frozenset({"int", "float", "length", "count", "wordcount", "round", "abs", "sum"})
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


class LintBase:
    """The linter's view of one template part; the lints add themselves with :meth:`add`."""

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

    def add(
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
        refs = [r for r in self.refs.get(tag.start, []) if ends_with(r.segments, (root, *path))]
        if not refs:
            # A loop variable or an alias: the path it stands for ends with what is written after it.
            refs = [r for r in self.refs.get(tag.start, []) if path and ends_with(r.segments, path)]
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
            variant = self.variant(ref.segments, kind, value, want)
            if variant is not None:
                return variant
        return None

    def variant(
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


def ends_with(segments: Sequence[Any], suffix: Sequence[Any]) -> bool:
    if len(suffix) > len(segments):
        return False
    tail = segments[len(segments) - len(suffix) :]
    return all(a == b and type(a) is type(b) for a, b in zip(tail, suffix, strict=True))


def _target_names(inner: str) -> list[str]:
    words = inner.strip().lstrip("-+").split()
    return [words[1].split("(")[0].split("|")[0]] if len(words) > 1 else []
