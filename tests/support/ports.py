"""Ports on 127.0.0.1 for tests, held for as long as the test needs them.

Binding a port, releasing it and handing its number on is a race: between the release and the use,
any process on the machine may take it. A port here stays bound by the test until the test is done.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def refused_port() -> Iterator[int]:
    """A port that refuses connections: bound (so no other socket can take it) but not listening.

    The kernel answers a connection to it with a reset, as for a port nothing listens on.
    """
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield int(sock.getsockname()[1])
