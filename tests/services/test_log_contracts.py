"""The request log's contracts, end to end: real sends of every kind, through the real service and
the real log, read back by the real readers (the detail builder the Requests page uses, ``log show``).

Each side of the seam has its own unit tests; these hold the two sides together. Before the render
record had one serializer and one parser, the delivery code wrote ``{"outputs": ...}`` while the
detail builder read ``"output"``, and the Template processing pane was empty for every real send.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from standardwebhooks import Webhook

from postback_studio.cli import main
from postback_studio.core.body_view import exact_text
from postback_studio.core.dispatch.inbox import HttpInbox, SmtpCatcher
from postback_studio.core.render.engine import RenderEngine
from postback_studio.core.render_record import RenderRecord
from postback_studio.core.request_detail import describe, show_document
from postback_studio.core.requestlog import Outcome, RequestRecord
from postback_studio.services.request_log import RequestLogReader
from postback_studio.services.session import Session
from tests.support.sends import KINDS, SECRET, Sent, send_every_kind


@pytest.fixture(scope="module")
def sent(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, Sent]]]:
    path = tmp_path_factory.mktemp("contracts") / "ws.sqlite"
    Session.open(path).close()
    with RenderEngine() as engine, HttpInbox() as inbox, SmtpCatcher() as catcher:
        yield path, send_every_kind(path, engine, inbox, catcher, sleep=lambda _seconds: None)


def read(path: Path, request_id: int) -> RequestRecord:
    """The entry as the Requests page's worker reads it."""
    reader = RequestLogReader.open(path)
    try:
        record = reader.get(request_id)
    finally:
        reader.close()
    assert record is not None
    return record


@pytest.mark.parametrize("kind", KINDS)
def test_every_pane_shows_what_was_sent(sent: tuple[Path, dict[str, Sent]], kind: str) -> None:
    path, sends = sent
    one = sends[kind]
    record = read(path, one.request_id)
    detail = describe(record)
    assert record.outcome is one.outcome and record.readable
    assert json.loads(detail.payload) == one.payload, "Original payload"
    processing = RenderRecord.loads(record.processing)
    assert not processing.unreadable and processing.template
    if isinstance(one.rendered, dict):
        assert processing.outputs() == one.rendered
        assert all(
            f"--- {name} ---\n{text}" in detail.rendered_output for name, text in one.rendered.items() if text
        )
    elif one.rendered is not None:
        assert detail.rendered_output == one.rendered, "Template processing"
    if one.received is not None and not isinstance(one.rendered, dict):
        assert record.request_body == one.received, "Final request: the bytes the receiver got"
        assert detail.request_body == exact_text(one.received)
        assert detail.request_line.startswith("POST http://127.0.0.1:")


def test_the_receiver_got_the_rendered_output(sent: tuple[Path, dict[str, Sent]]) -> None:
    one = sent[1]["webhook"]
    assert one.received == str(one.rendered).encode("utf-8")


def test_signed_webhook_shows_what_was_signed(sent: tuple[Path, dict[str, Sent]]) -> None:
    path, sends = sent
    one = sends["signed webhook"]
    detail = describe(read(path, one.request_id))
    headers = dict(one.received_headers)
    Webhook(SECRET).verify(one.received or b"", headers)
    assert (
        detail.signed_content
        == f"{headers['webhook-id']}.{headers['webhook-timestamp']}.{exact_text(one.received or b'')}"
    )
    assert headers["webhook-signature"] in detail.signature_headers


def test_email_shows_its_parts_its_smtp_reply_and_the_conversation(
    sent: tuple[Path, dict[str, Sent]],
) -> None:
    path, sends = sent
    one = sends["email"]
    record = read(path, one.request_id)
    detail = describe(record)
    assert detail.request_line.startswith("Email to ")
    assert record.status_label == "SMTP 250" and detail.response_line.startswith("SMTP 250")
    assert "HTTP" not in detail.response_line
    assert "S: 250 Message accepted" in detail.smtp_transcript
    assert isinstance(one.rendered, dict) and one.received is not None
    subject = one.rendered["subject"] or ""
    assert subject.strip() in record.request_body.decode() and subject.strip() in one.received.decode()


def test_template_error_and_blocked_output_say_why_nothing_was_sent(
    sent: tuple[Path, dict[str, Sent]],
) -> None:
    path, sends = sent
    broken = describe(read(path, sends["template error"].request_id))
    assert broken.rendered_output == "" and broken.response_line == "Nothing was sent"
    assert any("syntax" in line and "error" in line for line in broken.diagnostics), broken.diagnostics
    assert broken.error.startswith("Not sent: the template failed to render")
    blocked = describe(read(path, sends["blocked invalid output"].request_id))
    assert blocked.rendered_output == sends["blocked invalid output"].rendered
    assert any("json" in line for line in blocked.diagnostics), blocked.diagnostics
    assert blocked.error.startswith("Not sent: the output is not valid JSON")


def test_a_failed_attempt_shows_the_refusal_and_the_next_attempt(sent: tuple[Path, dict[str, Sent]]) -> None:
    path, sends = sent
    one = sends["failed attempt"]
    record = read(path, one.request_id)
    detail = describe(record)
    assert record.attempt == 1 and record.next_attempt_at is not None
    assert detail.response_line.startswith("HTTP 503")
    assert "Attempt 2 scheduled" in detail.error
    assert detail.rendered_output == one.rendered
    attempts = RequestLogReader.open(path)
    try:
        delivery = attempts.for_delivery(record.delivery_id)
    finally:
        attempts.close()
    assert [a.outcome for a in delivery] == [Outcome.RETRYING, Outcome.RETRYING, Outcome.DELIVERED]
    assert all(a.processing == record.processing for a in delivery), "every attempt carries the render"


@pytest.mark.parametrize("kind", KINDS)
def test_log_show_json_matches_the_bytes_the_receiver_got(
    sent: tuple[Path, dict[str, Sent]], kind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path, sends = sent
    one = sends[kind]
    assert main(["--workspace", str(path), "log", "show", str(one.request_id), "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert set(document) >= {"payload", "rendered", "diagnostics", "request"}
    assert document["payload"] == one.payload
    if isinstance(one.rendered, dict):
        assert document["rendered"] == one.rendered and "smtpTranscript" in document
        assert document["response"]["statusLabel"] == "SMTP 250"
    else:
        assert document["rendered"] == one.rendered
    if one.received is not None and kind != "email":
        assert document["request"]["body"].encode("utf-8") == one.received
        assert document["request"]["method"] == "POST" and document["request"]["url"].startswith(
            "http://127.0.0.1"
        )
        assert ("signedContent" in document["request"]) is (kind == "signed webhook")
    if one.outcome in (Outcome.RENDER_FAILED, Outcome.BLOCKED):
        assert document["error"].startswith("Not sent") and "response" not in document
    assert show_document(read(path, one.request_id)) == document
    assert main(["--workspace", str(path), "log", "show", str(one.request_id)]) == 0
    text = capsys.readouterr().out
    assert "== Template processing" in text and "== Final request" in text and "== Response" in text


def test_log_show_refuses_an_unknown_id(
    sent: tuple[Path, dict[str, Sent]], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--workspace", str(sent[0]), "log", "show", "99999"]) == 2
    assert "no request with id 99999" in capsys.readouterr().err
