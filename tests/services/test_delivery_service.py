"""The delivery service against real workspace files, the local inbox and aiosmtpd on 127.0.0.1."""

from __future__ import annotations

import email
import io
import ssl
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any

import pytest
import requests
from requests.adapters import BaseAdapter
from standardwebhooks import Webhook

from postback_studio.core.dispatch.inbox import HttpInbox, ResponseScript, SmtpCatcher, SmtpCatcherOptions
from postback_studio.core.dispatch.plan import WebhookTarget
from postback_studio.core.model import (
    LIFECYCLE,
    Event,
    Header,
    OutputFormat,
    RetryPolicy,
    SmtpSettings,
    Template,
    TemplateKind,
    TlsMode,
    Trigger,
    TriggerStatus,
)
from postback_studio.core.render.engine import RenderEngine
from postback_studio.core.render.worker_process import WorkerStartError
from postback_studio.core.requestlog import Outcome, RequestRecord
from postback_studio.core.samples import load_sample
from postback_studio.services.delivery import DeliveryService, SendOptions
from postback_studio.services.delivery.credentials import insecure_credentials
from postback_studio.storage.seed import DEMO_CUSTOMER
from postback_studio.storage.workspace import Workspace

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
USER, PASSWORD = "studio", "pa55-w0rd!"
SIMPLE = '{"event": {{ eventType|tojson }}, "order": {{ orderReferenceId|tojson }}}'


class FakeClock:
    """Starts at the real time (signatures are checked against it) and moves only when slept."""

    def __init__(self) -> None:
        self.now = datetime.now(tz=UTC).timestamp()
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture(scope="module")
def engine() -> Iterator[RenderEngine]:
    with RenderEngine() as e:
        yield e


@pytest.fixture
def path(tmp_path: Path) -> Path:
    target = tmp_path / "ws.sqlite"
    Workspace.open(target).close()
    return target


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def records() -> list[RequestRecord]:
    return []


@pytest.fixture
def make_service(
    path: Path, engine: RenderEngine, clock: FakeClock, records: list[RequestRecord]
) -> Iterator[Callable[..., DeliveryService]]:
    made: list[DeliveryService] = []

    def make(**kwargs: Any) -> DeliveryService:
        kwargs.setdefault("clock", clock)
        kwargs.setdefault("sleeper", clock.sleep)
        kwargs.setdefault("on_attempt", records.append)
        service = DeliveryService(lambda: Workspace.open(path), engine, **kwargs)
        made.append(service)
        return service

    yield make
    for service in made:
        service.close()


@pytest.fixture
def service(make_service: Callable[..., DeliveryService]) -> DeliveryService:
    return make_service()


def demo_trigger(path: Path, **changes: Any) -> Trigger:
    """The seeded webhook trigger, re-aimed and changed as asked, saved."""
    with Workspace.open(path) as ws:
        customer = ws.customers.get_by_name(DEMO_CUSTOMER)
        assert customer is not None and customer.id is not None
        trigger = ws.triggers.get_by_name(customer.id, "Order shipped to local inbox")
        assert trigger is not None
        return ws.triggers.save(replace(trigger, **changes))


def add_template(path: Path, name: str, body: str, fmt: OutputFormat = OutputFormat.JSON) -> int:
    with Workspace.open(path) as ws:
        template = ws.templates.save(Template(name=name, format=fmt, body=body))
        assert template.id is not None
        return template.id


def add_trigger(path: Path, name: str, event: Event, url: str, template_id: int, **more: Any) -> Trigger:
    with Workspace.open(path) as ws:
        customer = ws.customers.get_by_name(DEMO_CUSTOMER)
        assert customer is not None and customer.id is not None
        more.setdefault("status", TriggerStatus.ACTIVE)
        return ws.triggers.save(
            Trigger(name=name, customer_id=customer.id, event=event, url=url, template_id=template_id, **more)
        )


