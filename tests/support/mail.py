"""A received email for tests: a "your order shipped" message with an HTML and a text part."""

from __future__ import annotations

from email.message import EmailMessage

TEXT = "Tracking: TRK1"
HTML = '<p style="color:#000000">Tracking: <b>TRK1</b></p>'


def shipped_email(text: str = TEXT, html: str = HTML) -> bytes:
    """The raw bytes of a multipart/alternative message from psp@ to ops@example.test."""
    message = EmailMessage()
    message["Subject"] = "Your order shipped"
    message["From"] = "PSP <psp@example.test>"
    message["To"] = "ops@example.test"
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message.as_bytes()
