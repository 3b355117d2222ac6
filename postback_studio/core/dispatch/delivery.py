"""The dispatcher: runs a prepared delivery's attempts, logs each one, and schedules retries.

A *delivery* (:mod:`.plan`) is one postback (one rendered body to one trigger target); each
*attempt* becomes one :class:`~postback_studio.core.requestlog.RequestRecord` and an
:class:`~.report.AttemptReport`. Retries are not slept inside an attempt: a retryable failure
becomes a :class:`~.plan.PendingRetry` with a due time in an injected :class:`PendingStore`, so the
app can persist it, resume it after a restart, show it and cancel it.
:meth:`Dispatcher.deliver` is the blocking convenience for the command line (it sleeps through an
injected sleeper until each due time) and :meth:`Dispatcher.run_batch` fires many deliveries on a
bounded thread pool with one keep-alive session per worker.
"""

from __future__ import annotations

import random as random_module
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Protocol

import requests

from postback_studio.core.dispatch.email import EmailSender
from postback_studio.core.dispatch.plan import Delivery, EmailTarget, PendingRetry, WebhookTarget
from postback_studio.core.dispatch.report import AttemptReport, DeliveryReport, attempts_allowed
from postback_studio.core.dispatch.retry import RandomSource, Verdict, classify, next_delay, parse_retry_after
from postback_studio.core.dispatch.transport import SendStop, make_session
from postback_studio.core.dispatch.webhook import (
    WebhookOptions,
    WebhookRequest,
    WebhookResult,
    WebhookSender,
)
from postback_studio.core.requestlog import REDACTED, Channel, Outcome, RequestRecord
from postback_studio.core.url_safety import redact_userinfo, redact_userinfo_in_text

Clock = Callable[[], float]
Sleeper = Callable[[float], None]
SessionFactory = Callable[[], requests.Session]

#: Header names whose values never reach the log, whatever the trigger says.
SECRET_HEADER_NAMES = frozenset({"authorization", "proxy-authorization", "x-api-key", "cookie", "set-cookie"})


class RequestLogSink(Protocol):
    """Where attempts go (the workspace's request log). Called under the dispatcher's lock."""

    def append(self, record: RequestRecord) -> None:
        """Store one attempt."""


class PendingStore(Protocol):
    """Where scheduled retries wait (the workspace, so they survive a restart).

    At most one pending retry per delivery. Called under the dispatcher's lock. A persistent store
    keeps :meth:`PendingRetry.to_json` (secrets left out) and, on :meth:`due`, gives back
    ``PendingRetry.from_json(text)`` with the secrets restored from the keyring through
    :meth:`Delivery.with_secrets`.
    """

    def put(self, pending: PendingRetry) -> None:
        """Store or replace the pending retry of ``pending.delivery.delivery_id``."""

    def take(self, delivery_id: str) -> PendingRetry | None:
        """Remove and return the delivery's pending retry; None if there is none (cancelled)."""

    def due(self, now: float) -> list[PendingRetry]:
        """The pending retries whose due time is at or before ``now``, earliest first."""


class MemoryLog:
    """A thread-safe in-memory :class:`RequestLogSink` (tests, benchmarks, the CLI without a workspace)."""

    def __init__(self) -> None:
        self._records: list[RequestRecord] = []
        self._lock = threading.Lock()

    def append(self, record: RequestRecord) -> None:
        """Keep one record."""
        with self._lock:
            self._records.append(record)

    @property
    def records(self) -> list[RequestRecord]:
        """All records so far, in order (a copy)."""
        with self._lock:
            return list(self._records)


class MemoryPendingStore:
    """An in-memory :class:`PendingStore`; retries are lost on exit (the workspace one keeps them)."""

    def __init__(self) -> None:
        self._pending: dict[str, PendingRetry] = {}
        self._lock = threading.Lock()

    def put(self, pending: PendingRetry) -> None:
        """Store or replace the delivery's pending retry."""
        with self._lock:
            self._pending[pending.delivery.delivery_id] = pending

    def take(self, delivery_id: str) -> PendingRetry | None:
        """Remove and return the delivery's pending retry."""
        with self._lock:
            return self._pending.pop(delivery_id, None)

    def due(self, now: float) -> list[PendingRetry]:
        """Pending retries due at or before ``now``, earliest first."""
        with self._lock:
            return sorted((p for p in self._pending.values() if p.due_at <= now), key=lambda p: p.due_at)

    def all(self) -> list[PendingRetry]:
        """Every pending retry, earliest first."""
        with self._lock:
            return sorted(self._pending.values(), key=lambda p: p.due_at)


