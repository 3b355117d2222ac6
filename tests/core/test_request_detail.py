"""The four panes of a log entry, for webhooks, signed webhooks, failures and emails."""

from __future__ import annotations

from dataclasses import replace

from postback_studio.core.body_view import exact_text, pretty_text
from postback_studio.core.model import OutputFormat, TemplateKind
from postback_studio.core.render.result import Diagnostic, Location, Severity, Where
from postback_studio.core.render_record import EmailOutput, RenderRecord
from postback_studio.core.request_detail import describe, format_duration, show_document, signed_content
from postback_studio.core.requestlog import Channel, Outcome, RequestRecord

BODY = b'{"orderId":"A1","note":"caf\xc3\xa9"}'


def _webhook(**changes: object) -> RequestRecord:
    values: dict[str, object] = {
        "delivery_id": "msg_1", "attempt": 2, "channel": Channel.WEBHOOK, "outcome": Outcome.RETRYING,
        "started_at": 1_700_000_000.25, "event": "shipped", "target": "https://example.test/hook",
        "payload": '{"orderId": "A1"}',
        "processing": RenderRecord(
            "shipped", 3, output=BODY.decode(),
            diagnostics=(Diagnostic(Severity.WARNING, "unresolved-field", "items[].x is not in the payload",
                                    Location(Where.TEMPLATE, 4, 9, "body")),),
        ).dumps(),
        "request_method": "POST",
        "request_headers": (("Content-Type", "application/json"), ("Authorization", "[redacted]"),
                            ("webhook-id", "msg_1"), ("webhook-timestamp", "1700000000"),
                            ("webhook-signature", "v1,abc=")),
        "request_body": BODY, "response_status": 503, "response_headers": (("Retry-After", "5"),),
        "response_body": b"busy", "duration": 0.1234, "id": 9,
    }
    values.update(changes)
    return RequestRecord(**values)  # type: ignore[arg-type]


def test_final_request_shows_exact_body_headers_and_signed_content() -> None:
    detail = describe(_webhook())
    assert detail.request_line == "POST https://example.test/hook"
    assert detail.request_body == BODY.decode("utf-8")
    assert "Authorization: [redacted]" in detail.request_headers
    assert detail.signed_content == 'msg_1.1700000000.' + BODY.decode("utf-8")
    assert detail.signature_headers.splitlines() == [
        "webhook-id: msg_1", "webhook-timestamp: 1700000000", "webhook-signature: v1,abc="]
    assert detail.request_body_pretty is not None and '"orderId": "A1"' in detail.request_body_pretty
    assert detail.response_line == "HTTP 503 in 123 ms"
    assert detail.response_headers == "Retry-After: 5"
    assert detail.payload == '{\n  "orderId": "A1"\n}'
    assert detail.rendered_output == BODY.decode()
    assert detail.diagnostics == (
        "template body 4:9: warning: items[].x is not in the payload [unresolved-field]",)
    assert "Order shipped · attempt 2" in detail.title and "2023-11-14 22:13:20.250 UTC" in detail.title


def test_unsigned_request_has_no_signed_content() -> None:
    assert signed_content(_webhook(request_headers=(("Content-Type", "application/json"),))) is None


def test_render_failure_says_nothing_was_sent() -> None:
    record = _webhook(outcome=Outcome.RENDER_FAILED, request_method="", request_headers=(),
                      request_body=b"", response_status=None, duration=None,
                      processing=RenderRecord(
                          "shipped", diagnostics=(Diagnostic(Severity.ERROR, "syntax", "unexpected end"),)
                      ).dumps())
    detail = describe(record)
    assert detail.request_line.startswith("Not sent")
    assert detail.response_line == "Nothing was sent"
    assert detail.rendered_output == ""
    assert detail.diagnostics == ("error: unexpected end [syntax]",)


def test_email_shows_transcript_and_parts() -> None:
    record = _webhook(channel=Channel.EMAIL, target="ops@example.test", request_method="",
                      request_headers=(), response_status=None, response_headers=(), response_body=b"",
                      smtp_transcript="> EHLO\n< 250 ok", duration=0.05,
                      processing=RenderRecord(
                          "mail", kind=TemplateKind.EMAIL, format=OutputFormat.HTML,
                          email=EmailOutput("Shipped", "<p>x</p>", ""),
                      ).dumps())
    detail = describe(record)
    assert detail.request_line == "Email to ops@example.test"
    assert detail.response_line == "Accepted by the SMTP server in 50 ms"
    assert describe(replace(record, response_status=250)).response_line == "SMTP 250 in 50 ms"
    assert detail.smtp_transcript.startswith("> EHLO")
    assert detail.rendered_output == "--- subject ---\nShipped\n\n--- html ---\n<p>x</p>"


def test_processing_that_is_not_our_json_is_shown_as_stored() -> None:
    detail = describe(_webhook(processing="plain words"))
    assert detail.rendered_output == "plain words"
    assert detail.diagnostics[-1].startswith("warning: the stored template processing cannot be read")


def test_an_unreadable_entry_says_so_in_every_view() -> None:
    record = _webhook(outcome=Outcome.UNREADABLE, error="This log entry cannot be read (channel: 'pigeon').")
    assert "unreadable" in describe(record).title
    document = show_document(record)
    assert document["outcome"] == "unreadable" and "pigeon" in document["unreadable"]


def test_body_views() -> None:
    assert exact_text(b"a\xffb") == "a\\xffb"
    assert pretty_text(b"<a><b>1</b></a>", "application/xml") == "<a>\n  <b>1</b>\n</a>\n"
    assert pretty_text(b"<a><b>", "") is None
    assert pretty_text(b"[1]", "") == "[\n  1\n]"
    assert pretty_text(b"hello", "text/plain") is None
    assert format_duration(12.34) == "12.3 s" and format_duration(None) == ""
