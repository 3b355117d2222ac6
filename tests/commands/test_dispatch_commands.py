"""send, simulate, inbox, log, smtp and the workspace forms of render/check, with real 127.0.0.1 servers."""

from __future__ import annotations

import io
import json
import re
import ssl
import sys
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import requests
import trustme
from standardwebhooks import Webhook

from postback_studio.cli import build_parser, main
from postback_studio.commands import _dispatch
from postback_studio.commands import inbox as inbox_command
from postback_studio.core.dispatch.inbox import HttpInbox, ResponseScript, SmtpCatcher, SmtpCatcherOptions
from postback_studio.core.model import (
    Event,
    Header,
    RetryPolicy,
    SmtpSettings,
    Template,
    TlsMode,
    Trigger,
    TriggerStatus,
)
from postback_studio.core.paths import resources_dir
from postback_studio.storage.seed import DEMO_CUSTOMER
from postback_studio.storage.workspace import Workspace

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
USER, PASSWORD = "studio", "pa55-w0rd!"
TRIGGER = "Order shipped to local inbox"


class FakeTime:
    """Stands in for the ``time`` module of the CLI helper: sleeping only records."""

    def __init__(self) -> None:
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)


@pytest.fixture
def slept(monkeypatch: pytest.MonkeyPatch) -> FakeTime:
    fake = FakeTime()
    monkeypatch.setattr(_dispatch, "time", fake)
    return fake


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    path = tmp_path / "ws.sqlite"
    Workspace.open(path).close()
    return path


@pytest.fixture
def inbox() -> Iterator[HttpInbox]:
    with HttpInbox() as server:
        yield server


def run(ws: Path, *args: str) -> int:
    return main(["--workspace", str(ws), *args])


def change_trigger(ws: Path, name: str = TRIGGER, **changes: Any) -> Trigger:
    with Workspace.open(ws) as workspace:
        customer = workspace.customers.get_by_name(DEMO_CUSTOMER)
        assert customer is not None and customer.id is not None
        trigger = workspace.triggers.get_by_name(customer.id, name)
        assert trigger is not None
        return workspace.triggers.save(replace(trigger, **changes))


def log_json(ws: Path, capsys: pytest.CaptureFixture[str], *args: str) -> list[dict[str, Any]]:
    capsys.readouterr()
    assert run(ws, "log", "--json", *args) == 0
    rows: list[dict[str, Any]] = json.loads(capsys.readouterr().out)
    return rows


def test_send_trigger_delivers_and_logs(
    ws: Path, inbox: HttpInbox, capsys: pytest.CaptureFixture[str]
) -> None:
    change_trigger(ws, url=inbox.url + "/postbacks")
    assert run(ws, "send", "--trigger", TRIGGER, "--customer", DEMO_CUSTOMER) == 0
    out = capsys.readouterr()
    assert "delivered  attempt 1" in out.out and "HTTP 200" in out.out
    assert "delivered on attempt 1 (id msg_" in out.err
    [got] = inbox.requests
    assert b'"orderReferenceId": "ACME-100234"' in got.body
    [entry] = log_json(ws, capsys)
    assert entry["outcome"] == "delivered" and entry["test"] is True and entry["status"] == 200


def test_send_waits_for_retries_and_says_so(
    ws: Path, inbox: HttpInbox, slept: FakeTime, capsys: pytest.CaptureFixture[str]
) -> None:
    inbox.set_script(ResponseScript.parse("503x2, 200"))
    change_trigger(ws, url=inbox.url)
    assert run(ws, "send", "--trigger", TRIGGER, "--event", "shipped.multi-item") == 0
    out = capsys.readouterr()
    assert len(slept.sleeps) == 2 and all(0 < s <= 5 for s in slept.sleeps)
    assert out.err.count("waiting 5 s for the next attempt") == 2
    assert [line.split("  ")[1] for line in out.out.splitlines()] == ["retrying", "retrying", "delivered"]
    assert [e["attempt"] for e in log_json(ws, capsys)] == [3, 2, 1]
    assert "delivered on attempt 3 (id msg_" in out.err, "the story the app's Send Test tells too"


