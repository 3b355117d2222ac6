"""Request log workspaces for tests: real SQLite files filled with ``RequestRecord`` values.

Until the storage branch lands, this creates the ``requests`` table and its FTS index with the DDL
the storage schema uses; afterwards it goes through ``Workspace.open`` and ``ws.requests``.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from pathlib import Path

from postback_studio.core.requestlog import RequestRecord

_DDL = """
CREATE TABLE requests (
    id INTEGER PRIMARY KEY,
    delivery_id TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    channel TEXT NOT NULL,
    outcome TEXT NOT NULL,
    started_at REAL NOT NULL,
    event TEXT NOT NULL,
    target TEXT NOT NULL,
    payload TEXT NOT NULL DEFAULT '',
    processing TEXT NOT NULL DEFAULT '',
    request_method TEXT NOT NULL DEFAULT '',
    request_headers TEXT NOT NULL DEFAULT '[]',
    request_body BLOB NOT NULL DEFAULT x'',
    response_status INTEGER,
    response_headers TEXT NOT NULL DEFAULT '[]',
    response_body BLOB NOT NULL DEFAULT x'',
    error TEXT NOT NULL DEFAULT '',
    smtp_transcript TEXT NOT NULL DEFAULT '',
    duration REAL,
    customer_id INTEGER,
    customer_name TEXT NOT NULL DEFAULT '',
    trigger_id INTEGER,
    trigger_name TEXT NOT NULL DEFAULT '',
    is_test INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL
);
CREATE INDEX requests_started ON requests(started_at);
CREATE INDEX requests_outcome ON requests(outcome, started_at);
CREATE INDEX requests_customer ON requests(customer_id, started_at);
CREATE INDEX requests_trigger ON requests(trigger_id, started_at);
CREATE INDEX requests_event ON requests(event, started_at);
CREATE INDEX requests_test ON requests(is_test, started_at);
CREATE INDEX requests_delivery ON requests(delivery_id, attempt);

CREATE VIRTUAL TABLE requests_fts USING fts5(
    target, request_body, response_body, error, content='requests', content_rowid='id'
);
CREATE TRIGGER requests_fts_insert AFTER INSERT ON requests BEGIN
    INSERT INTO requests_fts(rowid, target, request_body, response_body, error)
    VALUES (new.id, new.target, CAST(new.request_body AS TEXT), CAST(new.response_body AS TEXT), new.error);
END;
CREATE TRIGGER requests_fts_delete AFTER DELETE ON requests BEGIN
    INSERT INTO requests_fts(requests_fts, rowid, target, request_body, response_body, error)
    VALUES ('delete', old.id, old.target, CAST(old.request_body AS TEXT), CAST(old.response_body AS TEXT),
            old.error);
END;
CREATE TRIGGER requests_fts_update AFTER UPDATE ON requests BEGIN
    INSERT INTO requests_fts(requests_fts, rowid, target, request_body, response_body, error)
    VALUES ('delete', old.id, old.target, CAST(old.request_body AS TEXT), CAST(old.response_body AS TEXT),
            old.error);
    INSERT INTO requests_fts(rowid, target, request_body, response_body, error)
    VALUES (new.id, new.target, CAST(new.request_body AS TEXT), CAST(new.response_body AS TEXT), new.error);
END;
"""


def make_log(path: Path, records: Iterable[RequestRecord]) -> list[RequestRecord]:
    """Create a workspace file at ``path`` holding ``records``; return them with their ids."""
    connection = sqlite3.connect(path)
    create_schema(connection)
    stored = append(connection, records)
    connection.close()
    return stored


def create_schema(connection: sqlite3.Connection) -> None:
    """Create the request log tables on ``connection``."""
    connection.executescript(_DDL)


def append(connection: sqlite3.Connection, records: Iterable[RequestRecord]) -> list[RequestRecord]:
    """Append ``records`` and commit; return them with their ids."""
    from dataclasses import replace

    stored = []
    for r in records:
        cursor = connection.execute(
            "INSERT INTO requests (delivery_id, attempt, channel, outcome, started_at, event, target,"
            " payload,"
            " processing, request_method, request_headers, request_body, response_status, response_headers,"
            " response_body, error, smtp_transcript, duration, customer_id, customer_name, trigger_id,"
            " trigger_name, is_test, next_attempt_at)"
            f" VALUES ({', '.join('?' * 24)})",
            (
                r.delivery_id,
                r.attempt,
                r.channel.value,
                r.outcome.value,
                r.started_at,
                r.event,
                r.target,
                r.payload,
                r.processing,
                r.request_method,
                json.dumps([list(h) for h in r.request_headers]),
                r.request_body,
                r.response_status,
                json.dumps([list(h) for h in r.response_headers]),
                r.response_body,
                r.error,
                r.smtp_transcript,
                r.duration,
                r.customer_id,
                r.customer_name,
                r.trigger_id,
                r.trigger_name,
                int(r.is_test),
                r.next_attempt_at,
            ),
        )
        stored.append(replace(r, id=cursor.lastrowid))
    connection.commit()
    return stored


def sample_records(count: int, *, start: float = 1_700_000_000.0, step: float = 60.0) -> list[RequestRecord]:
    """``count`` attempts, one every ``step`` seconds: three customers, retries, an email, a signed one.

    Every fifth delivery fails twice with 503 before it is delivered, so deliveries have several
    attempts; bodies mention ``order-<n>`` so full-text search has something to find.
    """
    from postback_studio.core.requestlog import Channel, Outcome

    customers = [(1, "Acme Prints"), (2, "Globex"), (3, "Initech")]
    records = []
    n = 0
    while len(records) < count:
        customer_id, customer_name = customers[n % 3]
        attempts = 3 if n % 5 == 0 else 1
        for attempt in range(1, attempts + 1):
            last = attempt == attempts
            email = n % 7 == 3
            signed = n % 4 == 1
            headers: tuple[tuple[str, str], ...] = (
                ("Content-Type", "application/json"),
                ("Authorization", "[redacted]"),
            )
            if signed:
                headers += (
                    ("webhook-id", f"msg_{n}"),
                    ("webhook-timestamp", str(int(start))),
                    ("webhook-signature", "v1,c2lnbmF0dXJl"),
                )
            body = f'{{"orderId":"order-{n}","attempt":{attempt}}}'.encode()
            records.append(
                RequestRecord(
                    delivery_id=f"msg_{n}",
                    attempt=attempt,
                    channel=Channel.EMAIL if email else Channel.WEBHOOK,
                    outcome=Outcome.DELIVERED if last else Outcome.RETRYING,
                    started_at=start + step * len(records),
                    event=["shipped", "received", "delivered"][n % 3],
                    target=f"ops{n % 3}@example.test"
                    if email
                    else f"http://127.0.0.1:8765/hooks/{customer_id}",
                    payload=f'{{"orderId": "order-{n}"}}',
                    processing=json.dumps({"output": body.decode(), "diagnostics": []}),
                    request_method="" if email else "POST",
                    request_headers=() if email else headers,
                    request_body=body,
                    response_status=None if email else (200 if last else 503),
                    response_body=b"" if last else b"try later",
                    smtp_transcript="> EHLO studio\n< 250 ok\n> AUTH PLAIN [redacted]\n< 235 ok"
                    if email
                    else "",
                    duration=0.012 * attempt,
                    customer_id=customer_id,
                    customer_name=customer_name,
                    trigger_id=10 + n % 3,
                    trigger_name=f"Order {['shipped', 'received', 'delivered'][n % 3]} hook",
                    is_test=n % 2 == 0,
                )
            )
            if len(records) == count:
                break
        n += 1
    return records
