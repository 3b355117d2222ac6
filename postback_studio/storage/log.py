"""The request log, pending retries and the local inbox: what happens, as opposed to what is configured.

The dispatcher appends one :class:`~postback_studio.core.requestlog.RequestRecord` per attempt and
schedules retries here; the inbox servers record what they receive. Workers on other threads open
their own :class:`~postback_studio.storage.workspace.Workspace` on the same file to do so.
"""

from __future__ import annotations

import builtins
import json
import re
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from postback_studio.core.errors import NotFoundError
from postback_studio.core.records import InboxEmail, InboxHttpRequest, PendingState, StoredRetry
from postback_studio.core.redaction import Redaction
from postback_studio.core.requestlog import (
    RequestRecord,
    header_pairs,
    record_from_row,
    record_to_row,
)
from postback_studio.core.requests_view import RequestFilter
from postback_studio.storage.repositories import Row, _Repository

if TYPE_CHECKING:
    pass

#: What secret values are replaced with in the request log.

_TOKEN = re.compile(r"\w+", re.UNICODE)


class RequestLog(_Repository):
    """One row per delivery attempt, newest first, filterable and searchable."""

    def append(self, record: RequestRecord, redaction: Redaction | None = None) -> int:
        """Store an attempt and return its id, cleaned of every secret it must not hold.

        ``redaction`` is what the delivery's trigger must not leave in the log, carried from the one
        read of the trigger; without it (a caller that does not know) the trigger is read here.
        """
        redaction = (redaction or self._trigger_redaction(record)).with_values([self._ws.smtp.get().password])
        with self._ws.transaction():
            table = self._ws.db.table("requests").insert(record_to_row(redaction.apply(record)))
        assert table.last_pk is not None
        return int(table.last_pk)

    def _trigger_redaction(self, record: RequestRecord) -> Redaction:
        if record.trigger_id is None:
            return Redaction()
        try:
            return Redaction.of_trigger(self._ws.triggers.get(record.trigger_id))
        except NotFoundError:
            return Redaction()

    def get(self, request_id: int) -> RequestRecord:
        """One entry, or :class:`NotFoundError`."""
        row = self._by_id("requests", request_id, "request")
        return record_from_row(row)

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
        clause, params = _where(where or RequestFilter())
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
        clause, params = _where(where or RequestFilter())
        sql = "SELECT count(*) FROM requests r"
        if clause:
            sql += " WHERE " + " AND ".join(clause)
        return int(self._conn.execute(sql, tuple(params)).fetchone()[0])

    def for_delivery(self, delivery_id: str) -> builtins.list[RequestRecord]:
        """Every attempt of one postback, first attempt first."""
        rows = self._rows("SELECT * FROM requests WHERE delivery_id = ? ORDER BY attempt, id", (delivery_id,))
        return [record_from_row(r) for r in rows]

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


def _where(where: RequestFilter) -> tuple[list[str], list[Any]]:
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


class PendingRepository(_Repository):
    """Retries that are due later. They survive a restart; the retry worker polls :meth:`due`."""

    def schedule(self, retry: StoredRetry) -> StoredRetry:
        """Store a retry and return it with its id."""
        with self._ws.transaction():
            cursor = self._conn.execute(
                "INSERT INTO pending_retries(delivery_id, trigger_id, due_at, attempt, payload, "
                "event, is_test, state) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    retry.delivery_id,
                    retry.trigger_id,
                    retry.due_at,
                    retry.attempt,
                    retry.payload,
                    retry.event,
                    int(retry.is_test),
                    retry.state.value,
                ),
            )
        return replace(retry, id=cursor.lastrowid)

    def get(self, retry_id: int) -> StoredRetry:
        """One retry, or :class:`NotFoundError`."""
        row = self._by_id("pending_retries", retry_id, "pending retry")
        return _pending(row)

    def due(self, now: float, limit: int = 100) -> builtins.list[StoredRetry]:
        """Pending retries whose time has come, earliest first."""
        rows = self._rows(
            "SELECT * FROM pending_retries WHERE state = 'pending' AND due_at <= ? ORDER BY due_at, "
            "id LIMIT ?",
            (now, limit),
        )
        return [_pending(r) for r in rows]

    def list(self, state: PendingState | None = PendingState.PENDING) -> builtins.list[StoredRetry]:
        """Retries in a state (all states with None), earliest due first."""
        if state is None:
            rows = self._rows("SELECT * FROM pending_retries ORDER BY due_at, id")
        else:
            rows = self._rows(
                "SELECT * FROM pending_retries WHERE state = ? ORDER BY due_at, id", (state.value,)
            )
        return [_pending(r) for r in rows]

    def claim(self, retry_id: int) -> bool:
        """Move a pending retry to running; False when it was cancelled or claimed meanwhile."""
        return self._move(retry_id, PendingState.PENDING, PendingState.RUNNING)

    def finish(self, retry_id: int) -> bool:
        """Mark a running retry done."""
        return self._move(retry_id, PendingState.RUNNING, PendingState.DONE)

    def cancel(self, retry_id: int) -> bool:
        """Cancel a retry that has not started; False when it already ran or was cancelled."""
        return self._move(retry_id, PendingState.PENDING, PendingState.CANCELED)

    def cancel_delivery(self, delivery_id: str) -> int:
        """Cancel every pending retry of one postback; returns how many were cancelled."""
        with self._ws.transaction():
            cursor = self._conn.execute(
                "UPDATE pending_retries SET state = 'canceled' WHERE delivery_id = ? AND state = 'pending'",
                (delivery_id,),
            )
        return cursor.rowcount

    def recover(self) -> int:
        """After a crash, put retries left running back to pending so they are tried again."""
        with self._ws.transaction():
            cursor = self._conn.execute(
                "UPDATE pending_retries SET state = 'pending' WHERE state = 'running'"
            )
        return cursor.rowcount

    def _move(self, retry_id: int, old: PendingState, new: PendingState) -> bool:
        with self._ws.transaction():
            cursor = self._conn.execute(
                "UPDATE pending_retries SET state = ? WHERE id = ? AND state = ?",
                (new.value, retry_id, old.value),
            )
        return cursor.rowcount == 1


