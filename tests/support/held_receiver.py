"""A webhook receiver on 127.0.0.1 that holds its answer until the test lets it go.

A delivery to it stays in flight for as long as the test wants, without sleeping and without a
timeout doing the work: the receiver reads the request, says it arrived, and answers 200 only when
:attr:`HeldReceiver.release` is set. Connections are kept alive between requests, as a real
receiver's are.
"""

from __future__ import annotations

import contextlib
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType

from tests.support.processes import PATIENCE


class HeldReceiver:
    """Serves on a thread while open (a context manager); on exit it answers what it holds and stops.

    Attributes:
        url: Where to send.
        bodies: The body of every request that arrived, in order.
        arrived: Set when the first request has arrived.
        release: Set it to answer the requests held and every later one at once; clear it to hold again.
    """

    def __init__(self) -> None:
        self.bodies: list[bytes] = []
        self.arrived = threading.Event()
        self.release = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/hook"
        self._thread = threading.Thread(target=self._server.serve_forever, name="held-receiver", daemon=True)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                receiver.bodies.append(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
                receiver.arrived.set()
                receiver.release.wait(PATIENCE)
                with contextlib.suppress(OSError):  # the sender may have cut the connection meanwhile
                    self.send_response(200)
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"ok")

            def log_message(self, format: str, *args: object) -> None:
                pass

        return Handler

    def __enter__(self) -> HeldReceiver:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.release.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(PATIENCE)
