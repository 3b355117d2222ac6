"""The local inbox bounds what one client can cost, and its store keeps no secret header values.

Real sockets against the real receiver on 127.0.0.1; every socket the test opens has its own timeout,
so a receiver that does not bound something fails the test instead of hanging it.
"""

from __future__ import annotations

import argparse
import io
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import redirect_stdout
from pathlib import Path

import pytest

from postback_studio.commands import inbox as inbox_command
from postback_studio.core.dispatch.inbox import TRUNCATED_HEADER, HttpInbox, InboxLimits, ReceivedRequest
from postback_studio.core.model import Event, Header, Trigger
from postback_studio.core.render.engine import RenderEngine
from postback_studio.services.delivery import DeliveryService
from postback_studio.storage.workspace import Workspace

CAP = 64 * 1024


@pytest.fixture
def received() -> list[ReceivedRequest]:
    return []


@pytest.fixture
def make_inbox(received: list[ReceivedRequest]) -> Iterator[Callable[..., HttpInbox]]:
    started: list[HttpInbox] = []

    def make(**limits: float) -> HttpInbox:
        bounds = InboxLimits(max_body_bytes=CAP, **limits)  # type: ignore[arg-type]
        server = HttpInbox(sink=received.append, limits=bounds)
        started.append(server.start())
        return server

    yield make
    for server in started:
        server.stop()


def connect(server: HttpInbox, timeout: float = 10.0) -> socket.socket:
    return socket.create_connection(("127.0.0.1", server.port), timeout=timeout)


def status_of(sock: socket.socket) -> int:
    reply = b""
    while b"\r\n" not in reply:
        chunk = sock.recv(4096)
        if not chunk:
            break
        reply += chunk
    return int(reply.split(b" ")[1]) if reply else 0


def closed_by_peer(sock: socket.socket) -> bool:
    try:
        while True:
            if not sock.recv(4096):
                return True
    except TimeoutError:
        return False
    except ConnectionResetError:
        return True


def test_a_body_longer_than_the_cap_is_kept_up_to_it_and_answered_413(
    make_inbox: Callable[..., HttpInbox], received: list[ReceivedRequest]
) -> None:
    server = make_inbox()
    declared = 400 * 1024 * 1024
    with connect(server) as sock:
        sock.sendall(f"POST /hook HTTP/1.1\r\nHost: x\r\nContent-Length: {declared}\r\n\r\n".encode())
        sock.sendall(b"x" * (CAP * 2))
        assert status_of(sock) == 413
    [request] = received
    assert request.body == b"x" * CAP and request.truncated and request.response_status == 413
    assert f"{CAP} of {declared}" in (request.header(TRUNCATED_HEADER) or "")


