from __future__ import annotations

import base64
import email
import socket
import ssl
import threading
from collections.abc import Iterator
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

import pytest

from postback_studio.core.dispatch import email as smtp
from postback_studio.core.dispatch.email import EmailFailure, EmailParts, EmailSender, InvalidEmailError
from postback_studio.core.dispatch.inbox import ReceivedMessage, SmtpCatcher, SmtpCatcherOptions
from postback_studio.core.model import SmtpSettings, TlsMode

USER, PASSWORD = "studio", "pa55-w0rd!"
PARTS = EmailParts(subject="Order 1 shipped ✓", html="<p>Shipped <b>now</b></p>", text="Shipped now")


def settings(port: int, mode: TlsMode = TlsMode.STARTTLS, password: str = PASSWORD) -> SmtpSettings:
    return SmtpSettings(
        sender_email="noreply@psp.example",
        sender_name="Print Co",
        host="127.0.0.1",
        port=port,
        username=USER,
        password=password,
        tls_mode=mode,
    )


@pytest.fixture
def sunk() -> list[ReceivedMessage]:
    return []


@pytest.fixture
def starttls_catcher(server_context: ssl.SSLContext, sunk: list[ReceivedMessage]) -> Iterator[SmtpCatcher]:
    options = SmtpCatcherOptions(tls_context=server_context, require_tls=True, credentials={USER: PASSWORD})
    with SmtpCatcher(options=options, sink=sunk.append) as catcher:
        yield catcher


@pytest.fixture
def implicit_catcher(server_context: ssl.SSLContext) -> Iterator[SmtpCatcher]:
    options = SmtpCatcherOptions(tls_context=server_context, implicit_tls=True, credentials={USER: PASSWORD})
    with SmtpCatcher(options=options) as catcher:
        yield catcher


def assert_secret_free(*texts: str) -> None:
    encoded = base64.b64encode(f"\0{USER}\0{PASSWORD}".encode()).decode()
    for text in texts:
        assert PASSWORD not in text and encoded not in text


def test_starttls_auth_send_is_caught_with_transcript(
    starttls_catcher: SmtpCatcher, ca_file: Path, sunk: list[ReceivedMessage]
) -> None:
    sender = EmailSender(settings(starttls_catcher.port), ca_file=ca_file, timeout=5)
    result = sender.send(("ops@customer.example", "qa@customer.example"), PARTS, delivery_id="dlv-1")
    assert result.ok, result.diagnosis
    got = starttls_catcher.messages[0]
    assert sunk == [got]
    assert got.mail_from == "noreply@psp.example"
    assert got.rcpt_tos == ("ops@customer.example", "qa@customer.example")
    assert got.authenticated_as == USER and got.tls
    parsed = email.message_from_bytes(got.data, policy=default)
    assert isinstance(parsed, EmailMessage)
    assert parsed["Subject"] == PARTS.subject
    assert parsed["From"] == "Print Co <noreply@psp.example>"
    assert parsed.get_content_type() == "multipart/alternative"
    assert parsed.get_body(("plain",)).get_content().strip() == "Shipped now"  # type: ignore[union-attr]
    assert "<b>now</b>" in parsed.get_body(("html",)).get_content()  # type: ignore[union-attr]
    lines = result.transcript.splitlines()
    commands = [line.split()[1].upper() for line in lines if line.startswith("C: ")]
    assert commands[:4] == ["EHLO", "STARTTLS", "EHLO", "AUTH"]
    assert {"MAIL", "RCPT", "DATA", "QUIT"} <= set(commands)
    assert "C: AUTH PLAIN <redacted>" in lines
    assert any(line.startswith("S: 235") for line in lines)
    assert any(line.startswith("C: <message:") for line in lines)
    assert any(line.startswith("* TLS established") for line in lines)
    assert_secret_free(result.transcript, result.error, result.diagnosis)


def test_only_text_or_only_html_and_neither(starttls_catcher: SmtpCatcher, ca_file: Path) -> None:
    sender = EmailSender(settings(starttls_catcher.port), ca_file=ca_file, timeout=5)
    assert sender.send(("a@x.example",), EmailParts("s", text="plain only")).ok
    assert sender.send(("a@x.example",), EmailParts("s", html="<i>html</i>")).ok
    types = [email.message_from_bytes(m.data).get_content_type() for m in starttls_catcher.messages]
    assert types == ["text/plain", "text/html"]
    result = sender.send(("a@x.example",), EmailParts("s"))
    assert result.failure is EmailFailure.INVALID_MESSAGE and "neither" in result.diagnosis
    with pytest.raises(InvalidEmailError, match="no recipients"):
        smtp.build_message(sender.settings, (), PARTS)


