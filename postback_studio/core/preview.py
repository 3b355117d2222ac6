"""What the Render preview says about a result: the status line, the pretty view, JSON errors.

Presentation rules without Qt, so the preview's wording and the output line it marks are tested
headless and the view only displays them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from lxml import etree

from postback_studio.core import jsontext
from postback_studio.core.model import OutputFormat
from postback_studio.core.render.result import Diagnostic, RenderResult, Where

_FORMAT_NAMES = {
    OutputFormat.JSON: "JSON",
    OutputFormat.XML: "XML",
    OutputFormat.HTML: "HTML",
    OutputFormat.TEXT: "text",
}


@dataclass(frozen=True)
class PreviewStatus:
    """The status line under the preview.

    Attributes:
        text: "Valid JSON", "Invalid JSON: line 7, column 3: expecting ','", "Template error: ...".
        ok: True when the output is safe to send.
        output_line: The 1-based output line to mark, for an output error.
    """

    text: str
    ok: bool
    output_line: int | None = None


@dataclass(frozen=True)
class JsonParse:
    """The outcome of parsing a payload the user typed: the value, or where it breaks."""

    value: object = None
    error: str = ""
    line: int = 0
    column: int = 0

    @property
    def ok(self) -> bool:
        """True when the text parsed."""
        return not self.error


def _where(diagnostic: Diagnostic) -> str:
    location = diagnostic.location
    return "" if location is None else f"line {location.line}, column {location.column}: "


def status_line(result: RenderResult) -> PreviewStatus:
    """The preview's one-line verdict on ``result``."""
    name = _FORMAT_NAMES.get(result.format, str(result.format))
    errors = result.errors
    output_errors = [d for d in errors if d.location is not None and d.location.where is Where.OUTPUT]
    template_errors = [d for d in errors if d not in output_errors]
    if result.output is None or template_errors:
        first = template_errors[0] if template_errors else None
        detail = f"{_where(first)}{first.message}" if first else "no output"
        return PreviewStatus(f"Template error: {detail}", ok=False)
    if output_errors:
        first = output_errors[0]
        line = first.location.line if first.location else None
        # The validator's message may already say what and where ("Invalid JSON: output line 3, ...").
        text = first.message if first.message.startswith(f"Invalid {name}:") else (
            f"Invalid {name}: {_where(first)}{first.message}"
        )
        return PreviewStatus(text, ok=False, output_line=line)
    if errors:
        return PreviewStatus(f"Invalid {name}: {errors[0].message}", ok=False)
    warnings = len(result.diagnostics)
    suffix = f" ({warnings} warning{'s' if warnings != 1 else ''})" if warnings else ""
    if result.format is OutputFormat.TEXT:
        return PreviewStatus(f"Rendered{suffix}", ok=True)
    return PreviewStatus(f"Valid {name}{suffix}", ok=True)


def pretty(output: str, fmt: OutputFormat | str) -> str | None:
    """``output`` re-indented for reading, or None when it does not parse (show it raw then).

    Only for reading: what is sent is always the raw output.
    """
    try:
        kind = OutputFormat(str(fmt))
    except ValueError:
        return None
    try:
        if kind is OutputFormat.JSON:
            return json.dumps(json.loads(output), indent=2, ensure_ascii=False)
        if kind is OutputFormat.XML:
            parser = etree.XMLParser(remove_blank_text=True, resolve_entities=False, no_network=True)
            root = etree.fromstring(output.encode("utf-8"), parser)
            return etree.tostring(root, pretty_print=True, encoding="unicode").rstrip("\n")
    except (ValueError, RecursionError, etree.XMLSyntaxError):
        return None
    return None


def parse_json(text: str) -> JsonParse:
    """Parse a payload the user typed or pasted, with line and column of the first error."""
    try:
        return JsonParse(value=jsontext.loads(text))
    except json.JSONDecodeError as error:
        return JsonParse(error=error.msg, line=error.lineno, column=error.colno)