def test_a_chunked_body_that_never_ends_is_cut_at_the_cap(
    make_inbox: Callable[..., HttpInbox], received: list[ReceivedRequest]
) -> None:
    server = make_inbox()
    with connect(server) as sock:
        sock.sendall(b"POST /hook HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
        chunk = b"4000\r\n" + b"y" * 0x4000 + b"\r\n"
        sent = 0
        try:
            while sent < CAP * 64:  # far more than the cap, and no final chunk
                sock.sendall(chunk)
                sent += 0x4000
        except OSError:
            pass  # the receiver stopped reading and closed: what it should do
        assert status_of(sock) == 413
    [request] = received
    assert request.body == b"y" * CAP and request.truncated


def test_one_huge_chunk_is_not_read_whole(
    make_inbox: Callable[..., HttpInbox], received: list[ReceivedRequest]
) -> None:
    server = make_inbox()
    with connect(server) as sock:
        sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffff\r\n")
        sock.sendall(b"z" * (CAP + 10))
        assert status_of(sock) == 413
    assert received[0].body == b"z" * CAP


@pytest.mark.parametrize(
    "framing",
    [b"Content-Length: abc\r\n", b"Content-Length: -5\r\n", b"Transfer-Encoding: chunked\r\n"],
)
def test_bad_framing_is_a_400(make_inbox: Callable[..., HttpInbox], framing: bytes) -> None:
    server = make_inbox()
    with connect(server) as sock:
        sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\n" + framing + b"\r\nzz\r\n")
        assert status_of(sock) == 400


def test_a_body_within_the_cap_is_kept_whole(
    make_inbox: Callable[..., HttpInbox], received: list[ReceivedRequest]
) -> None:
    server = make_inbox()
    with connect(server) as sock:
        sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
        sock.sendall(b"3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n")
        assert status_of(sock) == 200
    assert received[0].body == b"abcde" and not received[0].truncated


@pytest.mark.parametrize(
    "sent",
    [b"", b"POST /hook HTTP/1.1\r\nHost: x\r\n", b"POST /hook HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc"],
    ids=["idle", "half-sent-headers", "half-sent-body"],
)
def test_silent_connections_are_closed_after_the_idle_timeout(
    make_inbox: Callable[..., HttpInbox], sent: bytes
) -> None:
    server = make_inbox(idle_timeout=0.5)
    with connect(server, timeout=10.0) as sock:
        sock.sendall(sent)
        assert closed_by_peer(sock)


def test_a_body_that_trickles_in_is_stopped_at_the_body_timeout(
    make_inbox: Callable[..., HttpInbox], received: list[ReceivedRequest]
) -> None:
    server = make_inbox(idle_timeout=5.0, body_timeout=0.5)
    with connect(server) as sock:
        sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n")
        status = 0
        for _ in range(100):
            try:
                sock.sendall(b"a")
            except OSError:
                break
            time.sleep(0.05)
            sock.settimeout(0.01)
            try:
                status = status_of(sock)
            except TimeoutError:
                continue
            break
        sock.settimeout(10.0)
        assert status == 408 or status_of(sock) == 408
    [request] = received
    assert request.truncated and 0 < len(request.body) < 1000


def test_connections_beyond_the_bound_are_answered_503(make_inbox: Callable[..., HttpInbox]) -> None:
    server = make_inbox(max_connections=2, idle_timeout=10.0)
    held = [connect(server), connect(server)]
    try:
        time.sleep(0.2)  # both are being served (and wait for a request line)
        with connect(server) as third:
            assert status_of(third) == 503
        for sock in held:
            sock.close()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:  # the slots come back once the held ones are gone
            with connect(server) as sock:
                sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
                if status_of(sock) == 200:
                    break
        else:
            pytest.fail("the receiver never served again")
    finally:
        for sock in held:
            sock.close()


def test_the_store_redacts_credential_and_secret_marked_headers(tmp_path: Path) -> None:
    path = tmp_path / "ws.sqlite"
    with Workspace.open(path) as ws:
        customer = ws.customers.list()[0]
        assert customer.id is not None
        ws.triggers.save(
            Trigger(
                "hook",
                customer.id,
                Event.SHIPPED,
                url="https://receiver.example/",
                headers=(Header("X-Shop-Key", "k3y-value-000", secret=True), Header("X-Plain", "visible")),
            )
        )
    with RenderEngine() as engine, DeliveryService(lambda: Workspace.open(path), engine) as service:
        recorder = service.inbox_recorder()
        with HttpInbox(sink=recorder.http) as server, connect(server) as sock:
            sock.sendall(
                b"POST / HTTP/1.1\r\nHost: x\r\nx-shop-key:  k3y-value-000 \r\n"
                b"Authorization: Bearer t0ken-value\r\nCookie: session=c00kie\r\nX-Plain: visible\r\n"
                b"Content-Length: 2\r\n\r\n{}"
            )
            assert status_of(sock) == 200
            assert server.wait_for(1)
            assert server.requests[0].header("Authorization") == "Bearer t0ken-value"  # the live view
        service.flush()
    with Workspace.open(path) as ws:
        [stored] = ws.inbox.list_http()
    headers = dict(stored.headers)
    assert headers["x-shop-key"] == headers["Authorization"] == headers["Cookie"] == "<redacted>"
    assert headers["X-Plain"] == "visible"
    wal = path.with_name(path.name + "-wal")
    raw = path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")
    for secret in (b"t0ken-value", b"c00kie"):  # (the trigger's own secret is in the secret store)
        assert secret not in raw


def test_the_cli_takes_the_body_cap(tmp_path: Path) -> None:
    args = argparse.Namespace(
        workspace=str(tmp_path / "ws.sqlite"), http_port=0, smtp_port=0, script="200", max_body=0.001
    )
    stop = threading.Event()
    out = io.StringIO()
    result: list[int] = []
    with redirect_stdout(out):
        runner = threading.Thread(target=lambda: result.append(inbox_command.run(args, stop)), daemon=True)
        runner.start()
        try:
            deadline = time.monotonic() + 20
            while "webhooks to" not in out.getvalue() and time.monotonic() < deadline:
                time.sleep(0.05)
            url = out.getvalue().split("webhooks to ")[1].split("/...")[0]
            port = int(url.rsplit(":", 1)[1])
            with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
                sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n" + b"b" * 5000)
                assert status_of(sock) == 413
            time.sleep(0.3)
        finally:
            stop.set()
            runner.join(20)
    assert result == [0]
    assert "1048 bytes" in out.getvalue() and "truncated" in out.getvalue()
    bad = argparse.Namespace(**{**vars(args), "max_body": 0})
    assert inbox_command.run(bad, threading.Event()) == 2
