"""Turning "this trigger, this payload" into a delivery ready to send, or a reason not to send it.

Everything a render needs from the workspace (the trigger with its secrets, its customer, template
and lookups) is read once into a :class:`TriggerPlan` and carried through: the render, the
delivery, its retries and its log entries all use that one read. Preparing needs no workspace, so
it runs on any thread (``simulate`` renders ahead on its own threads).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from postback_studio.core.dispatch.email import EmailParts
from postback_studio.core.dispatch.plan import Delivery
from postback_studio.core.dispatch.report import Refusal, RefusalKind
from postback_studio.core.model import Customer, LookupSet, Template, TemplateKind, Trigger
from postback_studio.core.render.engine import RenderEngine
from postback_studio.core.render.result import UNSENDABLE_CODES
from postback_studio.core.render.worker_process import WorkerStartError
from postback_studio.core.render_record import RenderRecord
from postback_studio.core.requestlog import Outcome, payload_text


@dataclass(frozen=True)
class TriggerPlan:
    """A trigger, read once with its secrets, and what its renders need: customer, template, lookups.

    ``template`` is None when the trigger has none set.
    """

    trigger: Trigger
    customer: Customer
    template: Template | None
    lookups: LookupSet


@dataclass(frozen=True)
class Prepared:
    """A delivery ready to send, or one that must not be sent (``outcome`` and ``error`` say why).

    ``refusal`` is set when the user may lift the reason (an output invalid for its format).
    """

    delivery: Delivery
    outcome: Outcome | None = None
    error: str = ""
    refusal: Refusal | None = None


class DeliveryPreparer:
    """Renders plans into deliveries through one render engine (thread-safe, as the engine is)."""

    def __init__(self, engine: RenderEngine) -> None:
        self._engine = engine

    def prepare(self, plan: TriggerPlan, payload: Any, *, is_test: bool, send_anyway: bool) -> Prepared:
        """Render the plan's template for ``payload`` into a delivery through its trigger."""
        trigger = plan.trigger
        delivery = Delivery.for_trigger(
            trigger,
            customer=plan.customer,
            payload=payload_text(payload),
            is_test=is_test,
        )
        if plan.template is None:
            return Prepared(
                delivery, Outcome.RENDER_FAILED, f"Not sent: trigger '{trigger.name}' has no template."
            )
        missing = delivery.missing_secrets()
        if missing:
            return Prepared(delivery, Outcome.FAILED, missing)
        return self.render(delivery, plan.template, payload, plan.lookups, send_anyway=send_anyway)

    def render(
        self,
        delivery: Delivery,
        template: Template,
        payload: Any,
        lookups: LookupSet | None,
        *,
        send_anyway: bool,
    ) -> Prepared:
        """Render into the delivery, or say why it is not sent (a failed render is logged, never raised)."""
        try:
            rendering = self._engine.render_template(template, payload, lookups=lookups)
        except (WorkerStartError, OSError) as exc:
            return Prepared(
                delivery, Outcome.RENDER_FAILED, f"Not sent: the render worker failed to start: {exc}"
            )
        delivery = replace(delivery, processing=RenderRecord.from_rendering(template, rendering).dumps())
        errors = [d for d in rendering.diagnostics if d.severity.value == "error"]
        first = errors[0].message if errors else ""
        if not rendering.rendered:
            return Prepared(
                delivery, Outcome.RENDER_FAILED, f"Not sent: the template failed to render: {first}"
            )
        unsendable = [d for d in errors if d.code in UNSENDABLE_CODES]
        if unsendable:
            return Prepared(delivery, Outcome.FAILED, f"Not sent: {unsendable[0].message}.")
        if not rendering.valid and not send_anyway:
            reason = (
                f"Not sent: the output is not valid {template.format.value.upper()}: {first} "
                "(send anyway to send it as it is)."
            )
            return Prepared(delivery, Outcome.BLOCKED, reason, Refusal(RefusalKind.INVALID_OUTPUT, reason))
        outputs = {name: result.output or "" for name, result in rendering.parts.items()}
        if template.kind is TemplateKind.EMAIL:
            email = EmailParts(
                outputs.get("subject", "").strip(), outputs.get("html", ""), outputs.get("text", "")
            )
            return Prepared(replace(delivery, email=email))
        return Prepared(replace(delivery, body=outputs.get("body", "").encode("utf-8")))
