"""Hand what the local inbox receives, on its server threads, to the GUI thread by signal.

The HTTP receiver and the SMTP catcher call their sinks from their own threads; a widget must
never be touched there. :class:`InboxBridge` lives on the GUI thread and its ``http_sink`` /
``mail_sink`` only emit, so Qt queues each arrival to the page's slots.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal, SignalInstance

from postback_studio.core.dispatch.inbox import ReceivedMessage, ReceivedRequest


class InboxBridge(QObject):
    """Sinks for ``HttpInbox`` / ``SmtpCatcher`` that re-emit each arrival on the GUI thread.

    Signals:
        http_received(object): a ``ReceivedRequest`` (connect to ``InboxPage.add_http_request``).
        email_received(object): a ``ReceivedMessage`` (connect to ``InboxPage.add_email``).
    """

    http_received = Signal(object)
    email_received = Signal(object)

    def http_sink(self, request: ReceivedRequest) -> None:
        """Pass as ``HttpInbox(sink=...)``; called on a server thread."""
        self._emit(self.http_received, request)

    def mail_sink(self, message: ReceivedMessage) -> None:
        """Pass as ``SmtpCatcher(sink=...)``; called on the catcher's thread."""
        self._emit(self.email_received, message)

    @staticmethod
    def _emit(signal: SignalInstance, value: object) -> None:
        try:
            signal.emit(value)
        except RuntimeError:
            # The window closed while a request was in flight; the workspace sink still has it.
            return
