"""What the Requests page shows of the request log, as plain values: page keys, rows, summaries.

The page never loads the whole log. It asks for one page of rows at a time, newest first, keyed on
``(started_at, id)`` (keyset paging: the cost of a page does not grow with how far the user has
scrolled, unlike ``OFFSET``), and for counts and bucketed summaries that a worker computes off the
GUI thread. Everything here is Qt-free so the paging and bucketing rules are tested without a
display, and so is the filter (:class:`RequestFilter`) the page builds and storage turns into SQL.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum

from postback_studio.core.requestlog import Channel, Outcome, RequestRecord, record_from_row, status_label

HOUR = 3600.0
DAY = 24 * HOUR


@dataclass(frozen=True)
class RequestFilter:
    """Which request-log entries to show; every field left at None (or empty) matches everything.

    ``since`` is inclusive and ``until`` exclusive (seconds since the epoch). ``text`` is matched by
    full-text search against the target, both bodies and the error: every word must occur, a word
    matches as a prefix ("ship" finds "shipped").
    """

    since: float | None = None
    until: float | None = None
    outcomes: tuple[Outcome, ...] = ()
    customer_id: int | None = None
    trigger_id: int | None = None
    event: str | None = None
    is_test: bool | None = None
    text: str = ""
    channel: Channel | None = None


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

    @classmethod
    def from_columns(cls, columns: Mapping[str, object]) -> RequestRow:
        """The row of the stored columns :data:`ROW_COLUMNS`; never raises (see ``record_from_row``).

        A row that cannot be interpreted is shown with the outcome ``unreadable`` and, as its target,
        what could not be read.
        """
        record = record_from_row({**_ROW_DEFAULTS, **columns})
        row = cls.from_record(record) if record.id is not None else None
        if row is None:
            raise ValueError("a request log row needs an id")
        if record.readable:
            return row
        return replace(row, target=record.error)

    @classmethod
    def from_values(cls, values: Sequence[object]) -> RequestRow:
        """The row of the stored columns given in :data:`ROW_COLUMNS` order; the same as :meth:`from_columns`.

        The Requests page builds a row for every entry it lists, 250 at a time on a worker thread whose
        Python code holds the GIL the GUI thread waits for. A row whose columns all have the types the
        log stores is built here directly, ten times faster than through the whole-record parser; any
        other row (a damaged entry, a stored ``unreadable``) goes through :meth:`from_columns`, so the
        result is the same row, and the same error for a row without an id.
        """
        (
            row_id, started_at, customer_name, trigger_name, event, channel, target, outcome,
            response_status, attempt, duration, delivery_id, is_test,
        ) = values  # fmt: skip
        channel_value = _CHANNELS.get(channel) if type(channel) is str else None
        outcome_value = _READABLE_OUTCOMES.get(outcome) if type(outcome) is str else None
        if (
            channel_value is not None
            and outcome_value is not None
            and type(row_id) is int
            and type(attempt) is int
            and (response_status is None or type(response_status) is int)
            and _is_time(started_at)
            and (duration is None or _is_time(duration))
            and type(is_test) is int
            and is_test in (0, 1)
            and type(customer_name) is str
            and type(trigger_name) is str
            and type(event) is str
            and type(target) is str
            and type(delivery_id) is str
        ):
            return cls(
                row_id,
                float(started_at),  # type: ignore[arg-type]
                customer_name,
                trigger_name,
                event,
                channel_value,
                target,
                outcome_value,
                response_status,
                attempt,
                None if duration is None else float(duration),  # type: ignore[arg-type]
                delivery_id,
                bool(is_test),
            )
        return cls.from_columns(dict(zip(ROW_COLUMNS, values, strict=True)))

    @property
    def key(self) -> PageKey:
        """Where this row sits in the newest-first order."""
        return PageKey(self.started_at, self.id)

    @property
    def status_label(self) -> str:
        """``HTTP 503``, ``SMTP 250`` or "" (see :func:`~postback_studio.core.requestlog.status_label`)."""
        return status_label(self.channel, self.response_status)


#: The stored columns a table row is built from (the bodies stay in the database).
ROW_COLUMNS = (
    "id", "started_at", "customer_name", "trigger_name", "event", "channel", "target", "outcome",
    "response_status", "attempt", "duration", "delivery_id", "is_test",
)  # fmt: skip
_CHANNELS = {channel.value: channel for channel in Channel}
#: Outcomes a row is built from directly; a stored ``unreadable`` goes through the parser.
_READABLE_OUTCOMES = {outcome.value: outcome for outcome in Outcome if outcome is not Outcome.UNREADABLE}


def _is_time(value: object) -> bool:
    """A finite number of seconds as the log stores it (what the record parser accepts, bools aside)."""
    if type(value) is float:
        return math.isfinite(value)
    return type(value) is int and -(2**63) <= value < 2**63


#: What the other columns of a whole entry are taken to be when a table row is read.
_ROW_DEFAULTS: dict[str, object] = {
    "payload": "", "processing": "", "request_method": "", "request_headers": "[]", "request_body": b"",
    "response_headers": "[]", "response_body": b"", "error": "", "smtp_transcript": "",
    "customer_id": None, "trigger_id": None, "next_attempt_at": None,
}  # fmt: skip


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


def merge_newer(top: PageKey | None, fresh: Sequence[RequestRow]) -> list[RequestRow]:
    """The rows of ``fresh`` that belong above the current top row ``top``, newest first.

    Auto-refresh asks for rows newer than the top row; anything at or below it (a source that
    answered with an inclusive bound, or a refresh that overlapped another) is dropped, so no row is
    ever shown twice.
    """
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


class RowColumns:
    """The loaded rows of the Requests table, kept column by column.

    Scrolling far loads hundreds of thousands of rows. As objects, each row would be one more object
    for Python's cycle collector to walk, and a full collection (which holds the GIL, so it blocks
    the GUI thread too) grows with them: 126 ms at 100,000 rows in the benchmark. Numbers here live
    in ``array`` buffers the collector never sees; texts live in lists of interned strings (repeated
    customer, trigger and target names are stored once). A :class:`RequestRow` is built on demand.
    """

    def __init__(self) -> None:
        self._interned: dict[str, str] = {}
        self.clear()

    def clear(self) -> None:
        """Forget every row."""
        self._interned.clear()
        self._ids = array("q")
        self._started = array("d")
        self._status = array("l")
        self._attempt = array("l")
        self._duration = array("d")
        self._flags = bytearray()
        self._texts: tuple[list[str], ...] = tuple([] for _ in range(7))

    def __len__(self) -> int:
        return len(self._ids)

    def _intern(self, text: str) -> str:
        return self._interned.setdefault(text, text)

    def extend(self, rows: Sequence[RequestRow]) -> None:
        """Add ``rows`` at the bottom."""
        self._splice(len(self), rows)

    def insert_front(self, rows: Sequence[RequestRow]) -> None:
        """Add ``rows`` at the top (newer entries from a refresh)."""
        self._splice(0, rows)

    def _splice(self, at: int, rows: Sequence[RequestRow]) -> None:
        self._ids[at:at] = array("q", (r.id for r in rows))
        self._started[at:at] = array("d", (r.started_at for r in rows))
        statuses = (-1 if r.response_status is None else r.response_status for r in rows)
        self._status[at:at] = array("l", statuses)
        self._attempt[at:at] = array("l", (r.attempt for r in rows))
        self._duration[at:at] = array("d", (math.nan if r.duration is None else r.duration for r in rows))
        self._flags[at:at] = bytes(int(r.is_test) for r in rows)
        customer, trigger, event, channel, target, outcome, delivery = self._texts
        intern = self._intern
        customer[at:at] = [intern(r.customer_name) for r in rows]
        trigger[at:at] = [intern(r.trigger_name) for r in rows]
        event[at:at] = [intern(r.event) for r in rows]
        channel[at:at] = [intern(r.channel.value) for r in rows]
        target[at:at] = [intern(r.target) for r in rows]
        outcome[at:at] = [intern(r.outcome.value) for r in rows]
        delivery[at:at] = [r.delivery_id for r in rows]

    def id(self, index: int) -> int:
        """The log id of row ``index``."""
        return self._ids[index]

    def key(self, index: int) -> PageKey:
        """The page key of row ``index``."""
        return PageKey(self._started[index], self._ids[index])

    def row(self, index: int) -> RequestRow:
        """Row ``index`` as a value."""
        customer, trigger, event, channel, target, outcome, delivery = (t[index] for t in self._texts)
        status = self._status[index]
        duration = self._duration[index]
        return RequestRow(
            id=self._ids[index],
            started_at=self._started[index],
            customer_name=customer,
            trigger_name=trigger,
            event=event,
            channel=Channel(channel),
            target=target,
            outcome=Outcome(outcome),
            response_status=None if status < 0 else status,
            attempt=self._attempt[index],
            duration=None if math.isnan(duration) else duration,
            delivery_id=delivery,
            is_test=bool(self._flags[index]),
        )