def redact_headers(
    headers: Iterable[tuple[str, str]], secret_names: Iterable[str] = ()
) -> tuple[tuple[str, str], ...]:
    """Headers with secret values replaced by ``<redacted>``; names compare case-insensitively."""
    secret = SECRET_HEADER_NAMES | {name.lower() for name in secret_names}
    return tuple((name, REDACTED if name.lower() in secret else value) for name, value in headers)


class _SenderPool:
    """One :class:`WebhookSender` (and session) per thread, all closed together."""

    def __init__(
        self, factory: SessionFactory, options: WebhookOptions, clock: Clock, stop: SendStop
    ) -> None:
        self._factory = factory
        self._options = options
        self._clock = clock
        self._stop = stop
        self._local = threading.local()
        self._sessions: list[requests.Session] = []
        self._lock = threading.Lock()

    def get(self) -> WebhookSender:
        sender: WebhookSender | None = getattr(self._local, "sender", None)
        if sender is None:
            session = self._factory()
            with self._lock:
                self._sessions.append(session)
            sender = WebhookSender(session, self._options, clock=self._clock, stop=self._stop)
            self._local.sender = sender
        return sender

    def close(self) -> None:
        with self._lock:
            sessions, self._sessions = self._sessions, []
        for session in sessions:
            session.close()


