"""The request lines the engine writes to a render worker, and what the worker holds between them.

It exists apart from the engine because the request's shape is a protocol with rules of its own:
a batch goes in requests bounded in count and in bytes; each payload is encoded once, on its own,
to measure it; and what the worker holds already (the sources of earlier renders, a single payload
rendered before: the preview's, on each keystroke) is named by its key instead of sent again. The
parent decides what the worker holds and the worker follows (see :mod:`.worker`), so the mirror
kept here (:class:`Held`) is exact.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from postback_studio.core.model import LookupSet, OutputFormat
from postback_studio.core.render.wire import encode, line_of

#: Payloads sent to the worker in one request by a batch render, at most, and their size in bytes
#: (at least one payload goes, whatever its size).
BATCH_SIZE = 256
BATCH_BYTES = 2_000_000
#: What a worker holds for re-renders (payloads and template sources, see :mod:`.worker`): at most
#: this many bytes of their JSON, and no single payload over a quarter of it. A few megabytes of a
#: worker's memory ceiling; the rest stays the template's.
HOLD_BYTES = 8_000_000
HOLD_ITEMS = 256


@dataclass(frozen=True)
class Part:
    """One part of a template to render (``body``; an email's ``subject``, ``html``, ``text``).

    ``key`` names the source in the worker (:func:`source_key`).
    """

    name: str
    source: str
    fmt: OutputFormat
    key: str = field(default="")


class Held:
    """What one worker holds (payloads and sources, by key), as the parent asked it to.

    The parent decides and the worker follows (``hold``, ``forget`` and sources sent in a request),
    so this mirror is exact: a key found here is held by the worker. Least recently used entries go
    first once the worker holds more than :data:`HOLD_BYTES` or :data:`HOLD_ITEMS`.
    """

    def __init__(self) -> None:
        self._sizes: OrderedDict[str, int] = OrderedDict()
        self._bytes = 0

    def has(self, key: str) -> bool:
        """True when the worker holds ``key`` (which then counts as just used)."""
        if key in self._sizes:
            self._sizes.move_to_end(key)
            return True
        return False

    def add(self, key: str, size: int) -> None:
        """The worker holds ``key`` from this request on."""
        self._sizes[key] = size
        self._bytes += size

    def evict(self, keep: set[str]) -> list[str]:
        """Drop the oldest entries beyond the bounds, except ``keep``; the keys the worker must forget."""
        forgotten: list[str] = []
        for key in list(self._sizes):
            if self._bytes <= HOLD_BYTES and len(self._sizes) <= HOLD_ITEMS:
                break
            if key not in keep:
                self._bytes -= self._sizes.pop(key)
                forgotten.append(key)
        return forgotten


def request_line(
    parts: Sequence[Part],
    payloads: Sequence[Any],
    first: int,
    *,
    lookups: LookupSet | None,
    trace: bool,
    size_limit: int,
    held: Held,
) -> tuple[Sequence[Any], list[bytes]]:
    """The payloads from ``first`` on that go in one request (up to a count and a size), and the request
    line in pieces (see ``WorkerProcess.send``). Each payload is encoded once, on its own, to
    measure it.

    What the worker holds already is named by its key instead of sent again (see :mod:`.worker`):
    the sources of the parts, and a single payload rendered before (the preview's, on each
    keystroke). A single payload is held from now on, unless it is large.
    """
    encoded: list[bytes] = []
    size = 0
    for payload in payloads[first : first + BATCH_SIZE]:
        data = encode(payload)
        if encoded and size + len(data) > BATCH_BYTES:
            break
        encoded.append(data)
        size += len(data)
    used: set[str] = set()
    named: list[dict[str, str]] = []
    for p in parts:
        part = {"name": p.name, "key": p.key}
        if not held.has(p.key):
            part["source"] = p.source
            held.add(p.key, len(p.source))
        used.add(p.key)
        named.append(part)
    head: dict[str, Any] = {"lookups": lookups or {}, "size_limit": size_limit, "parts": named}
    tail: list[bytes]
    if len(encoded) == 1 and not trace:
        key = _payload_key(encoded[0])
        used.add(key)
        if held.has(key):
            tail = [b',"payload_key":"', key.encode(), b'"}\n']
        elif len(encoded[0]) <= HOLD_BYTES // 4:
            held.add(key, len(encoded[0]))
            name = b'"' + key.encode() + b'"'
            tail = [b',"payload_key":', name, b',"hold":{', name, b":", encoded[0], b"}}\n"]
        else:
            tail = [b',"payload":', encoded[0], b"}\n"]
    else:
        head["trace"] = trace
        tail = [b',"payloads":[', *_separated(encoded), b"]}\n"]
    forget = held.evict(used)
    if forget:
        head["forget"] = forget
    # ``head`` encodes as a JSON object: its closing brace gives way to the payloads.
    return payloads[first : first + len(encoded)], line_of([encode(head)[:-1], *tail])


def source_key(source: str) -> str:
    """A template source's key: in the worker, and in the engine's caches."""
    return hashlib.blake2b(source.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def _separated(encoded: Sequence[bytes]) -> list[bytes]:
    """``encoded`` with commas between, as pieces of a line (see :func:`.wire.line_of`)."""
    pieces = [b","] * (2 * len(encoded) - 1)
    pieces[::2] = encoded
    return pieces


def _payload_key(encoded: bytes) -> str:
    """A payload's key in the worker: the hash of its JSON, marked so it never equals a source key."""
    return "p" + hashlib.sha256(encoded).hexdigest()[:32]
