"""What the Inbox page shows of a received request or email, as plain display values.

The local HTTP receiver and SMTP catcher hand over their records (exact bytes, headers, envelope);
this module turns one into the list line and the detail texts, so the page only places text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from postback_studio.core.body_view import exact_text, format_headers, header_value, pretty_text
from postback_studio.core.mail_view import MailParts, parse_mail
from postback_studio.core.records import InboxEmail


class ReceivedHttp(Protocol):
    """A received request: live from the receiver (``core.dispatch.inbox.ReceivedRequest``) or read
    back from the workspace (``core.records.InboxHttpRequest``)."""

    @property
    def method(self) -> str: ...
    @property
    def path(self) -> str: ...
    @property
    def headers(self) -> tuple[tuple[str, str], ...]: ...
    @property
    def body(self) -> bytes: ...
    @property
    def received_at(self) -> float: ...
    @property
    def response_status(self) -> int | None: ...
    @property
    def script_position(self) -> int | None: ...
    @property
    def script_length(self) -> int | None: ...


class CaughtMail(Protocol):
    """What the SMTP catcher hands over live (``core.dispatch.inbox.ReceivedMessage``)."""

    @property
    def mail_from(self) -> str: ...
    @property
    def rcpt_tos(self) -> tuple[str, ...]: ...
    @property
    def data(self) -> bytes: ...
    @property
    def received_at(self) -> float: ...


#: A received email: live from the catcher, or read back from the workspace (``ws.inbox``).
ReceivedMail = CaughtMail | InboxEmail


def mail_bytes(message: ReceivedMail) -> bytes:
    """The raw message bytes, whichever of the two shapes carries them."""
    return message.raw if isinstance(message, InboxEmail) else message.data


def clock_time(epoch: float) -> str:
    """``06:05:03`` (UTC): the inbox lists arrivals of the current session."""
    return datetime.fromtimestamp(epoch, tz=UTC).strftime("%H:%M:%S")


def answer_label(status: int | None, position: int | None = None, length: int | None = None) -> str:
    """What the receiver answered: ``503 (script 1/3)``; ``200 (script 3/3, repeating)`` past the
    script's end, where its last answer repeats; the bare status for a one-answer script or an answer
    the script did not give (413); "" when the answer is not known (a request kept by an older version).
    """
    if status is None:
        return ""
    if position is None or length is None or length < 2:
        return str(status)
    if position > length:
        return f"{status} (script {length}/{length}, repeating)"
    return f"{status} (script {position}/{length})"


@dataclass(frozen=True)
class HttpView:
    """One received request, ready to show; ``answer`` is :func:`answer_label` of its answer.

    ``summary`` is one line; ``listing`` the same on two (the request, then the answer), so a
    narrow list shows the answer whole.
    """

    summary: str
    request_line: str
    headers: str
    body: str
    pretty_body: str | None
    status: int | None
    answer: str = ""
    listing: str = ""


def view_http(request: ReceivedHttp) -> HttpView:
    """The list line and the detail of ``request``, with the answer the receiver gave it."""
    status = request.response_status
    answer = answer_label(status, request.script_position, request.script_length)
    answered = f" → {answer}" if answer else ""
    size = len(request.body)
    first = f"{clock_time(request.received_at)}  {request.method} {request.path}"
    return HttpView(
        summary=f"{first}{answered}  ({size:,} B)",
        listing=f"{first}  ({size:,} B)" + (f"\n→ {answer}" if answer else ""),
        request_line=f"{request.method} {request.path}",
        headers=format_headers(request.headers),
        body=exact_text(request.body),
        pretty_body=pretty_text(request.body, header_value(request.headers, "content-type") or ""),
        status=status,
        answer=answer,
    )


@dataclass(frozen=True)
class MailView:
    """One received email, ready to show: envelope and parsed parts (``listing``: two lines)."""

    summary: str
    envelope: str
    parts: MailParts
    listing: str = ""


def view_mail(message: ReceivedMail) -> MailView:
    """The list line, the envelope and the parts of ``message``."""
    parts = parse_mail(mail_bytes(message))
    recipients = ", ".join(message.rcpt_tos)
    subject = parts.subject or "(no subject)"
    return MailView(
        summary=f"{clock_time(message.received_at)}  {subject}  — to {recipients}",
        listing=f"{clock_time(message.received_at)}  {subject}\nto {recipients}",
        envelope=f"MAIL FROM: {message.mail_from}\nRCPT TO: {recipients}",
        parts=parts,
    )


def script_step(status: int, times: int, delay: float, retry_after: str, header: str) -> str:
    """One step of the script language from the builder's fields: ``503x2 delay=1 retry-after=5``."""
    text = f"{status}x{times}" if times > 1 else str(status)
    if delay:
        text += f" delay={delay:g}"
    if retry_after.strip():
        text += f" retry-after={retry_after.strip()}"
    name, sep, value = header.partition(":")
    if sep and name.strip():
        text += f" header:{name.strip()}={value.strip()}"
    return text
