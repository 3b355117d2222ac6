"""The JSON encoding of the worker protocol: orjson when the value allows it, the json module if not.

A 200-item payload crosses the pipe on every render, twice encoded and decoded; orjson does that
four to five times faster than the json module, which is most of what separates a render in the
worker from a render in-process. orjson refuses a few values the json module accepts (integers
beyond 64 bits, lone surrogates), so those fall back to the json module rather than fail; such a
line starts with :data:`EXACT`, so that the other side reads it with the json module too (orjson
would read an integer beyond 64 bits as a float, and ``{{ n }}`` would render ``1e+30``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import orjson

#: First byte of a line written by the json module (see the module's docstring).
EXACT = b"="
#: Buffer of each end of the protocol pipes, in bytes; on Linux the pipes themselves are enlarged to
#: match, so a request or reply of a large payload crosses in one write and one read.
PIPE_BUFFER = 1 << 20


def encode(value: Any) -> bytes:
    """One protocol line (without the newline); anything not JSON becomes its ``str()``.

    Keys that are not strings are written as strings; orjson's option for them halves its speed, so
    it is used only for a value that has such keys. A value orjson refuses is written by the json
    module, marked with :data:`EXACT`.
    """
    try:
        return orjson.dumps(value, default=str)
    except (TypeError, orjson.JSONEncodeError):
        pass
    try:
        return orjson.dumps(value, default=str, option=orjson.OPT_NON_STR_KEYS)
    except (TypeError, orjson.JSONEncodeError):
        return EXACT + json.dumps(value, default=str).encode("ascii")


def decode(line: bytes) -> Any:
    """Parse one protocol line."""
    if line.startswith(EXACT):
        return json.loads(line[len(EXACT) :])
    try:
        return orjson.loads(line)
    except orjson.JSONDecodeError:
        return json.loads(line)


def line_of(pieces: Sequence[bytes]) -> list[bytes]:
    """The pieces of one line put together from several :func:`encode` results and literal JSON text:
    marked with :data:`EXACT` at its start when one of them is."""
    exact = [piece.removeprefix(EXACT) for piece in pieces]
    return [EXACT, *exact] if any(len(a) != len(b) for a, b in zip(pieces, exact, strict=True)) else exact
