"""The local inbox: an HTTP receiver and an SMTP catcher on 127.0.0.1.

They let a user (and the tests) send real postbacks without a real endpoint: every request or message
is kept with its exact bytes, handed to a sink (the workspace) and answered as scripted, so retries,
``Retry-After`` and slow receivers can be rehearsed on one machine.

Script syntax for the HTTP receiver, one step per comma::

    STATUS[xCOUNT] [delay=SECONDS] [retry-after=VALUE] [header:NAME=VALUE]...

``"503x2, 200"`` answers 503 twice and then 200. The last step repeats forever; a step without a
count is used once unless it is the last.

The HTTP receiver listens to anything that reaches its port, so every cost is bounded
(:class:`InboxLimits`): a body over the size cap is cut there, kept, marked with the
:data:`TRUNCATED_HEADER` header and answered 413 (with or without ``Content-Length``, chunked or
not); a silent connection is closed after the idle timeout and a body that trickles in after the body
timeout; at most ``max_connections`` are served at once, others are answered 503.
"""

from __future__ import annotations

import re
import ssl
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Generic, TypeVar

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from postback_studio.core.errors import InputError

Clock = Callable[[], float]
T = TypeVar("T")

#: Added to a received request whose body was not kept whole; its value says why and how much.
TRUNCATED_HEADER = "X-Postback-Studio-Truncated"


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


class ScriptError(InputError):
    """A response script could not be parsed; the message names the step and the problem."""


@dataclass(frozen=True)
class ScriptedResponse:
    """One answer: status, extra headers, body and a delay before answering (seconds)."""

    status: int = 200
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    delay: float = 0.0


@dataclass(frozen=True)
class ScriptStep:
    """A response given ``count`` times in a row; ``count`` None means forever."""

    response: ScriptedResponse
    count: int | None = 1


_STEP = re.compile(r"^(?P<status>[1-5]\d\d)(?:\s*[x×]\s*(?P<count>\d+))?$", re.IGNORECASE)


@dataclass(frozen=True)
class ResponseScript:
    """What the receiver answers, request after request. The last step repeats forever."""

    steps: tuple[ScriptStep, ...] = (ScriptStep(ScriptedResponse(200), None),)

    @classmethod
    def always(cls, status: int = 200, **kwargs: Any) -> ResponseScript:
        """The same answer every time."""
        return cls((ScriptStep(ScriptedResponse(status, **kwargs), None),))

    @classmethod
    def parse(cls, text: str) -> ResponseScript:
        """Parse ``"503x2, 200"``-style text (see the module docstring).

        Raises:
            ScriptError: With the 1-based step number and what was wrong.
        """
        steps: list[ScriptStep] = []
        parts = [p.strip() for p in text.split(",")]
        if not text.strip():
            raise ScriptError("the response script is empty; write e.g. '200' or '503x2, 200'")
        for number, part in enumerate(parts, start=1):
            words = re.sub(r"^(\d+)\s*([x×])\s*(\d+)", r"\1\2\3", part, flags=re.IGNORECASE).split()
            if not words:
                raise ScriptError(f"step {number} is empty")
            head, rest = words[0], words[1:]
            match = _STEP.match(head)
            if match is None:
                raise ScriptError(
                    f"step {number} ({part!r}): expected a status such as 200 or 503x2, got {head!r}"
                )
            headers: list[tuple[str, str]] = []
            delay = 0.0
            for word in rest:
                key, sep, value = word.partition("=")
                if not sep:
                    raise ScriptError(f"step {number} ({part!r}): {word!r} is not key=value")
                lowered = key.lower()
                if lowered == "delay":
                    try:
                        delay = float(value)
                    except ValueError:
                        raise ScriptError(f"step {number}: delay {value!r} is not a number") from None
                    if delay < 0:
                        raise ScriptError(f"step {number}: delay must not be negative")
                elif lowered == "retry-after":
                    headers.append(("Retry-After", value))
                elif lowered.startswith("header:") and len(key) > len("header:"):
                    headers.append((key[len("header:") :], value))
                else:
                    raise ScriptError(
                        f"step {number}: unknown option {key!r} (use delay=, retry-after= or header:NAME=)"
                    )
            count = int(match["count"]) if match["count"] else 1
            if count < 1:
                raise ScriptError(f"step {number}: a count must be at least 1")
            response = ScriptedResponse(int(match["status"]), tuple(headers), delay=delay)
            steps.append(ScriptStep(response, count))
        last = steps[-1]
        steps[-1] = ScriptStep(last.response, None)
        return cls(tuple(steps))

    @property
    def length(self) -> int:
        """How many answers the script spells out: the counted steps, then the last one once."""
        return sum(step.count or 1 for step in self.steps[:-1]) + 1

    def response_for(self, index: int) -> ScriptedResponse:
        """The answer to the ``index``-th request (0-based)."""
        remaining = index
        for step in self.steps:
            if step.count is None or remaining < step.count:
                return step.response
            remaining -= step.count
        return self.steps[-1].response


