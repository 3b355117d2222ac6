"""Taking a received email apart for the Inbox."""

from __future__ import annotations

from email.message import EmailMessage

from postback_studio.core.mail_view import parse_mail


def test_multipart_message_gives_both_parts_and_headers() -> None:
    message = EmailMessage()
    message["Subject"] = "Your order shipped"
    message["From"] = "PSP <psp@example.test>"
    message["To"] = "ops@example.test"
    message.set_content("Plain words")
    message.add_alternative("<p>Rich words</p>", subtype="html")
    parts = parse_mail(message.as_bytes())
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
