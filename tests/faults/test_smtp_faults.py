"""Failing SMTP servers, through the dispatcher into a real workspace's request log.

aiosmtpd servers on 127.0.0.1 (the app's own catcher) and a scripted one-verb-one-reply server for
a 421 in the middle of the session. TLS modes are crossed with what the server offers, both ways.
"""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from postback_studio.core.dispatch.delivery import Dispatcher
from postback_studio.core.dispatch.email import EmailParts, EmailSender
from postback_studio.core.dispatch.inbox import SmtpCatcher, SmtpCatcherOptions
from postback_studio.core.dispatch.plan import Delivery, EmailTarget, new_delivery_id
from postback_studio.core.model import RetryPolicy, SmtpSettings, TlsMode
from postback_studio.core.requestlog import Outcome, RequestRecord
from postback_studio.storage.workspace import Workspace
from tests.faults.conftest import FakeClock, FaultTable

USER, PASSWORD = "studio", "smtp-pa55-fault"
#: For servers that answer: far beyond any answer, so a loaded machine cannot fail them.
GENEROUS = 30.0
#: For the case where the client waits for a greeting that never comes: the timeout is the point.
SHORT = 1.0
PARTS = EmailParts(subject="Order A-1 shipped", html="<p>Shipped</p>", text="Shipped")


def send(
    ws: Workspace,
    clock: FakeClock,
    port: int,
    mode: TlsMode,
    *,
    ca_file: Path | None = None,
    retry: RetryPolicy | None = None,
    username: str = USER,
    timeout: float = GENEROUS,
) -> list[RequestRecord]:
    settings = SmtpSettings("noreply@psp.example", "Print Co", "127.0.0.1", port, username, PASSWORD, mode)
    delivery = Delivery(
        delivery_id=new_delivery_id(),
        target=EmailTarget(("ops@customer.example",)),
        event="shipped",
        email=PARTS,
        retry=retry or RetryPolicy.none(),
    )
    sender = EmailSender(settings, timeout=timeout, ca_file=ca_file, clock=clock)
    with Dispatcher(ws.requests, email_sender=sender, clock=clock, sleeper=clock.sleep) as dispatcher:
        report = dispatcher.deliver(delivery)
    logged = ws.requests.for_delivery(delivery.delivery_id)
    assert len(logged) == len(report.attempts), "every attempt is logged once"
    assert logged[-1].outcome is report.outcome
    for record in logged:
        assert PASSWORD not in record.smtp_transcript + record.error
    return logged


@pytest.fixture
def catcher_options(server_context: ssl.SSLContext) -> dict[str, SmtpCatcherOptions]:
    return {
        "plain": SmtpCatcherOptions(credentials={USER: PASSWORD}),
        "starttls": SmtpCatcherOptions(
            tls_context=server_context, require_tls=True, credentials={USER: PASSWORD}
        ),
        "implicit": SmtpCatcherOptions(
            tls_context=server_context, implicit_tls=True, credentials={USER: PASSWORD}
        ),
        "wrong-password": SmtpCatcherOptions(
            tls_context=server_context, require_tls=True, credentials={USER: "another password"}
        ),
    }


def _catcher(options: SmtpCatcherOptions) -> SmtpCatcher:
    return SmtpCatcher(options=options).start()


def test_authentication_refused_fails_at_once_without_the_password(
    ws: Workspace,
    clock: FakeClock,
    catcher_options: dict[str, SmtpCatcherOptions],
    ca_file: Path,
    fault_table: FaultTable,
) -> None:
    catcher = _catcher(catcher_options["wrong-password"])
    try:
        logged = send(ws, clock, catcher.port, TlsMode.STARTTLS, ca_file=ca_file, retry=RetryPolicy.gelato())
    finally:
        catcher.stop()
    (record,) = logged  # a refused password will be refused again: no retry
    assert record.outcome is Outcome.FAILED and "refused the username or password" in record.error
    assert "AUTH PLAIN <redacted>" in record.smtp_transcript or "AUTH LOGIN" in record.smtp_transcript
    assert catcher.messages == []
    fault_table.record_attempts("smtp", "authentication refused (535)", logged)


