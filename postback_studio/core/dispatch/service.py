"""The delivery service: workspace + render engine + dispatcher, as the GUI and the command line use them.

Everything that turns "this trigger, this payload" into logged attempts lives here: the template and
the customer's lookups are read from the workspace, the template is rendered, a failed render or an
invalid output is logged instead of sent, the trigger's secrets are read back from the secret store at
send time, credentials are refused on plain HTTP to another machine, and every attempt goes to the
workspace's request log through one writer thread (see :mod:`.persist`).

Layering: storage is imported for types only; the workspace arrives through the injected factory and
its ``NotFoundError`` is caught as the ``KeyError`` it is, so core keeps no runtime dependency on it.

Threads: the public methods may be called from any thread (a GUI worker, the CLI's main thread); each
call opens its own short-lived workspace connection for reading, because a SQLite connection belongs
to the thread that opened it. Batches run on a bounded pool whose threads keep one HTTP session each.
"""

from __future__ import annotations

import ipaddress
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from postback_studio.core.dispatch.delivery import (
    SECRET_HEADER_NAMES,
    AttemptReport,
    Clock,
    Delivery,
    DeliveryReport,
    Dispatcher,
    EmailTarget,
    PendingRetry,
    SessionFactory,
    Sleeper,
    WebhookTarget,
    new_delivery_id,
)
from postback_studio.core.dispatch.email import (
    EmailParts,
    EmailResult,
    EmailSender,
    SmtpFactory,
    default_smtp_factory,
)
from postback_studio.core.dispatch.persist import (
    AttemptCallback,
    InboxRecorder,
    WorkspaceFactory,
    WorkspacePendingStore,
    WorkspaceWriter,
)
from postback_studio.core.dispatch.retry import RandomSource, Verdict
from postback_studio.core.dispatch.webhook import WebhookOptions, make_session
from postback_studio.core.model import (
    LIFECYCLE,
    Customer,
    Event,
    Header,
    LookupSet,
    RetryPolicy,
    SmtpSettings,
    Template,
    TemplateKind,
    TlsMode,
    Trigger,
    TriggerStatus,
)
from postback_studio.core.render.engine import WorkerStartError
from postback_studio.core.requestlog import Outcome, RequestRecord

if TYPE_CHECKING:
    from postback_studio.core.records import InboxEmail, InboxHttpRequest
    from postback_studio.core.render.engine import RenderEngine, TemplateRendering
    from postback_studio.storage.workspace import Workspace

