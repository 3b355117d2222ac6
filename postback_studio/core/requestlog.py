"""One entry of the request log: a single attempt to deliver a single postback, and its stored form.

The four panes of GelatoConnect's Requests page map onto the fields here: the input payload, the
template processing (rendered output and diagnostics), the final request as sent (method, target,
headers, exact body bytes), and the response or the error. Attempts of one postback share a
``delivery_id``, which is also the Standard Webhooks ``webhook-id`` so receivers can deduplicate.

:func:`record_to_row` and :func:`record_from_row` are the one serializer and the one parser of an
entry as the workspace stores it; the log's writer and every reader use them. The parser never
raises: a row it cannot interpret (a value of the wrong type, a time that is not finite, an
unknown channel) comes back as a record whose outcome is :attr:`Outcome.UNREADABLE` and whose
``error`` says which columns could not be read, with everything that could be read kept, so the
log shows it as unreadable and carries on.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any, TypeVar

import orjson

T = TypeVar("T")

#: What a secret becomes wherever it is stored or shown: header values, SMTP AUTH, error texts.
REDACTED = "<redacted>"


class Channel(StrEnum):
    """How the attempt was delivered."""

    WEBHOOK = "webhook"
    EMAIL = "email"


class Outcome(StrEnum):
    """What became of one attempt.

    ``RETRYING``: this attempt failed and another is scheduled. ``FAILED``: it failed and no retry
    follows (not retryable, attempts exhausted, or cancelled). ``RENDER_FAILED``: the template did not
    produce a sendable output, so nothing left the machine. ``BLOCKED``: the output was invalid for its
    format and the user did not choose to send anyway.
    """

    DELIVERED = "delivered"
    RETRYING = "retrying"
    FAILED = "failed"
    RENDER_FAILED = "render_failed"
    BLOCKED = "blocked"
    CANCELED = "canceled"
    #: Never stored: a row of the log that cannot be interpreted (see :func:`record_from_row`).
    UNREADABLE = "unreadable"

    @property
    def label(self) -> str:
        """How every view names the outcome: "Delivered", "Render failed"."""
        return self.value.replace("_", " ").capitalize()

    @classmethod
    def parse(cls, text: object) -> Outcome:
        """The outcome stored as ``text``; :attr:`UNREADABLE` for anything else."""
        try:
            return cls(str(text))
        except ValueError:
            return cls.UNREADABLE


def payload_text(payload: Any) -> str:
    """The log's text of a payload: exactly ``json.dumps(payload, ensure_ascii=False, indent=2)``.

    The json module writes indented JSON with its pure-Python encoder (its C encoder has no
    indentation), a tenth of a millisecond for an order's payload, paid by every delivery. orjson
    indents the same way (two spaces, ``": "``, ``","`` at line ends, ``[]`` and ``{}`` when empty);
    it only writes some values differently (floats, integers beyond 64 bits, keys that are not
    text, lone surrogates, NaN). Where its compact form equals the json module's compact form, every
    token is the same, so its indented form is the json module's; otherwise the json module writes
    the text, as before (raising as before for a value it cannot write).
    """
    try:
        fast = orjson.dumps(payload)
    except (TypeError, orjson.JSONEncodeError):
        return json.dumps(payload, ensure_ascii=False, indent=2)
    try:
        compact = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    except (TypeError, ValueError):
        return json.dumps(payload, ensure_ascii=False, indent=2)
    if fast != compact.encode("utf-8", "surrogatepass"):
        return json.dumps(payload, ensure_ascii=False, indent=2)
    return orjson.dumps(payload, option=orjson.OPT_INDENT_2).decode("utf-8")


def status_label(channel: Channel, status: int | None) -> str:
    """A reply code as people read it: ``HTTP 503`` for a webhook, ``SMTP 250`` for an email, or "".

    The one place the protocol of a status is decided; every view shows this text.
    """
    if status is None:
        return ""
    return f"{'SMTP' if channel is Channel.EMAIL else 'HTTP'} {status}"


@dataclass(frozen=True)
class RequestRecord:
    """One attempt, as stored in the workspace and shown on the Requests page.

    Times are seconds since the epoch (UTC). Header values that are secret are stored redacted; the
    body is stored as the exact bytes sent. ``processing`` is a JSON text with the rendered output and
    the diagnostics; ``smtp_transcript`` holds the SMTP conversation with AUTH redacted.
    """

    delivery_id: str
    attempt: int
    channel: Channel
    outcome: Outcome
    started_at: float
    event: str
    target: str
    payload: str = ""
    processing: str = ""
    request_method: str = ""
    request_headers: tuple[tuple[str, str], ...] = ()
    request_body: bytes = b""
    response_status: int | None = None
    response_headers: tuple[tuple[str, str], ...] = ()
    response_body: bytes = b""
    error: str = ""
    smtp_transcript: str = ""
    duration: float | None = None
    customer_id: int | None = None
    customer_name: str = ""
    trigger_id: int | None = None
    trigger_name: str = ""
    is_test: bool = False
    next_attempt_at: float | None = None
    id: int | None = None

    @property
    def status_label(self) -> str:
        """``HTTP 503``, ``SMTP 250`` or "" (see :func:`status_label`)."""
        return status_label(self.channel, self.response_status)

    @property
    def readable(self) -> bool:
        """False for a stored row that could not be interpreted (``error`` says why)."""
        return self.outcome is not Outcome.UNREADABLE


#: The columns of the ``requests`` table that :func:`record_to_row` fills (``id`` is the table's).
COLUMNS = (
    "delivery_id", "attempt", "channel", "outcome", "started_at", "event", "target", "payload",
    "processing", "request_method", "request_headers", "request_body", "response_status",
    "response_headers", "response_body", "error", "smtp_transcript", "duration", "customer_id",
    "customer_name", "trigger_id", "trigger_name", "is_test", "next_attempt_at",
)  # fmt: skip


def record_to_row(record: RequestRecord) -> dict[str, Any]:
    """The column values that store ``record`` (headers as JSON lists of pairs, bodies as bytes)."""
    return {
        "delivery_id": record.delivery_id,
        "attempt": record.attempt,
        "channel": record.channel.value,
        "outcome": record.outcome.value,
        "started_at": record.started_at,
        "event": record.event,
        "target": record.target,
        "payload": record.payload,
        "processing": record.processing,
        "request_method": record.request_method,
        "request_headers": json.dumps([list(h) for h in record.request_headers]),
        "request_body": record.request_body,
        "response_status": record.response_status,
        "response_headers": json.dumps([list(h) for h in record.response_headers]),
        "response_body": record.response_body,
        "error": record.error,
        "smtp_transcript": record.smtp_transcript,
        "duration": record.duration,
        "customer_id": record.customer_id,
        "customer_name": record.customer_name,
        "trigger_id": record.trigger_id,
        "trigger_name": record.trigger_name,
        "is_test": int(record.is_test),
        "next_attempt_at": record.next_attempt_at,
    }


class _Reader:
    """Reads a stored row column by column; a column it cannot read gets a default and a note."""

    def __init__(self, row: Mapping[str, Any]) -> None:
        self.row = row
        self.problems: list[str] = []

    def get(self, column: str, convert: Callable[[Any], T], default: T) -> T:
        try:
            return convert(self.row[column])
        except Exception as exc:  # a damaged row is reported, never raised: the log must go on
            self.problems.append(f"{column}: {exc}" if str(exc) else column)
            return default


def record_from_row(row: Mapping[str, Any]) -> RequestRecord:
    """The record a stored row holds; an unreadable row as :attr:`Outcome.UNREADABLE` (never raises)."""
    read = _Reader(row)
    record = RequestRecord(
        delivery_id=read.get("delivery_id", _text, ""),
        attempt=read.get("attempt", _count, 0),
        channel=read.get("channel", Channel, Channel.WEBHOOK),
        outcome=read.get("outcome", Outcome, Outcome.UNREADABLE),
        started_at=read.get("started_at", _time, 0.0),
        event=read.get("event", _text, ""),
        target=read.get("target", _text, ""),
        payload=read.get("payload", _text, ""),
        processing=read.get("processing", _text, ""),
        request_method=read.get("request_method", _text, ""),
        request_headers=read.get("request_headers", header_pairs, ()),
        request_body=read.get("request_body", _bytes, b""),
        response_status=read.get("response_status", _optional(_count), None),
        response_headers=read.get("response_headers", header_pairs, ()),
        response_body=read.get("response_body", _bytes, b""),
        error=read.get("error", _text, ""),
        smtp_transcript=read.get("smtp_transcript", _text, ""),
        duration=read.get("duration", _optional(_time), None),
        customer_id=read.get("customer_id", _optional(_count), None),
        customer_name=read.get("customer_name", _text, ""),
        trigger_id=read.get("trigger_id", _optional(_count), None),
        trigger_name=read.get("trigger_name", _text, ""),
        is_test=read.get("is_test", _flag, False),
        next_attempt_at=read.get("next_attempt_at", _optional(_time), None),
        id=read.get("id", _optional(_count), None),
    )
    if not read.problems:
        return record
    reason = "This log entry cannot be read (" + "; ".join(read.problems) + ")."
    stored = f" The stored error: {record.error}" if record.error else ""
    return replace(record, outcome=Outcome.UNREADABLE, error=reason + stored)


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected text, found {type(value).__name__}")
    return value


def _count(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"expected a whole number, found {value!r}")
    return value


def _time(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"expected a finite number of seconds, found {value!r}")
    return float(value)


def _flag(value: Any) -> bool:
    if value not in (0, 1):
        raise ValueError(f"expected 0 or 1, found {value!r}")
    return bool(value)


def _bytes(value: Any) -> bytes:
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    raise TypeError(f"expected bytes, found {type(value).__name__}")


def header_pairs(value: Any) -> tuple[tuple[str, str], ...]:
    """Headers stored as a JSON list of ``[name, value]`` pairs (raises when they are not)."""
    pairs = json.loads(_text(value))
    if not isinstance(pairs, list) or not all(
        isinstance(p, list) and len(p) == 2 and all(isinstance(x, str) for x in p) for p in pairs
    ):
        raise ValueError("expected a JSON list of [name, value] pairs")
    return tuple((name, text) for name, text in pairs)


def _optional(convert: Callable[[Any], T]) -> Callable[[Any], T | None]:
    def read(value: Any) -> T | None:
        return None if value is None else convert(value)

    return read
