"""The Customers page on a real workspace: create, edit, delete, and Add Trigger from the profile."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from postback_studio.core.model import Customer, Event, LookupTable, Template, Trigger
from postback_studio.services.session import Session
from postback_studio.ui.customers_page import CustomersPage
from postback_studio.ui.trigger_form import TriggerForm
from postback_studio.workers.jobs import JobRunner


class Answers:
    """Scripted answers to the page's confirmations, keeping the questions asked."""

    def __init__(self, *answers: bool) -> None:
        self.answers = list(answers)
        self.asked: list[str] = []

    def __call__(self, title: str, text: str) -> bool:
        self.asked.append(text)
        return self.answers.pop(0)


def make_page(qtbot: QtBot, ws: Session, jobs: JobRunner, confirm: Answers) -> CustomersPage:
    form = TriggerForm(ws.triggers, ws.templates, jobs=jobs, check_template=lambda t, e, lookups: [])
    page = CustomersPage(ws.customers, ws.triggers, ws.lookups, form, ws.templates, confirm=confirm)
    qtbot.addWidget(page)
    return page


def test_create_edit_and_delete_a_customer(qtbot: QtBot, ws: Session, jobs: JobRunner) -> None:
    answers = Answers(False, True)
    page = make_page(qtbot, ws, jobs, answers)
    assert page.title.text() == "New Customer"

    assert page.save() is None
    assert page.errors.messages()["name"] == "Name is required"
    assert ws.customers.list() == []

    page.name_edit.setText("Acme Print")
    page.reference_edit.setText("ACME-01")
    page.notes_edit.setPlainText("Wants XML")
    with qtbot.waitSignal(page.customer_saved) as saved:
        page.save_button.click()
    customer_id = saved.args[0]
    assert ws.customers.get(customer_id) == Customer("Acme Print", "ACME-01", "Wants XML", id=customer_id)
    assert page.customer_list.currentItem().text() == "Acme Print"
    assert page.errors.messages()["name"] == ""

    page.name_edit.setText("Acme Print GmbH")
    page.save()
    assert ws.customers.get(customer_id).name == "Acme Print GmbH"
    assert page.customer_list.count() == 1

    ws.triggers.save(Trigger("Shipped", customer_id, Event.SHIPPED, url="https://x.example"))
    ws.lookups.save(LookupTable("Carriers", "carrier", customer_id=customer_id))
    ws.lookups.save(LookupTable("Global carriers", "carrier_name"))
    ws.templates.save(Template("Acme JSON", customer_id=customer_id))
    page.select_customer(customer_id)
    assert page.trigger_list.item(0).text().startswith("Shipped — Order shipped")
    assert [page.table_list.item(r).text().split(" — ")[0] for r in range(page.table_list.count())] == [
        "Carriers"]

    assert not page.delete_current()
    assert ws.customers.get_by_name("Acme Print GmbH") is not None
    owned = "1 trigger ('Shipped'), 1 template ('Acme JSON') and 1 lookup table ('Carriers')"
    assert owned in answers.asked[0]
    with qtbot.waitSignal(page.customer_deleted):
        page.delete_button.click()
    assert ws.customers.list() == [] and ws.triggers.list() == []
    assert [t.name for t in ws.lookups.list()] == ["Global carriers"]
    assert page.title.text() == "New Customer"


def test_duplicate_name_is_refused_under_the_name(qtbot: QtBot, ws: Session, jobs: JobRunner) -> None:
    ws.customers.save(Customer("Acme"))
    page = make_page(qtbot, ws, jobs, Answers())
    page.new_customer()
    page.name_edit.setText("Acme")
    assert page.save() is None
    assert page.errors.messages()["name"] == "A customer named 'Acme' already exists"


