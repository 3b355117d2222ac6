"""The trigger form as a user drives it: fields, messages next to fields, timeline, secrets, Check, test."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QLineEdit
from pytestqt.qtbot import QtBot

from postback_studio.core.model import (
    DeliveryMethod,
    Event,
    Header,
    OutputFormat,
    RetryKind,
    Template,
    TemplateKind,
    TemplateStatus,
    Trigger,
    TriggerStatus,
)
from postback_studio.core.reachability import ReachabilityReport
from postback_studio.ui.trigger_form import TriggerForm
from tests.ui.fakes import Issue, Templates, Triggers


def fake_validate(trigger: Trigger, template: Template | None) -> list[Issue]:
    issues = []
    if not trigger.name:
        issues.append(Issue("name", "is required"))
    if trigger.method is DeliveryMethod.URL and not trigger.url.startswith(("http://", "https://")):
        issues.append(Issue("url", "must start with http:// or https://"))
    for index, header in enumerate(trigger.headers):
        if " " in header.name:
            issues.append(Issue(f"headers[{index}].name", f"'{header.name}' is not a valid header name"))
    if trigger.method is DeliveryMethod.EMAIL and not trigger.recipients:
        issues.append(Issue("recipients", "an email trigger needs at least one recipient"))
    return issues


@pytest.fixture
def stores() -> tuple[Triggers, Templates]:
    templates = Templates()
    templates.save(Template("Shipped JSON", format=OutputFormat.JSON))
    templates.save(Template("Shipped XML", format=OutputFormat.XML))
    templates.save(Template("Shipped mail", kind=TemplateKind.EMAIL, format=OutputFormat.HTML,
                            status=TemplateStatus.ACTIVE))
    return Triggers(), templates


@pytest.fixture
def form(qtbot: QtBot, stores: tuple[Triggers, Templates]) -> TriggerForm:
    triggers, templates = stores
    widget = TriggerForm(triggers, templates, validate=fake_validate,
                         check_template=lambda template_id, event: ["multi-item: line 7: expecting ','"],
                         examples=[Template("Article example", body='{"orderId": "{{ orderId }}"}')])
    qtbot.addWidget(widget)
    widget.new_trigger(customer_id=1)
    return widget


def test_bad_values_show_messages_next_to_their_fields_and_nothing_is_saved(
        form: TriggerForm, stores: tuple[Triggers, Templates]) -> None:
    form.url_edit.setText("ftp://example.com")
    row = form.headers_table.add_header(Header("X Api", "v"))
    assert row == 0
    assert form.save() is None
    messages = form.errors.messages()
    assert messages["name"] == "Name is required"
    assert messages["url"] == "URL must start with http:// or https://"
    assert messages["headers"] == "Row 1: 'X Api' is not a valid header name"
    assert messages["recipients"] == ""
    assert stores[0].items == {}
    assert form.errors.label_for("url").parentWidget() is not form.errors.label_for("name").parentWidget()

    form.name_edit.setText("Shipped to ERP")
    form.url_edit.setText("https://erp.example.com/hooks")
    form.headers_table.remove_selected()
    with_saved = form.save()
    assert with_saved is not None and with_saved.id == 1
    assert all(text == "" for text in form.errors.messages().values())


def test_email_method_switches_fields_and_template_choices(form: TriggerForm) -> None:
    assert not form.webhook_group.isHidden() and form.email_group.isHidden()
    names = [form.template_box.itemText(i) for i in range(form.template_box.count())]
    assert names == ["— choose a template —", "Shipped JSON (draft)"]
    form.method_box.setCurrentIndex(form.method_box.findData(DeliveryMethod.EMAIL))
    assert form.webhook_group.isHidden() and not form.email_group.isHidden()
    assert form.template_box.itemText(1) == "Shipped mail"
    form.name_edit.setText("Mail ops")
    assert form.save() is None
    assert form.errors.messages()["recipients"] == "An email trigger needs at least one recipient"
    form.recipients_edit.setPlainText("ops@x.example, a@x.example\nops@x.example")
    trigger = form.current_trigger()
    assert trigger.recipients == ("ops@x.example", "a@x.example")
    assert trigger.url == "" and trigger.headers == () and not trigger.signing


def test_timeline_text_follows_the_policy(form: TriggerForm) -> None:
    assert form.timeline_label.text() == "3 attempts: now, +5 s, +10 s; gives up after 10 s"
    assert not form.max_attempts_spin.isVisibleTo(form)
    form.retry_box.setCurrentIndex(form.retry_box.findData(RetryKind.NONE))
    assert form.timeline_label.text() == "1 attempt: now; no retry"
    form.retry_box.setCurrentIndex(form.retry_box.findData(RetryKind.EXPONENTIAL))
    assert form.max_attempts_spin.isVisibleTo(form)
    form.first_delay_spin.setValue(2)
    form.factor_spin.setValue(3)
    form.max_delay_spin.setValue(10)
    form.max_attempts_spin.setValue(4)
    assert form.timeline_label.text().startswith("4 attempts: now, +2 s, +8 s, +18 s")
    assert "gives up after" in form.timeline_label.text()
    assert form.current_trigger().retry.max_attempts == 4


def test_secret_header_values_are_masked_until_revealed(form: TriggerForm) -> None:
    row = form.headers_table.add_header(Header("Authorization", "Bearer s3cret", secret=True))
    plain = form.headers_table.add_header(Header("X-Trace", "on"))
    value = form.headers_table.value_edit(row)
    assert value.echoMode() is QLineEdit.EchoMode.Password
    assert "s3cret" not in value.displayText()
    assert form.headers_table.value_edit(plain).echoMode() is QLineEdit.EchoMode.Normal
    form.reveal_box.setChecked(True)
    assert value.displayText() == "Bearer s3cret"
    form.reveal_box.setChecked(False)
    form.headers_table.secret_box(plain).setChecked(True)
    assert form.headers_table.value_edit(plain).echoMode() is QLineEdit.EchoMode.Password
    assert form.current_trigger().headers[0] == Header("Authorization", "Bearer s3cret", True)


def test_generate_makes_a_masked_whsec_secret(form: TriggerForm) -> None:
    assert not form.secret_edit.isEnabled()
    form.generate_button.setEnabled(True)
    form.generate_button.click()
    assert form.signing_box.isChecked()
    assert form.secret_edit.text().startswith("whsec_")
    assert form.secret_edit.echoMode() is QLineEdit.EchoMode.Password


@pytest.fixture
def listening_port() -> Iterator[int]:
    with socket.create_server(("127.0.0.1", 0)) as server:
        yield server.getsockname()[1]


def test_check_reports_a_live_loopback_server(qtbot: QtBot, form: TriggerForm, listening_port: int) -> None:
    form.url_edit.setText(f"http://127.0.0.1:{listening_port}/hook")
    with qtbot.waitSignal(form.check_finished, timeout=10_000) as blocker:
        form.check_button.click()
    report = blocker.args[0]
    assert isinstance(report, ReachabilityReport) and report.reachable
    assert form.check_result.text().startswith("Reachable")
    assert "✔ Connection" in form.check_result.text()
    assert form.check_button.isEnabled()


def test_check_reports_a_refused_port(qtbot: QtBot, form: TriggerForm) -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
    form.url_edit.setText(f"http://127.0.0.1:{port}/hook")
    with qtbot.waitSignal(form.check_finished, timeout=10_000):
        form.check_button.click()
    assert "refused the connection" in form.check_result.text()
    assert "✘ Connection" in form.check_result.text()


def test_send_test_then_activation_warns_about_template_problems(
        qtbot: QtBot, form: TriggerForm, stores: tuple[Triggers, Templates]) -> None:
    triggers, templates = stores
    form.name_edit.setText("Shipped to ERP")
    form.url_edit.setText("https://erp.example.com/hooks")
    form.template_box.setCurrentIndex(form.template_box.findData(1))
    with qtbot.waitSignal(form.send_test_requested) as sent:
        form.send_test_button.click()
    trigger_id = sent.args[0]
    assert triggers.items[trigger_id].status is TriggerStatus.DRAFT
    with qtbot.waitSignal(form.activation_offered, timeout=10_000) as offered:
        form.on_test_result(True)
    assert offered.args[0] == ["multi-item: line 7: expecting ','"]
    assert not form.activation_frame.isHidden()
    assert "expecting ','" in form.activation_text.text()
    assert "draft template 'Shipped JSON'" in form.activation_text.text()
    with qtbot.waitSignal(form.trigger_activated):
        form.activate_button.click()
    assert triggers.items[trigger_id].status is TriggerStatus.ACTIVE
    assert templates.items[1].status is TemplateStatus.ACTIVE


def test_failed_test_offers_no_activation(form: TriggerForm) -> None:
    form.on_test_result(False)
    assert form.activation_frame.isHidden()
    assert "Test failed" in form.test_status.text()


def test_a_template_created_from_the_form_is_selected_and_announced(
        qtbot: QtBot, form: TriggerForm, stores: tuple[Triggers, Templates]) -> None:
    with qtbot.waitSignal(form.template_created) as created:
        form.create_template(Template("Acme shipped XML", format=OutputFormat.XML, body="<x/>"))
    new_id = created.args[0]
    assert stores[1].items[new_id].status is TemplateStatus.DRAFT
    assert form.format_box.currentData() == OutputFormat.XML.value
    assert form.template_box.currentData() == new_id


def test_loading_a_trigger_shows_every_field(form: TriggerForm) -> None:
    trigger = Trigger("Existing", customer_id=1, event=Event.DELIVERED, url="https://x.example/h",
                      http_method="PUT", format=OutputFormat.XML, template_id=2, signing=True,
                      signing_secret="whsec_abc", status=TriggerStatus.INACTIVE, id=7)
    form.load(trigger)
    assert form.current_trigger() == trigger
    assert form.title.text() == "Trigger: Existing"
