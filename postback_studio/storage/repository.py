"""What every repository shares: its table, read and written through sqlite-utils.

sqlite-utils carries the plain work (inserting and updating a row from a dict, fetching rows by a
where clause, fetching one by id); SQL is written by hand only where a query is more than that
(keyset paging, full-text search, grouped counts). Every write runs inside the workspace's
transaction, where sqlite-utils nests its own savepoint, so a repository call is atomic and a
caller's larger transaction still commits or rolls back as one.
"""

from __future__ import annotations

import builtins
import sqlite3
from typing import TYPE_CHECKING, Any, ClassVar

from sqlite_utils.db import NotFoundError as RowNotFound

from postback_studio.core.errors import NotFoundError, ValidationIssue

if TYPE_CHECKING:
    from postback_studio.storage.workspace import Workspace

#: A fetched row, by column name.
Row = dict[str, Any]


class Repository:
    """One table of the workspace: ``table`` its name, ``what`` how a message names one row."""

    table: ClassVar[str]
    what: ClassVar[str]

    def __init__(self, workspace: Workspace) -> None:
        self._ws = workspace
        self._conn: sqlite3.Connection = workspace.conn

    @property
    def _rows_table(self) -> Any:
        return self._ws.db.table(self.table)

    def _rows(self, sql: str, params: tuple[Any, ...] = ()) -> builtins.list[Row]:
        """Rows of a hand-written query (one that is more than a where clause)."""
        cursor = self._conn.execute(sql, params)
        columns = [d[0] for d in cursor.description]
        return [dict(zip(columns, values, strict=True)) for values in cursor.fetchall()]

    def _where(
        self, where: str | None = None, params: tuple[Any, ...] = (), *, order_by: str | None = None
    ) -> builtins.list[Row]:
        """This table's rows matching ``where``, in ``order_by`` order."""
        return list(self._rows_table.rows_where(where, params, order_by=order_by))

    def _first(self, where: str, params: tuple[Any, ...]) -> Row | None:
        rows = self._where(where, params)
        return rows[0] if rows else None

    def _by_id(self, row_id: int) -> Row:
        """The row with ``row_id``, or :class:`NotFoundError` saying ``no <what> with id N``."""
        try:
            row: Row = self._rows_table.get(row_id)
        except RowNotFound:
            raise NotFoundError(f"no {self.what} with id {row_id}") from None
        return row

    def _insert(self, row: Row, table: str | None = None) -> int:
        """Insert ``row`` (into this table, or ``table``) and return its id."""
        target: Any = self._ws.db.table(table) if table else self._rows_table
        with self._ws.transaction():
            last = target.insert(row).last_pk
        return int(last)

    def _update(self, row_id: int, row: Row) -> None:
        """Change the columns of ``row`` in the row ``row_id``, or :class:`NotFoundError`."""
        with self._ws.transaction():
            try:
                self._rows_table.update(row_id, row)
            except RowNotFound:
                raise NotFoundError(f"no {self.what} with id {row_id}") from None

    def _delete(self, row_id: int) -> None:
        with self._ws.transaction():
            self._rows_table.delete_where("id = ?", [row_id])

    def _exists(self, table: str, row_id: int) -> bool:
        return self._conn.execute(f"SELECT 1 FROM {table} WHERE id = ?", (row_id,)).fetchone() is not None

    def _owned_name_issues(
        self, name: str, row_id: int | None, customer_id: int | None
    ) -> builtins.list[ValidationIssue]:
        """Issues of a row named like another of this table, or owned by a customer that does not exist.

        For the rows whose name is unique in the workspace and whose owner is a customer or nobody.
        """
        issues = unique_name(
            self._conn,
            f"SELECT 1 FROM {self.table} WHERE name = ? AND id IS NOT ?",
            (name, row_id),
            f"a {self.what} named '{name}' already exists",
        )
        if customer_id is not None and not self._exists("customers", customer_id):
            issues.append(ValidationIssue("customer_id", f"no customer with id {customer_id}"))
        return issues


def unique_name(
    conn: sqlite3.Connection, sql: str, params: tuple[Any, ...], message: str
) -> builtins.list[ValidationIssue]:
    """The issue ``message`` on ``name`` when ``sql`` finds another row with that name."""
    return [ValidationIssue("name", message)] if conn.execute(sql, params).fetchone() else []
