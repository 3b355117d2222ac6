"""The contract of the "Template processing" pane: what a render produced for one delivery.

The delivery service writes it into every log entry of the delivery (:meth:`RenderRecord.dumps`);
every reader (the Requests page's detail, ``log show``, the request exporter, Resend of an email)
reads it back with :meth:`RenderRecord.loads`. One frozen value, one serializer, one parser: the
writer and the readers cannot disagree about the shape again.

The stored text is JSON::

    {"version": 1, "template": "order-shipped", "templateId": 3, "kind": "webhook", "format": "json",
     "outputs": {"body": "..."},                       # an email: {"subject", "html", "text"}
     "diagnostics": [{"severity", "code", "message", "where", "part", "line", "column"}],
     "fields": [{"part", "path", "line", "column", "resolved"}],
     "lookups": [{"part", "field", "key", "hit", "value"}]}

An output is null when its part did not render. Entries written before the version key existed
have the same shape without ``format``, ``fields`` and ``lookups``.

:meth:`RenderRecord.loads` never raises: a text it cannot interpret comes back as a record whose
:attr:`~RenderRecord.unreadable` says why, with the text kept in :attr:`~RenderRecord.raw`, so a
damaged entry is shown as damaged instead of breaking the page or the command that reads it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from postback_studio.core.model import OutputFormat, Template, TemplateKind
from postback_studio.core.render.result import Diagnostic, FieldUse, Location, LookupUse, Severity, Where

if TYPE_CHECKING:
    from postback_studio.core.render.engine import TemplateRendering

VERSION = 1
_EMAIL_PARTS = ("subject", "html", "text")


@dataclass(frozen=True)
class EmailOutput:
    """The rendered parts of an email; a part that was not rendered (or is not in the template) is None."""

    subject: str | None
    html: str | None
    text: str | None


@dataclass(frozen=True)
class PartField:
    """A payload field a template part reads, and whether the payload had it."""

    part: str
    use: FieldUse


@dataclass(frozen=True)
class PartLookup:
    """A ``lookups()`` call a template part made, and what it found."""

    part: str
    use: LookupUse


@dataclass(frozen=True)
class RenderRecord:
    """What rendering a template for one delivery produced.

    ``output`` is a webhook's body as rendered (None when it did not render); ``email`` holds an
    email's parts instead. ``unreadable`` is "" for a record that was read, else why the stored
    text could not be (``raw`` keeps that text).
    """

    template: str = ""
    template_id: int | None = None
    kind: TemplateKind = TemplateKind.WEBHOOK
    format: OutputFormat = OutputFormat.JSON
    output: str | None = None
    email: EmailOutput | None = None
    diagnostics: tuple[Diagnostic, ...] = ()
    fields: tuple[PartField, ...] = ()
    lookups: tuple[PartLookup, ...] = ()
    unreadable: str = ""
    raw: str = ""

    @classmethod
    def from_rendering(cls, template: Template, rendering: TemplateRendering) -> RenderRecord:
        """The record of ``template`` rendered as ``rendering``."""
        parts = rendering.parts
        email = None
        output = None
        if template.kind is TemplateKind.EMAIL:
            email = EmailOutput(*(parts[p].output if p in parts else None for p in _EMAIL_PARTS))
        else:
            output = parts["body"].output if "body" in parts else None
        return cls(
            template=template.name,
            template_id=template.id,
            kind=template.kind,
            format=template.format,
            output=output,
            email=email,
            diagnostics=rendering.diagnostics,
            fields=tuple(PartField(name, use) for name, part in parts.items() for use in part.fields),
            lookups=tuple(PartLookup(name, use) for name, part in parts.items() for use in part.lookups),
        )

    @property
    def empty(self) -> bool:
        """True when no template processing was recorded (a resend without its trigger, an old entry)."""
        return not (self.template or self.unreadable or self.output is not None or self.email)

    def outputs(self) -> dict[str, str | None]:
        """The rendered text of each part, by part name (``body``; or ``subject``, ``html``, ``text``)."""
        if self.email is not None:
            return dict(
                zip(_EMAIL_PARTS, (self.email.subject, self.email.html, self.email.text), strict=True)
            )
        return {"body": self.output}

    def dumps(self) -> str:
        """The JSON text stored in the log (see the module docstring)."""
        return json.dumps(self.to_document(), ensure_ascii=False)

    def to_document(self) -> dict[str, Any]:
        """The record as the JSON object :meth:`dumps` writes (an unreadable one: why, and the text)."""
        if self.unreadable:
            return {"unreadable": self.unreadable, "raw": self.raw}
        return {
            "version": VERSION,
            "template": self.template,
            "templateId": self.template_id,
            "kind": self.kind.value,
            "format": self.format.value,
            "outputs": self.outputs(),
            "diagnostics": [diagnostic_document(d) for d in self.diagnostics],
            "fields": [
                {
                    "part": f.part,
                    "path": f.use.path,
                    "line": f.use.line,
                    "column": f.use.column,
                    "resolved": f.use.resolved,
                }
                for f in self.fields
            ],
            "lookups": [
                {
                    "part": x.part,
                    "field": x.use.field,
                    "key": x.use.key,
                    "hit": x.use.hit,
                    "value": x.use.value,
                }
                for x in self.lookups
            ],
        }

    @classmethod
    def loads(cls, text: str) -> RenderRecord:
        """Read :meth:`dumps` output back; never raises (see :attr:`unreadable`). "" is an empty record."""
        if not text.strip():
            return cls()
        try:
            data = json.loads(text)
            if not isinstance(data, dict):
                raise TypeError("not a JSON object")
            return _record(data)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            return cls(unreadable=f"the stored template processing cannot be read ({exc})", raw=text)


def _record(data: dict[str, Any]) -> RenderRecord:
    kind = TemplateKind(data.get("kind") or TemplateKind.WEBHOOK.value)
    fmt_default = OutputFormat.HTML if kind is TemplateKind.EMAIL else OutputFormat.JSON
    outputs = data.get("outputs") or {}
    if not isinstance(outputs, dict):
        raise TypeError("'outputs' is not an object")
    email = None
    output = None
    if kind is TemplateKind.EMAIL:
        email = EmailOutput(*(_optional_text(outputs.get(p)) for p in _EMAIL_PARTS))
    else:
        output = _optional_text(outputs.get("body"))
    template_id = data.get("templateId")
    if template_id is not None and (not isinstance(template_id, int) or isinstance(template_id, bool)):
        raise TypeError("'templateId' is not a number")
    return RenderRecord(
        template=str(data.get("template") or ""),
        template_id=template_id,
        kind=kind,
        format=OutputFormat(data.get("format") or fmt_default.value),
        output=output,
        email=email,
        diagnostics=tuple(_diagnostic(d) for d in _list(data, "diagnostics")),
        fields=tuple(
            PartField(
                str(f["part"]),
                FieldUse(str(f["path"]), int(f["line"]), int(f["column"]), bool(f["resolved"])),
            )
            for f in _list(data, "fields")
        ),
        lookups=tuple(
            PartLookup(
                str(x["part"]), LookupUse(str(x["field"]), str(x["key"]), bool(x["hit"]), str(x["value"]))
            )
            for x in _list(data, "lookups")
        ),
    )


def _list(data: dict[str, Any], key: str) -> list[Any]:
    value = data.get(key) or []
    if not isinstance(value, list):
        raise TypeError(f"'{key}' is not a list")
    return value


def _optional_text(value: object) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise TypeError("an output is not text")


def diagnostic_document(diagnostic: Diagnostic) -> dict[str, Any]:
    """One diagnostic as the JSON object the log stores and ``log show --json`` prints."""
    location = diagnostic.location
    return {
        "severity": diagnostic.severity.value,
        "code": diagnostic.code,
        "message": diagnostic.message,
        "where": location.where.value if location else None,
        "part": location.part if location else None,
        "line": location.line if location else None,
        "column": location.column if location else None,
    }


def _diagnostic(data: dict[str, Any]) -> Diagnostic:
    location = None
    if data.get("line") is not None:
        location = Location(
            Where(data.get("where") or Where.TEMPLATE.value),
            int(data["line"]),
            int(data.get("column") or 1),
            str(data.get("part") or "body"),
        )
    return Diagnostic(Severity(data["severity"]), str(data.get("code") or ""), str(data["message"]), location)
