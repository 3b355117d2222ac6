"""Option B: the small dialog that creates a template from inside the trigger form."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from postback_studio.core.model import OutputFormat, Template, TemplateKind, TemplateStatus
from postback_studio.ui.trigger_form import NewTemplateDialog

EXAMPLES = [
    Template("Article shipped", body='{"orderId": "{{ orderId }}"}', status=TemplateStatus.ACTIVE, id=9),
    Template("Shipped XML", format=OutputFormat.XML, body="<order/>"),
    Template("Shipped email", kind=TemplateKind.EMAIL, format=OutputFormat.HTML, subject="Shipped",
             body="<p>Shipped</p>", text_body="Shipped"),
]


def test_examples_follow_the_kind_and_the_result_is_a_fresh_draft(qtbot: QtBot) -> None:
    dialog = NewTemplateDialog(EXAMPLES, TemplateKind.WEBHOOK, OutputFormat.JSON)
    qtbot.addWidget(dialog)
    assert [dialog.start_box.itemText(i) for i in range(dialog.start_box.count())] == [
        "Blank template", "Example: Article shipped"]
    dialog.name_edit.setText("Acme shipped")
    template = dialog.template(customer_id=3)
    assert template == Template("Acme shipped", body='{"orderId": "{{ orderId }}"}', customer_id=3)
    dialog.kind_box.setCurrentIndex(2)
    assert dialog.start_box.currentText() == "Example: Shipped email"
    email = dialog.template(customer_id=None)
    assert (email.kind, email.subject, email.text_body) == (TemplateKind.EMAIL, "Shipped", "Shipped")


def test_a_name_is_required(qtbot: QtBot) -> None:
    dialog = NewTemplateDialog([], TemplateKind.WEBHOOK, OutputFormat.XML)
    qtbot.addWidget(dialog)
    assert dialog.kind_box.currentText() == "Webhook, XML"
    dialog.start_box.setCurrentIndex(0)
    dialog._on_buttons_accepted()
    assert dialog.result() == 0
    assert dialog.name_error.text() == "Name is required"
