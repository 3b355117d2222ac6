"""Workspace records that are not part of the design vocabulary but cross layers all the same.

Sample payloads, template versions, pending retries and what the local inbox received are stored by
``storage`` and produced or consumed by the dispatcher and the GUI. They live in core so that core code
(the dispatcher, the inbox servers) can type against them without importing storage.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum

from postback_studio.core.model import Event, OutputFormat, Template, TemplateKind


@dataclass(frozen=True)
class SamplePayload:
    """One of the user's own sample payloads for an event (the built-in ones ship as resources)."""

    name: str
    event: Event
    payload: str
    id: int | None = None


@dataclass(frozen=True)
class TemplateVersion:
    """One saved state of a template's content; ``number`` counts from 1 per template."""

    template_id: int
    number: int
    saved_at: float
    kind: TemplateKind
    format: OutputFormat
    body: str
    subject: str
    text_body: str

    def applied_to(self, template: Template) -> Template:
        """``template`` with this version's content (its name, owner and status stay as they are)."""
        return replace(
            template,
            kind=self.kind,
            format=self.format,
            body=self.body,
            subject=self.subject,
            text_body=self.text_body,
        )


class PendingState(StrEnum):
    """Where a scheduled retry stands. Only ``PENDING`` rows are picked up by the retry worker."""

    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    CANCELED = "canceled"


@dataclass(frozen=True)
class StoredRetry:
    """The workspace row of a retry that is due later, so that it survives a restart and can be cancelled.

    ``payload`` is the retry's plan as :meth:`~postback_studio.core.dispatch.delivery.PendingRetry.to_json`
    writes it (the exact body bytes, no secret); the other columns let the store find, claim and
    list it without reading the plan.
    """

    delivery_id: str
    trigger_id: int
    due_at: float
    attempt: int
    payload: str
    event: str = ""
    is_test: bool = False
    state: PendingState = PendingState.PENDING
    id: int | None = None


@dataclass(frozen=True)
class InboxHttpRequest:
    """An HTTP request the local webhook inbox received, with the exact body bytes."""

    received_at: float
    method: str
    path: str
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    remote: str = ""
    id: int | None = None
    #: What the receiver answered, and where in its response script that answer was (see
    #: ``core.dispatch.inbox.ReceivedRequest``); None when not known (kept before version 3).
    response_status: int | None = None
    script_position: int | None = None
    script_length: int | None = None


@dataclass(frozen=True)
class InboxEmail:
    """A message the local SMTP inbox received: the envelope and the raw bytes of the message."""

    received_at: float
    mail_from: str
    rcpt_tos: tuple[str, ...] = ()
    raw: bytes = field(default=b"", repr=False)
    remote: str = ""
    id: int | None = None


@dataclass(frozen=True)
class StoredSecret:
    """One secret a trigger or the SMTP settings are configured to hold; never its value.

    ``slot`` is the store's name for it (``header/x-api-key``, ``signing``, ``password``), ``label``
    the words a person reads (``header 'X-Api-Key'``), ``stored`` whether a value is in the secret
    store, and ``bound_to`` the fingerprint of the destination it was entered for ("" when none).
    """

    slot: str
    label: str
    stored: bool
    bound_to: str
