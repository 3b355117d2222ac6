"""The local inbox's sinks: what the HTTP receiver and the SMTP catcher get, stored in the workspace."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from postback_studio.core.dispatch.delivery import redact_headers
from postback_studio.core.dispatch.inbox import ReceivedMessage, ReceivedRequest
from postback_studio.core.records import InboxEmail, InboxHttpRequest
from postback_studio.services.changes import ChangeBus, ChangeNotice, Entity
from postback_studio.services.delivery.writer import WorkspaceWriter
from postback_studio.storage.workspace import Workspace


class InboxRecorder:
    """Sinks for :class:`~.inbox.HttpInbox` and :class:`~.inbox.SmtpCatcher` that store into ``ws.inbox``.

    The servers call their sink from their own threads; the writes go through one writer thread.

    Args:
        writer: The writer (and connection) to store through.
        notices: Where each stored arrival is announced.
        on_http: Also called with each stored request (the CLI prints a line).
        on_email: Also called with each stored message.
    """

    def __init__(
        self,
        writer: WorkspaceWriter,
        notices: ChangeBus,
        *,
        on_http: Callable[[InboxHttpRequest], None] | None = None,
        on_email: Callable[[InboxEmail], None] | None = None,
    ) -> None:
        self._writer = writer
        self._notices = notices
        self._on_http = on_http
        self._on_email = on_email

    def http(self, request: ReceivedRequest) -> None:
        """Store one received HTTP request (pass as ``HttpInbox(sink=recorder.http)``).

        Header values are stored redacted like the request log's: the credential headers, and every
        header some trigger of the workspace marks secret.
        """

        def store(ws: Workspace) -> InboxHttpRequest:
            secret = [h.name for trigger in ws.triggers.list() for h in trigger.headers if h.secret]
            item = InboxHttpRequest(
                received_at=request.received_at,
                method=request.method,
                path=request.path,
                headers=redact_headers(request.headers, secret),
                body=request.body,
                remote=request.client,
                response_status=request.response_status,
                script_position=request.script_position,
                script_length=request.script_length,
            )
            return replace(item, id=ws.inbox.add_http(item))

        stored = self._writer.call(store)
        self._notices.publish(ChangeNotice(Entity.INBOX, stored.id))
        if self._on_http is not None:
            self._on_http(stored)

    def email(self, message: ReceivedMessage) -> None:
        """Store one received message (pass as ``SmtpCatcher(sink=recorder.email)``)."""
        item = InboxEmail(
            received_at=message.received_at,
            mail_from=message.mail_from,
            rcpt_tos=message.rcpt_tos,
            raw=message.data,
            remote=message.client,
        )
        stored = replace(item, id=self._writer.call(lambda ws: ws.inbox.add_email(item)))
        self._notices.publish(ChangeNotice(Entity.INBOX, stored.id))
        if self._on_email is not None:
            self._on_email(stored)
