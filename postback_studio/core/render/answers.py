"""From a render worker's answer to a :class:`RenderResult`: output, diagnostics and where they point.

It exists apart from the engine because this is where the worker's plain answer becomes what a
person reads: lookup misses located on the ``lookups(`` call that missed (listed up to a bound,
then counted), a runtime error pointed at the name its message names, a syntax or security refusal
taken from the parse-only analysis (which has the better location), the payload's unresolved fields,
and the output validated for the part's format. Nothing here talks to a process.
"""

from __future__ import annotations

import re
import time
from typing import Any

from postback_studio.core.render.batch_requests import Part
from postback_studio.core.render.fields import TemplateAnalysis, template_lines
from postback_studio.core.render.resolve import resolve_fields, unresolved_diagnostics
from postback_studio.core.render.result import (
    Diagnostic,
    FieldUse,
    Location,
    LookupUse,
    RenderResult,
    Severity,
    Where,
)
from postback_studio.core.render.validate import Schema, validate_output

#: Lookup misses listed one by one (each is located on the template's line); the rest are counted.
MAX_LOOKUP_MISS_WARNINGS = 100


def failed_result(
    part: Part, analysis: TemplateAnalysis, failure: Diagnostic | None, payload: Any, strict: bool
) -> RenderResult:
    """The result of a part that did not render: ``failure`` (or "the render failed"), then what the
    parse-only analysis finds: the payload's unresolved fields (but for reads the render fails on,
    see :func:`unresolved_diagnostics`) and what the analysis skipped."""
    located = failure or Diagnostic(Severity.ERROR, "runtime", "the render failed")
    uses = resolve_fields(analysis.fields, payload)
    diagnostics = (
        Diagnostic(located.severity, located.code, located.message, located.location),
        *unresolved_diagnostics(analysis.fields, uses, strict=strict, part=part.name, failed=True),
        *((analysis.skipped,) if analysis.skipped else ()),
    )
    return RenderResult(None, part.fmt, diagnostics, uses)


def answer_result(
    part: Part,
    *,
    answer: dict[str, Any],
    analysis: TemplateAnalysis,
    uses: tuple[FieldUse, ...],
    strict: bool,
    schema: Schema | None,
    timings: dict[str, float],
) -> RenderResult:
    """A part's result from the worker's ``answer``: its output validated for the part's format, the
    lookup misses and the worker's error located on the template, unresolved fields, timings."""
    lookup_uses = tuple(LookupUse(str(f), str(k), bool(h), str(v)) for f, k, h, v, _ in answer["lookups"])
    diagnostics: list[Diagnostic] = []
    strict_miss = answer.get("code") == "lookup-miss"
    misses = [] if strict_miss else [use for use in answer["lookups"] if not use[2]]
    for field_name, key, _hit, value, line in misses[:MAX_LOOKUP_MISS_WARNINGS]:
        diagnostics.append(
            Diagnostic(
                Severity.WARNING,
                "lookup-miss",
                f"lookup miss: no row for field '{field_name}' with key '{key}'; default '{value}' used",
                _lookup_location(part, line, key),
            )
        )
    if len(misses) > MAX_LOOKUP_MISS_WARNINGS:
        diagnostics.append(
            Diagnostic(
                Severity.WARNING,
                "lookup-miss",
                f"{len(misses) - MAX_LOOKUP_MISS_WARNINGS:,} more lookup misses not listed",
            )
        )
    output: str | None = None
    stage = {"compile": float(answer.get("compile", 0.0)), "render": float(answer.get("render", 0.0))}
    if answer["ok"]:
        output = answer["output"]
    else:
        diagnostics.insert(0, _worker_error(part, answer, analysis))
    diagnostics.extend(
        unresolved_diagnostics(analysis.fields, uses, strict=strict, part=part.name, failed=output is None)
    )
    if analysis.skipped is not None:
        diagnostics.append(analysis.skipped)
    validate_started = time.perf_counter()
    if output is not None:
        diagnostics.extend(validate_output(output, part.fmt, schema=schema, part=part.name))
    stage["validate"] = time.perf_counter() - validate_started
    stage.update(timings)
    line_map = tuple((int(offset), int(line)) for offset, line in answer.get("trace", ()))
    return RenderResult(output, part.fmt, tuple(diagnostics), uses, lookup_uses, stage, line_map)


def _worker_error(part: Part, answer: dict[str, Any], analysis: TemplateAnalysis) -> Diagnostic:
    code = str(answer["code"])
    if code == "syntax" and analysis.syntax_error is not None:
        located = analysis.syntax_error
        return Diagnostic(located.severity, code, located.message, _in_part(located.location, part.name))
    if code == "lookup-miss" and answer.get("line"):
        return Diagnostic(
            Severity.ERROR,
            code,
            str(answer["message"]),
            _lookup_location(part, int(answer["line"]), _missed_key(answer)),
        )
    if code == "security" and analysis.security:
        first = analysis.security[0]
        return Diagnostic(first.severity, code, first.message, _in_part(first.location, part.name))
    line = answer.get("line")
    message = str(answer["message"])
    location = None
    if line:
        location = Location(
            Where.TEMPLATE, int(line), _error_column(part.source, int(line), message), part.name
        )
    return Diagnostic(Severity.ERROR, code, message, location)


def _lookup_location(part: Part, line: int | None, key: str = "") -> Location | None:
    """Point at the ``lookups(`` call on that line, preferring the one that names the key."""
    if not line:
        return None
    lines = template_lines(part.source)
    text = lines[line - 1] if line <= len(lines) else ""
    starts = [m.start() for m in re.finditer(r"\blookups\s*\(", text)]
    column = starts[0] + 1 if starts else 1
    for index, start in enumerate(starts):
        end = starts[index + 1] if index + 1 < len(starts) else len(text)
        if key and (f'"{key}"' in text[start:end] or f"'{key}'" in text[start:end]):
            column = start + 1
            break
    return Location(Where.TEMPLATE, line, column, part.name)


_NAMED_IN_ERROR = re.compile(r"'(\w+)' is undefined|has no attribute '(\w+)'|attribute '(\w+)'")


def _error_column(source: str, line: int, message: str) -> int:
    """Where on its line a runtime error happened: at the name the message names, else the first tag."""
    lines = template_lines(source)
    if not 1 <= line <= len(lines):
        return 1
    text = lines[line - 1]
    match = _NAMED_IN_ERROR.search(message)
    if match:
        name = next(group for group in match.groups() if group)
        found = re.search(rf"(?<![\w'\"]){re.escape(name)}\b", text)
        if found:
            return found.start() + 1
    tag = re.search(r"\{[{%]", text)
    return tag.start() + 1 if tag else 1


def _missed_key(answer: dict[str, Any]) -> str:
    misses = [key for _, key, hit, _, _ in answer.get("lookups", []) if not hit]
    return str(misses[-1]) if misses else ""


def _in_part(location: Location | None, part: str) -> Location | None:
    if location is None:
        return None
    return Location(location.where, location.line, location.column, part)
