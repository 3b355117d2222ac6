"""The request log, pending retries and the local inbox: what happens, as opposed to what is configured.

The dispatcher appends one :class:`~postback_studio.core.requestlog.RequestRecord` per attempt and
schedules retries here; the inbox servers record what they receive. Workers on other threads open
their own :class:`~postback_studio.storage.workspace.Workspace` on the same file to do so.
"""

from __future__ import annotations

import builtins
import json
import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from postback_studio.core.records import InboxEmail, InboxHttpRequest, PendingRetry, PendingState
from postback_studio.core.requestlog import REDACTED, Channel, Outcome, RequestRecord
from postback_studio.storage.errors import NotFoundError
from postback_studio.storage.repositories import Row, _Repository

if TYPE_CHECKING:
    from collections.abc import Iterable

#: What secret values are replaced with in the request log.

_TOKEN = re.compile(r"\w+", re.UNICODE)


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


class RequestLog(_Repository):
    """One row per delivery attempt, newest first, filterable and searchable."""

    def append(self, record: RequestRecord) -> int:
        """Store an attempt and return its id. Known secrets of its trigger are redacted first."""
        record = self._redact(record)
        with self._ws.transaction():
            cursor = self._conn.execute(
                "INSERT INTO requests(delivery_id, attempt, channel, outcome, started_at, event, "
                "target, payload, "
                "processing, request_method, request_headers, request_body, response_status, "
                "response_headers, "
                "response_body, error, smtp_transcript, duration, customer_id, customer_name, trigger_id, "
                "trigger_name, is_test, next_attempt_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    record.delivery_id,
                    record.attempt,
                    record.channel.value,
                    record.outcome.value,
                    record.started_at,
                    record.event,
                    record.target,
                    record.payload,
                    record.processing,
                    record.request_method,
                    json.dumps([list(h) for h in record.request_headers]),
                    record.request_body,
                    record.response_status,
                    json.dumps([list(h) for h in record.response_headers]),
                    record.response_body,
                    record.error,
                    record.smtp_transcript,
                    record.duration,
                    record.customer_id,
                    record.customer_name,
                    record.trigger_id,
                    record.trigger_name,
                    int(record.is_test),
                    record.next_attempt_at,
                ),
            )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    def _redact(self, record: RequestRecord) -> RequestRecord:
        """Defence in depth: the dispatcher redacts, but a secret must never reach the log regardless.

        The response body is cleaned too: a receiver that refuses a key often quotes it back. The
        request body stays the exact bytes sent (templates cannot read secrets).
        """
        secrets: list[str] = []
        secret_headers: set[str] = set()
        if record.trigger_id is not None:
            try:
                trigger = self._ws.triggers.get(record.trigger_id)
            except NotFoundError:
                trigger = None
            if trigger is not None:
                values = self._ws.triggers.secret_values(record.trigger_id)
                secrets = [s for v in values for s in _credential_forms(v) if len(s) >= 4]
                secret_headers = {h.name.lower() for h in trigger.headers if h.secret}
        password = self._ws.smtp.get().password
        if len(password) >= 4:
            secrets.append(password)
        if not secrets and not secret_headers:
            return record

        def clean(text: str) -> str:
            for secret in secrets:
                text = text.replace(secret, REDACTED)
            return text

        def clean_bytes(data: bytes) -> bytes:
            for secret in secrets:
                data = data.replace(secret.encode("utf-8"), REDACTED.encode("utf-8"))
            return data

        def headers(pairs: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
            return tuple((k, REDACTED if k.lower() in secret_headers else clean(v)) for k, v in pairs)

        return replace(
            record,
            request_headers=headers(record.request_headers),
            response_headers=headers(record.response_headers),
            response_body=clean_bytes(record.response_body),
            error=clean(record.error),
            smtp_transcript=clean(record.smtp_transcript),
            processing=clean(record.processing),
        )

    def get(self, request_id: int) -> RequestRecord:
        """One entry, or :class:`NotFoundError`."""
        row = self._by_id("requests", request_id, "request")
        return _record(row)

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
        return [_record(r) for r in self._rows(sql, (*params, limit, offset))]

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
        return [_record(r) for r in rows]

    def delete_before(self, started_before: float) -> int:
        """Prune entries older than a time; returns how many went."""
        with self._ws.transaction():
            cursor = self._conn.execute("DELETE FROM requests WHERE started_at < ?", (started_before,))
        return cursor.rowcount


_AUTH_SCHEME = re.compile(r"^[A-Za-z][\w-]*\s+(\S.*)$")


def _credential_forms(value: str) -> list[str]:
    """A secret value as stored and without surrounding whitespace, and for ``Bearer <token>``-style
    values the token alone.

    A receiver quoting the token back (``WWW-Authenticate: Bearer error=<token>``) would otherwise
    bring it into the log without the scheme word in front, where the whole value does not match;
    and HTTP strips the whitespace around a header value, so a value stored with a trailing space
    comes back without it.
    """
    stripped = value.strip()
    match = _AUTH_SCHEME.match(stripped)
    forms = [value, stripped, match.group(1)] if match else [value, stripped]
    return sorted(set(forms), key=len, reverse=True)


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


def _pairs(text: str) -> tuple[tuple[str, str], ...]:
    return tuple((str(k), str(v)) for k, v in json.loads(text))


def _record(row: Row) -> RequestRecord:
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
        request_headers=_pairs(row["request_headers"]),
        request_body=bytes(row["request_body"]),
        response_status=row["response_status"],
        response_headers=_pairs(row["response_headers"]),
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


class PendingRepository(_Repository):
    """Retries that are due later. They survive a restart; the retry worker polls :meth:`due`."""

    def schedule(self, retry: PendingRetry) -> PendingRetry:
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

    def get(self, retry_id: int) -> PendingRetry:
        """One retry, or :class:`NotFoundError`."""
        row = self._by_id("pending_retries", retry_id, "pending retry")
        return _pending(row)

    def due(self, now: float, limit: int = 100) -> builtins.list[PendingRetry]:
        """Pending retries whose time has come, earliest first."""
        rows = self._rows(
            "SELECT * FROM pending_retries WHERE state = 'pending' AND due_at <= ? ORDER BY due_at, "
            "id LIMIT ?",
            (now, limit),
        )
        return [_pending(r) for r in rows]

    def list(self, state: PendingState | None = PendingState.PENDING) -> builtins.list[PendingRetry]:
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


def _pending(row: Row) -> PendingRetry:
    return PendingRetry(
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
        headers=_pairs(row["headers"]),
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
