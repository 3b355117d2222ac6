"""The local SMTP catcher: aiosmtpd in its own thread, with STARTTLS, implicit TLS and AUTH on demand."""

from __future__ import annotations

import ssl
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from postback_studio.core.dispatch.inbox.records import Clock, ReceivedMessage, Recorder


class _CatcherHandler:
    """aiosmtpd handler: turns each DATA into a :class:`ReceivedMessage`."""

    def __init__(self, recorder: Recorder[ReceivedMessage], clock: Clock) -> None:
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
        self._recorder: Recorder[ReceivedMessage] = Recorder(sink)
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
        try:
            controller.start()
        except BaseException:
            # aiosmtpd leaves the event loop it made open when binding fails (a port in use).
            if not controller.loop.is_running():
                controller.loop.close()
            raise
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