def _scripted_smtp(replies: dict[str, bytes]) -> tuple[int, socket.socket, threading.Thread]:
    """An SMTP server answering each command verb from ``replies`` (default 250), any number of sessions."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)

    def serve() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with conn, conn.makefile("rb") as lines:
                conn.sendall(b"220 scripted ESMTP\r\n")
                in_data = False
                for raw in lines:
                    if in_data:
                        in_data = raw != b".\r\n"
                        if in_data:
                            continue
                    verb = raw.split(b" ")[0].strip().upper().decode()
                    reply = replies.get(verb, b"354 go on" if verb == "DATA" else b"250 ok")
                    conn.sendall(reply + b"\r\n")
                    in_data = reply.startswith(b"354")
                    if reply.startswith((b"421", b"221")):
                        break

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return int(listener.getsockname()[1]), listener, thread


@pytest.fixture
def busy_server() -> Iterator[int]:
    port, listener, thread = _scripted_smtp({"RCPT": b"421 4.7.0 Too many connections, try later"})
    yield port
    listener.shutdown(socket.SHUT_RDWR)
    listener.close()
    thread.join(timeout=5)


def test_421_in_the_middle_of_the_session_is_retried(
    ws: Workspace, clock: FakeClock, busy_server: int, fault_table: FaultTable
) -> None:
    logged = send(ws, clock, busy_server, TlsMode.NONE, username="", retry=RetryPolicy.gelato())
    assert [r.outcome for r in logged] == [Outcome.RETRYING, Outcome.RETRYING, Outcome.FAILED]
    assert all("closed the session mid-way (421)" in r.error for r in logged)
    assert all("S: 421" in r.smtp_transcript for r in logged)
    fault_table.record_attempts(
        "smtp", "421 in the middle of the session (answer to RCPT TO), 3 attempts", logged
    )


@pytest.mark.parametrize(
    "case",
    [
        (
            "plain",
            TlsMode.STARTTLS,
            Outcome.FAILED,
            "does not offer STARTTLS",
            "STARTTLS configured, the server does not offer it",
            GENEROUS,
        ),
        (
            "starttls",
            TlsMode.NONE,
            Outcome.FAILED,
            "does not offer AUTH on this connection",
            "no TLS configured, the server offers STARTTLS and allows AUTH only after it",
            GENEROUS,
        ),
        (
            "plain",
            TlsMode.TLS,
            Outcome.FAILED,
            "did not answer with TLS",
            "implicit TLS configured against a plain port",
            GENEROUS,
        ),
        (
            "implicit",
            TlsMode.STARTTLS,
            Outcome.FAILED,
            "expects implicit TLS",
            "STARTTLS configured against an implicit-TLS port",
            SHORT,  # both sides wait for the other to speak first: only the timeout ends it
        ),
        (
            "starttls",
            TlsMode.STARTTLS,
            Outcome.DELIVERED,
            "",
            "STARTTLS configured and offered (control)",
            GENEROUS,
        ),
        (
            "implicit",
            TlsMode.TLS,
            Outcome.DELIVERED,
            "",
            "implicit TLS configured and served (control)",
            GENEROUS,
        ),
    ],
    ids=[
        "starttls-not-offered",
        "starttls-offered-none-set",
        "tls-on-plain",
        "starttls-on-tls",
        "starttls",
        "tls",
    ],
)
def test_tls_mode_against_what_the_server_offers(
    *,
    ws: Workspace,
    clock: FakeClock,
    catcher_options: dict[str, SmtpCatcherOptions],
    ca_file: Path,
    fault_table: FaultTable,
    case: tuple[str, TlsMode, Outcome, str, str, float],
) -> None:
    """Each case: (server kind, configured mode, expected outcome, words of the diagnosis, fault, timeout)."""
    server, mode, expected_outcome, words, fault, timeout = case
    catcher = _catcher(catcher_options[server])
    try:
        logged = send(
            ws, clock, catcher.port, mode, ca_file=ca_file, retry=RetryPolicy.gelato(), timeout=timeout
        )
    finally:
        catcher.stop()
    (record,) = logged  # a TLS mismatch stays a mismatch: never retried
    assert record.outcome is expected_outcome, record.error
    assert words in record.error
    assert len(catcher.messages) == (1 if expected_outcome is Outcome.DELIVERED else 0)
    fault_table.record_attempts("smtp", fault, logged)
