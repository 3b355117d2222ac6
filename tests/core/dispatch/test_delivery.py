from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from email.utils import format_datetime

import pytest
from standardwebhooks import Webhook

from postback_studio.core.dispatch.delivery import REDACTED, Dispatcher, MemoryLog, MemoryPendingStore
from postback_studio.core.dispatch.email import EmailParts, EmailSender
from postback_studio.core.dispatch.inbox import (
    HttpInbox,
    ResponseScript,
    ScriptedResponse,
    ScriptStep,
    SmtpCatcher,
)
from postback_studio.core.dispatch.plan import Delivery, EmailTarget, PendingRetry, WebhookTarget
from postback_studio.core.dispatch.retry import Verdict
from postback_studio.core.dispatch.transport import SendStop
from postback_studio.core.model import (
    Customer,
    DeliveryMethod,
    Event,
    Header,
    RetryKind,
    RetryPolicy,
    SmtpSettings,
    TlsMode,
    Trigger,
)
from postback_studio.core.requestlog import Channel, Outcome

T0 = 1_700_000_000.0
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


class FakeClock:
    """A clock that only moves when the dispatcher sleeps."""

    def __init__(self) -> None:
        self.now = T0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def log() -> MemoryLog:
    return MemoryLog()


@pytest.fixture
def store() -> MemoryPendingStore:
    return MemoryPendingStore()


@pytest.fixture
def dispatcher(log: MemoryLog, store: MemoryPendingStore, clock: FakeClock) -> Iterator[Dispatcher]:
    with Dispatcher(log, pending=store, clock=clock, sleeper=clock.sleep, random=lambda: 1.0) as d:
        yield d


def webhook(url: str, retry: RetryPolicy | None = None, **target: object) -> Delivery:
    return Delivery(
        delivery_id="msg_fixed",
        target=WebhookTarget(url, **target),  # type: ignore[arg-type]
        event="shipped",
        body=b'{"orderId": "A-1"}',
        retry=retry or RetryPolicy.gelato(),
        payload='{"id": "A-1"}',
        trigger_name="Ship hook",
    )


def test_fails_twice_then_succeeds(
    inbox: HttpInbox, dispatcher: Dispatcher, log: MemoryLog, clock: FakeClock
) -> None:
    inbox.set_script(ResponseScript.parse("503x2, 200"))
    report = dispatcher.deliver(webhook(inbox.url))
    assert report.delivered and report.outcome is Outcome.DELIVERED
    assert clock.sleeps == [5.0, 5.0]
    records = log.records
    assert [r.attempt for r in records] == [1, 2, 3]
    assert [r.started_at for r in records] == [T0, T0 + 5, T0 + 10]
    assert [r.outcome for r in records] == [Outcome.RETRYING, Outcome.RETRYING, Outcome.DELIVERED]
    assert [r.response_status for r in records] == [503, 503, 200]
    assert [r.next_attempt_at for r in records] == [T0 + 5, T0 + 10, None]
    assert all(r.delivery_id == "msg_fixed" and r.trigger_name == "Ship hook" for r in records)
    assert "Attempt 2 scheduled" in records[0].error
    got = inbox.requests
    assert [r.body for r in got] == [b'{"orderId": "A-1"}'] * 3
    assert {r.header("webhook-id") for r in got} == {None}


def test_always_failing_gives_up_after_the_policy(
    inbox: HttpInbox, dispatcher: Dispatcher, log: MemoryLog, clock: FakeClock, store: MemoryPendingStore
) -> None:
    inbox.set_script(ResponseScript.always(500))
    report = dispatcher.deliver(webhook(inbox.url))
    assert report.outcome is Outcome.FAILED and not report.delivered
    assert [r.outcome for r in log.records] == [Outcome.RETRYING, Outcome.RETRYING, Outcome.FAILED]
    assert [r.started_at for r in log.records] == [T0, T0 + 5, T0 + 10]
    assert len(inbox.requests) == 3 and store.all() == []


