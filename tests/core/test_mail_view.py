"""Taking a received email apart for the Inbox."""

from __future__ import annotations

from postback_studio.core.mail_view import parse_mail
from tests.support.mail import shipped_email


def test_multipart_message_gives_both_parts_and_headers() -> None:
    parts = parse_mail(shipped_email("Plain words", "<p>Rich words</p>"))
    assert parts.subject == "Your order shipped"
    assert parts.sender == "PSP <psp@example.test>"
    assert parts.text.strip() == "Plain words"
    assert parts.html.strip() == "<p>Rich words</p>"
    assert ("To", "ops@example.test") in parts.headers
    assert "Content-Type: multipart/alternative" in parts.raw


def test_text_only_and_junk_do_not_raise() -> None:
    parts = parse_mail(b"Subject: hi\r\n\r\nbody\r\n")
    assert parts.html == "" and parts.text.strip() == "body"
    junk = parse_mail(b"\xff\xfe not a message")
    assert junk.raw.startswith("\\xff")
