"""The trigger form as a user drives it, on a real workspace: fields, messages next to fields,
timeline, secrets, Check against loopback servers, Send Test and activation."""

from __future__ import annotations

import functools
import socket
from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QLineEdit
from pytestqt.qtbot import QtBot

from postback_studio.core.activation import sample_problems
from postback_studio.core.dispatch.progress import SendTestStatus
from postback_studio.core.model import (
    Customer,
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
from postback_studio.core.paths import resources_dir
from postback_studio.core.reachability import ReachabilityReport
from postback_studio.core.render.engine import RenderEngine
from postback_studio.services.session import Session
from postback_studio.ui.prompts import UnsavedChoice
from postback_studio.ui.trigger_form import TriggerForm
from postback_studio.workers.jobs import JobRunner
from tests.support.ports import refused_port
from tests.support.prompter import ScriptedPrompter

ARTICLE = (resources_dir() / "templates" / "order-shipped-article.json.j2").read_text(encoding="utf-8")


@pytest.fixture
def acme(ws: Session) -> int:
    customer = ws.customers.save(Customer("Acme"))
    ws.templates.save(Template("Shipped JSON", format=OutputFormat.JSON, body=ARTICLE))
    ws.templates.save(Template("Shipped XML", format=OutputFormat.XML, body="<order/>"))
    ws.templates.save(Template("Shipped mail", kind=TemplateKind.EMAIL, format=OutputFormat.HTML,
                               subject="Shipped", body="<p>Shipped</p>", status=TemplateStatus.ACTIVE))
    assert customer.id is not None
    return customer.id


@pytest.fixture
def engine() -> Iterator[RenderEngine]:
    with RenderEngine(max_workers=1) as render_engine:
        yield render_engine


@pytest.fixture
def prompter() -> ScriptedPrompter:
    return ScriptedPrompter()


@pytest.fixture
def form(qtbot: QtBot, ws: Session, *, acme: int, engine: RenderEngine, jobs: JobRunner,
         prompter: ScriptedPrompter) -> TriggerForm:
    widget = TriggerForm(ws.triggers, ws.templates, jobs=jobs,
                         check_template=functools.partial(sample_problems, engine),
                         lookup_set_for=ws.lookups.lookup_set_for,
                         examples=[Template("Article example", body='{"orderId": "{{ orderId }}"}')],
                         ask_unsaved=prompter.unsaved_changes)
    qtbot.addWidget(widget)
    widget.new_trigger(customer_id=acme)
    return widget


def template_id(ws: Session, name: str) -> int:
    template = ws.templates.get_by_name(name)
    assert template is not None and template.id is not None
    return template.id


def test_bad_values_show_messages_next_to_their_fields_and_nothing_is_saved(
        form: TriggerForm, ws: Session) -> None:
    form.url_edit.setText("ftp://example.com")
    assert form.headers_table.add_header(Header("X Api", "v")) == 0
    assert form.save() is None
    messages = form.errors.messages()
    assert messages["name"] == "Name is required"
    assert messages["url"] == "URL must start with http:// or https://"
    assert messages["headers"] == "Row 1: 'X Api' is not a valid header name"
    assert messages["recipients"] == ""
    assert ws.triggers.list() == []
    assert form.errors.label_for("url").parentWidget() is not form.errors.label_for("name").parentWidget()

    form.name_edit.setText("Shipped to ERP")
    form.url_edit.setText("https://erp.example.com/hooks")
    form.headers_table.remove_selected()
    saved = form.save()
    assert saved is not None and ws.triggers.get(saved.id or 0).url == "https://erp.example.com/hooks"
    assert all(text == "" for text in form.errors.messages().values())


def test_email_method_switches_fields_and_template_choices(form: TriggerForm) -> None:
    assert form.webhook_group.isVisibleTo(form) and not form.email_group.isVisibleTo(form)
    names = [form.template_box.itemText(i) for i in range(form.template_box.count())]
    assert names == ["— choose a template —", "Shipped JSON (draft)"]
    form.method_box.setCurrentIndex(form.method_box.findData(DeliveryMethod.EMAIL))
    assert not form.webhook_group.isVisibleTo(form) and form.email_group.isVisibleTo(form)
    assert form.template_box.itemText(1) == "Shipped mail"
    form.name_edit.setText("Mail ops")
    assert form.save() is None
    assert form.errors.messages()["recipients"] == "An email trigger needs at least one recipient"
    form.recipients_edit.setPlainText("ops@x.example, not-an-address\nops@x.example")
    assert form.save() is None
    assert form.errors.messages()["recipients"].startswith("Recipient 2: 'not-an-address' is not a valid")
    form.recipients_edit.setPlainText("ops@x.example, a@x.example")
    trigger = form.save()
    assert trigger is not None and trigger.recipients == ("ops@x.example", "a@x.example")
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
    assert "gives up after about 18 s" in form.timeline_label.text()
    assert form.current_trigger().retry.max_attempts == 4


def test_secret_header_values_are_masked_until_revealed_and_survive_a_save(
        form: TriggerForm, ws: Session) -> None:
    row = form.headers_table.add_header(Header("Authorization", "Bearer s3cret", secret=True))
    plain = form.headers_table.add_header(Header("X-Trace", "on"))
    value = form.headers_table.value_edit(row)
    assert value.echoMode() is QLineEdit.EchoMode.Password
    assert "s3cret" not in value.displayText()
    assert form.headers_table.value_edit(plain).echoMode() is QLineEdit.EchoMode.Normal
    form.reveal_box.setChecked(True)
    assert value.displayText() == "Bearer s3cret"
    form.reveal_box.setChecked(False)
    form.name_edit.setText("Secret headers")
    form.url_edit.setText("https://erp.example.com/hooks")
    saved = form.save()
    assert saved is not None and saved.id is not None
    form.load(ws.triggers.get(saved.id))
    assert form.headers_table.value_edit(0).echoMode() is QLineEdit.EchoMode.Password
    assert form.current_trigger().headers == (Header("Authorization", "Bearer s3cret", True),
                                              Header("X-Trace", "on"))


def test_generate_makes_a_masked_whsec_secret(form: TriggerForm) -> None:
    assert not form.secret_edit.isEnabled()
    form.signing_box.setChecked(True)
    form.generate_button.click()
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
    with refused_port() as port:
        form.url_edit.setText(f"http://127.0.0.1:{port}/hook")
        with qtbot.waitSignal(form.check_finished, timeout=10_000):
            form.check_button.click()
    assert "refused the connection" in form.check_result.text()
    assert "✘ Connection" in form.check_result.text()


def test_send_test_then_activation_warns_about_template_problems(
        qtbot: QtBot, form: TriggerForm, ws: Session) -> None:
    form.name_edit.setText("Shipped to ERP")
    form.url_edit.setText("https://erp.example.com/hooks")
    form.template_box.setCurrentIndex(form.template_box.findData(template_id(ws, "Shipped JSON")))
    with qtbot.waitSignal(form.send_test_requested) as sent:
        form.send_test.button.click()
    trigger_id = sent.args[0]
    assert ws.triggers.get(trigger_id).status is TriggerStatus.DRAFT
    assert not form.send_test.button.isEnabled()
    with qtbot.waitSignal(form.activation_offered, timeout=30_000) as offered:
        form.send_test.on_status(SendTestStatus(trigger_id, "delivered on attempt 1", True, delivered=True))
    problems = offered.args[0]
    assert len(problems) == 1 and problems[0].startswith("shipped.multi-item: Invalid JSON")
    assert not form.activation_frame.isHidden()
    assert "shipped.multi-item" in form.activation_text.text()
    assert "draft template 'Shipped JSON'" in form.activation_text.text()
    assert form.activate_button.text() == "Activate Anyway"
    with qtbot.waitSignal(form.trigger_activated):
        form.activate_button.click()
    assert ws.triggers.get(trigger_id).status is TriggerStatus.ACTIVE
    assert ws.templates.get(template_id(ws, "Shipped JSON")).status is TemplateStatus.ACTIVE
    assert form.template_box.currentText() == "Shipped JSON"


def test_the_test_status_follows_the_retries_then_fails_without_activation(
        qtbot: QtBot, form: TriggerForm, ws: Session) -> None:
    form.name_edit.setText("Shipped to ERP")
    form.url_edit.setText("https://erp.example.com/hooks")
    with qtbot.waitSignal(form.send_test_requested) as sent:
        form.send_test.button.click()
    trigger_id = sent.args[0]
    form.send_test.on_status(SendTestStatus(trigger_id, "retrying (attempt 2 of 3 in 5 s)…", finished=False,
                                       cancellable=True))
    assert form.send_test.status.text() == "Test retrying (attempt 2 of 3 in 5 s)…"
    assert not form.send_test.cancel_button.isHidden() and not form.send_test.button.isEnabled()
    with qtbot.waitSignal(form.cancel_test_requested) as cancelled:
        form.send_test.cancel_button.click()
    assert cancelled.args == [trigger_id]
    form.send_test.on_status(SendTestStatus(trigger_id + 1, "delivered on attempt 1", True, delivered=True))
    assert "retrying" in form.send_test.status.text(), "another form's test is not this one's"
    form.send_test.on_status(SendTestStatus(trigger_id, "failed after 3 attempts: HTTP 503", finished=True))
    assert form.send_test.status.text() == "Test failed after 3 attempts: HTTP 503"
    assert form.activation_frame.isHidden() and form.send_test.cancel_button.isHidden()
    assert form.send_test.button.isEnabled()


def test_a_template_created_from_the_form_is_selected_and_announced(
        qtbot: QtBot, form: TriggerForm, ws: Session, acme: int) -> None:
    with qtbot.waitSignal(form.template_created) as created:
        form.create_template(Template("Acme shipped XML", format=OutputFormat.XML, body="<x/>",
                                      customer_id=acme))
    new_id = created.args[0]
    assert ws.templates.get(new_id).status is TemplateStatus.DRAFT
    assert form.format_box.currentData() == OutputFormat.XML.value
    assert form.template_box.currentData() == new_id


def test_loading_a_trigger_shows_every_field(form: TriggerForm, ws: Session, acme: int) -> None:
    trigger = ws.triggers.save(Trigger(
        "Existing", customer_id=acme, event=Event.DELIVERED, url="https://x.example/h", http_method="PUT",
        format=OutputFormat.XML, template_id=template_id(ws, "Shipped XML"), signing=True,
        signing_secret="whsec_abc", status=TriggerStatus.INACTIVE))
    assert trigger.id is not None
    form.load(ws.triggers.get(trigger.id))
    assert form.current_trigger() == trigger
    assert form.title.text() == "Trigger: Existing"


def test_unsaved_edits_are_not_lost_silently(form: TriggerForm, ws: Session, acme: int,
                                             prompter: ScriptedPrompter) -> None:
    form.show()
    assert not form.has_unsaved_changes(), "a freshly loaded form has nothing to lose"
    form.name_edit.setText("Shipped to ERP")
    form.url_edit.setText("https://erp.example/hooks")
    form.template_box.setCurrentIndex(form.template_box.findData(template_id(ws, "Shipped JSON")))
    assert form.has_unsaved_changes()

    prompter.unsaved = [UnsavedChoice.CANCEL, UnsavedChoice.SAVE]
    assert not form.confirm_discard(), "Cancel keeps the user on the form"
    assert ws.triggers.list() == []
    assert form.confirm_discard(), "Save saves and lets the user go on"
    [saved] = ws.triggers.list()
    assert saved.name == "Shipped to ERP" and not form.has_unsaved_changes()

    form.name_edit.setText("Renamed but discarded")
    prompter.unsaved = [UnsavedChoice.DISCARD]
    assert form.confirm_discard()
    assert prompter.unsaved_names == ["trigger 'Shipped to ERP'"] * 3
    assert [t.name for t in ws.triggers.list()] == ["Shipped to ERP"]
