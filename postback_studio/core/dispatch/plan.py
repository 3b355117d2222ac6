"""What a delivery is: its target, its rendered content, and the plan of a retry that waits.

A :class:`Delivery` is one postback rendered and ready to go through a target; its attempts share
its id (also the Standard Webhooks ``webhook-id``). A :class:`PendingRetry` is the plan of one
attempt to be made later, and :meth:`PendingRetry.to_json` / :meth:`PendingRetry.from_json` are the
one serializer and the one parser of that plan wherever it is stored (the workspace keeps it so a
retry survives a restart): the exact body bytes, and never a secret.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from postback_studio.core.dispatch.email import EmailParts
from postback_studio.core.model import (
    Customer,
    DeliveryMethod,
    Header,
    OutputFormat,
    RetryKind,
    RetryPolicy,
    Trigger,
)

#: Stands for a signing secret not yet restored from the keyring; signing with it fails.
MISSING_SIGNING_SECRET = "whsec_"


@dataclass(frozen=True)
class WebhookTarget:
    """Where and how a webhook goes. ``signing_secret`` empty: unsigned."""

    url: str
    method: str = "POST"
    headers: tuple[Header, ...] = ()
    format: OutputFormat = OutputFormat.JSON
    signing_secret: str = ""


@dataclass(frozen=True)
class EmailTarget:
    """Who an email goes to (the SMTP settings belong to the dispatcher's email sender)."""

    recipients: tuple[str, ...]


def new_delivery_id() -> str:
    """A unique id, also used as the Standard Webhooks ``webhook-id``."""
    return f"msg_{uuid.uuid4().hex}"


@dataclass(frozen=True)
class Delivery:
    """One postback, rendered and ready: everything the attempts need, plus what the log shows.

    ``body`` is the exact webhook bytes; ``email`` the rendered email parts. ``payload`` and
    ``processing`` (JSON text with rendered output and diagnostics) are copied into every record.
    """

    delivery_id: str
    target: WebhookTarget | EmailTarget
    event: str
    body: bytes = b""
    email: EmailParts | None = None
    retry: RetryPolicy = field(default_factory=RetryPolicy.gelato)
    payload: str = ""
    processing: str = ""
    customer_id: int | None = None
    customer_name: str = ""
    trigger_id: int | None = None
    trigger_name: str = ""
    is_test: bool = False

    def with_secrets(self, header_values: Mapping[str, str], signing_secret: str = "") -> Delivery:
        """A copy with secret header values (by header name) and the signing secret filled in.

        Used when a stored retry is resumed: secrets live in the keyring, never in the stored JSON.
        """
        if isinstance(self.target, EmailTarget):
            return self
        headers = tuple(
            replace(h, value=header_values.get(h.name, h.value)) if h.secret else h
            for h in self.target.headers
        )
        secret = signing_secret or self.target.signing_secret
        return replace(self, target=replace(self.target, headers=headers, signing_secret=secret))

    def missing_secrets(self) -> str:
        """Why this webhook must not be sent for want of a secret, or "" when it has them all.

        A header marked secret without a value, or signing without the signing secret: sending
        would deliver the request without them (or with a placeholder), which a receiver takes for
        an unauthenticated or forged postback. The message says what to enter again and where.
        """
        if isinstance(self.target, EmailTarget):
            return ""
        names = [h.name for h in self.target.headers if h.secret and not h.value]
        signing = bool(self.target.signing_secret) and self.target.signing_secret.removeprefix("whsec_") == ""
        if not names and not signing:
            return ""
        missing = [f"value for its secret header '{name}'" for name in names]
        missing += ["signing secret"] if signing else []
        if not self.trigger_name:
            return "Not sent: no " + " and no ".join(m.replace("its ", "the ") for m in missing) + "."
        options = [f"--header {name}" for name in names] + (["--signing"] if signing else [])
        return (
            f"Not sent: trigger '{self.trigger_name}' has no {' and no '.join(missing)}. A stored secret "
            "is sent only to the destination it was entered for and is cleared when the trigger's "
            "destination changes; enter it again on the trigger (Triggers page) or with: postback-studio "
            f"secrets set --trigger '{self.trigger_name}' {' | '.join(options)} (the value on stdin)."
        )

    @classmethod
    def for_trigger(
        cls,
        trigger: Trigger,
        *,
        body: bytes = b"",
        email: EmailParts | None = None,
        customer: Customer | None = None,
        payload: str = "",
        processing: str = "",
        is_test: bool = False,
        delivery_id: str | None = None,
    ) -> Delivery:
        """A delivery through ``trigger``; the signing secret is used only when signing is on.

        A signing trigger without its secret gets :data:`MISSING_SIGNING_SECRET`, so the delivery is
        refused (:meth:`missing_secrets`) instead of going out unsigned.
        """
        target: WebhookTarget | EmailTarget
        if trigger.method is DeliveryMethod.EMAIL:
            target = EmailTarget(trigger.recipients)
        else:
            target = WebhookTarget(
                url=trigger.url,
                method=trigger.http_method,
                headers=trigger.headers,
                format=trigger.format,
                signing_secret=(trigger.signing_secret or MISSING_SIGNING_SECRET) if trigger.signing else "",
            )
        return cls(
            delivery_id=delivery_id or new_delivery_id(),
            target=target,
            event=trigger.event.value,
            body=body,
            email=email,
            retry=trigger.retry,
            payload=payload,
            processing=processing,
            customer_id=customer.id if customer else trigger.customer_id,
            customer_name=customer.name if customer else "",
            trigger_id=trigger.id,
            trigger_name=trigger.name,
            is_test=is_test,
        )


@dataclass(frozen=True)
class PendingRetry:
    """Attempt number ``attempt`` of ``delivery`` is due at ``due_at`` (seconds since the epoch)."""

    delivery: Delivery
    attempt: int
    due_at: float

    def to_json(self) -> str:
        """A JSON text for the workspace. Secret header values and the signing secret are left out.

        The body is stored as base64 so the exact bytes survive; the listed secret names tell the
        store which values to fetch from the keyring on resume.
        """
        d = self.delivery
        target: dict[str, Any]
        if isinstance(d.target, EmailTarget):
            target = {"kind": "email", "recipients": list(d.target.recipients)}
        else:
            target = {
                "kind": "webhook",
                "url": d.target.url,
                "method": d.target.method,
                "headers": [[h.name, "" if h.secret else h.value, h.secret] for h in d.target.headers],
                "format": d.target.format.value,
                "signed": bool(d.target.signing_secret),
            }
        fields = {k: v for k, v in asdict(d).items() if k not in ("target", "body", "email", "retry")}
        return json.dumps(
            {
                "attempt": self.attempt,
                "due_at": self.due_at,
                "target": target,
                "body": base64.b64encode(d.body).decode("ascii"),
                "email": asdict(d.email) if d.email else None,
                "retry": {**asdict(d.retry), "kind": d.retry.kind.value},
                "delivery": fields,
            }
        )

    @classmethod
    def from_json(cls, text: str) -> PendingRetry:
        """Read :meth:`to_json` output back; secrets are missing until ``Delivery.with_secrets``.

        A signed delivery comes back with :data:`MISSING_SIGNING_SECRET`, which the sender refuses,
        so a retry whose secret was not restored fails visibly instead of going out unsigned.

        Raises:
            ValueError: The text is not a stored pending retry.
        """
        try:
            data = json.loads(text)
            raw_target = data["target"]
            target: WebhookTarget | EmailTarget
            if raw_target["kind"] == "email":
                target = EmailTarget(tuple(raw_target["recipients"]))
            else:
                target = WebhookTarget(
                    url=raw_target["url"],
                    method=raw_target["method"],
                    headers=tuple(Header(n, v, bool(sec)) for n, v, sec in raw_target["headers"]),
                    format=OutputFormat(raw_target["format"]),
                    signing_secret=MISSING_SIGNING_SECRET if raw_target["signed"] else "",
                )
            retry = data["retry"]
            delivery = Delivery(
                target=target,
                body=base64.b64decode(data["body"]),
                email=EmailParts(**data["email"]) if data["email"] else None,
                retry=RetryPolicy(**{**retry, "kind": RetryKind(retry["kind"])}),
                **data["delivery"],
            )
            return cls(delivery, int(data["attempt"]), float(data["due_at"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"not a stored pending retry: {exc}") from exc