class Dispatcher:
    """Runs delivery attempts, logs every one, and schedules, resumes and cancels retries.

    Thread-safe: attempts may run concurrently; log and pending-store calls are serialised under one
    lock, so sinks need not be thread-safe themselves (they are called from worker threads, though).

    Args:
        log: Receives every attempt record.
        pending: Holds scheduled retries; defaults to an in-memory store.
        session_factory: Makes one HTTP session per thread (keep-alive pools, extra CA).
        webhook_options: Timeouts and the response cap.
        email_sender: Sends email deliveries; without one they fail with a clear message.
        clock: Wall clock (seconds since the epoch) for attempt times and due times.
        sleeper: Waits in :meth:`deliver`; tests pass one that advances a fake clock.
        random: Jitter source for exponential retry.
        stop: Cuts off the webhook attempts in flight (:class:`SendStop`); due retries not yet
            attempted when it stops stay stored.
    """

    def __init__(
        self,
        log: RequestLogSink,
        *,
        pending: PendingStore | None = None,
        session_factory: SessionFactory = make_session,
        webhook_options: WebhookOptions | None = None,
        email_sender: EmailSender | None = None,
        clock: Clock = time.time,
        sleeper: Sleeper = time.sleep,
        random: RandomSource | None = None,
        stop: SendStop | None = None,
    ) -> None:
        self._log = log
        self._pending: PendingStore = pending if pending is not None else MemoryPendingStore()
        self._session_factory = session_factory
        self._options = webhook_options or WebhookOptions()
        self._email_sender = email_sender
        self._clock = clock
        self._sleeper = sleeper
        self._random = random or random_module.Random().random
        self._lock = threading.Lock()
        self._stop = stop or SendStop()
        self._senders = _SenderPool(session_factory, self._options, clock, self._stop)

    def close(self) -> None:
        """Close the HTTP sessions this dispatcher opened."""
        self._senders.close()

    def __enter__(self) -> Dispatcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def attempt(self, delivery: Delivery, attempt: int = 1) -> AttemptReport:
        """Make attempt number ``attempt`` now, log it, and store the next retry if one is due."""
        return self._attempt(delivery, attempt, self._senders)

    def deliver(self, delivery: Delivery) -> DeliveryReport:
        """Run every attempt the policy allows, waiting (through the sleeper) until each is due.

        A retry cancelled meanwhile (:meth:`cancel` from another thread) ends the loop.
        """
        return self._deliver(delivery, self._senders)

    def run_due(self) -> list[AttemptReport]:
        """Attempt every stored retry whose due time has come (after a restart, or on a timer)."""
        with self._lock:
            claimed = [
                taken
                for pending in self._pending.due(self._clock())
                if (taken := self._pending.take(pending.delivery.delivery_id)) is not None
            ]
        reports = []
        for index, pending in enumerate(claimed):
            if self._stop.stopped:  # not attempted: kept for the next run
                with self._lock:
                    for kept in claimed[index:]:
                        self._pending.put(kept)
                break
            reports.append(self.attempt(pending.delivery, pending.attempt))
        return reports

    def cancel(self, delivery_id: str) -> RequestRecord | None:
        """Drop the delivery's pending retry and log it as cancelled; None if nothing was pending."""
        with self._lock:
            pending = self._pending.take(delivery_id)
            if pending is None:
                return None
            record = self._base_record(pending.delivery, pending.attempt, Outcome.CANCELED)
            record = replace(record, error=f"Attempt {pending.attempt} was cancelled before it was made.")
            self._log.append(record)
        return record

    def record_not_sent(self, delivery: Delivery, outcome: Outcome, error: str) -> RequestRecord:
        """Log a delivery that never left the machine (``RENDER_FAILED`` or ``BLOCKED``)."""
        record = replace(self._base_record(delivery, 1, outcome), error=error)
        with self._lock:
            self._log.append(record)
        return record

    def run_batch(
        self, deliveries: Sequence[Delivery], *, workers: int = 8, wait_for_retries: bool = False
    ) -> list[DeliveryReport]:
        """Fire many deliveries on a bounded pool; reports come back in input order.

        Each worker thread keeps one session (keep-alive per host). Without ``wait_for_retries`` each
        delivery gets its first attempt and retries stay pending in the store (for :meth:`run_due`);
        with it, workers sleep through retries like :meth:`deliver`.
        """
        senders = _SenderPool(self._session_factory, self._options, self._clock, self._stop)
        try:
            with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="dispatch") as pool:
                if wait_for_retries:
                    return list(pool.map(lambda d: self._deliver(d, senders), deliveries))
                return list(pool.map(lambda d: _report(d, [self._attempt(d, 1, senders)]), deliveries))
        finally:
            senders.close()

    def _deliver(self, delivery: Delivery, senders: _SenderPool) -> DeliveryReport:
        reports = [self._attempt(delivery, 1, senders)]
        while (pending := reports[-1].pending) is not None:
            self._sleeper(max(0.0, pending.due_at - self._clock()))
            with self._lock:
                claimed = self._pending.take(delivery.delivery_id)
            if claimed is None:
                return replace(_report(delivery, reports), outcome=Outcome.CANCELED)
            reports.append(self._attempt(delivery, claimed.attempt, senders))
        return _report(delivery, reports)

    def _attempt(self, delivery: Delivery, attempt: int, senders: _SenderPool) -> AttemptReport:
        if isinstance(delivery.target, EmailTarget):
            report = self._attempt_email(delivery, delivery.target, attempt)
        else:
            report = self._attempt_webhook(delivery, delivery.target, attempt, senders.get())
        with self._lock:
            self._log.append(report.record)
            if report.pending is not None:
                self._pending.put(report.pending)
        return report

    def _schedule(
        self, delivery: Delivery, attempt: int, verdict: Verdict, retry_after: float | None
    ) -> tuple[Outcome, PendingRetry | None]:
        """Outcome of the attempt just made, and the next one if the policy allows it."""
        if verdict is Verdict.SUCCESS:
            return Outcome.DELIVERED, None
        if verdict is Verdict.FATAL:
            return Outcome.FAILED, None
        delay = next_delay(delivery.retry, attempt, retry_after=retry_after, random=self._random)
        if delay is None:
            return Outcome.FAILED, None
        return Outcome.RETRYING, PendingRetry(delivery, attempt + 1, self._clock() + delay)

    def _attempt_webhook(
        self, delivery: Delivery, target: WebhookTarget, attempt: int, sender: WebhookSender
    ) -> AttemptReport:
        missing = delivery.missing_secrets()
        if missing:
            record = replace(self._base_record(delivery, attempt, Outcome.FAILED), error=missing)
            return AttemptReport(record, Verdict.FATAL)
        result = sender.send(
            WebhookRequest(
                url=target.url,
                body=delivery.body,
                method=target.method,
                headers=target.headers,
                format=target.format,
                delivery_id=delivery.delivery_id,
                signing_secret=target.signing_secret,
            )
        )
        failure = result.failure
        status = result.status if failure is None else None
        verdict = classify(status, transient_error=failure is None or failure.transient)
        retry_after = parse_retry_after(_header(result.response_headers, "Retry-After"), self._clock())
        outcome, pending = self._schedule(delivery, attempt, verdict, retry_after)
        secret_names = [h.name for h in target.headers if h.secret]
        record = replace(
            self._base_record(delivery, attempt, outcome),
            started_at=result.started_at,
            request_method=result.method,
            request_headers=redact_headers(result.request_headers, secret_names),
            request_body=result.request_body,
            response_status=result.status,
            response_headers=redact_headers(result.response_headers),
            response_body=result.response_body,
            error=_webhook_error(result, verdict, pending),
            duration=result.duration,
            next_attempt_at=pending.due_at if pending else None,
        )
        return AttemptReport(record, verdict, pending, webhook=result)

    def _attempt_email(self, delivery: Delivery, target: EmailTarget, attempt: int) -> AttemptReport:
        if self._email_sender is None or delivery.email is None:
            missing = "SMTP settings" if self._email_sender is None else "rendered email"
            record = replace(
                self._base_record(delivery, attempt, Outcome.FAILED),
                error=f"Not sent: no {missing} for an email delivery.",
            )
            return AttemptReport(record, Verdict.FATAL)
        result = self._email_sender.send(target.recipients, delivery.email, delivery_id=delivery.delivery_id)
        verdict = Verdict.FATAL
        if result.ok or result.transient:
            verdict = Verdict.SUCCESS if result.ok else Verdict.RETRYABLE
        outcome, pending = self._schedule(delivery, attempt, verdict, None)
        record = replace(
            self._base_record(delivery, attempt, outcome),
            started_at=result.started_at,
            request_method="SMTP",
            request_headers=result.headers,
            request_body=result.message,
            response_status=result.reply_code,
            error=result.diagnosis,
            smtp_transcript=result.transcript,
            duration=result.duration,
            next_attempt_at=pending.due_at if pending else None,
        )
        return AttemptReport(record, verdict, pending, email=result)

    def _base_record(self, delivery: Delivery, attempt: int, outcome: Outcome) -> RequestRecord:
        target = delivery.target
        email = isinstance(target, EmailTarget)
        return RequestRecord(
            delivery_id=delivery.delivery_id,
            attempt=attempt,
            channel=Channel.EMAIL if email else Channel.WEBHOOK,
            outcome=outcome,
            started_at=self._clock(),
            event=delivery.event,
            target=", ".join(target.recipients) if isinstance(target, EmailTarget) else redact_userinfo(
                target.url
            ),
            payload=delivery.payload,
            processing=delivery.processing,
            customer_id=delivery.customer_id,
            customer_name=delivery.customer_name,
            trigger_id=delivery.trigger_id,
            trigger_name=delivery.trigger_name,
            is_test=delivery.is_test,
        )


