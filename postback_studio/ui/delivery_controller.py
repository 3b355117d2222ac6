"""The delivery controller: Send Test, Resend, Simulate, the retry timer and the local inbox.

Everything here runs through the app's one job runner, so no send and no query runs on the GUI
thread; questions go through injected prompts (:class:`DeliveryPrompts`), so every path is tested
without a modal dialog. The policy decisions stay in the delivery service: a refused send comes back
as a :class:`~postback_studio.core.dispatch.delivery.Refusal` value, and the controller only asks
the user whether to lift it.

Send Test follows its delivery to the end. The first attempt is made at once; a retry the policy
schedules is made by the retry timer, and each stored attempt arrives here from the service, so
the form that asked reads "retrying (attempt 2 of 3 in 5 s)…", then "delivered on attempt 3" or
"failed after 3 attempts: <diagnosis>", and can cancel the remaining retries. ``postback-studio
send`` tells the same story from the same value (:mod:`postback_studio.core.dispatch.progress`).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from postback_studio.core.defaults import INBOX_BODY_MB, LOCAL_HTTP_PORT, LOCAL_SMTP_PORT
from postback_studio.core.dispatch.inbox import HttpInbox, InboxLimits, ResponseScript, SmtpCatcher
from postback_studio.core.dispatch.inbox.ports import port_problem
from postback_studio.core.dispatch.plan import EmailTarget
from postback_studio.core.dispatch.progress import DeliveryProgress, SendTestStatus, progress_of
from postback_studio.core.dispatch.report import AttemptReport, DeliveryReport, Refusal, RefusalKind
from postback_studio.core.model import Event, Template, TemplateKind
from postback_studio.core.requestlog import RequestRecord
from postback_studio.core.samples import load_sample, sample_names
from postback_studio.services.delivery import SendOptions
from postback_studio.services.delivery.inbox_recorder import InboxRecorder
from postback_studio.services.delivery.resend import ResendCheck
from postback_studio.ui.simulate_dialog import SimulationRequest
from postback_studio.workers.inbox_bridge import InboxBridge
from postback_studio.workers.jobs import JobError, JobRunner

#: How many recent attempts are remembered, so a Send Test whose retry was logged before its first
#: answer arrived is not left behind.
_RECENT = 256


class DeliveryActions(Protocol):
    """What the controller asks of the delivery service (``services.delivery.DeliveryService``)."""

    def send_test(
        self, trigger_id: int, payload: Any = None, options: SendOptions | None = None
    ) -> DeliveryReport: ...

    def send_template(
        self, template: Template, payload: Any, target: EmailTarget, *, options: SendOptions | None = None
    ) -> DeliveryReport: ...

    def resend(
        self, request_ids: Iterable[int], options: SendOptions | None = None
    ) -> list[DeliveryReport]: ...

    def check_resend(self, request_ids: Iterable[int]) -> list[ResendCheck]: ...

    def simulate(
        self,
        customer_id: int,
        events: Sequence[Event],
        *,
        orders: int = 1,
        payload: Any = None,
        options: SendOptions | None = None,
    ) -> list[DeliveryReport]: ...

    def simulation_customers(self) -> list[tuple[int, str]]: ...

    def resume_pending(self) -> list[AttemptReport]: ...

    def cancel(self, delivery_id: str) -> RequestRecord | None: ...

    def pending_deliveries(self, request_ids: Iterable[int] | None = None) -> list[str]: ...

    def inbox_recorder(
        self, *, on_http: Callable[[Any], None] | None = None, on_email: Callable[[Any], None] | None = None
    ) -> InboxRecorder: ...

    def subscribe_attempts(self, listener: Callable[[RequestRecord], None]) -> Callable[[], None]: ...


class DeliveryPrompts(Protocol):
    """The questions the controller asks (``ui.delivery_prompts.DialogPrompts``; tests script them)."""

    def lift_refusal(self, refusal: Refusal) -> bool:
        """Whether to send anyway what the policy refused (the refusal says why)."""
        ...

    def confirm_cancel(self, count: int, what: str) -> bool:
        """Whether to cancel ``count`` pending retries (``what``: "waiting", "of the selected ...")."""
        ...

    def choose_simulation(
        self, customers: Sequence[tuple[int, str]], samples: Sequence[str]
    ) -> SimulationRequest | None:
        """What to simulate, or None when the user cancels."""
        ...

    def inbox_failed(self, message: str) -> None:
        """Tell the user the local inbox could not start (the message says why and what to do)."""
        ...

    def resend_to_current(self, moved: Sequence[ResendCheck]) -> bool:
        """Whether to resend these requests to their triggers' current destinations (each says both)."""
        ...

    def resend_refused(self, reasons: Sequence[str]) -> None:
        """Tell the user why these requests are not resent."""
        ...

    def quit_while_busy(self, labels: Sequence[str]) -> bool:
        """Whether to quit although background tasks (``labels``) still run."""
        ...


