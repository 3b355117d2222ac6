"""Failing webhook receivers, through the dispatcher into a real workspace's request log.

Each case asserts: no exception escapes, every attempt the dispatcher made is in the log (none lost,
none extra), the final outcome, and a diagnosis a person can act on.
"""

from __future__ import annotations

import contextlib
import gzip
import socket
import threading
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from postback_studio.core.dispatch.delivery import Dispatcher, MemoryLog, MemoryPendingStore, SessionFactory
from postback_studio.core.dispatch.inbox import HttpInbox, ResponseScript
from postback_studio.core.dispatch.plan import Delivery, WebhookTarget, new_delivery_id
from postback_studio.core.dispatch.report import DeliveryReport
from postback_studio.core.dispatch.transport import make_session
from postback_studio.core.dispatch.webhook import WebhookOptions
from postback_studio.core.model import RetryPolicy
from postback_studio.core.requestlog import Outcome, RequestRecord
from postback_studio.storage.workspace import Workspace
from tests.faults.conftest import FakeClock, FaultTable

#: For receivers that answer: timeouts far beyond any answer, so a loaded machine cannot fail them.
OPTIONS = WebhookOptions(connect_timeout=10.0, read_timeout=30.0, max_response_bytes=1024 * 1024)
#: For the receiver that never answers, where the read timeout is the point.
SHORT = WebhookOptions(connect_timeout=10.0, read_timeout=0.5, max_response_bytes=1024 * 1024)
#: For the mixed batch: generous for the receivers that answer, short enough that the silent ones
#: (which time out in parallel) cost a few seconds.
BATCH = WebhookOptions(connect_timeout=10.0, read_timeout=5.0, max_response_bytes=1024 * 1024)
SILENT_ROUNDS = 4
BODY = b'{"orderId": "A-1", "status": "shipped"}'


def deliver(
    ws: Workspace,
    clock: FakeClock,
    url: str,
    *,
    retry: RetryPolicy | None = None,
    session_factory: SessionFactory = make_session,
    options: WebhookOptions = OPTIONS,
) -> tuple[DeliveryReport, list[RequestRecord]]:
    """One delivery through a dispatcher logging into ``ws``; its report and what the log holds."""
    delivery = Delivery(
        delivery_id=new_delivery_id(),
        target=WebhookTarget(url),
        event="shipped",
        body=BODY,
        retry=retry or RetryPolicy.gelato(),
        payload='{"orderId": "A-1"}',
        trigger_name="fault case",
    )
    with Dispatcher(
        ws.requests,
        session_factory=session_factory,
        webhook_options=options,
        clock=clock,
        sleeper=clock.sleep,
    ) as dispatcher:
        report = dispatcher.deliver(delivery)
    logged = ws.requests.for_delivery(delivery.delivery_id)
    assert len(logged) == len(report.attempts), "every attempt is logged once"
    assert [r.attempt for r in logged] == list(range(1, len(logged) + 1))
    assert logged[-1].outcome is report.outcome
    assert all(r.request_body == BODY for r in logged), "the exact bytes sent are kept"
    return report, logged


@pytest.fixture
def one_shot_server() -> Iterator[Callable[[Callable[[socket.socket], None]], str]]:
    """Start raw TCP servers on 127.0.0.1 that run a handler per connection; yields a starter."""
    listeners: list[socket.socket] = []
    threads: list[threading.Thread] = []

    def start(handler: Callable[[socket.socket], None]) -> str:
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        listeners.append(listener)

        def handle(conn: socket.socket) -> None:
            with conn, contextlib.suppress(OSError):
                handler(conn)

        def serve() -> None:
            while True:
                try:
                    conn, _ = listener.accept()
                except OSError:
                    return
                worker = threading.Thread(target=handle, args=(conn,), daemon=True)
                worker.start()
                threads.append(worker)

        thread = threading.Thread(target=serve, daemon=True)
        thread.start()
        threads.append(thread)
        return f"http://127.0.0.1:{listener.getsockname()[1]}/hook"

    yield start
    for listener in listeners:
        with contextlib.suppress(OSError):
            listener.shutdown(socket.SHUT_RDWR)  # wakes the accept() of its thread
        listener.close()
    for thread in threads:
        thread.join(timeout=5)


