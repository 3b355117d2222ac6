"""The Triggers page on a real workspace: all triggers across customers, filtered, opened in the form."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from postback_studio.core.model import Customer, DeliveryMethod, Event, Trigger
from postback_studio.services.session import Session
from postback_studio.ui.trigger_form import TriggerForm
from postback_studio.ui.triggers_page import TriggersPage
from postback_studio.workers.jobs import JobRunner


def make(qtbot: QtBot, ws: Session, jobs: JobRunner) -> TriggersPage:
    acme, beta = ws.customers.save(Customer("Acme")), ws.customers.save(Customer("Beta"))
    assert acme.id and beta.id
    ws.triggers.save(Trigger("Shipped ERP", acme.id, Event.SHIPPED, url="https://erp.acme.example/h"))
    ws.triggers.save(Trigger("Mail ops", beta.id, Event.DELIVERED, method=DeliveryMethod.EMAIL,
                             recipients=("ops@beta.example",)))
    form = TriggerForm(ws.triggers, ws.templates, jobs=jobs, check_template=lambda t, e, lookups: [])
    page = TriggersPage(ws.triggers, ws.customers, form, confirm=lambda title, text: True)
    qtbot.addWidget(page)
    return page


def cells(page: TriggersPage) -> list[list[str]]:
    return [[page.table.item(r, c).text() for c in range(page.table.columnCount())]
            for r in range(page.table.rowCount())]


def test_lists_every_customers_triggers_and_filters(qtbot: QtBot, ws: Session, jobs: JobRunner) -> None:
    page = make(qtbot, ws, jobs)
    assert cells(page) == [
        ["Shipped ERP", "Acme", "Order shipped", "draft"],
        ["Mail ops", "Beta", "Order delivered", "draft"],
    ]
    assert not page.new_button.isEnabled()
    assert page.table.item(0, 0).toolTip() == "Shipped ERP · Acme · Order shipped · draft\nPOST https://erp.acme.example/h"
    page.filter_edit.setText("ops@beta")
    assert [row[0] for row in cells(page)] == ["Mail ops"]
    page.filter_edit.clear()
    page.customer_box.setCurrentIndex(page.customer_box.findText("Acme"))
    assert [row[0] for row in cells(page)] == ["Shipped ERP"]
    assert page.new_button.isEnabled()


def test_selecting_opens_the_form_and_saving_updates_the_list(qtbot: QtBot, ws: Session,
                                                               jobs: JobRunner) -> None:
    page = make(qtbot, ws, jobs)
    page.table.selectRow(1)
    assert page.trigger_form.name_edit.text() == "Mail ops"
    page.trigger_form.name_edit.setText("Mail ops team")
    with qtbot.waitSignal(page.trigger_form.trigger_saved):
        page.trigger_form.save()
    assert cells(page)[1][0] == "Mail ops team"
    page.delete_button.click()
    assert [t.name for t in ws.triggers.list()] == ["Shipped ERP"]
    assert page.table.rowCount() == 1


def test_with_no_trigger_open_the_form_takes_no_typing_until_one_is_picked_or_started(
    qtbot: QtBot, ws: Session, jobs: JobRunner
) -> None:
    """A newcomer on "All customers" with nothing picked was offered a blank form whose Save failed
    with "Customer: no customer with id 0", and a Delete with nothing to delete."""
    from postback_studio.ui.trigger_form import NO_TRIGGER_TITLE

    page = make(qtbot, ws, jobs)
    form = page.trigger_form
    assert page.table.currentRow() == -1
    assert form.title.text() == NO_TRIGGER_TITLE
    assert not form.scroll.isEnabled() and not form.save_button.isEnabled()
    assert not form.send_test.button.isEnabled() and not page.delete_button.isEnabled()

    page.table.selectRow(0)
    assert form.title.text() == "Trigger: Shipped ERP"
    assert form.scroll.isEnabled() and form.save_button.isEnabled() and form.send_test.button.isEnabled()
    assert page.delete_button.isEnabled()

    page.customer_box.setCurrentIndex(page.customer_box.findText("Beta"))
    page.new_button.click()
    assert form.title.text() == "New Trigger" and form.scroll.isEnabled() and form.save_button.isEnabled()
    assert not page.delete_button.isEnabled(), "the new trigger is not in the list yet"