@dataclass
class _Followed:
    trigger_id: int
    attempts_allowed: int


class DeliveryController(QObject):
    """Owns Send Test, Resend, Simulate, Cancel Retries, the retry timer and the local inbox.

    Args:
        service: The delivery service (its attempts are followed through ``subscribe_attempts``).
        jobs: The app's job runner; every send and every query runs there.
        prompts: Asks the user.
        retry_interval_ms: How often due retries are looked for.
        parent: The owning QObject.

    Signals:
        status_changed(str): a one-line summary for the status bar.
        test_progressed(object): a :class:`SendTestStatus` for the form that asked for the test.
        test_email_finished(bool, str): the Settings page's test email went out (or not), and why.
        simulation_started(): a simulation runs; its attempts appear on the Requests page.
        inbox_state_changed(bool, object, object): running, HTTP port, SMTP port (None: stopped).
        inbox_ports_changed(int, int): the inbox listens on these ports from now on (to remember).
        http_received(object), email_received(object): what the local inbox got.
    """

    status_changed = Signal(str)
    test_progressed = Signal(object)
    test_email_finished = Signal(bool, str)
    simulation_started = Signal()
    inbox_state_changed = Signal(bool, object, object)
    inbox_ports_changed = Signal(int, int)
    http_received = Signal(object)
    email_received = Signal(object)
    _attempt_stored = Signal(object)

    def __init__(
        self,
        service: DeliveryActions,
        jobs: JobRunner,
        prompts: DeliveryPrompts,
        *,
        retry_interval_ms: int = 1000,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._service = service
        self._jobs = jobs
        self._prompts = prompts
        self._followed: dict[str, _Followed] = {}
        self._recent: OrderedDict[str, RequestRecord] = OrderedDict()
        self._retrying = False
        self._attempt_stored.connect(self._on_attempt_stored)
        self._unsubscribe: Callable[[], None] | None = service.subscribe_attempts(self._attempt_stored.emit)
        self._retry_timer = QTimer(self)
        self._retry_timer.setInterval(retry_interval_ms)
        self._retry_timer.timeout.connect(self._on_retry_timer_timeout)
        self._retry_timer.start()
        self._inbox_bridge = InboxBridge(self)
        self._inbox_bridge.http_received.connect(self.http_received)
        self._inbox_bridge.email_received.connect(self.email_received)
        self._servers: dict[str, HttpInbox | SmtpCatcher] = {}
        self._ports = (LOCAL_HTTP_PORT, LOCAL_SMTP_PORT)
        self._body_limit_mb = INBOX_BODY_MB
        self._script: ResponseScript | None = None

    # -- Send Test ------------------------------------------------------------------------------

    @Slot(int)
    def send_test(self, trigger_id: int, options: SendOptions | None = None) -> None:
        """Send the built-in sample of the trigger's event through it, and follow the delivery."""
        options = options or SendOptions()
        service = self._service
        self.test_progressed.emit(SendTestStatus(trigger_id, "sending…", finished=False))
        self._jobs.submit(
            "Send test",
            lambda _report, _cancelled: service.send_test(trigger_id, None, options),
            on_done=lambda report: self._on_test_sent(trigger_id, options, report),
            on_error=lambda error: self._test_failed(trigger_id, error),
        )

    def _on_test_sent(self, trigger_id: int, options: SendOptions, report: DeliveryReport) -> None:
        refusal = report.refusal
        if refusal is not None and self._prompts.lift_refusal(refusal):
            lifted = (
                replace(options, allow_insecure=True)
                if refusal.kind is RefusalKind.INSECURE_CREDENTIALS
                else replace(options, send_anyway=True)
            )
            self.send_test(trigger_id, lifted)
            return
        latest = report.attempts[-1].record
        seen = self._recent.get(report.delivery_id)
        if seen is not None and seen.attempt >= latest.attempt:  # its retry was logged meanwhile
            latest = seen
        progress = progress_of(latest, report.attempts_allowed)
        if not progress.finished:
            self._followed[report.delivery_id] = _Followed(trigger_id, report.attempts_allowed)
        self._show(trigger_id, progress)
        self.status_changed.emit(f"Test: {progress.text}")

    def _test_failed(self, trigger_id: int, error: JobError) -> None:
        self.test_progressed.emit(
            SendTestStatus(trigger_id, f"the test could not be sent: {error.message}", True)
        )

    @Slot(int)
    def cancel_test(self, trigger_id: int) -> None:
        """Cancel the retries that still wait for the trigger's test."""
        for delivery_id, followed in list(self._followed.items()):
            if followed.trigger_id == trigger_id:
                self._cancel([delivery_id])

    def _on_attempt_stored(self, record: RequestRecord) -> None:
        self._recent[record.delivery_id] = record
        self._recent.move_to_end(record.delivery_id)
        while len(self._recent) > _RECENT:
            self._recent.popitem(last=False)
        followed = self._followed.get(record.delivery_id)
        if followed is None:
            return
        progress = progress_of(record, followed.attempts_allowed)
        if progress.finished:
            del self._followed[record.delivery_id]
        self._show(followed.trigger_id, progress)

    def _show(self, trigger_id: int, progress: DeliveryProgress) -> None:
        self.test_progressed.emit(
            SendTestStatus(
                trigger_id,
                progress.text,
                finished=progress.finished,
                delivered=progress.delivered,
                cancellable=not progress.finished,
            )
        )


    # -- Resend, Simulate, Cancel ----------------------------------------------------------------

    @Slot(list)
    def resend(self, request_ids: list[int]) -> None:
        """Send logged requests again as new deliveries, after the service says what that would do.

        A request whose trigger now sends elsewhere goes there only when the user confirms (Cancel
        sends nothing); one the service refuses is named with its reason and left out.
        """
        service, ids = self._service, list(request_ids)
        self._jobs.submit(
            "Checking the requests to resend",
            lambda _report, _cancelled: service.check_resend(ids),
            on_done=self._on_resend_checked,
            quiet=True,
        )

    def _on_resend_checked(self, checks: list[ResendCheck]) -> None:
        refused = [c for c in checks if c.refused]
        if refused:
            self._prompts.resend_refused([c.refused for c in refused])
        sendable = [c for c in checks if not c.refused]
        moved = [c for c in sendable if c.moved]
        if moved and not self._prompts.resend_to_current(moved):
            self.status_changed.emit("Resend cancelled: nothing was sent.")
            return
        if not sendable:
            self.status_changed.emit(f"Resend: nothing was sent ({len(refused)} refused).")
            return
        service, ids = self._service, [c.request_id for c in sendable]
        options = SendOptions(to_current_destination=True)
        note = f" ({len(refused)} refused)" if refused else ""
        self._jobs.submit(
            f"Resend {len(ids)}",
            lambda _report, _cancelled: service.resend(ids, options),
            on_done=lambda reports: self._summarise("Resend", reports, note),
        )

    @Slot()
    def simulate(self) -> None:
        """Ask what to simulate (the customers are read off the GUI thread), then fire it."""
        service = self._service
        self._jobs.submit(
            "Reading the customers",
            lambda _report, _cancelled: service.simulation_customers(),
            on_done=self._on_simulation_customers,
            quiet=True,
        )

    def _on_simulation_customers(self, customers: list[tuple[int, str]]) -> None:
        choice = self._prompts.choose_simulation(customers, sample_names())
        if choice is None:
            return
        payload = load_sample(choice.sample) if choice.sample else None
        service = self._service
        self._jobs.submit(
            "Simulate",
            lambda _report, _cancelled: service.simulate(
                choice.customer_id, choice.events, orders=choice.orders, payload=payload
            ),
            on_done=lambda reports: self._summarise("Simulate", reports),
        )
        self.simulation_started.emit()

    @Slot()
    def cancel_all_retries(self) -> None:
        """Ask, then cancel every retry that waits."""
        self._ask_cancel(None, "waiting")

    @Slot(list)
    def cancel_retries_of(self, request_ids: list[int]) -> None:
        """Ask, then cancel the waiting retries of the deliveries these logged requests belong to."""
        self._ask_cancel(list(request_ids), "of the selected deliveries")

    def _ask_cancel(self, request_ids: list[int] | None, what: str) -> None:
        service = self._service

        def decide(delivery_ids: list[str]) -> None:
            if not delivery_ids:
                self.status_changed.emit(f"No pending retries {what}.")
            elif self._prompts.confirm_cancel(len(delivery_ids), what):
                self._cancel(delivery_ids)

        self._jobs.submit(
            "Looking for pending retries",
            lambda _report, _cancelled: service.pending_deliveries(request_ids),
            on_done=decide,
            quiet=True,
        )

    def _cancel(self, delivery_ids: list[str]) -> None:
        service = self._service
        self._jobs.submit(
            "Cancelling retries",
            lambda _report, _cancelled: [r for d in delivery_ids if (r := service.cancel(d)) is not None],
            on_done=lambda records: self.status_changed.emit(
                f"Cancelled {len(records)} pending retr{'y' if len(records) == 1 else 'ies'}."
            ),
        )

    def _summarise(self, what: str, reports: list[DeliveryReport], note: str = "") -> None:
        delivered = sum(1 for r in reports if r.delivered)
        self.status_changed.emit(f"{what}: {delivered} of {len(reports)} delivered{note}")

    # -- the SMTP test email ---------------------------------------------------------------------

    @Slot(str)
    def send_test_email(self, address: str) -> None:
        """Send a fixed test email through the SMTP settings to ``address``."""
        template = Template(
            name="SMTP test",
            kind=TemplateKind.EMAIL,
            subject="Postback Studio test email",
            body="<p>This is a test email from <b>Postback Studio</b>. Your SMTP settings work.</p>",
            text_body="This is a test email from Postback Studio. Your SMTP settings work.\n",
        )
        service = self._service

        def done(report: DeliveryReport) -> None:
            if report.delivered:
                self.test_email_finished.emit(True, f"Sent to {address}")
                return
            detail = report.attempts[-1].record.error if report.attempts else ""
            self.test_email_finished.emit(
                False, detail or "The test email was not delivered; see the Requests page."
            )

        self._jobs.submit(
            "Send test email",
            lambda _report, _cancelled: service.send_template(template, {}, EmailTarget((address,))),
            on_done=done,
            on_error=lambda error: self.test_email_finished.emit(False, error.message),
        )

    # -- retries ---------------------------------------------------------------------------------

    def _on_retry_timer_timeout(self) -> None:
        """Make the retries whose time has come, one batch at a time, off the GUI thread."""
        if self._retrying:
            return
        self._retrying = True
        service = self._service

        def finished(_result: object) -> None:
            self._retrying = False

        self._jobs.submit(
            "Retrying",
            lambda _report, _cancelled: service.resume_pending(),
            on_done=finished,
            on_error=finished,
            quiet=True,
        )

    # -- the local inbox -------------------------------------------------------------------------

    @property
    def inbox_ports(self) -> tuple[int, int]:
        """The HTTP and SMTP ports the local inbox listens on (or will, when started)."""
        return self._ports

    def set_inbox_ports(self, http_port: int, smtp_port: int) -> None:
        """Listen on these ports from now on (a running inbox restarts on them)."""
        self._ports = (http_port, smtp_port)
        self.inbox_ports_changed.emit(http_port, smtp_port)
        if self._servers:
            self.stop_inbox()
            self.start_inbox()

    def set_inbox_body_limit(self, megabytes: int) -> None:
        """Keep at most ``megabytes`` of a request body from the next start of the inbox on."""
        self._body_limit_mb = megabytes

    def set_inbox_script(self, script: object) -> None:
        """Answer webhooks as ``script`` says (a :class:`ResponseScript`; None answers 200)."""
        self._script = script if isinstance(script, ResponseScript) else None
        http = self._servers.get("http")
        if isinstance(http, HttpInbox) and self._script is not None:
            http.set_script(self._script)

    def start_inbox(self, script: object = None) -> None:
        """Start the HTTP receiver and the SMTP catcher (answering ``script`` when given).

        A port that is taken is said, with what to do about it.
        """
        if script is not None:
            self.set_inbox_script(script)
        if self._servers:
            return
        http_port, smtp_port = self._ports
        recorder = self._service.inbox_recorder(
            on_http=self._inbox_bridge.http_sink, on_email=self._inbox_bridge.mail_sink
        )
        limits = InboxLimits(max_body_bytes=self._body_limit_mb * 1024 * 1024)
        http = HttpInbox(self._script, sink=recorder.http, port=http_port, limits=limits)
        smtp = SmtpCatcher(sink=recorder.email, port=smtp_port)
        try:
            http.start()
        except Exception as exc:  # a port in use, no permission: the user picks other ports
            self._inbox_not_started(port_problem(exc, http_port, "HTTP"))
            return
        try:
            smtp.start()
        except Exception as exc:
            http.stop()
            self._inbox_not_started(port_problem(exc, smtp_port, "SMTP"))
            return
        self._servers = {"http": http, "smtp": smtp}
        self.inbox_state_changed.emit(True, http.port, smtp.port)
        self.status_changed.emit(
            f"Local inbox listening on http://127.0.0.1:{http.port}/ and SMTP 127.0.0.1:{smtp.port}"
        )

    def _inbox_not_started(self, problem: str) -> None:
        self.inbox_state_changed.emit(False, None, None)
        self._prompts.inbox_failed(f"Could not start the local inbox: {problem}")

    @Slot()
    def stop_inbox(self) -> None:
        """Stop the HTTP receiver and the SMTP catcher."""
        for server in self._servers.values():
            server.stop()
        self._servers = {}
        self.inbox_state_changed.emit(False, None, None)

    # -- closing ---------------------------------------------------------------------------------

    def confirm_close(self) -> bool:
        """The window's close guard: quitting with deliveries in flight asks first."""
        busy = self._jobs.labels_in_flight()
        return not busy or self._prompts.quit_while_busy(sorted(set(busy)))

    def close(self) -> None:
        """Stop the retry timer and the inbox, and stop following attempts."""
        self._retry_timer.stop()
        self.stop_inbox()
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
