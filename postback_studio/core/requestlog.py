"""One entry of the request log: a single attempt to deliver a single postback.

The four panes of GelatoConnect's Requests page map onto the fields here: the input payload, the
template processing (rendered output and diagnostics), the final request as sent (method, target,
headers, exact body bytes), and the response or the error. Attempts of one postback share a
``delivery_id``, which is also the Standard Webhooks ``webhook-id`` so receivers can deduplicate.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

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
