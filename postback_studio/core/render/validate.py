"""Is the rendered output valid for its format? Problems come with the OUTPUT line and column.

JSON: parse errors with a snippet of the offending line, duplicate keys (legal to parse, but the
receiver silently keeps one of them) as warnings, and optionally a JSON Schema, each violation with
its JSON path. XML: well-formedness through lxml, optionally an XSD. HTML (email bodies): tag
problems as warnings, because mail clients render broken HTML anyway. Text: nothing to check.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from json import JSONDecodeError
from json.decoder import scanstring  # type: ignore[attr-defined]
from typing import Any

from postback_studio.core import jsontext
from postback_studio.core.errors import InputError
from postback_studio.core.model import OutputFormat
from postback_studio.core.render.result import Diagnostic, Location, Severity, Where

_SNIPPET = 60


class SchemaFileError(InputError):
    """A JSON Schema or XSD that cannot be read or is not a valid schema; the message names it."""


@dataclass(frozen=True)
class Schema:
    """A compiled schema: validates a parsed document and returns its violations."""

    name: str
    check: Callable[[Any, str], tuple[Diagnostic, ...]]


def _location(line: int, column: int, part: str) -> Location:
    return Location(Where.OUTPUT, line, column, part)


def _snippet(text: str, line: int) -> str:
    lines = text.split("\n")
    if not 1 <= line <= len(lines):
        return ""
    content = lines[line - 1].strip()
    return content if len(content) <= _SNIPPET else content[: _SNIPPET - 3] + "..."


def validate_output(
    output: str, fmt: OutputFormat, *, schema: Schema | None = None, part: str = "body"
) -> tuple[Diagnostic, ...]:
    """Check one rendered output for its format."""
    if fmt is OutputFormat.JSON:
        return validate_json(output, schema=schema, part=part)
    if fmt is OutputFormat.XML:
        return validate_xml(output, schema=schema, part=part)
    if fmt is OutputFormat.HTML:
        return validate_html(output, part=part)
    return ()


def validate_json(output: str, *, schema: Schema | None = None, part: str = "body") -> tuple[Diagnostic, ...]:
    """Parse JSON strictly; report the first syntax error, duplicate keys, and schema violations."""
    duplicates: list[str] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        result = dict(items)
        if len(result) != len(items):
            duplicates.append("")
        return result

    def refuse_constant(name: str) -> Any:
        raise _NonStandardConstantError(name)

    try:
        document = json.loads(output, object_pairs_hook=pairs, parse_constant=refuse_constant)
    except _NonStandardConstantError as exc:
        line, column = _find_constant(output, exc.name)
        text = (
            f"Invalid JSON: output line {line}, column {column}: {exc.name} is not a JSON value"
            " (Python's json accepts it, most receivers do not)"
        )
        return (Diagnostic(Severity.ERROR, "json-syntax", text, _location(line, column, part)),)
    except JSONDecodeError as exc:
        return (_json_syntax_error(output, exc, part),)
    except (RecursionError, ValueError):
        # Nesting deeper than Python's parser recurses, or an integer longer than it converts: the
        # same refusals as for input (core.jsontext), reported as invalid output.
        try:
            jsontext.loads(output)
        except JSONDecodeError as exc:
            return (_json_syntax_error(output, exc, part),)
        raise
    diagnostics: list[Diagnostic] = []
    if duplicates:
        try:
            found = find_duplicate_keys(output)
        except RecursionError:
            found = [("?", 1, 1)]
        diagnostics.extend(
            Diagnostic(
                Severity.WARNING,
                "json-duplicate-key",
                f"duplicate key '{key}' in a JSON object at output line {line}, column {column}: "
                "receivers keep only one of the values",
                _location(line, column, part),
            )
            for key, line, column in found
        )
    if schema is not None:
        try:
            diagnostics.extend(schema.check(document, part))
        except RecursionError:
            diagnostics.append(
                Diagnostic(
                    Severity.ERROR,
                    "json-schema",
                    f"the output is nested too deeply to check against the schema {schema.name}",
                )
            )
    return tuple(diagnostics)


def _json_syntax_error(output: str, exc: JSONDecodeError, part: str) -> Diagnostic:
    message = exc.msg[0].lower() + exc.msg[1:]
    snippet = _snippet(output, exc.lineno)
    text = f"Invalid JSON: output line {exc.lineno}, column {exc.colno}: {message}"
    if snippet:
        text += f" near: {snippet}"
    return Diagnostic(Severity.ERROR, "json-syntax", text, _location(exc.lineno, exc.colno, part))


class _NonStandardConstantError(ValueError):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def _find_constant(text: str, name: str) -> tuple[int, int]:
    """Where ``NaN``/``Infinity`` first stands outside a string (a rare, slow path)."""
    in_string = escaped = False
    for index, char in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif text.startswith(name, index) or (name.startswith("-") and text.startswith(name[1:], index)):
            return text.count("\n", 0, index) + 1, index - text.rfind("\n", 0, index)
    return 1, 1


def find_duplicate_keys(text: str) -> list[tuple[str, int, int]]:
    """Every repeated key in every JSON object of ``text``, with its line and column.

    Only called when the fast parse saw a duplicate, so a small pure-Python scanner is fine here.
    """
    found: list[tuple[str, int, int]] = []
    decoder = json.JSONDecoder()
    whitespace = " \t\n\r"

    def skip(index: int) -> int:
        while index < len(text) and text[index] in whitespace:
            index += 1
        return index

    def value(index: int) -> int:
        index = skip(index)
        char = text[index]
        if char == "{":
            return obj(index + 1)
        if char == "[":
            index = skip(index + 1)
            if text[index] == "]":
                return index + 1
            while True:
                index = skip(value(index))
                if text[index] == "]":
                    return index + 1
                index += 1
        _, end = decoder.raw_decode(text, index)
        return int(end)

    def obj(index: int) -> int:
        seen: set[str] = set()
        index = skip(index)
        if text[index] == "}":
            return index + 1
        while True:
            index = skip(index)
            key, end = scanstring(text, index + 1)
            if key in seen:
                line = text.count("\n", 0, index) + 1
                column = index - text.rfind("\n", 0, index)
                found.append((key, line, column))
            seen.add(key)
            index = skip(end)
            index = skip(value(index + 1))
            if text[index] == "}":
                return index + 1
            index += 1

    value(0)
    return found


def validate_xml(output: str, *, schema: Schema | None = None, part: str = "body") -> tuple[Diagnostic, ...]:
    """Well-formedness through lxml (no network, no entity expansion), then the optional XSD."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        document = etree.fromstring(output.encode("utf-8"), parser)
    except etree.XMLSyntaxError as exc:
        line, column = exc.position if exc.position else (exc.lineno or 1, 1)
        column = _xml_column(output, line, column)
        message = str(exc.msg or exc).split(", line ")[0]
        text = f"Invalid XML: output line {line}, column {column}: {message}"
        snippet = _snippet(output, line)
        if snippet:
            text += f" near: {snippet}"
        return (Diagnostic(Severity.ERROR, "xml-syntax", text, _location(line, max(column, 1), part)),)
    return schema.check(document, part) if schema is not None else ()


