from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime

import pytest

from postback_studio.core.dispatch.retry import (
    Verdict,
    classify,
    describe,
    next_delay,
    parse_retry_after,
    schedule,
)
from postback_studio.core.model import RetryKind, RetryPolicy


@pytest.mark.parametrize(
    ("status", "verdict"),
    [
        (200, Verdict.SUCCESS),
        (204, Verdict.SUCCESS),
        (299, Verdict.SUCCESS),
        (408, Verdict.RETRYABLE),
        (429, Verdict.RETRYABLE),
        (500, Verdict.RETRYABLE),
        (503, Verdict.RETRYABLE),
        (599, Verdict.RETRYABLE),
        (301, Verdict.FATAL),
        (302, Verdict.FATAL),
        (400, Verdict.FATAL),
        (401, Verdict.FATAL),
        (404, Verdict.FATAL),
        (422, Verdict.FATAL),
        (None, Verdict.RETRYABLE),
    ],
)
def test_classify_status(status: int | None, verdict: Verdict) -> None:
    assert classify(status) is verdict


def test_non_transient_network_error_is_fatal() -> None:
    assert classify(None, transient_error=False) is Verdict.FATAL


def test_retry_after_seconds_and_http_date() -> None:
    now = 1_700_000_000.0
    assert parse_retry_after("120", now) == 120.0
    date = format_datetime(datetime.fromtimestamp(now + 30, tz=UTC), usegmt=True)
    assert parse_retry_after(date, now) == pytest.approx(30.0)
    past = format_datetime(datetime.fromtimestamp(now - 30, tz=UTC), usegmt=True)
    assert parse_retry_after(past, now) == 0.0
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after(None, now) is None
    assert parse_retry_after("-5", now) is None


def test_gelato_schedule_three_tries_five_seconds_apart() -> None:
    policy = RetryPolicy.gelato()
    assert schedule(policy) == (0.0, 5.0, 10.0)
    assert next_delay(policy, 1) == 5.0
    assert next_delay(policy, 2) == 5.0
    assert next_delay(policy, 3) is None
    assert describe(policy) == "3 attempts: now, +5 s, +10 s; gives up after 10 s"


def test_none_policy_never_retries() -> None:
    policy = RetryPolicy.none()
    assert next_delay(policy, 1) is None
    assert schedule(policy) == (0.0,)
    assert describe(policy) == "1 attempt: now; no retry"


def test_exponential_grows_caps_and_jitters() -> None:
    policy = RetryPolicy(
        RetryKind.EXPONENTIAL, max_attempts=6, first_delay=10, factor=3, max_delay=100, jitter=0.2
    )
    assert schedule(policy) == (0.0, 10.0, 40.0, 130.0, 230.0, 330.0)
    assert next_delay(policy, 1) == 10.0
    assert next_delay(policy, 2) == 30.0
    assert next_delay(policy, 3) == 90.0
    assert next_delay(policy, 4) == 100.0
    assert next_delay(policy, 6) is None
    assert next_delay(policy, 2, random=lambda: 0.0) == pytest.approx(24.0)
    assert next_delay(policy, 2, random=lambda: 0.999999) == pytest.approx(36.0, rel=1e-4)
    assert next_delay(policy, 4, random=lambda: 0.999999) == 100.0
    assert describe(policy).startswith("6 attempts: now, +10 s, +40 s, +2 min 10 s")
    assert "±20%" in describe(policy)
    assert describe(policy).endswith("gives up after about 5 min 30 s")


def test_retry_after_is_a_lower_bound() -> None:
    policy = RetryPolicy.gelato()
    assert next_delay(policy, 1, retry_after=30) == 30.0
    assert next_delay(policy, 1, retry_after=1) == 5.0
    assert next_delay(policy, 3, retry_after=1) is None
