"""Display values of received requests and emails, and the script builder's steps."""

from __future__ import annotations

from email.message import EmailMessage

from postback_studio.core.dispatch.inbox import ReceivedMessage, ReceivedRequest, ResponseScript
from postback_studio.core.inbox_view import answer_label, script_step, view_http, view_mail
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


def test_answer_labels_say_where_in_the_script_the_answer_was() -> None:
    assert answer_label(503, 1, 3) == "503 (script 1/3)"
    assert answer_label(200, 3, 3) == "200 (script 3/3)"
    assert answer_label(200, 5, 3) == "200 (script 3/3, repeating)"
    assert answer_label(200, 4, 1) == "200", "a one-answer script says nothing about position"
    assert answer_label(413) == "413", "an answer the script did not give"
    assert answer_label(None) == ""


def test_the_script_length_counts_each_answer_and_the_last_once() -> None:
    assert ResponseScript.parse("503x2, 200").length == 3
    assert ResponseScript.parse("500, 429x3 retry-after=1, 200").length == 5
    assert ResponseScript.parse("200").length == 1


def test_a_stored_request_shows_its_scripted_answer() -> None:
    stored = InboxHttpRequest(3600.0, "POST", "/hooks/1", (), b"{}", response_status=503, script_position=2,
                              script_length=3)
    view = view_http(stored)
    assert view.summary == "01:00:00  POST /hooks/1 → 503 (script 2/3)  (2 B)"
    assert view.answer == "503 (script 2/3)"
    assert view.listing == "01:00:00  POST /hooks/1  (2 B)\n→ 503 (script 2/3)", "the answer on its own line"
