"""The four panes of one request log entry, as GelatoConnect's Requests page shows them.

Original payload, template processing (rendered output and diagnostics), final request (method,
target, headers and the exact body; for signed webhooks the signed content and the signature
headers), and the response or the error with the SMTP conversation. Built here, not in the widget,
so that what the page shows for each kind of entry is tested without a display, and so that
``postback-studio log show ID`` prints the same panes (:func:`show_text`, :func:`show_document`).

The template processing pane reads the log's processing text through its contract
(:class:`~postback_studio.core.render_record.RenderRecord`), the one parser the writer's serializer
is tested against.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from postback_studio.core.body_view import exact_text, format_headers, header_value, pretty_text
from postback_studio.core.dispatch.delivery import redact_headers
from postback_studio.core.model import Event
from postback_studio.core.render.result import Diagnostic
from postback_studio.core.render_record import RenderRecord, diagnostic_document
from postback_studio.core.requestlog import Channel, Outcome, RequestRecord

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
    try:
        moment = datetime.fromtimestamp(epoch, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return f"{epoch} (not a valid time)"
    return moment.strftime("%Y-%m-%d %H:%M:%S.") + f"{moment.microsecond // 1000:03d} UTC"


def format_duration(seconds: float | None) -> str:
    """``120 ms`` below ten seconds, ``12.3 s`` above; empty when unknown."""
    if seconds is None:
        return ""
    return f"{seconds * 1000:.0f} ms" if seconds < 10 else f"{seconds:.1f} s"


def describe(record: RequestRecord) -> RequestDetail:
    """The panes for ``record`` (an unreadable entry says so in its title and its error)."""
    content_type = header_value(record.request_headers, "content-type") or ""
    processing = RenderRecord.loads(record.processing)
    return RequestDetail(
        title=(
            f"{event_label(record.event)} · attempt {record.attempt} · {record.outcome.label.lower()}"
            f" · {format_time(record.started_at)}"
        ),
        payload=_pretty_json_text(record.payload),
        rendered_output=rendered_text(processing),
        diagnostics=tuple(diagnostic_line(d) for d in processing.diagnostics)
        + ((f"warning: {processing.unreadable}",) if processing.unreadable else ()),
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
    """ "Order shipped" for a known event; an unknown one (a newer workspace) as stored."""
    try:
        return Event(event).label
    except ValueError:
        return event


def rendered_text(processing: RenderRecord) -> str:
    """The rendered output as the Template processing pane shows it; an email part by part."""
    if processing.unreadable:
        return processing.raw
    if processing.email is None:
        return processing.output or ""
    parts = [f"--- {name} ---\n{text}" for name, text in processing.outputs().items() if text]
    return "\n\n".join(parts)


def diagnostic_line(diagnostic: Diagnostic) -> str:
    """``template body 4:9: warning: message [code]``."""
    location = diagnostic.location
    where = ""
    if location is not None:
        where = f"{location.where.value} {location.part} {location.line}:{location.column}: "
    tag = f" [{diagnostic.code}]" if diagnostic.code else ""
    return f"{where}{diagnostic.severity.value}: {diagnostic.message}{tag}"


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
        return f"{record.status_label}{suffix}"
    if record.channel is Channel.EMAIL and not record.error and record.smtp_transcript:
        return f"Accepted by the SMTP server{suffix}"
    if not record.readable:
        return "Unreadable entry"
    if record.outcome in (Outcome.RENDER_FAILED, Outcome.BLOCKED, Outcome.CANCELED) or (
        not record.request_method and record.channel is Channel.WEBHOOK
    ):
        return "Nothing was sent"
    return f"No response{suffix}" if record.error else ""


def _pretty_json_text(text: str) -> str:
    """Payloads are JSON; show them indented, or as stored when they do not parse."""
    if not text:
        return ""
    pretty = pretty_text(text.encode("utf-8"), "application/json")
    return text if pretty is None else pretty


# -- log show -----------------------------------------------------------------------------------


def show_document(record: RequestRecord) -> dict[str, Any]:
    """``log show ID --json``: the four panes of one attempt as one JSON-ready object.

    ``payload`` is the event payload as sent to the template (parsed JSON, or the stored text);
    ``rendered`` the rendered output text (an email: ``{subject, html, text}``); ``diagnostics``;
    ``request`` (``method``, ``url`` or ``to``, ``headers``, ``body`` exactly as sent, and
    ``signedContent`` when signed); ``response`` (``status``, ``headers``, ``body``) when one came
    and ``error`` when the attempt failed; ``smtpTranscript`` for emails. Header values that are
    secret are stored redacted and are redacted again here.
    """
    processing = RenderRecord.loads(record.processing)
    document: dict[str, Any] = {
        "id": record.id,
        "deliveryId": record.delivery_id,
        "attempt": record.attempt,
        "outcome": record.outcome.value,
        "time": format_time(record.started_at),
        "channel": record.channel.value,
        "event": record.event,
        "customer": record.customer_name,
        "trigger": record.trigger_name,
        "test": record.is_test,
        "payload": _payload_value(record.payload),
        "rendered": _rendered_value(processing),
        "diagnostics": [diagnostic_document(d) for d in processing.diagnostics],
        "request": _request_document(record),
    }
    if record.response_status is not None or record.response_headers or record.response_body:
        document["response"] = {
            "status": record.response_status,
            "statusLabel": record.status_label,
            "headers": [list(h) for h in redact_headers(record.response_headers)],
            **_body_document(record.response_body),
        }
    if record.error:
        document["error"] = record.error
    if record.channel is Channel.EMAIL:
        document["smtpTranscript"] = record.smtp_transcript
    if processing.unreadable:
        document["processingUnreadable"] = processing.unreadable
    if not record.readable:
        document["unreadable"] = record.error
    return document


def show_text(record: RequestRecord) -> str:
    """``log show ID``: the four panes of one attempt for a person to read."""
    detail = describe(record)
    lines = [f"{detail.title} · delivery {record.delivery_id}"]
    if not record.readable:
        lines.append(f"UNREADABLE: {record.error}")
    lines += ["", "== Original payload", detail.payload or "(none)", "", "== Template processing"]
    lines.append(detail.rendered_output or "(no rendered output)")
    lines += ["Diagnostics:", *(f"  {d}" for d in detail.diagnostics or ("none",))]
    lines += ["", "== Final request", detail.request_line]
    if detail.request_headers:
        lines.append(detail.request_headers)
    lines += ["", detail.request_body]
    if detail.signed_content is not None:
        lines += ["", "Signed content (id.timestamp.body):", detail.signed_content]
    lines += ["", "== Response", detail.response_line]
    if detail.error:
        lines.append(f"Error: {detail.error}")
    if detail.response_headers:
        lines.append(detail.response_headers)
    if detail.response_body:
        lines += ["", detail.response_body]
    if detail.smtp_transcript:
        lines += ["", "SMTP conversation:", detail.smtp_transcript]
    return "\n".join(lines).rstrip() + "\n"


def _payload_value(text: str) -> Any:
    try:
        return json.loads(text) if text else None
    except ValueError:
        return text


def _rendered_value(processing: RenderRecord) -> Any:
    if processing.unreadable:
        return processing.raw
    if processing.email is not None:
        email = processing.email
        return {"subject": email.subject, "html": email.html, "text": email.text}
    return processing.output


def _request_document(record: RequestRecord) -> dict[str, Any]:
    request: dict[str, Any] = {"method": record.request_method}
    if record.channel is Channel.EMAIL:
        request["to"] = [r.strip() for r in record.target.split(",") if r.strip()]
    else:
        request["url"] = record.target
    request["headers"] = [list(h) for h in redact_headers(record.request_headers)]
    request.update(_body_document(record.request_body))
    signed = signed_content(record)
    if signed is not None:
        request["signedContent"] = signed
    return request


def _body_document(body: bytes) -> dict[str, str]:
    """The exact bytes: as text when they are UTF-8, else base64 (``bodyEncoding`` says which)."""
    try:
        return {"body": body.decode("utf-8"), "bodyEncoding": "utf-8"}
    except UnicodeDecodeError:
        return {"body": base64.b64encode(body).decode("ascii"), "bodyEncoding": "base64"}
