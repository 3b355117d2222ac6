"""The request log: one row per attempt to deliver a postback, filterable and full-text searchable.

The delivery service's log writer appends one :class:`~postback_studio.core.requestlog.RequestRecord`
per attempt, through the record's one serializer; every read goes through its one parser, which
never raises on a row it cannot interpret. Filters (:class:`~postback_studio.core.requests_view.
RequestFilter`) become the SQL of :func:`where_clauses`, shared with the Requests page's read side.
"""

from __future__ import annotations

import builtins
import re
from collections.abc import Sequence
from typing import Any

from postback_studio.core.errors import NotFoundError
from postback_studio.core.redaction import Redaction
from postback_studio.core.requestlog import COLUMNS, RequestRecord, record_from_row, record_to_row
from postback_studio.core.requests_view import RequestFilter
from postback_studio.storage.repository import Repository

_TOKEN = re.compile(r"\w+", re.UNICODE)
_INSERT = f"INSERT INTO requests({', '.join(COLUMNS)}) VALUES ({', '.join('?' for _ in COLUMNS)})"


class RequestLog(Repository):
    """One row per delivery attempt, newest first, filterable and searchable."""

    table = "requests"
    what = "request"

    def append(self, record: RequestRecord, redaction: Redaction | None = None) -> int:
        """Store an attempt and return its id, cleaned of every secret it must not hold.

        ``redaction`` is what the delivery's trigger must not leave in the log, carried from the one
        read of the trigger; without it (a caller that does not know) the trigger is read here.
        """
        return self.append_all([(record, redaction)])[0]

    def append_all(self, entries: Sequence[tuple[RequestRecord, Redaction | None]]) -> builtins.list[int]:
        """Store attempts in one transaction, each as :meth:`append` does; returns their ids in order.

        The SMTP password, which no entry may hold, is read once for all of them: the log writer
        stores hundreds of attempts a second in batches, and a read per entry was a third of its
        work.
        """
        smtp_password = self._ws.smtp.get().password
        ids: builtins.list[int] = []
        # The log's hot path (thousands of rows per burst): one prepared INSERT instead of
        # sqlite-utils' insert, which inspects the table again on every call (86 µs a row).
        with self._ws.transaction():
            for record, redaction in entries:
                cleaned = (redaction or self._trigger_redaction(record)).with_values([smtp_password])
                row = record_to_row(cleaned.apply(record))
                cursor = self._conn.execute(_INSERT, tuple(row[column] for column in COLUMNS))
                assert cursor.lastrowid is not None
                ids.append(cursor.lastrowid)
        return ids

    def _trigger_redaction(self, record: RequestRecord) -> Redaction:
        if record.trigger_id is None:
            return Redaction()
        try:
            return Redaction.of_trigger(self._ws.triggers.get(record.trigger_id))
        except NotFoundError:
            return Redaction()

    def get(self, request_id: int) -> RequestRecord:
        """One entry, or :class:`NotFoundError`."""
        return record_from_row(self._by_id(request_id))

    def query(
        self,
        where: RequestFilter | None = None,
        *,
        limit: int = 100,
        offset: int = 0,
        before: tuple[float, int] | None = None,
    ) -> builtins.list[RequestRecord]:
        """Entries matching ``where``, newest first.

        Page with ``offset``, or (faster on a long log) with ``before=(started_at, id)`` of the last
        entry of the previous page: keyset paging does not slow down with the page number.
        """
        clause, params = where_clauses(where or RequestFilter())
        if before is not None:
            clause.append("(r.started_at, r.id) < (?, ?)")
            params += [before[0], before[1]]
        sql = "SELECT r.* FROM requests r"
        if clause:
            sql += " WHERE " + " AND ".join(clause)
        sql += " ORDER BY r.started_at DESC, r.id DESC LIMIT ? OFFSET ?"
        return [record_from_row(r) for r in self._rows(sql, (*params, limit, offset))]

    def count(self, where: RequestFilter | None = None) -> int:
        """How many entries match ``where``."""
        clause, params = where_clauses(where or RequestFilter())
        sql = "SELECT count(*) FROM requests r"
        if clause:
            sql += " WHERE " + " AND ".join(clause)
        return int(self._conn.execute(sql, tuple(params)).fetchone()[0])

    def for_delivery(self, delivery_id: str) -> builtins.list[RequestRecord]:
        """Every attempt of one postback, first attempt first."""
        return [
            record_from_row(r) for r in self._where("delivery_id = ?", (delivery_id,), order_by="attempt, id")
        ]

    def delete_before(self, started_before: float) -> int:
        """Prune entries older than a time; returns how many went."""
        with self._ws.transaction():
            cursor = self._conn.execute("DELETE FROM requests WHERE started_at < ?", (started_before,))
        return cursor.rowcount


def fts_query(text: str) -> str:
    """User words as an FTS5 query: each word quoted (no operator injection), all required.

    Only the last word is a prefix (it may still be being typed): making every word a prefix turns
    ``order-123456`` into ``"order"* AND "123456"*``, and ``order*`` matches nearly every entry.
    """
    words = _TOKEN.findall(text)
    return " ".join(f'"{word}"' + ("*" if i == len(words) - 1 else "") for i, word in enumerate(words))


def where_clauses(where: RequestFilter) -> tuple[list[str], list[Any]]:
    clause: list[str] = []
    params: list[Any] = []
    if where.since is not None:
        clause.append("r.started_at >= ?")
        params.append(where.since)
    if where.until is not None:
        clause.append("r.started_at < ?")
        params.append(where.until)
    if where.outcomes:
        clause.append(f"r.outcome IN ({', '.join('?' for _ in where.outcomes)})")
        params += [o.value for o in where.outcomes]
    for column, value in (
        ("customer_id", where.customer_id),
        ("trigger_id", where.trigger_id),
        ("event", where.event),
        ("channel", where.channel.value if where.channel else None),
    ):
        if value is not None:
            clause.append(f"r.{column} = ?")
            params.append(value)
    if where.is_test is not None:
        clause.append("r.is_test = ?")
        params.append(int(where.is_test))
    match = fts_query(where.text)
    if match:
        clause.append("r.id IN (SELECT rowid FROM requests_fts WHERE requests_fts MATCH ?)")
        params.append(match)
    elif where.text.strip():
        clause.append("0")
    return clause, params
