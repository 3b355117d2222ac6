"""What the local webhook and SMTP inboxes received, kept in the workspace, newest first."""

from __future__ import annotations

import builtins
import json

from postback_studio.core.errors import NotFoundError
from postback_studio.core.records import InboxEmail, InboxHttpRequest
from postback_studio.core.requestlog import header_pairs
from postback_studio.storage.repository import Repository, Row


class InboxRepository(Repository):
    """What the local webhook and SMTP inboxes received, newest first."""

    table = "inbox_http"
    what = "inbox request"

    def add_http(self, request: InboxHttpRequest) -> int:
        """Record a received HTTP request (exact body bytes); returns its id."""
        return self._insert(
            {
                "received_at": request.received_at,
                "method": request.method,
                "path": request.path,
                "headers": json.dumps([list(h) for h in request.headers]),
                "body": request.body,
                "remote": request.remote,
                "response_status": request.response_status,
                "script_position": request.script_position,
                "script_length": request.script_length,
            }
        )

    def add_email(self, email: InboxEmail) -> int:
        """Record a received message (envelope and raw bytes); returns its id."""
        row = {
            "received_at": email.received_at,
            "mail_from": email.mail_from,
            "rcpt_tos": json.dumps(list(email.rcpt_tos)),
            "raw": email.raw,
            "remote": email.remote,
        }
        return self._insert(row, "inbox_email")

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
        return _http(self._by_id(request_id))

    def get_email(self, email_id: int) -> InboxEmail:
        """One received email, or :class:`NotFoundError`."""
        rows = list(self._ws.db.table("inbox_email").rows_where("id = ?", [email_id]))
        if not rows:
            raise NotFoundError(f"no inbox email with id {email_id}")
        return _email(rows[0])

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
        response_status=row["response_status"],
        script_position=row["script_position"],
        script_length=row["script_length"],
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
