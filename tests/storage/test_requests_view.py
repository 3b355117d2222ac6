"""The Requests page's SQL read side on a real workspace file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from postback_studio.core.requestlog import Outcome, RequestRecord
from postback_studio.core.requests_view import RequestFilter, RequestRow, summarize
from postback_studio.storage.requests_view import WorkspaceRequestSource
from tests.support.request_log import make_log, sample_records

START = 1_700_000_000.0


@pytest.fixture
def stored(tmp_path: Path) -> list[RequestRecord]:
    return make_log(tmp_path / "ws.sqlite", sample_records(200, start=START))


@pytest.fixture
def source(tmp_path: Path, stored: list[RequestRecord]) -> Iterator[WorkspaceRequestSource]:
    opened = WorkspaceRequestSource.open(tmp_path / "ws.sqlite")
    yield opened
    opened.close()


def _all_pages(source: WorkspaceRequestSource, filters: RequestFilter, size: int) -> list[RequestRow]:
    rows: list[RequestRow] = []
    while True:
        page = source.page(filters, rows[-1].key if rows else None, size)
        rows += page
        if len(page) < size:
            return rows


def test_keyset_pages_walk_everything_newest_first(
    source: WorkspaceRequestSource, stored: list[RequestRecord]
) -> None:
    rows = _all_pages(source, RequestFilter(), 7)
    assert [r.id for r in rows] == [r.id for r in sorted(stored, key=lambda r: r.started_at, reverse=True)]


def test_ties_on_time_are_broken_by_id(tmp_path: Path) -> None:
    make_log(tmp_path / "tie.sqlite", [sample_records(1)[0]] * 5)
    source = WorkspaceRequestSource.open(tmp_path / "tie.sqlite")
    assert [r.id for r in _all_pages(source, RequestFilter(), 2)] == [5, 4, 3, 2, 1]
    source.close()


def test_filters_and_search(source: WorkspaceRequestSource, stored: list[RequestRecord]) -> None:
    retrying = _all_pages(source, RequestFilter(outcomes=(Outcome.RETRYING,)), 10)
    assert retrying and all(r.outcome is Outcome.RETRYING for r in retrying)
    assert len(retrying) == sum(1 for r in stored if r.outcome is Outcome.RETRYING)
    globex = source.page(RequestFilter(customer_id=2, is_test=False), None, 100)
    assert globex and all(r.customer_name == "Globex" and not r.is_test for r in globex)
    found = source.page(RequestFilter(text="order-123"), None, 100)
    assert {r.delivery_id for r in found} == {"msg_123"}
    assert source.page(RequestFilter(text='"unbalanced'), None, 10) == []
    window = RequestFilter(since=START + 60, until=START + 180)
    assert [r.started_at for r in source.page(window, None, 10)] == [START + 120, START + 60]


def test_newer_returns_only_rows_above_the_key(source: WorkspaceRequestSource) -> None:
    rows = source.page(RequestFilter(), None, 10)
    newer = source.newer(RequestFilter(), rows[3].key, 100)
    assert [r.id for r in newer] == [r.id for r in rows[:3]]


def test_summary_matches_the_reference(source: WorkspaceRequestSource, stored: list[RequestRecord]) -> None:
    until = START + 60 * 60
    summary = source.summary(RequestFilter(), until)
    reference = summarize([(r.started_at, r.outcome) for r in stored], START, until, summary.bucket_seconds)
    assert summary.counts == reference.counts
    assert list(summary.buckets) == list(reference.buckets)
    delivered = source.summary(RequestFilter(outcomes=(Outcome.DELIVERED,)), until)
    assert delivered.total == summary.counts[Outcome.DELIVERED]


def test_get_and_for_delivery_round_trip(source: WorkspaceRequestSource, stored: list[RequestRecord]) -> None:
    first = stored[0]
    assert first.id is not None
    assert source.get(first.id) == first
    assert source.get(10_000) is None
    attempts = source.for_delivery("msg_0")
    assert [a.attempt for a in attempts] == [1, 2, 3]
    assert attempts[0].request_headers == first.request_headers