#: Headers a receiver adds or the sender computes; a resend without its trigger does not copy them.
_TRANSPORT_HEADERS = frozenset(
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


class DeliveryError(ValueError):
    """A request the service cannot act on (no such trigger, customer or request); the message says which."""


@dataclass(frozen=True)
class SendOptions:
    """What the user explicitly allowed for one send.

    ``send_anyway``: send an output that is invalid for its format. ``allow_insecure``: send credentials
    over plain HTTP (or SMTP AUTH without TLS) to a machine other than this one. ``wait``: make every
    retry now, sleeping until each is due (the command line); otherwise retries stay pending in the
    workspace for :meth:`DeliveryService.resume_pending`.
    """

    send_anyway: bool = False
    allow_insecure: bool = False
    wait: bool = False


def is_loopback_host(host: str) -> bool:
    """Whether a host name or address is this machine (``localhost``, ``127.x``, ``::1``)."""
    host = host.strip("[]").lower()
    if host in ("localhost", "localhost.localdomain") or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def insecure_credentials(target: WebhookTarget) -> str:
    """Why sending ``target`` would expose credentials, or "" when it would not.

    Credentials are secret-marked headers and the usual authentication headers (``Authorization``,
    ``X-API-KEY``, ``Cookie``...). The signing secret is never sent, so it does not count.
    """
    parts = urlsplit(target.url)
    if parts.scheme.lower() != "http" or is_loopback_host(parts.hostname or ""):
        return ""
    names = [h.name for h in target.headers if h.secret or h.name.lower() in SECRET_HEADER_NAMES]
    if not names:
        return ""
    return (
        f"Not sent: the header {', '.join(names)} would travel unencrypted over plain http:// to "
        f"{target.url}. Use https://, or allow insecure sending explicitly (--allow-insecure)."
    )


def insecure_smtp(settings: SmtpSettings) -> str:
    """Why sending mail with ``settings`` would expose the SMTP password, or ""."""
    if not settings.username or settings.tls_mode is not TlsMode.NONE or is_loopback_host(settings.host):
        return ""
    return (
        f"Not sent: SMTP AUTH as '{settings.username}' would send the password unencrypted to "
        f"{settings.host}:{settings.port} (security: none). Use STARTTLS or TLS, or allow insecure "
        "sending explicitly (--allow-insecure)."
    )


def processing_json(template: Template, rendering: TemplateRendering) -> str:
    """The log's "template processing" pane: the rendered parts and every diagnostic, as JSON text."""
    return json.dumps(
        {
            "template": template.name,
            "templateId": template.id,
            "kind": template.kind.value,
            "outputs": {name: result.output for name, result in rendering.parts.items()},
            "diagnostics": [
                {
                    "severity": d.severity.value,
                    "code": d.code,
                    "message": d.message,
                    "where": d.location.where.value if d.location else None,
                    "part": d.location.part if d.location else None,
                    "line": d.location.line if d.location else None,
                    "column": d.location.column if d.location else None,
                }
                for d in rendering.diagnostics
            ],
        },
        ensure_ascii=False,
    )


def order_payloads(events: Sequence[Event], order_number: int, orders: int) -> dict[Event, Any]:
    """Built-in samples for ``events``, all about one order; ``order_number`` (0-based) of ``orders``.

    The built-in base samples follow one order through its life. With more than one order, each gets
    its own reference (``ACME-SIM-0001``...) and order id, replaced throughout the sample text, so
    every simulated order is told apart by the receiver.
    """
    from postback_studio.core.samples import load_sample

    samples = {event: load_sample(event.value) for event in events}
    if orders <= 1 or not samples:
        return samples
    first = samples[events[0]]
    reference = str(first.get("orderReferenceId") or "")
    order_id = str(first.get("orderId") or "")
    new_reference = f"ACME-SIM-{order_number + 1:04d}"
    new_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"postback-studio:{new_reference}"))
    result: dict[Event, Any] = {}
    for event, payload in samples.items():
        text = json.dumps(payload)
        if reference:
            text = text.replace(reference, new_reference)
        if order_id:
            text = text.replace(order_id, new_id)
        result[event] = json.loads(text)
    return result


@dataclass(frozen=True)
class _Plan:
    """A trigger with what its renders need: customer, template (None: not set) and lookups."""

    trigger: Trigger
    customer: Customer
    template: Template | None
    lookups: LookupSet


@dataclass(frozen=True)
class _Prepared:
    """A delivery ready to send, or one that must not be sent (``outcome`` and ``error`` say why)."""

    delivery: Delivery
    outcome: Outcome | None = None
    error: str = ""