def test_send_not_delivered_exits_1(ws: Path, inbox: HttpInbox, capsys: pytest.CaptureFixture[str]) -> None:
    inbox.set_script(ResponseScript.always(500))
    change_trigger(ws, url=inbox.url, retry=RetryPolicy.none())
    assert run(ws, "send", "--trigger", TRIGGER) == 1
    assert "failed after 1 attempt: HTTP 500" in capsys.readouterr().err
    assert [e["outcome"] for e in log_json(ws, capsys, "--failed")] == ["failed"]


def test_send_usage_errors_exit_2(ws: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(ws, "send", "--trigger", "Nope") == 2
    assert "no trigger named 'Nope'" in capsys.readouterr().err
    assert run(ws, "send", "--trigger", TRIGGER, "--url", "http://127.0.0.1:9/") == 2
    assert "--url: only with --template" in capsys.readouterr().err
    assert run(ws, "send", "--trigger", TRIGGER, "--payload", "/no/such.json") == 2
    assert "no such file" in capsys.readouterr().err.lower()
    template = str(resources_dir() / "templates" / "order-shipped.json.j2")
    assert run(ws, "send", "--template", template, "--event", "shipped") == 2
    assert "needs --url URL or --to ADDRESS" in capsys.readouterr().err
    assert run(ws, "send", "--template", template, "--event", "shipped", "--to", "a@b.example") == 2
    with pytest.raises(SystemExit) as exit_info:
        run(ws, "send")
    assert exit_info.value.code == 2


def test_send_render_failure_exits_1(ws: Path, inbox: HttpInbox, capsys: pytest.CaptureFixture[str]) -> None:
    with Workspace.open(ws) as workspace:
        broken = workspace.templates.save(Template(name="Broken", body='{"a": {{ orderId }'))
    change_trigger(ws, url=inbox.url, template_id=broken.id)
    assert run(ws, "send", "--trigger", TRIGGER) == 1
    assert "not sent: the template failed to render" in capsys.readouterr().err and inbox.requests == []


def test_ad_hoc_webhook_is_signed_with_headers(
    ws: Path, inbox: HttpInbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    template = str(resources_dir() / "templates" / "order-shipped.json.j2")
    payload = tmp_path / "payload.json"
    payload.write_text(
        json.dumps(
            {
                "orderId": "X-1",
                "orderReferenceId": "R-1",
                "created": "now",
                "fulfillmentStatus": "shipped",
                "items": [],
            }
        )
    )
    code = run(
        ws,
        "send",
        "--template",
        template,
        "--payload",
        str(payload),
        "--url",
        inbox.url + "/adhoc",
        "--method",
        "put",
        "--header",
        "X-Shop: demo",
        "--sign-secret",
        SECRET,
        "--retry",
        "gelato",
    )
    assert code == 0, capsys.readouterr().err
    [got] = inbox.requests
    assert got.method == "PUT" and got.header("X-Shop") == "demo" and b'"orderId": "X-1"' in got.body
    Webhook(SECRET).verify(got.body, dict(got.headers))
    [entry] = log_json(ws, capsys)
    assert entry["trigger"] == "" and SECRET not in json.dumps(entry)
    assert (
        run(ws, "send", "--template", template, "--event", "shipped", "--url", inbox.url, "--header", "bad")
        == 2
    )
    capsys.readouterr()
    for url, reason in [
        ("http://[::1:9/x", "is not a valid URL (Invalid IPv6 URL)"),
        ("http://127.0.0.1:99999/x", "is not a valid URL (Port out of range 0-65535)"),
        ("ftp://127.0.0.1/x", "must start with http:// or https://"),
    ]:
        assert run(ws, "send", "--template", template, "--event", "shipped", "--url", url) == 2
        assert capsys.readouterr().err == f"postback-studio: send: --url {url}: {reason}\n"
    assert len(inbox.requests) == 1, "nothing was sent for a URL the trigger form would refuse"


def test_ad_hoc_email_to_a_local_catcher(ws: Path, capsys: pytest.CaptureFixture[str]) -> None:
    template = str(resources_dir() / "templates" / "order-shipped-email.email.j2")
    with SmtpCatcher() as catcher:
        with Workspace.open(ws) as workspace:
            workspace.smtp.set(
                SmtpSettings(
                    sender_email="noreply@psp.example",
                    host="127.0.0.1",
                    port=catcher.port,
                    tls_mode=TlsMode.NONE,
                )
            )
        assert run(ws, "send", "--template", template, "--event", "shipped", "--to", "ops@shop.example") == 0
        [message] = catcher.messages
    assert message.rcpt_tos == ("ops@shop.example",) and b"ACME-100234" in message.data


def test_credentials_to_plain_http_are_refused(ws: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = "http://receiver.example/hook"
    change_trigger(ws, url=url, headers=(Header("X-API-KEY", "key-123456"),))
    assert run(ws, "send", "--trigger", TRIGGER) == 1
    err = capsys.readouterr().err
    assert "X-API-KEY" in err and url in err and "--allow-insecure" in err and "key-123456" not in err
    assert run(ws, "send", "--trigger", TRIGGER, "--allow-insecure") == 1  # tried: the name does not resolve
    outcomes = [e["outcome"] for e in log_json(ws, capsys)]
    assert outcomes[-1] == "blocked" and "blocked" not in outcomes[:-1]


def test_simulate_sequence_and_orders(ws: Path, inbox: HttpInbox, capsys: pytest.CaptureFixture[str]) -> None:
    change_trigger(ws, status=TriggerStatus.INACTIVE)
    with Workspace.open(ws) as workspace:
        template = workspace.templates.save(
            Template(name="Simple", body='{"e": {{ eventType|tojson }}, "o": {{ orderReferenceId|tojson }}}')
        )
        for event in Event:
            workspace.triggers.save(
                Trigger(
                    name=f"On {event.value}",
                    customer_id=1,
                    event=event,
                    url=inbox.url,
                    template_id=template.id,
                    status=TriggerStatus.ACTIVE,
                )
            )
    assert run(ws, "simulate", "--customer", DEMO_CUSTOMER, "--sequence") == 0
    events = [json.loads(r.body)["e"] for r in inbox.requests]
    assert events == ["received", "produced", "shipped", "in_transit", "delivered"]
    assert "shipped: 1 delivered" in capsys.readouterr().err
    inbox.clear()
    assert run(ws, "simulate", "--customer", DEMO_CUSTOMER, "--event", "failed", "--orders", "5") == 0
    assert len({json.loads(r.body)["o"] for r in inbox.requests}) == 5
    assert run(ws, "simulate", "--customer", "Nobody", "--sequence") == 2


def test_simulate_without_active_triggers_exits_1(ws: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(ws, "simulate", "--customer", DEMO_CUSTOMER, "--event", "received") == 1
    assert "no active trigger for received" in capsys.readouterr().err


def test_inbox_command_prints_and_stores_arrivals(
    ws: Path, slept: FakeTime, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Port 0: the inbox binds free ports itself and prints them, so no port is released and reused.
    printed = io.StringIO()  # read while the command writes, never truncated: no line is lost
    monkeypatch.setattr(sys, "stdout", printed)
    ports = ["--http-port", "0", "--smtp-port", "0"]
    args = build_parser().parse_args(["--workspace", str(ws), "inbox", *ports, "--script", "503x2, 200"])
    stop = threading.Event()
    result: list[int] = []
    thread = threading.Thread(target=lambda: result.append(inbox_command.run(args, stop)))
    thread.start()
    try:
        for _ in range(2400):
            started = re.search(r"inbox: webhooks to http://127\.0\.0\.1:(\d+)/", printed.getvalue())
            if started or result:
                break
            stop.wait(0.05)
        assert started is not None, (result, printed.getvalue(), capsys.readouterr().err)
        http_port = int(started.group(1))
        change_trigger(ws, url=f"http://127.0.0.1:{http_port}/postbacks")
        with requests.Session() as session:
            first = session.post(f"http://127.0.0.1:{http_port}/hook", data=b"{}", timeout=30)
        sent = run(ws, "send", "--trigger", TRIGGER)
    finally:
        stop.set()
        thread.join()
    assert result == [0] and first.status_code == 503 and sent == 0 and len(slept.sleeps) == 1
    out = printed.getvalue()
    assert "HTTP  POST /hook  2 bytes" in out and out.count("HTTP  POST /postbacks") == 2
    assert "inbox: stopped" in out
    with Workspace.open(ws) as workspace:
        stored = workspace.inbox.list_http()
        [delivered] = workspace.requests.query()[:1]
    assert len(stored) == 3 and stored[0].body == delivered.request_body
    assert run(ws, "inbox", "--script", "abc") == 2


def test_log_filters_and_limits(ws: Path, inbox: HttpInbox, capsys: pytest.CaptureFixture[str]) -> None:
    change_trigger(ws, url=inbox.url, retry=RetryPolicy.none())
    assert run(ws, "send", "--trigger", TRIGGER) == 0
    inbox.set_script(ResponseScript.always(404))
    assert run(ws, "send", "--trigger", TRIGGER) == 1
    assert [e["outcome"] for e in log_json(ws, capsys)] == ["failed", "delivered"]
    assert [e["status"] for e in log_json(ws, capsys, "--failed")] == [404]
    assert len(log_json(ws, capsys, "--limit", "1")) == 1
    assert run(ws, "log") == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and "\tfailed\t#1\t" in lines[0]
    assert run(ws, "log", "--limit", "0") == 2


@pytest.fixture
def starttls_catcher(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SmtpCatcher]:
    ca = trustme.CA()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))  # what a user does to trust a test server's CA
    options = SmtpCatcherOptions(tls_context=context, require_tls=True, credentials={USER: PASSWORD})
    with SmtpCatcher(options=options) as catcher:
        yield catcher


def test_smtp_settings_and_test(
    ws: Path,
    starttls_catcher: SmtpCatcher,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    port = str(starttls_catcher.port)
    assert (
        run(
            ws,
            "smtp",
            "--host",
            "127.0.0.1",
            "--port",
            port,
            "--security",
            "starttls",
            "--user",
            USER,
            "--password-stdin",
            "--sender",
            "noreply@psp.example",
            "--sender-name",
            "Print Co",
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "password:  (stored)" in out and PASSWORD not in out and "Print Co <noreply@psp.example>" in out
    assert run(ws, "smtp", "--test") == 0
    out = capsys.readouterr().out
    assert "STARTTLS" in out and "AUTH" in out and "test: OK" in out and PASSWORD not in out
    monkeypatch.setattr("sys.stdin", io.StringIO("wrong-password\n"))
    assert run(ws, "smtp", "--password-stdin", "--test") == 1
    out = capsys.readouterr().out
    assert "test: FAILED" in out and "password" in out.lower() and "wrong-password" not in out
    assert run(ws, "smtp", "--port", "0") == 2
    capsys.readouterr()
    # Another server: the stored password was entered for 127.0.0.1, so it is cleared, not sent there.
    assert run(ws, "smtp", "--host", "mail.example", "--security", "none", "--test") == 1
    out, err = capsys.readouterr()
    assert "secrets cleared for the SMTP settings because its destination changed" in err
    assert "password:  (not set)" in out and "smtp --password-stdin" in out
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert run(ws, "smtp", "--password-stdin", "--test") == 1
    assert "unencrypted" in capsys.readouterr().err


def test_render_and_check_a_workspace_template(ws: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(ws, "render", "--template", "order-shipped", "--event", "shipped") == 0
    assert json.loads(capsys.readouterr().out)["orderReferenceId"] == "ACME-100234"
    assert run(ws, "check", "--template", "order-shipped", "--event", "shipped") == 0
    assert "2 of 2 samples pass" in capsys.readouterr().err
    assert run(ws, "render", "--template", "missing", "--event", "shipped") == 2
    assert "no template named 'missing'" in capsys.readouterr().err
    template = str(resources_dir() / "templates" / "order-shipped.json.j2")
    assert run(ws, "render", template, "--template", "order-shipped", "--event", "shipped") == 2
    assert run(ws, "check") == 2
    assert run(ws, "render", "--template", "order-shipped-xml", "--event", "shipped", "--format", "xml") == 0
    assert capsys.readouterr().out.startswith("<")
