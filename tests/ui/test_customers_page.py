"""The Customers page as a user drives it: create, edit, delete, and Add Trigger from the profile."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from postback_studio.core.model import Customer, Event, LookupTable, Trigger
from postback_studio.ui.customers_page import CustomersPage
from postback_studio.ui.trigger_form import TriggerForm
from tests.ui.fakes import Customers, Issue, Lookups, Templates, Triggers, no_issues

Stores = tuple[Customers, Triggers, Lookups]


def fake_validate(customer: Customer) -> list[Issue]:
    return [] if customer.name else [Issue("name", "is required")]


class Answers:
    def __init__(self, *answers: bool) -> None:
        self.answers = list(answers)
        self.asked: list[str] = []

    def __call__(self, title: str, text: str) -> bool:
        self.asked.append(text)
        return self.answers.pop(0)


@pytest.fixture
def stores() -> tuple[Customers, Triggers, Lookups]:
    return Customers(), Triggers(), Lookups()


def make_page(qtbot: QtBot, stores: tuple[Customers, Triggers, Lookups], confirm: Answers) -> CustomersPage:
    customers, triggers, lookups = stores
    form = TriggerForm(triggers, Templates(), validate=no_issues, check_template=lambda i, e: [])
    page = CustomersPage(customers, triggers, lookups, form, validate=fake_validate, confirm=confirm)
    qtbot.addWidget(page)
    return page


def test_create_edit_and_delete_a_customer(qtbot: QtBot, stores: tuple[Customers, Triggers, Lookups]) -> None:
    customers, triggers, lookups = stores
    answers = Answers(False, True)
    page = make_page(qtbot, stores, answers)
    assert page.title.text() == "New Customer"

    assert page.save() is None
    assert page.errors.messages()["name"] == "Name is required"
    assert customers.items == {}

    page.name_edit.setText("Acme Print")
    page.reference_edit.setText("ACME-01")
    page.notes_edit.setPlainText("Wants XML")
    with qtbot.waitSignal(page.customer_saved) as saved:
        page.save_button.click()
    customer_id = saved.args[0]
    assert customers.items[customer_id] == Customer("Acme Print", "ACME-01", "Wants XML", id=customer_id)
    assert page.customer_list.currentItem().text() == "Acme Print"
    assert page.errors.messages()["name"] == ""

    page.name_edit.setText("Acme Print GmbH")
    page.save()
    assert customers.items[customer_id].name == "Acme Print GmbH"
    assert page.customer_list.count() == 1

    triggers.save(Trigger("Shipped", customer_id, Event.SHIPPED, url="https://x.example"))
    lookups.save(LookupTable("Carriers", "carrier", customer_id=customer_id))
    page.select_customer(customer_id)
    assert page.trigger_list.item(0).text().startswith("Shipped — Order shipped")
    assert page.table_list.item(0).text().startswith("Carriers")

    assert not page.delete_current()
    assert customer_id in customers.items
    assert "1 trigger ('Shipped')" in answers.asked[0]
    assert "1 lookup table ('Carriers')" in answers.asked[0]
    with qtbot.waitSignal(page.customer_deleted):
        page.delete_button.click()
    assert customers.items == {}
    assert page.title.text() == "New Customer"


def test_add_trigger_opens_the_form_for_that_customer(qtbot: QtBot,
                                                     stores: tuple[Customers, Triggers, Lookups]) -> None:
    customers, triggers, _ = stores
    acme = customers.save(Customer("Acme"))
    customers.save(Customer("Beta"))
    page = make_page(qtbot, stores, Answers())
    assert page.select_customer(acme.id or 0)
    page.add_trigger_button.click()
    assert page.stack.currentWidget().isAncestorOf(page.trigger_form)
    assert page.back_button.text() == "‹ Back to Acme"
    page.trigger_form.name_edit.setText("Shipped to ERP")
    page.trigger_form.url_edit.setText("https://erp.example.com/hook")
    with qtbot.waitSignal(page.trigger_form.trigger_saved):
        page.trigger_form.save_button.click()
    assert [t.customer_id for t in triggers.items.values()] == [acme.id]
    page.back_button.click()
    assert page.stack.currentIndex() == 0
    assert page.trigger_list.item(0).text().startswith("Shipped to ERP")
    page.trigger_list.setCurrentRow(0)
    page.open_trigger_button.click()
    assert page.trigger_form.name_edit.text() == "Shipped to ERP"


def test_filter_hides_non_matching_customers(qtbot: QtBot, stores: Stores) -> None:
    for name in ("Acme", "Beta", "Acorn"):
        stores[0].save(Customer(name))
    page = make_page(qtbot, stores, Answers())
    page.filter_edit.setText("ac")
    shown = [page.customer_list.item(r).text() for r in range(3) if not page.customer_list.item(r).isHidden()]
    assert shown == ["Acme", "Acorn"]


def test_open_table_asks_for_the_lookups_page(qtbot: QtBot, stores: Stores) -> None:
    acme = stores[0].save(Customer("Acme"))
    table = stores[2].save(LookupTable("Carriers", "carrier", customer_id=acme.id))
    page = make_page(qtbot, stores, Answers())
    page.table_list.setCurrentRow(0)
    with qtbot.waitSignal(page.lookup_table_requested) as requested:
        page.open_table_button.click()
    assert requested.args == [table.id]
