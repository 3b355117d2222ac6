"""Split a received email's raw bytes into what the Inbox shows: headers, HTML part, text part.

The standard library's ``email`` package does the MIME work; this module only picks the parts a
person checks (does the message carry the rendered subject, and both the HTML and the text part?).
"""

from __future__ import annotations

from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

from postback_studio.core.body_view import exact_text


@dataclass(frozen=True)
class MailParts:
    """A received message taken apart. ``html``/``text`` are empty when the message has no such part."""

    subject: str
    sender: str
    recipients: str
    date: str
    headers: tuple[tuple[str, str], ...]
    html: str
    text: str
    attachments: tuple[str, ...]
    raw: str


def parse_mail(raw: bytes) -> MailParts:
    """Take ``raw`` (the DATA of an SMTP transaction) apart; never raises on a malformed message.

    A message the parser cannot make sense of still shows its raw source, which is what a person
    debugging it needs most.
    """
    message = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    headers = tuple((str(k), str(v)) for k, v in message.items())
    html = _part_text(message, "html")
    text = _part_text(message, "plain")
    attachments = tuple(
        part.get_filename() or part.get_content_type() for part in message.iter_attachments()
    ) if message.is_multipart() else ()
    return MailParts(
        subject=str(message.get("subject", "")),
        sender=str(message.get("from", "")),
        recipients=str(message.get("to", "")),
        date=str(message.get("date", "")),
        headers=headers,
        html=html,
        text=text,
        attachments=tuple(str(a) for a in attachments),
        raw=exact_text(raw),
    )


def _part_text(message: EmailMessage, subtype: str) -> str:
    try:
        part = message.get_body(preferencelist=(subtype,))
    except (KeyError, LookupError):
        return ""
    if part is None or part.get_content_subtype() != subtype:
        return ""
    try:
        content = part.get_content()
    except (LookupError, ValueError):
        payload = part.get_payload(decode=True)
        return exact_text(payload) if isinstance(payload, bytes) else ""
    return content if isinstance(content, str) else exact_text(bytes(content))
