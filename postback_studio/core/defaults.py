"""Defaults the product ships with that more than one layer needs, each defined here only.

The local inbox listens on :data:`LOCAL_HTTP_PORT` and :data:`LOCAL_SMTP_PORT` unless Settings
(or ``inbox --http-port/--smtp-port``) say otherwise; the seeded demo trigger posts to
:data:`LOCAL_INBOX_URL` and the seeded SMTP settings point at the local catcher, so a new workspace
can send its first test without any server of the user's own.
"""

from __future__ import annotations

#: The local webhook receiver's port (``postback-studio inbox``, the Inbox page).
LOCAL_HTTP_PORT = 8765
#: The local SMTP catcher's port.
LOCAL_SMTP_PORT = 2525
#: Where the seeded demo webhook trigger sends: the local receiver.
LOCAL_INBOX_URL = f"http://127.0.0.1:{LOCAL_HTTP_PORT}/postbacks"
#: The local receiver keeps at most this many megabytes of a request body (Settings, ``--max-body``).
INBOX_BODY_MB = 10
#: The largest body limit either may set.
MAX_INBOX_BODY_MB = 1024