def test_wrong_password_is_refused_and_never_shown(starttls_catcher: SmtpCatcher, ca_file: Path) -> None:
    result = EmailSender(settings(starttls_catcher.port, password="nope-secret"), ca_file=ca_file).send(
        ("a@x.example",), PARTS
    )
    assert result.failure is EmailFailure.AUTH_REFUSED and not result.transient
    assert "nope-secret" not in result.transcript + result.error + result.diagnosis
    assert starttls_catcher.messages == []


def test_test_connection_authenticates_without_sending(starttls_catcher: SmtpCatcher, ca_file: Path) -> None:
    result = smtp.test_connection(settings(starttls_catcher.port), ca_file=ca_file, timeout=5)
    assert result.ok, result.diagnosis
    assert "C: AUTH PLAIN <redacted>" in result.transcript
    assert "MAIL" not in result.transcript
    assert starttls_catcher.messages == []


def test_untrusted_certificate(starttls_catcher: SmtpCatcher) -> None:
    result = smtp.test_connection(settings(starttls_catcher.port), timeout=5)
    assert result.failure is EmailFailure.CERTIFICATE and "CA file" in result.diagnosis


def test_implicit_tls(implicit_catcher: SmtpCatcher, ca_file: Path) -> None:
    sender = EmailSender(settings(implicit_catcher.port, TlsMode.TLS), ca_file=ca_file, timeout=5)
    result = sender.send(("a@x.example",), PARTS)
    assert result.ok, result.diagnosis
    assert implicit_catcher.messages[0].authenticated_as == USER


def test_tls_mode_on_a_starttls_port(starttls_catcher: SmtpCatcher, ca_file: Path) -> None:
    result = smtp.test_connection(settings(starttls_catcher.port, TlsMode.TLS), ca_file=ca_file, timeout=5)
    assert result.failure is EmailFailure.WRONG_PORT and "STARTTLS" in result.diagnosis


def test_starttls_mode_on_an_implicit_tls_port(implicit_catcher: SmtpCatcher, ca_file: Path) -> None:
    result = smtp.test_connection(settings(implicit_catcher.port), ca_file=ca_file, timeout=0.5)
    assert result.failure is EmailFailure.WRONG_PORT and "implicit TLS" in result.diagnosis


def test_connection_refused(closed_port: int) -> None:
    result = smtp.test_connection(settings(closed_port), timeout=2)
    assert result.failure is EmailFailure.CONNECTION_REFUSED and result.transient


def _scripted_smtp(replies: dict[str, bytes]) -> tuple[int, threading.Thread, socket.socket]:
    """A one-connection SMTP server answering each command verb from ``replies`` (default 250)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)

    def serve() -> None:
        conn, _ = listener.accept()
        with conn, conn.makefile("rb") as lines:
            conn.sendall(b"220 scripted ESMTP\r\n")
            for raw in lines:
                verb = raw.split(b" ")[0].strip().upper().decode()
                reply = replies.get(verb, b"250 ok")
                conn.sendall(reply + b"\r\n")
                if reply.startswith((b"421", b"221")):
                    return

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return int(listener.getsockname()[1]), thread, listener


@pytest.mark.parametrize(
    ("replies", "failure", "transient", "words"),
    [
        ({"MAIL": b"553 5.7.1 sender not allowed"}, EmailFailure.SENDER_REFUSED, False, "sender"),
        ({"RCPT": b"550 5.1.1 no such user"}, EmailFailure.RECIPIENT_REFUSED, False, "recipient"),
        ({"RCPT": b"421 4.7.0 try later"}, EmailFailure.DISCONNECTED, True, "421"),
        ({"DATA": b"421 4.3.2 shutting down"}, EmailFailure.DISCONNECTED, True, "421"),
        ({"EHLO": b"421 too busy"}, EmailFailure.DISCONNECTED, True, "421"),
        ({"DATA": b"554 5.6.0 rejected"}, EmailFailure.REJECTED, False, "554"),
    ],
)
def test_refusals_are_diagnosed(
    replies: dict[str, bytes], failure: EmailFailure, transient: bool, words: str
) -> None:
    port, thread, listener = _scripted_smtp(replies)
    plain = SmtpSettings("noreply@psp.example", host="127.0.0.1", port=port, tls_mode=TlsMode.NONE)
    try:
        result = EmailSender(plain, timeout=5).send(("a@x.example",), PARTS)
    finally:
        thread.join(timeout=5)
        listener.close()
    assert result.failure is failure, result.diagnosis
    assert result.transient is transient
    assert words in result.diagnosis
