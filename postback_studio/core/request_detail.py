"""The four panes of one request log entry, as GelatoConnect's Requests page shows them.

Original payload, template processing (rendered output and diagnostics), final request (method,
target, headers and the exact body; for signed webhooks the signed content and the signature
headers), and the response or the error with the SMTP conversation. Built here, not in the widget,
so that what the page shows for each kind of entry is tested without a display.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from postback_studio.core.body_view import exact_text, format_headers, header_value, pretty_text
from postback_studio.core.model import Event
from postback_studio.core.requestlog import Channel, RequestRecord

#: The Standard Webhooks headers that carry a signature (the spec's names, and the svix variants).
SIGNATURE_HEADERS = ("webhook-id", "webhook-timestamp", "webhook-signature")


@dataclass(frozen=True)
class RequestDetail:
    """Everything the detail view shows for one attempt, as display-ready text."""

    title: str
    payload: str
    rendered_output: str
    diagnostics: tuple[str, ...]
    request_line: str
    request_headers: str
    request_body: str
    request_body_pretty: str | None
    signed_content: str | None
    signature_headers: str
    response_line: str
    response_headers: str
    response_body: str
    error: str
    smtp_transcript: str


def format_time(epoch: float) -> str:
    """A log time as ``2026-11-28 06:05:03.120 UTC``: millisecond precision, always UTC."""
    moment = datetime.fromtimestamp(epoch, tz=UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S.") + f"{moment.microsecond // 1000:03d} UTC"


def format_duration(seconds: float | None) -> str:
    """``120 ms`` below ten seconds, ``12.3 s`` above; empty when unknown."""
    if seconds is None:
        return ""
    return f"{seconds * 1000:.0f} ms" if seconds < 10 else f"{seconds:.1f} s"


def describe(record: RequestRecord) -> RequestDetail:
    """The panes for ``record``."""
    content_type = header_value(record.request_headers, "content-type") or ""
    rendered, diagnostics = _processing(record.processing)
    return RequestDetail(
        title=(
            f"{event_label(record.event)} · attempt {record.attempt} · {record.outcome.value}"
            f" · {format_time(record.started_at)}"
        ),
        payload=_pretty_json_text(record.payload),
        rendered_output=rendered,
        diagnostics=diagnostics,
        request_line=_request_line(record),
        request_headers=format_headers(record.request_headers),
        request_body=exact_text(record.request_body),
        request_body_pretty=pretty_text(record.request_body, content_type),
        signed_content=signed_content(record),
        signature_headers=format_headers(
            tuple((k, v) for k, v in record.request_headers if k.lower() in SIGNATURE_HEADERS)
        ),
        response_line=_response_line(record),
        response_headers=format_headers(record.response_headers),
        response_body=exact_text(record.response_body),
        error=record.error,
        smtp_transcript=record.smtp_transcript,
    )


def signed_content(record: RequestRecord) -> str | None:
    """The Standard Webhooks signed content ``id.timestamp.body``, or None when unsigned.

    Shown so that an integrator whose receiver rejects the signature can compare, byte for byte,
    what was signed with what their code verifies.
    """
    headers = record.request_headers
    if header_value(headers, "webhook-signature") is None:
        return None
    message_id = header_value(headers, "webhook-id") or ""
    timestamp = header_value(headers, "webhook-timestamp") or ""
    return f"{message_id}.{timestamp}.{exact_text(record.request_body)}"


def event_label(event: str) -> str:
    """"Order shipped" for a known event; an unknown one (a newer workspace) as stored."""
    try:
        return Event(event).label
    except ValueError:
        return event


def _request_line(record: RequestRecord) -> str:
    if record.channel is Channel.EMAIL:
        return f"Email to {record.target}"
    if not record.request_method:
        return f"Not sent: {record.target}"
    return f"{record.request_method} {record.target}"


def _response_line(record: RequestRecord) -> str:
    took = format_duration(record.duration)
    suffix = f" in {took}" if took else ""
    if record.response_status is not None:
        return f"HTTP {record.response_status}{suffix}"
    if record.channel is Channel.EMAIL and not record.error and record.smtp_transcript:
        return f"Accepted by the SMTP server{suffix}"
    if record.error:
        return f"No response{suffix}"
    return "Nothing was sent" if not record.request_method and record.channel is Channel.WEBHOOK else ""


def _pretty_json_text(text: str) -> str:
    """Payloads are JSON; show them indented, or as stored when they do not parse."""
    if not text:
        return ""
    pretty = pretty_text(text.encode("utf-8"), "application/json")
    return text if pretty is None else pretty


def _processing(text: str) -> tuple[str, tuple[str, ...]]:
    """The rendered output and diagnostic lines from the stored processing JSON.

    The stored shape is ``{"output": str | {"subject", "html", "text"} | null, "diagnostics":
    [{"severity", "code", "message", "location": {"where", "line", "column", "part"}}]}``; anything
    else is shown as stored rather than hidden.
    """
    if not text:
        return "", ()
    try:
        data = json.loads(text)
    except ValueError:
        return text, ()
    if not isinstance(data, dict):
        return text, ()
    output = data.get("output", data.get("rendered"))
    rendered = _output_text(output)
    diagnostics = tuple(_diagnostic_line(d) for d in data.get("diagnostics") or () if isinstance(d, dict))
    return rendered, diagnostics


def _output_text(output: Any) -> str:
    if output is None:
        return ""
    if isinstance(output, str):
        return output
    if isinstance(output, dict):
        parts = [f"--- {name} ---\n{value}" for name, value in output.items() if value]
        return "\n\n".join(parts)
    return json.dumps(output, indent=2, ensure_ascii=False)


def _diagnostic_line(diagnostic: dict[str, Any]) -> str:
    severity = str(diagnostic.get("severity", "error"))
    message = str(diagnostic.get("message", ""))
    code = diagnostic.get("code")
    location = diagnostic.get("location")
    where = ""
    if isinstance(location, dict) and "line" in location:
        where = f"{location.get('where', 'template')} {location.get('part', 'body')}"
        where += f" {location['line']}:{location.get('column', 1)}: "
    tag = f" [{code}]" if code else ""
    return f"{where}{severity}: {message}{tag}"