class DeliveryService:
    """Sends postbacks for the workspace's triggers and logs every attempt there.

    Args:
        workspace_factory: Opens a new connection to the workspace; called from whichever thread needs
            one (each thread has its own).
        engine: Renders templates (thread-safe; owned by the caller, not closed here).
        session_factory: Makes one keep-alive HTTP session per sending thread (an extra CA goes here).
        smtp_factory: Opens SMTP connections (tests inject one; the default connects for real).
        smtp_ca_file: Extra CA certificates to trust for the SMTP server (a test server).
        webhook_options: Timeouts and the response cap.
        clock: Wall clock for attempt and due times.
        sleeper: Waits between retries when ``SendOptions.wait`` is set; tests advance a fake clock.
        random: Jitter source for exponential retry.
        workers: Size of the send pool (``fire_event`` with many triggers, ``simulate`` with many orders).
        render_threads: Threads that render ahead of sending in ``simulate``; match the engine's
            worker processes (more only wait for a free one).
        on_attempt: Called with every attempt once it is stored in the log (``id`` set), from the log
            writer thread, in order. Keep it quick and do not call the service from it: emit a signal.
    """

    def __init__(
        self,
        workspace_factory: WorkspaceFactory,
        engine: RenderEngine,
        *,
        session_factory: SessionFactory = make_session,
        smtp_factory: SmtpFactory = default_smtp_factory,
        smtp_ca_file: Path | None = None,
        webhook_options: WebhookOptions | None = None,
        clock: Clock = time.time,
        sleeper: Sleeper = time.sleep,
        random: RandomSource | None = None,
        workers: int = 8,
        render_threads: int = 2,
        on_attempt: AttemptCallback | None = None,
    ) -> None:
        self._open_workspace = workspace_factory
        self._engine = engine
        self._session_factory = session_factory
        self._smtp_factory = smtp_factory
        self._smtp_ca_file = smtp_ca_file
        self._webhook_options = webhook_options
        self._clock = clock
        self._sleeper = sleeper
        self._random = random
        self._workers = max(1, workers)
        self._render_threads = max(1, render_threads)
        self._writer = WorkspaceWriter(workspace_factory, on_attempt)
        self._pending = WorkspacePendingStore(self._writer)

    # -- lifecycle ----------------------------------------------------------------------------------

    def close(self) -> None:
        """Write what is still queued for the log and close the writer's connection."""
        self._writer.close()

    def __enter__(self) -> DeliveryService:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- sending ------------------------------------------------------------------------------------

    def send_test(self, trigger_id: int, payload: Any, options: SendOptions | None = None) -> DeliveryReport:
        """Deliver ``payload`` through one trigger whatever its status; the entries are marked as tests.

        Raises:
            DeliveryError: No trigger with that id.
        """
        options = options or SendOptions()
        with self._open_workspace() as ws:
            trigger = self._trigger(ws, trigger_id)
            settings = ws.smtp.get()
            prepared = self._prepare(ws, trigger, payload, is_test=True, options=options)
        return self._run([prepared], settings, options)[0]

    def fire_event(
        self, customer_id: int, event: Event, payload: Any, options: SendOptions | None = None
    ) -> list[DeliveryReport]:
        """Deliver ``payload`` through every *active* trigger of the customer for ``event``, in parallel."""
        options = options or SendOptions()
        with self._open_workspace() as ws:
            triggers = self._active_triggers(ws, customer_id, event)
            settings = ws.smtp.get()
            prepared = [self._prepare(ws, t, payload, is_test=False, options=options) for t in triggers]
        return self._run(prepared, settings, options)

    def simulate(
        self,
        customer_id: int,
        events: Sequence[Event] = LIFECYCLE,
        *,
        orders: int = 1,
        payload: Any = None,
        options: SendOptions | None = None,
    ) -> list[DeliveryReport]:
        """Fire ``events`` in order for each of ``orders`` simulated orders, orders in parallel.

        Each order's events go out one after the other (with ``options.wait``, an event waits for the
        previous one's retries), through every active trigger of the customer for that event. The
        payload of each event is its built-in sample, all about the same order (see
        :func:`order_payloads`), unless ``payload`` is given, which is then used for every event.
        Reports come back order by order, event by event.

        Raises:
            DeliveryError: No customer with that id.
        """
        options = options or SendOptions()
        with self._open_workspace() as ws:
            self._customer(ws, customer_id)
            settings = ws.smtp.get()
            by_event = {
                event: [self._plan(ws, t) for t in self._active_triggers(ws, customer_id, event)]
                for event in events
            }
        smtp_problem = "" if options.allow_insecure else insecure_smtp(settings)

        def render_order(number: int) -> list[_Prepared]:
            payloads = (
                dict.fromkeys(events, payload)
                if payload is not None
                else order_payloads(events, number, orders)
            )
            return [
                self._prepare_plan(plan, payloads[event], is_test=False, options=options)
                for event in events
                for plan in by_event[event]
            ]

        def send_order(dispatcher: Dispatcher, rendered: Future[list[_Prepared]]) -> list[DeliveryReport]:
            return [self._send(dispatcher, p, options, smtp_problem) for p in rendered.result()]

        with self._dispatcher(settings) as dispatcher:
            try:
                return self._pipeline(orders, render_order, lambda f: send_order(dispatcher, f))
            finally:
                self._writer.flush()

    def _pipeline(
        self,
        count: int,
        render: Callable[[int], list[_Prepared]],
        send: Callable[[Future[list[_Prepared]]], list[DeliveryReport]],
    ) -> list[DeliveryReport]:
        """Render items ahead on their own threads while the send pool sends them, item by item in order.

        Rendering waits on the engine's worker processes and sending on the network, so overlapping
        them keeps both busy: even with one send worker (sequential sending), the next item is already
        rendered when the current one is answered. At most a window of items is rendered but not yet
        sent, so memory stays bounded however many orders are simulated.
        """
        window = threading.BoundedSemaphore(max(4, 4 * self._workers))

        def send_and_release(rendered: Future[list[_Prepared]]) -> list[DeliveryReport]:
            try:
                return send(rendered)
            finally:
                window.release()

        sends: list[Future[list[DeliveryReport]]] = []
        with (
            ThreadPoolExecutor(self._render_threads, thread_name_prefix="render") as renderers,
            ThreadPoolExecutor(self._workers, thread_name_prefix="deliver") as senders,
        ):
            for number in range(count):
                window.acquire()
                sends.append(senders.submit(send_and_release, renderers.submit(render, number)))
            return [report for done in sends for report in done.result()]

    def send_deliveries(
        self, deliveries: Sequence[Delivery], options: SendOptions | None = None
    ) -> list[DeliveryReport]:
        """Send ready deliveries (already rendered) on the pool; the credential check still applies."""
        options = options or SendOptions()
        with self._open_workspace() as ws:
            settings = ws.smtp.get()
        return self._run([_Prepared(d) for d in deliveries], settings, options)

    def send_template(
        self,
        template: Template,
        payload: Any,
        target: WebhookTarget | EmailTarget,
        *,
        retry: RetryPolicy | None = None,
        lookups: LookupSet | None = None,
        options: SendOptions | None = None,
    ) -> DeliveryReport:
        """Render a template that is not in the workspace and send it ad hoc (``send --template FILE``).

        There is no trigger, so a retry of it is kept in memory only; with ``options.wait`` the call
        makes every retry before it returns.
        """
        options = options or SendOptions()
        delivery = Delivery(
            delivery_id=new_delivery_id(),
            target=target,
            event=str(payload.get("eventType", "")) if isinstance(payload, dict) else "",
            retry=retry or RetryPolicy.none(),
            payload=json.dumps(payload, ensure_ascii=False, indent=2),
            is_test=True,
        )
        with self._open_workspace() as ws:
            settings = ws.smtp.get()
        prepared = self._render(delivery, template, payload, lookups, options)
        return self._run([prepared], settings, options)[0]

    def resend(self, request_ids: Iterable[int], options: SendOptions | None = None) -> list[DeliveryReport]:
        """Send logged requests again as new deliveries (the Requests page's "Resend").

        A request that went out is resent with the exact body bytes (or email parts) it carried, through
        its trigger's current URL, headers and secrets; one that never left (render failed, blocked) is
        rendered again from its payload. Without its trigger, a webhook goes to the logged URL with the
        logged headers except redacted and transport ones.

        Raises:
            DeliveryError: No request with one of the ids.
        """
        options = options or SendOptions()
        prepared: list[_Prepared] = []
        with self._open_workspace() as ws:
            settings = ws.smtp.get()
            for request_id in request_ids:
                prepared.append(self._prepare_resend(ws, request_id, options))
        return self._run(prepared, settings, options)

    def resume_pending(self) -> list[AttemptReport]:
        """Make every stored retry whose due time has come (after a restart, or on a timer).

        Secrets are restored from the workspace's secret store; the next retries are stored again.
        """
        with self._open_workspace() as ws:
            settings = ws.smtp.get()
        with self._dispatcher(settings) as dispatcher:
            try:
                return dispatcher.run_due()
            finally:
                self._writer.flush()

    def cancel(self, delivery_id: str) -> RequestRecord | None:
        """Cancel a delivery's pending retry (logged as cancelled); None when nothing was pending."""
        with self._dispatcher(SmtpSettings()) as dispatcher:
            try:
                return dispatcher.cancel(delivery_id)
            finally:
                self._writer.flush()

    def pending(self) -> list[PendingRetry]:
        """Retries waiting for their due time, earliest first (secrets left out: for display)."""
        return self._pending.all()

    def test_smtp(self, settings: SmtpSettings | None = None) -> EmailResult:
        """Check the SMTP settings (the workspace's by default): connect, secure, authenticate, no mail."""
        if settings is None:
            with self._open_workspace() as ws:
                settings = ws.smtp.get()
        return self._email_sender(settings).test_connection()

    def inbox_recorder(
        self,
        *,
        on_http: Callable[[InboxHttpRequest], None] | None = None,
        on_email: Callable[[InboxEmail], None] | None = None,
    ) -> InboxRecorder:
        """Sinks for the local inbox servers that store what arrives in the workspace's inbox."""
        return InboxRecorder(self._writer, on_http=on_http, on_email=on_email)

    def flush(self) -> None:
        """Wait until every attempt so far is stored in the log (raises ``LogWriteError`` if it failed)."""
        self._writer.flush()

    # -- preparing ----------------------------------------------------------------------------------

    def _trigger(self, ws: Workspace, trigger_id: int) -> Trigger:
        try:
            return ws.triggers.get(trigger_id)
        except KeyError:  # the workspace's NotFoundError
            raise DeliveryError(f"no trigger with id {trigger_id}") from None

    def _customer(self, ws: Workspace, customer_id: int) -> Customer:
        try:
            return ws.customers.get(customer_id)
        except KeyError:  # the workspace's NotFoundError
            raise DeliveryError(f"no customer with id {customer_id}") from None

    def _active_triggers(self, ws: Workspace, customer_id: int, event: Event) -> list[Trigger]:
        self._customer(ws, customer_id)
        listed = ws.triggers.list(customer_id=customer_id, event=event, status=TriggerStatus.ACTIVE)
        return [self._trigger(ws, t.id) for t in listed if t.id is not None]

    def _plan(self, ws: Workspace, trigger: Trigger) -> _Plan:
        """What every render through ``trigger`` needs from the workspace, read once per batch."""
        customer = self._customer(ws, trigger.customer_id)
        template = ws.templates.get(trigger.template_id) if trigger.template_id is not None else None
        return _Plan(trigger, customer, template, ws.lookups.lookup_set_for(trigger.customer_id))

    def _prepare(
        self, ws: Workspace, trigger: Trigger, payload: Any, *, is_test: bool, options: SendOptions
    ) -> _Prepared:
        """Render the trigger's template for the payload into a delivery (or a reason not to send)."""
        return self._prepare_plan(self._plan(ws, trigger), payload, is_test=is_test, options=options)

    def _prepare_plan(self, plan: _Plan, payload: Any, *, is_test: bool, options: SendOptions) -> _Prepared:
        """:meth:`_prepare` without the workspace: safe on any thread."""
        trigger = plan.trigger
        delivery = Delivery.for_trigger(
            trigger,
            customer=plan.customer,
            payload=json.dumps(payload, ensure_ascii=False, indent=2),
            is_test=is_test,
        )
        if plan.template is None:
            return _Prepared(
                delivery, Outcome.RENDER_FAILED, f"Not sent: trigger '{trigger.name}' has no template."
            )
        if trigger.signing and trigger.signing_secret.removeprefix("whsec_") == "":
            return _Prepared(
                delivery,
                Outcome.FAILED,
                f"Not sent: trigger '{trigger.name}' signs its webhooks but has no signing secret "
                "(set one on the trigger, or turn signing off).",
            )
        return self._render(delivery, plan.template, payload, plan.lookups, options)

    def _render(
        self,
        delivery: Delivery,
        template: Template,
        payload: Any,
        lookups: LookupSet | None,
        options: SendOptions,
    ) -> _Prepared:
        """Render into the delivery, or say why it is not sent (a failed render is logged, never raised)."""
        try:
            rendering = self._engine.render_template(template, payload, lookups=lookups)
        except (WorkerStartError, OSError) as exc:
            return _Prepared(
                delivery, Outcome.RENDER_FAILED, f"Not sent: the render worker failed to start: {exc}"
            )
        delivery = replace(delivery, processing=processing_json(template, rendering))
        return self._from_rendering(delivery, template, rendering, options)

    def _from_rendering(
        self, delivery: Delivery, template: Template, rendering: TemplateRendering, options: SendOptions
    ) -> _Prepared:
        errors = [d for d in rendering.diagnostics if d.severity.value == "error"]
        first = errors[0].message if errors else ""
        if not rendering.rendered:
            return _Prepared(
                delivery, Outcome.RENDER_FAILED, f"Not sent: the template failed to render: {first}"
            )
        if not rendering.valid and not options.send_anyway:
            return _Prepared(
                delivery,
                Outcome.BLOCKED,
                f"Not sent: the output is not valid {template.format.value.upper()}: {first} "
                "(send anyway to send it as it is).",
            )
        outputs = {name: result.output or "" for name, result in rendering.parts.items()}
        if template.kind is TemplateKind.EMAIL:
            email = EmailParts(
                outputs.get("subject", "").strip(), outputs.get("html", ""), outputs.get("text", "")
            )
            return _Prepared(replace(delivery, email=email))
        return _Prepared(replace(delivery, body=outputs.get("body", "").encode("utf-8")))

    def _prepare_resend(self, ws: Workspace, request_id: int, options: SendOptions) -> _Prepared:
        try:
            record = ws.requests.get(request_id)
        except KeyError:  # the workspace's NotFoundError
            raise DeliveryError(f"no logged request with id {request_id}") from None
        trigger: Trigger | None = None
        if record.trigger_id is not None:
            try:
                trigger = ws.triggers.get(record.trigger_id)
            except KeyError:  # the workspace's NotFoundError
                trigger = None
        sent = record.outcome not in (Outcome.RENDER_FAILED, Outcome.BLOCKED)
        if trigger is not None and not (sent and _resendable(record)):
            return self._prepare(
                ws, trigger, json.loads(record.payload or "null"), is_test=record.is_test, options=options
            )
        email = _email_parts(record.processing) if record.channel.value == "email" else None
        body = b"" if email else record.request_body
        if trigger is not None:
            return _Prepared(
                Delivery.for_trigger(
                    trigger,
                    body=body,
                    email=email,
                    customer=self._customer(ws, trigger.customer_id),
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
                if k.lower() not in _TRANSPORT_HEADERS and v not in ("<redacted>", "•••")
            )
            target = WebhookTarget(record.target, record.request_method or "POST", headers)
        return _Prepared(
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

    # -- sending ------------------------------------------------------------------------------------

    def _email_sender(self, settings: SmtpSettings) -> EmailSender:
        return EmailSender(
            settings, factory=self._smtp_factory, ca_file=self._smtp_ca_file, clock=self._clock
        )

    def _dispatcher(self, settings: SmtpSettings) -> Dispatcher:
        return Dispatcher(
            self._writer,
            pending=self._pending,
            session_factory=self._session_factory,
            webhook_options=self._webhook_options,
            email_sender=self._email_sender(settings) if settings.host else None,
            clock=self._clock,
            sleeper=self._sleeper,
            random=self._random,
        )

    def _run(
        self, prepared: Sequence[_Prepared], settings: SmtpSettings, options: SendOptions
    ) -> list[DeliveryReport]:
        """Send (or log as not sent) each prepared delivery; several go out in parallel."""
        smtp_problem = "" if options.allow_insecure else insecure_smtp(settings)
        with self._dispatcher(settings) as dispatcher:
            try:
                if len(prepared) <= 1:
                    return [self._send(dispatcher, p, options, smtp_problem) for p in prepared]
                with ThreadPoolExecutor(self._workers, thread_name_prefix="deliver") as pool:
                    return list(
                        pool.map(lambda p: self._send(dispatcher, p, options, smtp_problem), prepared)
                    )
            finally:
                self._writer.flush()

    def _send(
        self, dispatcher: Dispatcher, prepared: _Prepared, options: SendOptions, smtp_problem: str
    ) -> DeliveryReport:
        """One delivery: logged as not sent, or its first attempt (every attempt with ``wait``).

        ``smtp_problem`` is :func:`insecure_smtp` of the settings (empty when allowed), so a batch
        checks them once.
        """
        delivery = prepared.delivery
        outcome, error = prepared.outcome, prepared.error
        if outcome is None and not options.allow_insecure:
            if isinstance(delivery.target, WebhookTarget):
                error = insecure_credentials(delivery.target)
            else:
                error = smtp_problem
            outcome = Outcome.BLOCKED if error else None
        if outcome is not None:
            record = dispatcher.record_not_sent(delivery, outcome, error)
            return DeliveryReport(delivery.delivery_id, (AttemptReport(record, Verdict.FATAL),), outcome)
        if options.wait:
            return dispatcher.deliver(delivery)
        report = dispatcher.attempt(delivery)
        return DeliveryReport(delivery.delivery_id, (report,), report.record.outcome)


def _resendable(record: RequestRecord) -> bool:
    return bool(record.request_body) or record.channel.value == "email"


def _email_parts(processing: str) -> EmailParts | None:
    try:
        outputs = json.loads(processing)["outputs"]
        return EmailParts(
            (outputs.get("subject") or "").strip(), outputs.get("html") or "", outputs.get("text") or ""
        )
    except (ValueError, KeyError, TypeError):
        return None


__all__ = [
    "DeliveryError",
    "DeliveryService",
    "SendOptions",
    "insecure_credentials",
    "insecure_smtp",
    "is_loopback_host",
    "order_payloads",
    "processing_json",
]
