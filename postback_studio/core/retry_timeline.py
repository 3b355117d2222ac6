"""Stand-in for ``core.dispatch.retry.describe`` until the dispatch branch lands; then deleted."""

from __future__ import annotations

from postback_studio.core.model import RetryKind, RetryPolicy


def describe(policy: RetryPolicy) -> str:
    """The policy's timeline in words: ``"3 attempts: now, +5 s, +10 s; gives up after 10 s"``."""
    attempts = 1 if policy.kind is RetryKind.NONE else max(1, policy.max_attempts)
    offsets = [0.0]
    for retry_number in range(1, attempts):
        delay = policy.first_delay if policy.kind is RetryKind.GELATO else min(
            policy.max_delay, policy.first_delay * policy.factor ** (retry_number - 1))
        offsets.append(offsets[-1] + delay)
    if attempts == 1:
        return "1 attempt: now; no retry"
    steps = ", ".join(["now", *(f"+{offset:g} s" for offset in offsets[1:])])
    return f"{attempts} attempts: {steps}; gives up after {offsets[-1]:g} s"
