"""Display values of received requests and emails, and the script builder's steps."""

from __future__ import annotations

from email.message import EmailMessage

from postback_studio.core.dispatch.inbox import ReceivedMessage, ReceivedRequest, ResponseScript
from postback_studio.core.inbox_view import script_step, view_http, view_mail
from postback_studio.core.records import InboxEmail, InboxHttpRequest


def test_http_view_keeps_exact_body_and_offers_pretty_json() -> None:
    headers = (("Content-Type", "application/json"),)
    request = ReceivedRequest("POST", "/hooks/1", headers, b'{"a":1}', 3600.0, "127.0.0.1", 503)
    view = view_http(request)
    assert view.summary == "01:00:00  POST /hooks/1 → 503  (7 B)"
    assert view.body == '{"a":1}'
    assert view.pretty_body == '{\n  "a": 1\n}'
    assert view.headers == "Content-Type: application/json"
    stored = view_http(InboxHttpRequest(3600.0, "POST", "/hooks/1", headers, b'{"a":1}'))
    assert stored.summary == "01:00:00  POST /hooks/1  (7 B)" and stored.status is None


def test_mail_view_takes_the_message_apart() -> None:
    message = EmailMessage()
    message["Subject"] = "Shipped"
    message.set_content("plain")
    recipients = ("a@example.test", "b@example.test")
    view = view_mail(ReceivedMessage("psp@example.test", recipients, message.as_bytes(), 0.0, "127.0.0.1"))
    assert view.summary == "00:00:00  Shipped  — to a@example.test, b@example.test"
    assert view.envelope == "MAIL FROM: psp@example.test\nRCPT TO: a@example.test, b@example.test"
    assert view.parts.text.strip() == "plain"
    stored = view_mail(InboxEmail(0.0, "psp@example.test", recipients, message.as_bytes()))
    assert stored.parts.text.strip() == "plain" and stored.summary == view.summary


def test_script_step_from_builder_fields() -> None:
    assert script_step(200, 1, 0.0, "", "") == "200"
    assert (
        script_step(503, 2, 1.5, " 5 ", "X-Debug: yes") == "503x2 delay=1.5 retry-after=5 header:X-Debug=yes"
    )
    assert script_step(429, 1, 0.0, "", "no colon") == "429"
    parsed = ResponseScript.parse(script_step(503, 2, 1.5, "5", "X-Debug: yes"))
    assert parsed.steps[0].response.headers == (("Retry-After", "5"), ("X-Debug", "yes"))
