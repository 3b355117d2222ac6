"""Resend: a logged request goes out again as a new delivery, with what it carried the first time.

A request that went out is resent with the exact body bytes (or email parts) it carried, through
its trigger's current URL, headers and secrets; one that never left (render failed, blocked) is
rendered again from its payload. Without its trigger, a webhook goes to the logged URL (without the
user info the log redacted) with the logged headers except redacted and transport ones.

Before anything is sent, :func:`check_resend` says what a resend would do that the row does not
show: go to another destination than the one logged (the trigger's URL or recipients changed since),
which the user must confirm; or go without its trigger although the logged request carried secrets
(secret headers, a signature) whose values were never logged, which is refused: a resend that
silently dropped them would report "delivered" for a request the receiver would not accept.
:func:`guard` applies the same verdict to a prepared resend, so no caller can skip the question.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from postback_studio.core.dispatch.email import EmailParts
from postback_studio.core.dispatch.plan import Delivery, EmailTarget, WebhookTarget, new_delivery_id
from postback_studio.core.model import DeliveryMethod, Header, RetryPolicy, Trigger
from postback_studio.core.render_record import RenderRecord
from postback_studio.core.requestlog import REDACTED, Channel, Outcome, RequestRecord
from postback_studio.core.url_safety import without_userinfo
from postback_studio.services.delivery.preparing import Prepared, TriggerPlan

#: Headers a receiver adds or the sender computes; a resend without its trigger does not copy them.
TRANSPORT_HEADERS = frozenset(
    {
        "content-type",
        "content-length",
        "host",
        "user-agent",
        "accept",
        "accept-encoding",
        "connection",
        "webhook-id",
        "webhook-timestamp",
        "webhook-signature",
    }
)

#: How a secret header value shows in the log (the redaction, and the masking of older versions).
_MASKED = (REDACTED, "•••")


@dataclass(frozen=True)
class ResendCheck:
    """What resending one logged request would do, for the user to confirm before it is sent.

    ``logged`` is where the request went (user info left out); ``current`` is where its trigger
    sends now, set only when that differs; ``refused`` says why it must not be resent ("" when it
    may).
    """

    request_id: int
    logged: str
    current: str = ""
    refused: str = ""

    @property
    def moved(self) -> bool:
        """The trigger's destination changed since the request was logged."""
        return bool(self.current)


def check_resend(record: RequestRecord, plan: TriggerPlan | None) -> ResendCheck:
    """Whether ``record`` may be resent through ``plan`` (its trigger now; None: deleted), and where to."""
    assert record.id is not None
    logged = without_userinfo(record.target)
    if plan is None:
        return ResendCheck(record.id, logged, refused=_unsendable_without_trigger(record))
    current = destination(plan.trigger)
    if _same_destination(record, logged, current):
        return ResendCheck(record.id, logged)
    return ResendCheck(record.id, logged, current=current)


def guard(prepared: Prepared, check: ResendCheck, *, to_current: bool) -> Prepared:
    """``prepared`` as sendable as ``check`` allows: refused, or moved without ``to_current``, is not sent."""
    if prepared.outcome is not None:
        return prepared
    if check.refused:
        return replace(prepared, outcome=Outcome.BLOCKED, error=f"Not resent: {check.refused}")
    if check.moved and not to_current:
        return replace(prepared, outcome=Outcome.BLOCKED,
                       error=f"Not resent: the trigger now sends to {check.current}, not to {check.logged} "
                             "where this request went; resend again and confirm the current destination.")
    return prepared


def destination(trigger: Trigger) -> str:
    """Where ``trigger`` sends: its URL without user info, or its recipients."""
    if trigger.method is DeliveryMethod.EMAIL:
        return ", ".join(trigger.recipients)
    return without_userinfo(trigger.url)


def _same_destination(record: RequestRecord, logged: str, current: str) -> bool:
    if record.channel is Channel.EMAIL:
        return _recipients(logged) == _recipients(current)
    return logged == current


def _recipients(text: str) -> set[str]:
    return {r.strip().casefold() for r in text.split(",") if r.strip()}


def _unsendable_without_trigger(record: RequestRecord) -> str:
    """Why ``record`` cannot go out again without its trigger ("" when it can)."""
    if record.channel is not Channel.WEBHOOK:
        return ""
    names = [k for k, v in record.request_headers if k.lower() not in TRANSPORT_HEADERS and v in _MASKED]
    if any(k.lower() == "webhook-signature" for k, _ in record.request_headers):
        names.append("its signature (webhook-signature)")
    if not names:
        return ""
    return (f"request {record.id}'s trigger was deleted, and the request carried secrets whose values "
            f"were never logged ({', '.join(names)}); resent without them, the receiver would not get "
            "what it got the first time. Set up a trigger for it and send a test instead.")


def prepare_resend(
    record: RequestRecord,
    plan: TriggerPlan | None,
    render_again: Callable[[TriggerPlan, Any], Prepared],
) -> Prepared:
    """The delivery that resends ``record``; ``plan`` is its trigger as it is now (None: deleted)."""
    sent = record.outcome not in (Outcome.RENDER_FAILED, Outcome.BLOCKED)
    resendable = bool(record.request_body) or record.channel is Channel.EMAIL
    if plan is not None and not (sent and resendable):
        return render_again(plan, json.loads(record.payload or "null"))
    email = email_parts(record.processing) if record.channel is Channel.EMAIL else None
    body = b"" if email else record.request_body
    if plan is not None:
        return Prepared(
            Delivery.for_trigger(
                plan.trigger,
                body=body,
                email=email,
                customer=plan.customer,
                payload=record.payload,
                processing=record.processing,
                is_test=record.is_test,
            )
        )
    target: WebhookTarget | EmailTarget
    if email is not None:
        target = EmailTarget(tuple(r.strip() for r in record.target.split(",") if r.strip()))
    else:
        headers = tuple(
            Header(k, v)
            for k, v in record.request_headers
            if k.lower() not in TRANSPORT_HEADERS and v not in (REDACTED, "•••")
        )
        target = WebhookTarget(without_userinfo(record.target), record.request_method or "POST", headers)
    return Prepared(
        Delivery(
            new_delivery_id(),
            target,
            record.event,
            body=body,
            email=email,
            retry=RetryPolicy.none(),
            payload=record.payload,
            processing=record.processing,
            customer_id=record.customer_id,
            customer_name=record.customer_name,
            is_test=record.is_test,
        )
    )


def email_parts(processing: str) -> EmailParts | None:
    """The rendered email parts a log entry's template processing holds, or None."""
    email = RenderRecord.loads(processing).email
    if email is None:
        return None
    return EmailParts((email.subject or "").strip(), email.html or "", email.text or "")
