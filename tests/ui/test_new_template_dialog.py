"""Option B: the small dialog that creates a template from inside the trigger form."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from postback_studio.core.model import Customer, Event, OutputFormat, Template, TemplateKind, TemplateStatus
from postback_studio.services.session import Session
from postback_studio.ui.new_template_dialog import NewTemplateDialog

EXAMPLES = [
    Template("Article shipped", body='{"orderId": "{{ orderId }}"}', status=TemplateStatus.ACTIVE, id=9),
    Template("Shipped XML", format=OutputFormat.XML, body="<order/>"),
    Template("Shipped email", kind=TemplateKind.EMAIL, format=OutputFormat.HTML, subject="Shipped",
             body="<p>Shipped</p>", text_body="Shipped"),
]


def test_examples_follow_the_kind_and_the_saved_template_is_a_fresh_draft(qtbot: QtBot,
                                                                           ws: Session) -> None:
    acme = ws.customers.save(Customer("Acme"))
    dialog = NewTemplateDialog(EXAMPLES, TemplateKind.WEBHOOK, OutputFormat.JSON, customer_id=acme.id,
                               save=ws.templates.save)
    qtbot.addWidget(dialog)
    assert [dialog.start_box.itemText(i) for i in range(dialog.start_box.count())] == [
        "Minimal template", "Example: Article shipped"]
    dialog.name_edit.setText("Acme shipped")
    dialog.create()
    assert dialog.result() == NewTemplateDialog.DialogCode.Accepted
    assert dialog.saved is not None and dialog.saved.id is not None
    stored = ws.templates.get(dialog.saved.id)
    assert (stored.name, stored.body, stored.customer_id, stored.status) == (
        "Acme shipped", '{"orderId": "{{ orderId }}"}', acme.id, TemplateStatus.DRAFT)


def test_a_taken_or_missing_name_keeps_the_dialog_open_with_the_message(qtbot: QtBot, ws: Session) -> None:
    ws.templates.save(Template("Taken"))
    dialog = NewTemplateDialog(EXAMPLES, TemplateKind.EMAIL, OutputFormat.HTML, customer_id=None,
                               save=ws.templates.save)
    qtbot.addWidget(dialog)
    assert dialog.kind_box.currentText() == "Email"
    assert dialog.start_box.currentText() == "Example: Shipped email"
    dialog.create()
    assert dialog.saved is None and dialog.errors.messages()["name"] == "Name is required"
    dialog.name_edit.setText("Taken")
    dialog.create()
    assert dialog.saved is None
    assert dialog.errors.messages()["name"] == "A template named 'Taken' already exists"


def test_the_example_for_the_triggers_event_is_preselected(qtbot: QtBot, ws: Session) -> None:
    examples = [Template("order-failed"), Template("order-shipped"), Template("order-in-transit")]
    dialog = NewTemplateDialog(examples, TemplateKind.WEBHOOK, OutputFormat.JSON, customer_id=None,
                               save=ws.templates.save, event=Event.IN_TRANSIT)
    qtbot.addWidget(dialog)
    assert dialog.start_box.currentText() == "Example: order-in-transit"


def test_the_minimal_email_template_is_accepted_by_the_workspace(qtbot: QtBot, ws: Session) -> None:
    dialog = NewTemplateDialog([], TemplateKind.EMAIL, OutputFormat.HTML, customer_id=None,
                               save=ws.templates.save)
    qtbot.addWidget(dialog)
    dialog.name_edit.setText("Plain mail")
    dialog.create()
    assert dialog.saved is not None
    assert dialog.saved.subject == "Order {{ orderId }}" and dialog.saved.text_body