def _xml_column(text: str, line: int, column: int) -> int:
    """libxml2's column as a character column on that output line.

    libxml2 counts some columns in UTF-8 bytes (inside tag names, for one), so on a line with
    non-ASCII text its column can lie past the end of the line. Reading it as a byte offset keeps it
    on the line and, where libxml2 did count bytes, on the right character.
    """
    lines = text.split("\n")
    if not 1 <= line <= len(lines):
        return max(column, 1)
    content = lines[line - 1]
    if content.isascii():
        return min(max(column, 1), len(content) + 1)
    return len(content.encode("utf-8")[: max(column, 1) - 1].decode("utf-8", "ignore")) + 1


def load_schema(path_or_text: str, fmt: OutputFormat, name: str = "<schema>") -> Schema:
    """Compile a JSON Schema (for JSON output) or an XSD (for XML output) from its text.

    Raises:
        SchemaFileError: not a valid schema, or the format has no schema language.
    """
    if fmt is OutputFormat.JSON:
        return _json_schema(path_or_text, name)
    if fmt is OutputFormat.XML:
        return _xml_schema(path_or_text, name)
    raise SchemaFileError(f"{name}: schemas apply to JSON or XML output, not {fmt.value}")


def _json_schema(text: str, name: str) -> Schema:
    import jsonschema
    from jsonschema.exceptions import SchemaError

    try:
        document = json.loads(text)
    except JSONDecodeError as exc:
        raise SchemaFileError(f"{name}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}") from None
    try:
        validator_class = jsonschema.validators.validator_for(document)
        validator_class.check_schema(document)
    except SchemaError as exc:
        raise SchemaFileError(f"{name}: not a valid JSON Schema: {exc.message}") from None
    validator = validator_class(document)

    def check(instance: Any, part: str) -> tuple[Diagnostic, ...]:
        errors = sorted(validator.iter_errors(instance), key=lambda e: list(map(str, e.absolute_path)))
        return tuple(
            Diagnostic(
                Severity.ERROR, "json-schema", f"schema violation at {error.json_path}: {error.message}"
            )
            for error in errors
        )

    return Schema(name, check)


