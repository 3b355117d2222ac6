"""What the Templates page decides without Qt: skeletons, names, filtering, and background work.

The page's widgets only display and collect; the rules (which skeleton a new template starts from,
which samples "Check against all samples" covers, what a render on the worker thread returns) live
here so they are tested headless.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any

from postback_studio.core.check import CheckRow, check_template, events_in_name, samples_to_check
from postback_studio.core.doctor.base import Lint
from postback_studio.core.doctor.lints import lint_template
from postback_studio.core.highlight import MAX_OUTPUT_HIGHLIGHT_CHARS, Span, lexer_for, line_spans
from postback_studio.core.model import Event, LookupSet, OutputFormat, Template, TemplateKind
from postback_studio.core.records import SamplePayload
from postback_studio.core.render.engine import RenderEngine, TemplateRendering
from postback_studio.core.samples import samples_for_event

#: The skeletons pass the template doctor as they stand (``check --lint --edge-cases``): JSON values
#: go through ``|tojson``, XML and HTML values through ``|e``, and the subject stays on one line
#: whatever the payload holds, so a new template starts from the habits the doctor asks for.
_JSON_SKELETON = """{
  "eventType": {{ eventType|tojson }},
  "orderId": {{ orderId|tojson }},
  "orderReferenceId": {{ orderReferenceId|tojson }},
  "fulfillmentStatus": {{ fulfillmentStatus|tojson }},
  "items": [
  {%- for item in items %}
    {%- if not loop.first %},{% endif %}
    {
      "itemReferenceId": {{ item.itemReferenceId|tojson }}
    }
  {%- endfor %}
  ]
}
"""

_XML_SKELETON = """<?xml version="1.0" encoding="UTF-8"?>
<order>
  <eventType>{{ eventType|e }}</eventType>
  <orderId>{{ orderId|e }}</orderId>
  <orderReferenceId>{{ orderReferenceId|e }}</orderReferenceId>
  <fulfillmentStatus>{{ fulfillmentStatus|e }}</fulfillmentStatus>
  <items>
  {%- for item in items %}
    <item reference="{{ item.itemReferenceId|e }}"/>
  {%- endfor %}
  </items>
</order>
"""

_SUBJECT_SKELETON = 'Your order {{ orderReferenceId|replace("\\r", " ")|replace("\\n", " ") }}'

_HTML_SKELETON = """<html>
  <body style="font-family: Arial, sans-serif;">
    <p>Hello,</p>
    <p>Your order <b>{{ orderReferenceId|e }}</b> has an update: {{ fulfillmentStatus|e }}.</p>
  </body>
</html>
"""

_TEXT_SKELETON = """Hello,

Your order {{ orderReferenceId }} has an update: {{ fulfillmentStatus }}.
"""

#: The kinds the New menu offers: (label, kind, format).
NEW_TEMPLATE_CHOICES: tuple[tuple[str, TemplateKind, OutputFormat], ...] = (
    ("Webhook (JSON)", TemplateKind.WEBHOOK, OutputFormat.JSON),
    ("Webhook (XML)", TemplateKind.WEBHOOK, OutputFormat.XML),
    ("Email", TemplateKind.EMAIL, OutputFormat.HTML),
)


def skeleton(name: str, kind: TemplateKind, fmt: OutputFormat, customer_id: int | None = None) -> Template:
    """A new draft template that renders valid output against any built-in sample."""
    if kind is TemplateKind.EMAIL:
        return Template(
            name=name,
            kind=kind,
            format=OutputFormat.HTML,
            subject=_SUBJECT_SKELETON,
            body=_HTML_SKELETON,
            text_body=_TEXT_SKELETON,
            customer_id=customer_id,
        )
    body = _XML_SKELETON if fmt is OutputFormat.XML else _JSON_SKELETON
    return Template(name=name, kind=kind, format=fmt, body=body, customer_id=customer_id)


def free_name(base: str, taken: Iterable[str]) -> str:
    """``base``, or ``base 2``, ``base 3``... whichever is not taken (names are unique)."""
    used = set(taken)
    name, n = base, 2
    while name in used:
        name, n = f"{base} {n}", n + 1
    return name


def matches_filter(template: Template, customer_name: str, text: str) -> bool:
    """The library's filter box: every word must occur in the name, kind, format, status or customer."""
    haystack = " ".join(
        (template.name, template.kind.value, template.format.value, template.status.value, customer_name)
    ).lower()
    return all(word in haystack for word in text.lower().split())


def library_details(template: Template, customer_name: str) -> str:
    """The library's second line: ``webhook · JSON · active · Shared``."""
    fmt = template.format.value.upper() if template.kind is TemplateKind.WEBHOOK else "HTML + text"
    return " · ".join((template.kind.value, fmt, template.status.value, customer_name or "Shared"))


def content_of(template: Template) -> tuple[str, str, str]:
    """The editable content (body, subject, text part) that decides whether there are unsaved edits."""
    return (template.body, template.subject, template.text_body)


# -- samples ------------------------------------------------------------------------------------

USER_SAMPLE_PREFIX = "user:"


