"""What the local inbox received, and the list that keeps it.

Shared by the HTTP receiver and the SMTP catcher: both record under one lock and hand every item to
the injected sink (the workspace) in arrival order.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

Clock = Callable[[], float]
T = TypeVar("T")

#: Added to a received request whose body was not kept whole; its value says why and how much.
TRUNCATED_HEADER = "X-Postback-Studio-Truncated"


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


class Recorder(Generic[T]):
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
