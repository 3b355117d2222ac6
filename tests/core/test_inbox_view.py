"""Display values of received requests and emails, and the script builder's steps."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage

from postback_studio.core.inbox_view import script_step, view_http, view_mail


@dataclass(frozen=True)
class _Request:
    method: str
    path: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    received_at: float
    response_status: int = 503


@dataclass(frozen=True)
class _Message:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    data: bytes
    received_at: float


def test_http_view_keeps_exact_body_and_offers_pretty_json() -> None:
    request = _Request("POST", "/hooks/1", (("Content-Type", "application/json"),), b'{"a":1}', 3600.0)
    view = view_http(request)
    assert view.summary == "01:00:00  POST /hooks/1 → 503  (7 B)"
    assert view.body == '{"a":1}'
    assert view.pretty_body == '{\n  "a": 1\n}'
    assert view.headers == "Content-Type: application/json"


def test_mail_view_takes_the_message_apart() -> None:
    message = EmailMessage()
    message["Subject"] = "Shipped"
    message.set_content("plain")
    view = view_mail(
        _Message("psp@example.test", ("a@example.test", "b@example.test"), message.as_bytes(), 0.0)
    )
    assert view.summary == "00:00:00  Shipped  — to a@example.test, b@example.test"
    assert view.envelope == "MAIL FROM: psp@example.test\nRCPT TO: a@example.test, b@example.test"
    assert view.parts.text.strip() == "plain"


def test_script_step_from_builder_fields() -> None:
    assert script_step(200, 1, 0.0, "", "") == "200"
    assert (
        script_step(503, 2, 1.5, " 5 ", "X-Debug: yes") == "503x2 delay=1.5 retry-after=5 header:X-Debug=yes"
    )
    assert script_step(429, 1, 0.0, "", "no colon") == "429"
