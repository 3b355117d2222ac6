"""No header injection: emails (subject, sender name, addresses) and webhooks (trigger headers, CLI).

Emails go to a real SMTP catcher (aiosmtpd) on 127.0.0.1 and webhooks to the real local inbox; the
tests check both what is refused (and logged, with its diagnosis) and that nothing extra arrived.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from postback_studio.core.bundle import BundleError, parse_bundle
from postback_studio.core.dispatch.delivery import Dispatcher, MemoryLog
from postback_studio.core.dispatch.email import EmailParts, EmailSender, InvalidEmailError, build_message
from postback_studio.core.dispatch.inbox import HttpInbox, SmtpCatcher
from postback_studio.core.dispatch.plan import Delivery, EmailTarget
from postback_studio.core.dispatch.transport import make_session
from postback_studio.core.dispatch.webhook import FailureKind, WebhookRequest, WebhookSender
from postback_studio.core.model import (
    DeliveryMethod,
    Event,
    Header,
    OutputFormat,
    SmtpSettings,
    Template,
    TemplateKind,
    TlsMode,
    Trigger,
)
from postback_studio.core.render.engine import RenderEngine
from postback_studio.core.requestlog import Channel, Outcome, RequestRecord
from postback_studio.core.validation import (
    FORBIDDEN_REQUEST_HEADERS,
    ValidationError,
    mail_header_problem,
    validate_smtp,
    validate_trigger,
)
from postback_studio.services.delivery import DeliveryService, SendOptions
from postback_studio.services.transfer import export_document
from postback_studio.storage.workspace import Workspace
from tests.security.cli import run_cli

#: Subjects and names that put a line break into a header, written out or hidden in an encoded word.
BREAKING_VALUES = [
    pytest.param("=?utf-8?q?Shipped=0D=0AReply-To:_thief@evil.example?=", id="q-encoded-crlf"),
    pytest.param("Shipped =?utf-8?b?DQpCY2M6IHRoaWVmQGV2aWwuZXhhbXBsZQ==?=", id="b-encoded-crlf"),
    pytest.param("=?iso-8859-1?q?Shipped=0ABcc:_thief@evil.example?=", id="latin1-encoded-lf"),
    pytest.param("x=?utf-8?q?=0A?=Bcc: thief@evil.example", id="encoded-word-inside-a-word"),
    pytest.param("=?utf-8?q?a=E2=80=A8b?=", id="encoded-u2028"),
    pytest.param("=?utf-8?q?a=C2=85b?=", id="encoded-nel"),
    pytest.param("=?x-unknown?q?a=0Db?=", id="unknown-charset"),
    pytest.param("Shipped\r\nBcc: thief@evil.example", id="raw-crlf"),
    pytest.param("Shipped\nBcc: thief@evil.example", id="raw-lf"),
    pytest.param("Shipped\u2028Bcc: thief@evil.example", id="u2028"),
    pytest.param("Shipped\u2029x", id="u2029"),
    pytest.param("Shipped\x85x", id="nel"),
    pytest.param("Shipped\x00x", id="nul"),
    pytest.param("Shipped\tx", id="tab"),
]
SENDER = SmtpSettings(sender_email="noreply@psp.example", sender_name="Print Co", host="127.0.0.1", port=1)


@pytest.fixture
def catcher() -> Iterator[SmtpCatcher]:
    with SmtpCatcher() as server:
        yield server


def plain_settings(catcher: SmtpCatcher, **changes: str) -> SmtpSettings:
    return replace(SENDER, port=catcher.port, tls_mode=TlsMode.NONE, **changes)


# -- email: the one rule -----------------------------------------------------------------------------


@pytest.mark.parametrize("value", BREAKING_VALUES)
def test_the_mail_header_rule_refuses_breaks_written_or_encoded(value: str) -> None:
    assert mail_header_problem(value) != ""
    assert mail_header_problem(value, "From") != ""
    for ordinary in ("Order ACME-1 ✓", "=?utf-8?q?Caf=C3=A9?= order", "Price: 5 =? EUR", "50% off ?="):
        assert mail_header_problem(ordinary) == ""


@pytest.mark.parametrize("value", BREAKING_VALUES)
def test_a_refused_subject_never_becomes_headers(value: str) -> None:
    with pytest.raises(InvalidEmailError, match="the subject"):
        build_message(SENDER, ("ops@customer.example",), EmailParts(value, text="x"))


@pytest.mark.parametrize(
    "name",
    [
        "=?utf-8?q?Print_Co=0D=0ABcc:_thief@evil.example?=",
        '"=?utf-8?q?x=0A?=" Co',
        "Print\u2028Co",
    ],
)
def test_a_refused_sender_name_is_a_logged_failure_and_nothing_is_sent(
    catcher: SmtpCatcher, name: str
) -> None:
    log = MemoryLog()
    dispatcher = Dispatcher(log, email_sender=EmailSender(plain_settings(catcher, sender_name=name)))
    target = EmailTarget(("ops@customer.example",))
    delivery = Delivery("msg_1", target, "shipped", email=EmailParts("Hi", "x"))
    report = dispatcher.deliver(delivery)
    assert report.outcome is Outcome.FAILED
    [record] = log.records
    assert record.outcome is Outcome.FAILED and "the sender name" in record.error
    assert "one line" in record.error
    assert catcher.messages == []


def test_a_recipient_list_cannot_be_smuggled_in_one_address(catcher: SmtpCatcher) -> None:
    sender = EmailSender(plain_settings(catcher))
    result = sender.send(("ops@customer.example, thief@evil.example",), EmailParts("Hi", "x"))
    assert not result.ok and result.failure is not None
    assert catcher.messages == []


def test_only_the_sound_email_goes_out_with_exactly_its_headers(catcher: SmtpCatcher) -> None:
    sender = EmailSender(plain_settings(catcher, sender_name="Print Co (=?ok?)"))
    recipients = ("a@customer.example", "b@customer.example")
    refused = sender.send(recipients, EmailParts("=?utf-8?q?Hi=0D=0ABcc:_thief@evil.example?=", "x"))
    assert not refused.ok and "the subject" in refused.diagnosis
    result = sender.send(recipients, EmailParts("=?utf-8?q?Caf=C3=A9?= ✓", "x"))
    assert result.ok, result.diagnosis
    [message] = catcher.messages
    names = [line.split(b":")[0] for line in message.data.split(b"\r\n\r\n")[0].split(b"\r\n")]
    assert sorted(n.lower() for n in names if not n.startswith((b" ", b"\t"))) == sorted(
        [b"from", b"to", b"subject", b"date", b"message-id", b"content-type",
         b"content-transfer-encoding", b"mime-version"]
    )


# -- email: through the service (render, preview diagnostic, logged refusal) ------------------------


@pytest.fixture(scope="module")
def engine() -> Iterator[RenderEngine]:
    with RenderEngine() as render_engine:
        yield render_engine


@pytest.fixture
def workspace_path(tmp_path: Path, catcher: SmtpCatcher) -> Path:
    path = tmp_path / "ws.sqlite"
    with Workspace.open(path) as ws:
        ws.smtp.set(plain_settings(catcher))
    return path


SUBJECT_TEMPLATES = [
    pytest.param("{{ orderReferenceId }}=?utf-8?q?=0D=0AReply-To:_thief@evil.example?=", id="encoded"),
    pytest.param('Order {{ "\\r\\n" }}Bcc: thief@evil.example', id="rendered-crlf"),
    pytest.param('Order {{ "\\u2028" }}x', id="rendered-u2028"),
]


def mail_template(subject: str) -> Template:
    return Template("mail", kind=TemplateKind.EMAIL, format=OutputFormat.HTML, subject=subject, body="<p/>")


@pytest.mark.parametrize("subject", SUBJECT_TEMPLATES)
def test_the_preview_shows_the_refusal_as_an_error(engine: RenderEngine, subject: str) -> None:
    template = mail_template(subject)
    rendering = engine.render_template(template, {"orderReferenceId": "ACME-1"})
    [note] = [d for d in rendering.notes if d.code == "email-header"]
    assert note.severity.value == "error" and "the subject" in note.message
    assert not rendering.valid


@pytest.mark.parametrize("subject", SUBJECT_TEMPLATES)
@pytest.mark.parametrize("send_anyway", [False, True])
def test_a_refused_subject_is_logged_not_sent_and_send_does_not_die(
    workspace_path: Path, engine: RenderEngine, catcher: SmtpCatcher, subject: str, send_anyway: bool
) -> None:
    template = mail_template(subject)
    with DeliveryService(lambda: Workspace.open(workspace_path), engine) as service:
        report = service.send_template(
            template,
            {"orderReferenceId": "ACME-1"},
            EmailTarget(("ops@customer.example",)),
            options=SendOptions(send_anyway=send_anyway),
        )
    assert not report.delivered
    with Workspace.open(workspace_path) as ws:
        [record] = ws.requests.for_delivery(report.delivery_id)
    # A refused header is a failed attempt with its diagnosis, never an invalid output that
    # "send anyway" could lift, and never described as a problem of the HTML.
    assert record.outcome is Outcome.FAILED and report.refusal is None
    assert record.error.startswith("Not sent: the subject") and "one line" in record.error
    assert "send anyway" not in record.error and "not valid HTML" not in record.error
    assert catcher.messages == []


# -- email: settings, triggers and bundles refuse the same values -----------------------------------


def test_smtp_settings_refuse_an_encoded_break_in_the_sender_name_or_address() -> None:
    name = replace(SENDER, sender_name="=?utf-8?q?Print=0D=0ABcc:_x@evil.example?=")
    assert [i.field for i in validate_smtp(name)] == ["sender_name"]
    address = replace(SENDER, sender_email="=?utf-8?q?a=0A?=@psp.example")
    assert [i.field for i in validate_smtp(address)] == ["sender_email"]


def test_email_trigger_recipients_refuse_encoded_breaks() -> None:
    trigger = Trigger(
        "mail",
        1,
        Event.SHIPPED,
        method=DeliveryMethod.EMAIL,
        recipients=("ops@customer.example", "=?utf-8?q?x=0D=0A?=@customer.example"),
    )
    assert [i.field for i in validate_trigger(trigger)] == ["recipients[1]"]


def _bundle(tmp_path: Path, change: dict[str, object]) -> bytes:
    with Workspace.open(tmp_path / "export.sqlite") as ws:
        document = export_document(ws)
    for pointer, value in change.items():
        target: object = document
        *path, last = pointer.strip("/").split("/")
        for part in path:
            target = target[int(part)] if isinstance(target, list) else target[part]  # type: ignore[index]
        target[int(last) if isinstance(target, list) else last] = value  # type: ignore[index]
    return json.dumps(document).encode()


def test_a_bundle_with_an_encoded_break_in_the_sender_name_is_refused(tmp_path: Path) -> None:
    data = _bundle(tmp_path, {"/smtp/senderName": "=?utf-8?q?Co=0D=0ABcc:_x@evil.example?="})
    with pytest.raises(BundleError) as caught:
        parse_bundle(data)
    assert [p.pointer for p in caught.value.problems] == ["/smtp/senderName"]


# -- webhooks --------------------------------------------------------------------------------------


def webhook_trigger(*headers: Header) -> Trigger:
    return Trigger("hook", 1, Event.SHIPPED, url="https://receiver.example/hook", headers=headers)


@pytest.mark.parametrize(
    "name",
    sorted(FORBIDDEN_REQUEST_HEADERS | {"Host", "Proxy-Authorization", "proxy-connection", "Proxy-Anything"}),
)
def test_hop_by_hop_and_framing_headers_are_refused_by_name(name: str) -> None:
    [issue] = validate_trigger(webhook_trigger(Header(name, "x")))
    assert issue.field == "headers[0].name" and f"'{name}' may not be set" in issue.message


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (" token", "whitespace"),
        ("\ttoken", "whitespace"),
        ("token ", "whitespace"),
        ("\u2028token", "U+2028"),
        ("tok\u2028en", "U+2028"),
        ("tok\u0085en", "U+0085"),
        ("tok\ren", "U+000D"),
        ("tok\x00en", "U+0000"),
        ("tok€n", "ISO-8859-1"),
    ],
)
def test_header_values_that_break_or_fold_are_refused_naming_the_header(value: str, words: str) -> None:
    [issue] = validate_trigger(webhook_trigger(Header("X-Api-Token", value, secret=True)))
    assert issue.field == "headers[0].value" and "'X-Api-Token'" in issue.message and words in issue.message
    assert value.strip() not in issue.message


def test_forms_refuse_them_through_the_repository(tmp_path: Path) -> None:
    with Workspace.open(tmp_path / "ws.sqlite") as ws:
        customer = ws.customers.list()[0]
        assert customer.id is not None
        trigger = replace(webhook_trigger(Header("Transfer-Encoding", "chunked")), customer_id=customer.id)
        with pytest.raises(ValidationError, match="Transfer-Encoding"):
            ws.triggers.save(trigger)
        fine = ws.triggers.save(replace(trigger, headers=(Header("X-Note", "a\tb café"),)))
        assert fine.headers == (Header("X-Note", "a\tb café"),)


@pytest.mark.parametrize(
    ("header", "pointer"),
    [
        ({"name": "Content-Length", "value": "0", "secret": False}, "/triggers/0/headers/0/name"),
        ({"name": "X-Token", "value": " abc", "secret": False}, "/triggers/0/headers/0/value"),
        ({"name": "X-Token", "value": "a\u2028b", "secret": False}, "/triggers/0/headers/0/value"),
    ],
)
def test_import_refuses_them_with_the_pointer(
    tmp_path: Path, header: dict[str, object], pointer: str
) -> None:
    data = _bundle(tmp_path, {"/triggers/0/headers": [header]})
    with pytest.raises(BundleError) as caught:
        parse_bundle(data)
    assert pointer in [p.pointer for p in caught.value.problems]


@pytest.mark.parametrize(
    "header",
    [
        Header("Host", "evil.example"),
        Header("Content-Length", "0"),
        Header("X-Token", "a\r\nHost: evil.example"),
    ],
)
def test_the_sender_refuses_them_before_anything_leaves(header: Header) -> None:
    with HttpInbox() as inbox, make_session() as session:
        result = WebhookSender(session).send(WebhookRequest(f"{inbox.url}/hook", b"{}", headers=(header,)))
        assert result.failure is FailureKind.INVALID_REQUEST
        assert f"'{header.name}'" in result.diagnosis and "cannot be used" not in result.diagnosis
        assert inbox.requests == []


@pytest.mark.parametrize(
    "option",
    ["X-Token: abc\r\nHost: evil.example", "X-Token: abc\nX-Other: 1", "X-Token:  abc", "X-Token: a\u2028b"],
)
def test_cli_header_option_is_refused_naming_the_header(tmp_path: Path, option: str) -> None:
    template = tmp_path / "t.json.j2"
    template.write_text('{"a": 1}', encoding="utf-8")
    with HttpInbox() as inbox:
        code, _out, err = run_cli(
            "--workspace", str(tmp_path / "ws.sqlite"), "send", "--template", str(template),
            "--event", "shipped", "--url", f"{inbox.url}/hook", "--header", option,
        )
        assert inbox.requests == []
    assert code == 2
    assert "--header X-Token:" in err and "cannot be used" not in err and "URL" not in err


def test_a_secret_value_stored_with_surrounding_whitespace_is_still_redacted(tmp_path: Path) -> None:
    with Workspace.open(tmp_path / "ws.sqlite") as ws:
        customer = ws.customers.list()[0]
        assert customer.id is not None
        trigger = webhook_trigger(Header("X-Api-Token", "tok3n-s3cret-value", secret=True))
        saved = ws.triggers.save(replace(trigger, customer_id=customer.id))
        assert saved.id is not None
        # As an older version could have stored it: the receiver sees (and echoes) it without the spaces.
        ws.secrets.set(f"{ws.workspace_id}/trigger/{saved.id}/header/x-api-token", "  tok3n-s3cret-value \t")
        record = RequestRecord(
            delivery_id="msg_1",
            attempt=1,
            channel=Channel.WEBHOOK,
            outcome=Outcome.FAILED,
            started_at=1.0,
            event="shipped",
            target="https://receiver.example/hook",
            trigger_id=saved.id,
            response_body=b'{"error": "bad key tok3n-s3cret-value"}',
            error="HTTP 401: key tok3n-s3cret-value refused",
        )
        stored = ws.requests.get(ws.requests.append(record))
    assert b"tok3n-s3cret-value" not in stored.response_body and "tok3n-s3cret-value" not in stored.error