def logged(path: Path) -> list[RequestRecord]:
    with Workspace.open(path) as ws:
        return list(reversed(ws.requests.query(limit=100_000)))


def demo_customer_id(path: Path) -> int:
    with Workspace.open(path) as ws:
        customer = ws.customers.get_by_name(DEMO_CUSTOMER)
        assert customer is not None and customer.id is not None
        return customer.id


def test_send_test_sends_the_rendered_bytes(
    path: Path, service: DeliveryService, inbox: HttpInbox, engine: RenderEngine, records: list[RequestRecord]
) -> None:
    trigger = demo_trigger(path, url=inbox.url + "/postbacks", status=TriggerStatus.DRAFT)
    assert trigger.id is not None and trigger.template_id is not None
    payload = load_sample("shipped")
    report = service.send_test(trigger.id, payload)
    assert report.delivered
    with Workspace.open(path) as ws:
        template = ws.templates.get(trigger.template_id)
        lookups = ws.lookups.lookup_set_for(trigger.customer_id)
    expected = engine.render_template(template, payload, lookups=lookups).parts["body"].output
    assert (
        expected is not None and "UPS SurePost" in expected
    )  # from the lookup table ("UPS Surepost" in the payload)
    [got] = inbox.requests
    assert got.body == expected.encode("utf-8") and got.path == "/postbacks"
    assert got.header("Content-Type") == "application/json"
    [entry] = logged(path)
    assert entry.is_test and entry.outcome is Outcome.DELIVERED and entry.request_body == got.body
    assert entry.customer_name == DEMO_CUSTOMER and '"outputs"' in entry.processing
    assert [r.id for r in records] == [entry.id]


def test_scripted_503_twice_then_200_gives_three_entries_for_one_delivery(
    path: Path, service: DeliveryService, inbox: HttpInbox, clock: FakeClock
) -> None:
    inbox.set_script(ResponseScript.parse("503x2, 200"))
    trigger = demo_trigger(path, url=inbox.url, signing=True, signing_secret=SECRET)
    assert trigger.id is not None
    start = clock.now
    report = service.send_test(trigger.id, load_sample("shipped"), SendOptions(wait=True))
    assert report.delivered and clock.sleeps == [5.0, 5.0]
    entries = logged(path)
    assert [e.outcome for e in entries] == [Outcome.RETRYING, Outcome.RETRYING, Outcome.DELIVERED]
    assert {e.delivery_id for e in entries} == {report.delivery_id}
    assert [e.attempt for e in entries] == [1, 2, 3]
    assert [e.started_at - start for e in entries] == [0.0, 5.0, 10.0]
    assert [r.header("webhook-id") for r in inbox.requests] == [report.delivery_id] * 3
    for got in inbox.requests:
        Webhook(SECRET).verify(got.body, dict(got.headers))
    assert all(SECRET[6:] not in repr(e) for e in entries)


def test_always_failing_receiver_ends_failed(path: Path, service: DeliveryService, inbox: HttpInbox) -> None:
    inbox.set_script(ResponseScript.always(500))
    trigger = demo_trigger(path, url=inbox.url)
    assert trigger.id is not None
    report = service.send_test(trigger.id, load_sample("shipped"), SendOptions(wait=True))
    assert report.outcome is Outcome.FAILED and len(inbox.requests) == 3
    assert [e.outcome for e in logged(path)] == [Outcome.RETRYING, Outcome.RETRYING, Outcome.FAILED]
    assert service.pending() == []


