"""The words the customer profile uses, above all the deletion confirmation."""

from __future__ import annotations

from postback_studio.core.customer_profile import deletion_message, table_line, trigger_line
from postback_studio.core.model import Customer, DeliveryMethod, Event, LookupTable, Template, Trigger


def test_deletion_names_triggers_and_tables_that_go_with_the_customer() -> None:
    customer = Customer("Acme", id=1)
    triggers = [Trigger(f"t{i}", 1, Event.SHIPPED) for i in range(7)]
    text = deletion_message(customer, triggers, [Template("Acme JSON")], [LookupTable("Carriers", "carrier")])
    assert text.startswith("Delete customer 'Acme'? This also deletes its 7 triggers ('t0', ")
    assert "and 2 more), 1 template ('Acme JSON') and 1 lookup table ('Carriers')." in text
    assert "request log keeps its entries" in text


def test_deletion_of_a_bare_customer_says_nothing_else_goes() -> None:
    text = deletion_message(Customer("Solo"), [], [], [])
    assert text.endswith("It owns no triggers, templates or lookup tables.")


def test_profile_lines() -> None:
    mail = Trigger("Mail", 1, Event.DELIVERED, method=DeliveryMethod.EMAIL, recipients=("a@x.example",))
    assert trigger_line(mail) == "Mail — Order delivered → a@x.example [draft]"
    assert table_line(LookupTable("Carriers", "carrier", rows=(("a", "b"),))).endswith("1 row")