def test_retry_after_seconds_and_date_push_the_schedule(
    inbox: HttpInbox, dispatcher: Dispatcher, clock: FakeClock
) -> None:
    date = format_datetime(datetime.fromtimestamp(T0 + 30 + 60, tz=UTC), usegmt=True)
    inbox.set_script(
        ResponseScript(
            (
                ScriptStep(ScriptedResponse(429, (("Retry-After", "30"),)), 1),
                ScriptStep(ScriptedResponse(503, (("Retry-After", date),)), 1),
                ScriptStep(ScriptedResponse(200), None),
            )
        )
    )
    report = dispatcher.deliver(webhook(inbox.url))
    assert report.delivered
    assert clock.sleeps == [30.0, 60.0]


def test_client_error_fails_at_once(inbox: HttpInbox, dispatcher: Dispatcher, log: MemoryLog) -> None:
    inbox.set_script(ResponseScript.always(404))
    report = dispatcher.deliver(webhook(inbox.url))
    assert report.outcome is Outcome.FAILED and len(report.attempts) == 1
    assert report.attempts[0].verdict is Verdict.FATAL
    assert "HTTP 404 Not Found: not retried" in log.records[0].error


def test_exponential_with_injected_jitter(inbox: HttpInbox, dispatcher: Dispatcher, clock: FakeClock) -> None:
    inbox.set_script(ResponseScript.always(502))
    policy = RetryPolicy(
        RetryKind.EXPONENTIAL, max_attempts=4, first_delay=2, factor=3, max_delay=20, jitter=0.5
    )
    report = dispatcher.deliver(webhook(inbox.url, policy))
    assert len(report.attempts) == 4 and report.outcome is Outcome.FAILED
    assert clock.sleeps == [3.0, 9.0, 20.0]


def test_connection_refused_is_retried_and_logged(
    closed_port: int, dispatcher: Dispatcher, log: MemoryLog
) -> None:
    report = dispatcher.deliver(webhook(f"http://127.0.0.1:{closed_port}/"))
    assert report.outcome is Outcome.FAILED and len(report.attempts) == 3
    assert all(r.response_status is None and "refused" in r.error for r in log.records)


def test_retry_is_stored_as_due_time_resumed_and_cancelled(
    inbox: HttpInbox, dispatcher: Dispatcher, store: MemoryPendingStore, log: MemoryLog, clock: FakeClock
) -> None:
    inbox.set_script(ResponseScript.parse("500x3, 200"))
    first = dispatcher.attempt(webhook(inbox.url))
    assert first.pending is not None and first.pending.attempt == 2 and first.pending.due_at == T0 + 5
    assert store.all() == [first.pending]
    assert clock.sleeps == []
    assert dispatcher.run_due() == []
    clock.now = T0 + 5
    (second,) = dispatcher.run_due()
    assert second.record.attempt == 2 and second.pending is not None
    cancelled = dispatcher.cancel("msg_fixed")
    assert cancelled is not None and cancelled.outcome is Outcome.CANCELED and cancelled.attempt == 3
    assert store.all() == [] and dispatcher.cancel("msg_fixed") is None
    clock.now = T0 + 100
    assert dispatcher.run_due() == []
    assert [r.outcome for r in log.records] == [Outcome.RETRYING, Outcome.RETRYING, Outcome.CANCELED]
    assert len(inbox.requests) == 2


def test_due_retries_are_kept_once_sending_stopped(
    inbox: HttpInbox, store: MemoryPendingStore, log: MemoryLog, clock: FakeClock
) -> None:
    stop = SendStop()
    inbox.set_script(ResponseScript.parse("500, 200"))
    with Dispatcher(log, pending=store, clock=clock, stop=stop) as dispatcher:
        first = dispatcher.attempt(webhook(inbox.url))
        clock.now = T0 + 5
        stop.stop()
        assert dispatcher.run_due() == []
    assert store.all() == [first.pending], "kept for the next time the workspace is open"
    assert len(log.records) == 1 and len(inbox.requests) == 1


def test_cancel_during_deliver_stops_it(inbox: HttpInbox, log: MemoryLog, store: MemoryPendingStore) -> None:
    inbox.set_script(ResponseScript.always(500))
    clock = FakeClock()
    holder: list[Dispatcher] = []

    def sleep_and_cancel(seconds: float) -> None:
        clock.sleep(seconds)
        holder[0].cancel("msg_fixed")

    with Dispatcher(log, pending=store, clock=clock, sleeper=sleep_and_cancel) as dispatcher:
        holder.append(dispatcher)
        report = dispatcher.deliver(webhook(inbox.url))
    assert report.outcome is Outcome.CANCELED
    assert [r.outcome for r in log.records] == [Outcome.RETRYING, Outcome.CANCELED]