@dataclass(frozen=True)
class ReceivedRequest:
    """One request the HTTP receiver got, with its exact body bytes and the answer it was given."""

    method: str
    path: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    received_at: float
    client: str
    response_status: int
    #: Which request this was since the script was set (1-based), and how many answers the script
    #: spells out; None for an answer the script did not give (413 for a body too large, 408).
    script_position: int | None = None
    script_length: int | None = None

    def header(self, name: str) -> str | None:
        """The first header of that name, case-insensitively."""
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)

    @property
    def truncated(self) -> bool:
        """Whether the body was cut (too long, too slow, or the client stopped sending)."""
        return self.header(TRUNCATED_HEADER) is not None


@dataclass(frozen=True)
class ReceivedMessage:
    """One message the SMTP catcher got: the envelope and the raw message bytes."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    data: bytes
    received_at: float
    client: str
    authenticated_as: str = ""
    tls: bool = False


class _Recorder(Generic[T]):
    """An in-memory list plus the injected sink, fed under one lock so nothing is lost or reordered."""

    def __init__(self, sink: Callable[[T], None] | None) -> None:
        self._sink = sink
        self._items: list[T] = []
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)

    def add(self, item: T) -> None:
        with self._lock:
            self._items.append(item)
            if self._sink is not None:
                self._sink(item)
            self._arrived.notify_all()

    def snapshot(self) -> list[T]:
        with self._lock:
            return list(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def wait_for(self, count: int, timeout: float) -> bool:
        with self._lock:
            return self._arrived.wait_for(lambda: len(self._items) >= count, timeout)


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
        self._recorder: _Recorder[ReceivedRequest] = _Recorder(sink)
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


class _CatcherHandler:
    """aiosmtpd handler: turns each DATA into a :class:`ReceivedMessage`."""

    def __init__(self, recorder: _Recorder[ReceivedMessage], clock: Clock) -> None:
        self._recorder = recorder
        self._clock = clock

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd hook)
        data = envelope.original_content or envelope.content or b""
        if isinstance(data, str):
            data = data.encode("utf-8", "surrogateescape")
        peer = session.peer
        auth = session.auth_data
        self._recorder.add(
            ReceivedMessage(
                mail_from=str(envelope.mail_from or ""),
                rcpt_tos=tuple(envelope.rcpt_tos),
                data=bytes(data),
                received_at=self._clock(),
                client=f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) else str(peer),
                authenticated_as=(
                    auth.login.decode("utf-8", "replace") if isinstance(auth, LoginPassword) else ""
                ),
                tls=session.ssl is not None,
            )
        )
        return "250 Message accepted for delivery"


class _BoundController(Controller):
    """A Controller that can bind port 0 and learns the port the system chose."""

    def _create_server(self) -> Awaitable[Any]:
        return self._bind()

    async def _bind(self) -> Any:
        server = await self.loop.create_server(
            self._factory_invoker, host=self.hostname, port=self.port, ssl=self.ssl_context
        )
        self.port = server.sockets[0].getsockname()[1]
        return server


@dataclass
class SmtpCatcherOptions:
    """TLS and AUTH for the SMTP catcher.

    ``tls_context`` (a server context) enables STARTTLS, or implicit TLS from the first byte when
    ``implicit_tls`` is set (to rehearse the TLS mode). ``require_tls`` refuses mail before STARTTLS.
    ``credentials`` (username -> password) enables AUTH PLAIN/LOGIN. With STARTTLS, AUTH is required
    and only accepted after STARTTLS; otherwise it is offered but not required, because aiosmtpd warns
    against requiring AUTH on a connection it does not see as encrypted.
    """

    tls_context: ssl.SSLContext | None = None
    implicit_tls: bool = False
    require_tls: bool = False
    credentials: dict[str, str] = field(default_factory=dict)


class SmtpCatcher:
    """An SMTP server on 127.0.0.1 that keeps every message (aiosmtpd in its own thread).

    Args:
        sink: Called with every :class:`ReceivedMessage`, from the server's thread.
        options: STARTTLS and AUTH.
        host: The address to bind.
        port: 0 picks a free port; read :attr:`port` after :meth:`start`.
        clock: Wall clock for ``received_at``.
    """

    def __init__(
        self,
        *,
        sink: Callable[[ReceivedMessage], None] | None = None,
        options: SmtpCatcherOptions | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        clock: Clock = time.time,
    ) -> None:
        self._recorder: _Recorder[ReceivedMessage] = _Recorder(sink)
        self._options = options or SmtpCatcherOptions()
        self._host = host
        self._requested_port = port
        self._clock = clock
        self._controller: _BoundController | None = None

    @property
    def port(self) -> int:
        """The bound port (only meaningful while running)."""
        if self._controller is None:
            raise RuntimeError("the SMTP catcher is not running")
        return int(self._controller.port)

    @property
    def host(self) -> str:
        """The bound address."""
        return self._host

    @property
    def messages(self) -> list[ReceivedMessage]:
        """Everything received so far, in arrival order (a copy)."""
        return self._recorder.snapshot()

    def wait_for(self, count: int, timeout: float = 10.0) -> bool:
        """Block until ``count`` messages have arrived; False on timeout."""
        return self._recorder.wait_for(count, timeout)

    def start(self) -> SmtpCatcher:
        """Bind and serve; returns self for ``with`` chaining."""
        if self._controller is not None:
            raise RuntimeError("the SMTP catcher is already running")
        options = self._options
        kwargs: dict[str, Any] = {}
        starttls = options.tls_context is not None and not options.implicit_tls
        if options.tls_context is not None and options.implicit_tls:
            kwargs["ssl_context"] = options.tls_context
        elif starttls:
            kwargs["tls_context"] = options.tls_context
            kwargs["require_starttls"] = options.require_tls
        if options.credentials:
            kwargs["authenticator"] = _Authenticator(options.credentials)
            kwargs["auth_required"] = starttls
            kwargs["auth_require_tls"] = starttls
        controller = _BoundController(
            _CatcherHandler(self._recorder, self._clock),
            hostname=self._host,
            port=self._requested_port,
            **kwargs,
        )
        controller.start()
        self._controller = controller
        return self

    def stop(self) -> None:
        """Stop serving and release the port."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> SmtpCatcher:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class _Authenticator:
    """aiosmtpd authenticator over a fixed username -> password mapping."""

    def __init__(self, credentials: dict[str, str]) -> None:
        self._credentials = dict(credentials)

    def __call__(self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> Any:
        if isinstance(auth_data, LoginPassword):
            user = auth_data.login.decode("utf-8", "replace")
            password = auth_data.password.decode("utf-8", "replace")
            if user in self._credentials and self._credentials[user] == password:
                return AuthResult(success=True, auth_data=auth_data)
        return AuthResult(success=False, handled=False)
