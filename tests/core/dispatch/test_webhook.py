from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from pytest_httpserver import HTTPServer
from standardwebhooks import Webhook
from werkzeug import Request, Response

from postback_studio.core.dispatch.inbox import HttpInbox, ResponseScript
from postback_studio.core.dispatch.transport import SendStop, make_session
from postback_studio.core.dispatch.webhook import (
    FailureKind,
    WebhookOptions,
    WebhookRequest,
    WebhookResult,
    WebhookSender,
)
from postback_studio.core.model import Header, OutputFormat
from tests.support.held_receiver import HeldReceiver

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
BODY = '{"orderId": "ÅB-1",\n  "items": [1, 2.50, 3]}'.encode()


@pytest.fixture
def session() -> Iterator[requests.Session]:
    with make_session() as s:
        yield s


def send(session: requests.Session, request: WebhookRequest, **options: float) -> WebhookResult:
    return WebhookSender(session, WebhookOptions(**options)).send(request)  # type: ignore[arg-type]


def test_exact_bytes_headers_and_signature_verify_at_an_independent_server(
    httpserver: HTTPServer, session: requests.Session
) -> None:
    received: list[Request] = []

    def handler(request: Request) -> Response:
        received.append(request)
        return Response("ok", status=202)

    httpserver.expect_request("/hook", method="POST").respond_with_handler(handler)
    request = WebhookRequest(
        url=httpserver.url_for("/hook"),
        body=BODY,
        headers=(Header("X-Shop", "north"), Header("Authorization", "Bearer s3cret", secret=True)),
        delivery_id="msg_2b1Tq",
        signing_secret=SECRET,
    )
    result = send(session, request)
    assert result.ok and result.status == 202 and result.response_body == b"ok"
    got = received[0]
    assert got.get_data() == BODY
    assert got.headers["Content-Type"] == "application/json"
    assert got.headers["X-Shop"] == "north"
    assert got.headers["Authorization"] == "Bearer s3cret"
    assert got.headers["webhook-id"] == "msg_2b1Tq"
    Webhook(SECRET).verify(got.get_data(), dict(got.headers.items()))


def test_tampered_body_does_not_verify(inbox: HttpInbox, session: requests.Session) -> None:
    send(session, WebhookRequest(inbox.url, BODY, delivery_id="d1", signing_secret=SECRET))
    got = inbox.requests[0]
    with pytest.raises(Exception, match="signature"):
        Webhook(SECRET).verify(got.body + b" ", dict(got.headers))


@pytest.mark.parametrize("method", ["PUT", "PATCH", "post"])
def test_methods_and_xml_content_type(inbox: HttpInbox, session: requests.Session, method: str) -> None:
    body = b"<order id='1'/>"
    result = send(session, WebhookRequest(inbox.url + "/x?y=1", body, method=method, format=OutputFormat.XML))
    assert result.ok
    got = inbox.requests[0]
    assert (got.method, got.path, got.body) == (method.upper(), "/x?y=1", body)
    assert got.header("content-type") == "application/xml"


def test_trigger_content_type_overrides_the_format(inbox: HttpInbox, session: requests.Session) -> None:
    request = WebhookRequest(inbox.url, b"{}", headers=(Header("content-type", "application/vnd.x+json"),))
    send(session, request)
    assert [v for k, v in inbox.requests[0].headers if k.lower() == "content-type"] == [
        "application/vnd.x+json"
    ]


def test_disallowed_method_is_not_sent(inbox: HttpInbox, session: requests.Session) -> None:
    result = send(session, WebhookRequest(inbox.url, b"{}", method="DELETE"))
    assert result.failure is FailureKind.INVALID_REQUEST and not result.ok
    assert inbox.requests == []


def test_invalid_url_and_bad_secret_are_diagnosed(session: requests.Session) -> None:
    result = send(session, WebhookRequest("example.com/hook", b"{}"))
    assert result.failure is FailureKind.INVALID_REQUEST and "http://" in result.diagnosis
    result = send(session, WebhookRequest("http://127.0.0.1:9/", b"{}", signing_secret="whsec_!!"))
    assert result.failure is FailureKind.INVALID_REQUEST and "whsec_" in result.diagnosis
    assert "!!" not in result.diagnosis + result.error


def test_redirect_is_not_followed(inbox: HttpInbox, session: requests.Session) -> None:
    inbox.set_script(ResponseScript.parse("302 header:Location=/elsewhere"))
    result = send(session, WebhookRequest(inbox.url, b"{}"))
    assert result.status == 302 and not result.ok
    assert len(inbox.requests) == 1


def test_connection_refused(session: requests.Session, closed_port: int) -> None:
    result = send(session, WebhookRequest(f"http://127.0.0.1:{closed_port}/", b"{}"))
    assert result.failure is FailureKind.CONNECTION_REFUSED
    assert "refused" in result.diagnosis and result.status is None
    assert result.error == "[Errno 111] Connection refused" or "refused" in result.error.lower()
    assert "ConnectionPool" not in result.error and "Max retries" not in result.error, (
        "the log keeps the socket's words, not requests' three wrappers"
    )


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("http://exa mple/x", "is not a valid http(s) URL"),
        ("http://127.0.0.1:99999/x", "is not a valid http(s) URL"),
        ("ftp://127.0.0.1/x", "must start with http:// or https://"),
    ],
)
def test_an_unusable_url_says_what_is_wrong_once(session: requests.Session, url: str, words: str) -> None:
    result = send(session, WebhookRequest(url, b"{}"))
    assert result.failure is FailureKind.INVALID_REQUEST
    assert words in result.diagnosis
    assert result.error not in result.diagnosis, "the detail is not repeated inside the diagnosis"


