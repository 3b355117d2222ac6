"""Customers: who receives notifications, and what a customer owns when it is deleted."""

from __future__ import annotations

import builtins
from dataclasses import replace

from postback_studio.core.errors import InUseError, raise_if
from postback_studio.core.model import Customer
from postback_studio.core.validation import validate_customer
from postback_studio.storage.repository import Repository, Row, unique_name


class CustomerRepository(Repository):
    """Customers: who receives notifications."""

    table = "customers"
    what = "customer"

    def add(self, customer: Customer) -> Customer:
        """Insert a new customer and return it with its id."""
        return self.save(replace(customer, id=None))

    def update(self, customer: Customer) -> Customer:
        """Change an existing customer (``customer.id`` must be set)."""
        if customer.id is None:
            raise ValueError("update() needs a customer with an id; use add()")
        return self.save(customer)

    def save(self, customer: Customer) -> Customer:
        """Insert (no id) or update (with id) after validation; names are unique."""
        issues = validate_customer(customer)
        issues += unique_name(
            self._conn,
            "SELECT 1 FROM customers WHERE name = ? AND id IS NOT ?",
            (customer.name, customer.id),
            f"a customer named '{customer.name}' already exists",
        )
        raise_if(issues, f"customer '{customer.name}'")
        row = {"name": customer.name, "reference_id": customer.reference_id, "notes": customer.notes}
        if customer.id is None:
            return replace(customer, id=self._insert(row))
        self._update(customer.id, row)
        return customer

    def get(self, customer_id: int) -> Customer:
        """The customer with that id, or :class:`NotFoundError`."""
        return _customer(self._by_id(customer_id))

    def get_by_name(self, name: str) -> Customer | None:
        """The customer with exactly that name, or None."""
        row = self._first("name = ?", (name,))
        return None if row is None else _customer(row)

    def list(self) -> builtins.list[Customer]:
        """Every customer, by name."""
        return [_customer(r) for r in self._where(order_by="name, id")]

    def delete(self, customer_id: int, *, cascade: bool = False) -> None:
        """Delete a customer; one that owns triggers, templates or lookup tables needs ``cascade=True``.

        With ``cascade`` its triggers (and their secrets), its own templates and its lookup tables go too.
        The request log keeps its entries (they hold the customer's name).
        """
        customer = self.get(customer_id)
        owned = {
            "triggers": self._count("triggers", customer_id),
            "templates": self._count("templates", customer_id),
            "lookup tables": self._count("lookup_tables", customer_id),
        }
        if any(owned.values()) and not cascade:
            what = ", ".join(f"{n} {kind}" for kind, n in owned.items() if n)
            raise InUseError(
                f"customer '{customer.name}' still has {what}; delete those first or delete with "
                "cascade=True to remove them together"
            )
        with self._ws.transaction():
            for trigger in self._ws.triggers.list(customer_id=customer_id):
                assert trigger.id is not None
                self._ws.triggers.delete(trigger.id)
            self._conn.execute(
                "UPDATE triggers SET template_id = NULL WHERE template_id IN "
                "(SELECT id FROM templates WHERE customer_id = ?)",
                (customer_id,),
            )
            self._conn.execute("DELETE FROM templates WHERE customer_id = ?", (customer_id,))
            self._conn.execute("DELETE FROM lookup_tables WHERE customer_id = ?", (customer_id,))
            self._delete(customer_id)

    def _count(self, table: str, customer_id: int) -> int:
        return int(self._ws.db.table(table).count_where("customer_id = ?", [customer_id]))


def _customer(row: Row) -> Customer:
    return Customer(name=row["name"], reference_id=row["reference_id"], notes=row["notes"], id=row["id"])
