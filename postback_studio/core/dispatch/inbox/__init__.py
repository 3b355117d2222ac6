"""The local inbox: an HTTP receiver and an SMTP catcher on 127.0.0.1.

They let a user (and the tests) send real postbacks without a real endpoint: every request or message
is kept with its exact bytes, handed to a sink (the workspace) and answered as scripted, so retries,
``Retry-After`` and slow receivers can be rehearsed on one machine.

Script syntax for the HTTP receiver, one step per comma::

    STATUS[xCOUNT] [delay=SECONDS] [retry-after=VALUE] [header:NAME=VALUE]...

``"503x2, 200"`` answers 503 twice and then 200. The last step repeats forever; a step without a
count is used once unless it is the last.

The HTTP receiver listens to anything that reaches its port, so every cost is bounded
(:class:`InboxLimits`): a body over the size cap is cut there, kept, marked with the
:data:`TRUNCATED_HEADER` header and answered 413 (with or without ``Content-Length``, chunked or
not); a silent connection is closed after the idle timeout and a body that trickles in after the body
timeout; at most ``max_connections`` are served at once, others are answered 503.
"""

from __future__ import annotations

from postback_studio.core.dispatch.inbox.http_receiver import HttpInbox, InboxLimits
from postback_studio.core.dispatch.inbox.records import TRUNCATED_HEADER, ReceivedMessage, ReceivedRequest
from postback_studio.core.dispatch.inbox.script import (
    ResponseScript,
    ScriptedResponse,
    ScriptError,
    ScriptStep,
)
from postback_studio.core.dispatch.inbox.smtp_catcher import SmtpCatcher, SmtpCatcherOptions

__all__ = [
    "TRUNCATED_HEADER",
    "HttpInbox",
    "InboxLimits",
    "ReceivedMessage",
    "ReceivedRequest",
    "ResponseScript",
    "ScriptError",
    "ScriptStep",
    "ScriptedResponse",
    "SmtpCatcher",
    "SmtpCatcherOptions",
]
