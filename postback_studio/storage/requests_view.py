"""The Requests page's read side of the request log, in SQL: keyset pages, refresh, summaries.

One :class:`SqliteRequestSource` is one connection, opened on the thread that uses it (the page's
workers open one per query). Pages select only the table columns, never bodies, and walk the
``started_at`` indexes newest first with a ``(started_at, id)`` key, so a page deep in a million
entries costs what the first one does.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from postback_studio.core.requestlog import Channel, Outcome, RequestRecord
from postback_studio.core.requests_view import (
    PageKey,
    RequestFilter,
    RequestRow,
    RequestSummary,
    bucket_start,
    fts_query,
    summary_span,
)

_ROW_COLUMNS = (
    "id, started_at, customer_name, trigger_name, event, channel, target, outcome, response_status, "
    "attempt, duration, delivery_id, is_test"
)
_ORDER = "ORDER BY started_at DESC, id DESC"
#: How long a reader waits for a writer's lock before giving up (milliseconds).
BUSY_TIMEOUT_MS = 5000


def where_clause(filters: RequestFilter) -> tuple[str, list[Any]]:
    """The SQL condition and parameters for ``filters`` (``1`` when nothing is filtered)."""
    clauses: list[str] = []
    params: list[Any] = []
    if filters.since is not None:
        clauses.append("started_at >= ?")
        params.append(filters.since)
    if filters.until is not None:
        clauses.append("started_at < ?")
        params.append(filters.until)
    if filters.outcomes:
        ordered = sorted(o.value for o in filters.outcomes)
        clauses.append(f"outcome IN ({', '.join('?' * len(ordered))})")
        params.extend(ordered)
    for column, value in (
        ("customer_id", filters.customer_id),
        ("trigger_id", filters.trigger_id),
        ("event", filters.event),
    ):
        if value is not None:
            clauses.append(f"{column} = ?")
            params.append(value)
    if filters.is_test is not None:
        clauses.append("is_test = ?")
        params.append(int(filters.is_test))
    match = fts_query(filters.search)
    if match:
        clauses.append("id IN (SELECT rowid FROM requests_fts WHERE requests_fts MATCH ?)")
        params.append(match)
    return (" AND ".join(clauses) or "1"), params


def _row(values: sqlite3.Row | tuple[Any, ...]) -> RequestRow:
    (
        row_id,
        started_at,
        customer_name,
        trigger_name,
        event,
        channel,
        target,
        outcome,
        status,
        attempt,
        duration,
        delivery_id,
        is_test,
    ) = tuple(values)
    return RequestRow(
        id=row_id,
        started_at=started_at,
        customer_name=customer_name,
        trigger_name=trigger_name,
        event=event,
        channel=Channel(channel),
        target=target,
        outcome=Outcome(outcome),
        response_status=status,
        attempt=attempt,
        duration=duration,
        delivery_id=delivery_id,
        is_test=bool(is_test),
    )


def _headers(text: str) -> tuple[tuple[str, str], ...]:
    return tuple((str(k), str(v)) for k, v in json.loads(text or "[]"))


def record_from_row(row: sqlite3.Row) -> RequestRecord:
    """A whole stored record from a ``SELECT *`` row of ``requests``."""
    return RequestRecord(
        delivery_id=row["delivery_id"],
        attempt=row["attempt"],
        channel=Channel(row["channel"]),
        outcome=Outcome(row["outcome"]),
        started_at=row["started_at"],
        event=row["event"],
        target=row["target"],
        payload=row["payload"],
        processing=row["processing"],
        request_method=row["request_method"],
        request_headers=_headers(row["request_headers"]),
        request_body=bytes(row["request_body"]),
        response_status=row["response_status"],
        response_headers=_headers(row["response_headers"]),
        response_body=bytes(row["response_body"]),
        error=row["error"],
        smtp_transcript=row["smtp_transcript"],
        duration=row["duration"],
        customer_id=row["customer_id"],
        customer_name=row["customer_name"],
        trigger_id=row["trigger_id"],
        trigger_name=row["trigger_name"],
        is_test=bool(row["is_test"]),
        next_attempt_at=row["next_attempt_at"],
        id=row["id"],
    )


class SqliteRequestSource:
    """The request log of one workspace file, read through one connection of its own."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._conn = connection
        self._conn.row_factory = sqlite3.Row

    @classmethod
    def open(cls, path: Path) -> SqliteRequestSource:
        """A read-only connection to the workspace at ``path`` (for one worker job).

        ``query_only`` rather than a read-only URI: a WAL database needs its shared-memory file,
        which a ``mode=ro`` connection may not be allowed to create.
        """
        connection = sqlite3.connect(path, check_same_thread=True)
        connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        connection.execute("PRAGMA query_only = ON")
        return cls(connection)

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()

    def page(self, filters: RequestFilter, after: PageKey | None, limit: int) -> list[RequestRow]:
        """Up to ``limit`` rows strictly older than ``after``, newest first."""
        where, params = where_clause(filters)
        if after is not None:
            where += " AND (started_at < ? OR (started_at = ? AND id < ?))"
            params += [after.started_at, after.started_at, after.id]
        sql = f"SELECT {_ROW_COLUMNS} FROM requests WHERE {where} {_ORDER} LIMIT ?"
        return [_row(r) for r in self._conn.execute(sql, [*params, limit])]

    def newer(self, filters: RequestFilter, than: PageKey, limit: int) -> list[RequestRow]:
        """Up to ``limit`` rows strictly newer than ``than``, newest first."""
        where, params = where_clause(filters)
        where += " AND (started_at > ? OR (started_at = ? AND id > ?))"
        params += [than.started_at, than.started_at, than.id]
        sql = f"SELECT {_ROW_COLUMNS} FROM requests WHERE {where} {_ORDER} LIMIT ?"
        return [_row(r) for r in self._conn.execute(sql, [*params, limit])]

    def count(self, filters: RequestFilter) -> int:
        """How many entries ``filters`` match."""
        where, params = where_clause(filters)
        return int(self._conn.execute(f"SELECT COUNT(*) FROM requests WHERE {where}", params).fetchone()[0])

    def summary(self, filters: RequestFilter, until: float) -> RequestSummary:
        """Counts by outcome and per time bucket, in one pass over the matching entries."""
        where, params = where_clause(filters)
        oldest = None
        if filters.since is None:
            oldest = self._conn.execute(
                f"SELECT MIN(started_at) FROM requests WHERE {where}", params
            ).fetchone()[0]
        since, end, bucket = summary_span(filters, oldest, until)
        start = bucket_start(since, bucket)
        size = max(1, int(-(-(end - start) // bucket)))
        sql = (
            f"SELECT outcome, CAST((started_at - ?) / ? AS INTEGER) AS slot, COUNT(*) FROM requests "
            f"WHERE {where} GROUP BY outcome, slot"
        )
        counts: dict[Outcome, int] = {}
        buckets: list[dict[Outcome, int]] = [{} for _ in range(size)]
        for outcome_text, slot, number in self._conn.execute(sql, [start, bucket, *params]):
            outcome = Outcome(outcome_text)
            counts[outcome] = counts.get(outcome, 0) + number
            if 0 <= slot < size:
                buckets[slot][outcome] = buckets[slot].get(outcome, 0) + number
        return RequestSummary(counts, start, bucket, tuple(buckets))

    def get(self, request_id: int) -> RequestRecord | None:
        """One whole record, or None when no entry has that id."""
        row = self._conn.execute("SELECT * FROM requests WHERE id = ?", (request_id,)).fetchone()
        return None if row is None else record_from_row(row)

    def for_delivery(self, delivery_id: str) -> Sequence[RequestRecord]:
        """Every attempt of one delivery, in attempt order."""
        rows = self._conn.execute(
            "SELECT * FROM requests WHERE delivery_id = ? ORDER BY attempt, id", (delivery_id,)
        )
        return [record_from_row(r) for r in rows]
