"""The local HTTP receiver: any method and path, answered as scripted, every cost bounded.

See the package docstring for the limits; :class:`InboxLimits` holds them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from postback_studio.core.dispatch.inbox.records import TRUNCATED_HEADER, Clock, ReceivedRequest, Recorder
from postback_studio.core.dispatch.inbox.script import ResponseScript, ScriptedResponse


@dataclass(frozen=True)
class InboxLimits:
    """What one client may cost the HTTP receiver.

    ``max_body_bytes``: the part of a body that is kept (default 10 MiB); a longer one is answered
    413. ``idle_timeout``: seconds a connection may stay silent (before a request, between keep-alive
    requests, inside a half-sent one). ``body_timeout``: seconds a whole body may take to arrive.
    ``max_connections``: connections served at once.
    """

    max_body_bytes: int = 10 * 1024 * 1024
    idle_timeout: float = 30.0
    body_timeout: float = 60.0
    max_connections: int = 32


class HttpInbox:
    """An HTTP receiver on 127.0.0.1 that accepts any method and path and answers as scripted.

    Args:
        script: What to answer; change it later with :meth:`set_script` (the request count restarts).
        sink: Called with every :class:`ReceivedRequest`, from the server's threads, one at a time.
        host: The address to bind; loopback unless the user explicitly asks otherwise.
        port: 0 picks a free port; read :attr:`port` after :meth:`start`.
        clock: Wall clock for ``received_at``.
        limits: Body size cap, timeouts and the connection bound.
    """

    def __init__(
        self,
        script: ResponseScript | None = None,
        *,
        sink: Callable[[ReceivedRequest], None] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        clock: Clock = time.time,
        limits: InboxLimits | None = None,
    ) -> None:
        self.limits = limits or InboxLimits()
        self._script = script or ResponseScript()
        self._recorder: Recorder[ReceivedRequest] = Recorder(sink)
        self._host = host
        self._requested_port = port
        self._clock = clock
        self._count = 0
        self._count_lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        """The bound port (only meaningful while running)."""
        if self._server is None:
            raise RuntimeError("the HTTP inbox is not running")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``, without a trailing slash."""
        return f"http://{self._host}:{self.port}"

    @property
    def requests(self) -> list[ReceivedRequest]:
        """Everything received so far, in arrival order (a copy)."""
        return self._recorder.snapshot()

    def wait_for(self, count: int, timeout: float = 10.0) -> bool:
        """Block until ``count`` requests have arrived; False on timeout."""
        return self._recorder.wait_for(count, timeout)

    def set_script(self, script: ResponseScript) -> None:
        """Answer with a new script from the next request on."""
        with self._count_lock:
            self._script = script
            self._count = 0

    def clear(self) -> None:
        """Forget what was received (the sink keeps its copy)."""
        self._recorder.clear()

    def start(self) -> HttpInbox:
        """Bind and serve in a daemon thread; returns self for ``with`` chaining."""
        if self._server is not None:
            raise RuntimeError("the HTTP inbox is already running")
        self._stopping.clear()
        server = _BoundedServer((self._host, self._requested_port), _make_handler(self), self.limits)
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, name="http-inbox", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, wake delayed answers, and release the port."""
        if self._server is None:
            return
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join()
        self._server = None
        self._thread = None

    def __enter__(self) -> HttpInbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _next_response(self) -> tuple[ScriptedResponse, int, int]:
        """The scripted answer to the next request, its 1-based position and the script's length."""
        with self._count_lock:
            index = self._count
            self._count += 1
            return self._script.response_for(index), index + 1, self._script.length

    def _record(self, request: ReceivedRequest) -> None:
        self._recorder.add(request)

    def _wait(self, seconds: float) -> None:
        self._stopping.wait(seconds)


