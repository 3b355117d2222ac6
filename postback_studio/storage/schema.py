"""The workspace schema and the migrations that take any older workspace file to the current version.

A new workspace runs every migration from version 0, so the upgrade path an old file takes is the
same code a new file takes, and is exercised by every test that opens a workspace.

Version 1 (the first public format) held customers, templates without history, triggers, lookup tables,
SMTP settings and secrets. Version 2 adds template history (each template's content moves into
``template_versions`` as its version 1), the user's sample payloads, the request log with full-text
search, pending retries and the local inbox. Version 3 binds every stored secret to the destination
it was entered for (``secret_bindings``, see :mod:`postback_studio.core.destination`): the secrets an
older file holds are bound to their trigger's or SMTP server's destination as it is at the upgrade,
because that is what the user entered them for; and the user info of URLs already in the request
log (``https://user:password@host/``) is redacted, in the rows and so in their search index.
Version 4 keeps what the local inbox answered each request and where in its response script that
answer was (older requests have no known answer).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable

from postback_studio.core.destination import fingerprint, smtp_destination, webhook_destination
from postback_studio.core.url_safety import redact_userinfo, redact_userinfo_in_text
from postback_studio.storage.secrets import smtp_password_key, trigger_secret_key, trigger_secret_slot

SCHEMA_VERSION = 4

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


_V2_TO_V3 = """
CREATE TABLE secret_bindings (
    key TEXT PRIMARY KEY,
    destination TEXT NOT NULL
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




def _to_v1(conn: sqlite3.Connection) -> None:
    _run_script(conn, _V1)


def _to_v2(conn: sqlite3.Connection) -> None:
    _run_script(conn, _V1_TO_V2)


def _to_v3(conn: sqlite3.Connection) -> None:
    _run_script(conn, _V2_TO_V3)
    row = conn.execute("SELECT value FROM meta WHERE key = 'workspace_id'").fetchone()
    if row is not None:
        _bind_existing_secrets(conn, str(row[0]))
    _redact_logged_userinfo(conn)


def _bind_existing_secrets(conn: sqlite3.Connection, workspace_id: str) -> None:
    """Bind every secret an older file may hold to its current destination (entered for it)."""
    bindings: list[tuple[str, str]] = []
    triggers = conn.execute("SELECT id, method, url, headers, signing FROM triggers").fetchall()
    for trigger_id, method, url, headers, signing in triggers:
        destination = fingerprint(webhook_destination(url)) if method == "url" else ""
        if not destination:
            continue
        slots = [trigger_secret_slot(h["name"]) for h in json.loads(headers) if h.get("secret")]
        if signing:
            slots.append("signing")
        bindings += [(trigger_secret_key(workspace_id, trigger_id, slot), destination) for slot in slots]
    smtp = conn.execute("SELECT host, port, username FROM smtp WHERE id = 1").fetchone()
    if smtp is not None and (destination := fingerprint(smtp_destination(*smtp))):
        bindings.append((smtp_password_key(workspace_id), destination))
    conn.executemany("INSERT OR REPLACE INTO secret_bindings(key, destination) VALUES (?, ?)", bindings)


def _redact_logged_userinfo(conn: sqlite3.Connection) -> None:
    """Redact URL user info in the log's target and error, and rebuild the search index from them.

    The rows are rewritten with ``secure_delete`` on, so the old text is overwritten, not left in
    free pages; the index is rebuilt because an FTS5 delete only marks old terms as deleted.
    """
    rows = conn.execute(
        "SELECT id, target, error FROM requests WHERE target GLOB '*://*@*' OR error GLOB '*://*@*'"
    ).fetchall()
    if not rows:
        return
    previous = int(conn.execute("PRAGMA secure_delete").fetchone()[0])
    conn.execute("PRAGMA secure_delete = ON")
    try:
        conn.executemany(
            "UPDATE requests SET target = ?, error = ? WHERE id = ?",
            [(redact_userinfo(t), redact_userinfo_in_text(e), row_id) for row_id, t, e in rows],
        )
        conn.execute("INSERT INTO requests_fts(requests_fts) VALUES ('rebuild')")
    finally:
        conn.execute(f"PRAGMA secure_delete = {previous}")


_V3_TO_V4 = """
ALTER TABLE inbox_http ADD COLUMN response_status INTEGER;
ALTER TABLE inbox_http ADD COLUMN script_position INTEGER;
ALTER TABLE inbox_http ADD COLUMN script_length INTEGER;
"""


def _to_v4(conn: sqlite3.Connection) -> None:
    _run_script(conn, _V3_TO_V4)


#: ``MIGRATIONS[n]`` takes a workspace from version ``n`` to ``n + 1``.
MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {0: _to_v1, 1: _to_v2, 2: _to_v3, 3: _to_v4}


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
