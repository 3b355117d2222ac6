"""The edge-case check: render every one-change variant of the samples and report what breaks.

"Breaks" means what would fail in production, never merely "renders differently": the template
fails (a runtime error, a render limit), the output is not valid for its format (JSON, XML), it
violates the template's schema, or an email subject spans several lines (the email cannot be
built). A strict ``lookups()`` that misses is the template doing what it was told, so it is not a
break; HTML is not judged either, because mail clients render broken HTML anyway (the lints find
unescaped HTML instead).

Every variant renders through the same engine and validation as the preview, in batches (one
request to the render worker for many payloads). Failures are grouped by the template location
responsible, so ten fields written through the same unescaped expression read as one finding with
ten examples. The report is deterministic: the same template and payloads give the same report.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from postback_studio.core.doctor.progress import CancelledCallback, ProgressCallback, Watch
from postback_studio.core.doctor.variants import Change, ChangeKind, Variant, derive_changes, related
from postback_studio.core.model import LookupSet, OutputFormat, Template, TemplateKind
from postback_studio.core.render.engine import RenderEngine, TemplateRendering
from postback_studio.core.render.fields import FieldRef, template_lines
from postback_studio.core.render.result import Diagnostic, Location, Severity, Where
from postback_studio.core.textpos import offset_at

#: Finding categories, in the order a report lists findings of the same location.
TEMPLATE_ERROR = "template error"
RENDER_LIMIT = "render limit"
INVALID_JSON = "invalid JSON"
INVALID_XML = "invalid XML"
SCHEMA_VIOLATION = "schema violation"
EMAIL_NOT_SENDABLE = "email cannot be sent"
NOT_CHECKED = "not checked"
_CATEGORY_ORDER = (
    TEMPLATE_ERROR,
    RENDER_LIMIT,
    INVALID_JSON,
    INVALID_XML,
    SCHEMA_VIOLATION,
    EMAIL_NOT_SENDABLE,
    NOT_CHECKED,
)
_CATEGORIES = {
    "json-syntax": INVALID_JSON,
    "xml-syntax": INVALID_XML,
    "json-schema": SCHEMA_VIOLATION,
    "xml-schema": SCHEMA_VIOLATION,
    "email-subject": EMAIL_NOT_SENDABLE,
    "time-limit": RENDER_LIMIT,
    "size-limit": RENDER_LIMIT,
    "memory-limit": RENDER_LIMIT,
    "recursion-limit": RENDER_LIMIT,
    "skipped": NOT_CHECKED,
}
#: Errors that are not breaks: a strict lookup that misses fails on purpose.
_NOT_BREAKS = frozenset({"lookup-miss"})


@dataclass(frozen=True)
class EdgeCaseExample:
    """One variant that breaks the template, the part it breaks, and what broke.

    The variant's change is None when the sample itself, unchanged, breaks the template.
    """

    variant: Variant
    part: str
    diagnostic: Diagnostic


@dataclass(frozen=True)
class EdgeCaseFinding:
    """One distinct failure: what broke, where in the template, and every variant that shows it.

    ``location`` is the template location responsible (a ``TEMPLATE`` location naming its part), or
    None when it cannot be told.
    """

    category: str
    location: Location | None
    examples: tuple[EdgeCaseExample, ...]

    @property
    def first(self) -> EdgeCaseExample:
        """The first variant that shows the failure (in sample and payload order)."""
        return self.examples[0]

    @property
    def variants(self) -> tuple[Variant, ...]:
        """Every variant that shows it."""
        return tuple(example.variant for example in self.examples)

    def summary(self) -> str:
        """One line: ``invalid JSON with 4 variants, e.g. shipped: orderId → 'a"b': <message>``."""
        count = len(self.examples)
        many = f"with {count} variants, e.g. " if count > 1 else "with "
        return f"{self.category} {many}{self.first.variant.describe()}: {self.first.diagnostic.message}"


@dataclass(frozen=True)
class EdgeCaseReport:
    """What the edge-case check found, and enough to render any variant again on demand."""

    template: Template
    payloads: Mapping[str, Any]
    findings: tuple[EdgeCaseFinding, ...]
    variant_count: int
    lookups: LookupSet | None = None
    strict: bool = False
    schema: str | Path | None = field(default=None, compare=False)

    @property
    def passed(self) -> bool:
        """No variant (and no sample) breaks the template."""
        return not self.findings

    def payload_for(self, variant: Variant) -> Any:
        """The payload of a variant of one of the checked samples."""
        return variant.payload(self.payloads[variant.sample])

    def render_variant(self, engine: RenderEngine, variant: Variant) -> TemplateRendering:
        """Render a variant again, exactly as the check did, to show its output on demand."""
        return engine.render_template_batch(
            self.template,
            [self.payload_for(variant)],
            lookups=self.lookups,
            strict=self.strict,
            schema=self.schema,
        )[0]

    def finding_for(self, variant: Variant) -> EdgeCaseFinding | None:
        """The finding a variant shows (the first, if it shows several), or None if it breaks nothing."""
        for finding in self.findings:
            if variant in finding.variants:
                return finding
        return None


@dataclass(frozen=True)
class _Break:
    variant: Variant
    part: str
    diagnostic: Diagnostic


def check_edge_cases(
    engine: RenderEngine,
    source: str,
    payloads: Mapping[str, Any],
    fmt: OutputFormat,
    *,
    lookups: LookupSet | None = None,
    strict: bool = False,
    schema: str | Path | None = None,
    progress: ProgressCallback | None = None,
    cancelled: CancelledCallback | None = None,
) -> EdgeCaseReport:
    """Check one webhook template text against every one-change variant of ``payloads``.

    Args:
        engine: the render engine (the same one the preview uses).
        source: the template text.
        payloads: the base payloads by name (``shipped``, ``my-order.json``); order is kept.
        fmt: the output format to validate as.
        lookups: the tables ``lookups()`` sees.
        strict: unresolved fields are errors.
        schema: a JSON Schema or XSD (a ``Path`` to read, or the schema's text).
        progress: told how far the check got, after every chunk of variants (see :mod:`.progress`).
        cancelled: polled before every chunk; True stops the check.

    Raises:
        SchemaFileError: the schema cannot be read or is not a valid schema.
        CancelledError: ``cancelled`` answered True.
    """
    template = Template("template", TemplateKind.WEBHOOK, fmt, body=source)
    return check_template_edge_cases(
        engine,
        template,
        payloads,
        lookups=lookups,
        strict=strict,
        schema=schema,
        progress=progress,
        cancelled=cancelled,
    )


def check_template_edge_cases(
    engine: RenderEngine,
    template: Template,
    payloads: Mapping[str, Any],
    *,
    lookups: LookupSet | None = None,
    strict: bool = False,
    schema: str | Path | None = None,
    progress: ProgressCallback | None = None,
    cancelled: CancelledCallback | None = None,
) -> EdgeCaseReport:
    """Check a stored template (webhook or email) against every one-change variant of ``payloads``.

    A sample that breaks the template as it is is reported as such (change None) and not varied:
    each of its variants would show the same failure and hide what the change itself does.
    ``progress`` and ``cancelled`` are those of :func:`check_edge_cases`.

    Raises:
        SchemaFileError: the schema cannot be read or is not a valid schema.
        CancelledError: ``cancelled`` answered True.
    """
    watch = Watch(progress, cancelled)
    watch.check()
    sources = _part_sources(template)
    refs = {name: engine.analyze(source).fields for name, source in sources.items()}
    reads = [ref.segments for part_refs in refs.values() for ref in part_refs]

    def render(batch: Sequence[Any], trace: bool = False) -> list[TemplateRendering]:
        return engine.render_template_batch(
            template, batch, lookups=lookups, strict=strict, schema=schema, trace=trace
        )

    names = list(payloads)
    bases = render([payloads[name] for name in names])
    breaks: list[_Break] = []
    variants: list[Variant] = []
    base_outputs: dict[str, dict[str, str | None]] = {}
    for name, rendering in zip(names, bases, strict=True):
        found = _breaks(template, rendering)
        if found:
            breaks.extend(_Break(Variant(name), part, diagnostic) for part, diagnostic in found)
            continue
        base_outputs[name] = {part: result.output for part, result in rendering.parts.items()}
        changes = derive_changes(payloads[name], lambda path: any(related(path, read) for read in reads))
        variants.extend(Variant(name, change) for change in changes)
    renderings = watch.render_variants("Rendering variants", variants, payloads, render)
    for variant, rendering in zip(variants, renderings, strict=True):
        breaks.extend(_Break(variant, part, diagnostic) for part, diagnostic in _breaks(template, rendering))
    # Base breaks were collected first: put every break in sample order, then variant order.
    rank = {name: index for index, name in enumerate(names)}
    breaks.sort(key=lambda item: rank[item.variant.sample])
    watch.check()
    watch.report("Locating what broke", 0, 0)
    traced = _traced(breaks, payloads, render)
    located = [
        (_locate(item, traced.get(item.variant), base_outputs, refs, sources), item) for item in breaks
    ]
    return EdgeCaseReport(
        template,
        payloads,
        _findings(located, list(sources)),
        len(variants),
        lookups,
        strict,
        schema,
    )


def _part_sources(template: Template) -> dict[str, str]:
    """The template text of each part, by the part names renders use."""
    if template.kind is TemplateKind.WEBHOOK:
        return {"body": template.body}
    sources = {"subject": template.subject}
    if template.body.strip():
        sources["html"] = template.body
    if template.text_body.strip():
        sources["text"] = template.text_body
    return sources


def _breaks(template: Template, rendering: TemplateRendering) -> list[tuple[str, Diagnostic]]:
    """What in one rendering would fail in production, by part."""
    found = [
        (name, diagnostic)
        for name, result in rendering.parts.items()
        for diagnostic in result.diagnostics
        if diagnostic.severity is Severity.ERROR and diagnostic.code not in _NOT_BREAKS
    ]
    subject = rendering.parts["subject"].output if template.kind is TemplateKind.EMAIL else None
    if subject is not None and ("\n" in subject.strip() or "\r" in subject.strip()):
        found.append(
            (
                "subject",
                Diagnostic(
                    Severity.ERROR,
                    "email-subject",
                    "the subject renders to several lines, and a mail header takes one line: "
                    "the email cannot be built",
                    Location(Where.OUTPUT, 1, 1, "subject"),
                ),
            )
        )
    return found


def _traced(
    breaks: Sequence[_Break], payloads: Mapping[str, Any], render: Callable[..., list[TemplateRendering]]
) -> dict[Variant, TemplateRendering]:
    """Render again, with the output traced to template lines, the variants whose break is in the
    output (all of them in one batch): the trace tells which template line wrote the bad text."""
    wanted: list[Variant] = []
    for item in breaks:
        location = item.diagnostic.location
        if (location is None or location.where is Where.OUTPUT) and item.variant not in wanted:
            wanted.append(item.variant)
    if not wanted:
        return {}
    batch = [variant.payload(payloads[variant.sample]) for variant in wanted]
    return dict(zip(wanted, render(batch, True), strict=True))


def _locate(
    item: _Break,
    traced: TemplateRendering | None,
    base_outputs: Mapping[str, Mapping[str, str | None]],
    refs: Mapping[str, Sequence[FieldRef]],
    sources: Mapping[str, str],
) -> Location | None:
    """The template location responsible for one break.

    A template error carries its own location. For an output error, the trace gives the template
    line that wrote the bad text: for a changed value, the first text that differs from the sample's
    output; for a resized array or a sample as it is, the text the error points at. Among the
    template's reads of the changed value, the one on that line (else the closest before it) is
    responsible. A sample that breaks as it is has no
    changed value: the first read on the traced line stands for it.
    """
    location = item.diagnostic.location
    if location is not None and location.where is Where.TEMPLATE:
        return Location(Where.TEMPLATE, location.line, location.column, item.part)
    line = None
    result = traced.parts.get(item.part) if traced is not None else None
    if result is not None and result.output is not None:
        change = item.variant.change
        if location is not None and (change is None or change.kind is ChangeKind.RESIZE):
            offset = offset_at(result.output, location.line, location.column)
        else:
            # A changed value breaks the output where it is written, which is where the output
            # first differs from the sample's, however much later a parser notices it.
            offset = _first_difference(
                base_outputs.get(item.variant.sample, {}).get(item.part), result.output
            )
        line = result.template_line(offset)
    part_refs = refs.get(item.part, ())
    if item.variant.change is not None:
        chosen = _closest(_candidates(part_refs, item.variant.change), line)
    else:
        chosen = next((r for r in part_refs if r.line == line), None)
    if chosen is not None:
        return Location(Where.TEMPLATE, chosen.line, chosen.column, item.part)
    if line is None:
        return None
    return Location(Where.TEMPLATE, line, _first_tag_column(sources[item.part], line), item.part)


def _candidates(refs: Sequence[FieldRef], change: Change) -> tuple[list[FieldRef], list[FieldRef]]:
    """The template's reads of the changed value: reads of exactly it, and reads of a whole that
    holds it (a loop over its array, ``{{ order|tojson }}``) or of a part of it."""
    exact = [r for r in refs if len(r.segments) == len(change.path) and related(change.path, r.segments)]
    other = [r for r in refs if r not in exact and related(change.path, r.segments)]
    return exact, other


def _closest(candidates: tuple[list[FieldRef], list[FieldRef]], line: int | None) -> FieldRef | None:
    """The read responsible, given the template line that wrote the bad text (None if unknown).

    A read of exactly the changed value on that line, else the closest before it (a parser notices
    an unclosed string some way after it was written). A read of a whole is responsible only on that
    line: the value itself was written through some name bound to it, on the traced line.
    """
    exact, other = candidates
    if exact:
        if line is None:
            return exact[0]
        on_line = [r for r in exact if r.line == line]
        before = [r for r in exact if r.line < line]
        return on_line[0] if on_line else (max(before, key=lambda r: r.line) if before else exact[0])
    if line is None:
        return other[0] if other else None
    return next((r for r in other if r.line == line), None)


def _first_difference(old: str | None, new: str) -> int:
    if old is None:
        return 0
    for index, (a, b) in enumerate(zip(old, new, strict=False)):
        if a != b:
            return index
    return min(len(old), len(new))


def _first_tag_column(source: str, line: int) -> int:
    lines = template_lines(source)
    if not 1 <= line <= len(lines):
        return 1
    text = lines[line - 1]
    starts = [i for i in (text.find("{{"), text.find("{%")) if i >= 0]
    return min(starts) + 1 if starts else 1


def _findings(
    located: Sequence[tuple[Location | None, _Break]], parts: Sequence[str]
) -> tuple[EdgeCaseFinding, ...]:
    """Group the breaks by template location and category, in a fixed order."""
    groups: dict[tuple[str, int, int, str], list[tuple[Location | None, _Break]]] = {}
    for location, item in located:
        category = _CATEGORIES.get(item.diagnostic.code, TEMPLATE_ERROR)
        key = (
            item.part,
            location.line if location else 0,
            location.column if location else 0,
            category,
        )
        groups.setdefault(key, []).append((location, item))
    order = {name: index for index, name in enumerate(parts)}
    findings = []
    for key in sorted(
        groups, key=lambda k: (order.get(k[0], len(order)), k[1], k[2], _CATEGORY_ORDER.index(k[3]))
    ):
        members = groups[key]
        seen: set[Variant] = set()
        examples = []
        for _, item in members:
            if item.variant not in seen:
                seen.add(item.variant)
                examples.append(EdgeCaseExample(item.variant, item.part, item.diagnostic))
        findings.append(EdgeCaseFinding(key[3], members[0][0], tuple(examples)))
    return tuple(findings)