def test_secrets_are_redacted_in_the_log_but_sent(inbox: HttpInbox, log: MemoryLog) -> None:
    headers = (
        Header("Authorization", "Bearer tok-123"),
        Header("X-API-KEY", "key-456"),
        Header("X-Shop-Token", "shop-789", secret=True),
        Header("X-Plain", "visible"),
    )
    with Dispatcher(log) as dispatcher:
        report = dispatcher.deliver(webhook(inbox.url, headers=headers, signing_secret=SECRET))
    assert report.delivered
    got = inbox.requests[0]
    assert got.header("Authorization") == "Bearer tok-123" and got.header("X-Shop-Token") == "shop-789"
    assert got.header("webhook-id") == "msg_fixed"
    Webhook(SECRET).verify(got.body, dict(got.headers))
    record = log.records[0]
    sent = dict(record.request_headers)
    assert sent["Authorization"] == sent["X-API-KEY"] == sent["X-Shop-Token"] == REDACTED
    assert sent["X-Plain"] == "visible"
    for secret in ("tok-123", "key-456", "shop-789", SECRET, SECRET[6:]):
        assert secret not in repr(record)


def test_webhook_id_is_the_same_on_every_retry(inbox: HttpInbox, log: MemoryLog) -> None:
    inbox.set_script(ResponseScript.parse("503, 200"))
    clock = FakeClock()
    clock.now = datetime.now(tz=UTC).timestamp()
    with Dispatcher(log, clock=clock, sleeper=clock.sleep) as dispatcher:
        assert dispatcher.deliver(webhook(inbox.url, signing_secret=SECRET)).delivered
    ids = [r.header("webhook-id") for r in inbox.requests]
    assert ids == ["msg_fixed", "msg_fixed"]
    for got in inbox.requests:
        Webhook(SECRET).verify(got.body, dict(got.headers))


def test_render_failure_is_logged_not_sent(dispatcher: Dispatcher, log: MemoryLog) -> None:
    record = dispatcher.record_not_sent(
        webhook("http://127.0.0.1:9/"), Outcome.RENDER_FAILED, "line 3: 'x' undefined"
    )
    assert log.records == [record]
    assert record.outcome is Outcome.RENDER_FAILED and record.request_body == b""


def test_email_delivery_is_logged_with_transcript(log: MemoryLog, clock: FakeClock) -> None:
    with SmtpCatcher() as catcher:
        settings = SmtpSettings(
            "noreply@psp.example", "Print Co", "127.0.0.1", catcher.port, tls_mode=TlsMode.NONE
        )
        sender = EmailSender(settings, timeout=5)
        delivery = Delivery(
            "msg_mail",
            EmailTarget(("ops@c.example",)),
            "delivered",
            email=EmailParts("Delivered", text="Done"),
        )
        with Dispatcher(log, email_sender=sender, clock=clock, sleeper=clock.sleep) as dispatcher:
            report = dispatcher.deliver(delivery)
        assert report.delivered
        assert catcher.messages[0].rcpt_tos == ("ops@c.example",)
    record = log.records[0]
    assert record.channel is Channel.EMAIL and record.target == "ops@c.example"
    assert b"Subject: Delivered" in record.request_body and record.request_method == "SMTP"
    assert "C: mail FROM:<noreply@psp.example>" in record.smtp_transcript
    assert record.response_status == 250


def test_email_without_smtp_settings_fails_clearly(dispatcher: Dispatcher) -> None:
    delivery = Delivery("m", EmailTarget(("a@x.example",)), "shipped", email=EmailParts("s", text="t"))
    report = dispatcher.deliver(delivery)
    assert report.outcome is Outcome.FAILED and "no SMTP settings" in report.attempts[0].record.error


