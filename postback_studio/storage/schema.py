"""The workspace schema and the migrations that take any older workspace file to the current version.

A new workspace runs every migration from version 0, so the upgrade path an old file takes is the
same code a new file takes, and is exercised by every test that opens a workspace.

Version 1 (the first public format) held customers, templates without history, triggers, lookup tables,
SMTP settings and secrets. Version 2 adds template history (each template's content moves into
``template_versions`` as its version 1), the user's sample payloads, the request log with full-text
search, pending retries and the local inbox. Version 3 keeps what the local inbox answered each
request and where in its response script that answer was.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

SCHEMA_VERSION = 3

_V1 = """
CREATE TABLE schema_version (version INTEGER NOT NULL);
INSERT INTO schema_version(version) VALUES (1);
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE secrets (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE customers (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    reference_id TEXT NOT NULL DEFAULT '',
    notes TEXT NOT NULL DEFAULT ''
);
CREATE TABLE templates (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    format TEXT NOT NULL,
    body TEXT NOT NULL DEFAULT '',
    subject TEXT NOT NULL DEFAULT '',
    text_body TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'draft',
    customer_id INTEGER REFERENCES customers(id),
    updated_at REAL NOT NULL
);
CREATE TABLE triggers (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    event TEXT NOT NULL,
    method TEXT NOT NULL,
    url TEXT NOT NULL DEFAULT '',
    http_method TEXT NOT NULL DEFAULT 'POST',
    format TEXT NOT NULL,
    headers TEXT NOT NULL DEFAULT '[]',
    retry TEXT NOT NULL,
    signing INTEGER NOT NULL DEFAULT 0,
    recipients TEXT NOT NULL DEFAULT '[]',
    template_id INTEGER REFERENCES templates(id),
    status TEXT NOT NULL DEFAULT 'draft',
    UNIQUE (customer_id, name)
);
CREATE TABLE lookup_tables (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    customer_id INTEGER REFERENCES customers(id),
    description TEXT NOT NULL DEFAULT '',
    template_field TEXT NOT NULL
);
CREATE TABLE lookup_rows (
    table_id INTEGER NOT NULL REFERENCES lookup_tables(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (table_id, key)
);
CREATE TABLE smtp (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    sender_email TEXT NOT NULL DEFAULT '',
    sender_name TEXT NOT NULL DEFAULT '',
    host TEXT NOT NULL DEFAULT '',
    port INTEGER NOT NULL DEFAULT 587,
    username TEXT NOT NULL DEFAULT '',
    tls_mode TEXT NOT NULL DEFAULT 'starttls'
);
"""

_V1_TO_V2 = """
CREATE TABLE template_versions (
    template_id INTEGER NOT NULL REFERENCES templates(id) ON DELETE CASCADE,
    number INTEGER NOT NULL,
    saved_at REAL NOT NULL,
    kind TEXT NOT NULL,
    format TEXT NOT NULL,
    body TEXT NOT NULL,
    subject TEXT NOT NULL,
    text_body TEXT NOT NULL,
    PRIMARY KEY (template_id, number)
);
INSERT INTO template_versions(template_id, number, saved_at, kind, format, body, subject, text_body)
    SELECT id, 1, updated_at, kind, format, body, subject, text_body FROM templates;
ALTER TABLE templates ADD COLUMN created_at REAL NOT NULL DEFAULT 0;
UPDATE templates SET created_at = updated_at;
CREATE INDEX templates_customer ON templates(customer_id);
CREATE INDEX triggers_customer ON triggers(customer_id, event, status);
CREATE INDEX triggers_template ON triggers(template_id);
CREATE INDEX lookup_tables_customer ON lookup_tables(customer_id);

CREATE TABLE samples (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    event TEXT NOT NULL,
    payload TEXT NOT NULL,
    UNIQUE (event, name)
);

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

CREATE TABLE pending_retries (
    id INTEGER PRIMARY KEY,
    delivery_id TEXT NOT NULL,
    trigger_id INTEGER NOT NULL,
    due_at REAL NOT NULL,
    attempt INTEGER NOT NULL,
    payload TEXT NOT NULL,
    event TEXT NOT NULL DEFAULT '',
    is_test INTEGER NOT NULL DEFAULT 0,
    state TEXT NOT NULL DEFAULT 'pending'
);
CREATE INDEX pending_due ON pending_retries(state, due_at);
CREATE INDEX pending_delivery ON pending_retries(delivery_id);

CREATE TABLE inbox_http (
    id INTEGER PRIMARY KEY,
    received_at REAL NOT NULL,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    headers TEXT NOT NULL DEFAULT '[]',
    body BLOB NOT NULL DEFAULT x'',
    remote TEXT NOT NULL DEFAULT ''
);
CREATE TABLE inbox_email (
    id INTEGER PRIMARY KEY,
    received_at REAL NOT NULL,
    mail_from TEXT NOT NULL,
    rcpt_tos TEXT NOT NULL DEFAULT '[]',
    raw BLOB NOT NULL DEFAULT x'',
    remote TEXT NOT NULL DEFAULT ''
);
"""


def _run_script(conn: sqlite3.Connection, script: str) -> None:
    # executescript() would COMMIT the surrounding transaction; split and run statement by statement.
    for statement in _statements(script):
        conn.execute(statement)


def _statements(script: str) -> list[str]:
    statements: list[str] = []
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        statements.append(buffer.strip())
    return statements


_V2_TO_V3 = """
ALTER TABLE inbox_http ADD COLUMN response_status INTEGER;
ALTER TABLE inbox_http ADD COLUMN script_position INTEGER;
ALTER TABLE inbox_http ADD COLUMN script_length INTEGER;
"""


def _to_v1(conn: sqlite3.Connection) -> None:
    _run_script(conn, _V1)


def _to_v2(conn: sqlite3.Connection) -> None:
    _run_script(conn, _V1_TO_V2)


def _to_v3(conn: sqlite3.Connection) -> None:
    _run_script(conn, _V2_TO_V3)


#: ``MIGRATIONS[n]`` takes a workspace from version ``n`` to ``n + 1``.
MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {0: _to_v1, 1: _to_v2, 2: _to_v3}


def current_version(conn: sqlite3.Connection) -> int:
    """The schema version stored in the file; 0 for an empty (new) database."""
    exists = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'"
    ).fetchone()
    if exists is None:
        return 0
    row = conn.execute("SELECT version FROM schema_version").fetchone()
    return 0 if row is None else int(row[0])


def migrate(conn: sqlite3.Connection, from_version: int) -> None:
    """Run every migration after ``from_version`` in the caller's transaction and record the new version."""
    for version in range(from_version, SCHEMA_VERSION):
        MIGRATIONS[version](conn)
        conn.execute("UPDATE schema_version SET version = ?", (version + 1,))
