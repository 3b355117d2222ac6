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
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from jinja2 import Environment, nodes

from postback_studio.core.doctor.base import NUMERIC_FILTERS, Lint
from postback_studio.core.doctor.fixes import QuickFix, TextEdit, jinja_string, operand, with_filter
from postback_studio.core.doctor.indexes import EMPTY_INDEX, IndexLints
from postback_studio.core.doctor.loops import JSON_LOOP_SEPARATOR, LoopLints
from postback_studio.core.doctor.scan import (
    Context,
    JsonString,
    ScanError,
    Tag,
    TagKind,
    parse_expression,
    scan,
)
from postback_studio.core.doctor.variants import HOSTILE_STRINGS, ChangeKind
from postback_studio.core.model import OutputFormat, Template, TemplateKind
from postback_studio.core.render.fields import analyze_template

JSON_STRING_INTERPOLATION = "json-string-interpolation"
JSON_RAW_VALUE = "json-raw-value"
MARKUP_UNESCAPED = "markup-unescaped"
TYPE_MISMATCH = "type-mismatch"

#: Every lint code, in the order the module docstring lists them.
LINT_CODES = (
    JSON_STRING_INTERPOLATION,
    JSON_RAW_VALUE,
    JSON_LOOP_SEPARATOR,
    MARKUP_UNESCAPED,
    EMPTY_INDEX,
    TYPE_MISMATCH,
)
JSON_SAFE_FILTERS = NUMERIC_FILTERS | {"tojson"}
MARKUP_SAFE_FILTERS = NUMERIC_FILTERS | {"e", "escape", "forceescape", "urlencode"}
_DOUBLE_QUOTE = HOSTILE_STRINGS[0][0]
_AMPERSAND = next(value for value, _ in HOSTILE_STRINGS if "&" in value)


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


class _Linter(LoopLints, IndexLints):
    """All the lints of one template part; the value lints (what a ``{{ }}`` writes) live here."""

    def run(self) -> tuple[Lint, ...]:
        for tag in self.scan.tags:
            if tag.kind is TagKind.EXPRESSION:
                self._expression(tag)
        if self.fmt is OutputFormat.JSON:
            self.loops()
        for tag in self.scan.tags:
            if tag.kind in (TagKind.EXPRESSION, TagKind.STATEMENT):
                self.indexes(tag)
        unique = {(lint.start, lint.end, lint.code): lint for lint in self.lints}
        return tuple(unique[key] for key in sorted(unique))

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
                self.add(
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
                self.add(
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
        self.add(
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
        self.add(
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


def _json_text(literal: str) -> str | None:
    """The text a JSON string's content stands for (escapes decoded), None if it is not valid JSON."""
    try:
        value = json.loads(f'"{literal}"')
    except ValueError:
        return None
    return value if isinstance(value, str) else None
