"""Retry on Failure as pure policy: what counts as success, what is retried, and when.

Nothing here sleeps or reads the wall clock; the current time and the jitter source are arguments, so
the dispatcher can store a retry as a due time (surviving a restart) and tests can check schedules
without waiting.
"""

from __future__ import annotations

from collections.abc import Callable
from email.utils import parsedate_to_datetime
from enum import StrEnum

from postback_studio.core.model import RetryKind, RetryPolicy

#: A source of uniform numbers in [0, 1), shaped like ``random.random``.
RandomSource = Callable[[], float]


class Verdict(StrEnum):
    """What one attempt means for the delivery."""

    SUCCESS = "success"
    RETRYABLE = "retryable"
    FATAL = "fatal"


def classify(status: int | None, *, transient_error: bool = True) -> Verdict:
    """Classify one webhook attempt.

    Args:
        status: The HTTP status, or None when no response arrived.
        transient_error: Without a status: whether the error may go away by itself (refused, reset,
            timeout, DNS). An invalid URL or a certificate the server will keep presenting does not.

    Returns:
        SUCCESS for 2xx; RETRYABLE for network errors, 408, 429 and 5xx; FATAL for 1xx, 3xx (redirects
        are not followed: a receiver that moved must be reconfigured) and the other 4xx.
    """
    if status is None:
        return Verdict.RETRYABLE if transient_error else Verdict.FATAL
    if 200 <= status < 300:
        return Verdict.SUCCESS
    if status in (408, 429) or 500 <= status < 600:
        return Verdict.RETRYABLE
    return Verdict.FATAL


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait according to a ``Retry-After`` header (RFC 9110: delay-seconds or HTTP-date).

    Args:
        value: The header value, or None when absent.
        now: The current time in seconds since the epoch, for the HTTP-date form.

    Returns:
        The delay in seconds (never negative), or None when absent or unparseable: a malformed header
        must not stop the policy's own schedule.
    """
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    if text.isdigit():
        return float(int(text))
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - now)


def base_delay(policy: RetryPolicy, retry_number: int) -> float:
    """The delay before retry ``retry_number`` (1 = the second attempt), without jitter.

    Gelato spaces tries evenly; exponential grows ``first_delay * factor**(n-1)`` up to ``max_delay``.
    """
    if policy.kind is RetryKind.GELATO:
        return policy.first_delay
    return float(min(policy.max_delay, policy.first_delay * policy.factor ** (retry_number - 1)))


def next_delay(
    policy: RetryPolicy,
    failed_attempt: int,
    *,
    retry_after: float | None = None,
    random: RandomSource | None = None,
) -> float | None:
    """How long to wait after attempt ``failed_attempt`` (1-based) failed in a retryable way.

    Args:
        policy: The trigger's retry policy.
        failed_attempt: The number of the attempt that just failed.
        retry_after: The server's ``Retry-After`` in seconds, if any. It is a lower bound: the server
            asked us not to come back sooner, and the policy's own spacing still applies.
        random: Jitter source for EXPONENTIAL; without one no jitter is applied.

    Returns:
        The delay in seconds, or None when the policy allows no further attempt.
    """
    if policy.kind is RetryKind.NONE or failed_attempt >= policy.max_attempts:
        return None
    delay = base_delay(policy, failed_attempt)
    if policy.kind is RetryKind.EXPONENTIAL and policy.jitter > 0 and random is not None:
        delay = delay * (1.0 + policy.jitter * (2.0 * random() - 1.0))
        delay = min(policy.max_delay, max(0.0, delay))
    if retry_after is not None:
        delay = max(delay, retry_after)
    return delay


def schedule(policy: RetryPolicy) -> tuple[float, ...]:
    """Offsets from the first attempt at which each attempt starts, without jitter or Retry-After.

    The first offset is always 0. Used by :func:`describe` and by tests; the dispatcher itself works
    one step at a time with :func:`next_delay` so that server hints can move the schedule.
    """
    attempts = 1 if policy.kind is RetryKind.NONE else max(1, policy.max_attempts)
    offsets = [0.0]
    for retry_number in range(1, attempts):
        offsets.append(offsets[-1] + base_delay(policy, retry_number))
    return tuple(offsets)


def format_seconds(seconds: float) -> str:
    """A short human duration: "5 s", "2 min 30 s", "1 h 5 min"."""
    whole = round(seconds)
    if whole < 60:
        text = f"{seconds:.1f}".rstrip("0").rstrip(".") if seconds != whole else str(whole)
        return f"{text} s"
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes} min {secs} s" if secs else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


def describe(policy: RetryPolicy) -> str:
    """The policy's timeline in words, for the trigger form.

    Example: ``"3 attempts: now, +5 s, +10 s; gives up after 10 s"``.
    """
    offsets = schedule(policy)
    if len(offsets) == 1:
        return "1 attempt: now; no retry"
    steps = ", ".join(["now", *(f"+{format_seconds(o)}" for o in offsets[1:])])
    text = f"{len(offsets)} attempts: {steps}"
    if policy.kind is RetryKind.EXPONENTIAL and policy.jitter > 0:
        text += f" (each delay ±{policy.jitter * 100:g}%)"
        return f"{text}; gives up after about {format_seconds(offsets[-1])}"
    return f"{text}; gives up after {format_seconds(offsets[-1])}"
