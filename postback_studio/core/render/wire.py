"""The JSON encoding of the worker protocol: orjson when the value allows it, the json module if not.

A 200-item payload crosses the pipe on every render, twice encoded and decoded; orjson does that
four to five times faster than the json module, which is most of what separates a render in the
worker from a render in-process. orjson refuses a few values the json module accepts (integers
beyond 64 bits, lone surrogates), so those fall back to the json module rather than fail.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

#: Buffer of each end of the protocol pipes, in bytes; on Linux the pipes themselves are enlarged to
#: match, so a request or reply of a large payload crosses in one write and one read.
PIPE_BUFFER = 1 << 20


def encode(value: Any) -> bytes:
    """One protocol line (without the newline); anything not JSON becomes its ``str()``.

    Keys that are not strings are written as strings; orjson's option for them halves its speed, so
    it is used only for a value that has such keys.
    """
    try:
        return orjson.dumps(value, default=str)
    except (TypeError, orjson.JSONEncodeError):
        pass
    try:
        return orjson.dumps(value, default=str, option=orjson.OPT_NON_STR_KEYS)
    except (TypeError, orjson.JSONEncodeError):
        return json.dumps(value, default=str).encode("ascii")


def decode(line: bytes) -> Any:
    """Parse one protocol line."""
    try:
        return orjson.loads(line)
    except orjson.JSONDecodeError:
        return json.loads(line)
