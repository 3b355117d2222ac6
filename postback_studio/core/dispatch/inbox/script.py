"""The HTTP receiver's response script: ``"503x2, 200"`` and what it answers to each request.

Kept apart from the server so the CLI, the Inbox page and the tests parse and label scripts without
starting anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from postback_studio.core.errors import InputError


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