def test_pending_retries_survive_a_restart_and_can_be_cancelled(
    path: Path, make_service: Callable[..., DeliveryService], inbox: HttpInbox, clock: FakeClock
) -> None:
    inbox.set_script(ResponseScript.parse("503x2, 200"))
    trigger = demo_trigger(
        path, url=inbox.url, signing=True, signing_secret=SECRET, headers=(Header("X-Token", "tok-1", True),)
    )
    assert trigger.id is not None
    first = make_service()
    kept = first.send_test(trigger.id, load_sample("shipped"))
    dropped = first.send_test(trigger.id, load_sample("shipped"))
    assert kept.outcome is dropped.outcome is Outcome.RETRYING
    due = {p.delivery.delivery_id: p.due_at for p in first.pending()}
    assert due == {kept.delivery_id: clock.now + 5, dropped.delivery_id: clock.now + 5}
    assert all(p.delivery.target.headers[0].value == "" for p in first.pending())  # type: ignore[union-attr]
    first.close()

    restarted = make_service()
    assert restarted.cancel(dropped.delivery_id) is not None
    assert restarted.resume_pending() == []  # nothing due yet
    clock.now += 5
    [resumed] = restarted.resume_pending()
    assert resumed.record.delivery_id == kept.delivery_id and resumed.record.outcome is Outcome.DELIVERED
    assert len(inbox.requests) == 3
    last = inbox.requests[-1]
    assert last.header("webhook-id") == kept.delivery_id and last.header("X-Token") == "tok-1"
    Webhook(SECRET).verify(last.body, dict(last.headers))
    assert restarted.pending() == []
    outcomes = [(e.delivery_id, e.outcome) for e in logged(path)]
    assert (dropped.delivery_id, Outcome.CANCELED) in outcomes
    assert (kept.delivery_id, Outcome.DELIVERED) in outcomes
    assert sum(d == dropped.delivery_id for d, _ in outcomes) == 2


def test_render_failure_and_invalid_output_are_logged_not_sent(
    path: Path, service: DeliveryService, inbox: HttpInbox
) -> None:
    broken = add_template(path, "Broken", '{"a": {{ orderId }')
    invalid = add_template(path, "Invalid", '{"a": {{ orderId|tojson }},}')
    failing = add_trigger(path, "Broken hook", Event.SHIPPED, inbox.url, broken)
    blocked = add_trigger(path, "Invalid hook", Event.SHIPPED, inbox.url, invalid)
    assert failing.id is not None and blocked.id is not None
    payload = load_sample("shipped")
    assert service.send_test(failing.id, payload).outcome is Outcome.RENDER_FAILED
    assert service.send_test(blocked.id, payload).outcome is Outcome.BLOCKED
    assert inbox.requests == []
    render_failed, not_sent = logged(path)
    assert render_failed.outcome is Outcome.RENDER_FAILED and "failed to render" in render_failed.error
    assert '"severity": "error"' in render_failed.processing and render_failed.request_body == b""
    assert not_sent.outcome is Outcome.BLOCKED and "not valid JSON" in not_sent.error
    report = service.send_test(blocked.id, payload, SendOptions(send_anyway=True))
    assert report.delivered and inbox.requests[0].body.endswith(b",}")


def test_signing_trigger_without_secret_fails_clearly(
    path: Path, service: DeliveryService, inbox: HttpInbox
) -> None:
    trigger = demo_trigger(path, url=inbox.url, signing=True, signing_secret="")
    assert trigger.id is not None
    report = service.send_test(trigger.id, load_sample("shipped"))
    assert report.outcome is Outcome.FAILED and "no signing secret" in logged(path)[0].error
    assert inbox.requests == []


def test_fire_event_uses_only_active_triggers(path: Path, service: DeliveryService, inbox: HttpInbox) -> None:
    demo_trigger(path, url=inbox.url + "/active")
    template = add_template(path, "Simple", SIMPLE)
    add_trigger(path, "Draft", Event.SHIPPED, inbox.url + "/draft", template, status=TriggerStatus.DRAFT)
    add_trigger(path, "Off", Event.SHIPPED, inbox.url + "/off", template, status=TriggerStatus.INACTIVE)
    add_trigger(path, "Other event", Event.RECEIVED, inbox.url + "/received", template)
    add_trigger(path, "Second", Event.SHIPPED, inbox.url + "/second", template)
    reports = service.fire_event(demo_customer_id(path), Event.SHIPPED, load_sample("shipped"))
    assert all(r.delivered for r in reports) and len(reports) == 2
    assert sorted(r.path for r in inbox.requests) == ["/active", "/second"]
    assert not any(e.is_test for e in logged(path))


