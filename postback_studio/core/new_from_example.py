"""What Templates > New from Example decides without Qt: inputs, the background scaffold, the diff.

The dialog collects the receiver's example, a sample payload and the user's corrections; everything
it then needs is decided here, so it is tested headless and the widgets only show it:

* which format the example is in (:func:`detect_format`) and which samples to offer
  (:func:`example_sample_choices`);
* the scaffold as a background job: a :class:`ScaffoldRequest` in, a :class:`ScaffoldDraft` out,
  with bad input as an :class:`InputProblem` (where, line and column) instead of an exception;
* what Create Template saves (:func:`scaffolded_template`, :func:`example_payload_sample`);
* after that, the preview's output compared with the example (:func:`diff_with_example`): the
  scaffold's own comparison (:mod:`.scaffold.compare`), the lines that differ, and why output that
  means the same as the example can still read differently.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from pathlib import PurePath
from typing import Any

from postback_studio.core.diff import ChangeKind, side_by_side
from postback_studio.core.model import LIFECYCLE, Event, OutputFormat, Template, TemplateKind, TemplateStatus
from postback_studio.core.preview import parse_json
from postback_studio.core.records import SamplePayload
from postback_studio.core.render.engine import RenderEngine
from postback_studio.core.scaffold import (
    Candidate,
    Comparison,
    CorrectedScaffold,
    Corrections,
    ExampleError,
    PayloadPath,
    ScaffoldCheck,
    check_scaffold,
    compare_output,
    path_options,
    payload_values,
    scaffold_corrected,
)
from postback_studio.core.template_library import SampleChoice, free_name, sample_choices

#: The formats an example may be in.
EXAMPLE_FORMATS = (OutputFormat.JSON, OutputFormat.XML)


def detect_format(text: str, filename: str | None = None) -> OutputFormat | None:
    """The example's format: from the file's extension, else from its first character; None if neither.

    ``<`` starts XML (a declaration, a comment or the root element); ``{`` or ``[`` starts JSON.
    """
    if filename:
        suffix = PurePath(filename).suffix.lower()
        if suffix in (".json", ".xml"):
            return OutputFormat(suffix[1:])
    start = text.lstrip("\ufeff \t\r\n")[:1]
    if start == "<":
        return OutputFormat.XML
    if start in ("{", "["):
        return OutputFormat.JSON
    return None


def example_sample_choices(user_samples: Sequence[SamplePayload]) -> list[SampleChoice]:
    """The samples to scaffold from: by event in the order's life, each event's built-ins then the user's.

    The events of an order's normal life come first (received, produced, shipped, in transit,
    delivered), then the others (failed, canceled, returned) in the article's order.
    """
    order = {
        event: index for index, event in enumerate((*LIFECYCLE, *(e for e in Event if e not in LIFECYCLE)))
    }
    return sorted(sample_choices(user_samples), key=lambda choice: order[choice.event])


def guess_event(payload: Any) -> Event | None:
    """The event a pasted payload is about, from its ``eventType`` (None when it does not say)."""
    if isinstance(payload, dict):
        try:
            return Event(str(payload.get("eventType", "")))
        except ValueError:
            return None
    return None


# -- the scaffold as a background job ------------------------------------------------------------


class ProblemSource(StrEnum):
    """Which input a problem is in."""

    EXAMPLE = "example"
    PAYLOAD = "payload"


@dataclass(frozen=True)
class InputProblem:
    """Input the scaffold cannot use, and where: the example or the payload, line and column if known.

    ``empty`` marks the input that is simply not there yet (nothing pasted): a hint, not an error.
    """

    source: ProblemSource
    message: str
    line: int | None = None
    column: int | None = None
    empty: bool = False

    def describe(self) -> str:
        """``Example, line 3, column 5: the example is not valid JSON: Expecting ','``."""
        where = "Example" if self.source is ProblemSource.EXAMPLE else "Payload"
        if self.line is not None:
            where += f", line {self.line}"
            if self.column is not None:
                where += f", column {self.column}"
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class ScaffoldRequest:
    """Everything one scaffold needs, gathered on the GUI thread (no workspace access later).

    Attributes:
        example: the receiver's example, as pasted or read from a file.
        fmt: its format; None when it could not be told (the user must choose).
        payload_text: the payload as JSON text (a built-in sample, the user's own, or pasted).
        payload_name: how the payload is named to the user (``shipped``, ``the pasted payload``).
        corrections: the user's corrections to the mapping.
    """

    example: str
    fmt: OutputFormat | None
    payload_text: str
    payload_name: str
    corrections: Corrections = field(default_factory=Corrections)


@dataclass(frozen=True)
class ScaffoldDraft:
    """What a scaffold job returns: the corrected scaffold and its check, or the problem with the input.

    Attributes:
        request: what was asked.
        payload: the parsed payload (None when it did not parse).
        scaffold: the corrected scaffold (None when the input has a problem).
        check: the template rendered on the payload and compared with the example.
        problem: what is wrong with the input, if anything.
        options: per example path of a value, the payload paths the user may pick by hand there.
        values: the payload's first value at each path, shown beside the path.
        diff: the template's output on the payload against the example (None when not rendered).
    """

    request: ScaffoldRequest
    payload: Any = None
    scaffold: CorrectedScaffold | None = None
    check: ScaffoldCheck | None = None
    problem: InputProblem | None = None
    options: Mapping[str, tuple[Candidate, ...]] = field(default_factory=dict)
    values: Mapping[PayloadPath, str] = field(default_factory=dict)
    diff: ExampleDiff | None = None

    @property
    def template(self) -> str:
        """The template text ("" when there is none)."""
        return self.scaffold.result.template if self.scaffold is not None else ""

    def verdict(self) -> Verdict:
        """Whether the template renders the example back from the payload, in a sentence."""
        if self.check is None:
            return Verdict(Tone.MUTED, "Not checked yet.")
        if not self.check.result.valid or self.diff is None:
            first = self.check.result.errors[0].message if self.check.result.errors else "no output"
            return Verdict(
                Tone.ERROR, f"The template does not render on {self.request.payload_name}: {first}"
            )
        return self.diff.verdict


def draft_scaffold(engine: RenderEngine | None, request: ScaffoldRequest) -> ScaffoldDraft:
    """Scaffold ``request`` with its corrections and check the template on its payload (a job's work).

    Bad input is returned as the draft's :class:`InputProblem`, never raised. Without ``engine`` the
    template is not rendered (no check).
    """
    if not request.example.strip():
        problem = InputProblem(
            ProblemSource.EXAMPLE, "paste or open the body the receiver wants (JSON or XML)", empty=True
        )
        return ScaffoldDraft(request, problem=problem)
    if request.fmt is None:
        message = "cannot tell JSON from XML (it starts with neither '{', '[' nor '<'): choose the format"
        return ScaffoldDraft(request, problem=InputProblem(ProblemSource.EXAMPLE, message, 1, 1))
    if not request.payload_text.strip():
        problem = InputProblem(
            ProblemSource.PAYLOAD, "paste the order payload the example is about", empty=True
        )
        return ScaffoldDraft(request, problem=problem)
    parsed = parse_json(request.payload_text)
    if not parsed.ok:
        message = f"not valid JSON: {parsed.error}"
        return ScaffoldDraft(
            request, problem=InputProblem(ProblemSource.PAYLOAD, message, parsed.line, parsed.column)
        )
    payload = parsed.value
    if not isinstance(payload, dict):
        message = "the payload must be a JSON object (its keys are the names the template reads)"
        return ScaffoldDraft(request, problem=InputProblem(ProblemSource.PAYLOAD, message, 1, 1))
    try:
        corrected = scaffold_corrected(request.example, request.fmt, payload, request.corrections)
    except ExampleError as exc:
        problem = InputProblem(ProblemSource.EXAMPLE, str(exc), exc.line, exc.column)
        return ScaffoldDraft(request, payload, problem=problem)
    check = diff = None
    if engine is not None:
        check = check_scaffold(engine, corrected.result.example, corrected.result.template, payload)
        if check.result.output is not None:
            diff = diff_with_example(request.example, check.result.output, request.fmt, request.payload_name)
    mapping = corrected.result.mapping
    options = {
        row.example_path: path_options(mapping, payload, row.example_path, request.fmt)
        for row in mapping.rows
    }
    return ScaffoldDraft(
        request, payload, corrected, check, options=options, values=payload_values(payload), diff=diff
    )


# -- Create Template -------------------------------------------------------------------------------


def suggested_name(
    file_name: str | None, event: Event | None, fmt: OutputFormat, taken: Iterable[str]
) -> str:
    """A free name for the new template: the example file's stem, else ``<event>-from-example``."""
    base = PurePath(file_name).stem if file_name else ""
    if not base:
        base = f"{event.value if event else 'order'}-{fmt.value}-from-example"
    return free_name(base, taken)


def scaffolded_template(name: str, customer_id: int | None, draft: ScaffoldDraft) -> Template:
    """The draft webhook template Create Template saves.

    Raises:
        ValueError: the draft has no template (its input has a problem).
    """
    if draft.scaffold is None or draft.request.fmt is None:
        raise ValueError("there is no template to create: the example or the payload has a problem")
    return Template(
        name=name,
        kind=TemplateKind.WEBHOOK,
        format=draft.request.fmt,
        body=draft.template,
        status=TemplateStatus.DRAFT,
        customer_id=customer_id,
    )


def example_payload_sample(
    template_name: str, event: Event, payload_text: str, taken: Iterable[str]
) -> SamplePayload:
    """A pasted payload kept as the user's own sample, so the new template previews on it."""
    return SamplePayload(
        name=free_name(f"{template_name} (example's payload)", taken), event=event, payload=payload_text
    )


# -- the output against the example -----------------------------------------------------------------


class Tone(StrEnum):
    """How a sentence about the comparison should read: fine, to look at, wrong, or neutral."""

    OK = "ok"
    WARNING = "warning"
    ERROR = "error"
    MUTED = "muted"


@dataclass(frozen=True)
class Verdict:
    """One sentence about how an output compares with the example, and how it should read."""

    tone: Tone
    text: str


class LineKind(StrEnum):
    """A line of the diff: in both texts, only in the example, or only in the output."""

    SAME = "same"
    EXAMPLE = "example"
    OUTPUT = "output"


@dataclass(frozen=True)
class DiffLine:
    """One line of the example-against-output diff.

    ``harmless`` marks a changed line whose pair means the same (an escape, a number's format, spacing).
    """

    kind: LineKind
    text: str
    harmless: bool = False


class Difference(StrEnum):
    """Why an output that means the same as the example reads differently."""

    ESCAPES = "escapes"
    NUMBERS = "numbers"
    LAYOUT = "layout"


@dataclass(frozen=True)
class ExampleDiff:
    """The preview's output against the example: the comparison, a sentence, and the lines."""

    comparison: Comparison
    verdict: Verdict
    lines: tuple[DiffLine, ...]
    reasons: tuple[Difference, ...] = ()

    @property
    def changed(self) -> int:
        """How many lines of the output differ from the example."""
        return sum(1 for line in self.lines if line.kind is LineKind.OUTPUT)


_FILTER = {OutputFormat.JSON: "|tojson", OutputFormat.XML: "|e"}
_REASON_TEXT = {
    Difference.NUMBERS: "how numbers are written (2.50 as 2.5)",
    Difference.LAYOUT: "spacing and line breaks",
}
_XML_LAYOUT = "spacing, quotes and empty-element syntax"


def describe_comparison(
    comparison: Comparison,
    fmt: OutputFormat,
    payload_name: str,
    reasons: Sequence[Difference] = (),
    escapes: Sequence[tuple[str, str]] = (),
) -> Verdict:
    """A sentence on the comparison: identical, the same document read differently (and why), or not.

    ``escapes`` are characters the output escapes where the example does not, with their escapes
    (``("'", "\\u0027")``), to name in the sentence.
    """
    if comparison.identical:
        return Verdict(Tone.OK, f"Identical to the example on {payload_name}.")
    if comparison.equivalent:
        why = " and ".join(_reason_text(reason, fmt, escapes) for reason in reasons or (Difference.LAYOUT,))
        return Verdict(
            Tone.OK,
            f"The same {fmt.value.upper()} as the example on {payload_name}; the text differs only in "
            f"{why}, which any {fmt.value.upper()} parser reads the same.",
        )
    return Verdict(Tone.WARNING, f"Differs from the example on {payload_name}: {comparison.difference}")


def _reason_text(reason: Difference, fmt: OutputFormat, escapes: Sequence[tuple[str, str]]) -> str:
    if reason is Difference.ESCAPES:
        shown = " and ".join(f"{char} as {escape}" for char, escape in escapes[:3])
        return (
            f"how characters are escaped ({_FILTER[fmt]} writes {shown})"
            if shown
            else ("how characters are escaped")
        )
    if reason is Difference.LAYOUT and fmt is OutputFormat.XML:
        return _XML_LAYOUT
    return _REASON_TEXT[reason]


def diff_with_example(example: str, output: str, fmt: OutputFormat, payload_name: str) -> ExampleDiff:
    """Compare the preview's output with the example: the verdict and the lines, harmless ones marked."""
    comparison = compare_output(example, output, fmt)
    lines: list[DiffLine] = []
    reasons: set[Difference] = set()
    escapes: dict[str, str] = {}
    for row in side_by_side(example.strip(), output.strip()):
        if row.kind is ChangeKind.EQUAL:
            lines.append(DiffLine(LineKind.SAME, row.new or ""))
            continue
        reason = _harmless(row.old, row.new, fmt) if comparison.equivalent else None
        if reason is not None:
            reasons.add(reason)
        if reason is Difference.ESCAPES and row.new is not None:
            for char, escape in _escapes(row.new, fmt):
                if char not in (row.old or "").replace(escape, ""):
                    continue
                escapes.setdefault(char, escape)
        if row.old is not None:
            lines.append(DiffLine(LineKind.EXAMPLE, row.old, reason is not None))
        if row.new is not None:
            lines.append(DiffLine(LineKind.OUTPUT, row.new, reason is not None))
    if comparison.equivalent and not comparison.identical and not reasons:
        reasons.add(Difference.LAYOUT)
    ordered = tuple(r for r in Difference if r in reasons)
    verdict = describe_comparison(comparison, fmt, payload_name, ordered, tuple(escapes.items()))
    return ExampleDiff(comparison, verdict, tuple(lines), ordered)


_JSON_ESCAPES = re.compile(r"(?:\\u[0-9a-fA-F]{4})+|\\/")
_XML_REFERENCES = re.compile(r"&(?:#\d+|#x[0-9a-fA-F]+|[A-Za-z]+);")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")


def _harmless(old: str | None, new: str | None, fmt: OutputFormat) -> Difference | None:
    """Why two lines that differ mean the same, or None (one is missing, or they differ for real)."""
    if old is None or new is None:
        return Difference.LAYOUT
    if "".join(old.split()) == "".join(new.split()):
        return Difference.LAYOUT
    unescape = _json_unescaped if fmt is OutputFormat.JSON else html.unescape
    if unescape(old) == unescape(new):
        return Difference.ESCAPES
    if _NUMBER.sub(_normal_number, unescape(old)) == _NUMBER.sub(_normal_number, unescape(new)):
        return Difference.NUMBERS
    return None


def _escapes(line: str, fmt: OutputFormat) -> list[tuple[str, str]]:
    """The escaped characters of an output line, each with how it is written there."""
    pattern = _JSON_ESCAPES if fmt is OutputFormat.JSON else _XML_REFERENCES
    unescape = _json_unescaped if fmt is OutputFormat.JSON else html.unescape
    found = []
    for match in pattern.finditer(line):
        text = match.group()
        decoded = unescape(text)
        if decoded != text:
            found.append((decoded, text))
    return found


def _json_unescaped(line: str) -> str:
    def decode(match: re.Match[str]) -> str:
        text = match.group()
        if text == "\\/":
            return "/"
        try:
            return str(json.loads(f'"{text}"'))
        except ValueError:
            return text

    return _JSON_ESCAPES.sub(decode, line)


def _normal_number(match: re.Match[str]) -> str:
    try:
        return format(Decimal(match.group()).normalize(), "f")
    except InvalidOperation:
        return match.group()