def test_add_trigger_opens_the_form_for_that_customer(qtbot: QtBot, ws: Session, jobs: JobRunner) -> None:
    acme = ws.customers.save(Customer("Acme"))
    ws.customers.save(Customer("Beta"))
    page = make_page(qtbot, ws, jobs, Answers())
    assert acme.id is not None and page.select_customer(acme.id)
    page.add_trigger_button.click()
    assert page.stack.currentWidget().isAncestorOf(page.trigger_form)
    assert page.back_button.text() == "‹ Back to Acme"
    page.trigger_form.name_edit.setText("Shipped to ERP")
    page.trigger_form.url_edit.setText("https://erp.example.com/hook")
    with qtbot.waitSignal(page.trigger_form.trigger_saved):
        page.trigger_form.save_button.click()
    assert [t.customer_id for t in ws.triggers.list()] == [acme.id]
    page.back_button.click()
    assert page.stack.currentIndex() == 0
    assert page.trigger_list.item(0).text().startswith("Shipped to ERP")
    page.trigger_list.setCurrentRow(0)
    page.open_trigger_button.click()
    assert page.trigger_form.name_edit.text() == "Shipped to ERP"


def test_filter_hides_non_matching_customers(qtbot: QtBot, ws: Session, jobs: JobRunner) -> None:
    for name in ("Acme", "Beta", "Acorn"):
        ws.customers.save(Customer(name))
    page = make_page(qtbot, ws, jobs, Answers())
    page.filter_edit.setText("ac")
    shown = [page.customer_list.item(r).text() for r in range(3) if not page.customer_list.item(r).isHidden()]
    assert shown == ["Acme", "Acorn"]


def test_open_table_asks_for_the_lookups_page(qtbot: QtBot, ws: Session, jobs: JobRunner) -> None:
    acme = ws.customers.save(Customer("Acme"))
    table = ws.lookups.save(LookupTable("Carriers", "carrier", customer_id=acme.id))
    page = make_page(qtbot, ws, jobs, Answers())
    page.table_list.setCurrentRow(0)
    with qtbot.waitSignal(page.lookup_table_requested) as requested:
        page.open_table_button.click()
    assert requested.args == [table.id]


def test_cancel_on_a_click_in_the_list_keeps_the_edited_customer_highlighted(
    qtbot: QtBot, ws: Session, jobs: JobRunner
) -> None:
    """Issue 10 item 4, on the Customers page too: Cancel in the unsaved-changes prompt asked because
    of a mouse click on another customer leaves the list on the customer still in the form."""
    from PySide6.QtCore import Qt

    from postback_studio.ui.prompts import UnsavedChoice
    from tests.support.prompter import ScriptedPrompter

    acme = ws.customers.save(Customer("Acme"))
    ws.customers.save(Customer("Beta"))
    prompter = ScriptedPrompter(unsaved=[UnsavedChoice.CANCEL, UnsavedChoice.DISCARD])
    form = TriggerForm(ws.triggers, ws.templates, jobs=jobs, check_template=lambda t, e, lookups: [])
    page = CustomersPage(ws.customers, ws.triggers, ws.lookups, form, ws.templates,
                         ask_unsaved=prompter.unsaved_changes)
    qtbot.addWidget(page)
    page.resize(1100, 700)
    page.show()
    qtbot.waitExposed(page)
    assert acme.id is not None and page.select_customer(acme.id)
    page.name_edit.setText("Acme (edited)")
    beta = page.customer_list.findItems("Beta", Qt.MatchFlag.MatchExactly)[0]
    where = page.customer_list.visualItemRect(beta).center()
    qtbot.mouseClick(page.customer_list.viewport(), Qt.MouseButton.LeftButton, pos=where)
    assert prompter.unsaved_names == ["customer 'Acme'"]
    assert page.name_edit.text() == "Acme (edited)"
    assert [i.text() for i in page.customer_list.selectedItems()] == ["Acme"]
    assert page.customer_list.currentItem().text() == "Acme"
    qtbot.mouseClick(page.customer_list.viewport(), Qt.MouseButton.LeftButton, pos=where)
    assert page.name_edit.text() == "Beta" and page.customer_list.currentItem().text() == "Beta"
    assert [c.name for c in ws.customers.list()] == ["Acme", "Beta"], "discarded: nothing written"