def test_server_that_never_answers_times_out(session: requests.Session) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/"
        result = send(session, WebhookRequest(url, b"{}"), read_timeout=0.3)
    assert result.failure is FailureKind.TIMEOUT
    assert "did not answer within 0.3 s" in result.diagnosis


def _send_to_one_shot_server(session: requests.Session, reply: bytes) -> WebhookResult:
    """Send to a server that reads the request, writes ``reply`` and resets the connection."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)

    def serve() -> None:
        conn, _ = listener.accept()
        conn.recv(65536)
        conn.sendall(reply)
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        return send(session, WebhookRequest(f"http://127.0.0.1:{listener.getsockname()[1]}/", b"{}"))
    finally:
        thread.join()
        listener.close()


def test_reset_mid_response(session: requests.Session) -> None:
    result = _send_to_one_shot_server(session, b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\npartial")
    assert result.failure is FailureKind.CONNECTION_RESET
    assert result.status == 200 and not result.ok
    assert result.diagnosis.startswith("The response was cut off")


def test_reset_before_response(session: requests.Session) -> None:
    result = _send_to_one_shot_server(session, b"")
    assert result.failure is FailureKind.CONNECTION_RESET and result.status is None


def test_self_signed_certificate_rejected_then_trusted_with_ca_file(
    https_server: HTTPServer, ca_file: Path
) -> None:
    https_server.expect_request("/secure").respond_with_data("fine")
    url = https_server.url_for("/secure")
    with make_session() as plain:
        result = send(plain, WebhookRequest(url, b"{}"))
    assert result.failure is FailureKind.CERTIFICATE
    assert "CA file" in result.diagnosis
    with make_session(ca_file=ca_file) as trusting:
        result = send(trusting, WebhookRequest(url, b"{}"))
    assert result.ok and result.response_body == b"fine"


def test_unresolvable_host(session: requests.Session) -> None:
    result = send(session, WebhookRequest("http://no-such-receiver.invalid/hook", b"{}"))
    assert result.failure is FailureKind.DNS
    assert "DNS" in result.diagnosis


def test_429_with_retry_after_is_reported(inbox: HttpInbox, session: requests.Session) -> None:
    inbox.set_script(ResponseScript.parse("429 retry-after=7"))
    result = send(session, WebhookRequest(inbox.url, b"{}"))
    assert result.status == 429 and not result.ok
    assert dict(result.response_headers)["Retry-After"] == "7"


def test_oversized_response_body_is_capped(inbox: HttpInbox, session: requests.Session) -> None:
    inbox.set_script(ResponseScript.always(200, body=b"x" * (5 * 1024 * 1024)))
    result = send(session, WebhookRequest(inbox.url, b"{}"), max_response_bytes=1024 * 1024)
    assert result.ok and result.response_truncated
    assert len(result.response_body) == 1024 * 1024


def test_cookies_from_a_receiver_are_not_sent_on(inbox: HttpInbox, session: requests.Session) -> None:
    inbox.set_script(ResponseScript.parse("200 header:Set-Cookie=sid=abc"))
    send(session, WebhookRequest(inbox.url, b"{}"))
    send(session, WebhookRequest(inbox.url, b"{}"))
    assert inbox.requests[1].header("Cookie") is None


def test_the_environments_proxies_are_read_once_per_destination_and_still_apply(
    inbox: HttpInbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """requests walks the environment for every request; the sender asks once per scheme and host
    (issue 16), and a proxy the environment names still carries the requests it covers."""
    with HttpInbox() as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        with make_session() as session:
            asked: list[str] = []
            real = session.merge_environment_settings

            def counted(url: str, *args: object) -> object:
                asked.append(url)
                return real(url, *args)  # type: ignore[arg-type]

            monkeypatch.setattr(session, "merge_environment_settings", counted)
            sender = WebhookSender(session)
            for n in range(3):
                assert sender.send(WebhookRequest("http://orders.example/hook", BODY, delivery_id=f"p{n}")).ok
                assert sender.send(WebhookRequest(inbox.url, BODY, delivery_id=f"d{n}")).ok
        assert len(proxy.requests) == 3 and len(inbox.requests) == 3
        assert [r.body for r in proxy.requests] == [BODY] * 3
        assert len(asked) == 2


@pytest.mark.parametrize("connection", ["new", "kept alive"])
def test_a_stop_cuts_off_an_attempt_waiting_for_a_held_answer(
    session: requests.Session, connection: str
) -> None:
    """Closing a workspace stops its attempts in flight: none waits out the 30 s read timeout."""
    stop = SendStop()
    sender = WebhookSender(session, stop=stop)
    results: list[WebhookResult] = []
    with HeldReceiver() as receiver:
        request = WebhookRequest(receiver.url, BODY)
        if connection == "kept alive":
            receiver.release.set()
            assert sender.send(request).ok
            receiver.release.clear()
            receiver.arrived.clear()
        attempt = threading.Thread(target=lambda: results.append(sender.send(request)))
        attempt.start()
        assert receiver.arrived.wait(10)
        stop.stop()
        attempt.join(10)
        assert not attempt.is_alive(), "the attempt ended without the receiver's answer"
        [stopped] = results
        assert stopped.failure is FailureKind.STOPPED and stopped.failure.transient
        assert stopped.status is None and stopped.request_body == BODY
        assert stopped.diagnosis == (
            "The attempt was stopped: the workspace was closed while it was under way; the receiver "
            "may still have acted on it."
        )
        after = sender.send(request)
        assert after.failure is FailureKind.STOPPED
        assert after.diagnosis == "Not sent: the workspace was closing."
        assert len(receiver.bodies) == (2 if connection == "kept alive" else 1), "nothing sent after"
