"""The delivery service: workspace + render engine + dispatcher, as the GUI and the command line use them.

Everything that turns "this trigger, this payload" into logged attempts lives here: the trigger is
read once (with its secrets, customer, template and lookups) and carried through; the template is
rendered; a failed render or an invalid output is logged instead of sent; a secret goes only to the
destination it was entered for (:mod:`..secret_policy`); credentials are refused on plain HTTP to
another machine (:mod:`.credentials`); and every attempt goes to the workspace's request log
through one writer thread (:mod:`.writer`).

Threads: the public methods may be called from any thread (a GUI worker, the CLI's main thread);
each call opens its own short-lived workspace connection for reading, because a SQLite connection
belongs to the thread that opened it. Batches run on a bounded pool whose threads keep one HTTP
session each.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from postback_studio.core.dispatch.delivery import Clock, Dispatcher, SessionFactory, Sleeper
from postback_studio.core.dispatch.email import EmailResult, EmailSender, SmtpFactory, default_smtp_factory
from postback_studio.core.dispatch.plan import (
    Delivery,
    EmailTarget,
    PendingRetry,
    WebhookTarget,
    new_delivery_id,
)
from postback_studio.core.dispatch.report import (
    AttemptReport,
    DeliveryReport,
    Refusal,
    RefusalKind,
    attempts_allowed,
)
from postback_studio.core.dispatch.retry import RandomSource, Verdict
from postback_studio.core.dispatch.transport import SendStop, make_session
from postback_studio.core.dispatch.webhook import WebhookOptions
from postback_studio.core.errors import DeliveryError, NotFoundError
from postback_studio.core.model import (
    LIFECYCLE,
    Customer,
    Event,
    LookupSet,
    RetryPolicy,
    SmtpSettings,
    Template,
    Trigger,
    TriggerStatus,
)
from postback_studio.core.records import InboxEmail, InboxHttpRequest
from postback_studio.core.redaction import Redaction
from postback_studio.core.render.engine import RenderEngine
from postback_studio.core.requestlog import Outcome, RequestRecord, payload_text
from postback_studio.core.samples import load_sample
from postback_studio.services.changes import ChangeBus, ChangeNotice, Entity
from postback_studio.services.delivery.credentials import insecure_credentials, insecure_smtp
from postback_studio.services.delivery.inbox_recorder import InboxRecorder
from postback_studio.services.delivery.pending import WorkspacePendingStore
from postback_studio.services.delivery.preparing import DeliveryPreparer, Prepared, TriggerPlan
from postback_studio.services.delivery.resend import ResendCheck, check_resend, guard, prepare_resend
from postback_studio.services.delivery.simulate import order_payloads, pipeline
from postback_studio.services.delivery.writer import AttemptCallback, WorkspaceFactory, WorkspaceWriter
from postback_studio.services.secret_policy import sendable_smtp, sendable_trigger
from postback_studio.storage.workspace import Workspace


@dataclass(frozen=True)
class SendOptions:
    """What the user explicitly allowed for one send.

    ``send_anyway``: send an output that is invalid for its format. ``allow_insecure``: send credentials
    over plain HTTP (or SMTP AUTH without TLS) to a machine other than this one. ``wait``: make every
    retry now, sleeping until each is due (the command line); otherwise retries stay pending in the
    workspace for :meth:`DeliveryService.resume_pending`. ``to_current_destination``: resend a
    logged request through its trigger's destination although that changed since (the user
    confirmed it, after :meth:`DeliveryService.check_resend`).
    """

    send_anyway: bool = False
    allow_insecure: bool = False
    wait: bool = False
    to_current_destination: bool = False


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
        notices: Where stored attempts, scheduled or taken retries and inbox arrivals are announced
            (the workspace's change bus); published from the writer's thread.
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
        notices: ChangeBus | None = None,
    ) -> None:
        self._open_workspace = workspace_factory
        self._notices = notices or ChangeBus()
        self._preparer = DeliveryPreparer(engine)
        self._session_factory = session_factory
        self._smtp_factory = smtp_factory
        self._smtp_ca_file = smtp_ca_file
        self._webhook_options = webhook_options
        self._clock = clock
        self._sleeper = sleeper
        self._random = random
        self._workers = max(1, workers)
        self._render_threads = max(1, render_threads)
        self._on_attempt = on_attempt
        self._attempt_listeners: list[AttemptCallback] = []
        self._writer = WorkspaceWriter(workspace_factory, self._stored)
        self._pending = WorkspacePendingStore(self._writer, self._notices)
        self._stop = SendStop()

    @classmethod
    def for_workspace(cls, path: Path, engine: RenderEngine, **options: Any) -> DeliveryService:
        """A service on the workspace file at ``path`` (which must exist; it is never seeded here)."""
        return cls(lambda: Workspace.open(path, seed=False), engine, **options)

    # -- lifecycle ----------------------------------------------------------------------------------

    def _stored(self, record: RequestRecord) -> None:
        """An attempt is in the log: announce it, then tell whoever asked (on the writer's thread)."""
        self._notices.publish(ChangeNotice(Entity.REQUEST, record.id))
        for listener in [self._on_attempt, *self._attempt_listeners]:
            if listener is not None:
                listener(record)

    def stop(self) -> None:
        """Cut off the webhook attempts in flight and send nothing more, before the workspace closes.

        A receiver that holds its answer would otherwise keep the attempt (and whoever waits for it)
        until the read timeout. Each cut attempt is logged as stopped, with its retry stored when
        the policy allows one; due retries not yet attempted stay stored. Emails in flight are
        waited for (the SMTP timeouts bound them).
        """
        self._stop.stop()

    def close(self) -> None:
        """Write what is still queued for the log and close the writer's connection."""
        self._writer.close()

    def __enter__(self) -> DeliveryService:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- sending ------------------------------------------------------------------------------------

    def send_test(
        self, trigger_id: int, payload: Any = None, options: SendOptions | None = None
    ) -> DeliveryReport:
        """Deliver ``payload`` through one trigger whatever its status; the entries are marked as tests.

        Without a payload, the built-in sample of the trigger's event is sent. Without
        ``options.wait``, only the first attempt is made now; its retries wait in the workspace.

        Raises:
            DeliveryError: No trigger with that id.
        """
        options = options or SendOptions()
        with self._open_workspace() as ws:
            plan = self._plan(ws, _trigger(ws, trigger_id))
            settings = sendable_smtp(ws)
        if payload is None:
            payload = load_sample(plan.trigger.event.value)
        prepared = self._preparer.prepare(plan, payload, is_test=True, send_anyway=options.send_anyway)
        return self._run([prepared], settings, options)[0]

    def fire_event(
        self, customer_id: int, event: Event, payload: Any, options: SendOptions | None = None
    ) -> list[DeliveryReport]:
        """Deliver ``payload`` through every *active* trigger of the customer for ``event``, in parallel."""
        options = options or SendOptions()
        with self._open_workspace() as ws:
            plans = [self._plan(ws, t) for t in _active_triggers(ws, customer_id, event)]
            settings = sendable_smtp(ws)
        prepared = [
            self._preparer.prepare(p, payload, is_test=False, send_anyway=options.send_anyway) for p in plans
        ]
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
        :func:`~.simulate.order_payloads`), unless ``payload`` is given, which is then used for
        every event. Reports come back order by order, event by event.

        Raises:
            DeliveryError: No customer with that id.
        """
        options = options or SendOptions()
        with self._open_workspace() as ws:
            _customer(ws, customer_id)
            settings = sendable_smtp(ws)
            by_event = {
                event: [self._plan(ws, t) for t in _active_triggers(ws, customer_id, event)]
                for event in events
            }
        smtp_problem = "" if options.allow_insecure else insecure_smtp(settings)

        def render_order(number: int) -> list[Prepared]:
            payloads = (
                dict.fromkeys(events, payload)
                if payload is not None
                else order_payloads(events, number, orders)
            )
            return [
                self._preparer.prepare(plan, payloads[event], is_test=False, send_anyway=options.send_anyway)
                for event in events
                for plan in by_event[event]
            ]

        def send_order(dispatcher: Dispatcher, rendered: Future[list[Prepared]]) -> list[DeliveryReport]:
            return [self._send(dispatcher, p, options, smtp_problem) for p in rendered.result()]

        with self._dispatcher(settings) as dispatcher:
            try:
                return pipeline(
                    orders,
                    render_order,
                    lambda f: send_order(dispatcher, f),
                    render_threads=self._render_threads,
                    send_threads=self._workers,
                )
            finally:
                self._writer.flush()

    def send_deliveries(
        self, deliveries: Sequence[Delivery], options: SendOptions | None = None
    ) -> list[DeliveryReport]:
        """Send ready deliveries (already rendered) on the pool; the credential check still applies."""
        options = options or SendOptions()
        return self._run([Prepared(d) for d in deliveries], self._smtp_settings(), options)

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
            payload=payload_text(payload),
            is_test=True,
        )
        prepared = self._preparer.render(
            delivery, template, payload, lookups, send_anyway=options.send_anyway
        )
        return self._run([prepared], self._smtp_settings(), options)[0]

    def resend(self, request_ids: Iterable[int], options: SendOptions | None = None) -> list[DeliveryReport]:
        """Send logged requests again as new deliveries (the Requests page's "Resend").

        See :mod:`.resend` for what is sent. A request :meth:`check_resend` refuses is logged as
        not resent, and so is one whose trigger moved unless ``options.to_current_destination``.

        Raises:
            DeliveryError: No request with one of the ids.
        """
        options = options or SendOptions()
        prepared: list[Prepared] = []
        with self._open_workspace() as ws:
            settings = sendable_smtp(ws)
            for request_id in request_ids:
                record = _logged(ws, request_id)
                plan = self._plan_if_any(ws, record.trigger_id)

                def render_again(plan: TriggerPlan, payload: Any, test: bool = record.is_test) -> Prepared:
                    return self._preparer.prepare(
                        plan, payload, is_test=test, send_anyway=options.send_anyway
                    )

                prepared.append(guard(prepare_resend(record, plan, render_again), check_resend(record, plan),
                                      to_current=options.to_current_destination))
        return self._run(prepared, settings, options)

    def check_resend(self, request_ids: Iterable[int]) -> list[ResendCheck]:
        """What resending each logged request would do (another destination, or refused), to ask first.

        Raises:
            DeliveryError: No request with one of the ids.
        """
        with self._open_workspace() as ws:
            checks = []
            for request_id in request_ids:
                record = _logged(ws, request_id)
                checks.append(check_resend(record, self._plan_if_any(ws, record.trigger_id)))
            return checks

    def resume_pending(self) -> list[AttemptReport]:
        """Make every stored retry whose due time has come (after a restart, or on a timer).

        Secrets are restored from the workspace's secret store; the next retries are stored again.
        When nothing is due this costs one query on the writer's connection.
        """
        if not self._pending.any_due(self._clock()):
            return []
        with self._dispatcher(self._smtp_settings()) as dispatcher:
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

    def pending_deliveries(self, request_ids: Iterable[int] | None = None) -> list[str]:
        """The deliveries with a retry waiting: all, or those of the logged requests ``request_ids``."""
        waiting = {p.delivery.delivery_id for p in self._pending.all()}
        if request_ids is None:
            return sorted(waiting)
        with self._open_workspace() as ws:
            asked = {ws.requests.get(i).delivery_id for i in request_ids}
        return sorted(waiting & asked)

    def simulation_customers(self) -> list[tuple[int, str]]:
        """The customers a simulation can be run for, as ``(id, name)``, by name."""
        with self._open_workspace() as ws:
            return [(c.id, c.name) for c in ws.customers.list() if c.id is not None]

    def subscribe_attempts(self, listener: AttemptCallback) -> Callable[[], None]:
        """Hear every attempt once it is stored (from the writer's thread); returns the unsubscribe."""
        self._attempt_listeners.append(listener)

        def unsubscribe() -> None:
            if listener in self._attempt_listeners:
                self._attempt_listeners.remove(listener)

        return unsubscribe

    def test_smtp(self, settings: SmtpSettings | None = None) -> EmailResult:
        """Check the SMTP settings (the workspace's by default): connect, secure, authenticate, no mail."""
        return self._email_sender(settings or self._smtp_settings()).test_connection()

    def inbox_recorder(
        self,
        *,
        on_http: Callable[[InboxHttpRequest], None] | None = None,
        on_email: Callable[[InboxEmail], None] | None = None,
    ) -> InboxRecorder:
        """Sinks for the local inbox servers that store what arrives in the workspace's inbox."""
        return InboxRecorder(self._writer, self._notices, on_http=on_http, on_email=on_email)

    def flush(self) -> None:
        """Wait until every attempt so far is stored in the log (raises ``LogWriteError`` if it failed)."""
        self._writer.flush()

    # -- preparing ----------------------------------------------------------------------------------

    def _plan(self, ws: Workspace, trigger: Trigger) -> TriggerPlan:
        """What every render through ``trigger`` (read with its secrets) needs, read once.

        The log writer learns what the trigger's attempts must not contain (every stored secret), so
        storing them reads no trigger again; the plan keeps only the secrets bound to the trigger's
        destination.
        """
        assert trigger.id is not None
        self._writer.remember(trigger.id, Redaction.of_trigger(trigger))
        trigger = sendable_trigger(ws, trigger)
        customer = _customer(ws, trigger.customer_id)
        template = ws.templates.get(trigger.template_id) if trigger.template_id is not None else None
        return TriggerPlan(trigger, customer, template, ws.lookups.lookup_set_for(trigger.customer_id))

    def _plan_if_any(self, ws: Workspace, trigger_id: int | None) -> TriggerPlan | None:
        """The plan of a logged request's trigger as it is now; None when it has none or it is gone."""
        if trigger_id is None:
            return None
        try:
            return self._plan(ws, ws.triggers.get(trigger_id))
        except (NotFoundError, DeliveryError):
            return None

    # -- sending ------------------------------------------------------------------------------------

    def _smtp_settings(self) -> SmtpSettings:
        with self._open_workspace() as ws:
            return sendable_smtp(ws)

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
            stop=self._stop,
        )

    def _run(
        self, prepared: Sequence[Prepared], settings: SmtpSettings, options: SendOptions
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
        self, dispatcher: Dispatcher, prepared: Prepared, options: SendOptions, smtp_problem: str
    ) -> DeliveryReport:
        """One delivery: logged as not sent, or its first attempt (every attempt with ``wait``).

        ``smtp_problem`` is :func:`insecure_smtp` of the settings (empty when allowed), so a batch
        checks them once.
        """
        delivery = prepared.delivery
        outcome, error, refusal = prepared.outcome, prepared.error, prepared.refusal
        if outcome is None and not options.allow_insecure:
            if isinstance(delivery.target, WebhookTarget):
                error = insecure_credentials(delivery.target)
            else:
                error = smtp_problem
            if error:
                outcome, refusal = Outcome.BLOCKED, Refusal(RefusalKind.INSECURE_CREDENTIALS, error)
        allowed = attempts_allowed(delivery.retry)
        if outcome is not None:
            record = dispatcher.record_not_sent(delivery, outcome, error)
            attempt = AttemptReport(record, Verdict.FATAL)
            return DeliveryReport(delivery.delivery_id, (attempt,), outcome, allowed, refusal)
        if options.wait:
            return dispatcher.deliver(delivery)
        report = dispatcher.attempt(delivery)
        return DeliveryReport(delivery.delivery_id, (report,), report.record.outcome, allowed)


def _trigger(ws: Workspace, trigger_id: int) -> Trigger:
    try:
        return ws.triggers.get(trigger_id)
    except NotFoundError:
        raise DeliveryError(f"no trigger with id {trigger_id}") from None


def _logged(ws: Workspace, request_id: int) -> RequestRecord:
    try:
        record = ws.requests.get(request_id)
    except NotFoundError:
        raise DeliveryError(f"no logged request with id {request_id}") from None
    if not record.readable:
        raise DeliveryError(f"request {request_id} cannot be resent: {record.error}")
    return record


def _customer(ws: Workspace, customer_id: int) -> Customer:
    try:
        return ws.customers.get(customer_id)
    except NotFoundError:
        raise DeliveryError(f"no customer with id {customer_id}") from None


def _active_triggers(ws: Workspace, customer_id: int, event: Event) -> list[Trigger]:
    _customer(ws, customer_id)
    listed = ws.triggers.list(customer_id=customer_id, event=event, status=TriggerStatus.ACTIVE)
    return [_trigger(ws, t.id) for t in listed if t.id is not None]