def test_delivery_for_trigger() -> None:
    trigger = Trigger(
        "Ship",
        customer_id=4,
        event=Event.SHIPPED,
        url="https://r.example/hook",
        http_method="PUT",
        signing=False,
        signing_secret=SECRET,
        id=9,
    )
    delivery = Delivery.for_trigger(trigger, body=b"{}", customer=Customer("Acme", id=4), is_test=True)
    assert isinstance(delivery.target, WebhookTarget)
    assert delivery.target.method == "PUT" and delivery.target.signing_secret == ""
    assert (delivery.event, delivery.customer_name, delivery.trigger_id, delivery.is_test) == (
        "shipped",
        "Acme",
        9,
        True,
    )
    assert delivery.delivery_id.startswith("msg_")
    mail = Delivery.for_trigger(
        Trigger("Mail", 4, Event.DELIVERED, method=DeliveryMethod.EMAIL, recipients=("a@x.example",)),
        email=EmailParts("s", text="t"),
    )
    assert mail.target == EmailTarget(("a@x.example",))


def test_batch_of_1000_is_received_once_and_all_logged(inbox: HttpInbox, log: MemoryLog) -> None:
    deliveries = [
        Delivery(
            f"msg_{n:04d}", WebhookTarget(inbox.url + "/batch"), "received", body=f'{{"n": {n}}}'.encode()
        )
        for n in range(1000)
    ]
    with Dispatcher(log) as dispatcher:
        reports = dispatcher.run_batch(deliveries, workers=8)
    assert [r.delivery_id for r in reports] == [d.delivery_id for d in deliveries]
    assert all(r.delivered for r in reports)
    got = inbox.requests
    assert len(got) == 1000
    assert sorted(r.body for r in got) == sorted(d.body for d in deliveries)
    records = log.records
    assert len(records) == 1000
    assert sorted(r.delivery_id for r in records) == [d.delivery_id for d in deliveries]
    assert {r.outcome for r in records} == {Outcome.DELIVERED}


def test_batch_keeps_retries_pending(inbox: HttpInbox, log: MemoryLog, store: MemoryPendingStore) -> None:
    inbox.set_script(ResponseScript.parse("503x3, 200"))
    deliveries = [Delivery(f"d{n}", WebhookTarget(inbox.url), "received", body=b"{}") for n in range(10)]
    with Dispatcher(log, pending=store) as dispatcher:
        reports = dispatcher.run_batch(deliveries, workers=4)
    assert sum(r.outcome is Outcome.RETRYING for r in reports) == 3
    assert sorted(p.delivery.delivery_id for p in store.all()) == sorted(
        r.delivery_id for r in reports if r.outcome is Outcome.RETRYING
    )


def test_pending_retry_round_trips_without_secrets(inbox: HttpInbox, log: MemoryLog) -> None:
    headers = (Header("X-Token", "tok-secret", secret=True), Header("X-Plain", "p"))
    delivery = replace(
        webhook(
            inbox.url, RetryPolicy(RetryKind.EXPONENTIAL, jitter=0.3), headers=headers, signing_secret=SECRET
        ),
        body=b"\xff\x00 exact",
        customer_id=3,
        is_test=True,
    )
    text = PendingRetry(delivery, 2, T0 + 5).to_json()
    assert "tok-secret" not in text and SECRET[6:] not in text
    restored = PendingRetry.from_json(text)
    assert (restored.attempt, restored.due_at) == (2, T0 + 5)
    assert restored.delivery.with_secrets({"X-Token": "tok-secret"}, SECRET) == delivery
    mail = Delivery("m", EmailTarget(("a@x.example",)), "shipped", email=EmailParts("s", "<p>h</p>", "t"))
    assert PendingRetry.from_json(PendingRetry(mail, 3, T0).to_json()).delivery == mail
    with pytest.raises(ValueError, match="not a stored pending retry"):
        PendingRetry.from_json('{"attempt": 1}')


def test_resumed_signed_retry_without_its_secret_is_not_sent_unsigned(
    inbox: HttpInbox, log: MemoryLog
) -> None:
    pending = PendingRetry(webhook(inbox.url, signing_secret=SECRET), 2, T0)
    restored = PendingRetry.from_json(pending.to_json())
    with Dispatcher(log) as dispatcher:
        report = dispatcher.attempt(restored.delivery, restored.attempt)
    assert report.record.outcome is Outcome.FAILED and "no signing secret" in report.record.error
    assert inbox.requests == []
