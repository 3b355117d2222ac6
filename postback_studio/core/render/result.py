"""What a render returns: the output exactly as it would be sent, and everything known about it.

These values are the contract between the render engine and its callers (CLI, dispatcher, GUI
workers). They are frozen and contain only plain data, so they cross threads and processes safely.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from postback_studio.core.model import OutputFormat


class Severity(StrEnum):
    """How bad a diagnostic is. Errors fail the render or the output; warnings do not."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class Where(StrEnum):
    """Which text a location points into."""

    TEMPLATE = "template"
    OUTPUT = "output"


@dataclass(frozen=True)
class Location:
    """A 1-based line and column in the template or in the rendered output.

    ``part`` names which part of a multi-part template it belongs to: ``body`` for a webhook or an
    email's HTML part, ``subject`` and ``text`` for the other email parts.
    """

    where: Where
    line: int
    column: int = 1
    part: str = "body"


#: Codes of errors that no "send anyway" can lift: the message could not be built as rendered (a
#: header with a line break would be refused by the mail library, or worse, injected).
UNSENDABLE_CODES = frozenset({"email-header"})


@dataclass(frozen=True)
class Diagnostic:
    """One problem, with a stable ``code`` that tests and the GUI can match on.

    Codes: ``syntax``, ``runtime``, ``security``, ``time-limit``, ``size-limit``, ``memory-limit``,
    ``recursion-limit``, ``unresolved-field``, ``lookup-miss``, ``json-syntax``, ``json-duplicate-key``,
    ``json-schema``, ``xml-syntax``, ``xml-schema``, ``html``, ``email``, ``email-header``, and
    ``skipped`` (a batch render gave up on the rest of its payloads after several ran past the time
    limit).
    """

    severity: Severity
    code: str
    message: str
    location: Location | None = None


@dataclass(frozen=True)
class FieldUse:
    """A payload path the template reads (``items[].fulfillments[].trackingCode``) and where.

    ``parent_missing`` marks an unresolved path that breaks off before its last field (``x.y``
    without ``x``, ``items[0].id`` with no items, ``items[].id`` with ``items`` not a list): reading
    it fails the render rather than printing nothing.
    """

    path: str
    line: int
    column: int
    resolved: bool
    parent_missing: bool = False


@dataclass(frozen=True)
class LookupUse:
    """One ``lookups()`` call made during the render and what it found."""

    field: str
    key: str
    hit: bool
    value: str


#: Diagnostic codes that mean the template itself failed (CLI exit 1), as opposed to its output.
TEMPLATE_ERROR_CODES = frozenset(
    {"syntax", "runtime", "security", "time-limit", "size-limit", "memory-limit", "unresolved-field",
     "lookup-miss", "recursion-limit", "skipped"}
)


@dataclass(frozen=True)
class RenderResult:
    """The outcome of rendering one template text against one payload.

    ``output`` is None when the template failed to render. ``timings`` holds seconds per stage
    (``compile``, ``render``, ``fields``, ``validate``). ``line_map`` is filled only by a traced batch
    render: ``(output offset, template line)`` pairs, each where the template line writing the
    output changes, so an output position can be traced back to the template (:meth:`template_line`).
    """

    output: str | None
    format: OutputFormat
    diagnostics: tuple[Diagnostic, ...] = ()
    fields: tuple[FieldUse, ...] = ()
    lookups: tuple[LookupUse, ...] = ()
    timings: dict[str, float] = field(default_factory=dict)
    line_map: tuple[tuple[int, int], ...] = ()

    def template_line(self, offset: int) -> int | None:
        """The template line that wrote the output character at ``offset`` (None without a map)."""
        line = None
        for start, template_line in self.line_map:
            if start > offset:
                break
            line = template_line
        return line

    @property
    def errors(self) -> tuple[Diagnostic, ...]:
        """The error-severity diagnostics."""
        return tuple(d for d in self.diagnostics if d.severity is Severity.ERROR)

    @property
    def rendered(self) -> bool:
        """True when the template produced an output without a template error."""
        return self.output is not None and not any(d.code in TEMPLATE_ERROR_CODES for d in self.errors)

    @property
    def valid(self) -> bool:
        """True when the output rendered and is valid for its format: safe to send."""
        return self.output is not None and not self.errors
