from __future__ import annotations

import socket

import pytest
import requests

from postback_studio.core.dispatch.inbox import (
    HttpInbox,
    ReceivedRequest,
    ResponseScript,
    ScriptedResponse,
    ScriptError,
    ScriptStep,
)


def test_script_syntax() -> None:
    script = ResponseScript.parse("503x2, 429 retry-after=3 delay=0.5, 200 header:X-Id=7")
    assert script.steps == (
        ScriptStep(ScriptedResponse(503), 2),
        ScriptStep(ScriptedResponse(429, (("Retry-After", "3"),), delay=0.5), 1),
        ScriptStep(ScriptedResponse(200, (("X-Id", "7"),)), None),
    )
    statuses = [script.response_for(i).status for i in range(6)]
    assert statuses == [503, 503, 429, 200, 200, 200]
    assert ResponseScript.parse("503 x 2").steps[0].count is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("200,", "step 2 is empty"),
        ("ok", "step 1"),
        ("503x0", "at least 1"),
        ("200 delay=soon", "not a number"),
        ("200 colour=red", "unknown option"),
        ("200 delay", "not key=value"),
    ],
)
def test_script_errors_name_the_step(text: str, message: str) -> None:
    with pytest.raises(ScriptError, match=message):
        ResponseScript.parse(text)


def test_records_any_method_and_answers_the_script() -> None:
    sunk: list[ReceivedRequest] = []
    with HttpInbox(ResponseScript.parse("503x2, 200"), sink=sunk.append, clock=lambda: 42.0) as inbox:
        assert inbox.port > 0
        with requests.Session() as s:
            statuses = [
                s.request(m, inbox.url + "/a/b", data=b"\x00\xff").status_code
                for m in ("POST", "PUT", "DELETE", "OPTIONS")
            ]
    assert statuses == [503, 503, 200, 200]
    assert [r.method for r in sunk] == ["POST", "PUT", "DELETE", "OPTIONS"]
    assert sunk == inbox.requests
    first = sunk[0]
    assert (first.path, first.body, first.received_at, first.response_status) == (
        "/a/b",
        b"\x00\xff",
        42.0,
        503,
    )
    assert [(r.script_position, r.script_length) for r in sunk] == [(1, 3), (2, 3), (3, 3), (4, 3)]


def test_chunked_body_is_recorded(inbox: HttpInbox) -> None:
    requests.post(inbox.url, data=iter([b"abc", b"def"]), timeout=5)
    assert inbox.requests[0].body == b"abcdef"


def test_stop_releases_port_and_restart_gets_a_new_one() -> None:
    inbox = HttpInbox().start()
    port = inbox.port
    inbox.stop()
    inbox.stop()
    with pytest.raises(RuntimeError):
        _ = inbox.port
    with socket.socket() as probe:
        # Binding the old port proves it was released; holding it keeps it from the restart (and
        # from any other process) while the test connects to it.
        probe.bind(("127.0.0.1", port))
        with pytest.raises(requests.ConnectionError):
            requests.get(f"http://127.0.0.1:{port}/", timeout=30)
        inbox.start()
        try:
            assert inbox.port != port
            assert requests.get(f"{inbox.url}/again", timeout=30).status_code == 200
            assert inbox.requests[-1].path == "/again"
        finally:
            inbox.stop()
