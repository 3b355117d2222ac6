"""Filters, time ranges, buckets and refresh merging of the Requests page, without a display."""

from __future__ import annotations

import pytest

from postback_studio.core.requestlog import Channel, Outcome, RequestRecord
from postback_studio.core.requests_view import (
    DAY,
    HOUR,
    PageKey,
    RequestRow,
    RowColumns,
    TimeRange,
    choose_bucket,
    merge_newer,
    resolve_time_range,
    summarize,
    summary_span,
)


def _record(**changes: object) -> RequestRecord:
    values: dict[str, object] = {
        "delivery_id": "d1",
        "attempt": 1,
        "channel": Channel.WEBHOOK,
        "outcome": Outcome.DELIVERED,
        "started_at": 1000.0,
        "event": "shipped",
        "target": "http://127.0.0.1/x",
        "id": 1,
        "customer_id": 7,
        "trigger_id": 3,
        "is_test": False,
    }
    values.update(changes)
    return RequestRecord(**values)  # type: ignore[arg-type]


def _row(row_id: int, started_at: float) -> RequestRow:
    return RequestRow.from_record(_record(id=row_id, started_at=started_at))


def test_page_keys_order_newest_first_with_id_as_tiebreak() -> None:
    rows = [_row(1, 10.0), _row(3, 10.0), _row(2, 11.0)]
    ordered = sorted(rows, key=lambda r: r.key, reverse=True)
    assert [r.id for r in ordered] == [2, 3, 1]
    assert PageKey(10.0, 3) > PageKey(10.0, 1)


def test_row_needs_a_stored_record() -> None:
    with pytest.raises(ValueError, match="id"):
        RequestRow.from_record(_record(id=None))


def test_presets_reach_back_and_stay_open_ended() -> None:
    assert resolve_time_range(TimeRange.LAST_HOUR, 10_000.0) == (10_000.0 - HOUR, None)
    assert resolve_time_range(TimeRange.LAST_7_DAYS, 1e6) == (1e6 - 7 * DAY, None)
    assert resolve_time_range(TimeRange.ALL, 5.0) == (None, None)
    assert resolve_time_range(TimeRange.CUSTOM, 0.0, (1.0, 2.0)) == (1.0, 2.0)
    with pytest.raises(ValueError, match="after its start"):
        resolve_time_range(TimeRange.CUSTOM, 0.0, (2.0, 1.0))
    with pytest.raises(ValueError, match="needs a start"):
        resolve_time_range(TimeRange.CUSTOM, 0.0)


def test_bucket_is_round_and_bounded() -> None:
    assert choose_bucket(0.0, HOUR) == 60.0
    assert choose_bucket(0.0, DAY) == HOUR
    assert choose_bucket(0.0, 30 * DAY) == DAY
    assert choose_bucket(0.0, 3650 * DAY) % DAY == 0
    assert 3650 * DAY / choose_bucket(0.0, 3650 * DAY) <= 60


def test_summarize_counts_by_outcome_and_bucket() -> None:
    items = [
        (0.0, Outcome.DELIVERED),
        (59.0, Outcome.FAILED),
        (60.0, Outcome.DELIVERED),
        (500.0, Outcome.RETRYING),
    ]
    summary = summarize(items, since=30.0, until=180.0, bucket_seconds=60.0)
    assert summary.start == 0.0
    assert summary.total == 4
    assert summary.counts[Outcome.DELIVERED] == 2
    assert len(summary.buckets) == 3
    assert summary.buckets[0] == {Outcome.DELIVERED: 1, Outcome.FAILED: 1}
    assert summary.buckets[1] == {Outcome.DELIVERED: 1}


def test_merge_newer_keeps_only_rows_above_the_top() -> None:
    fresh = [_row(7, 60.0), _row(5, 50.0), _row(6, 60.0), _row(7, 60.0)]
    assert [r.id for r in merge_newer(PageKey(50.0, 5), fresh)] == [7, 6]
    assert [r.id for r in merge_newer(None, fresh)] == [7, 6, 5]


def test_row_columns_round_trip_rows_and_keys() -> None:
    store = RowColumns()
    rows = [
        _row(3, 30.0),
        RequestRow.from_record(
            _record(
                id=2,
                started_at=20.0,
                response_status=None,
                duration=None,
                is_test=True,
                outcome=Outcome.FAILED,
                channel=Channel.EMAIL,
            )
        ),
    ]
    store.extend(rows)
    store.insert_front([_row(9, 90.0)])
    assert len(store) == 3
    assert [store.id(i) for i in range(3)] == [9, 3, 2]
    assert store.key(1) == PageKey(30.0, 3)
    assert store.row(2) == rows[1]
    assert store.row(1) == rows[0]
    store.clear()
    assert len(store) == 0


def test_summary_span_closes_open_bounds() -> None:
    assert summary_span(None, None, oldest=100.0, now=200.0) == (100.0, 200.0, 60.0)
    assert summary_span(0.0, DAY, oldest=5.0, now=1e9) == (0.0, DAY, HOUR)
    start, end, _ = summary_span(None, None, oldest=None, now=10_000.0)
    assert (start, end) == (10_000.0 - HOUR, 10_000.0)
