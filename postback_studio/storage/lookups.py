"""Lookup tables (global or per customer), their key -> value rows, and GelatoConnect's CSV."""

from __future__ import annotations

import builtins
from dataclasses import replace

from postback_studio.core.errors import raise_if
from postback_studio.core.lookup_csv import dump_lookup_csv
from postback_studio.core.model import LookupSet, LookupTable
from postback_studio.core.validation import validate_lookup_table
from postback_studio.storage.repository import Repository, Row


class LookupRepository(Repository):
    """Lookup tables (global or per customer) and their key -> value rows."""

    table = "lookup_tables"
    what = "lookup table"

    def save(self, table: LookupTable) -> LookupTable:
        """Insert or update a table, replacing its rows; a later duplicate key wins, as in an upload."""
        issues = validate_lookup_table(table)
        issues += self._owned_name_issues(table.name, table.id, table.customer_id)
        raise_if(issues, f"lookup table '{table.name}'")
        rows = tuple(table.as_dict().items())
        columns = {
            "name": table.name,
            "customer_id": table.customer_id,
            "description": table.description,
            "template_field": table.template_field,
        }
        with self._ws.transaction():
            if table.id is None:
                table = replace(table, id=self._insert(columns))
            else:
                self._update(table.id, columns)
                self._ws.db.table("lookup_rows").delete_where("table_id = ?", [table.id])
            self._ws.db.table("lookup_rows").insert_all(
                {"table_id": table.id, "position": index, "key": key, "value": value}
                for index, (key, value) in enumerate(rows)
            )
        return replace(table, rows=rows)

    def get(self, table_id: int) -> LookupTable:
        """The table with its rows, or :class:`NotFoundError`."""
        return self._table_of(self._by_id(table_id))

    def get_by_name(self, name: str) -> LookupTable | None:
        """The table with that name (unique in a workspace), or None."""
        row = self._first("name = ?", (name,))
        return None if row is None else self._table_of(row)

    def _table_of(self, row: Row) -> LookupTable:
        rows = self._conn.execute(
            "SELECT key, value FROM lookup_rows WHERE table_id = ? ORDER BY position", (row["id"],)
        ).fetchall()
        return LookupTable(
            name=row["name"],
            template_field=row["template_field"],
            rows=tuple((str(k), str(v)) for k, v in rows),
            customer_id=row["customer_id"],
            description=row["description"],
            id=row["id"],
        )

    def list(
        self, *, customer_id: int | None = None, include_global: bool = True
    ) -> builtins.list[LookupTable]:
        """Tables by name: all, or a customer's plus (unless ``include_global`` is False) the global ones."""
        if customer_id is None:
            rows = self._where(order_by="name, id")
        elif include_global:
            rows = self._where("customer_id = ? OR customer_id IS NULL", (customer_id,), order_by="name, id")
        else:
            rows = self._where("customer_id = ?", (customer_id,), order_by="name, id")
        return [self._table_of(r) for r in rows]

    def delete(self, table_id: int) -> None:
        """Delete a table and its rows."""
        self.get(table_id)
        self._delete(table_id)

    def lookup_set_for(self, customer_id: int | None) -> LookupSet:
        """What ``lookups()`` sees when rendering for a customer: global tables, then the customer's on top.

        Tables are merged per template field and per key, so a customer table overrides single keys of
        a global table with the same template field and inherits the rest.
        """
        merged: LookupSet = {}
        tables = (
            self.list(customer_id=customer_id)
            if customer_id is not None
            else [self._table_of(r) for r in self._where("customer_id IS NULL")]
        )
        for table in sorted(tables, key=lambda t: (t.customer_id is not None, t.name)):
            merged.setdefault(table.template_field, {}).update(table.as_dict())
        return merged

    def export_csv(self, table_id: int) -> str:
        """The table as GelatoConnect bulk-upload CSV (``key,value`` header, CRLF)."""
        return dump_lookup_csv(self.get(table_id).rows)
