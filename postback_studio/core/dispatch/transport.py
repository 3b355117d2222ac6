"""The connections webhook attempts go through: one ``requests.Session`` per sender, and the means
to cut its attempts off from another thread.

Closing a workspace (quitting, or switching to another file) must not wait for a receiver that holds
its answer for the whole read timeout: :class:`SendStop` shuts the sockets of the attempts in flight,
which requires connection classes that report each attempt's socket (urllib3 does not expose it).
Kept apart from :mod:`postback_studio.core.dispatch.webhook`, which decides what an attempt sends and
what its result says; this module only owns the sockets.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
from collections.abc import Iterator
from http.cookiejar import DefaultCookiePolicy
from pathlib import Path
from typing import TYPE_CHECKING, Any

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

if TYPE_CHECKING:
    from requests.adapters import _HostParams, _PoolKwargs

class SendStop:
    """Cuts off the webhook attempts in flight, and keeps later ones from being sent.

    A :class:`WebhookSender` given a stop makes each attempt inside :meth:`sending`: the connection
    the attempt uses (from a :func:`make_session` session) is known to the stop until the attempt
    ends, and :meth:`stop` shuts its socket, so a read blocked on a receiver that holds its answer
    returns at once instead of after the read timeout. The attempt comes back as
    :attr:`FailureKind.STOPPED` (transient: its retry, if the policy allows one, is kept). Any thread
    may call :meth:`stop`; there is no undoing it.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stopped = False
        self._connections: set[HTTPConnection] = set()

    @property
    def stopped(self) -> bool:
        """Whether :meth:`stop` was called."""
        return self._stopped

    def stop(self) -> None:
        """Shut the connection of every attempt in flight; attempts made from now on are not sent."""
        with self._lock:
            self._stopped = True
            for connection in self._connections:
                _shut(connection)

    @contextlib.contextmanager
    def sending(self) -> Iterator[None]:
        """Within: the connections this thread's attempt uses are cut by :meth:`stop`."""
        _attempt.stop, _attempt.connections = self, []
        try:
            yield
        finally:
            used: list[HTTPConnection] = _attempt.connections
            _attempt.stop, _attempt.connections = None, []
            with self._lock:
                self._connections.difference_update(used)

    def _watch(self, connection: HTTPConnection) -> None:
        """Follow ``connection`` for the attempt under way (shut it at once when already stopped)."""
        with self._lock:
            if self._stopped:
                _shut(connection)
            elif connection not in self._connections:
                self._connections.add(connection)
                _attempt.connections.append(connection)


#: The stop of the attempt this thread is making (see :meth:`SendStop.sending`), and its connections.
_attempt = threading.local()


def _watch_for_this_attempt(connection: HTTPConnection) -> None:
    stop: SendStop | None = getattr(_attempt, "stop", None)
    if stop is not None:
        stop._watch(connection)


def _shut(connection: HTTPConnection) -> None:
    """End ``connection``'s exchange now: a read blocked on it returns, a write fails."""
    sock = connection.sock
    if isinstance(sock, socket.socket):  # (TLS inside a TLS proxy tunnel is not cut: it waits)
        with contextlib.suppress(OSError):  # already closed by the receiver
            # The plain socket's shutdown, under TLS too: SSLSocket.shutdown would also drop the TLS
            # state that the sending thread is reading with.
            socket.socket.shutdown(sock, socket.SHUT_RDWR)


class _StoppableHTTPConnection(HTTPConnection):
    """A connection that reports itself to the :class:`SendStop` of the attempt using it."""

    def connect(self) -> None:
        super().connect()
        _watch_for_this_attempt(self)  # a stop that came while connecting cuts it here

    def request(self, *args: Any, **kwargs: Any) -> None:
        _watch_for_this_attempt(self)  # a kept-alive connection is reused without connecting
        super().request(*args, **kwargs)


class _StoppableHTTPSConnection(_StoppableHTTPConnection, HTTPSConnection):
    pass


class _StoppableHTTPPool(HTTPConnectionPool):
    ConnectionCls = _StoppableHTTPConnection


class _StoppableHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _StoppableHTTPSConnection


def _stoppable_pools() -> dict[str, type[HTTPConnectionPool]]:
    return {"http": _StoppableHTTPPool, "https": _StoppableHTTPSPool}


class _StoppableAdapter(HTTPAdapter):
    """An adapter whose pools (direct, or through an HTTP proxy) make connections a stop can cut."""

    def init_poolmanager(
        self, connections: int, maxsize: int, block: bool = False, **pool_kwargs: Any
    ) -> None:
        super().init_poolmanager(connections, maxsize, block, **pool_kwargs)
        self.poolmanager.pool_classes_by_scheme = _stoppable_pools()

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if isinstance(manager, urllib3.ProxyManager):  # a SOCKS manager keeps its own pools
            manager.pool_classes_by_scheme = _stoppable_pools()
        return manager


class _ExtraCaAdapter(_StoppableAdapter):
    """An adapter whose TLS context trusts the system store *plus* one extra CA file.

    requests' ``verify=path`` replaces the trust store; a test server's CA should be trusted in
    addition to the public ones, so the pool gets an ``SSLContext`` with both.
    """

    def __init__(self, context: ssl.SSLContext, **kwargs: Any) -> None:
        self._context = context
        super().__init__(**kwargs)

    def build_connection_pool_key_attributes(
        self, request: requests.PreparedRequest, verify: Any, cert: Any = None
    ) -> tuple[_HostParams, _PoolKwargs]:
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(request, verify, cert)
        if verify is not False and host_params.get("scheme") == "https":
            pool_kwargs["ssl_context"] = self._context
        return host_params, pool_kwargs


def make_session(*, ca_file: Path | None = None, pool_size: int = 10) -> requests.Session:
    """A session with keep-alive pools of ``pool_size`` connections per host.

    Args:
        ca_file: A PEM file of extra CAs to trust besides the system store (for a test server).
        pool_size: Connections kept per host; match it to the number of threads using the session.

    Cookies are refused: a receiver's ``Set-Cookie`` must not ride along on the next customer's
    postback. A :class:`SendStop` can cut off the session's attempts.
    """
    session = requests.Session()
    session.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))
    if ca_file is not None:
        context = ssl.create_default_context()
        context.load_verify_locations(cafile=str(ca_file))
        https: HTTPAdapter = _ExtraCaAdapter(context, pool_connections=pool_size, pool_maxsize=pool_size)
    else:
        https = _StoppableAdapter(pool_connections=pool_size, pool_maxsize=pool_size)
    session.mount("https://", https)
    session.mount("http://", _StoppableAdapter(pool_connections=pool_size, pool_maxsize=pool_size))
    return session