def _xml_schema(text: str, name: str) -> Schema:
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    try:
        xsd = etree.XMLSchema(etree.fromstring(text.encode("utf-8"), parser))
    except etree.XMLSyntaxError as exc:
        raise SchemaFileError(f"{name}:{exc.lineno}: not well-formed XML: {exc.msg}") from None
    except etree.XMLSchemaParseError as exc:
        raise SchemaFileError(f"{name}: not a valid XSD: {exc}") from None

    def check(document: Any, part: str) -> tuple[Diagnostic, ...]:
        try:
            if xsd.validate(document):
                return ()
        except etree.Error as exc:
            # libxml2 gave up ("Internal error in XML Schema validation"): the output was not
            # checked, which must not pass for valid, nor end the command with a traceback.
            return (
                Diagnostic(
                    Severity.ERROR,
                    "xml-schema",
                    f"the output could not be checked against the schema {name}: {exc}",
                ),
            )
        return tuple(
            Diagnostic(
                Severity.ERROR,
                "xml-schema",
                f"schema violation at output line {error.line}, column {error.column}"
                f" ({error.path}): {error.message}",
                _location(error.line, max(error.column, 1), part),
            )
            for error in xsd.error_log  # type: ignore[attr-defined]
        )

    return Schema(name, check)


#: Elements that never have an end tag, and those whose end tag HTML lets you leave out.
_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
)
_OPTIONAL_END = frozenset(
    {
        "p",
        "li",
        "dt",
        "dd",
        "tr",
        "td",
        "th",
        "thead",
        "tbody",
        "tfoot",
        "option",
        "colgroup",
        "caption",
        "html",
        "head",
        "body",
        "rt",
        "rp",
        "optgroup",
    }
)


#: HTML warnings reported for one output; the rest are counted in one last warning.
MAX_HTML_WARNINGS = 100
#: Tags checked in one output; past them the check stops with a "too large to check" warning. A
#: mail's HTML has a few thousand; at this many the check takes well under a second.
MAX_HTML_TAGS = 500_000
#: ``<`` that opens a tag (``/`` for an end tag, then a name), a comment, a declaration or a PI.
#: A tag without quoted attribute values is matched whole (group 3 ends it), the usual case.
_MARKUP_OPEN = re.compile(r"""<(?:(/?)([A-Za-z][^\t\n\f\r />]*)(?:([^>"']*)>)?|!--|!|\?)""")
#: Inside a tag: its end, or an attribute value in quotes (which may contain ``>``).
_TAG_STOP = re.compile(r""">|=[\t\n\f\r ]*(["'])""")
#: Elements whose content is raw text up to their end tag, as in ``html.parser``.
_RAW_TEXT = frozenset({"script", "style"})