def _read_request(conn: socket.socket) -> None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    length = next(
        (
            int(line.split(b":")[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        ),
        0,
    )
    while len(rest) < length:
        chunk = conn.recv(65536)
        if not chunk:
            return
        rest += chunk


def test_connection_refused_is_retried_then_failed(
    ws: Workspace, clock: FakeClock, closed_port: int, fault_table: FaultTable
) -> None:
    _, logged = deliver(ws, clock, f"http://127.0.0.1:{closed_port}/hook")
    assert [r.outcome for r in logged] == [Outcome.RETRYING, Outcome.RETRYING, Outcome.FAILED]
    assert all("connection was refused" in r.error for r in logged)
    assert all(r.response_status is None for r in logged)
    assert clock.sleeps == [5.0, 5.0]
    fault_table.record_attempts("webhook", "connection refused (nothing listening)", logged)


def test_reset_in_the_middle_of_the_response(
    ws: Workspace, clock: FakeClock, one_shot_server: Callable[..., str], fault_table: FaultTable
) -> None:
    def reset_mid_body(conn: socket.socket) -> None:
        _read_request(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + b'{"partial": ')
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")

    report, logged = deliver(ws, clock, one_shot_server(reset_mid_body), retry=RetryPolicy.none())
    (record,) = logged
    assert record.outcome is Outcome.FAILED and not report.delivered
    assert record.response_status == 200
    assert "The response was cut off" in record.error and "reset the connection" in record.error
    fault_table.record_attempts("webhook", "connection reset in the middle of the response body", logged)


def test_a_server_that_never_answers_times_out(
    ws: Workspace, clock: FakeClock, one_shot_server: Callable[..., str], fault_table: FaultTable
) -> None:
    released = threading.Event()

    def silent(conn: socket.socket) -> None:
        _read_request(conn)
        released.wait(10)

    try:
        _, logged = deliver(ws, clock, one_shot_server(silent), retry=RetryPolicy.none(), options=SHORT)
    finally:
        released.set()
    (record,) = logged
    assert record.outcome is Outcome.FAILED
    assert "did not answer within 0.5 s" in record.error
    fault_table.record_attempts("webhook", "server accepts but never answers (read timeout 0.5 s)", logged)


def test_429_with_retry_after_waits_at_least_that_long(
    ws: Workspace, clock: FakeClock, fault_table: FaultTable
) -> None:
    with HttpInbox() as inbox:
        inbox.set_script(ResponseScript.parse("429 retry-after=12, 200"))
        _, logged = deliver(ws, clock, inbox.url)
        received = inbox.requests
    assert [r.outcome for r in logged] == [Outcome.RETRYING, Outcome.DELIVERED]
    assert logged[0].response_status == 429 and logged[0].next_attempt_at == logged[0].started_at + 12
    assert clock.sleeps == [12.0] and len(received) == 2
    assert logged[0].error == "HTTP 429 Too Many Requests. Attempt 2 scheduled."
    fault_table.record_attempts("webhook", "429 with Retry-After: 12, then 200", logged)


def test_500_then_200_is_delivered_on_the_second_attempt(
    ws: Workspace, clock: FakeClock, fault_table: FaultTable
) -> None:
    with HttpInbox() as inbox:
        inbox.set_script(ResponseScript.parse("500, 200"))
        report, logged = deliver(ws, clock, inbox.url)
        received = inbox.requests
    assert report.delivered and [r.outcome for r in logged] == [Outcome.RETRYING, Outcome.DELIVERED]
    assert [r.response_status for r in logged] == [500, 200]
    assert [r.body for r in received] == [BODY, BODY]
    assert "HTTP 500" in logged[0].error and logged[1].error == ""
    fault_table.record_attempts("webhook", "500, then 200", logged)


def test_self_signed_certificate_without_then_with_the_ca_file(
    ws: Workspace, clock: FakeClock, https_server: HTTPServer, ca_file: Path, fault_table: FaultTable
) -> None:
    https_server.expect_request("/hook").respond_with_data("ok")
    url = https_server.url_for("/hook")
    assert url.startswith("https://127.0.0.1")
    report, logged = deliver(ws, clock, url)
    (record,) = logged  # an untrusted certificate stays untrusted: not retried
    assert record.outcome is Outcome.FAILED and "certificate was rejected" in record.error
    assert "CA file" in record.error
    fault_table.record_attempts("webhook", "self-signed certificate, CA not trusted", logged)
    report, logged = deliver(ws, clock, url, session_factory=lambda: make_session(ca_file=ca_file))
    assert report.delivered and logged[0].response_body == b"ok"
    fault_table.record_attempts("webhook", "self-signed certificate, its CA file configured", logged)


def test_unresolvable_host_is_diagnosed_without_leaving_the_machine(
    ws: Workspace, clock: FakeClock, fault_table: FaultTable
) -> None:
    """The tests' conftest refuses every non-loopback lookup, so no DNS query leaves the machine."""
    _, logged = deliver(ws, clock, "https://receiver.invalid/hook", retry=RetryPolicy.none())
    (record,) = logged
    assert record.outcome is Outcome.FAILED and "could not be resolved (DNS)" in record.error
    fault_table.record_attempts("webhook", "host under .invalid (name resolution fails)", logged)


def test_a_100_mb_response_is_read_and_stored_only_up_to_the_cap(
    ws: Workspace, clock: FakeClock, one_shot_server: Callable[..., str], fault_table: FaultTable
) -> None:
    total = 100 * 1024 * 1024
    sent = [0]

    def flood(conn: socket.socket) -> None:
        _read_request(conn)
        conn.sendall(f"HTTP/1.1 200 OK\r\nContent-Length: {total}\r\n\r\n".encode())
        chunk = b"x" * (64 * 1024)
        for _ in range(total // len(chunk)):  # a generator of chunks: the server never holds 100 MB
            conn.sendall(chunk)
            sent[0] += len(chunk)

    url = one_shot_server(flood)
    tracemalloc.start()
    try:
        _, logged = deliver(ws, clock, url, retry=RetryPolicy.none())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    (record,) = logged
    assert record.outcome is Outcome.DELIVERED and record.response_status == 200
    assert len(record.response_body) == OPTIONS.max_response_bytes
    assert record.error == "Response body truncated at the size limit."
    assert peak < 16 * 1024 * 1024, f"peak traced memory {peak / 1e6:.1f} MB"
    assert sent[0] < total, "the connection was closed instead of reading the whole body"
    fault_table.record(
        "webhook",
        "100 MB response body (1 MiB cap)",
        f"{record.outcome.value}; stored {len(record.response_body)} bytes; peak {peak / 1e6:.1f} MB traced",
        record.error,
    )


def test_a_body_dripping_in_just_inside_the_read_timeout_is_stopped(
    ws: Workspace, clock: FakeClock, one_shot_server: Callable[..., str], fault_table: FaultTable
) -> None:
    """Each byte comes within the 0.5 s read timeout, so only a bound on the whole body ends it."""
    stop = threading.Event()

    def drip(conn: socket.socket) -> None:
        _read_request(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")
        while not stop.wait(0.1):
            conn.sendall(b"x")

    options = WebhookOptions(read_timeout=0.5, body_timeout=1.0)
    try:
        _, logged = deliver(ws, clock, one_shot_server(drip), retry=RetryPolicy.none(), options=options)
    finally:
        stop.set()
    (record,) = logged
    assert record.outcome is Outcome.FAILED and record.response_status == 200
    assert "still arriving after 1 s" in record.error
    fault_table.record_attempts(
        "webhook", "body dripping one byte per 0.1 s (read timeout 0.5 s, body limit 1 s)", logged
    )


def test_an_answer_that_is_not_http_is_diagnosed(
    ws: Workspace, clock: FakeClock, one_shot_server: Callable[..., str], fault_table: FaultTable
) -> None:
    def tls_alert(conn: socket.socket) -> None:
        _read_request(conn)
        conn.sendall(b"\x15\x03\x01\x00\x02\x02\x16")  # what a TLS port answers to plain HTTP

    _, logged = deliver(ws, clock, one_shot_server(tls_alert), retry=RetryPolicy.none())
    (record,) = logged
    assert record.outcome is Outcome.FAILED and record.response_status is None
    assert "answered in TLS, not plain HTTP" in record.error and "https://" in record.error
    fault_table.record_attempts(
        "webhook", "the port answers with bytes that are not HTTP (a TLS alert)", logged
    )


def test_a_chunked_gzip_response_is_read_whole(
    ws: Workspace, clock: FakeClock, one_shot_server: Callable[..., str], fault_table: FaultTable
) -> None:
    """Control for the one-read-at-a-time body reader: transfer and content encodings still decode."""
    payload = b'{"accepted": true, "id": "' + b"7" * 5000 + b'"}'
    packed = gzip.compress(payload)

    def chunked(conn: socket.socket) -> None:
        _read_request(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Encoding: gzip\r\n\r\n")
        for start in range(0, len(packed), 100):
            piece = packed[start : start + 100]
            conn.sendall(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
        conn.sendall(b"0\r\n\r\n")

    _, logged = deliver(ws, clock, one_shot_server(chunked), retry=RetryPolicy.none())
    (record,) = logged
    assert record.outcome is Outcome.DELIVERED and record.response_body == payload
    fault_table.record_attempts("webhook", "chunked, gzip-encoded response (control)", logged)


def test_a_concurrent_batch_against_failing_receivers_logs_every_attempt_once(
    closed_port: int, one_shot_server: Callable[..., str], fault_table: FaultTable
) -> None:
    """Healthy, failing, refusing and silent receivers mixed in one parallel batch: nothing is lost.

    The batch runs on worker threads, so the log is the thread-safe in-memory sink (a workspace
    connection belongs to one thread); the point here is that concurrency loses no attempt.
    """
    released = threading.Event()

    def silent(conn: socket.socket) -> None:
        _read_request(conn)
        released.wait(60)

    log, store = MemoryLog(), MemoryPendingStore()
    with HttpInbox() as healthy, HttpInbox(ResponseScript.always(500)) as failing:
        targets = {
            "healthy": (healthy.url, Outcome.DELIVERED),
            "500": (failing.url, Outcome.RETRYING),
            "refused": (f"http://127.0.0.1:{closed_port}/", Outcome.RETRYING),
            "silent": (one_shot_server(silent), Outcome.RETRYING),
            "not found": ("https://receiver.invalid/", Outcome.RETRYING),
        }
        deliveries = [
            Delivery(f"msg_{name}_{n}", WebhookTarget(url), "shipped", body=BODY)
            for n in range(12)
            for name, (url, _) in targets.items()
            if name != "silent" or n < SILENT_ROUNDS
        ]
        try:
            with Dispatcher(log, pending=store, webhook_options=BATCH) as dispatcher:
                reports = dispatcher.run_batch(deliveries, workers=8)
        finally:
            released.set()
        received = len(healthy.requests) + len(failing.requests)
    records = log.records
    assert sorted(r.delivery_id for r in records) == sorted(d.delivery_id for d in deliveries)
    assert [r.delivery_id for r in reports] == [d.delivery_id for d in deliveries]
    for record in records:
        expected = targets[record.delivery_id.split("_")[1]][1]
        assert record.outcome is expected, record
    assert {p.delivery.delivery_id for p in store.all()} == {
        r.delivery_id for r in records if r.outcome is Outcome.RETRYING
    }
    assert received == 24
    fault_table.record(
        "webhook",
        f"{len(deliveries)} deliveries in one 8-thread batch over healthy, 500, refused, silent and "
        "unresolvable receivers",
        f"{len(records)} attempts logged for {len(deliveries)} deliveries; "
        f"{len(store.all())} retries pending",
        "each first attempt logged once, with its own diagnosis",
    )