def _report(delivery: Delivery, reports: list[AttemptReport]) -> DeliveryReport:
    return DeliveryReport(
        delivery.delivery_id, tuple(reports), reports[-1].record.outcome, attempts_allowed(delivery.retry)
    )


def _header(headers: tuple[tuple[str, str], ...], name: str) -> str | None:
    return next((v for k, v in headers if k.lower() == name.lower()), None)


def _webhook_error(result: WebhookResult, verdict: Verdict, pending: PendingRetry | None) -> str:
    """The log's error column: the diagnosis, or what a non-2xx status means for the delivery.

    A URL quoted in it loses its user info (a password).
    """
    return redact_userinfo_in_text(_webhook_error_text(result, verdict, pending))


def _webhook_error_text(result: WebhookResult, verdict: Verdict, pending: PendingRetry | None) -> str:
    if result.failure is not None:
        text = f"{result.diagnosis} ({result.error})" if result.error else result.diagnosis
    elif verdict is Verdict.SUCCESS:
        return "Response body truncated at the size limit." if result.response_truncated else ""
    else:
        text = f"HTTP {result.status} {result.reason}".rstrip()
        if verdict is Verdict.FATAL:
            text += ": not retried (only network errors, timeouts, 408, 429 and 5xx are)."
    if pending is not None:
        text = text.rstrip(".") + f". Attempt {pending.attempt} scheduled."
    return text