class _TagChecker:
    """Tracks open elements over a linear scan of the output; see :func:`validate_html`.

    Open elements are kept with their offset; lines and columns are worked out only for the
    problems actually listed.
    """

    def __init__(self, text: str, part: str) -> None:
        self.text = text
        self.part = part
        self.stack: list[tuple[str, int]] = []
        self.open_counts: dict[str, int] = {}
        self.problems: list[Diagnostic] = []
        self.more = 0
        self._newlines: list[int] | None = None

    def position(self, offset: int) -> tuple[int, int]:
        """Line and column of ``offset`` (the line ends are indexed on first use)."""
        if self._newlines is None:
            self._newlines = [match.start() for match in re.finditer("\n", self.text)]
        line = bisect_left(self._newlines, offset)
        line_start = self._newlines[line - 1] + 1 if line else 0
        return line + 1, offset - line_start + 1

    def warn(self, offset: int, message: Callable[[], str]) -> None:
        if len(self.problems) >= MAX_HTML_WARNINGS:
            self.more += 1
            return
        line, column = self.position(offset)
        self.problems.append(
            Diagnostic(
                Severity.WARNING,
                "html",
                f"HTML: output line {line}, column {column}: {message()}",
                _location(line, column, self.part),
            )
        )

    def end_tag(self, tag: str, offset: int) -> None:
        if tag in _VOID:
            return
        if not self.open_counts.get(tag):
            self.warn(offset, f"end tag </{tag}> has no matching start tag".format)
            return
        while self.stack:
            open_tag, open_offset = self.stack.pop()
            self.open_counts[open_tag] -= 1
            if open_tag == tag:
                return
            if open_tag not in _OPTIONAL_END:
                self.warn(offset, partial(self._closed_by, open_tag, open_offset, tag))

    def _closed_by(self, open_tag: str, open_offset: int, tag: str) -> str:
        line, column = self.position(open_offset)
        return f"<{open_tag}> opened at line {line}, column {column} is closed by </{tag}>"

    def scan(self) -> tuple[Diagnostic, ...]:
        text = self.text
        stack, counts = self.stack, self.open_counts
        matches = _MARKUP_OPEN.finditer(text)
        tags = 0
        while (found := next(matches, None)) is not None:
            closing, name, simple = found.group(1, 2, 3)
            tags += 1
            if tags > MAX_HTML_TAGS:
                line, _column = self.position(found.start())
                self.problems.append(
                    Diagnostic(
                        Severity.WARNING,
                        "html",
                        f"HTML: too large to check: the check stopped after {MAX_HTML_TAGS:,} tags "
                        f"(output line {line})",
                    )
                )
                self.stack.clear()
                break
            if name is None:
                closer = "-->" if found.group() == "<!--" else ">"
                end = text.find(closer, found.end())
                if end < 0:
                    break
                matches = _MARKUP_OPEN.finditer(text, end + len(closer))
                continue
            if simple is None:
                end = _tag_end(text, found.end())
                if end < 0:
                    break
                matches = _MARKUP_OPEN.finditer(text, end + 1)
            else:
                end = found.end() - 1
            tag = name.lower()
            if closing:
                self.end_tag(tag, found.start())
            elif text[end - 1] != "/" and tag not in _VOID:
                stack.append((tag, found.start()))
                counts[tag] = counts.get(tag, 0) + 1
                if tag in _RAW_TEXT:
                    close = re.compile(rf"</{tag}(?=[\t\n\f\r />])", re.IGNORECASE).search(text, end + 1)
                    if close is None:
                        break
                    matches = _MARKUP_OPEN.finditer(text, close.start())
        for tag, offset in self.stack:
            if tag not in _OPTIONAL_END:
                self.warn(offset, f"<{tag}> is never closed".format)
        if self.more:
            self.problems.append(
                Diagnostic(Severity.WARNING, "html", f"HTML: {self.more} more problems not listed")
            )
        return tuple(self.problems)


def _tag_end(text: str, pos: int) -> int:
    """The offset of the ``>`` that ends the tag whose attributes start at ``pos``; -1 if none.

    Each step jumps past a quoted attribute value or stops at ``>``, so every character is looked
    at once: an unterminated tag costs one pass, not one pass per ``<`` after it (the quadratic
    case of ``html.parser``).
    """
    while (stop := _TAG_STOP.search(text, pos)) is not None:
        quote = stop.group(1)
        if quote is None:
            return stop.start()
        close = text.find(quote, stop.end())
        if close < 0:
            return -1
        pos = close + 1
    return -1


def validate_html(output: str, *, part: str = "body") -> tuple[Diagnostic, ...]:
    """Unclosed and mismatched tags, as warnings (mail clients render broken HTML anyway).

    A single linear scan (tags, comments, declarations, raw-text ``script``/``style``) of at most
    :data:`MAX_HTML_TAGS` tags, so an output of any size up to the render's size limit is checked
    in well under its time limit; at most :data:`MAX_HTML_WARNINGS` problems are listed.
    """
    return _TagChecker(output, part).scan()
