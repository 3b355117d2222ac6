"""Real sends of every kind of attempt, for the contract tests of the request log.

Each kind goes through the real delivery service on a real (seeded) workspace file, to the local
HTTP inbox or SMTP catcher on 127.0.0.1, and is logged by the real log writer. What the receiver got
and what the engine renders are kept beside the log ids, so a test can hold every pane of the
Requests detail (and ``log show``) against the bytes that actually travelled.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from postback_studio.core.dispatch.inbox import HttpInbox, ResponseScript, SmtpCatcher
from postback_studio.core.model import OutputFormat, SmtpSettings, Template, TlsMode, Trigger
from postback_studio.core.render.engine import RenderEngine
from postback_studio.core.requestlog import Outcome, RequestRecord
from postback_studio.core.samples import load_sample
from postback_studio.services.delivery import DeliveryService, SendOptions
from postback_studio.services.session import Session
from postback_studio.storage.seed import DEMO_CUSTOMER

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
KINDS = ("webhook", "signed webhook", "email", "template error", "blocked invalid output", "failed attempt")


@dataclass(frozen=True)
class Sent:
    """One kind of attempt as it was sent: its log id, the payload, and what should show in each pane.

    ``rendered`` is the engine's output for the trigger's template (an email: its parts by name);
    ``received`` the bytes the receiver got (None when nothing was sent).
    """

    kind: str
    request_id: int
    payload: Any
    rendered: str | dict[str, str | None] | None
    received: bytes | None
    received_headers: tuple[tuple[str, str], ...] = ()
    outcome: Outcome = Outcome.DELIVERED


def send_every_kind(
    path: Path,
    engine: RenderEngine,
    inbox: HttpInbox,
    catcher: SmtpCatcher,
    *,
    sleep: Callable[[float], None],
) -> dict[str, Sent]:
    """Send one attempt of every kind of :data:`KINDS` through the workspace at ``path`` (seeded)."""
    payload = load_sample("shipped")
    with Session.open(path) as session:
        customer = session.customers.named(DEMO_CUSTOMER)
        assert customer.id is not None
        webhook = session.triggers.named("Order shipped to local inbox")
        email = session.triggers.named("Order shipped email")
        session.smtp.set(
            SmtpSettings(
                "postbacks@demo-print.example", "Demo", "127.0.0.1", catcher.port, tls_mode=TlsMode.NONE
            )
        )
        lookups = session.lookups.lookup_set_for(customer.id)

        def trigger(name: str, base: Trigger, **changes: Any) -> Trigger:
            saved = session.triggers.save(replace(base, id=None, name=name, **changes))
            assert saved.id is not None
            return saved

        def template(name: str, body: str) -> int:
            saved = session.templates.save(
                Template(name, format=OutputFormat.JSON, body=body, customer_id=customer.id)
            )
            assert saved.id is not None
            return saved.id

        plain = trigger("contract plain", webhook, url=f"{inbox.url}/plain")
        signed = trigger(
            "contract signed", webhook, url=f"{inbox.url}/signed", signing=True, signing_secret=SECRET
        )
        broken = trigger(
            "contract broken",
            webhook,
            url=f"{inbox.url}/broken",
            template_id=template("broken", '{"order": "{{ orderId "}'),
        )
        invalid = trigger(
            "contract invalid",
            webhook,
            url=f"{inbox.url}/invalid",
            template_id=template("invalid", '{"order": "{{ orderId }}",}'),
        )
        retried = trigger("contract retried", webhook, url=f"{inbox.url}/retried")
        webhook_template = session.templates.get(plain.template_id or 0)
        email_template = session.templates.get(email.template_id or 0)
        email_id = email.id
        assert email_id is not None
    body_output = engine.render_template(webhook_template, payload, lookups=lookups).parts["body"].output
    email_parts = {
        name: part.output
        for name, part in engine.render_template(email_template, payload, lookups=lookups).parts.items()
    }
    sent: dict[str, Sent] = {}
    stored: list[RequestRecord] = []
    with DeliveryService.for_workspace(path, engine, sleeper=sleep, on_attempt=stored.append) as service:

        def send(kind: str, trigger_id: int | None, options: SendOptions | None = None) -> list[int]:
            assert trigger_id is not None
            report = service.send_test(trigger_id, payload, options)
            service.flush()
            ids = [r.id for r in stored if r.delivery_id == report.delivery_id and r.id is not None]
            assert len(ids) == len(report.attempts), kind
            return ids

        count = len(inbox.requests)
        [request_id] = send("webhook", plain.id)
        received = inbox.requests[count]
        sent["webhook"] = Sent("webhook", request_id, payload, body_output, received.body, received.headers)
        [request_id] = send("signed webhook", signed.id)
        received = inbox.requests[count + 1]
        sent["signed webhook"] = Sent(
            "signed webhook", request_id, payload, body_output, received.body, received.headers
        )
        [request_id] = send("email", email_id)
        assert catcher.wait_for(1, timeout=10)
        sent["email"] = Sent("email", request_id, payload, email_parts, catcher.messages[-1].data)
        [request_id] = send("template error", broken.id)
        sent["template error"] = Sent(
            "template error", request_id, payload, None, None, outcome=Outcome.RENDER_FAILED
        )
        [request_id] = send("blocked invalid output", invalid.id)
        sent["blocked invalid output"] = Sent(
            "blocked invalid output",
            request_id,
            payload,
            f'{{"order": "{payload["orderId"]}",}}',
            None,
            outcome=Outcome.BLOCKED,
        )
        inbox.set_script(ResponseScript.parse("503x2, 200"))
        first, _second, _third = send("failed attempt", retried.id, SendOptions(wait=True))
        received = inbox.requests[count + 2]
        sent["failed attempt"] = Sent(
            "failed attempt", first, payload, body_output, received.body, received.headers, Outcome.RETRYING
        )
        inbox.set_script(ResponseScript.always(200))
    return sent
