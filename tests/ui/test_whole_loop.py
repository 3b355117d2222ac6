"""The help article's whole loop, driven through the real app as a user would.

Create a customer and a webhook trigger with retry to the local inbox, script the receiver to fail
twice, Send Test, and see three attempts on the Requests page and the exact rendered body in the
Inbox. Then an email trigger to an SMTP server with STARTTLS and AUTH: the message carries the
rendered subject and both parts.
"""

from __future__ import annotations

import email
import email.policy
import re
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme
from PySide6.QtCore import QSettings
from pytestqt.qtbot import QtBot

from postback_studio.app import Application, build_application
from postback_studio.core.dispatch.inbox import SmtpCatcher, SmtpCatcherOptions
from postback_studio.core.model import (
    DeliveryMethod,
    Event,
    RetryKind,
    SmtpSettings,
    TlsMode,
)
from postback_studio.core.requestlog import Outcome
from postback_studio.core.samples import load_sample
from postback_studio.ui.customers_page import CustomersPage
from postback_studio.ui.inbox_page import InboxPage
from postback_studio.ui.trigger_form import TriggerForm


@pytest.fixture
def app(qtbot: QtBot, tmp_path: Path) -> Iterator[Application]:
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    # Port 0: the local inbox binds free ports itself (the Inbox page shows which), so no port is
    # released by the test and taken by another process before the app binds it.
    settings.setValue("inbox/http_port", 0)
    settings.setValue("inbox/smtp_port", 0)
    application = build_application(tmp_path / "workspace.sqlite", settings=settings)
    yield application
    application.close()


def _http_port(inbox: InboxPage) -> int:
    """The port the running local inbox listens on, as its page shows it."""
    shown = re.search(r"HTTP receiver 127\.0\.0\.1:(\d+)", inbox.state.text())
    assert shown is not None, inbox.state.text()
    return int(shown.group(1))


def _select(box: object, data: object) -> None:
    index = box.findData(data)  # type: ignore[attr-defined]
    assert index >= 0, f"{data!r} is not offered"
    box.setCurrentIndex(index)  # type: ignore[attr-defined]


def _new_customer(qtbot: QtBot, page: CustomersPage, name: str) -> int:
    page.new_customer()
    page.name_edit.setText(name)
    with qtbot.waitSignal(page.customer_saved) as saved:
        page.save_button.click()
    return int(saved.args[0])


def test_webhook_with_retry_to_the_local_inbox(app: Application, qtbot: QtBot) -> None:
    customers = app.pages["Customers"]
    inbox = app.pages["Inbox"]
    assert isinstance(customers, CustomersPage) and isinstance(inbox, InboxPage)

    inbox.script_editor.script.setText("503x2, 200")
    inbox.script_editor.apply()
    with qtbot.waitSignal(inbox.start_requested):
        inbox.start_stop.click()
    http_port = _http_port(inbox)

    app.window.show_page("Customers")
    customer_id = _new_customer(qtbot, customers, "Acme Photo Books")
    customers.add_trigger_button.click()
    form = customers.trigger_form
    assert isinstance(form, TriggerForm)
    form.name_edit.setText("Shipped to Acme ERP")
    _select(form.event_box, Event.SHIPPED)
    _select(form.method_box, DeliveryMethod.URL)
    template = app.session.templates.get_by_name("order-shipped")
    assert template is not None
    _select(form.template_box, template.id)
    form.url_edit.setText(f"http://127.0.0.1:{http_port}/acme/postbacks")
    _select(form.retry_box, RetryKind.EXPONENTIAL)
    form.first_delay_spin.setValue(0.1)
    form.factor_spin.setValue(1.0)
    form.max_attempts_spin.setValue(3)

    with qtbot.waitSignal(form.send_test_requested, timeout=5000) as requested:
        form.send_test.button.click()
    trigger_id = int(requested.args[0])
    assert app.session.triggers.get(trigger_id).customer_id == customer_id

    def three_attempts_logged() -> None:
        records = app.session.requests.query(limit=10)
        assert [r.outcome for r in records] == [Outcome.DELIVERED, Outcome.RETRYING, Outcome.RETRYING]

    qtbot.waitUntil(three_attempts_logged, timeout=20_000)
    requests_page = app.pages["Requests"]
    app.window.show_page("Requests")
    requests_page.refresh()  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: requests_page.model.rowCount() == 3, timeout=10_000)  # type: ignore[attr-defined]

    preview = app.engine.render_template(
        template, load_sample("shipped"), lookups=app.session.lookups.lookup_set_for(customer_id)
    ).parts["body"].output
    assert preview is not None
    qtbot.waitUntil(lambda: inbox.http_list.count() == 3, timeout=10_000)
    received = app.session.inbox.list_http()
    assert len(received) == 3
    assert {r.body for r in received} == {preview.encode("utf-8")}
    ids = {value for r in received for name, value in r.headers if name.lower() == "webhook-id"}
    assert len(ids) <= 1, "the attempts of one delivery share their webhook-id"


