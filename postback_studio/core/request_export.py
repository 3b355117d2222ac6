"""Export request log entries as JSON or CSV, deterministically and without secrets.

The same selection always exports to the same bytes (entries in log order, fixed keys and columns),
so two exports diff cleanly. Header values are stored redacted; the exporter applies the dispatcher's
redaction of credential headers once more, so an entry logged by an older build cannot leak.
"""

from __future__ import annotations

import base64
import csv
import io
import json
from collections.abc import Iterable
from typing import Any

from postback_studio.core.dispatch.delivery import redact_headers
from postback_studio.core.render_record import RenderRecord
from postback_studio.core.request_detail import format_time
from postback_studio.core.requestlog import RequestRecord

CSV_COLUMNS = (
    "id", "time", "delivery_id", "attempt", "channel", "outcome", "event", "customer", "trigger",
    "target", "method", "http_status", "duration_ms", "test", "error", "request_headers",
    "request_body", "response_body",
)


def _ordered(records: Iterable[RequestRecord]) -> list[RequestRecord]:
    return sorted(records, key=lambda r: (r.started_at, r.id or 0))


def _body(body: bytes) -> dict[str, str]:
    """A body as UTF-8 text when it is UTF-8, else base64, saying which, so nothing is lost."""
    try:
        return {"encoding": "utf-8", "data": body.decode("utf-8")}
    except UnicodeDecodeError:
        return {"encoding": "base64", "data": base64.b64encode(body).decode("ascii")}


def record_to_dict(record: RequestRecord) -> dict[str, Any]:
    """One entry as a JSON-ready mapping with every field of the log entry."""
    return {
        "id": record.id,
        "deliveryId": record.delivery_id,
        "attempt": record.attempt,
        "channel": record.channel.value,
        "outcome": record.outcome.value,
        "startedAt": record.started_at,
        "time": format_time(record.started_at),
        "event": record.event,
        "customer": {"id": record.customer_id, "name": record.customer_name},
        "trigger": {"id": record.trigger_id, "name": record.trigger_name},
        "test": record.is_test,
        "target": record.target,
        "payload": record.payload,
        "processing": RenderRecord.loads(record.processing).to_document(),
        "request": {
            "method": record.request_method,
            "headers": [list(h) for h in redact_headers(record.request_headers)],
            "body": _body(record.request_body),
        },
        "response": {
            "status": record.response_status,
            "headers": [list(h) for h in redact_headers(record.response_headers)],
            "body": _body(record.response_body),
        },
        "error": record.error,
        "smtpTranscript": record.smtp_transcript,
        "durationSeconds": record.duration,
        "nextAttemptAt": record.next_attempt_at,
    }


def export_json(records: Iterable[RequestRecord]) -> str:
    """The entries as a JSON document ``{"requests": [...]}``, oldest first, with a final newline."""
    document = {"requests": [record_to_dict(r) for r in _ordered(records)]}
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def export_csv(records: Iterable[RequestRecord]) -> str:
    """The entries as CSV (one row per attempt, columns :data:`CSV_COLUMNS`), oldest first.

    Bodies are included as text (non-UTF-8 bytes escaped), because a spreadsheet is where people
    compare what was sent across attempts.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for r in _ordered(records):
        headers = "\n".join(f"{k}: {v}" for k, v in redact_headers(r.request_headers))
        writer.writerow([
            r.id, format_time(r.started_at), r.delivery_id, r.attempt, r.channel.value, r.outcome.value,
            r.event, r.customer_name, r.trigger_name, r.target, r.request_method,
            "" if r.response_status is None else r.response_status,
            "" if r.duration is None else round(r.duration * 1000), "yes" if r.is_test else "no",
            r.error, headers, r.request_body.decode("utf-8", "backslashreplace"),
            r.response_body.decode("utf-8", "backslashreplace"),
        ])
    return out.getvalue()
