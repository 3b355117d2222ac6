"""Resend: a logged request goes out again as a new delivery, with what it carried the first time.

A request that went out is resent with the exact body bytes (or email parts) it carried, through
its trigger's current URL, headers and secrets; one that never left (render failed, blocked) is
rendered again from its payload. Without its trigger, a webhook goes to the logged URL (without the
user info the log redacted) with the logged headers except redacted and transport ones.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from postback_studio.core.dispatch.email import EmailParts
from postback_studio.core.dispatch.plan import Delivery, EmailTarget, WebhookTarget, new_delivery_id
from postback_studio.core.model import Header, RetryPolicy
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
