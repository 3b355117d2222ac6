"""What the Requests page shows of the request log, as plain values: page keys, rows, summaries.

The page never loads the whole log. It asks for one page of rows at a time, newest first, keyed on
``(started_at, id)`` (keyset paging: the cost of a page does not grow with how far the user has
scrolled, unlike ``OFFSET``), and for counts and bucketed summaries that a worker computes off the
GUI thread. Everything here is Qt-free so the paging and bucketing rules are tested without a
display; the filter itself is storage's ``RequestFilter``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from postback_studio.core.requestlog import Channel, Outcome, RequestRecord

HOUR = 3600.0
DAY = 24 * HOUR


@dataclass(frozen=True, order=True)
class PageKey:
    """The position of one row in the newest-first order: later ``started_at`` first, then higher id."""

    started_at: float
    id: int


@dataclass(frozen=True, slots=True)
class RequestRow:
    """The columns of one table row: small, so that many thousands of them fit in memory.

    Bodies, payloads and transcripts stay in the database until the user opens the detail view.
    """

    id: int
    started_at: float
    customer_name: str
    trigger_name: str
    event: str
    channel: Channel
    target: str
    outcome: Outcome
    response_status: int | None
    attempt: int
    duration: float | None
    delivery_id: str
    is_test: bool

    @classmethod
    def from_record(cls, record: RequestRecord) -> RequestRow:
        """The row of a stored record (which must have an id)."""
        if record.id is None:
            raise ValueError("a request log row needs a stored record with an id")
        return cls(
            id=record.id,
            started_at=record.started_at,
            customer_name=record.customer_name,
            trigger_name=record.trigger_name,
            event=record.event,
            channel=record.channel,
            target=record.target,
            outcome=record.outcome,
            response_status=record.response_status,
            attempt=record.attempt,
            duration=record.duration,
            delivery_id=record.delivery_id,
            is_test=record.is_test,
        )

    @property
    def key(self) -> PageKey:
        """Where this row sits in the newest-first order."""
        return PageKey(self.started_at, self.id)


@dataclass(frozen=True)
class RequestSummary:
    """Counts by outcome for a filter, and the same counts per time bucket for the chart.

    ``buckets`` holds one mapping per bucket, oldest first; bucket ``i`` covers
    ``[start + i * bucket_seconds, start + (i + 1) * bucket_seconds)``.
    """

    counts: Mapping[Outcome, int]
    start: float
    bucket_seconds: float
    buckets: Sequence[Mapping[Outcome, int]] = field(default_factory=tuple)

    @property
    def total(self) -> int:
        """All entries the filter matches."""
        return sum(self.counts.values())


class TimeRange(StrEnum):
    """The presets of the time-range filter, as the UI lists them."""

    LAST_HOUR = "Last hour"
    LAST_24_HOURS = "Last 24 hours"
    LAST_7_DAYS = "Last 7 days"
    LAST_30_DAYS = "Last 30 days"
    ALL = "All time"
    CUSTOM = "Custom range"

    @property
    def seconds(self) -> float | None:
        """How far back the preset reaches, or None for "all" and "custom"."""
        return {
            TimeRange.LAST_HOUR: HOUR,
            TimeRange.LAST_24_HOURS: DAY,
            TimeRange.LAST_7_DAYS: 7 * DAY,
            TimeRange.LAST_30_DAYS: 30 * DAY,
        }.get(self)


def resolve_time_range(
    preset: TimeRange, now: float, custom: tuple[float, float] | None = None
) -> tuple[float | None, float | None]:
    """The ``(since, until)`` bounds of a preset at ``now``.

    Presets are open-ended towards the future so that attempts logged after the page was opened
    still show up on refresh.

    Raises:
        ValueError: A custom range without bounds, or one that ends before it starts.
    """
    if preset is TimeRange.CUSTOM:
        if custom is None:
            raise ValueError("a custom time range needs a start and an end")
        since, until = custom
        if until <= since:
            raise ValueError("the end of the time range must be after its start")
        return since, until
    seconds = preset.seconds
    return (None, None) if seconds is None else (now - seconds, None)


#: Bucket widths the chart may use, so that labels fall on round times.
_NICE_BUCKETS = (60.0, 300.0, 900.0, HOUR, 3 * HOUR, 6 * HOUR, DAY, 7 * DAY, 30 * DAY)


def choose_bucket(since: float, until: float, max_buckets: int = 60) -> float:
    """The smallest round bucket width that splits ``[since, until)`` into at most ``max_buckets``."""
    span = max(until - since, 1.0)
    for width in _NICE_BUCKETS:
        if span / width <= max_buckets:
            return width
    return math.ceil(span / max_buckets / DAY) * DAY


def bucket_start(since: float, bucket_seconds: float) -> float:
    """``since`` rounded down to a whole bucket, so buckets line up with the clock."""
    return math.floor(since / bucket_seconds) * bucket_seconds


def summarize(
    items: Sequence[tuple[float, Outcome]], since: float, until: float, bucket_seconds: float
) -> RequestSummary:
    """Count ``(started_at, outcome)`` pairs by outcome and by bucket.

    Storage computes the same figures in SQL for large logs; this is the reference the SQL is
    tested against and what small in-memory sources use.
    """
    start = bucket_start(since, bucket_seconds)
    size = max(1, math.ceil((until - start) / bucket_seconds))
    counts: dict[Outcome, int] = {}
    buckets: list[dict[Outcome, int]] = [{} for _ in range(size)]
    for started_at, outcome in items:
        counts[outcome] = counts.get(outcome, 0) + 1
        index = int((started_at - start) // bucket_seconds)
        if 0 <= index < size:
            buckets[index][outcome] = buckets[index].get(outcome, 0) + 1
    return RequestSummary(counts, start, bucket_seconds, tuple(buckets))


def merge_newer(current: Sequence[RequestRow], fresh: Sequence[RequestRow]) -> list[RequestRow]:
    """The rows of ``fresh`` that belong above ``current``, newest first.

    Auto-refresh asks for rows newer than the top row; anything at or below the top (a source that
    answered with an inclusive bound, or a refresh that overlapped another) is dropped, so no row is
    ever shown twice.
    """
    top = current[0].key if current else None
    unique = {row.id: row for row in fresh if top is None or row.key > top}
    return sorted(unique.values(), key=lambda row: row.key, reverse=True)


def summary_span(
    since: float | None, until: float | None, oldest: float | None, now: float
) -> tuple[float, float, float]:
    """``(start, end, bucket_seconds)`` of the chart for a filter's ``since``/``until`` bounds.

    Open bounds close on the oldest matching entry and on ``now``, so the "All time" chart spans
    exactly the log and "Last hour" spans the whole hour even when it was quiet.
    """
    start = since if since is not None else (oldest if oldest is not None else now - HOUR)
    end = until if until is not None else now
    end = max(end, start + 1.0)
    return start, end, choose_bucket(start, end)