def test_email_trigger_through_starttls_and_auth(app: Application, qtbot: QtBot, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    ca = trustme.CA()
    server_cert = ca.issue_cert("127.0.0.1", "localhost")
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_cert.configure_cert(server_context)
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))
    catcher = SmtpCatcher(options=SmtpCatcherOptions(tls_context=server_context,
                                                     credentials={"psp": "s3cret-pass"}))
    with catcher:
        app.session.smtp.set(SmtpSettings(
            sender_email="postbacks@psp.example", sender_name="PSP Notifications", host="127.0.0.1",
            port=catcher.port, username="psp", password="s3cret-pass", tls_mode=TlsMode.STARTTLS))
        customers = app.pages["Customers"]
        assert isinstance(customers, CustomersPage)
        customer_id = _new_customer(qtbot, customers, "Acme Mail")
        customers.add_trigger_button.click()
        form = customers.trigger_form
        form.name_edit.setText("Shipped email")
        _select(form.event_box, Event.SHIPPED)
        _select(form.method_box, DeliveryMethod.EMAIL)
        template = app.session.templates.get_by_name("order-shipped-email")
        assert template is not None
        _select(form.template_box, template.id)
        form.recipients_edit.setPlainText("buyer@acme.example")
        with qtbot.waitSignal(form.send_test_requested, timeout=5000):
            form.send_test.button.click()
        qtbot.waitUntil(lambda: len(catcher.messages) == 1, timeout=20_000)

    rendering = app.engine.render_template(
        template, load_sample("shipped"), lookups=app.session.lookups.lookup_set_for(customer_id))
    message = email.message_from_bytes(catcher.messages[0].data, policy=email.policy.default)
    assert message["Subject"] == rendering.parts["subject"].output
    html = message.get_body(("html",))
    text = message.get_body(("plain",))
    assert html is not None and text is not None
    # SMTP carries lines with CRLF endings; the content is otherwise exactly the rendered part.
    def lines(part: str | None) -> list[str]:
        return (part or "").replace("\r\n", "\n").strip().split("\n")

    assert lines(html.get_content()) == lines(rendering.parts["html"].output)
    assert lines(text.get_content()) == lines(rendering.parts["text"].output)
    qtbot.waitUntil(lambda: app.session.requests.count() == 1, timeout=10_000)
    [record] = app.session.requests.query(limit=1)
    assert record.outcome is Outcome.DELIVERED
    assert "s3cret-pass" not in record.smtp_transcript


def test_credentials_over_plain_http_ask_first(app: Application, qtbot: QtBot,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6.QtWidgets import QMessageBox

    from postback_studio.core.model import Header, Trigger

    asked: list[str] = []

    def answer_no(_parent: object, _title: str, text: str, *_args: object) -> QMessageBox.StandardButton:
        asked.append(text)
        return QMessageBox.StandardButton.No

    monkeypatch.setattr(QMessageBox, "warning", answer_no)
    customer = app.session.customers.get_by_name("Demo Print Co")
    template = app.session.templates.get_by_name("order-shipped")
    assert customer is not None and customer.id is not None and template is not None
    trigger = app.session.triggers.save(Trigger(
        "ERP over http", customer.id, Event.SHIPPED, url="http://erp.example/postbacks",
        headers=(Header("Authorization", "Bearer abc123"),), template_id=template.id))
    form = app.pages["Triggers"].trigger_form  # type: ignore[attr-defined]
    form.load(trigger)
    with qtbot.waitSignal(form.send_test_requested):
        form.send_test.button.click()
    qtbot.waitUntil(lambda: bool(asked), timeout=10_000)
    assert "Authorization" in asked[0] and "http://erp.example/postbacks" in asked[0]
    assert "abc123" not in asked[0]
    qtbot.waitUntil(form.send_test.button.isEnabled, timeout=5000)
    assert form.send_test.status.text().startswith("Test not sent: the header Authorization would travel")
    [refused] = app.session.requests.query(limit=5)
    assert refused.outcome is Outcome.BLOCKED and refused.request_method == "", "logged, nothing sent"


def test_an_invalid_output_is_sent_only_when_the_user_says_so(app: Application, qtbot: QtBot,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6.QtWidgets import QMessageBox

    from postback_studio.core.model import Template, Trigger

    monkeypatch.setattr(QMessageBox, "warning",
                        lambda *_args: QMessageBox.StandardButton.Yes)
    inbox = app.pages["Inbox"]
    assert isinstance(inbox, InboxPage)
    inbox.start_stop.click()
    port = _http_port(inbox)
    customer = app.session.customers.get_by_name("Demo Print Co")
    assert customer is not None and customer.id is not None
    broken = app.session.templates.save(Template("broken", body='{"orderId": "{{ orderId }}",}'))
    trigger = app.session.triggers.save(Trigger(
        "Broken body", customer.id, Event.SHIPPED, url=f"http://127.0.0.1:{port}/broken",
        template_id=broken.id))
    form = app.pages["Triggers"].trigger_form  # type: ignore[attr-defined]
    form.load(trigger)
    form.send_test.button.click()
    qtbot.waitUntil(lambda: inbox.http_list.count() == 1, timeout=15_000)
    qtbot.waitUntil(lambda: app.session.requests.count() == 2, timeout=15_000)
    outcomes = [r.outcome for r in app.session.requests.query(limit=5)]
    assert outcomes == [Outcome.DELIVERED, Outcome.BLOCKED]
    assert app.session.inbox.list_http()[0].body.endswith(b",}")