def _pending(row: Row) -> StoredRetry:
    return StoredRetry(
        delivery_id=row["delivery_id"],
        trigger_id=row["trigger_id"],
        due_at=row["due_at"],
        attempt=row["attempt"],
        payload=row["payload"],
        event=row["event"],
        is_test=bool(row["is_test"]),
        state=PendingState(row["state"]),
        id=row["id"],
    )


class InboxRepository(_Repository):
    """What the local webhook and SMTP inboxes received, newest first."""

    def add_http(self, request: InboxHttpRequest) -> int:
        """Record a received HTTP request (exact body bytes); returns its id."""
        with self._ws.transaction():
            cursor = self._conn.execute(
                "INSERT INTO inbox_http(received_at, method, path, headers, body, remote) VALUES (?, "
                "?, ?, ?, ?, ?)",
                (
                    request.received_at,
                    request.method,
                    request.path,
                    json.dumps([list(h) for h in request.headers]),
                    request.body,
                    request.remote,
                ),
            )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    def add_email(self, email: InboxEmail) -> int:
        """Record a received message (envelope and raw bytes); returns its id."""
        with self._ws.transaction():
            cursor = self._conn.execute(
                "INSERT INTO inbox_email(received_at, mail_from, rcpt_tos, raw, remote) VALUES (?, "
                "?, ?, ?, ?)",
                (
                    email.received_at,
                    email.mail_from,
                    json.dumps(list(email.rcpt_tos)),
                    email.raw,
                    email.remote,
                ),
            )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    def list_http(self, *, limit: int = 100, offset: int = 0) -> builtins.list[InboxHttpRequest]:
        """Received HTTP requests, newest first."""
        rows = self._rows(
            "SELECT * FROM inbox_http ORDER BY received_at DESC, id DESC LIMIT ? OFFSET ?", (limit, offset)
        )
        return [_http(r) for r in rows]

    def list_email(self, *, limit: int = 100, offset: int = 0) -> builtins.list[InboxEmail]:
        """Received emails, newest first."""
        rows = self._rows(
            "SELECT * FROM inbox_email ORDER BY received_at DESC, id DESC LIMIT ? OFFSET ?", (limit, offset)
        )
        return [_email(r) for r in rows]

    def get_http(self, request_id: int) -> InboxHttpRequest:
        """One received HTTP request, or :class:`NotFoundError`."""
        row = self._by_id("inbox_http", request_id, "inbox request")
        return _http(row)

    def get_email(self, email_id: int) -> InboxEmail:
        """One received email, or :class:`NotFoundError`."""
        row = self._by_id("inbox_email", email_id, "inbox email")
        return _email(row)

    def clear(self) -> None:
        """Empty both inboxes."""
        with self._ws.transaction():
            self._conn.execute("DELETE FROM inbox_http")
            self._conn.execute("DELETE FROM inbox_email")


def _http(row: Row) -> InboxHttpRequest:
    return InboxHttpRequest(
        received_at=row["received_at"],
        method=row["method"],
        path=row["path"],
        headers=header_pairs(row["headers"]),
        body=bytes(row["body"]),
        remote=row["remote"],
        id=row["id"],
    )


def _email(row: Row) -> InboxEmail:
    return InboxEmail(
        received_at=row["received_at"],
        mail_from=row["mail_from"],
        rcpt_tos=tuple(json.loads(row["rcpt_tos"])),
        raw=bytes(row["raw"]),
        remote=row["remote"],
        id=row["id"],
    )