@dataclass(frozen=True)
class SampleChoice:
    """One entry of the sample picker: a built-in sample or one of the user's own payloads.

    ``check_name`` is the sample's name in the checks ("Check against all samples", the edge cases).
    """

    key: str
    label: str
    event: Event
    builtin: bool
    sample_id: int | None = None
    check_name: str = ""


def user_sample_key(sample_id: int) -> str:
    """The picker key of a user sample (built-in keys are sample names such as ``shipped``)."""
    return f"{USER_SAMPLE_PREFIX}{sample_id}"


def sample_choices(user_samples: Sequence[SamplePayload]) -> list[SampleChoice]:
    """Per event in lifecycle order (the enum's): the built-in samples, then the user's own."""
    choices: list[SampleChoice] = []
    for event in Event:
        for name in samples_for_event(event):
            variant = name.split(".", 1)[1] if "." in name else ""
            label = f"{event.label} ({variant})" if variant else event.label
            choices.append(SampleChoice(name, label, event, builtin=True, check_name=name))
        for sample in user_samples:
            if sample.event is event and sample.id is not None:
                choices.append(
                    SampleChoice(
                        user_sample_key(sample.id),
                        f"{event.label}: {sample.name} (yours)",
                        event,
                        builtin=False,
                        sample_id=sample.id,
                        check_name=user_check_name(sample),
                    )
                )
    return choices


def user_check_name(sample: SamplePayload) -> str:
    """What the checks call a user sample: ``shipped (yours: big order)``."""
    return f"{sample.event.value} (yours: {sample.name})"


def check_selectors(template: Template, trigger_events: Sequence[Event]) -> list[str]:
    """The events "Check against all samples" covers: from the name, else the triggers, else all."""
    from_name = events_in_name(template.name)
    if from_name:
        return [e.value for e in from_name]
    if trigger_events:
        return list(dict.fromkeys(e.value for e in trigger_events))
    return [e.value for e in Event]


def check_sample_names(selectors: Sequence[str], user_samples: Sequence[SamplePayload]) -> dict[str, Any]:
    """Every sample to check, in order, mapped to its payload (None: a built-in, loaded by name).

    User samples of the selected events are included as ``<event> (yours: <name>)``.
    """
    names: dict[str, Any] = dict.fromkeys(samples_to_check(selectors))
    events = {s.split(".", 1)[0] for s in selectors}
    for sample in user_samples:
        if sample.event.value in events:
            try:
                names[user_check_name(sample)] = json.loads(sample.payload)
            except ValueError:
                continue
    return names


# -- background work -----------------------------------------------------------------------------

Spans = tuple[tuple[Span, ...], ...]


@dataclass(frozen=True)
class PreviewRequest:
    """Everything a preview render needs, gathered on the GUI thread (no workspace access later).

    ``sample`` is the payload's name in the checks: the lints' proofs name it, so a proof can be
    found again among the edge cases of the same samples.
    """

    template: Template
    payload: Any
    lookups: LookupSet = field(default_factory=dict)
    sample: str = "sample"


@dataclass(frozen=True)
class PreviewRender:
    """A rendered template, its outputs' highlight spans and its lints, made on the worker thread."""

    request: PreviewRequest
    rendering: TemplateRendering
    spans: Mapping[str, Spans]
    lints: tuple[Lint, ...] = ()


def render_preview(engine: RenderEngine, request: PreviewRequest) -> PreviewRender:
    """Render for the preview, lex each output and lint the template, so the GUI thread only displays.

    The lints are made on a thread of their own while this one waits for the render worker, so they
    add little to the time from a keystroke to the preview.
    """
    with ThreadPoolExecutor(1, thread_name_prefix="preview-lint") as pool:
        linting = pool.submit(lint_template, request.template, {request.sample: request.payload})
        rendering = engine.render_template(request.template, request.payload, lookups=request.lookups)
        spans: dict[str, Spans] = {}
        for part, result in rendering.parts.items():
            if result.output is not None:
                spans[part] = line_spans(
                    result.output, lexer_for(result.format, template=False), limit=MAX_OUTPUT_HIGHLIGHT_CHARS
                )
        lints = linting.result()
    return PreviewRender(request, rendering, spans, lints)


@dataclass(frozen=True)
class CheckRequest:
    """A template and the samples to check it against (``None`` payload: a built-in sample)."""

    template: Template
    samples: Mapping[str, Any]
    lookups: LookupSet = field(default_factory=dict)


@dataclass(frozen=True)
class CheckOutcome:
    """The grid: one row per sample, in the order asked."""

    request: CheckRequest
    rows: tuple[CheckRow, ...]

    @property
    def failed(self) -> tuple[CheckRow, ...]:
        """The rows that did not pass."""
        return tuple(row for row in self.rows if not row.passed)


def run_check(engine: RenderEngine, request: CheckRequest) -> CheckOutcome:
    """Render the template against every sample of the request (on a worker thread)."""
    payloads = {name: value for name, value in request.samples.items() if value is not None}
    rows = check_template(
        engine, request.template, list(request.samples), lookups=request.lookups, payloads=payloads
    )
    return CheckOutcome(request, tuple(rows))


def with_content(template: Template, body: str, subject: str, text_body: str) -> Template:
    """``template`` with edited content (kind, format, name, owner unchanged)."""
    return replace(template, body=body, subject=subject, text_body=text_body)