class _BoundedServer(ThreadingHTTPServer):
    """A threading server that serves at most ``max_connections`` clients at once.

    Beyond that a connection is answered ``503`` at once and closed, on the accepting thread, so a
    flood of connections costs a short write each instead of a thread each.
    """

    daemon_threads = True

    def __init__(
        self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], limits: InboxLimits
    ) -> None:
        self._slots = threading.BoundedSemaphore(max(1, limits.max_connections))
        super().__init__(address, handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self._slots.acquire(blocking=False):
            try:
                request.settimeout(1.0)
                request.sendall(
                    b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                )
            except OSError:
                pass
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._slots.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()


class _BadRequestError(Exception):
    """The request's framing cannot be read (a bad Content-Length or chunk size)."""


@dataclass(frozen=True)
class _Body:
    """What was read of a body; ``cut`` says why it is not whole, and the status to answer."""

    data: bytes
    cut: str = ""
    status: int = 0


def _make_handler(inbox: HttpInbox) -> type[BaseHTTPRequestHandler]:
    limits = inbox.limits

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "PostbackStudioInbox/1"
        timeout = limits.idle_timeout

        def __getattr__(self, name: str) -> Any:
            if name.startswith("do_"):
                return self._answer
            raise AttributeError(name)

        def log_message(self, format: str, *args: Any) -> None:
            """Silence the default stderr log: arrivals go to the sink instead."""

        def _read_into(self, received: bytearray, count: int, deadline: float) -> int:
            """Append up to ``count`` bytes, one network read at a time, checking the body deadline.

            Returns how many arrived (fewer when the client closed the connection).
            """
            wanted = len(received) + count
            while len(received) < wanted:
                if time.monotonic() > deadline:
                    raise TimeoutError("body timeout")
                chunk = self.rfile.read1(min(wanted - len(received), 64 * 1024))
                if not chunk:
                    break
                received += chunk
            return count - (wanted - len(received))

        def _read_body(self) -> _Body:
            deadline = time.monotonic() + limits.body_timeout
            cap = limits.max_body_bytes
            received = bytearray()
            try:
                if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
                    return self._read_chunked(received, cap, deadline)
                length_text = (self.headers.get("Content-Length") or "0").strip()
                if not length_text.isdigit():
                    raise _BadRequestError(f"Content-Length {length_text[:40]!r} is not a number")
                length = int(length_text)
                if self._read_into(received, min(length, cap), deadline) < min(length, cap):
                    return _Body(bytes(received), f"the client sent {len(received)} of {length} bytes")
                if length > cap:
                    return _Body(bytes(received), f"kept the first {cap} of {length} bytes", 413)
                return _Body(bytes(received))
            except TimeoutError:
                return _Body(bytes(received), "the body did not arrive within the timeout", 408)

        def _read_chunked(self, received: bytearray, cap: int, deadline: float) -> _Body:
            while True:
                line = self.rfile.readline(1024)
                try:
                    size = int(line.split(b";")[0].strip() or b"-", 16)
                except ValueError:
                    raise _BadRequestError(f"chunk size {line[:40]!r} is not a hex number") from None
                if size < 0:
                    raise _BadRequestError("a chunk size is negative")
                if size == 0:
                    for _ in range(100):
                        if self.rfile.readline(8192) in (b"\r\n", b"\n", b""):
                            break
                    return _Body(bytes(received))
                take = min(size, cap - len(received))
                if self._read_into(received, take, deadline) < take:
                    return _Body(bytes(received), "the client stopped in the middle of a chunk")
                if take < size:
                    return _Body(bytes(received), f"kept the first {cap} bytes of a longer chunked body", 413)
                self.rfile.readline(1024)

        def _answer(self) -> None:
            try:
                body = self._read_body()
            except _BadRequestError as exc:
                self.close_connection = True
                self.send_error(400, str(exc))
                return
            received_at = inbox._clock()
            headers = tuple(self.headers.items())
            if body.cut:
                headers += ((TRUNCATED_HEADER, body.cut),)
            position: int | None = None
            length: int | None = None
            if body.status:
                response = ScriptedResponse(body.status)
            else:
                response, position, length = inbox._next_response()
            inbox._record(
                ReceivedRequest(
                    method=self.command,
                    path=self.path,
                    headers=headers,
                    body=body.data,
                    received_at=received_at,
                    client=f"{self.client_address[0]}:{self.client_address[1]}",
                    response_status=response.status,
                    script_position=position,
                    script_length=length,
                )
            )
            if body.cut:
                # The rest of the body is not read: the connection cannot carry another request.
                self.close_connection = True
            if response.delay:
                inbox._wait(response.delay)
            try:
                self._respond(response, close=bool(body.cut))
            except OSError:
                self.close_connection = True

        def _respond(self, response: ScriptedResponse, *, close: bool) -> None:
            self.send_response(response.status)
            names = {k.lower() for k, _ in response.headers}
            for name, value in response.headers:
                self.send_header(name, value)
            if "content-type" not in names and response.body:
                self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(response.body)))
            if close:
                self.send_header("Connection", "close")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(response.body)

    return Handler