def test_simulate_sequence_fires_the_lifecycle_in_order_for_one_order(
    path: Path, service: DeliveryService, inbox: HttpInbox
) -> None:
    demo_trigger(path, status=TriggerStatus.INACTIVE)
    template = add_template(path, "Simple", SIMPLE)
    for event in Event:
        add_trigger(path, f"On {event.value}", event, inbox.url, template)
    reports = service.simulate(demo_customer_id(path), LIFECYCLE)
    assert len(reports) == len(LIFECYCLE) and all(r.delivered for r in reports)
    bodies = [r.body for r in inbox.requests]
    assert bodies == [f'{{"event": "{e.value}", "order": "ACME-100234"}}'.encode() for e in LIFECYCLE]


def test_batch_of_1000_orders_is_received_once_and_all_logged(
    path: Path, make_service: Callable[..., DeliveryService], inbox: HttpInbox, records: list[RequestRecord]
) -> None:
    demo_trigger(path, status=TriggerStatus.INACTIVE)
    template = add_template(path, "Simple", SIMPLE)
    add_trigger(path, "On shipped", Event.SHIPPED, inbox.url, template)
    service = make_service(workers=8)
    reports = service.simulate(demo_customer_id(path), [Event.SHIPPED], orders=1000)
    assert len(reports) == 1000 and all(r.delivered for r in reports)
    assert inbox.wait_for(1000, timeout=5)
    orders = [r.body for r in inbox.requests]
    assert len(orders) == len(set(orders)) == 1000
    entries = logged(path)
    assert len(entries) == 1000 and {e.delivery_id for e in entries} == {r.delivery_id for r in reports}
    assert len(records) == 1000 and all(r.id is not None for r in records)


@pytest.fixture
def catcher(server_context: ssl.SSLContext) -> Iterator[SmtpCatcher]:
    options = SmtpCatcherOptions(tls_context=server_context, require_tls=True, credentials={USER: PASSWORD})
    with SmtpCatcher(options=options) as server:
        yield server


def test_email_trigger_over_starttls_and_auth(
    path: Path, make_service: Callable[..., DeliveryService], catcher: SmtpCatcher, ca_file: Path
) -> None:
    with Workspace.open(path) as ws:
        ws.smtp.set(
            SmtpSettings(
                sender_email="noreply@psp.example",
                sender_name="Print Co",
                host="127.0.0.1",
                port=catcher.port,
                username=USER,
                password=PASSWORD,
                tls_mode=TlsMode.STARTTLS,
            )
        )
        customer_id = demo_customer_id(path)
        trigger = ws.triggers.get_by_name(customer_id, "Order shipped email")
        assert trigger is not None and trigger.id is not None and trigger.template_id is not None
        template = ws.templates.get(trigger.template_id)
    assert template.kind is TemplateKind.EMAIL
    service = make_service(smtp_ca_file=ca_file)
    report = service.send_test(trigger.id, load_sample("shipped"))
    assert report.delivered
    [message] = catcher.messages
    parsed = email.message_from_bytes(message.data, policy=default)
    assert isinstance(parsed, EmailMessage)
    assert "ACME-100234" in str(parsed["Subject"])
    assert message.tls and message.authenticated_as == USER
    html, text = parsed.get_body(("html",)), parsed.get_body(("plain",))
    assert html is not None and text is not None and "ACME-100234" in text.get_content()
    [entry] = logged(path)
    assert "STARTTLS" in entry.smtp_transcript and PASSWORD not in entry.smtp_transcript
    assert service.test_smtp().ok


