"""The story of a delivery, as Send Test and ``send`` tell it, from its latest logged attempt."""

from __future__ import annotations

from postback_studio.core.dispatch.progress import Stage, progress_of
from postback_studio.core.requestlog import Channel, Outcome, RequestRecord


def attempt(n: int, outcome: Outcome, **more: object) -> RequestRecord:
    return RequestRecord("msg_1", n, Channel.WEBHOOK, outcome, 1000.0, "shipped", "http://x", **more)  # type: ignore[arg-type]


def test_each_stage_in_words() -> None:
    retrying = progress_of(attempt(1, Outcome.RETRYING, duration=0.25, next_attempt_at=1005.25), 3)
    assert retrying.stage is Stage.RETRYING and not retrying.finished
    assert retrying.text == "retrying (attempt 2 of 3 in 5 s)…", "the delay as scheduled, not as now"
    assert progress_of(attempt(3, Outcome.DELIVERED), 3).text == "delivered on attempt 3"
    failed = progress_of(attempt(3, Outcome.FAILED, error="HTTP 503 Service Unavailable"), 3)
    assert failed.finished and failed.text == "failed after 3 attempts: HTTP 503 Service Unavailable"
    assert (
        progress_of(attempt(1, Outcome.FAILED, error="refused"), 1).text == "failed after 1 attempt: refused"
    )
    assert progress_of(attempt(2, Outcome.CANCELED), 3).text == "retries cancelled after 1 attempt"
    blocked = progress_of(attempt(1, Outcome.BLOCKED, error="Not sent: the output is not valid JSON"), 3)
    assert blocked.text == "not sent: the output is not valid JSON"
    assert progress_of(attempt(1, Outcome.UNREADABLE, error="cannot be read"), 3).stage is Stage.FAILED