class _RecordingAdapter(BaseAdapter):
    """A transport that answers 200 without a network: for URLs that must not be reached."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[requests.PreparedRequest] = []

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        self.sent.append(request)
        response = requests.Response()
        response.status_code = 200
        response.reason = "OK"
        response.url = request.url or ""
        response.request = request
        response.raw = io.BytesIO(b"ok")
        return response

    def close(self) -> None:
        pass


def test_credentials_over_plain_http_are_refused_unless_allowed(
    path: Path, make_service: Callable[..., DeliveryService]
) -> None:
    adapter = _RecordingAdapter()

    def session() -> requests.Session:
        s = requests.Session()
        s.mount("http://", adapter)
        return s

    service = make_service(session_factory=session)
    url = "http://receiver.example/hook"
    trigger = demo_trigger(path, url=url, headers=(Header("Authorization", "Bearer tok-123"),))
    assert trigger.id is not None
    report = service.send_test(trigger.id, load_sample("shipped"))
    assert report.outcome is Outcome.BLOCKED and adapter.sent == []
    error = logged(path)[0].error
    assert "Authorization" in error and url in error and "tok-123" not in error
    allowed = service.send_test(trigger.id, load_sample("shipped"), SendOptions(allow_insecure=True))
    assert allowed.delivered and adapter.sent[0].headers["Authorization"] == "Bearer tok-123"
    assert (
        insecure_credentials(WebhookTarget("http://127.0.0.1:9/x", headers=(Header("X-API-KEY", "k"),))) == ""
    )
    assert insecure_credentials(WebhookTarget("https://a.example/x", headers=(Header("Cookie", "c"),))) == ""
    assert "X-Shop" in insecure_credentials(
        WebhookTarget("http://a.example/x", headers=(Header("X-Shop", "s", True),))
    )


def test_resend_sends_the_logged_bytes_again(path: Path, service: DeliveryService, inbox: HttpInbox) -> None:
    trigger = demo_trigger(path, url=inbox.url)
    assert trigger.id is not None
    first = service.send_test(trigger.id, load_sample("shipped"))
    [entry] = logged(path)
    assert entry.id is not None
    [again] = service.resend([entry.id])
    assert again.delivered and again.delivery_id != first.delivery_id
    assert inbox.requests[0].body == inbox.requests[1].body


def test_inbox_recorder_stores_what_arrives(path: Path, service: DeliveryService) -> None:
    seen: list[int | None] = []
    recorder = service.inbox_recorder(on_http=lambda r: seen.append(r.id))
    with HttpInbox(sink=recorder.http) as receiver:
        requests.post(receiver.url + "/x", data=b"exact \x00 bytes", timeout=5).raise_for_status()
    with Workspace.open(path) as ws:
        [stored] = ws.inbox.list_http()
    assert stored.body == b"exact \x00 bytes" and stored.path == "/x" and seen == [stored.id]


def test_retry_policy_from_the_trigger_is_used(
    path: Path, service: DeliveryService, inbox: HttpInbox
) -> None:
    inbox.set_script(ResponseScript.always(503))
    trigger = demo_trigger(path, url=inbox.url, retry=RetryPolicy.none())
    assert trigger.id is not None
    assert (
        service.send_test(trigger.id, load_sample("shipped"), SendOptions(wait=True)).outcome
        is Outcome.FAILED
    )
    assert len(inbox.requests) == 1


class _BrokenEngine(RenderEngine):
    def render_template(self, *args: Any, **kwargs: Any) -> Any:
        raise WorkerStartError("the render worker process did not start")


def test_a_render_worker_that_cannot_start_is_a_logged_render_failure(
    path: Path, clock: FakeClock, inbox: HttpInbox
) -> None:
    trigger = demo_trigger(path, url=inbox.url)
    assert trigger.id is not None
    with (
        _BrokenEngine() as engine,
        DeliveryService(lambda: Workspace.open(path), engine, clock=clock) as service,
    ):
        report = service.send_test(trigger.id, load_sample("shipped"))
    assert report.outcome is Outcome.RENDER_FAILED and inbox.requests == []
    assert "render worker failed to start" in logged(path)[0].error
